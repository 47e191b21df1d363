"""The pdfminer.six backend: every page walked in paint order, glyphs with their
colour, render mode and alpha, shapes, images and annotations, and the
page text built from the glyphs."""

from __future__ import annotations

import logging
import re
import weakref
import zlib
from io import BytesIO
from operator import itemgetter
from typing import Any, cast

import pdfminer
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTCurve, LTFigure, LTImage, LTLine, LTPage, LTRect
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFGraphicState, PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.utils import apply_matrix_rect, decode_text

from flows.model import Annotation, Glyph, Page, PageImage, Shape
from flows.model.errors import PdfError
from flows.stages.extract.colours import IndexedSpace, clamp, components_to_rgb, to_rgb
from flows.stages.extract.content import execute
from flows.stages.extract.limits import (
    MAX_CID_SHARE,
    MAX_FORM_DEPTH,
    MAX_IMAGES_PER_PAGE,
    MAX_LUMINANCE_BYTES,
    MAX_OBJECTS_PER_PAGE,
    MIN_TEXT_CHARS,
    PDFMINER_ENGINE,
)
from flows.stages.extract.opening import guard_page, inflate_bounded, pdf_name

# Each font's glyph codes read so far: code -> (text, width in text space).
# A font object lives as long as its document's resource manager, so the
# table goes with it.
_FONT_CHARS: weakref.WeakKeyDictionary[Any, dict[int, tuple[str, float]]] = weakref.WeakKeyDictionary()


def _font_chars(font: Any) -> dict[int, tuple[str, float]]:
    chars = _FONT_CHARS.get(font)
    if chars is None:
        chars = _FONT_CHARS[font] = {}
    return chars


class _GState(PDFGraphicState):
    """Graphics state that also carries the ExtGState fill/stroke alpha."""

    def __init__(self) -> None:
        super().__init__()
        self.fill_alpha = 1.0
        self.stroke_alpha = 1.0

    def copy(self) -> _GState:
        # Every field, pdfminer's (those its own copy() copies: all it
        # sets) and the alphas, without running two constructors: a page
        # saves its graphics state at every `q`.
        obj = _GState.__new__(_GState)
        obj.__dict__.update(self.__dict__)
        return obj


class _Interpreter(PDFPageInterpreter):
    """Tracks `/ca` and `/CA` from ExtGState, keeps /Indexed palettes, and lets
    form XObjects inherit the graphics state at their `Do` (pdfminer resets
    it, which would paint every glyph inside a form black)."""

    _inherit: _GState | None = None

    def subinterp(self) -> _Interpreter:
        interp = super().subinterp()
        assert isinstance(interp, _Interpreter)
        interp._inherit = cast(_GState, self.graphicstate).copy()  # _Interpreter's states are _GStates
        return interp

    def execute(self, streams: Any) -> None:
        execute(self, streams)

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
            if isinstance(spec, list) and len(spec) == 4 and pdf_name(spec[0]) in ("Indexed", "I"):
                base = resolve1(spec[1])
                base_name = pdf_name(base[0] if isinstance(base, list) else base)
                base_n = {"DeviceGray": 1, "G": 1, "DeviceRGB": 3, "RGB": 3, "DeviceCMYK": 4, "CMYK": 4}.get(base_name)
                if base_name == "ICCBased" and isinstance(base, list):
                    base_n = int(resolve1(resolve1(base[1]).get("N", 3)))
                lookup = resolve1(spec[3])
                palette = lookup.get_data() if isinstance(lookup, PDFStream) else lookup
                if base_n and isinstance(palette, bytes):
                    self.csmap[csid] = IndexedSpace(base_n, palette)

    def do_gs(self, name: Any) -> None:
        ext = resolve1((resolve1(self.resources) or {}).get("ExtGState")) if self.resources else None
        params = resolve1(ext.get(pdf_name(name))) if isinstance(ext, dict) else None
        if not isinstance(params, dict):
            return
        gs = self.graphicstate
        for key, attr in (("ca", "fill_alpha"), ("CA", "stroke_alpha")):
            value = resolve1(params.get(key))
            if isinstance(value, (int, float)) and isinstance(gs, _GState):
                setattr(gs, attr, clamp(value))


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

    def render_string_horizontal(self, seq: Any, matrix: Any, pos: Any, font: Any, fontsize: float, scaling: float,
                                 charspace: float, wordspace: float, rise: float, dxscale: float, ncs: Any,
                                 graphicstate: Any) -> Any:
        """pdfminer's loop over the glyphs of a horizontal string (the same
        arithmetic, so the same positions), recording each glyph as plain
        data in place: an LTChar per glyph, and pdfminer's width lookup per
        glyph (an exception for every glyph of a standard font, whose widths
        are keyed by name), were most of the walk's own time. The box is
        computed as LTChar computes it."""
        x, y = pos
        a, b, c, d, e, f = matrix
        chars = _font_chars(font)
        lo = font.get_descent() * fontsize + rise
        upright = b == 0 and c == 0
        reads_across = upright and a > 0 and d > 0  # upright and not mirrored: text for `build_text`
        glyphs, text_glyphs, rotated = self.glyphs, self.text_glyphs, self.rotated
        rgb, render, alpha, fontname = self._rgb, self._render, self._alpha, font.fontname
        order = self.order  # written back at the end: a failure drops the whole page anyway
        needcharspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                needcharspace = True
            elif isinstance(obj, bytes):
                for cid in font.decode(obj):
                    if needcharspace:
                        x += charspace
                    known = chars.get(cid)
                    if known is None:
                        known = chars[cid] = self._char(font, cid)
                    text, width = known
                    # The glyph's matrix: `matrix` translated to (x, y), as pdfminer's translate_matrix does.
                    ge, gf = x * a + y * c + e, x * b + y * d + f
                    adv = width * fontsize * scaling
                    if upright:
                        x0, x1, y0, y1 = ge, a * adv + ge, d * lo + gf, d * (lo + fontsize) + gf
                    else:
                        x0, y0, x1, y1 = apply_matrix_rect((a, b, c, d, ge, gf), (0, lo, adv, lo + fontsize))
                    if x1 < x0:
                        x0, x1 = x1, x0
                    if y1 < y0:
                        y0, y1 = y1, y0
                    size = y1 - y0
                    if reads_across:
                        text_glyphs.append((text, x0, x1, gf, size if size > 1 else 1.0, order))
                    else:
                        rotated.append((order, text))
                    glyphs.append(Glyph(text, (x0, y0, x1, y1), rgb, render, alpha, order, fontname, size))
                    order += 1
                    if order > MAX_OBJECTS_PER_PAGE:
                        raise PdfError("too many objects", f"more than {MAX_OBJECTS_PER_PAGE} on a page")
                    x += adv
                    if cid == 32 and wordspace:
                        x += wordspace
                    needcharspace = True
            else:
                logging.getLogger("pdfminer.pdfdevice").warning(
                    "Cannot render horizontal string because %r is not a valid int, float or bytes.", obj)
        self.order = order
        return (x, y)

    def _char(self, font: Any, cid: int) -> tuple[str, float]:
        """A glyph code's text and width in text space, as pdfminer's
        LTChar reads them."""
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = self.handle_undefined_char(font, cid)
        return text, font.char_width(cid)

    def render_char(self, matrix: Any, font: Any, fontsize: float, scaling: float, rise: float,
                    cid: int, ncs: Any, graphicstate: Any) -> float:
        """A glyph of a vertical font (horizontal ones are recorded in
        `render_string_horizontal`): pdfminer's LTChar, then plain data."""
        adv = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
        ch: Any = self.cur_item._objs.pop()  # the LTChar just made
        text = ch.get_text()
        self.rotated.append((self.order, text))
        self.glyphs.append(Glyph(text, (ch.x0, ch.y0, ch.x1, ch.y1), self._rgb, self._render, self._alpha, self.order,
                                 font.fontname, ch.size))
        self.order += 1
        if self.order > MAX_OBJECTS_PER_PAGE:
            raise PdfError("too many objects", f"more than {MAX_OBJECTS_PER_PAGE} on a page")
        return adv

    def paint_path(self, gstate: Any, stroke: bool, fill: bool, evenodd: bool, path: Any) -> None:
        before = len(self.cur_item._objs)
        super().paint_path(gstate, stroke, fill, evenodd, path)
        fill_rgb, pattern = to_rgb(gstate.ncolor, gstate.ncs)
        stroke_rgb, _ = to_rgb(gstate.scolor, gstate.scs)
        # lakmoes' own attributes are stamped on pdfminer's objects here.
        item: Any
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
        space_name = pdf_name(space[0] if isinstance(space, list) else space)
        n = {"DeviceGray": 1, "G": 1, "CalGray": 1, "DeviceRGB": 3, "RGB": 3, "CalRGB": 3}.get(space_name)
        if space_name == "ICCBased" and isinstance(space, list):
            n = int(resolve1(resolve1(space[1]).get("N", 0))) or None
        filters = stream.get_filters()
        names = [pdf_name(f) for f, _ in filters]
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
                inflate_bounded(raw, MAX_LUMINANCE_BYTES + h * (n + 1) + 1024)
                with Image.open(BytesIO(_png_from_predicted_flate(raw, w, h, bpc, n))) as im:
                    mean = ImageStat.Stat(im.convert("L")).mean[0] / 255
            elif predictor == 1:
                import numpy as np

                data = np.frombuffer(inflate_bounded(raw, MAX_LUMINANCE_BYTES + 1024), dtype=np.uint8)
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
    except Exception:
        return None


def _rgb3(rgb: Any) -> tuple[float, float, float] | None:
    return rgb if rgb is None else (float(rgb[0]), float(rgb[1]), float(rgb[2]))


# An upright glyph for the page text: (text, x0, x1, baseline, size, order).
# A plain tuple, read by unpacking: one is made per glyph in the walk's
# hottest loop, where a named tuple's constructor was a twentieth of it.
_TextGlyph = tuple[str, float, float, float, float, int]
_BY_X = itemgetter(1, 5)  # left edge, then paint order
_BY_ORDER = itemgetter(5)
_SIZE = itemgetter(4)


def _collect(item: Any, page: Page) -> None:
    """Turn the aggregator's shapes and images into plain data, depth first
    (= paint order), recursing into figures. Glyphs are already plain (see
    `_Walker.render_char`)."""
    for obj in item:
        # `stamped`: the same object, with the attributes the walker stamped on it.
        stamped: Any = obj
        if isinstance(obj, (LTRect, LTCurve)):
            kind = "rect" if isinstance(obj, LTRect) else "line" if isinstance(obj, LTLine) else "curve"
            page.shapes.append(Shape((obj.x0, obj.y0, obj.x1, obj.y1), kind, bool(obj.fill), bool(obj.stroke),
                                     _rgb3(stamped.fill_rgb), _rgb3(stamped.stroke_rgb), stamped.alpha,
                                     stamped.order, float(obj.linewidth or 0.0), bool(stamped.pattern)))
        elif isinstance(obj, LTImage):
            s = obj.stream
            w, h = resolve1(s.get("Width") or s.get("W")), resolve1(s.get("Height") or s.get("H"))
            page.images.append(PageImage((obj.x0, obj.y0, obj.x1, obj.y1), stamped.order,
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
    for g in sorted(row, key=_BY_X):
        if kept and g[0] == kept[-1][0] and abs(g[1] - kept[-1][1]) < 0.15 * g[4]:
            continue
        kept.append(g)
    kept.sort(key=_BY_ORDER)
    fragments: list[list[_TextGlyph]] = []
    last: _TextGlyph | None = None
    for g in kept:
        x0, size = g[1], g[4]
        if last is None or x0 < last[1] - 0.1 * size or x0 - last[2] > 2.5 * size:
            fragments.append([g])
        else:
            fragments[-1].append(g)
        last = g
    fragments.sort(key=lambda f: (f[0][1], f[0][5]))
    return fragments


def build_text(glyphs: list[_TextGlyph], rotated: list[tuple[int, str]] = ()) -> str:  # type: ignore[assignment]
    """Page text from upright glyphs: rows by baseline (top to bottom), a row
    split where a gap is wider than 2.5 em (a margin column or a table cell
    becomes its own line, so "Datum" in the Rijkshuisstijl margin is not
    glued into a body sentence), spaces where a gap exceeds 0.2 em, a blank
    line where rows are far apart. Rotated text follows, in paint order."""
    lines: list[str] = []
    rows: list[list[_TextGlyph]] = []
    row: list[_TextGlyph] = []
    row_base = row_size = 0.0  # baseline and size of the row's first glyph
    for g in sorted(glyphs, key=lambda g: -g[3]):
        base, size = g[3], g[4]
        # (min(row_size, size), spelt out: this runs once per glyph)
        if row and abs(row_base - base) <= 0.35 * (size if size < row_size else row_size):
            row.append(g)
        else:
            row = [g]
            rows.append(row)
            row_base, row_size = base, size
    prev_base: float | None = None
    for row in rows:
        base, size = row[0][3], max(map(_SIZE, row))
        if prev_base is not None and prev_base - base > 1.9 * size and lines and lines[-1]:
            lines.append("")
        prev_base = base
        out: list[str] = []
        last_x1: float | None = None
        last_space = False
        for fragment in _row_fragments(row):
            first = True
            for text, x0, x1, _, size, _ in fragment:
                space = text.isspace()
                if last_x1 is not None:
                    gap = x0 - last_x1
                    if gap > 2.5 * size:
                        lines.append("".join(out).strip())
                        out = []
                    elif (gap > 0.2 * size or first) and not space and not last_space:
                        out.append(" ")
                out.append(text)
                last_x1, last_space, first = x1, space, False
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
    if not cids and not page.images:
        return False  # neither test can hold: no need to count the text (most pages)
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
        return components_to_rgb([float(resolve1(v)) for v in c])
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
        out.append(Annotation(pdf_name(a.get("Subtype")), (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)),
                              _annotation_colour(a, "C"), _annotation_colour(a, "IC"),
                              decode_text(contents) if isinstance(contents, bytes) else ""))
    return out


def walk_page(pdfpage: PDFPage, number: int, rsrcmgr: PDFResourceManager) -> Page:
    """One page through pdfminer: geometry in paint order and the text built
    from the glyphs."""
    guard_page(pdfpage)
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
