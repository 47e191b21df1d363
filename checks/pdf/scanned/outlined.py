"""Outlined boxes: white regions walled in by drawn rules, stepped frames round
a passage, and boxes found from their top and bottom rules."""

from __future__ import annotations

import cv2
import numpy as np

from checks.pdf.scanned.masks import fill_holes, kernel
from checks.pdf.scanned.params import params


def _line_masks(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = params()["outline"]
    # Only plain dark ink: letters set right against a box's border must not
    # merge with it (a looser test, such as "darker than the paper nearby",
    # glued them on and cost a third of the outlined boxes on real pages).
    ink = (gray < p["ink_max"]).astype(np.uint8) * 255
    # A scanned border is seldom one pixel row or column straight: it wobbles
    # and is slightly skewed, so a one-pixel-wide opening breaks it into
    # dashes. Thickening the ink across the line's direction first lets the
    # opening follow a border that drifts by a pixel or two.
    wob = p["wobble"]
    horiz = cv2.morphologyEx(cv2.dilate(ink, kernel(1, wob)), cv2.MORPH_OPEN, kernel(p["h_len"], 1))
    vert = cv2.morphologyEx(cv2.dilate(ink, kernel(wob, 1)), cv2.MORPH_OPEN, kernel(1, p["v_len"]))
    # Back to the ink itself, so that the dilation does not close the white
    # gap between two boxes side by side.
    horiz = cv2.bitwise_and(horiz, ink)
    vert = cv2.bitwise_and(vert, ink)
    # Scans break thin lines; bridge small gaps along the line's direction.
    horiz = cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, kernel(p["gap"], 1))
    vert = cv2.morphologyEx(vert, cv2.MORPH_CLOSE, kernel(1, p["gap"]))
    return horiz, vert


def _walls(horiz: np.ndarray, vert: np.ndarray) -> np.ndarray:
    """The borders as walls: the white regions they enclose are candidate
    outlined boxes."""
    p = params()["outline"]
    # Seal what still leaks: a stamp set against the border eats a stretch
    # of it, and faint scans drop the ink at a corner. Closing along each
    # direction bridges a broken border; a square closing seals a corner.
    # Only the enclosure uses these: the grid test below still sees the
    # rules as they are, so two boxes side by side stay two boxes.
    seal = p["seal_gap"]
    lines = cv2.bitwise_or(
        cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, kernel(seal, 1)),
        cv2.morphologyEx(vert, cv2.MORPH_CLOSE, kernel(1, seal)),
    )
    lines = cv2.morphologyEx(lines, cv2.MORPH_CLOSE, kernel(p["seal_corner"], p["seal_corner"]))
    return cv2.dilate(lines, kernel(3, 3))


def _ink_walls(ink: np.ndarray) -> np.ndarray:
    """All ink as walls, with dashes joined: a faint or speckled border is
    too broken to pass as a straight line, and on a small box the stamp
    eats most of the top border, but closed up it still encloses the box."""
    seal = params()["outline"]["ink_seal"]
    return cv2.morphologyEx(ink.astype(np.uint8) * 255, cv2.MORPH_CLOSE, kernel(seal, seal))


def _rectangular(region: np.ndarray) -> bool:
    """Whether a white region is shaped like a box's inside: it fills the
    corners of its bounding box, all four, or three when a stamp is set
    in one, or the two of its bottom or its top side when the stamp is set
    against the other (stamps are written along the box). The counter of
    a letter has round corners: none in an "O" or a "0", and in a "D", a
    "B" or a "P" only the two along its stem, which stands upright. The
    probe grows with the region, since a bigger letter has bigger round
    corners."""
    p = params()["outline"]
    # Rows and columns the region barely reaches are no part of its shape:
    # the white between the stamp's letters, or a leak through a gap in a
    # faint border.
    rows = np.flatnonzero(region.mean(axis=1) >= p["corner_trim"])
    cols = np.flatnonzero(region.mean(axis=0) >= p["corner_trim"])
    if rows.size == 0 or cols.size == 0:
        return False
    region = region[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = region.shape
    k = max(p["corner_min"], int(min(w, h) * p["corner_share"]))
    tl, tr, bl, br = (
        float(spot.mean()) >= p["corner_fill"]
        for spot in (region[:k, :k], region[:k, w - k :], region[h - k :, :k], region[h - k :, w - k :])
    )
    return tl + tr + bl + br >= 3 or (tl and tr) or (bl and br)


def _stepped(region: np.ndarray) -> bool:
    """Whether a white region that is no rectangle is a stepped frame: an
    outline drawn round a withheld passage that starts or ends mid-line
    ("Buiten reikwijdte" frames), whose every side is a horizontal or
    vertical rule. Its outline, simplified, runs almost all its length
    along axis-parallel edges; a letter's counter is curved, so its
    simplified outline is slanted edges. Notches bitten by stamp letters
    set against the frame are closed first."""
    p = params()["outline"]
    k = p["step_notch"]
    closed = cv2.morphologyEx(region.astype(np.uint8), cv2.MORPH_CLOSE, kernel(k, k))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return False
    outline = max(contours, key=cv2.contourArea)
    poly = cv2.approxPolyDP(outline, p["step_epsilon"], True).reshape(-1, 2)
    if len(poly) < 6:
        return False  # four corners: a rectangle, judged as one
    edges = np.abs(np.diff(np.vstack([poly, poly[:1]]), axis=0))
    length = edges.max(axis=1).astype(np.float64)
    # Axis-parallel and long: the short edges of a curve, simplified, are
    # no sides.
    # A scan may be skewed by a degree or two, so a long edge may drift.
    skew = p["step_epsilon"] + p["step_skew"] * length
    straight = (edges.min(axis=1) <= skew) & (length >= p["step_min_edge"])
    return bool(length[straight].sum() >= p["step_axis_share"] * length.sum())


def _enclosed(walls: np.ndarray, ink: np.ndarray) -> list[tuple[int, int, int, int, int, np.ndarray | None]]:
    """White regions the walls enclose that are rectangles or stepped
    frames, as (x, y, w, h, area, region); `region` is the mask of a
    stepped frame (None for a rectangle). The page background (touching
    the image edge) is left out later. The area counts the ink inside the
    region's bounds as its own: a stamp set against the border is part of
    the box, not a bite out of it."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(255 - walls, connectivity=4)
    p = params()["outline"]
    out: list[tuple[int, int, int, int, int, np.ndarray | None]] = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i][:4])
        if w < p["min_w"] or h < p["min_h"] or h > p["step_max_h"]:
            continue
        # Stamp letters standing free inside the box are islands in the
        # region: they belong to the box's inside.
        region = fill_holes((labels[y : y + h, x : x + w] == i).astype(np.uint8) * 255).astype(bool)
        if h <= p["max_h"] and _rectangular(region):
            out.append((x, y, w, h, int(np.count_nonzero(region | ink[y : y + h, x : x + w])), None))
        elif _stepped(region):
            out.append((x, y, w, h, int(np.count_nonzero(region)), region))
    return out


def _runs_on(lines: np.ndarray, xs: slice, ys: slice, axis: int) -> bool:
    """Whether a rule runs on without a break through the strip `ys, xs`
    (along `axis`: 1 for a horizontal rule, 0 for a vertical one). A gap,
    such as the white between two boxes side by side, stops it."""
    strip = lines[ys, xs]
    if strip.size == 0:
        return False
    covered = strip.any(axis=1 - axis)
    return bool(covered.mean() >= params()["outline"]["grid_cover"])


def _text_bands(ink: np.ndarray) -> int:
    """Number of separate bands of ink rows: lines of text inside a box."""
    rows = np.asarray(ink.any(axis=1)).astype(np.int8)
    return int(((rows[1:] == 1) & (rows[:-1] == 0)).sum() + rows[0])


def outlined_boxes(gray: np.ndarray) -> list[tuple[int, int, int, int, str, float]]:
    """Outlined boxes: regions enclosed by long straight rules, and, for
    borders too faint or broken to be found as rules, regions enclosed by
    the page's ink with its dashes joined."""
    horiz, vert = _line_masks(gray)
    ink = gray < params()["outline"]["ink_max"]
    out: list[tuple[int, int, int, int, str, float]] = []
    # Speckle (the grey dots of a scanned white box) is no text: isolated
    # pixels are dropped before the inside of a box is judged.
    strokes = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_OPEN, kernel(2, 2)).astype(bool)
    for walls in (_walls(horiz, vert), _ink_walls(ink)):
        out += _framed(walls, horiz, vert, ink, strokes)
    return out + _ruled_boxes(horiz, vert, ink, strokes)


def _side_cover(mask: np.ndarray, x: int, y: int, w: int, h: int) -> tuple[float, float, float, float]:
    """Share of each side (top, bottom, left, right) of an enclosed region
    that has `mask` right outside it, within a border's width."""
    t = params()["outline"]["border"]
    H, W = mask.shape
    sides = (
        mask[max(0, y - t) : y, x : x + w].any(axis=0),
        mask[y + h : min(H, y + h + t), x : x + w].any(axis=0),
        mask[y : y + h, max(0, x - t) : x].any(axis=1),
        mask[y : y + h, x + w : min(W, x + w + t)].any(axis=1),
    )
    top, bottom, left, right = (float(side.mean()) if side.size else 0.0 for side in sides)
    return top, bottom, left, right


def _side_thickness(walls: np.ndarray, x: int, y: int, w: int, h: int) -> tuple[float, float, float, float]:
    """Median thickness of the wall right outside each side (top, bottom,
    left, right) of an enclosed region, in pixels, counted outward up to
    `thin_probe`."""
    probe = params()["outline"]["thin_probe"]
    H, W = walls.shape
    bands = (
        walls[max(0, y - probe) : y, x : x + w][::-1],
        walls[y + h : min(H, y + h + probe), x : x + w],
        walls[y : y + h, max(0, x - probe) : x][:, ::-1].T,
        walls[y : y + h, x + w : min(W, x + w + probe)].T,
    )
    out = []
    for band in bands:
        if band.size == 0:
            out.append(float(probe))
            continue
        # Rows outward from the side; a column's run ends at its first gap.
        run = np.cumprod(band > 0, axis=0).sum(axis=0)
        out.append(float(np.median(run)))
    top, bottom, left, right = out
    return top, bottom, left, right


def _drawn_frame(walls: np.ndarray, horiz: np.ndarray, vert: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """Whether an enclosed region is framed by a drawn border: walled in
    along every side, and along at least one horizontal and one vertical
    side (a stamp or a word set against the border may hide the other) by
    a straight rule or a thin stroke. The gap between two text lines,
    walled in by letters touching across it, has thick letter bodies on
    both its long sides and no rules."""
    p = params()["outline"]
    if min(_side_cover(walls, *box)) < p["min_wall_cover"]:
        return False
    top, bottom, _, _ = _side_cover(horiz, *box)
    _, _, left, right = _side_cover(vert, *box)
    t_top, t_bottom, t_left, t_right = _side_thickness(walls, *box)
    thin = p["max_stroke"]
    return (max(top, bottom) >= p["min_rule_cover"] or min(t_top, t_bottom) <= thin) and (
        max(left, right) >= p["min_rule_cover"] or min(t_left, t_right) <= thin
    )


def _grid_runs(horiz: np.ndarray, vert: np.ndarray, corners: tuple[int, int, int, int], reach: int) -> int:
    """At how many of the eight places where a frame's rules could run on
    past its corners (each rule, both ways) they do so for `reach` px, as a
    table's do (a box's rules stop there). `corners` is x0, y0, x1, y1 of
    the frame with its border."""
    t = params()["outline"]["border"]
    H, W = horiz.shape
    bx0, by0, bx1, by1 = corners
    return sum(
        (
            _runs_on(horiz, slice(max(0, bx0 - reach), bx0), slice(by0, by0 + t + 1), 1),
            _runs_on(horiz, slice(bx1, min(W, bx1 + reach)), slice(by0, by0 + t + 1), 1),
            _runs_on(horiz, slice(max(0, bx0 - reach), bx0), slice(by1 - t - 1, by1), 1),
            _runs_on(horiz, slice(bx1, min(W, bx1 + reach)), slice(by1 - t - 1, by1), 1),
            _runs_on(vert, slice(bx0, bx0 + t + 1), slice(max(0, by0 - reach), by0), 0),
            _runs_on(vert, slice(bx0, bx0 + t + 1), slice(by1, min(H, by1 + reach)), 0),
            _runs_on(vert, slice(bx1 - t - 1, bx1), slice(max(0, by0 - reach), by0), 0),
            _runs_on(vert, slice(bx1 - t - 1, bx1), slice(by1, min(H, by1 + reach)), 0),
        )
    )


def _in_grid(horiz: np.ndarray, vert: np.ndarray, corners: tuple[int, int, int, int], reach: int) -> bool:
    """Whether a frame's rules run on past any of its corners: a table
    cell, not a box."""
    return _grid_runs(horiz, vert, corners, reach) > 0


def _holds_text(strokes: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """Whether the inside of a frame holds more than a stamp: much ink, or
    more than a line or two of text (a text frame, a table cell)."""
    p = params()["outline"]
    x, y, w, h = box
    inside = strokes[y + 2 : y + h - 2, x + 2 : x + w - 2]
    return inside.size == 0 or inside.mean() > p["max_inside_ink"] or _text_bands(inside) > p["max_text_bands"]


def _straight_side(band: np.ndarray) -> float:
    """Share of a vertical band's rows with ink in its best three adjacent
    columns: near 1 for a box's straight side (a stamp against it still
    inks those columns), lower for the curve of a round letter such as a
    "D" whose top and bottom pass for rules."""
    if band.size == 0:
        return 0.0
    cols = band.shape[1]
    return max(float(band[:, c : c + 3].any(axis=1).mean()) for c in range(max(1, cols - 2)))


def _ring_outside(ink: np.ndarray, corners: tuple[int, int, int, int]) -> bool:
    """Whether the ink goes on outward past both rules of a pair, right
    outside them along most of their span: the "rules" are then chords of
    a letter's ring (the inner edge of a "0" or an "O" is flat enough to
    pass for a rule), whose stroke continues beyond them. Outside a drawn
    box's rules lies paper, or at most a letter of the next line."""
    p = params()["outline"]
    x0, y0, x1, y1 = corners
    reach, t = p["ring_reach"], p["border"]
    above = ink[max(0, y0 - reach) : y0, x0 + t : x1 - t].any(axis=0)
    below = ink[y1 : y1 + reach, x0 + t : x1 - t].any(axis=0)
    if above.size == 0 or below.size == 0:
        return False
    return min(float(above.mean()), float(below.mean())) >= p["ring_share"]


def _ruled_boxes(
    horiz: np.ndarray, vert: np.ndarray, ink: np.ndarray, strokes: np.ndarray
) -> list[tuple[int, int, int, int, str, float]]:
    """Outlined boxes found from their top and bottom rules: two horizontal
    rules of the same span, one above the other at a line's height, with a
    stroke at either end. A box whose side the stamp is printed against,
    or whose side the scan lost, is no closed region, so the enclosure
    passes miss it; its long rules still show."""
    p = params()["outline"]
    W = ink.shape[1]
    # The rules as found (small gaps bridged): bridging more would join the
    # top borders of two boxes side by side into one rule.
    n, _, stats, _ = cv2.connectedComponentsWithStats(horiz, connectivity=8)
    segs = sorted(
        (tuple(int(v) for v in stats[i][:4]) for i in range(1, n)),
        key=lambda r: r[1],
    )
    segs = [r for r in segs if r[2] >= p["min_w"] and r[3] <= p["max_stroke"]]
    tol, t = p["pair_tol"], p["border"]
    out = []
    for i, (ax, ay, aw, ah) in enumerate(segs):
        for bx, by, bw, bh in segs[i + 1 :]:
            inner = by - (ay + ah)
            if inner > p["pair_max_h"]:
                break
            # A stamp set against the top border eats one end of that
            # rule: one end must line up, and the rules span mostly alike.
            if (
                inner < p["min_h"]
                or min(abs(ax - bx), abs(ax + aw - bx - bw)) > tol
                or min(aw, bw) < p["pair_min_span"] * max(aw, bw)
            ):
                continue
            x0, x1 = min(ax, bx), max(ax + aw, bx + bw)
            y0, y1 = ay, by + bh
            ends = [_straight_side(ink[y0:y1, max(0, xe - t) : min(W, xe + t + 1)]) for xe in (x0, x1 - 1)]
            if min(ends) < p["pair_side_cover"] or _ring_outside(ink, (x0, y0, x1, y1)):
                break  # the nearest rule below of this span closes no box: a farther one would span text
            # The grid test looks farther here: a pair of rules is no
            # letter's counter, but a letter of the next line may stand
            # right under a corner and pass for a rule running on.
            if not _in_grid(horiz, vert, (x0, y0, x1, y1), p["pair_grid_reach"]) and not _holds_text(
                strokes, (x0 + t, y0 + t, x1 - x0 - 2 * t, y1 - y0 - 2 * t)
            ):
                out.append((x0, y0, x1 - x0, y1 - y0, "outlined", sum(ends) / 2))
            break
    return out


def _stepped_frame(
    region: np.ndarray,
    walls: np.ndarray,
    horiz: np.ndarray,
    vert: np.ndarray,
    strokes: np.ndarray,
    box: tuple[int, int, int, int],
) -> bool:
    """Whether a stepped region is a drawn frame round a withheld passage:
    its edge runs along straight rules nearly all the way round (the gap
    between lines of text, walled in by letters, does not, nor white
    walled in by the straight edges of black boxes, which are thick), and its
    inside is near blank but for stamps, which may stand on a few lines
    (one per withheld line). Its redaction is its bounding rectangle."""
    p = params()["outline"]
    x, y, w, h = box
    if w * h > p["max_area_share"] * walls.size:
        return False
    # The rules as thin lines only: the straight edges of black boxes, or
    # of bold letters, wall in white gaps between them just as well.
    t = p["border"]
    ys, xs = slice(max(0, y - t), y + h + t), slice(max(0, x - t), x + w + t)
    lines = cv2.bitwise_or(horiz[ys, xs], vert[ys, xs])
    thick = cv2.morphologyEx(lines, cv2.MORPH_OPEN, kernel(p["max_stroke"] + 1, p["max_stroke"] + 1))
    rules = cv2.dilate(cv2.bitwise_and(lines, cv2.bitwise_not(thick)), kernel(2 * t + 1, 2 * t + 1))
    rules = rules[y - ys.start : y - ys.start + h, x - xs.start : x - xs.start + w]
    edge = region & ~cv2.erode(region.astype(np.uint8), kernel(3, 3)).astype(bool)
    if float(rules[edge].astype(bool).mean()) < p["step_rule_cover"]:
        return False
    inside = cv2.erode(region.astype(np.uint8), kernel(5, 5)).astype(bool)
    return float(strokes[y : y + h, x : x + w][inside].mean()) <= p["step_max_ink"]


def _framed(
    walls: np.ndarray, horiz: np.ndarray, vert: np.ndarray, ink: np.ndarray, strokes: np.ndarray
) -> list[tuple[int, int, int, int, str, float]]:
    """Outlined boxes among the regions that `walls` enclose."""
    p = params()["outline"]
    H, W = walls.shape
    out = []
    for x, y, w, h, area, steps in _enclosed(walls, ink):
        if x == 0 or y == 0 or x + w >= W or y + h >= H:
            continue  # the page background, not an enclosed region
        # The border: step out over the (dilated) line to the box's edge.
        t = p["border"]
        bx0, by0, bx1, by1 = max(0, x - t), max(0, y - t), min(W, x + w + t), min(H, y + h + t)
        if steps is not None:
            # A stepped frame's bounds are no corners of its own: a rule
            # of a frame drawn next to it may run past one. A table cell,
            # stepped by the words that cross its rules, has rules running
            # on at several.
            if (
                _stepped_frame(steps, walls, horiz, vert, strokes, (x, y, w, h))
                and _grid_runs(horiz, vert, (bx0, by0, bx1, by1), p["grid_reach"]) < 2
            ):
                out.append((bx0, by0, bx1 - bx0, by1 - by0, "outlined", area / float(w * h)))
            continue
        # `_enclosed` kept only rectangles of a box's width and height: what
        # is left to rule out is a frame round much of the page.
        if w * h > p["max_area_share"] * W * H:
            continue
        fill = area / float(w * h)
        if fill < p["min_fill"] or not _drawn_frame(walls, horiz, vert, (x, y, w, h)):
            continue
        if _in_grid(horiz, vert, (bx0, by0, bx1, by1), p["grid_reach"]) or _holds_text(strokes, (x, y, w, h)):
            continue
        out.append((bx0, by0, bx1 - bx0, by1 - by0, "outlined", fill))
    return out
