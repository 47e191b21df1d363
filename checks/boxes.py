"""Redaction boxes on born-digital PDF pages, the grounds stamped on them,
and text that is still in the file although a reader cannot see it.

Input is a page's geometry in paint order (`flows.model.Page`): what is
painted later lies on top. Everything here works on that order, which is what
lets lakmoes tell a stamp from a leak:

* a glyph painted *before* an opaque box and covered by it for at least 80%
  of its area is text under the box: hidden text, a leak;
* a glyph painted *after* the box in another colour is the box's stamp
  ("5.1.2e"), read with the ground registry;
* a glyph painted after the box in the box's own colour is hidden too.

x-ray (Free Law Project) keeps a hit only when the box renders in one colour,
so it drops every Woo box that carries a stamp: exactly the normal case.
Here the stamp does not matter for the leak, and leaked text is only ever
reported masked and hashed (`checks.masking`).

What counts as a redaction box (the rules, with their reasons; the numbers
are the defaults in `checks/data/boxes.toml`):

* Filled shapes (rectangles and closed paths) of fill alpha 1. A shape with
  alpha < 1 is a highlight: text under it stays readable, so it hides
  nothing. Pattern fills (cross-hatching) count, style ``hatched``.
* Big enough to cover a glyph: both sides at least 60% of the page's median
  glyph height, and at least one glyph height wide. Table rules, underlines
  and bullets are smaller than that.
* Light fills (luminance >= 0.8: white, pale shading) are boxes only when
  they cover text painted before them (a white-out): otherwise they are the
  page or a cell background.
* A dark box with contrasting text on top that is not a stamp (no ground
  code, label or withheld-passage heading, nor a code-shaped number) is a
  labelled panel: a table header cell, a title band. This is how header
  bands are told apart, whatever their size; a full-page black box (a page
  withheld) stays a redaction. A box that covers text is reported whatever
  is on top of it.
* A dark box with nothing on it and nothing under it is taken when it lies
  in the text (within two glyph heights of a glyph): a removal leaves a box
  where the text was. Shapes painted on top of it (a logo on a coloured
  band) make it decoration.
* Outlined boxes: a stroked, unfilled rectangle is a redaction only when it
  encloses a stamp, or encloses nothing while lying in the text. A rectangle
  that shares an edge with another stroked rectangle is part of a table grid,
  and one with ordinary text inside is a frame or a cell: neither is taken.
* Dark images (mean luminance < 0.25) laid over text painted before them are
  boxes (source ``overlay``); other images are pictures. The luminance of
  an image pdfminer cannot decode comes from a render of the page
  (`flows.pdf.rendered_luminance`).

Styles: ``black`` (luminance < 0.25, unsaturated), ``grey`` (up to 0.8),
``colour`` (saturation > 0.25), ``light`` (a white-out over text),
``hatched`` (pattern fill), ``outlined``.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks.findings import finding_id
from checks.grounds import find_codes, parse_ground
from checks.markers import find_labels, find_markers
from checks.masking import mask, value_hash
from flows.model import RGB, BBox, Document, Glyph, Page, luminance

# --------------------------------------------------------------------------
# Thresholds and the catalogue of checks are data: checks/data/boxes.toml
# explains each one.

PARAMS_PATH = Path(__file__).parent / "data" / "boxes.toml"
PARAMS: dict[str, Any] = tomllib.loads(PARAMS_PATH.read_text(encoding="utf-8"))
_T = PARAMS["thresholds"]
COVER_SHARE: float = _T["cover_share"]
ON_TOP_SHARE: float = _T["on_top_share"]
OPAQUE_ALPHA: float = _T["opaque_alpha"]
DARK_LUMINANCE: float = _T["dark_luminance"]
BLACK_LUMINANCE: float = _T["black_luminance"]
COLOUR_SATURATION: float = _T["colour_saturation"]
DARK_IMAGE_LUMINANCE: float = _T["dark_image_luminance"]
SAME_COLOUR: float = _T["same_colour"]
MIN_SIDE: float = _T["min_side"]
NEAR_TEXT: float = _T["near_text"]
DEFAULT_GLYPH_HEIGHT: float = _T["default_glyph_height"]
CLEAR_ALPHA: float = _T["clear_alpha"]
WIDTH_LEAK_GAP: float = _T["width_leak_gap"]
WIDTH_LEAK_MAX_CHARS: float = _T["width_leak_max_chars"]
MASK_WORDS: int = _T["mask_words"]
PROSE_CONTEXT = frozenset(PARAMS["prose_context"]["words"])
INVISIBLE_RENDER_MODES = {3, 7}  # PDF text render modes that neither fill nor stroke

# A stamp that is not a known ground but is shaped like a code ("5.1.2",
# "10.2"): still a stamp (a box with an unreadable ground), not a panel.
_CODE_SHAPED = re.compile(r"^\s*(?:art\.?\s*)?\d{1,2}(?:\s*\.\s*\d{1,2}){1,3}\s*\.?\s*[a-z]?\s*$", re.IGNORECASE)


def severity(check: str, key: str = "severity") -> str:
    """A check's severity from the catalogue."""
    return PARAMS["checks"][check][key]


SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "info": 3}


@dataclass
class RedactionBox:
    """A redaction box on one page (a row of the `redactions` table)."""

    page: int
    index: int  # 0-based index of the box on its page
    bbox: BBox
    source: str  # "vector" | "overlay" (dark image over text) | "image" (found in a scan)
    style: str  # black | grey | colour | light | hatched | outlined
    color: str | None  # "#rrggbb"; None for patterns
    area: float
    label: str  # text stamped on the box ("" when none)
    ground_code: str | None
    text_under: bool
    order: int = -1  # paint order of the box on the page


@dataclass
class BoxFinding:
    """A problem found on a page. Text it concerns is held masked and hashed
    only; `word_hashes` (salted hashes of each word) let the document-level
    checks find the same text in the document text, bookmarks and metadata
    without keeping it in clear."""

    page: int
    check: str
    severity: str  # high | medium | low | info
    message: str
    bbox: BBox | None
    masked: str | None = None
    value_hash: str | None = None
    box: int | None = None  # index of the redaction box concerned
    word_hashes: tuple[str, ...] = field(default=(), repr=False)


# --------------------------------------------------------------------------
# Geometry and colour


def _area(b: BBox) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _intersection(a: BBox, b: BBox) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _covered(inner: BBox, outer: BBox) -> float:
    """Share of `inner`'s area that `outer` covers. A glyph without area
    (some fonts report zero width) counts as covered when its centre is in."""
    a = _area(inner)
    if a <= 0:
        cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
        return 1.0 if outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3] else 0.0
    return _intersection(inner, outer) / a


class _Index:
    """A grid of buckets over items with a `bbox` (glyphs, shapes), so that
    "what meets this box" costs the items nearby, not all of them: a map or
    a chart can put thousands of shapes over thousands of glyphs."""

    def __init__(self, items: Iterable[Any], cell: float):
        self.cell = max(cell, 1.0)
        self.buckets: dict[tuple[int, int], list[Any]] = defaultdict(list)
        for item in items:
            self.add(item)

    def add(self, item: Any) -> None:
        for key in self._cells(item.bbox):
            self.buckets[key].append(item)

    def _cells(self, b: BBox) -> Iterable[tuple[int, int]]:
        c = self.cell
        for i in range(int(b[0] // c), int(b[2] // c) + 1):
            for j in range(int(b[1] // c), int(b[3] // c) + 1):
                yield i, j

    def meeting(self, b: BBox) -> list[Any]:
        """Items whose box meets `b`, in paint order."""
        x0, y0, x1, y1 = b
        seen: dict[int, Any] = {}
        for key in self._cells(b):
            for g in self.buckets.get(key, ()):
                if g.bbox[0] < x1 and g.bbox[2] > x0 and g.bbox[1] < y1 and g.bbox[3] > y0:
                    seen[id(g)] = g
        return sorted(seen.values(), key=lambda g: g.order)


def _iou(a: BBox, b: BBox) -> float:
    inter = _intersection(a, b)
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def _grown(b: BBox, by: float) -> BBox:
    return (b[0] - by, b[1] - by, b[2] + by, b[3] + by)


def _hex(rgb: RGB | None) -> str | None:
    if rgb is None:
        return None
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def _saturation(rgb: RGB) -> float:
    return max(rgb) - min(rgb)


def fill_style(rgb: RGB | None, pattern: bool = False) -> str:
    """Style of a filled box from its colour (see the module docstring)."""
    if pattern or rgb is None:
        return "hatched"
    lum = luminance(rgb) or 0.0
    if lum >= DARK_LUMINANCE:
        return "light"
    if _saturation(rgb) > COLOUR_SATURATION and lum >= 0.05:
        return "colour"
    return "black" if lum < BLACK_LUMINANCE else "grey"


def _same_colour(a: RGB | None, b: RGB | None) -> bool:
    """Whether text of colour `a` is unreadable on ground `b`."""
    if a is None or b is None:
        return False
    la, lb = luminance(a), luminance(b)
    return abs(la - lb) < SAME_COLOUR and max(abs(x - y) for x, y in zip(a, b)) < 2 * SAME_COLOUR


def _visible(g: Glyph) -> bool:
    return g.render_mode not in INVISIBLE_RENDER_MODES and g.alpha > CLEAR_ALPHA


def glyph_height(page: Page) -> float:
    """The page's median glyph height: the unit for "big enough to cover a
    glyph" and "near text"."""
    hs = [g.bbox[3] - g.bbox[1] for g in page.glyphs if g.text.strip() and g.bbox[3] > g.bbox[1]]
    return statistics.median(hs) if hs else DEFAULT_GLYPH_HEIGHT


# --------------------------------------------------------------------------
# Glyphs to words and lines


def _lines(glyphs: Iterable[Glyph]) -> list[list[Glyph]]:
    """Glyphs grouped into lines (top to bottom), each left to right."""
    lines: list[list[Glyph]] = []
    for g in sorted(glyphs, key=lambda g: (-(g.bbox[1] + g.bbox[3]) / 2, g.bbox[0])):
        cy = (g.bbox[1] + g.bbox[3]) / 2
        h = max(g.bbox[3] - g.bbox[1], 1.0)
        if lines:
            last = lines[-1][0]
            lcy = (last.bbox[1] + last.bbox[3]) / 2
            if abs(cy - lcy) < 0.5 * h:
                lines[-1].append(g)
                continue
        lines.append([g])
    return [sorted(line, key=lambda g: g.bbox[0]) for line in lines]


def _words(line: list[Glyph]) -> list[list[Glyph]]:
    """A line's glyphs split into words at spaces and at gaps wider than a
    fifth of the glyph height (PDFs often position words without spaces)."""
    words: list[list[Glyph]] = []
    prev: Glyph | None = None
    for g in line:
        if not g.text.strip():
            prev = None
            continue
        h = max(g.bbox[3] - g.bbox[1], 1.0)
        if prev is not None and g.bbox[0] - prev.bbox[2] < 0.2 * h and words:
            words[-1].append(g)
        else:
            words.append([g])
        prev = g
    return words


def _text_of(glyphs: Iterable[Glyph]) -> tuple[str, list[str]]:
    """Reading-order text of some glyphs (lines joined by spaces) and its
    words."""
    words = ["".join(g.text for g in w) for line in _lines(glyphs) for w in _words(line)]
    return " ".join(words), words


def _bbox_of(glyphs: Iterable[Glyph]) -> BBox:
    gs = list(glyphs)
    return (
        min(g.bbox[0] for g in gs),
        min(g.bbox[1] for g in gs),
        max(g.bbox[2] for g in gs),
        max(g.bbox[3] for g in gs),
    )


def _hidden_finding(page: Page, check: str, what: str, glyphs: list[Glyph], box: int | None = None) -> BoxFinding:
    """A finding about text that is present but not visible: masked and
    hashed, with the word hashes for the document-level checks."""
    text, words = _text_of(glyphs)
    masked = _masked_passage(words)
    return BoxFinding(
        page=page.number,
        check=check,
        severity=severity(check),
        message=f"{what}: {len(words)} word(s), {len(text.replace(' ', ''))} characters, shown masked as {masked!r}",
        bbox=_round(_bbox_of(glyphs)),
        masked=masked,
        value_hash=value_hash(text),
        box=box,
        word_hashes=tuple(value_hash(_norm_word(w)) for w in words if len(_norm_word(w)) >= 3),
    )


def _masked_passage(words: list[str], keep: int = MASK_WORDS) -> str:
    """Masked rendering of hidden text. A long passage shows only its first
    few words masked: every further word's first letter would say more
    about the text than a reader needs to find it."""
    shown = mask(" ".join(words[:keep]))
    return shown if len(words) <= keep else f"{shown} … (+{len(words) - keep} words)"


def _norm_word(word: str) -> str:
    return word.strip(".,;:!?()[]\"'").casefold()


def _round(b: BBox) -> BBox:
    return tuple(round(v, 2) for v in b)  # type: ignore[return-value]


# --------------------------------------------------------------------------
# Boxes


def _stamp_like(text: str) -> bool:
    """Text stamped on a box that names a ground, a withheld passage, or is
    shaped like a ground code."""
    return bool(text.strip()) and (bool(find_markers(text)) or bool(_CODE_SHAPED.match(text)))


@dataclass
class _Candidate:
    bbox: BBox
    order: int
    source: str
    style: str
    rgb: RGB | None
    outlined: bool = False


def _candidates(page: Page, unit: float) -> list[_Candidate]:
    """Opaque filled shapes, stroked rectangles and dark images big enough to
    cover a glyph."""
    out: list[_Candidate] = []
    min_side = MIN_SIDE * unit
    for s in page.shapes:
        w, h = s.bbox[2] - s.bbox[0], s.bbox[3] - s.bbox[1]
        if min(w, h) < min_side or max(w, h) < unit or s.kind == "line":
            continue
        if s.filled and s.alpha >= OPAQUE_ALPHA:
            out.append(_Candidate(s.bbox, s.order, "vector", fill_style(s.fill_color, s.pattern), s.fill_color))
        elif s.stroked and not s.filled and s.kind == "rect":
            out.append(_Candidate(s.bbox, s.order, "vector", "outlined", s.stroke_color, outlined=True))
    for im in page.images:
        w, h = im.bbox[2] - im.bbox[0], im.bbox[3] - im.bbox[1]
        if im.mean_luminance is None or im.mean_luminance >= DARK_IMAGE_LUMINANCE or min(w, h) < min_side:
            continue
        lum = im.mean_luminance
        out.append(
            _Candidate(im.bbox, im.order, "overlay", "black" if lum < BLACK_LUMINANCE else "grey", (lum, lum, lum))
        )
    return out


def _in_grid(c: _Candidate, page: Page) -> bool:
    """A stroked rectangle that shares an edge with another one is a table
    cell."""
    tol = 1.0
    for s in page.shapes:
        if s.bbox == c.bbox or not s.stroked or s.kind != "rect":
            continue
        a, b = c.bbox, s.bbox
        vertical_overlap = min(a[3], b[3]) - max(a[1], b[1]) > tol
        horizontal_overlap = min(a[2], b[2]) - max(a[0], b[0]) > tol
        if vertical_overlap and (abs(a[2] - b[0]) < tol or abs(a[0] - b[2]) < tol):
            return True
        if horizontal_overlap and (abs(a[3] - b[1]) < tol or abs(a[1] - b[3]) < tol):
            return True
    return False


def _decorated(c: _Candidate, shapes: _Index, page: Page) -> bool:
    """Shapes or images painted on top of an empty box inside it (a logo on a
    band)."""
    for s in shapes.meeting(c.bbox):
        if s.order > c.order and _covered(s.bbox, c.bbox) >= ON_TOP_SHARE and _area(s.bbox) > 0:
            return True
    return any(im.order > c.order and _covered(im.bbox, c.bbox) >= ON_TOP_SHARE for im in page.images)


def _read_candidate(c: _Candidate, index: _Index) -> tuple[list[Glyph], str, bool]:
    """The glyphs a candidate box hides (painted before it and covered, or
    painted on it in its own colour), the text stamped on it, and whether
    that text is a stamp."""
    glyphs = index.meeting(c.bbox)
    under = [] if c.outlined else [g for g in glyphs if g.order < c.order and _covered(g.bbox, c.bbox) >= COVER_SHARE]
    if c.source == "overlay":
        # Invisible text under a picture is its OCR layer (OCRmyPDF paints it
        # before the scan). Under a vector box it is a leak all the same.
        under = [g for g in under if _visible(g)]
    on_top = [g for g in glyphs if g.order > c.order and _covered(g.bbox, c.bbox) >= ON_TOP_SHARE]
    same = [
        g
        for g in on_top
        if not c.outlined and _visible(g) and _same_colour(g.color, c.rgb) and _covered(g.bbox, c.bbox) >= COVER_SHARE
    ]
    same_ids = {id(g) for g in same}
    label, _ = _text_of(g for g in on_top if id(g) not in same_ids and _visible(g))
    return under + same, label, _stamp_like(label)


def _part_of_panel(c: _Candidate, panels: list[_Candidate]) -> bool:
    """An empty box at least half inside a labelled panel of its style is a
    piece of that panel (table header cells are often drawn as an outer
    rectangle and one inner rectangle per text line)."""
    return any(p is not c and p.style == c.style and _covered(c.bbox, p.bbox) >= ON_TOP_SHARE for p in panels)


def find_redactions(page: Page) -> tuple[list[RedactionBox], list[BoxFinding]]:
    """The redaction boxes on a page and the findings about them and about
    invisible text on the page. Pure: reads only the page's geometry."""
    unit = glyph_height(page)
    text_glyphs = [g for g in page.glyphs if g.text.strip()]
    boxes: list[RedactionBox] = []
    findings: list[BoxFinding] = []
    claimed: set[int] = set()  # ids of glyphs already reported as hidden under a box

    candidates = sorted(_candidates(page, unit), key=lambda c: c.order)
    # Most pages have no box at all: index their glyphs only when there is
    # something to look them up for.
    glyph_index = _Index(text_glyphs if candidates else (), 4 * unit)
    shape_index = _Index(page.shapes if candidates else (), 4 * unit)
    box_index = _Index([], 4 * unit)
    read = [(c, *_read_candidate(c, glyph_index)) for c in candidates]
    panels = [c for c, hidden, label, is_stamp in read if not hidden and label and not is_stamp]
    for c, hidden, label, is_stamp in read:
        if any(_iou(c.bbox, b.bbox) > 0.9 for b in box_index.meeting(c.bbox)):
            continue  # the same box painted twice (common in Word output)
        if c.source == "overlay" and not hidden:
            continue  # a dark picture, not laid over text
        if not hidden:
            if c.style == "light":
                continue  # a background
            if label and not is_stamp:
                continue  # a labelled panel: header cell, title band, frame with text
            if not label:
                near = glyph_index.meeting(_grown(c.bbox, NEAR_TEXT * unit))
                if not near or _decorated(c, shape_index, page) or _part_of_panel(c, panels):
                    continue
            if c.outlined and _in_grid(c, page):
                continue
        index = len(boxes)
        box = RedactionBox(
            page=page.number,
            index=index,
            bbox=_round(c.bbox),
            source=c.source,
            style=c.style,
            color=_hex(c.rgb),
            area=round(_area(c.bbox), 2),
            label=label if is_stamp else "",
            ground_code=parse_ground(label) if is_stamp else None,
            text_under=bool(hidden),
            order=c.order,
        )
        boxes.append(box)
        box_index.add(box)
        fresh = [g for g in hidden if id(g) not in claimed]
        claimed.update(id(g) for g in hidden)
        if fresh:
            what = (
                "text left under a redaction box"
                if any(g.order < c.order for g in fresh)
                else "text in the box's own colour on top of it"
            )
            if c.source == "overlay":
                what = "text left under a dark image laid over it"
            findings.append(_hidden_finding(page, "hidden_text", what, fresh, index))
        if box.ground_code is None:
            findings.append(
                BoxFinding(
                    page=page.number,
                    check="box_without_ground",
                    severity=severity("box_without_ground"),
                    message=f"{box.style} box without a readable ground"
                    + (f" (stamp {mask(label)!r} names no known ground)" if label else ""),
                    bbox=box.bbox,
                    box=index,
                )
            )
        elif not hidden:
            leak = _width_leak(page, box, text_glyphs)
            if leak:
                findings.append(leak)
    findings += _invisible_text(page, claimed)
    findings += _white_on_white(page, claimed)
    findings += _annotations(page, text_glyphs)
    findings += _stamps_outside_boxes(page, boxes)
    return boxes, findings


# --------------------------------------------------------------------------
# Page-level findings


def _width_leak(page: Page, box: RedactionBox, glyphs: list[Glyph]) -> BoxFinding | None:
    """Edact-Ray's width leak. A box that fills exactly the gap a removed word
    left in a line keeps that word's width: with the font's metrics and the
    neighbouring glyph positions, a list of names narrows down to a few.
    Flagged when the box sits on one line, a neighbour glyph on that line is
    within 0.75 glyph height of one of its edges (the box hugs the gap rather
    than being padded to a fixed width), and its width is that of at most 40
    characters of the line's text (a word or a name, not a passage)."""
    x0, y0, x1, y1 = box.bbox
    cy = (y0 + y1) / 2
    line = [g for g in glyphs if g.bbox[1] <= cy <= g.bbox[3] and _covered(g.bbox, box.bbox) < ON_TOP_SHARE]
    if not line:
        return None
    h = statistics.median(g.bbox[3] - g.bbox[1] for g in line)
    if y1 - y0 > 1.8 * h:
        return None  # several lines
    left = [x0 - g.bbox[2] for g in line if g.bbox[2] <= x0 + 0.5]
    right = [g.bbox[0] - x1 for g in line if g.bbox[0] >= x1 - 0.5]
    tight = [d for d in (min(left, default=None), min(right, default=None)) if d is not None]
    if not tight or min(tight) > WIDTH_LEAK_GAP * h:
        return None
    advance = statistics.mean(g.bbox[2] - g.bbox[0] for g in line)
    if advance <= 0:
        return None
    chars = (x1 - x0) / advance
    if chars > WIDTH_LEAK_MAX_CHARS:
        return None
    return BoxFinding(
        page=page.number,
        check="width_leak",
        severity=severity("width_leak"),
        message=(
            f"box {box.index} is {x1 - x0:.1f} pt wide and fills the gap in its line: about {chars:.0f} characters "
            f"of the surrounding {h:.0f} pt text. The width narrows down the removed word (Edact-Ray); "
            "boxes of a fixed width do not leak it"
        ),
        bbox=box.bbox,
        box=box.index,
    )


def _over_image(g: Glyph, page: Page) -> bool:
    return any(_covered(g.bbox, im.bbox) >= ON_TOP_SHARE for im in page.images)


def _grouped(page: Page, glyphs: list[Glyph], check: str, what: str) -> list[BoxFinding]:
    """One finding per line of affected text."""
    return [_hidden_finding(page, check, what, line) for line in _lines(glyphs) if any(g.text.strip() for g in line)]


def _invisible_text(page: Page, claimed: set[int]) -> list[BoxFinding]:
    """Text drawn invisible (render mode 3 or 7, or fill alpha 0) that is not
    an OCR layer over a scanned image: nobody sees it, copy-paste and search
    do."""
    gs = [
        g
        for g in page.glyphs
        if g.text.strip() and id(g) not in claimed and not _visible(g) and not _over_image(g, page)
    ]
    return _grouped(page, gs, "invisible_text", "invisible text (not an OCR layer over an image)")


def _ground_under(g: Glyph, fills: _Index, page: Page) -> RGB | None | bool:
    """Colour of what lies under a glyph: the topmost opaque filled shape
    (of `fills`) painted before it that covers it; the white page when none;
    False when an image lies under it (its colour is unknown)."""
    under = [s for s in fills.meeting(g.bbox) if s.order < g.order and _covered(g.bbox, s.bbox) >= COVER_SHARE]
    best = max(under, key=lambda s: s.order, default=None)
    for im in page.images:
        if im.order < g.order and _covered(g.bbox, im.bbox) >= ON_TOP_SHARE and (best is None or im.order > best.order):
            return False
    if best is None:
        return (1.0, 1.0, 1.0)
    return best.fill_color if not best.pattern else False


def _white_on_white(page: Page, claimed: set[int]) -> list[BoxFinding]:
    """Light text (luminance >= 0.8) in the colour of what lies under it:
    white on the white page, pale on a pale cell; present but unreadable.
    Dark text on a dark shape is caught by the box rules (text in the box's
    own colour on top of it), so only light glyphs are looked at here."""
    gs = []
    light = [g for g in page.glyphs if g.color is not None and (luminance(g.color) or 0.0) >= DARK_LUMINANCE]
    fills = _Index((s for s in page.shapes if s.filled and s.alpha >= OPAQUE_ALPHA and _area(s.bbox) > 0), 50.0)
    for g in light:
        if not g.text.strip() or id(g) in claimed or not _visible(g):
            continue
        ground = _ground_under(g, fills, page)
        if ground is not False and ground is not None and _same_colour(g.color, ground):
            gs.append(g)
    return _grouped(page, gs, "white_on_white", "text in the colour of its background")


def _annotations(page: Page, glyphs: list[Glyph]) -> list[BoxFinding]:
    """Unapplied /Redact annotations (the mark is there, the text is not yet
    removed) and dark annotations laid over text (they cover it on screen, the
    text is still in the file)."""
    out: list[BoxFinding] = []
    for a in page.annotations:
        under = [g for g in glyphs if _covered(g.bbox, a.bbox) >= COVER_SHARE]
        if a.subtype == "Redact":
            if under:
                what = "unapplied /Redact annotation over text still in the file"
                out.append(_hidden_finding(page, "unapplied_redaction", what, under))
            else:
                what = "unapplied /Redact annotation: the marked area has not been removed"
                level = severity("unapplied_redaction", "severity_without_text")
                out.append(BoxFinding(page.number, "unapplied_redaction", level, what, _round(a.bbox)))
            continue
        fill = a.interior_color
        if under and fill is not None and (luminance(fill) or 0.0) < DARK_LUMINANCE:
            what = f"dark /{a.subtype} annotation over text still in the file"
            out.append(_hidden_finding(page, "annotation_over_text", what, under))
    return out


def _stamps_outside_boxes(page: Page, boxes: list[RedactionBox]) -> list[BoxFinding]:
    """A ground code standing in running text in place of a word, with no box:
    the text shows no removal, so the reader cannot see what was removed or
    check that it was. Codes cited in a sentence ("artikel 5.1.2e Woo"), in a
    legend (followed by the ground's label) or standing alone (a table cell)
    are not stamps."""
    out: list[BoxFinding] = []
    if not any(c.known and c.explicit for c in find_codes(page.text)):
        return out  # most pages cite no ground at all: skip the line geometry
    visible = [g for g in page.glyphs if g.text.strip() and _visible(g)]
    for line in _lines(visible):
        words = _words(line)
        texts = ["".join(g.text for g in w) for w in words]
        for i, w in enumerate(words):
            codes = [c for c in find_codes(texts[i]) if c.known and c.explicit]
            if not codes:
                continue
            wb = _bbox_of(w)
            if any(_covered(wb, b.bbox) >= ON_TOP_SHARE for b in boxes):
                continue
            h = wb[3] - wb[1]
            before = texts[max(0, i - 4) : i]
            after = texts[i + 1 : i + 3]
            if {_norm_word(t) for t in before + after} & PROSE_CONTEXT or find_labels(" ".join(texts[i + 1 :])):
                continue
            left = i > 0 and wb[0] - _bbox_of(words[i - 1])[2] < 1.5 * h
            right = i + 1 < len(words) and _bbox_of(words[i + 1])[0] - wb[2] < 1.5 * h
            if not (left and right):
                continue
            out.append(
                BoxFinding(
                    page=page.number,
                    check="stamp_outside_box",
                    severity=severity("stamp_outside_box"),
                    message=f"ground {codes[0].code} stands in the text without a box: check the text it replaces was removed",
                    bbox=_round(wb),
                )
            )
    return out


# --------------------------------------------------------------------------
# Document level: bookmarks and metadata


def outline_and_metadata(path: str | Path) -> list[tuple[str, str]]:
    """(where, text) for every bookmark title, document-information value and
    the XMP metadata of a PDF. The page walker reads pages only; these live in
    the document catalogue and the trailer. A damaged outline (pdfminer
    recurses through it) reads as no outline rather than sinking the check."""
    from pdfminer.pdfdocument import PDFDocument, PDFNoOutlines
    from pdfminer.pdfparser import PDFParser, PDFSyntaxError
    from pdfminer.pdftypes import PDFStream, resolve1
    from pdfminer.psexceptions import PSException

    out: list[tuple[str, str]] = []
    with open(path, "rb") as fh:
        pdf = PDFDocument(PDFParser(fh))
        try:
            out += [("bookmark", _pdf_string(title)) for _level, title, *_ in pdf.get_outlines()]
        except (PDFNoOutlines, PDFSyntaxError, PSException, RecursionError):
            pass
        for info in pdf.info:
            for key, value in info.items():
                value = resolve1(value)
                if isinstance(value, (bytes, str)):
                    out.append((f"metadata /{key}", _pdf_string(value)))
        xmp = resolve1(pdf.catalog.get("Metadata"))
        if isinstance(xmp, PDFStream):
            text = re.sub(r"<[^>]*>", " ", xmp.get_data().decode("utf-8", "replace"))
            out.append(("XMP metadata", " ".join(text.split())))
    return out


def _pdf_string(value: Any) -> str:
    """A PDF text string (UTF-16 with BOM or PDFDocEncoding) as str."""
    from pdfminer.utils import decode_text

    if isinstance(value, bytes):
        if value.startswith((b"\xfe\xff", b"\xff\xfe")):
            return value.decode("utf-16")
        return decode_text(value)
    return str(value)


def _side_channel_findings(places: list[tuple[str, str]], hidden: list[BoxFinding]) -> list[BoxFinding]:
    """Bookmarks and metadata that repeat words found hidden under a box: the
    leak survives even once the page is fixed. Compared by salted hash, so the
    clear text is never needed here."""
    out: list[BoxFinding] = []
    for where, text in places:
        hashes = {value_hash(_norm_word(w)) for w in text.split() if len(_norm_word(w)) >= 3}
        for f in hidden:
            shared = hashes & set(f.word_hashes)
            if shared:
                out.append(
                    BoxFinding(
                        page=f.page,
                        check="side_channel_leak",
                        severity=severity("side_channel_leak"),
                        message=f"{where} repeats {len(shared)} word(s) of the text hidden under box {f.box} on page {f.page}: {mask(text)!r}",
                        bbox=f.bbox,
                        masked=mask(text),
                        value_hash=value_hash(text),
                        box=f.box,
                    )
                )
                break
    return out


# --------------------------------------------------------------------------
# Rows


def _span_of(doc: Document, page: Page, f: BoxFinding) -> tuple[int | None, int | None]:
    """Where the hidden words stand in the document text, found by their
    hashes among the page's words; (None, None) when not found."""
    if not f.word_hashes or not doc.text:
        return None, None
    start, end = page.span
    hits = [
        (m.start() + start, m.end() + start)
        for m in re.finditer(r"\S+", doc.text[start:end])
        if value_hash(_norm_word(m.group())) in f.word_hashes
    ]
    if not hits:
        return None, None
    return hits[0][0], hits[-1][1]


def box_row(doc: Document, page: Page, b: RedactionBox) -> dict[str, Any]:
    part = doc.part_at(page.span[0])
    return {
        "part": part.index if part else None,
        "page": b.page,
        "box": b.index,
        "x0": b.bbox[0],
        "y0": b.bbox[1],
        "x1": b.bbox[2],
        "y1": b.bbox[3],
        "source": b.source,
        "style": b.style,
        "color": b.color,
        "area": b.area,
        "label": b.label or None,
        "ground_code": b.ground_code,
        "text_under": b.text_under,
    }


def finding_row(doc: Document, page: Page, f: BoxFinding) -> dict[str, Any]:
    start, end = _span_of(doc, page, f)
    part = doc.part_at(start if start is not None else page.span[0])
    return {
        "finding_id": finding_id(doc.id, f.check, f.page, f.bbox, f.value_hash),
        "part": part.index if part else None,
        "span_start": start,
        "span_end": end,
        "page": f.page,
        "check": f.check,
        "severity": f.severity,
        "message": f.message,
        "masked": f.masked,
        "value_hash": f.value_hash,
        "box": list(f.bbox) if f.bbox is not None else None,
    }


def _scanned_boxes(doc: Document, page: Page) -> None:
    """Boxes in the page image of an image-only page: `checks.scanboxes`
    (its own module, OpenCV) appends its `redactions` and `findings` rows to
    the document itself; imported here because OpenCV is slow to import."""
    from checks.scanboxes import find_scanned_redactions

    find_scanned_redactions(doc, page)


def _image_only(page: Page) -> bool:
    return bool(page.images) and not any(g.text.strip() and _visible(g) for g in page.glyphs)


def check_pdf_redactions(doc: Document, source_path: str | Path | None = None) -> None:
    """Run the box checks on every page of a PDF document and append
    `redactions` and `findings` rows. Image-only pages without vector boxes
    go to `checks.scanboxes` (boxes in the scan). Bookmarks and metadata are
    read from the file (`source_path`, default `doc.path`) when it is there,
    and only when some text was found hidden."""
    hidden: list[BoxFinding] = []
    for page in doc.pages:
        boxes, findings = find_redactions(page)
        for b in boxes:
            doc.add_row("redactions", box_row(doc, page, b))
        for f in findings:
            doc.add_row("findings", finding_row(doc, page, f))
        if _image_only(page) and not boxes:
            _scanned_boxes(doc, page)
        hidden += [f for f in findings if f.word_hashes and f.severity == "high"]
    path = Path(source_path or doc.path)
    if hidden and path.is_file():
        pages = {p.number: p for p in doc.pages}
        for f in _side_channel_findings(outline_and_metadata(path), hidden):
            doc.add_row("findings", finding_row(doc, pages[f.page], f))


# --------------------------------------------------------------------------
# `lakmoes redactions`


def _document_for(path: Path) -> Document:
    """A Document holding the pages of one PDF, read as `lakmoes run` reads
    it, so that spans and pages agree between the two commands."""
    from flows import ingest

    if not path.is_file():
        raise FileNotFoundError(path) if not path.exists() else IsADirectoryError(path)
    inp = ingest.identify(path)
    if inp.media_type != "application/pdf":
        raise ingest.InputError("not a PDF")
    return ingest.read_document(inp)


def _reason(exc: Exception) -> str:
    """Why a file could not be checked, in a few words. An unexpected error
    is named by its type only: its message could quote the document."""
    from flows import ingest

    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, ingest.InputError):
        return exc.reason  # short and stable, as in the quarantine table
    return f"unexpected {type(exc).__name__}"


def _print_report(path: Path, doc: Document, out: Any) -> None:
    boxes = doc.rows.get("redactions", [])
    findings = doc.rows.get("findings", [])
    print(f"{path}: {len(doc.pages)} page(s), {len(boxes)} box(es), {len(findings)} finding(s)", file=out)
    for page in doc.pages:
        pb = [b for b in boxes if b["page"] == page.number]
        pf = [f for f in findings if f["page"] == page.number]
        if not pb and not pf:
            continue
        print(f"  page {page.number}:", file=out)
        for b in pb:
            ground = b["ground_code"] or "no ground"
            label = f" stamp {b['label']!r}" if b["label"] else ""
            under = "  TEXT UNDER" if b["text_under"] else ""
            print(
                f"    box {b['box']}: {b['style']} {b['color'] or ''} at ({b['x0']:.0f}, {b['y0']:.0f}, {b['x1']:.0f}, {b['y1']:.0f})"
                f" {ground}{label}{under}",
                file=out,
            )
        for f in sorted(pf, key=lambda f: SEVERITY_RANK[f["severity"]]):
            print(f"    [{f['severity']}] {f['check']}: {f['message']}", file=out)


def redactions_command(files: list[Path], as_json: bool) -> int:
    """`lakmoes redactions FILE.pdf ... [--json]`: the box checks only, for a
    Woo coordinator before a release goes out. Prints per file and page the
    boxes with their grounds and the findings (masked). Exit status: 3 when
    any high-severity finding, else 1 when a file could not be checked, else
    0."""
    report: list[dict[str, Any]] = []
    failed = high = False
    for path in files:
        path = Path(path)
        try:
            doc = _document_for(path)
            check_pdf_redactions(doc)
        except Exception as exc:  # noqa: BLE001  (one bad file must not stop the others)
            failed = True
            reason = _reason(exc)
            print(f"lakmoes redactions: {path}: cannot check: {reason}", file=sys.stderr)
            report.append({"path": str(path), "error": reason})
            continue
        high = high or any(f["severity"] == "high" for f in doc.rows.get("findings", []))
        if as_json:
            report.append(
                {
                    "path": str(path),
                    "document_id": doc.id,
                    "pages": len(doc.pages),
                    "redactions": doc.rows.get("redactions", []),
                    "findings": doc.rows.get("findings", []),
                }
            )
        else:
            _print_report(path, doc, sys.stdout)
    if as_json:
        json.dump({"files": report}, sys.stdout, indent=2, ensure_ascii=False)
        print()
    from flows import exit_codes

    return exit_codes.QUARANTINED if high else exit_codes.FAILED if failed else exit_codes.OK


__all__ = [
    "BoxFinding",
    "RedactionBox",
    "check_pdf_redactions",
    "fill_style",
    "find_redactions",
    "outline_and_metadata",
    "redactions_command",
]
