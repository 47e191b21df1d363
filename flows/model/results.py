"""What a work unit sends back to the run for one input: its rows for
every table, or why it was quarantined, or the document itself while it
waits for the release lexicon."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.model.document import Document, LexiconUse, QuarantineEntry


@dataclass
class DocumentResult:
    """What a worker sends back: plain rows, never layout objects."""

    source_path: str
    document_id: str | None
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    quarantine: QuarantineEntry | None = None
    # Parts of a published document that the gate held back.
    held: list[QuarantineEntry] = field(default_factory=list)
    status: str = "published"
    # Words of the document's clean parts: the release lexicon for OCR
    # correction is the sum of these over every document of the release.
    lexicon: Counter[str] = field(default_factory=Counter)
    # A document with OCR text waits, extracted and split, until the release
    # lexicon is known; the flow then runs `finish` on it.
    pending: Document | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # What the OCR engine (Tesseract, through OCRmyPDF) reported while the
    # document was read, by message, counted: summarised by the run.
    ocr_messages: dict[str, int] = field(default_factory=dict)
    # A finished document with OCR text: what its correction read of the
    # release lexicon, to keep the result under another lexicon.
    lexicon_use: LexiconUse | None = None

    @property
    def file_name(self) -> str:
        """The input's file name, for task run names."""
        return Path(self.source_path).name
