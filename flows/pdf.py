"""The PDF backend: every page through pdfminer.six, scans through OCRmyPDF.

Why a page walk of our own rather than `pdfminer.high_level`: the redaction
checks need to know what was painted on top of what. `high_level` always runs
layout analysis, which reorders objects and costs most of pdfminer's time.
Here a `PDFPageInterpreter` drives a `PDFPageAggregator(laparams=None)`, so
the objects arrive in content-stream (paint) order, and the subclasses below
stamp what pdfminer does not keep: the text render mode (mode 3 is invisible
text), the fill alpha of the ExtGState (`/ca`; pdfminer ignores `gs`), colours
normalised to RGB whatever the colour space, and the paint order. The page
text is then built from the glyphs (lines by baseline, spaces from gaps).

A page without a usable text layer (no text, or mostly unmapped `(cid:N)`
codes) is OCRed with OCRmyPDF + Tesseract (`nld+eng`), only those pages, with
as many jobs as cores. Words and confidences come from the hOCR that
OCRmyPDF's own pipeline produces (`ocrmypdf.api._pdf_to_hocr`): it rasterises
at the image's resolution and runs Tesseract exactly as `ocrmypdf` does, and
hOCR carries word boxes and `x_wconf`, which the searchable-PDF output drops.
A small OCRmyPDF plugin (`flows/pdf_ocr_plugin.py`) inverts solid dark boxes
in the image Tesseract sees, because Tesseract does not read the white
"5.1.2e" stamps on black redaction boxes otherwise.

Hostile input: every failure becomes `PdfError(reason)` with a short, stable
reason. Memory is bounded before decoding (stream sizes are inflated with a
cap, images per page and objects per page are capped); time is bounded by an
optional alarm here and by the pipeline's per-document timeout.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
import zlib
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree

import pdfminer
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTCurve, LTFigure, LTImage, LTLine, LTPage, LTRect
from pdfminer.pdfcolor import PDFColorSpace
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFGraphicState, PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1
from pdfminer.psparser import PSLiteral
from pdfminer.utils import apply_matrix_rect, decode_text

from flows.model import Annotation, Glyph, OcrWord, Page, PageImage, Shape

# Bounds on hostile input. Real pages stay far below them: a dense text page
# has ~5k glyphs, a detailed map some 100k paths; content streams are KBs.
MAX_STREAM_BYTES = 64 * 1024 * 1024  # decompressed content/form stream
MAX_IMAGES_PER_PAGE = 1000
MAX_OBJECTS_PER_PAGE = 300_000
MAX_FORM_DEPTH = 24
MAX_LUMINANCE_BYTES = 32 * 1024 * 1024  # decode an image for its luminance only below this

# A page needs OCR when it has fewer printable characters than this ...
MIN_TEXT_CHARS = 20
# ... or when more than this share of its characters are unmapped glyph codes.
MAX_CID_SHARE = 0.3
OCR_LANGUAGES = ("nld", "eng")

PDFMINER_ENGINE = "pdfminer.six"
OCR_ENGINE = "tesseract"


class PdfError(Exception):
    """A PDF that cannot be read. `reason` is short and stable (it lands in
    the quarantine table); `detail` says more, never personal data."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# --------------------------------------------------------------------------
# Opening and bounds


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
def _time_limit(seconds: float | None) -> Iterator[None]:
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
def _open(path: Path) -> Iterator[PDFDocument]:
    """Open with pdfminer; an empty user password is tried (pdfminer's
    default), a real one is refused as "encrypted"."""
    _check_header_and_tail(path)
    with path.open("rb") as fp:
        try:
            doc = PDFDocument(PDFParser(fp), password="")
        except (PDFPasswordIncorrect, PDFEncryptionError) as e:
            raise PdfError("encrypted", type(e).__name__) from e
        except PdfError:
            raise
        except Exception as e:  # pdfminer raises many types on damaged files
            raise PdfError("truncated or damaged", f"{type(e).__name__}: {e}"[:200]) from e
        yield doc


def _pages(doc: PDFDocument) -> Iterator[PDFPage]:
    try:
        yield from PDFPage.create_pages(doc)
    except PdfError:
        raise
    except Exception as e:
        raise PdfError("truncated or damaged", f"page tree: {type(e).__name__}: {e}"[:200]) from e


def page_count(path: Path) -> int:
    """Number of pages; PdfError for a file that cannot be read or has none."""
    with _open(Path(path)) as doc:
        n = sum(1 for _ in _pages(doc))
    if n == 0:
        raise PdfError("no pages")
    return n


def _inflate_bounded(data: bytes, limit: int = MAX_STREAM_BYTES) -> bytes:
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


def _guard_stream(stream: PDFStream) -> None:
    """Decode a content or form stream ourselves when it is plain Flate (the
    common case), with a size cap, so pdfminer never inflates a bomb; other
    filter chains get the cap checked on their Flate stage."""
    if stream.data is not None or stream.rawdata is None:
        return
    raw = stream.rawdata
    if stream.decipher and stream.objid is not None and stream.genno is not None:
        raw = stream.decipher(stream.objid, stream.genno, raw, stream.attrs)
    filters = stream.get_filters()
    names = [f.name if isinstance(f, PSLiteral) else str(f) for f, _ in filters]
    if names in (["FlateDecode"], ["Fl"]) and not (filters[0][1] or {}).get("Predictor"):
        stream.data = _inflate_bounded(raw)
        stream.rawdata = None
    elif names and names[0] in ("FlateDecode", "Fl"):
        _inflate_bounded(raw)
    elif len(raw) > MAX_STREAM_BYTES:
        raise PdfError("decompression bomb", f"a stream is larger than {MAX_STREAM_BYTES // 2**20} MB")


def _guard_page(page: PDFPage) -> None:
    """Bound the content streams and the form XObjects of a page (recursively,
    each once) before pdfminer decodes them."""
    seen: set[int] = set()

    def form_streams(resources: Any, depth: int) -> None:
        if depth > MAX_FORM_DEPTH:
            raise PdfError("too deeply nested", f"forms nested deeper than {MAX_FORM_DEPTH}")
        xobjects = resolve1((resolve1(resources) or {}).get("XObject")) if resources else None
        if not isinstance(xobjects, dict):
            return
        for ref in xobjects.values():
            key = ref.objid if isinstance(ref, PDFObjRef) else id(ref)
            if key in seen:
                continue
            seen.add(key)
            xobj = resolve1(ref)
            if isinstance(xobj, PDFStream) and _name(xobj.get("Subtype")) == "Form":
                _guard_stream(xobj)
                form_streams(xobj.get("Resources"), depth + 1)

    for s in page.contents:
        s = resolve1(s)
        if isinstance(s, PDFStream):
            _guard_stream(s)
    form_streams(page.resources, 0)


def _name(obj: Any) -> str:
    obj = resolve1(obj)
    return obj.name if isinstance(obj, PSLiteral) else str(obj or "")


# --------------------------------------------------------------------------
# Colours


def _clamp(v: float) -> float:
    return 0.0 if v < 0 else 1.0 if v > 1 else float(v)


def _components_to_rgb(values: tuple[float, ...] | list[float]) -> tuple[float, float, float] | None:
    """Gray (1), RGB (3) or CMYK (4) components to RGB 0..1."""
    v = [_clamp(float(x)) for x in values]
    if len(v) == 1:
        return (v[0], v[0], v[0])
    if len(v) == 3:
        return (v[0], v[1], v[2])
    if len(v) == 4:
        c, m, y, k = v
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


class _IndexedSpace(PDFColorSpace):
    """pdfminer keeps only the name of an /Indexed space; keep its palette so
    an index can be turned into a colour."""

    def __init__(self, base_n: int, palette: bytes):
        super().__init__("Indexed", 1)
        self.base_n = base_n
        self.palette = palette


def to_rgb(color: Any, space: PDFColorSpace | None) -> tuple[tuple[float, float, float] | None, bool]:
    """(RGB 0..1 or None, is_pattern) for a pdfminer colour in its space.

    Separation/DeviceN tints are taken as ink on white (tint 1 = black): the
    alternate space's function is not evaluated, which is right for the
    usual black or grey spot inks of redaction boxes."""
    name = space.name if space is not None else "DeviceGray"
    if name == "Pattern" or isinstance(color, str) or (
        isinstance(color, tuple) and len(color) == 2 and isinstance(color[1], str)
    ):
        return None, True
    if isinstance(color, (int, float)):
        color = (color,)
    if not isinstance(color, (tuple, list)):
        return None, False
    try:
        if isinstance(space, _IndexedSpace):
            i = int(color[0]) * space.base_n
            chunk = space.palette[i : i + space.base_n]
            if len(chunk) != space.base_n:
                return None, False
            return _components_to_rgb([b / 255 for b in chunk]), False
        if name in ("Separation", "DeviceN"):
            return _components_to_rgb([1 - max(float(x) for x in color)]), False
        if name in ("Lab", "Indexed"):
            return None, False
        return _components_to_rgb(color), False
    except (TypeError, ValueError):
        return None, False


# --------------------------------------------------------------------------
# The page walk


class _GState(PDFGraphicState):
    """Graphics state that also carries the ExtGState fill/stroke alpha."""

    def __init__(self) -> None:
        super().__init__()
        self.fill_alpha = 1.0
        self.stroke_alpha = 1.0

    def copy(self) -> _GState:
        obj = _GState()
        obj.__dict__.update(super().copy().__dict__)
        obj.fill_alpha = self.fill_alpha
        obj.stroke_alpha = self.stroke_alpha
        return obj


class _Interpreter(PDFPageInterpreter):
    """Tracks `/ca` and `/CA` from ExtGState, keeps /Indexed palettes, and lets
    form XObjects inherit the graphics state at their `Do` (pdfminer resets
    it, which would paint every glyph inside a form black)."""

    _inherit: _GState | None = None

    def subinterp(self) -> _Interpreter:
        interp = super().subinterp()
        assert isinstance(interp, _Interpreter)
        interp._inherit = self.graphicstate.copy()
        return interp

    def init_state(self, ctm: Any) -> None:
        super().init_state(ctm)
        self.graphicstate = self._inherit.copy() if self._inherit is not None else _GState()

    def init_resources(self, resources: dict[object, object]) -> None:
        super().init_resources(resources)
        spaces = resolve1((resolve1(resources) or {}).get("ColorSpace")) if resources else None
        if not isinstance(spaces, dict):
            return
        for csid, spec in spaces.items():
            spec = resolve1(spec)
            if isinstance(spec, list) and len(spec) == 4 and _name(spec[0]) in ("Indexed", "I"):
                base = resolve1(spec[1])
                base_name = _name(base[0] if isinstance(base, list) else base)
                base_n = {"DeviceGray": 1, "G": 1, "DeviceRGB": 3, "RGB": 3, "DeviceCMYK": 4, "CMYK": 4}.get(base_name)
                if base_name == "ICCBased" and isinstance(base, list):
                    base_n = int(resolve1(resolve1(base[1]).get("N", 3)))
                lookup = resolve1(spec[3])
                palette = lookup.get_data() if isinstance(lookup, PDFStream) else lookup
                if base_n and isinstance(palette, bytes):
                    self.csmap[csid] = _IndexedSpace(base_n, palette)

    def do_gs(self, name: Any) -> None:
        ext = resolve1((resolve1(self.resources) or {}).get("ExtGState")) if self.resources else None
        params = resolve1(ext.get(_name(name))) if isinstance(ext, dict) else None
        if not isinstance(params, dict):
            return
        gs = self.graphicstate
        for key, attr in (("ca", "fill_alpha"), ("CA", "stroke_alpha")):
            value = resolve1(params.get(key))
            if isinstance(value, (int, float)) and isinstance(gs, _GState):
                setattr(gs, attr, _clamp(value))


class _Walker(PDFPageAggregator):
    """Aggregator (no layout analysis) that stamps on every object what the
    checks need and pdfminer does not keep."""

    def __init__(self, rsrcmgr: PDFResourceManager):
        super().__init__(rsrcmgr, laparams=None)
        self.order = 0
        self.images = 0
        self._render = 0
        self._alpha = 1.0
        self._rgb: tuple[float, float, float] | None = None

    def begin_page(self, page: PDFPage, ctm: Any) -> None:
        self.order = 0
        self.images = 0
        self.glyphs: list[Glyph] = []
        self.text_glyphs: list[_TextGlyph] = []
        self.rotated: list[tuple[int, str]] = []
        super().begin_page(page, ctm)

    def begin_figure(self, name: str, bbox: Any, matrix: Any) -> None:
        if len(self._stack) >= MAX_FORM_DEPTH:
            raise PdfError("too deeply nested", f"forms nested deeper than {MAX_FORM_DEPTH}")
        super().begin_figure(name, bbox, matrix)

    def _stamp(self, item: Any) -> None:
        item.order = self.order
        self.order += 1
        if self.order > MAX_OBJECTS_PER_PAGE:
            raise PdfError("too many objects", f"more than {MAX_OBJECTS_PER_PAGE} on a page")

    def render_string(self, textstate: Any, seq: Any, ncs: Any, graphicstate: Any) -> None:
        # Colour, alpha and render mode are the same for every glyph of a
        # string: work them out once here, not per glyph.
        self._render = textstate.render
        self._alpha = getattr(graphicstate, "fill_alpha", 1.0)
        self._rgb = to_rgb(graphicstate.ncolor, graphicstate.ncs)[0]
        super().render_string(textstate, seq, ncs, graphicstate)

    def render_char(self, matrix: Any, font: Any, fontsize: float, scaling: float, rise: float,
                    cid: int, ncs: Any, graphicstate: Any) -> float:
        """Record the glyph as plain data straight away: an LTChar per glyph
        (and converting it afterwards) is a fifth of the walk's time. The
        box is computed as LTChar computes it."""
        if font.is_vertical():
            adv = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
            ch = self.cur_item._objs.pop()
            bbox, text = (ch.x0, ch.y0, ch.x1, ch.y1), ch.get_text()
            self.rotated.append((self.order, text))
            size = ch.size
        else:
            try:
                text = font.to_unichr(cid)
            except PDFUnicodeNotDefined:
                text = self.handle_undefined_char(font, cid)
            adv = font.char_width(cid) * fontsize * scaling
            lo = font.get_descent() * fontsize + rise
            a, b, c, d, e, f = matrix
            if b == 0 and c == 0:
                x0, x1, y0, y1 = e, a * adv + e, d * lo + f, d * (lo + fontsize) + f
            else:
                x0, y0, x1, y1 = apply_matrix_rect(matrix, (0, lo, adv, lo + fontsize))
            if x1 < x0:
                x0, x1 = x1, x0
            if y1 < y0:
                y0, y1 = y1, y0
            bbox, size = (x0, y0, x1, y1), y1 - y0
            if b == 0 and c == 0 and a > 0 and d > 0:
                self.text_glyphs.append(_TextGlyph(text, x0, x1, f, size if size > 1 else 1.0, self.order))
            else:
                self.rotated.append((self.order, text))
        self.glyphs.append(Glyph(text, bbox, self._rgb, self._render, self._alpha, self.order, font.fontname, size))
        self.order += 1
        if self.order > MAX_OBJECTS_PER_PAGE:
            raise PdfError("too many objects", f"more than {MAX_OBJECTS_PER_PAGE} on a page")
        return adv

    def paint_path(self, gstate: Any, stroke: bool, fill: bool, evenodd: bool, path: Any) -> None:
        before = len(self.cur_item._objs)
        super().paint_path(gstate, stroke, fill, evenodd, path)
        fill_rgb, pattern = to_rgb(gstate.ncolor, gstate.ncs)
        stroke_rgb, _ = to_rgb(gstate.scolor, gstate.scs)
        for item in self.cur_item._objs[before:]:
            self._stamp(item)
            item.fill_rgb, item.stroke_rgb, item.pattern = fill_rgb, stroke_rgb, pattern and fill
            item.alpha = getattr(gstate, "fill_alpha", 1.0)

    def render_image(self, name: str, stream: PDFStream) -> None:
        self.images += 1
        if self.images > MAX_IMAGES_PER_PAGE:
            raise PdfError("too many images", f"more than {MAX_IMAGES_PER_PAGE} on a page")
        super().render_image(name, stream)
        self._stamp(self.cur_item._objs[-1])


def _png_from_predicted_flate(data: bytes, w: int, h: int, bpc: int, n: int) -> bytes:
    """A PDF Flate stream with a PNG predictor (>= 10) is exactly a PNG's
    IDAT: wrap it as a PNG so Pillow undoes the predictor in C (pdfminer's
    pure-Python predictor takes seconds for one scanned page)."""
    import struct

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    colour_type = {1: 0, 3: 2}[n]
    ihdr = struct.pack(">IIBBBBB", w, h, bpc, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _image_luminance(stream: PDFStream) -> float | None:
    """Mean luminance 0..1 of an image, where that is cheap and safe: JPEG
    via Pillow's draft mode (decodes at 1/8 scale); Flate gray or RGB at 8
    bits and gray at 1 bit, below a size cap, via Pillow (PNG predictors) or
    numpy. None otherwise (masks, CCITT, JBIG2, JPX, indexed, CMYK Flate)."""
    try:
        if resolve1(stream.get("ImageMask") or stream.get("IM")):
            return None
        w, h = int(resolve1(stream.get("Width") or stream.get("W"))), int(resolve1(stream.get("Height") or stream.get("H")))
        bpc = int(resolve1(stream.get("BitsPerComponent") or stream.get("BPC") or 8))
        space = resolve1(stream.get("ColorSpace") or stream.get("CS"))
        space_name = _name(space[0] if isinstance(space, list) else space)
        n = {"DeviceGray": 1, "G": 1, "CalGray": 1, "DeviceRGB": 3, "RGB": 3, "CalRGB": 3}.get(space_name)
        if space_name == "ICCBased" and isinstance(space, list):
            n = int(resolve1(resolve1(space[1]).get("N", 0))) or None
        filters = stream.get_filters()
        names = [_name(f) for f, _ in filters]
        raw = stream.rawdata
        if raw is None or w <= 0 or h <= 0:
            return None
        if stream.decipher and stream.objid is not None and stream.genno is not None:
            raw = stream.decipher(stream.objid, stream.genno, raw, stream.attrs)
        from PIL import Image, ImageStat

        if names in (["DCTDecode"], ["DCT"]):
            with Image.open(BytesIO(raw)) as im:
                im.draft("L", (max(1, w // 8), max(1, h // 8)))
                mean = ImageStat.Stat(im.convert("L")).mean[0] / 255
        else:
            if names not in (["FlateDecode"], ["Fl"]) or n not in (1, 3) or bpc not in (1, 8) or (bpc == 1 and n != 1):
                return None
            if w * h * n * bpc // 8 > MAX_LUMINANCE_BYTES:
                return None
            params = resolve1(filters[0][1]) or {}
            predictor = int(resolve1(params.get("Predictor", 1))) if isinstance(params, dict) else 1
            if predictor >= 10:
                colors = int(resolve1(params.get("Colors", 1)))
                if colors != n or int(resolve1(params.get("Columns", 1))) != w:
                    return None
                _inflate_bounded(raw, MAX_LUMINANCE_BYTES + h * (n + 1) + 1024)
                with Image.open(BytesIO(_png_from_predicted_flate(raw, w, h, bpc, n))) as im:
                    mean = ImageStat.Stat(im.convert("L")).mean[0] / 255
            elif predictor == 1:
                import numpy as np

                data = np.frombuffer(_inflate_bounded(raw, MAX_LUMINANCE_BYTES + 1024), dtype=np.uint8)
                if bpc == 1:
                    row = (w + 7) // 8
                    if data.size < row * h:
                        return None
                    mean = float(np.unpackbits(data[: row * h].reshape(h, row), axis=1)[:, :w].mean())
                else:
                    if data.size < w * h * n:
                        return None
                    channels = data[: w * h * n].reshape(-1, n).mean(axis=0) / 255
                    mean = float(channels[0]) if n == 1 else float(np.dot(channels, (0.2126, 0.7152, 0.0722)))
            else:
                return None
        decode = resolve1(stream.get("Decode") or stream.get("D"))
        if isinstance(decode, list) and len(decode) >= 2 and resolve1(decode[0]) == 1:
            mean = 1 - mean
        return mean
    except PdfError:
        raise
    except Exception:  # noqa: BLE001 (a damaged image must not sink the page; luminance is optional)
        return None


def _rgb3(rgb: Any) -> tuple[float, float, float] | None:
    return rgb if rgb is None else (float(rgb[0]), float(rgb[1]), float(rgb[2]))


class _TextGlyph(NamedTuple):
    text: str
    x0: float
    x1: float
    baseline: float
    size: float
    order: int


def _collect(item: Any, page: Page) -> None:
    """Turn the aggregator's shapes and images into plain data, depth first
    (= paint order), recursing into figures. Glyphs are already plain (see
    `_Walker.render_char`)."""
    for obj in item:
        if isinstance(obj, (LTRect, LTCurve)):
            kind = "rect" if isinstance(obj, LTRect) else "line" if isinstance(obj, LTLine) else "curve"
            page.shapes.append(Shape((obj.x0, obj.y0, obj.x1, obj.y1), kind, bool(obj.fill), bool(obj.stroke),
                                     _rgb3(obj.fill_rgb), _rgb3(obj.stroke_rgb), obj.alpha, obj.order,
                                     float(obj.linewidth or 0.0), bool(obj.pattern)))
        elif isinstance(obj, LTImage):
            s = obj.stream
            w, h = resolve1(s.get("Width") or s.get("W")), resolve1(s.get("Height") or s.get("H"))
            page.images.append(PageImage((obj.x0, obj.y0, obj.x1, obj.y1), obj.order,
                                         int(w) if isinstance(w, (int, float)) else 0,
                                         int(h) if isinstance(h, (int, float)) else 0,
                                         _image_luminance(s)))
        elif isinstance(obj, LTFigure):
            _collect(obj, page)


def _row_fragments(row: list[_TextGlyph]) -> list[list[_TextGlyph]]:
    """Split a row into runs painted in one go (paint order, advancing in
    x), so that text painted over other text (a stamp over a name, an OCR
    layer over a heading) is not interleaved letter by letter. The same
    glyph painted twice at the same place (fake bold, shadow) counts once."""
    kept: list[_TextGlyph] = []
    for g in sorted(row, key=lambda g: (g.x0, g.order)):
        if kept and g.text == kept[-1].text and abs(g.x0 - kept[-1].x0) < 0.15 * g.size:
            continue
        kept.append(g)
    fragments: list[list[_TextGlyph]] = []
    for g in sorted(kept, key=lambda g: g.order):
        last = fragments[-1][-1] if fragments else None
        if last is None or g.x0 < last.x0 - 0.1 * g.size or g.x0 - last.x1 > 2.5 * g.size:
            fragments.append([g])
        else:
            fragments[-1].append(g)
    fragments.sort(key=lambda f: (f[0].x0, f[0].order))
    return fragments


def build_text(glyphs: list[_TextGlyph], rotated: list[tuple[int, str]] = ()) -> str:  # type: ignore[assignment]
    """Page text from upright glyphs: rows by baseline (top to bottom), a row
    split where a gap is wider than 2.5 em (a margin column or a table cell
    becomes its own line, so "Datum" in the Rijkshuisstijl margin is not
    glued into a body sentence), spaces where a gap exceeds 0.2 em, a blank
    line where rows are far apart. Rotated text follows, in paint order."""
    lines: list[str] = []
    rows: list[list[_TextGlyph]] = []
    for g in sorted(glyphs, key=lambda g: -g.baseline):
        if rows and abs(rows[-1][0].baseline - g.baseline) <= 0.35 * min(rows[-1][0].size, g.size):
            rows[-1].append(g)
        else:
            rows.append([g])
    prev_base: float | None = None
    for row in rows:
        base, size = row[0].baseline, max(g.size for g in row)
        if prev_base is not None and prev_base - base > 1.9 * size and lines and lines[-1]:
            lines.append("")
        prev_base = base
        out: list[str] = []
        last: _TextGlyph | None = None
        for fragment in _row_fragments(row):
            for g in fragment:
                if last is not None:
                    gap = g.x0 - last.x1
                    if gap > 2.5 * g.size:
                        lines.append("".join(out).strip())
                        out = []
                    elif (gap > 0.2 * g.size or g is fragment[0]) and not g.text.isspace() and not last.text.isspace():
                        out.append(" ")
                out.append(g.text)
                last = g
        lines.append("".join(out).strip())
    if rotated:
        lines.append("")
        run: list[str] = []
        prev = None
        for order, text in sorted(rotated):
            if prev is not None and order != prev + 1:
                lines.append("".join(run).strip())
                run = []
            run.append(text)
            prev = order
        lines.append("".join(run).strip())
    return "\n".join(lines).strip("\n")


_CID = re.compile(r"\(cid:\d+\)")


def needs_ocr(text: str, page: Page) -> bool:
    """No usable text layer: little text (and an image to read it from, so a
    blank page is not OCRed) or mostly unmapped glyph codes."""
    cids = len(_CID.findall(text))
    plain = _CID.sub("", text)
    printable = sum(1 for c in plain if c.isprintable() and not c.isspace() and c != "\ufffd")
    if cids and cids / (cids + printable) > MAX_CID_SHARE:
        return True
    return printable < MIN_TEXT_CHARS and bool(page.images)


def _annotation_colour(annot: dict[str, Any], key: str) -> tuple[float, float, float] | None:
    """/C or /IC of an annotation: an array of 0 (transparent), 1, 3 or 4
    components."""
    c = resolve1(annot.get(key))
    if not isinstance(c, list) or not c:
        return None
    try:
        return _components_to_rgb([float(resolve1(v)) for v in c])
    except (TypeError, ValueError):
        return None


def _annotations(pdfpage: PDFPage) -> list[Annotation]:
    out: list[Annotation] = []
    annots = resolve1(pdfpage.annots)
    if not isinstance(annots, list):
        return out
    for ref in annots[:MAX_IMAGES_PER_PAGE]:
        a = resolve1(ref)
        if not isinstance(a, dict):
            continue
        rect = resolve1(a.get("Rect"))
        try:
            x0, y0, x1, y1 = (float(resolve1(v)) for v in rect)
        except (TypeError, ValueError):
            continue

        contents = resolve1(a.get("Contents"))
        out.append(Annotation(_name(a.get("Subtype")), (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)),
                              _annotation_colour(a, "C"), _annotation_colour(a, "IC"),
                              decode_text(contents) if isinstance(contents, bytes) else ""))
    return out


def walk_page(pdfpage: PDFPage, number: int, rsrcmgr: PDFResourceManager) -> Page:
    """One page through pdfminer: geometry in paint order and the text built
    from the glyphs."""
    _guard_page(pdfpage)
    device = _Walker(rsrcmgr)
    _Interpreter(rsrcmgr, device).process_page(pdfpage)
    layout: LTPage = device.get_result()
    page = Page(number=number, width=float(layout.width), height=float(layout.height),
                engine=PDFMINER_ENGINE, engine_version=pdfminer.__version__, text="")
    page.glyphs = device.glyphs
    _collect(layout, page)
    page.annotations = _annotations(pdfpage)
    page.text = build_text(device.text_glyphs, device.rotated)
    return page


# --------------------------------------------------------------------------
# OCR


def tesseract_version() -> str:
    """Version of the Tesseract binary on PATH; PdfError when there is none."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise PdfError("OCR engine not installed", "tesseract is not on PATH")
    import subprocess

    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False)
    first = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else ""
    return first.replace("tesseract", "").strip() or "unknown"


_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_WCONF = re.compile(r"x_wconf (\d+)")


def parse_hocr(hocr: str, width: float, height: float) -> tuple[str, list[OcrWord]]:
    """Text (lines in Tesseract's reading order, a blank line between
    paragraphs) and words with boxes converted from image pixels (origin
    top-left) to page points (origin bottom-left)."""
    root = ElementTree.fromstring(hocr)
    cls = lambda el: el.get("class", "")
    page_el = next((el for el in root.iter() if cls(el) == "ocr_page"), None)
    if page_el is None:
        return "", []
    m = _BBOX.search(page_el.get("title", ""))
    if not m or int(m.group(3)) == 0 or int(m.group(4)) == 0:
        return "", []
    sx, sy = width / int(m.group(3)), height / int(m.group(4))
    words: list[OcrWord] = []
    paragraphs: list[str] = []
    for par in (el for el in page_el.iter() if cls(el) == "ocr_par"):
        lines = []
        for line in (el for el in par.iter() if cls(el) in ("ocr_line", "ocr_caption", "ocr_header", "ocr_textfloat")):
            texts = []
            for w in (el for el in line.iter() if cls(el) == "ocrx_word"):
                text = "".join(w.itertext()).strip()
                bm, cm = _BBOX.search(w.get("title", "")), _WCONF.search(w.get("title", ""))
                if not text or not bm:
                    continue
                x0, y0, x1, y1 = (int(v) for v in bm.groups())
                words.append(OcrWord(text, (x0 * sx, height - y1 * sy, x1 * sx, height - y0 * sy),
                                     float(cm.group(1)) if cm else 0.0))
                texts.append(text)
            if texts:
                lines.append(" ".join(texts))
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs), words


def _page_ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3,7" (OCRmyPDF's --pages syntax)."""
    out: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"{start}-{prev}" if prev != start else str(start))
        if n is not None:
            start = prev = n
    return ",".join(out)


def _decrypted_copy(path: Path, tmp: Path) -> Path:
    """OCRmyPDF refuses encrypted input; a PDF that opens with the empty
    user password (which pdfminer read) is OCRed from a decrypted copy."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        if not pdf.is_encrypted:
            return path
        copy = tmp / "decrypted.pdf"
        pdf.save(copy)
    return copy


def ocr_pages(path: Path, pages: list[Page], jobs: int | None = None) -> None:
    """OCR these pages of `path` in place (text, words, confidence, engine)
    with OCRmyPDF's hOCR pipeline: only these pages, `jobs` = cores."""
    if not pages:
        return
    version = tesseract_version()
    from ocrmypdf.api import _pdf_to_hocr
    from ocrmypdf.exceptions import ExitCodeException, MissingDependencyError

    plugin = Path(__file__).with_name("pdf_ocr_plugin.py")
    with tempfile.TemporaryDirectory(prefix="lakmoes-ocr-") as tmp:
        source = _decrypted_copy(Path(path), Path(tmp))
        try:
            _pdf_to_hocr(source, Path(tmp), language=list(OCR_LANGUAGES), jobs=jobs or os.cpu_count() or 1,
                         force_ocr=True, pages=_page_ranges(sorted(p.number for p in pages)),
                         invalidate_digital_signatures=True, plugins=[plugin], progress_bar=False)
        except MissingDependencyError as e:
            raise PdfError("OCR engine not installed", str(e)[:200]) from e
        except ExitCodeException as e:
            raise PdfError("OCR failed", f"{type(e).__name__}: {e}"[:200]) from e
        for page in pages:
            hocr = Path(tmp) / f"{page.number:06d}_ocr_hocr.hocr"
            if not hocr.exists():
                raise PdfError("OCR failed", f"no OCR output for page {page.number}")
            page.text, page.ocr_words = parse_hocr(hocr.read_text(encoding="utf-8"), page.width, page.height)
            confs = [w.confidence for w in page.ocr_words if w.confidence >= 0]
            page.ocr_confidence = sum(confs) / len(confs) if confs else None
            page.engine, page.engine_version = OCR_ENGINE, version


# --------------------------------------------------------------------------
# The entry point


def extract_pages(path: Path, first: int = 1, last: int | None = None, *, ocr: bool = True,
                  ocr_jobs: int | None = None, timeout: float | None = None) -> list[Page]:
    """Pages `first`..`last` (1-based, inclusive) of a PDF: every page walked
    by pdfminer.six; pages without a usable text layer OCRed when `ocr`
    (otherwise they keep their pdfminer text and engine, for callers that
    only want geometry). Raises PdfError with a short reason for a file that
    cannot be read; `timeout` bounds the pdfminer part in seconds (main
    thread only)."""
    path = Path(path)
    out: list[Page] = []
    scans: list[Page] = []
    with _time_limit(timeout), _open(path) as doc:
        rsrcmgr = PDFResourceManager(caching=True)
        number = 0
        for number, pdfpage in enumerate(_pages(doc), start=1):
            if number < first:
                continue
            if last is not None and number > last:
                break
            try:
                page = walk_page(pdfpage, number, rsrcmgr)
            except PdfError:
                raise
            except RecursionError as e:
                raise PdfError("too deeply nested", f"page {number}") from e
            except MemoryError as e:
                raise PdfError("out of memory", f"page {number}") from e
            except Exception as e:  # pdfminer raises all sorts deep inside on hostile input
                raise PdfError("unreadable by pdfminer", f"page {number}: {type(e).__name__}: {e}"[:200]) from e
            if ocr and needs_ocr(page.text, page):
                scans.append(page)
            out.append(page)
        if number == 0:
            raise PdfError("no pages")
    rendered_luminance(path, out)
    ocr_pages(path, scans, ocr_jobs)
    return out


# Scale of the render that measures images pdfminer cannot decode (72 dpi × this):
# a pixel per point, and a one-pixel inset, keep the page around a box out of its mean.
LUMINANCE_RENDER_SCALE = 1.0


def _undecoded_over_text(page: Page) -> list[PageImage]:
    """Images whose stream gave no luminance (JBIG2, CCITT, JPX, stencil masks,
    indexed or CMYK pictures) that lie over glyphs painted before them: the
    ones that could hide text, so the ones worth a render."""
    undecoded = [im for im in page.images if im.mean_luminance is None]
    if not undecoded or not page.glyphs:
        return []
    import numpy as np

    boxes = np.array([g.bbox for g in page.glyphs], dtype=float)
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    order = np.array([g.order for g in page.glyphs])
    out = []
    for im in undecoded:
        x0, y0, x1, y1 = im.bbox
        if np.any((order < im.order) & (cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= y1)):
            out.append(im)
    return out


def render_origin(pg: Any) -> tuple[float, float] | None:
    """Where the top-left corner of a pypdfium2 render of page `pg` lies in
    pdfminer's coordinates. pdfium renders the CropBox and gives it in the
    PDF's own coordinates; pdfminer puts the origin at the MediaBox's
    lower-left corner, which need not be (0, 0). A rotated page both give
    as it is shown; None for one cropped inside its MediaBox, whose
    mapping this does not work out."""
    mx, my, _, _ = pg.get_mediabox()
    left, _, _, top = pg.get_cropbox()
    if not pg.get_rotation():
        return left - mx, top - my
    return (0.0, pg.get_height()) if pg.get_cropbox() == pg.get_mediabox() else None


def rendered_luminance(path: Path, pages: list[Page]) -> None:
    """Fill in the mean luminance of undecodable images over text from a
    low-resolution render of their page, as the page shows them.

    A black box saved as a CCITT or JBIG2 image (what scanners and some
    redaction tools write) or painted as a stencil mask is as much a box
    as a Flate one; without its luminance the box checks could not see it
    and the text under it would pass unreported. Rotated pages cropped
    inside their MediaBox and files pdfium cannot open keep None (the image
    is then not taken for a box); a page pdfium cannot load raises, and the
    document is quarantined.
    """
    wanted = [(page, ims) for page in pages if (ims := _undecoded_over_text(page))]
    if not wanted:
        return
    import numpy as np
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError:
        return
    try:
        for page, ims in wanted:
            pg = pdf[page.number - 1]
            origin = render_origin(pg)
            if origin is None:
                continue
            left, top = origin
            gray = pg.render(scale=LUMINANCE_RENDER_SCALE, grayscale=True).to_numpy()
            gray = gray.reshape(gray.shape[0], gray.shape[1], -1)[:, :, 0]
            for im in ims:
                x0, y0, x1, y1 = im.bbox
                k = LUMINANCE_RENDER_SCALE
                c0, c1 = max(0, int((x0 - left) * k)), min(gray.shape[1], int(np.ceil((x1 - left) * k)))
                r0, r1 = max(0, int((top - y1) * k)), min(gray.shape[0], int(np.ceil((top - y0) * k)))
                if c1 - c0 > 2 and r1 - r0 > 2:
                    c0, c1, r0, r1 = c0 + 1, c1 - 1, r0 + 1, r1 - 1
                if c1 > c0 and r1 > r0:
                    im.mean_luminance = float(gray[r0:r1, c0:c1].mean()) / 255
    finally:
        pdf.close()
