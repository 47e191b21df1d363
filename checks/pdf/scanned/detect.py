"""All detectors of one page image together: candidates deduplicated, named by
their colour, stacked coloured boxes merged."""

from __future__ import annotations

import cv2
import numpy as np

from checks.pdf.scanned.faint import faint_fill_boxes
from checks.pdf.scanned.filled import drop_highlights, filled_boxes, marker_boxes
from checks.pdf.scanned.masks import as_rgb, fill_masks, work_scale
from checks.pdf.scanned.outlined import outlined_boxes
from checks.pdf.scanned.params import ImageBox, params


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0


def _contains(a: tuple[int, int, int, int], b: tuple[int, int, int, int], share: float) -> bool:
    """Whether box `a` holds at least `share` of box `b`'s area."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    return iw * ih >= share * bw * bh


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Whether boxes `a` and `b` share any pixels."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return min(ax + aw, bx + bw) > max(ax, bx) and min(ay + ah, by + bh) > max(ay, by)


def _covered_share(box: tuple[int, int, int, int], others: list[tuple[int, int, int, int, str, float]]) -> float:
    """Share of `box`'s area that the other boxes cover."""
    x, y, w, h = box
    covered = np.zeros((h, w), bool)
    for ox, oy, ow, oh, _, _ in others:
        x0, y0, x1, y1 = max(x, ox), max(y, oy), min(x + w, ox + ow), min(y + h, oy + oh)
        if x1 > x0 and y1 > y0:
            covered[y0 - y : y1 - y, x0 - x : x1 - x] = True
    return float(covered.mean()) if covered.size else 0.0


def _dedupe(cands: list[tuple[int, int, int, int, str, float]]) -> list[tuple[int, int, int, int, str, float]]:
    """One box per place: a grey ring around a black box, an outline found
    around a filled box, or a solid stroke of a big stamp inside a box, is
    the same redaction. The larger candidate wins, so nothing found inside
    a box survives as a box of its own."""
    kept: list[tuple[int, int, int, int, str, float]] = []
    for c in sorted(cands, key=lambda c: (-c[2] * c[3], -c[5])):
        if any(_iou(c[:4], k[:4]) > 0.3 or _contains(k[:4], c[:4], 0.8) for k in kept):
            continue
        kept.append(c)
    return kept


def _mean_colour(rgb: np.ndarray, box: tuple[int, int, int, int], style: str) -> tuple[int, int, int]:
    """The box's own colour: the median of its pixels, which is the fill
    (the stamp covers less than half), or for an outline its darkest
    pixels, as many as its border has."""
    x, y, w, h = box
    px = rgb[y : y + h, x : x + w].reshape(-1, 3).astype(np.int32)
    if style == "outlined":
        # The border's share of the box: a ring a few pixels wide, a
        # tenth of a small box but a hundredth of a frame round a page's
        # worth of withheld text.
        share = min(10.0, 100.0 * 2 * (w + h) * params()["outline"]["border"] / max(1, w * h))
        lum = px.sum(axis=1)
        px = px[lum <= np.percentile(lum, share)]
    med = np.median(px, axis=0)
    return int(med[0]), int(med[1]), int(med[2])


def _style_of(colour: tuple[int, int, int], found_as: str) -> str:
    """Style from the fill colour itself, so that a box is named by what it
    looks like, not by which mask found it."""
    if found_as == "outlined":
        return "outlined"
    p = params()["style"]
    r, g, b = colour
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    if max(colour) - min(colour) >= p["colour_min_chroma"]:
        return "colour"
    return "black" if lum < p["black_max_luminance"] else "grey"


Styled = tuple[tuple[int, int, int, int], str, tuple[int, int, int], float]


def _stacked(upper: Styled, lower: Styled, fill: np.ndarray, others: list[Styled]) -> bool:
    """Whether `lower` sits under `upper` with no paper between them,
    sharing its left or right edge and its colour: one patch of fill that
    the band split cut where its ragged edge jumps, or where a stamp bent
    a line's edge so much that the line was lost as a box of its own.
    `fill` is the coloured mask with stamps; the rows between the two boxes
    must be that fill across their common width, and hold no other box."""
    p = params()["stack"]
    (ux, uy, uw, uh), _, uc, _ = upper
    (lx, ly, lw, lh), _, lc, _ = lower
    aligned = abs(ux - lx) <= p["edge_tol"] or abs((ux + uw) - (lx + lw)) <= p["edge_tol"]
    same = max(abs(a - b) for a, b in zip(uc, lc, strict=True)) <= p["max_colour_diff"]
    y0, y1 = uy + uh, ly
    x0, x1 = max(ux, lx), min(ux + uw, lx + lw)
    if not (aligned and same and x1 > x0 and y1 - y0 <= p["max_gap_lines"] * max(uh, lh)):
        return False
    if y1 <= y0 + p["touch"]:
        return True
    strip = (x0, y0, x1 - x0, y1 - y0)
    if any(_overlaps(o[0], strip) for o in others if o is not upper and o is not lower):
        return False  # a box between them: it is the neighbour to compare with
    return float(fill[y0:y1, x0:x1].mean()) >= p["min_gap_fill"]


def _merge_stacks(boxes: list[Styled], rgb: np.ndarray) -> list[Styled]:
    """Coloured boxes stacked with no paper between them, in one hue, made
    one box of their bounds: a block of lines (a recipient list, an
    address) redacted line by line in one fill reads as one patch, and the
    gold standard draws it so. Boxes with paper between them stay apart,
    and so do other styles (grey e-mail header lines are boxed line by line
    in the gold)."""
    colour = sorted((b for b in boxes if b[1] == "colour"), key=lambda b: b[0][1])
    if len(colour) < 2:
        return boxes
    out = [b for b in boxes if b[1] != "colour"]
    fill = fill_masks(rgb, with_stamps=True)["colour"]
    chains: list[list[Styled]] = []
    for b in colour:
        chain = next((c for c in chains if _stacked(c[-1], b, fill, colour)), None)
        if chain is None:
            chains.append([b])
        else:
            chain.append(b)
    for chain in chains:
        if len(chain) == 1:
            out.extend(chain)
            continue
        x0 = min(b[0][0] for b in chain)
        y0 = chain[0][0][1]
        x1 = max(b[0][0] + b[0][2] for b in chain)
        y1 = max(b[0][1] + b[0][3] for b in chain)
        area = sum(b[0][2] * b[0][3] for b in chain)
        red, green, blue = (int(np.median([b[2][i] for b in chain])) for i in range(3))
        median = (red, green, blue)
        score = sum(b[3] * b[0][2] * b[0][3] for b in chain) / area
        out.append(((x0, y0, x1 - x0, y1 - y0), "colour", median, score))
    return out


def detect_boxes(image: np.ndarray) -> list[ImageBox]:
    """Redaction boxes in a page image (H×W×3 RGB uint8 or H×W gray), in
    pixels of that image, top to bottom."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError("expected a uint8 numpy image")
    rgb = as_rgb(image)
    s = work_scale(rgb.shape)
    small = cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1.0 else rgb
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    strict = filled_boxes(small) + outlined_boxes(gray) + faint_fill_boxes(gray)
    # A marker patch mostly made of printed boxes is those boxes (a stack
    # of them, joined by the closing) seen loosely: they are the better
    # answer. Otherwise the boxes in it are bits of the marker.
    loose = [m for m in marker_boxes(small) if _covered_share(m[:4], strict) < params()["marker"]["max_boxed"]]
    # Highlights go before the overlaps are settled: a box inside a
    # highlighted passage is a redaction of its own.
    dark = gray < params()["fill"]["dark_max"]
    cands = _dedupe(drop_highlights(small, strict + loose, dark))
    fill = params()["fill"]
    styled = []
    for x, y, w, h, found_as, score in cands:
        colour = _mean_colour(small, (x, y, w, h), found_as)
        style = _style_of(colour, found_as)
        if (
            style == "colour"
            and max(colour) >= fill["dark_colour_value"]
            and (w < fill["colour_min_w"] or h < fill["colour_min_h"])
        ):
            # A vivid red or blue patch is dark enough for the black mask
            # (a piece of a coat of arms in a letterhead); by its colour it
            # is a coloured patch, and one too small to hide a word. A dark
            # navy or maroon fill is a box like a black one, sized as one.
            continue
        styled.append(((x, y, w, h), style, colour, score))
    boxes = []
    for (x, y, w, h), style, colour, score in _merge_stacks(styled, small):
        boxes.append(
            ImageBox(
                x=round(float(x) / s),
                y=round(float(y) / s),
                w=round(float(w) / s),
                h=round(float(h) / s),
                style=style,
                color=colour,
                score=round(float(min(1.0, score)), 3),
            )
        )
    return sorted(boxes, key=lambda b: (b.y, b.x))
