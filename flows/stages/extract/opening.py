"""Opening a PDF within bounds: the header and trailer checked, encryption
and damage named, streams inflated with a cap (decompression bombs)."""

from __future__ import annotations

import contextlib
import signal
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from pdfminer.ascii85 import ascii85decode, asciihexdecode
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1
from pdfminer.psparser import PSLiteral

from flows.model.errors import PdfError
from flows.stages.extract.content import DocumentParser
from flows.stages.extract.limits import MAX_FORM_DEPTH, MAX_STREAM_BYTES


def _check_header_and_tail(path: Path) -> None:
    """Refuse what is not a PDF, and a file cut off before its end (the
    trailer's `%%EOF` is missing): pdfminer would otherwise quietly rebuild
    what it can and return fewer pages."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(1024)
        if b"%PDF-" not in head:
            raise PdfError("not a PDF", "no %PDF- header in the first 1024 bytes")
        f.seek(max(0, size - 2048))
        tail = f.read().rstrip(b"\x00\r\n\t \x0c")
    if b"%%EOF" not in tail[-1100:]:
        raise PdfError("truncated or damaged", "no %%EOF at the end of the file")


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise PdfError("timed out") after `seconds`, so that a pure-Python
    loop on hostile input cannot run forever. Needs the main thread (SIGALRM);
    elsewhere the pipeline's per-document timeout is the bound."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _alarm(signum: int, frame: Any) -> None:
        raise PdfError("timed out", f"after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    # Re-fire every second: pdfminer swallows some exceptions internally, and
    # one swallowed alarm must not make the limit go away.
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def open_document(path: Path) -> Iterator[PDFDocument]:
    """Open with pdfminer; an empty user password is tried (pdfminer's
    default), a real one is refused as "encrypted"."""
    _check_header_and_tail(path)
    with path.open("rb") as fp:
        try:
            doc = PDFDocument(DocumentParser(fp), password="")
        except (PDFPasswordIncorrect, PDFEncryptionError) as e:
            raise PdfError("encrypted", type(e).__name__) from e
        except PdfError:
            raise
        except Exception as e:  # pdfminer raises many types on damaged files
            raise PdfError("truncated or damaged", f"{type(e).__name__}: {e}"[:200]) from e
        yield doc


def pdf_pages(doc: PDFDocument) -> Iterator[PDFPage]:
    try:
        yield from PDFPage.create_pages(doc)
    except PdfError:
        raise
    except Exception as e:
        raise PdfError("truncated or damaged", f"page tree: {type(e).__name__}: {e}"[:200]) from e


def page_count(path: Path) -> int:
    """Number of pages; PdfError for a file that cannot be read or has none."""
    with open_document(Path(path)) as doc:
        n = sum(1 for _ in pdf_pages(doc))
    if n == 0:
        raise PdfError("no pages")
    return n


def inflate_bounded(data: bytes, limit: int = MAX_STREAM_BYTES) -> bytes:
    """zlib-inflate in 1 MB steps and stop past `limit` bytes: a stream that
    inflates further is a decompression bomb (pdfminer would inflate it
    whole into memory). Corrupt zlib yields what inflated before the damage,
    as pdfminer's own fallback does."""
    d = zlib.decompressobj()
    parts: list[bytes] = []
    total = 0
    pending = data
    try:
        while pending:
            chunk = d.decompress(pending, 1 << 20)
            total += len(chunk)
            if total > limit:
                raise PdfError("decompression bomb", f"a stream inflates beyond {limit // 2**20} MB")
            parts.append(chunk)
            pending = d.unconsumed_tail
            if d.eof:
                break
        parts.append(d.flush())
    except zlib.error:
        pass
    return b"".join(parts)


# Text armour some producers put around a compressed stream (ReportLab's
# default: ASCII85 over Flate). Undone here with pdfminer's own decoders,
# so that the Flate stage behind it is inflated with the cap as well.
ARMOUR = {"ASCII85Decode": ascii85decode, "A85": ascii85decode, "ASCIIHexDecode": asciihexdecode,
          "AHx": asciihexdecode}
FLATE = ("FlateDecode", "Fl")


def _guard_stream(stream: PDFStream) -> None:
    """Decode a content or form stream ourselves when it is Flate, bare or
    under text armour (the common cases), with a size cap, so pdfminer
    never inflates a bomb; other filter chains get the cap checked on their
    Flate stage."""
    if stream.data is not None or stream.rawdata is None:
        return
    raw = stream.rawdata
    if stream.decipher and stream.objid is not None and stream.genno is not None:
        raw = stream.decipher(stream.objid, stream.genno, raw, stream.attrs)
    filters = stream.get_filters()
    names = [pdf_name(f) for f, _ in filters]
    armour = 0
    while armour < len(names) and names[armour] in ARMOUR:
        raw = ARMOUR[names[armour]](raw)  # shrinks: 5 characters to 4 bytes, 2 to 1
        armour += 1
    rest, params = names[armour:], filters[armour][1] if armour < len(filters) else None
    if len(rest) == 1 and rest[0] in FLATE and not (params or {}).get("Predictor"):
        stream.data = inflate_bounded(raw)
        stream.rawdata = None
    elif rest and rest[0] in FLATE:
        inflate_bounded(raw)
    elif len(raw) > MAX_STREAM_BYTES:
        raise PdfError("decompression bomb", f"a stream is larger than {MAX_STREAM_BYTES // 2**20} MB")
    elif armour and not rest:
        stream.data = raw
        stream.rawdata = None


# Where a font keeps the streams pdfminer decodes when it loads the font:
# its Unicode and encoding CMaps, and its embedded font program.
FONT_STREAMS = ("ToUnicode", "Encoding")
DESCRIPTOR_STREAMS = ("FontFile", "FontFile2", "FontFile3")


def _font_streams(font: Any, descendant: bool = False) -> Iterator[PDFStream]:
    """The streams of a font dictionary, a composite font's descendant
    font's included."""
    if not isinstance(font, dict):
        return
    for key in FONT_STREAMS:
        if isinstance(value := resolve1(font.get(key)), PDFStream):
            yield value
    descriptor = resolve1(font.get("FontDescriptor"))
    if isinstance(descriptor, dict):
        for key in DESCRIPTOR_STREAMS:
            if isinstance(value := resolve1(descriptor.get(key)), PDFStream):
                yield value
    descendants = resolve1(font.get("DescendantFonts"))
    if not descendant and isinstance(descendants, list):
        for d in descendants:
            yield from _font_streams(resolve1(d), descendant=True)


def guard_page(page: PDFPage) -> None:
    """Bound the content streams, the form XObjects (recursively, each once)
    and the fonts' streams of a page before pdfminer decodes them: a font's
    CMap or program inflated whole is as much a bomb as a page's content."""
    seen: set[int] = set()

    def font_streams(resources: Any) -> None:
        fonts = resolve1((resolve1(resources) or {}).get("Font")) if resources else None
        if isinstance(fonts, dict):
            for ref in fonts.values():
                for s in _font_streams(resolve1(ref)):
                    _guard_stream(s)

    def form_streams(resources: Any, depth: int) -> None:
        if depth > MAX_FORM_DEPTH:
            raise PdfError("too deeply nested", f"forms nested deeper than {MAX_FORM_DEPTH}")
        font_streams(resources)
        xobjects = resolve1((resolve1(resources) or {}).get("XObject")) if resources else None
        if not isinstance(xobjects, dict):
            return
        for ref in xobjects.values():
            key = ref.objid if isinstance(ref, PDFObjRef) else id(ref)
            if key in seen:
                continue
            seen.add(key)
            xobj = resolve1(ref)
            if isinstance(xobj, PDFStream) and pdf_name(xobj.get("Subtype")) == "Form":
                _guard_stream(xobj)
                form_streams(xobj.get("Resources"), depth + 1)

    for s in page.contents:
        s = resolve1(s)
        if isinstance(s, PDFStream):
            _guard_stream(s)
    form_streams(page.resources, 0)


def pdf_name(obj: Any) -> str:
    obj = resolve1(obj)
    # pdfminer keeps a name that is not UTF-8 as bytes; such a name matches
    # none of the names lakmoes looks for, whatever its type.
    return cast(str, obj.name) if isinstance(obj, PSLiteral) else str(obj or "")
