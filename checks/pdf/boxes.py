"""Redaction boxes on born-digital pages: filled, outlined and overlaid
shapes that hide text, with the ground stamped on them (the rules are in
the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass

from checks.masking import mask
from checks.pdf.catalogue import (
    BLACK_LUMINANCE,
    CODE_SHAPED,
    COVER_SHARE,
    DARK_IMAGE_LUMINANCE,
    MIN_SIDE,
    NEAR_TEXT,
    ON_TOP_SHARE,
    OPAQUE_ALPHA,
    BoxFinding,
    RedactionBox,
    severity,
)
from checks.pdf.glyphs import (
    Index,
    fill_style,
    glyph_height,
    hex_colour,
    hidden_finding,
    is_visible,
    rounded,
    same_colour,
    text_of,
)
from checks.pdf.hidden import (
    annotation_findings,
    invisible_text,
    stamps_outside_boxes,
    white_on_white,
    width_leak,
)
from flows.model import RGB, BBox, Glyph, Page
from flows.model.geometry import area, covered, grown, iou
from flows.registry.matching import find_markers, parse_ground


def _stamp_like(text: str) -> bool:
    """Text stamped on a box that names a ground, a withheld passage, or is
    shaped like a ground code."""
    return bool(text.strip()) and (bool(find_markers(text)) or bool(CODE_SHAPED.match(text)))


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


def _decorated(c: _Candidate, shapes: Index, page: Page) -> bool:
    """Shapes or images painted on top of an empty box inside it (a logo on a
    band)."""
    for s in shapes.meeting(c.bbox):
        if s.order > c.order and covered(s.bbox, c.bbox) >= ON_TOP_SHARE and area(s.bbox) > 0:
            return True
    return any(im.order > c.order and covered(im.bbox, c.bbox) >= ON_TOP_SHARE for im in page.images)


def _read_candidate(c: _Candidate, index: Index) -> tuple[list[Glyph], str, bool]:
    """The glyphs a candidate box hides (painted before it and covered, or
    painted on it in its own colour), the text stamped on it, and whether
    that text is a stamp."""
    glyphs = index.meeting(c.bbox)
    under = [] if c.outlined else [g for g in glyphs if g.order < c.order and covered(g.bbox, c.bbox) >= COVER_SHARE]
    if c.source == "overlay":
        # Invisible text under a picture is its OCR layer (OCRmyPDF paints it
        # before the scan). Under a vector box it is a leak all the same.
        under = [g for g in under if is_visible(g)]
    on_top = [g for g in glyphs if g.order > c.order and covered(g.bbox, c.bbox) >= ON_TOP_SHARE]
    same = [
        g
        for g in on_top
        if not c.outlined and is_visible(g) and same_colour(g.color, c.rgb) and covered(g.bbox, c.bbox) >= COVER_SHARE
    ]
    same_ids = {id(g) for g in same}
    label, _ = text_of(g for g in on_top if id(g) not in same_ids and is_visible(g))
    return under + same, label, _stamp_like(label)


def _part_of_panel(c: _Candidate, panels: list[_Candidate]) -> bool:
    """An empty box at least half inside a labelled panel of its style is a
    piece of that panel (table header cells are often drawn as an outer
    rectangle and one inner rectangle per text line)."""
    return any(p is not c and p.style == c.style and covered(c.bbox, p.bbox) >= ON_TOP_SHARE for p in panels)


def find_redactions(page: Page) -> tuple[list[RedactionBox], list[BoxFinding]]:
    """The redaction boxes on a page and the findings about them and about
    invisible text on the page. Pure: reads only the page's geometry."""
    text_glyphs = [g for g in page.glyphs if g.text.strip()]
    unit = glyph_height(text_glyphs)
    boxes: list[RedactionBox] = []
    findings: list[BoxFinding] = []
    claimed: set[int] = set()  # ids of glyphs already reported as hidden under a box

    candidates = sorted(_candidates(page, unit), key=lambda c: c.order)
    # Most pages have no box at all: index their glyphs only when there is
    # something to look them up for.
    glyph_index = Index(text_glyphs if candidates else (), 4 * unit)
    shape_index = Index(page.shapes if candidates else (), 4 * unit)
    box_index = Index([], 4 * unit)
    read = [(c, *_read_candidate(c, glyph_index)) for c in candidates]
    panels = [c for c, hidden, label, is_stamp in read if not hidden and label and not is_stamp]
    for c, hidden, label, is_stamp in read:
        if any(iou(c.bbox, b.bbox) > 0.9 for b in box_index.meeting(c.bbox)):
            continue  # the same box painted twice (common in Word output)
        if c.source == "overlay" and not hidden:
            continue  # a dark picture, not laid over text
        if not hidden:
            if c.style == "light":
                continue  # a background
            if label and not is_stamp:
                continue  # a labelled panel: header cell, title band, frame with text
            if not label:
                near = glyph_index.meeting(grown(c.bbox, NEAR_TEXT * unit))
                if not near or _decorated(c, shape_index, page) or _part_of_panel(c, panels):
                    continue
            if c.outlined and _in_grid(c, page):
                continue
        index = len(boxes)
        box = RedactionBox(
            page=page.number,
            index=index,
            bbox=rounded(c.bbox),
            source=c.source,
            style=c.style,
            color=hex_colour(c.rgb),
            area=round(area(c.bbox), 2),
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
            findings.append(hidden_finding(page, "hidden_text", what, fresh, index))
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
            leak = width_leak(page, box, text_glyphs)
            if leak:
                findings.append(leak)
    findings += invisible_text(page, text_glyphs, claimed)
    findings += white_on_white(page, text_glyphs, claimed)
    findings += annotation_findings(page, text_glyphs)
    findings += stamps_outside_boxes(page, text_glyphs, boxes)
    return boxes, findings
