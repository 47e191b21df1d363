"""Pixel masks shared by the detectors: fill classes, straight row bands,
rectangular components, covered edges and one hue."""

from __future__ import annotations

import itertools

import cv2
import numpy as np

from checks.pdf.scanned.params import params


def as_rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2RGB)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f"expected an H×W gray or H×W×3 RGB image, got shape {image.shape}")


def work_scale(shape: tuple[int, ...]) -> float:
    """Factor that brings the page to about 200 dpi: the short side of an A4
    or letter page at 200 dpi is about 1650-1700 px."""
    short = min(shape[0], shape[1])
    return min(1.0, params()["page"]["short_side_px"] / short)


def kernel(w: int, h: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_RECT, (max(1, w), max(1, h)))


def _between(mask: np.ndarray, reach: int) -> np.ndarray:
    """Pixels with `mask` within `reach` px on both their left and right,
    or both above and below: inside the strokes of a stamp printed on a
    fill, whose letters have the fill all round them. Text standing next
    to a box has the fill on one side only, so it is not taken in."""
    m = mask.astype(np.uint8)
    row = np.ones((1, reach), np.uint8)
    col = np.ones((reach, 1), np.uint8)
    # The same kernel anchored at either end looks one way only.
    left: np.ndarray = cv2.dilate(m, row, anchor=(0, 0))
    right: np.ndarray = cv2.dilate(m, row, anchor=(reach - 1, 0))
    up: np.ndarray = cv2.dilate(m, col, anchor=(0, 0))
    down: np.ndarray = cv2.dilate(m, col, anchor=(0, reach - 1))
    return ((left & right) | (up & down)).astype(bool)


def fill_masks(rgb: np.ndarray, with_stamps: bool = False) -> dict[str, np.ndarray]:
    """Pixels that could belong to a black, a grey or a coloured box; with
    `with_stamps`, a coloured box's stamp counts as the box."""
    p = params()["fill"]
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    sat, val = hsv[:, :, 1], hsv[:, :, 2]
    dark = gray < p["dark_max"]
    coloured = (sat >= p["colour_min_saturation"]) & (val >= p["colour_min_value"]) & ~dark
    # A dark stamp on a coloured box is part of the box. Without it a box
    # whose stamp fills most of it, or sits against its edge, falls apart
    # under the opening below. Only colour: grey would take in all black
    # text through its own anti-aliased edges.
    if with_stamps:
        coloured = coloured | (dark & _between(coloured, p["stamp_reach"]))
    grey = (gray >= p["grey_min"]) & (gray <= p["grey_max"]) & (sat < p["colour_min_saturation"])
    return {"black": dark, "grey": grey, "colour": coloured}


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """The mask with every enclosed hole filled: the white stamp inside a
    dark box is a hole in the box's mask, and so is it gone."""
    padded = cv2.copyMakeBorder(mask, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    outside = padded.copy()
    ff = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    cv2.floodFill(outside, ff, (0, 0), 255)
    holes = cv2.bitwise_not(outside)[1:-1, 1:-1]
    return cv2.bitwise_or(mask, holes)


def _straight_core(lo: np.ndarray, hi: np.ndarray, tol: int, share: float) -> tuple[int, int] | None:
    """The longest run of rows (start, end) whose left and right ends lie
    within `tol` of the band's median edges, when it holds at least `share`
    of the band's rows. A word standing against a box's corner (a line of
    text set right up to it) joins the box's mask over a few rows and bends
    its edge there; the box is the straight rest. A curved shape sliced
    into rows has no such long straight run."""
    ok = (np.abs(lo - np.median(lo)) <= tol) & (np.abs(hi - np.median(hi)) <= tol)
    best, start = (0, 0), None
    for i, good in enumerate([*ok.tolist(), False]):
        if good and start is None:
            start = i
        elif not good and start is not None:
            best = max(best, (i - start, start))
            start = None
    length, first = best
    return (first, first + length) if length >= share * len(lo) else None


def _row_bands(filled: np.ndarray, tol: int, min_h: int, core_share: float = 1.0) -> list[tuple[int, int, int, int]]:
    """Split a region into bands of rows with the same left and right edge.

    Boxes stacked on top of each other (the To/Cc/From lines of an e-mail
    header) touch and form one region; where one box ends and the next
    begins, the row's left or right end jumps. A band is kept only when its
    edges are straight (drift at most `tol`), so that a curved shape sliced
    into rows does not pass for a stack of boxes; with `core_share` < 1, a
    band bent at one end by a touching word is cut back to its straight
    rows when they are at least that share of it. Returns (x, y, w, h)
    within the region."""
    rows = np.asarray(filled.any(axis=1))
    left = np.where(rows, filled.argmax(axis=1), -1).astype(np.int64)
    right = np.where(rows, filled.shape[1] - 1 - filled[:, ::-1].argmax(axis=1), -1).astype(np.int64)
    jump = (np.abs(np.diff(left)) > tol) | (np.abs(np.diff(right)) > tol) | (rows[1:] != rows[:-1])
    cuts = [0, *(np.flatnonzero(jump) + 1).tolist(), len(rows)]
    bands = []
    for top, bottom in itertools.pairwise(cuts):
        if bottom - top < min_h or not rows[top]:
            continue
        lo, hi = left[top:bottom], right[top:bottom]
        # Percentiles, not extremes: corners come out rounded from the
        # morphology, and a stamp or a touching word may nick an edge.
        if np.subtract(*np.percentile(lo, [90, 10])) > tol or np.subtract(*np.percentile(hi, [90, 10])) > tol:
            core = _straight_core(lo, hi, tol, core_share) if core_share < 1.0 else None
            if core is None or core[1] - core[0] < min_h:
                continue
            top, bottom = top + core[0], top + core[1]
            lo, hi = lo[core[0] : core[1]], hi[core[0] : core[1]]
        x0, x1 = int(np.median(lo)), int(np.median(hi))
        bands.append((x0, top, x1 - x0 + 1, bottom - top))
    return bands


def rect_components(mask: np.ndarray, core_share: float = 1.0) -> list[tuple[int, int, int, int, float]]:
    """Box-shaped regions of a class mask: (x, y, w, h, fill ratio); bands
    bent at one end are cut back to their straight rows when these are
    `core_share` of the band (see `_row_bands`)."""
    p = params()["fill"]
    m: np.ndarray = mask.astype(np.uint8) * 255
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, kernel(p["preclose"], p["preclose"]))
    m = fill_holes(m)
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, kernel(p["open"], p["open"]))
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, kernel(p["close_w"], p["close_h"]))
    m = fill_holes(m)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w < p["min_w"] or h < p["min_h"]:
            continue
        region = labels[y : y + h, x : x + w] == i
        for bx, by, bw, bh in _row_bands(region, p["band_tol"], p["min_h"], core_share):
            if bw < p["min_w"] or bh > p["max_aspect_h"] * bw:
                continue
            solid = float(region[by : by + bh, bx : bx + bw].mean())
            if solid < p["min_fill"]:
                continue
            out.append((x + bx, y + by, bw, bh, solid))
    return out


def edge_cover(mask: np.ndarray, x: int, y: int, w: int, h: int) -> tuple[float, float]:
    """Share of each of the box's four edges (just inside it) covered by the
    mask, as (worst edge, mean): a drawn box has straight, covered edges, a
    blob in a photo does not. A stamp may touch one edge, hence two
    numbers."""
    inset = params()["fill"]["edge_inset"]
    x0, y0, x1, y1 = x + inset, y + inset, x + w - 1 - inset, y + h - 1 - inset
    if x1 <= x0 or y1 <= y0:
        return 0.0, 0.0
    edges = [float(e.mean()) for e in (mask[y0, x0:x1], mask[y1, x0:x1], mask[y0:y1, x0], mask[y0:y1, x1])]
    return min(edges), sum(edges) / 4


def one_hue(hsv: np.ndarray, mask: np.ndarray) -> bool:
    """Whether the coloured pixels of a region (`hsv`: HSV_FULL) share one
    hue, as a box's fill does; a logo or a colour photo mixes several.

    The tolerance widens for pale fills: scan noise moves a pixel's colour
    by about the same amount whatever its hue, which is a bigger turn of
    the hue angle the nearer the colour is to grey (a pastel pink box
    drifts across the red end of the circle). Vivid colours keep the
    tight tolerance, so that vivid coloured text, whose anti-aliased and
    compressed edges stray in hue, stays out."""
    p = params()["fill"]
    h = hsv[:, :, 0][mask].astype(np.int32)
    if h.size == 0:
        return False
    sat = float(np.median(hsv[:, :, 1][mask]))
    tol = p["hue_tol"] * max(1.0, p["pale_saturation"] / max(1.0, sat))
    # Hue is an angle (0..255 here): count around the circle. The box's
    # hue is the one with the most pixels within `tol` of it, not the
    # single most common value: on a mottled pastel fill the histogram's
    # peak may sit on one flank of the spread.
    hist = np.bincount(h, minlength=256).astype(np.int64)
    reach = int(tol)
    window = np.convolve(np.concatenate([hist[-reach:], hist, hist[:reach]]), np.ones(2 * reach + 1, np.int64), "valid")
    return float(window.max()) / h.size >= p["min_one_hue"]
