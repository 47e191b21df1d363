"""Where a PDF bundle's pages say a new document begins, and how sure the
split is of each start. (A whole bundle from the bench's generator through
`lakmoes run` is in tests/test_release.py.)"""

from __future__ import annotations

from test_classify import GAZETTE, KAMERBRIEF

from flows.model import Document, Page
from flows.stages.split import page_cues, split


def _paged(*pages: str, engines: tuple[str, ...] = ()) -> Document:
    """A PDF-like document of these page texts (no file behind it)."""
    text = "\n".join(pages)
    doc = Document(id="p" * 64, path="pages.pdf", size=len(text), media_type="application/pdf", raw_text=text,
                   text=text)
    pos = 0
    for n, page in enumerate(pages, 1):
        engine = engines[n - 1] if engines else "pdfminer.six"
        doc.pages.append(Page(n, 595, 842, engine, "x", page, span=(pos, pos + len(page))))
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


def test_a_start_on_a_new_page_that_looks_different_is_surer_than_one_inside_a_page() -> None:
    inside = _paged(GAZETTE + "\n" + KAMERBRIEF)
    on_new_page = _paged(GAZETTE, KAMERBRIEF, engines=("pdfminer.six", "tesseract"))
    confidences = []
    for doc in (inside, on_new_page):
        split(doc)
        assert [p.boundary for p in doc.parts] == ["input start", "kamerbrief:aan_de_voorzitter"]
        assert doc.parts[0].boundary_confidence == 1.0
        confidences.append(doc.parts[1].boundary_confidence)
    assert 0 < confidences[0] < 0.8 <= confidences[1] < 1


def test_a_document_id_names_its_input_and_pages() -> None:
    doc = _paged(NOTE + "Pagina 1 van 1", NOTE + "Pagina 1 van 2", NOTE + "Pagina 2 van 2")
    split(doc)
    assert list(doc.document_ids().values()) == [f"{doc.id}:p1-1", f"{doc.id}:p2-3"]


LETTER_HEAD = "Kansspelautoriteit\nDatum 16 juli 2019\nOns kenmerk 12920\n"
BODY = ("De raad van bestuur heeft besloten de informatie openbaar te maken omdat het publieke belang van "
        "openbaarmaking zwaarder weegt dan het belang van de onderneming.\n") * 3


def test_a_page_that_opens_with_a_title_and_drops_the_running_header_begins_a_document() -> None:
    doc = _paged(LETTER_HEAD + BODY, LETTER_HEAD + BODY, GAZETTE)
    assert [cues for _, cues in page_cues(doc)] == [[], ["page:title", "page:new_header"]]
    split(doc)
    assert [doc.page_at(p.span[0]) for p in doc.parts] == [1, 3]
    assert doc.parts[1].boundary_confidence > 0.95  # the gazette's title, at the top of a page, with its cues


def test_a_title_under_the_running_header_is_the_same_document() -> None:
    doc = _paged(LETTER_HEAD + BODY, LETTER_HEAD + GAZETTE)
    assert [cues for _, cues in page_cues(doc)] == [[]]


def test_the_page_after_a_last_page_with_another_header_begins_a_document() -> None:
    doc = _paged(LETTER_HEAD + BODY + "Pagina 2 van 2", "Politie Nederland\nInstructie korpschef\n" + NOTE * 3)
    split(doc)
    assert [(p.boundary, doc.page_at(p.span[0])) for p in doc.parts] == [
        ("input start", 1), ("page:new_header+page:after_last", 2)]


def test_a_start_found_below_a_heading_block_moves_to_the_top_of_its_page() -> None:
    doc = _paged(LETTER_HEAD + BODY, "36 476 Staat van de Europese Unie 2024\n" + KAMERBRIEF)
    split(doc)
    assert [(p.boundary, p.span[0]) for p in doc.parts][1] == ("kamerbrief:aan_de_voorzitter", doc.pages[1].span[0])
