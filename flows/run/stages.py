"""The ordered stage list of lakmoes: one entry per stage, in the order a
release goes through them, naming where each lives. The README's stage
section is generated from it (`python -m flows.cli.docs`, checked by
`tests/test_readme.py`), and a quarantined input names the stage that
refused it by these names.

Per-document stages are plain functions `stage(doc, ctx) -> None` that a
worker runs in order (`flows/run/units.py`); ingest and extract make the
document, the release stages work on the tables of all documents. The
stages up to scan-boxes need only the document itself ("prepare"); from
correct on, a document with OCR text waits until every document of the
release is read, because the release's clean text is the corrector's
lexicon ("finish").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from checks.gate import gate
from checks.pdf.redactions import detect_scanned_pages
from checks.stage import run_checks
from flows.model import Document, StageContext
from flows.stages.classify import classify
from flows.stages.correct.stage import correct, detect_ocr
from flows.stages.markers import markers
from flows.stages.normalise import normalise
from flows.stages.parse import parse
from flows.stages.split import split

DocumentStage = Callable[[Document, StageContext], None]


@dataclass(frozen=True)
class Stage:
    name: str
    phase: str  # read | prepare | finish | release
    where: str  # the module that holds its logic
    doc: str
    run: DocumentStage | None = None  # for the per-document stages of prepare and finish


def _document_only(fn: Callable[[Document], object]) -> DocumentStage:
    def run(doc: Document, ctx: StageContext) -> None:
        fn(doc)

    return run


STAGES: tuple[Stage, ...] = (
    Stage("ingest", "read", "flows/stages/ingest.py",
          "find the input files, identify each by the hash of its bytes, refuse duplicates and bad files"),
    Stage("extract", "read", "flows/stages/extract/",
          "the text of each page: pdfminer.six for a text layer, Tesseract through OCRmyPDF for a page without one"),
    Stage("normalise", "prepare", "flows/stages/normalise.py",
          "Unicode NFC, ligatures, soft hyphens, words broken over lines, whitespace",
          _document_only(normalise)),
    Stage("split", "prepare", "flows/stages/split.py",
          "cut the input into its documents: public answers and internal beslisnota by their headings, a bundle "
          "where a known type begins or a page's numbering or document number says so; a confidence per start",
          _document_only(split)),
    Stage("classify", "prepare", "flows/stages/classify.py",
          "the type of each part from its landmarks (gazette, Kamerbrief, decision, e-mail, memo, letter ...) "
          "and, for a part the splitter could not place, its visibility", classify),
    Stage("detect-ocr", "prepare", "flows/stages/correct/stage.py",
          "mark the parts whose text is OCR output", detect_ocr),
    Stage("scan-boxes", "prepare", "checks/pdf/scanned/",
          "find the redaction boxes in the image of each image-only page and read their stamps, kept on the page "
          "for the checks stage: a document finished again with a new release lexicon is not rendered again",
          _document_only(detect_scanned_pages)),
    Stage("correct", "finish", "flows/stages/correct/",
          "correct OCR errors in OCR parts, with the release's clean text as evidence (audited: one row per edit)",
          correct),
    Stage("parse", "finish", "flows/stages/parse/",
          "by document type: questions and answers of Kamervragen, header fields and sections of a memo, the "
          "messages of an e-mail thread, the entries of an inventory list, the facts of a Woo decision", parse),
    Stage("markers", "finish", "flows/stages/markers.py",
          "every redaction marker in the text: ground codes, ground labels, withheld-passage headings", markers),
    Stage("checks", "finish", "checks/stage.py",
          "personal data, removals without a ground, person fields of memos, Kamervragen numbering, redaction boxes "
          "of PDFs", run_checks),
    Stage("gate", "finish", "checks/gate.py",
          "hold back a document with a high-severity finding in an internal part; sum up its redactions", gate),
    Stage("tables", "release", "flows/release/publish.py",
          "merge the documents' rows into the published tables, each checked against its schema; check the "
          "inventory lists against the documents of the release"),
    Stage("quality", "release", "checks/quality/",
          "validate every table with its Great Expectations suite; write Data Docs"),
    Stage("report", "release", "flows/release/report.py", "the redaction and data-quality report (HTML, Markdown)"),
    Stage("publish", "release", "flows/release/publish.py",
          "move the staged release into place and point `latest` at it, or set it aside under failed/"),
)
STAGE_NAMES = tuple(s.name for s in STAGES)


def phase(name: str) -> tuple[Stage, ...]:
    """The stages of one phase, in order."""
    return tuple(s for s in STAGES if s.phase == name)


def stages_markdown() -> str:
    """The README's stage section."""
    lines = ["| # | stage | runs | where | what it does |", "|---|---|---|---|---|"]
    for i, s in enumerate(STAGES, 1):
        runs = "per release" if s.phase == "release" else "per document"
        lines.append(f"| {i} | `{s.name}` | {runs} | `{s.where}` | {s.doc} |")
    return "\n".join(lines) + "\n"

