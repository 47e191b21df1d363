"""Ingest: find the inputs of a release, read them, give each a stable id,
and hand it to the backend that fits its content.

Backends share one small interface (`Backend`): the text backend here, the
PDF backend in `flows/stages/extract/pdf.py`, the spreadsheet backends
(.csv, .xlsx: an inventory list as a release may ship it) in
`flows/stages/extract/spreadsheet.py`. A new format is one more entry in `BACKENDS`.
Bad input never stops the run: it raises `InputError` with a short, stable
reason, and the caller quarantines the file.
"""

from __future__ import annotations

import codecs
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from flows.model import Document, Page, QuarantineEntry
from flows.model.errors import InputError
from flows.stages.extract.spreadsheet import CSV, XLSX, csv_text, xlsx_text


@dataclass(frozen=True)
class Input:
    """A file found for the release, before it is read."""

    path: Path
    size: int
    sha256: str
    media_type: str


class Backend(Protocol):
    media_type: str

    def read(self, doc: Document, max_pages: int | None = None) -> None:
        """Fill `doc.raw_text` (and `doc.pages` for paged formats) from the
        file at `doc.path`, or raise InputError. A paged format raises
        TooManyPages for a file of more than `max_pages` pages."""


SUFFIXES = {".txt": "text/plain", ".text": "text/plain", ".pdf": "application/pdf", ".csv": CSV, ".xlsx": XLSX}


def discover(paths: list[Path]) -> tuple[list[Path], list[QuarantineEntry]]:
    """Expand folders into the document files they hold (sorted, so runs are
    repeatable); a missing path or a folder without documents becomes a
    quarantine entry rather than an error that stops the run."""
    found: list[Path] = []
    refused: list[QuarantineEntry] = []
    for p in paths:
        if not p.exists():
            refused.append(QuarantineEntry(str(p), "path does not exist", "discover", f"{p} was given but does not exist"))
        elif p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES and not _hidden(f, p))
            if not files:
                refused.append(
                    QuarantineEntry(str(p), "no documents in folder", "discover",
                                    f"{p} holds no {', '.join(sorted(set(SUFFIXES)))} files")
                )
            found.extend(files)
        else:
            found.append(p)
    # The same file named twice (directly and through its folder) is read
    # once; it keeps the path it was first given as.
    seen: set[Path] = set()
    unique = []
    for f in found:
        if (key := f.resolve()) not in seen:
            seen.add(key)
            unique.append(f)
    return unique, refused


def _hidden(f: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in f.relative_to(root).parts)


def sniff(path: Path, head: bytes) -> str:
    """Media type from the content first, the suffix second: a PDF named
    .txt is still a PDF, and a .pdf that is not one is caught by its
    backend."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return SUFFIXES.get(path.suffix.lower(), "text/plain")


def identify(path: Path) -> Input:
    """Read the file once to hash it; the sha256 of the bytes is the
    document id, so the same document gets the same id wherever it lies."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
            digest = hashlib.sha256(head)
            size = len(head)
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
    except OSError as e:
        raise InputError("unreadable file", f"{path}: {e.strerror or e}") from e
    return Input(path=path, size=size, sha256=digest.hexdigest(), media_type=sniff(path, head))


# --------------------------------------------------------------------------
# Text backend

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode text bytes and say which encoding was used.

    A BOM decides first; then strict UTF-8 (the common case, and a cp1252
    file almost never passes it by accident); then charset-normalizer for the
    rest. A file with NUL bytes or many control characters after decoding is
    binary, whatever its name."""
    if not data:
        raise InputError("empty file", "the file has no bytes")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(enc)), enc.replace("-sig", "")
            except UnicodeDecodeError as e:
                name = enc.replace("-sig", "")
                raise InputError(
                    "not valid text", f"{name} byte-order mark, but bytes {e.start}-{e.end} do not decode"
                ) from None
    if b"\x00" in data[:4096]:
        raise InputError("binary content, not text", "the file holds NUL bytes")
    try:
        return _checked(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise InputError("binary content, not text", "no text encoding fits the bytes")
    # Several single-byte code pages decode a Dutch text without "chaos";
    # charset-normalizer then picks the first (often cp1250, which turns
    # "ï" into "ď"). Among the equally good ones, prefer the Western code
    # page that Dutch Windows software writes.
    least = min(m.chaos for m in matches)
    tied = [m for m in matches if m.chaos == least]
    best = next((m for m in tied if m.encoding in WESTERN), tied[0])
    return _checked(str(best)), best.encoding


WESTERN = ("cp1252", "iso8859_15", "latin_1")


def _checked(text: str) -> str:
    if not text.strip():
        raise InputError("empty file", "the file holds only whitespace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(2, len(text) // 100):
        raise InputError("binary content, not text", f"{controls} control characters in {len(text)}")
    return text


class TextBackend:
    media_type = "text/plain"

    def read(self, doc: Document, max_pages: int | None = None) -> None:
        try:
            data = Path(doc.path).read_bytes()
        except OSError as e:
            raise InputError("unreadable file", f"{doc.path}: {e.strerror or e}") from e
        doc.raw_text, doc.encoding = decode_text(data)


class PdfBackend:
    media_type = "application/pdf"

    def read(self, doc: Document, max_pages: int | None = None) -> None:
        from flows.stages.extract import (
            pdf,  # pdfminer is imported only when a PDF comes
        )

        attach_pages(doc, pdf.extract_pages(Path(doc.path), max_pages=max_pages))


class CsvBackend:
    media_type = CSV

    def read(self, doc: Document, max_pages: int | None = None) -> None:
        try:
            data = Path(doc.path).read_bytes()
        except OSError as e:
            raise InputError("unreadable file", f"{doc.path}: {e.strerror or e}") from e
        text, doc.encoding = decode_text(data)
        doc.raw_text = csv_text(text)


class XlsxBackend:
    media_type = XLSX

    def read(self, doc: Document, max_pages: int | None = None) -> None:
        doc.raw_text = xlsx_text(Path(doc.path))


PAGE_SEPARATOR = "\n\n"


def attach_pages(doc: Document, pages: list[Page]) -> None:
    """Join the pages' text into the document's raw text and record where
    each page lies in it; every later span finds its page from these."""
    parts: list[str] = []
    pos = 0
    for page in sorted(pages, key=lambda p: p.number):
        text = page.text.strip("\n")
        page.span = (pos, pos + len(text))
        parts.append(text)
        pos += len(text) + len(PAGE_SEPARATOR)
    doc.pages = sorted(pages, key=lambda p: p.number)
    doc.raw_text = PAGE_SEPARATOR.join(parts)


BACKENDS: dict[str, Callable[[], Backend]] = {
    "text/plain": TextBackend,
    "application/pdf": PdfBackend,
    CSV: CsvBackend,
    XLSX: XlsxBackend,
}


def read_document(inp: Input, max_pages: int | None = None) -> Document:
    """Read one input into a Document with its raw text (and pages); a PDF
    of more than `max_pages` pages raises TooManyPages."""
    doc = Document(id=inp.sha256, path=str(inp.path), size=inp.size, media_type=inp.media_type)
    if inp.size == 0:
        raise InputError("empty file", "the file has no bytes")
    started = time.perf_counter()
    BACKENDS[inp.media_type]().read(doc, max_pages)
    doc.stage_seconds["extract"] = time.perf_counter() - started
    doc.text = doc.raw_text
    return doc
