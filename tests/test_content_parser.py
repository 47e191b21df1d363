"""The content-stream fast path (`flows/stages/extract/content.py`) reads
every token as pdfminer.six's own parser does, and a page walked with it
is the page walked with pdfminer's `execute`."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfinterp import PDFContentParser, PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, PDFStream, stream_value
from pdfminer.psexceptions import PSEOF
from pdfminer.psparser import LIT
from reportlab.pdfgen.canvas import Canvas

from flows.stages.extract import walk
from flows.stages.extract.content import ContentParser, DocumentParser
from flows.stages.extract.opening import guard_page
from tests.fixtures.bad_pdfs import one_page

# Tokens of every kind the fast path reads and of kinds it leaves to
# pdfminer (arrays, dictionaries, `#` escapes, nested parentheses, comments,
# odd operators, malformed numbers), with the escapes pdfminer reads in its
# own way (octal runs of one to three digits, a backslash before a line
# break, before an unknown character).
PIECES = [
    b"BT", b"ET", b"q", b"Q", b"Tf", b"Td", b"TJ", b"Tj", b"T*", b"'", b'"', b"re", b"f*", b"cm", b"Do",
    b"true", b"false", b"null", b"EI", b"0", b"12", b"-3", b"+4", b"007", b"1.5", b"-.25", b".5", b"3.",
    b"-", b"+", b".", b"1.2.3", b"--1", b"/F1", b"/Name#20x", b"/", b"/a.b-c_d", b"/\xc3\xa9", b"/\xff",
    b"(plain)", b"()", b"(a(b)c)", b"(esc \\( \\) \\\\ \\n \\t \\r \\b \\f)", b"(\\101\\1011\\7\\78\\0009)",
    b"(\\\r\nline)", b"(\\\nline)", b"(\\\rx)", b"(\\q)", b"(\\\\)", b"(\r\n raw)", b"(\\777)",
    b"<48656C6C6F>", b"<4 8 6>", b"<>", b"<abc>", b"<<", b">>", b"<</MCID 0>>", b"<41>>", b">", b"[", b"]",
    b"[(a) -120 (b)]", b"{", b"}", b"%comment\n", b"\x00", b")", b"#", b"Tz#x",
    b"BI /W 2 /H 1 /BPC 8 /CS /G ID \x01) EI", b"BI", b"ID",
]
SEPARATORS = [b" ", b"\n", b"\r\n", b"\t", b"", b"  \x00 ", b"\r"]
# What damage is made of: the characters a PDF's syntax turns on.
DAMAGE = b" \n\r\t\x00()[]<>{}/%#\\0123456789.-+aeRTJ'\"\xff"


class _Small(PDFContentParser):
    BUFSIZ = 7


class _SmallFast(ContentParser):
    BUFSIZ = 7


def _tokens(parser_class: type[PDFContentParser], streams: list[Any]) -> list[Any]:
    """Every object the parser yields, with its position and type (True and
    1 compare equal), up to the end or the error it stops on."""
    out: list[Any] = []
    try:
        parser = parser_class(streams)
    except PSEOF:
        return out
    while True:
        try:
            pos, obj = parser.nextobject()
        except PSEOF:
            return out
        except Exception as e:  # a failure is compared as well: the same error at the same place
            return [*out, ("error", type(e).__name__)]
        if isinstance(obj, PDFStream):  # an inline image: a stream compares by identity
            obj = (obj.attrs, obj.rawdata)
        out.append((pos, type(obj).__name__, obj))


def _streams(datas: list[bytes]) -> list[PDFStream]:
    return [PDFStream({}, d) for d in datas]


def test_generated_content_streams_tokenise_as_pdfminer_reads_them() -> None:
    rnd = random.Random(7)
    for _ in range(600):
        datas = [b"".join(rnd.choice(PIECES) + rnd.choice(SEPARATORS) for _ in range(rnd.randint(1, 40)))
                 for _ in range(rnd.randint(1, 3))]
        for slow, fast in ((PDFContentParser, ContentParser), (_Small, _SmallFast)):
            assert _tokens(fast, _streams(datas)) == _tokens(slow, _streams(datas)), datas


def test_an_escaped_string_cut_by_the_buffer_end_is_left_to_pdfminer() -> None:
    # 40 octal escapes across the 4,096-byte buffer: a backtracking pattern
    # would try 3^40 ways to split them before giving up.
    data = b" " * 4000 + b"(" + b"\\000\\102" * 40 + b") Tj"
    assert _tokens(ContentParser, _streams([data])) == _tokens(PDFContentParser, _streams([data]))


def _pdf(path: Path) -> Path:
    c = Canvas(str(path))
    c.setFont("Helvetica", 11)
    c.drawString(72, 760, "Antwoord op vraag 1 (zie bijlage) met \\ en é")
    t = c.beginText(72, 700)
    t.setCharSpace(0.5)
    t.textLines("Tweede regel\nDerde regel, 5.1.2e")
    c.drawText(t)
    c.setFillColorRGB(0, 0, 0)
    c.rect(72, 600, 200, 14, fill=1)
    c.showPage()
    c.save()
    return path


class _PdfminerExecute(walk._Interpreter):
    """The walk's interpreter with pdfminer's own `execute`."""

    execute = PDFPageInterpreter.execute  # type: ignore[assignment]


def _walked(path: Path, interpreter: type[walk._Interpreter]) -> list[Any]:
    out = []
    with path.open("rb") as f:
        doc = PDFDocument(PDFParser(f))
        rsrcmgr = PDFResourceManager()
        for page in PDFPage.create_pages(doc):
            guard_page(page)
            device = walk._Walker(rsrcmgr)
            interpreter(rsrcmgr, device).process_page(page)
            out.append((device.glyphs, device.text_glyphs, [repr(o) for o in device.get_result()]))
    return out


def test_a_page_walked_with_the_fast_execute_is_the_page_pdfminer_walks(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "page.pdf")
    assert _walked(pdf, walk._Interpreter) == _walked(pdf, _PdfminerExecute)
    assert _walked(pdf, walk._Interpreter)[0][0], "the page has glyphs"


def _damaged(data: bytes, rnd: random.Random) -> bytes:
    """`data` with a few bytes replaced, inserted or deleted, from an
    alphabet of the characters a PDF's syntax turns on."""
    out = bytearray(data)
    for _ in range(rnd.randint(1, 10)):
        i = rnd.randrange(len(out))
        op = rnd.random()
        if op < 0.5:
            out[i] = rnd.choice(DAMAGE)
        elif op < 0.75:
            out.insert(i, rnd.choice(DAMAGE))
        else:
            del out[i]
    return bytes(out)


def test_damaged_content_streams_tokenise_as_pdfminer_reads_them(tmp_path: Path) -> None:
    with _pdf(tmp_path / "page.pdf").open("rb") as f:
        page = next(PDFPage.create_pages(PDFDocument(PDFParser(f))))
        data = b"".join(stream_value(s).get_data() for s in page.contents)
    rnd = random.Random(11)
    for _ in range(400):
        damaged = _damaged(data, rnd)
        cut = rnd.randrange(1, len(damaged) + 1)
        streams = [damaged[:cut], damaged[cut:]] if cut < len(damaged) else [damaged]
        for slow, fast in ((PDFContentParser, ContentParser), (_Small, _SmallFast)):
            assert _tokens(fast, _streams(streams)) == _tokens(slow, _streams(streams)), damaged


def test_the_objects_of_damaged_pdf_files_read_as_pdfminer_reads_them(tmp_path: Path) -> None:
    data = _pdf(tmp_path / "page.pdf").read_bytes()
    rnd = random.Random(12)
    damaged = tmp_path / "damaged.pdf"
    for _ in range(150):
        damaged.write_bytes(_damaged(data, rnd))
        assert _readable(damaged, DocumentParser) == _readable(damaged, PDFParser)


def _readable(path: Path, parser_class: type[PDFParser]) -> Any:
    """`_objects`, or the error that stops reading the file at all."""
    try:
        return _objects(path, parser_class)
    except Exception as e:
        return ("error", type(e).__name__)


def test_real_pdfs_tokenise_as_pdfminer_reads_them(real_data: Path) -> None:
    files = sorted(real_data.rglob("*.pdf"))
    assert files
    for path in files:
        with path.open("rb") as f:
            for page in PDFPage.create_pages(PDFDocument(PDFParser(f))):
                streams = [stream_value(s) for s in page.contents]
                assert _tokens(ContentParser, streams) == _tokens(PDFContentParser, streams), path.name


def _plain(obj: Any) -> Any:
    """An object of a PDF file as plain data (streams and references
    compare by identity)."""
    if isinstance(obj, PDFStream):
        return ("stream", _plain(obj.attrs), obj.rawdata)
    if isinstance(obj, PDFObjRef):
        return ("ref", obj.objid)
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return (type(obj).__name__, obj)


def _objects(path: Path, parser_class: type[PDFParser]) -> dict[int, Any]:
    """Every object the file's cross-reference tables name, as read through
    `parser_class`."""
    out: dict[int, Any] = {}
    with path.open("rb") as f:
        doc = PDFDocument(parser_class(f), password="")
        for xref in doc.xrefs:
            for objid in xref.get_objids():
                try:
                    out[objid] = _plain(doc.getobj(objid))
                except Exception as e:  # the same failure on the same object
                    out[objid] = ("error", type(e).__name__)
    return out


def test_the_objects_of_a_pdf_file_read_as_pdfminer_reads_them(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path / "page.pdf")
    objects = _objects(pdf, DocumentParser)
    assert objects == _objects(pdf, PDFParser)
    assert any(isinstance(o, dict) and o.get("Type") == ("PSLiteral", LIT("Page")) for o in objects.values())


def test_the_objects_of_real_pdfs_read_as_pdfminer_reads_them(real_data: Path) -> None:
    for path in sorted(real_data.rglob("*.pdf")):
        assert _objects(path, DocumentParser) == _objects(path, PDFParser), path.name


@pytest.mark.parametrize("count", [0, 1])
def test_an_operator_short_of_operands_or_unknown_is_skipped_as_pdfminer_skips_it(tmp_path: Path, count: int) -> None:
    # `Td` with one operand, an operator nobody knows, then real text.
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(one_page(b"BT /F1 12 Tf " + b"5 " * count + b"Td foo 72 700 Td (Hallo) Tj ET",
                             resources=b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"))
    fast, slow = _walked(pdf, walk._Interpreter), _walked(pdf, _PdfminerExecute)
    assert fast == slow
    assert "".join(g.text for g in fast[0][0]) == "Hallo"
