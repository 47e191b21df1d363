"""A PDF bundle from the bench's generator (bench/release_generate.py):
born-digital and scanned documents in one file come out as their documents
with their types, and a leak in one holds back that document only."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import ROOT
from test_classify import BUNDLE, GAZETTE, KAMERBRIEF

from flows.model import Document, Page, RunOptions
from flows.run import units
from flows.stages import ingest
from flows.stages.split import split

sys.path.insert(0, str(ROOT / "bench"))
from release_generate import bundle_pdf

EMAIL = BUNDLE[len(GAZETTE) + 1 : BUNDLE.index(KAMERBRIEF) - 1]


def test_scanned_email_in_a_pdf_bundle_is_its_own_document_and_held_back_alone(tmp_path: Path) -> None:
    path = tmp_path / "bundle.pdf"
    assert bundle_pdf([(GAZETTE, False), (EMAIL, True), (KAMERBRIEF, False)], path) == [(1, 1), (2, 2), (3, 3)]
    doc = ingest.read_document(ingest.identify(path))
    assert [p.engine for p in doc.pages] == ["pdfminer.six", "tesseract", "pdfminer.six"]
    result = units.prepare(doc, RunOptions())
    if result.pending:  # the OCR page waits for the release lexicon
        result = units.finish(result.pending, RunOptions(), result.lexicon)
    parts = [(p["document_type"], p["page_start"], p["page_end"], p["redaction_status"])
             for p in result.rows["parts"]]
    assert parts == [("gazette", 1, 1, "no_redaction_needed"), ("email", 2, 2, "held_back"),
                     ("kamerbrief", 3, 3, "no_redaction_needed")]
    assert result.status == "published_with_held_parts" and len(result.held) == 1
    assert result.held[0].detail.startswith("part 1 (email, pages 2-2): held back for personal data")
    rows = result.rows
    assert "06-12345678" not in rows["documents"][0]["text"]
    assert [p["text"] is None for p in rows["pages"]] == [False, True, False]


def _paged(*pages: str) -> Document:
    """A PDF-like document of these page texts (no file behind it)."""
    text = "\n".join(pages)
    doc = Document(id="p" * 64, path="pages.pdf", size=len(text), media_type="application/pdf", raw_text=text,
                   text=text)
    pos = 0
    for n, page in enumerate(pages, 1):
        doc.pages.append(Page(n, 595, 842, "pdfminer.six", "x", page, span=(pos, pos + len(page))))
        pos += len(page) + 1
    return doc


NOTE = "Aantekeningen bij het overleg van dinsdag over de planning van de werkzaamheden in het najaar.\n"


def test_page_numbering_that_starts_again_begins_a_document() -> None:
    doc = _paged(NOTE + "Pagina 1 van 1", NOTE + "Pagina 1 van 2", NOTE + "Pagina 2 van 2")
    split(doc)
    assert [(p.boundary, doc.page_at(p.span[0])) for p in doc.parts] == [("input start", 1), ("page:first_page", 2)]


def test_another_document_number_on_a_page_begins_a_document() -> None:
    doc = _paged("Document 7\n" + NOTE, "Document 7\n" + NOTE, "Document 8\n" + NOTE)
    split(doc)
    assert [(p.boundary, doc.page_at(p.span[0])) for p in doc.parts] == [("input start", 1),
                                                                          ("page:document_number", 3)]


def test_page_numbers_that_go_on_begin_no_document() -> None:
    doc = _paged(NOTE + "Pagina 1 van 3", NOTE + "Pagina 2 van 3", NOTE + "Pagina 3 van 3")
    split(doc)
    assert len(doc.parts) == 1
