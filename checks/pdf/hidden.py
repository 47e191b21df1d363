"""Page-level findings: text under a box or as wide as the gap it left,
invisible and white-on-white text, annotations, and stamps that stand
outside any box."""

from __future__ import annotations

import statistics

from checks.pdf.catalogue import (
    COVER_SHARE,
    DARK_LUMINANCE,
    HIDDEN_MIN_ALNUM,
    ON_TOP_SHARE,
    OPAQUE_ALPHA,
    PROSE_CONTEXT,
    WIDTH_LEAK_GAP,
    WIDTH_LEAK_MAX_CHARS,
    BoxFinding,
    RedactionBox,
    severity,
)
from checks.pdf.glyphs import (
    Index,
    bbox_of,
    glyph_lines,
    hidden_finding,
    is_visible,
    line_words,
    norm_word,
    rounded,
    same_colour,
)
from flows.model import RGB, Glyph, Page, luminance
from flows.model.geometry import area, covered
from flows.registry.grounds import find_codes, may_hold_code
from flows.registry.matching import find_labels


def width_leak(page: Page, box: RedactionBox, glyphs: list[Glyph]) -> BoxFinding | None:
    """Edact-Ray's width leak. A box that fills exactly the gap a removed word
    left in a line keeps that word's width: with the font's metrics and the
    neighbouring glyph positions, a list of names narrows down to a few.
    Flagged when the box sits on one line, a neighbour glyph on that line is
    within 0.75 glyph height of one of its edges (the box hugs the gap rather
    than being padded to a fixed width), and its width is that of at most 40
    characters of the line's text (a word or a name, not a passage)."""
    x0, y0, x1, y1 = box.bbox
    cy = (y0 + y1) / 2
    line = [g for g in glyphs if g.bbox[1] <= cy <= g.bbox[3] and covered(g.bbox, box.bbox) < ON_TOP_SHARE]
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
    return any(covered(g.bbox, im.bbox) >= ON_TOP_SHARE for im in page.images)


def _grouped(page: Page, glyphs: list[Glyph], check: str, what: str) -> list[BoxFinding]:
    """One finding per line of affected text; a line with too few letters
    and digits to say anything (a dot leader, a stray digit) is a mark, not
    text a reader was kept from."""
    out = []
    for line in glyph_lines(glyphs):
        if not any(g.text.strip() for g in line):
            continue
        alnum = sum(ch.isalnum() for g in line for ch in g.text)
        if alnum < HIDDEN_MIN_ALNUM:
            out.append(hidden_finding(page, "hidden_mark", f"{what}, too short to hide any text", line))
        else:
            out.append(hidden_finding(page, check, what, line))
    return out


def invisible_text(page: Page, text_glyphs: list[Glyph], claimed: set[int]) -> list[BoxFinding]:
    """Text drawn invisible (render mode 3 or 7, or fill alpha 0) that is not
    an OCR layer over a scanned image: nobody sees it, copy-paste and search
    do. `text_glyphs`: the page's glyphs that are not white space."""
    gs = [g for g in text_glyphs if not is_visible(g) and id(g) not in claimed and not _over_image(g, page)]
    return _grouped(page, gs, "invisible_text", "invisible text (not an OCR layer over an image)")


def _ground_under(g: Glyph, fills: Index, page: Page) -> RGB | bool | None:
    """Colour of what lies under a glyph: the topmost opaque filled shape
    (of `fills`) painted before it that covers it; the white page when none;
    False when an image lies under it (its colour is unknown)."""
    under = [s for s in fills.meeting(g.bbox) if s.order < g.order and covered(g.bbox, s.bbox) >= COVER_SHARE]
    best = max(under, key=lambda s: s.order, default=None)
    for im in page.images:
        if im.order < g.order and covered(g.bbox, im.bbox) >= ON_TOP_SHARE and (best is None or im.order > best.order):
            return False
    if best is None:
        return (1.0, 1.0, 1.0)
    return best.fill_color if not best.pattern else False


def white_on_white(page: Page, text_glyphs: list[Glyph], claimed: set[int]) -> list[BoxFinding]:
    """Light text (luminance >= 0.8) in the colour of what lies under it:
    white on the white page, pale on a pale cell; present but unreadable.
    Dark text on a dark shape is caught by the box rules (text in the box's
    own colour on top of it), so only light glyphs are looked at here.
    `text_glyphs`: the page's glyphs that are not white space."""
    gs = []
    light = [g for g in text_glyphs if g.color is not None and (luminance(g.color) or 0.0) >= DARK_LUMINANCE]
    fills = Index((s for s in page.shapes if s.filled and s.alpha >= OPAQUE_ALPHA and area(s.bbox) > 0), 50.0)
    for g in light:
        if id(g) in claimed or not is_visible(g):
            continue
        ground = _ground_under(g, fills, page)
        if isinstance(ground, tuple) and same_colour(g.color, ground):
            gs.append(g)
    return _grouped(page, gs, "white_on_white", "text in the colour of its background")


def annotation_findings(page: Page, glyphs: list[Glyph]) -> list[BoxFinding]:
    """Unapplied /Redact annotations (the mark is there, the text is not yet
    removed) and dark annotations laid over text (they cover it on screen, the
    text is still in the file)."""
    out: list[BoxFinding] = []
    for a in page.annotations:
        fill = a.interior_color
        if a.subtype != "Redact" and (fill is None or (luminance(fill) or 0.0) >= DARK_LUMINANCE):
            continue  # no dark fill (a link, a note): it hides nothing, whatever lies under it
        under = [g for g in glyphs if covered(g.bbox, a.bbox) >= COVER_SHARE]
        if a.subtype == "Redact":
            if under:
                what = "unapplied /Redact annotation over text still in the file"
                out.append(hidden_finding(page, "unapplied_redaction", what, under))
            else:
                what = "unapplied /Redact annotation: the marked area has not been removed"
                level = severity("unapplied_redaction", "severity_without_text")
                out.append(BoxFinding(page.number, "unapplied_redaction", level, what, rounded(a.bbox)))
            continue
        if under:
            what = f"dark /{a.subtype} annotation over text still in the file"
            out.append(hidden_finding(page, "annotation_over_text", what, under))
    return out


def stamps_outside_boxes(page: Page, text_glyphs: list[Glyph], boxes: list[RedactionBox]) -> list[BoxFinding]:
    """A ground code standing in running text in place of a word, with no box:
    the text shows no removal, so the reader cannot see what was removed or
    check that it was. Codes cited in a sentence ("artikel 5.1.2e Woo"), in a
    legend (followed by the ground's label) or standing alone (a table cell)
    are not stamps."""
    out: list[BoxFinding] = []
    if not any(c.known and c.explicit for c in find_codes(page.text)):
        return out  # most pages cite no ground at all: skip the line geometry
    visible = [g for g in text_glyphs if is_visible(g)]
    for line in glyph_lines(visible):
        if not may_hold_code("".join(g.text for g in line)):
            continue  # a word is a run of the line's glyphs: none of them holds a code
        words = line_words(line)
        texts = ["".join(g.text for g in w) for w in words]
        for i, w in enumerate(words):
            codes = [c for c in find_codes(texts[i]) if c.known and c.explicit]
            if not codes:
                continue
            wb = bbox_of(w)
            if any(covered(wb, b.bbox) >= ON_TOP_SHARE for b in boxes):
                continue
            h = wb[3] - wb[1]
            before = texts[max(0, i - 4) : i]
            after = texts[i + 1 : i + 3]
            if {norm_word(t) for t in before + after} & PROSE_CONTEXT or find_labels(" ".join(texts[i + 1 :])):
                continue
            left = i > 0 and wb[0] - bbox_of(words[i - 1])[2] < 1.5 * h
            right = i + 1 < len(words) and bbox_of(words[i + 1])[0] - wb[2] < 1.5 * h
            if not (left and right):
                continue
            out.append(
                BoxFinding(
                    page=page.number,
                    check="stamp_outside_box",
                    severity=severity("stamp_outside_box"),
                    message=f"ground {codes[0].code} stands in the text without a box: check the text it replaces was removed",
                    bbox=rounded(wb),
                )
            )
    return out
