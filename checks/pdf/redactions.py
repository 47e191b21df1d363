"""The PDF redaction check of one document: every page's boxes and findings
as rows, image-only pages to the scanned-box detector, and bookmarks and
metadata read when some text was found hidden."""

from __future__ import annotations

import re
from pathlib import Path

from checks.findings import add_page_finding, add_redaction
from checks.masking import value_hash
from checks.pdf.boxes import find_redactions
from checks.pdf.catalogue import BoxFinding, RedactionBox
from checks.pdf.glyphs import fill_style, is_visible, norm_word
from checks.pdf.metadata import outline_and_metadata, side_channel_findings
from checks.pdf.scanned.rows import record_scanned_boxes
from flows.model import Document, Page


def _span_of(doc: Document, page: Page, f: BoxFinding) -> tuple[int | None, int | None]:
    """Where the hidden words stand in the document text, found by their
    hashes among the page's words; (None, None) when not found."""
    if not f.word_hashes or not doc.text:
        return None, None
    start, end = page.span
    words = [(m.start() + start, m.end() + start, norm_word(m.group())) for m in re.finditer(r"\S+", doc.text[start:end])]
    # Each distinct word hashed once; only words of three letters or more
    # were hashed (`hidden_finding`), so shorter ones need no hash.
    hidden = {w for w in {w for _, _, w in words if len(w) >= 3} if value_hash(w) in f.word_hashes}
    hits = [(s, e) for s, e, w in words if w in hidden]
    if not hits:
        return None, None
    return hits[0][0], hits[-1][1]


def add_box_row(doc: Document, page: Page, b: RedactionBox) -> None:
    part = doc.part_at(page.span[0])
    add_redaction(doc, part=part.index if part else None, page=b.page, index=b.index, bbox=b.bbox, source=b.source,
                  style=b.style, color=b.color, area=b.area, label=b.label or None, ground_code=b.ground_code,
                  text_under=b.text_under)


def add_finding_row(doc: Document, page: Page, f: BoxFinding) -> None:
    start, end = _span_of(doc, page, f)
    part = doc.part_at(start if start is not None else page.span[0])
    add_page_finding(doc, f.check, f.severity, f.message, page=f.page, box=f.bbox,
                     id_where=(f.page, f.bbox, f.value_hash), part=part.index if part else None, span=(start, end),
                     masked=f.masked, value_hash_=f.value_hash)


def _image_only(page: Page) -> bool:
    return bool(page.images) and not any(g.text.strip() and is_visible(g) for g in page.glyphs)


def detect_scanned_pages(doc: Document) -> None:
    """The costly half of the scanned-box check, run once in the prepare
    phase (stage scan-boxes): the boxes of every page that
    `check_pdf_redactions` sends to the detector, kept on the page
    (`Page.scanned_boxes`), so that finishing the document again with
    another release lexicon does not render and detect its pages again.
    Which pages go there (image-only, without vector boxes) depends on the
    page's geometry only, never on the text that correction changes.
    OpenCV is imported only when a page needs it: it is slow to import."""
    for page in doc.pages:
        if _image_only(page) and not find_redactions(page)[0]:
            from checks.pdf.scanned.step import detect_scanned_boxes

            page.scanned_boxes = detect_scanned_boxes(doc.path, page)


def _scanned_boxes(doc: Document, page: Page) -> None:
    """Boxes in the page image of an image-only page, as `redactions` and
    `findings` rows: those the prepare phase kept on the page, or, for a
    page it did not see (a document checked on its own), detected now by
    `checks.pdf.scanned` (its own module, OpenCV, imported here because it
    is slow to import)."""
    if page.scanned_boxes is not None:
        record_scanned_boxes(doc, page, page.scanned_boxes)
        return
    from checks.pdf.scanned.step import find_scanned_redactions

    find_scanned_redactions(doc, page)


def check_pdf_redactions(doc: Document, source_path: str | Path | None = None) -> None:
    """Run the box checks on every page of a PDF document and append
    `redactions` and `findings` rows. Image-only pages without vector boxes
    go to `checks.pdf.scanned` (boxes in the scan; detected in the prepare
    phase when it ran, `detect_scanned_pages`). Bookmarks and metadata are
    read from the file (`source_path`, default `doc.path`) when it is there,
    and only when some text was found hidden."""
    hidden: list[BoxFinding] = []
    for page in doc.pages:
        boxes, findings = find_redactions(page)
        for b in boxes:
            add_box_row(doc, page, b)
        for f in findings:
            add_finding_row(doc, page, f)
        if _image_only(page) and not boxes:
            _scanned_boxes(doc, page)
        hidden += [f for f in findings if f.word_hashes and f.severity == "high"]
    path = Path(source_path or doc.path)
    if hidden and path.is_file():
        pages = {p.number: p for p in doc.pages}
        for f in side_channel_findings(outline_and_metadata(path), hidden):
            add_finding_row(doc, pages[f.page], f)


__all__ = [
    "BoxFinding",
    "RedactionBox",
    "check_pdf_redactions",
    "detect_scanned_pages",
    "fill_style",
    "find_redactions",
    "outline_and_metadata",
]
