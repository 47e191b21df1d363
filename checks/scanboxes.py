"""Redaction boxes in scanned page images, and the grounds stamped on them.

On an image-only page there are no vector shapes to inspect: a redaction is a
patch of pixels. Woo releases use four styles: black boxes, grey boxes,
coloured boxes (often pastel, with a dark stamp) and outlined boxes (a thin
border around white, the stamp inside). Most carry a stamped ground such as
"5.1.2e", so a box's interior is never one colour.

The method is image morphology, in the spirit of the UvA detector (van
Heusden, Kamps, Marx, TPDL 2023), with no per-document tuning:

* Pages are first scaled to about 200 dpi, so that every size below is in
  pixels of a 200 dpi page whatever the scan resolution.
* Filled boxes: the page's pixels are sorted into dark, grey and coloured
  masks (after a median filter that evens out scan texture). The stamp's
  white letters are holes in a box's mask and are filled; an opening with a
  square kernel then wipes out text strokes (a few pixels thick) while a
  box, many pixels thick in both directions, survives. Boxes stacked on top
  of each other are split where a row's left or right end jumps. What
  remains must look like a drawn box on the unfiltered page too: mostly of
  its class, with straight covered edges, and (for colour) one hue, which a
  logo or a photo does not have. A dark stamp printed on a coloured box
  counts as the box (its letters have the fill on both sides), so a box
  whose stamp fills it or sits against its edge stays whole.
  A band whose side a word set against its corner bends over its last
  rows (colour fringes join the letters to the fill) is cut back to its
  straight rows. A patch is named by its colour, whichever mask found it:
  a vivid red piece of a coat of arms, dark enough for the black mask, is
  a coloured patch and too small for a box.
* Stacks: coloured boxes on consecutive lines with no paper between them
  (touching, or with a line between them that is fill but was lost as a
  box, its edge bent by the stamp), sharing a left or right edge and one
  fill, are one redaction of their bounds: a recipient list or an address
  redacted line by line reads as one patch. Other styles stay line by line.
* Highlights: a coloured patch over printed words that read through it
  hides nothing. When dark ink runs across a coloured candidate edge to
  edge at text density, Tesseract reads it; confidently read words with
  no ground or withheld-passage marker among them make it a highlight,
  which is dropped (a box's only text is its stamp; a marker scribbled
  over text reads as low-confidence scraps).
* Faint fills: a borderless box of light grey that a scan turns into a
  stipple of pale dots, a few grey levels under the paper. The local mean
  over a window wider than the dither finds it; it counts only with a
  stamp at its start (a word of dark ink ending where the tint begins)
  and the halftone's grain (flat table shading and pale grey text are no
  redactions). The box is the stamp and the tint, one text line high.
* Marker patches: felt-tip marker laid over text by hand is no rectangle.
  Vivid pixels of one hue are closed into patches; a patch counts when most
  of its bounding box is coloured and it holds dark strokes (the text under
  it, pen scribbles), which a coloured chart or logo does not. A patch made
  mostly of printed boxes is left to those boxes.
* Outlined boxes: long horizontal and vertical ink runs are kept (allowed to
  drift a pixel or two, as scanned borders do); the white regions they
  enclose are candidate boxes. Borders too faint or broken for that (a
  stamp set against them, speckled scans) are found as regions enclosed by
  all ink with its dashes joined; such a region must be walled in on every
  side, with a straight rule or a thin stroke on one horizontal and one
  vertical side, which the gap between two lines of text is not. The
  region must be a rectangle, filling the corners of its bounds: the
  counter of a large heading or logo letter ("O", "0", "D", "B") is also
  walled in by ink with flat stretches, but has round corners. A region
  that is no rectangle may still be a stepped frame round a passage that
  starts or ends mid-line: its outline runs along thin horizontal and
  vertical rules all round, and its redaction is its bounding rectangle.
  A candidate is rejected when its border runs on past its corners (a table
  grid) or when its inside holds more than a line or two of text (a text
  frame or table cell). A box whose side the stamp is printed against, or
  whose side the scan lost, encloses nothing; it is found from its top and
  bottom rules: two of one span a line's height apart, joined at both ends
  by a straight side (a heading set between two rules has none), with
  paper right outside the rules (the flat inner edges of a "0" are chords
  of a ring whose ink goes on outward).

The thresholds live in `checks/data/scanboxes.toml`, so that they are data
one can read and change, not constants buried in code.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from checks.boxes import severity
from checks.findings import finding_id
from checks.grounds import parse_ground, registry
from checks.markers import find_markers, fuzzy_find

if TYPE_CHECKING:
    from flows.model import Document, OcrWord, Page

PARAMS_PATH = Path(__file__).parent / "data" / "scanboxes.toml"
RENDER_DPI = 200


@dataclass(frozen=True)
class ImageBox:
    """A redaction box found in a page image, in pixels of that image
    (origin top-left)."""

    x: int
    y: int
    w: int
    h: int
    style: str  # "black" | "grey" | "colour" | "outlined"
    color: tuple[int, int, int]  # mean fill (or border) colour, RGB 0..255
    score: float  # 0..1: how box-like the region is


@lru_cache(maxsize=1)
def params() -> dict[str, Any]:
    """Detector thresholds, in pixels of a 200 dpi page."""
    return tomllib.loads(PARAMS_PATH.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------
# Detection


def _as_rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2RGB)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f"expected an H×W gray or H×W×3 RGB image, got shape {image.shape}")


def _work_scale(shape: tuple[int, ...]) -> float:
    """Factor that brings the page to about 200 dpi: the short side of an A4
    or letter page at 200 dpi is about 1650-1700 px."""
    short = min(shape[0], shape[1])
    return min(1.0, params()["page"]["short_side_px"] / short)


def _kernel(w: int, h: int) -> np.ndarray:
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
    left = cv2.dilate(m, row, anchor=(0, 0))
    right = cv2.dilate(m, row, anchor=(reach - 1, 0))
    up = cv2.dilate(m, col, anchor=(0, 0))
    down = cv2.dilate(m, col, anchor=(0, reach - 1))
    return ((left & right) | (up & down)).astype(bool)


def _fill_masks(rgb: np.ndarray, with_stamps: bool = False) -> dict[str, np.ndarray]:
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


def _fill_holes(mask: np.ndarray) -> np.ndarray:
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
    rows = filled.any(axis=1)
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


def _rect_components(mask: np.ndarray, core_share: float = 1.0) -> list[tuple[int, int, int, int, float]]:
    """Box-shaped regions of a class mask: (x, y, w, h, fill ratio); bands
    bent at one end are cut back to their straight rows when these are
    `core_share` of the band (see `_row_bands`)."""
    p = params()["fill"]
    m = mask.astype(np.uint8) * 255
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, _kernel(p["preclose"], p["preclose"]))
    m = _fill_holes(m)
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, _kernel(p["open"], p["open"]))
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, _kernel(p["close_w"], p["close_h"]))
    m = _fill_holes(m)
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


def _edge_cover(mask: np.ndarray, x: int, y: int, w: int, h: int) -> tuple[float, float]:
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


def _one_hue(hsv: np.ndarray, mask: np.ndarray) -> bool:
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


def _filled_boxes(rgb: np.ndarray) -> list[tuple[int, int, int, int, str, float]]:
    p = params()["fill"]
    out = []
    # Candidates come from a median-filtered page: the filter evens out scan
    # texture and dithering inside a box and wipes out thin strokes (text,
    # and the stamp's own strokes). But it also smears bold or coloured text
    # into bars, so a candidate must also be mostly of its class on the
    # unfiltered page, where text keeps its white gaps.
    # The stamp counts as the box here only: the checks below must see the
    # fill itself, or bold coloured text, dark at its core, passes as one.
    smooth = _fill_masks(cv2.medianBlur(rgb, p["median"]), with_stamps=True)
    raw = _fill_masks(rgb)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL)
    # Edges are judged with the stamp as part of the box: a stamp set
    # against a coloured box's edge is that edge.
    stamped = _fill_masks(rgb, with_stamps=True)
    max_w = p["max_width_share"] * rgb.shape[1]
    for style, mask in smooth.items():
        # Edges are judged on the unfiltered page too (with speckle healed):
        # a drawn box's edges are straight there, a smeared word's are not.
        healed = cv2.morphologyEx(stamped[style].astype(np.uint8), cv2.MORPH_CLOSE, _kernel(p["preclose"], p["preclose"]))
        for x, y, w, h, solid in _rect_components(mask, p["band_core"].get(style, 1.0)):
            if w > max_w:
                continue  # a band across the whole page is a header or a rule, not a redaction
            cover = float(raw[style][y : y + h, x : x + w].mean())
            if cover < p["min_cover"]:
                continue
            worst, edges = _edge_cover(healed, x, y, w, h)
            if worst < p["min_edge"] or edges < p["mean_edge"]:
                continue
            if style == "colour" and not _one_hue(hsv[y : y + h, x : x + w], raw[style][y : y + h, x : x + w]):
                continue
            out.append((x, y, w, h, style, (solid + cover + edges) / 3))
    return out


def _edge_to_edge_ink(dark: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """Whether dark ink runs across the inside of a box from its left edge
    to its right at text density: what a highlight laid over a run of
    printed words looks like (the marked words fill it edge to edge). A
    redaction's stamp is mostly set in a patch of plain fill."""
    p = params()["highlight"]
    x, y, w, h = box
    inset = max(2, min(w, h) // 10)
    inside = dark[y + inset : y + h - inset, x + inset : x + w - inset]
    cols = np.flatnonzero(inside.any(axis=0)) if inside.size else np.empty(0, np.int64)
    if cols.size == 0:
        return False
    span = (cols[-1] - cols[0] + 1) / inside.shape[1]
    return span >= p["min_span"] and float(inside.mean()) >= p["min_ink"]


def _withholds(text: str) -> bool:
    """Whether a reading holds a ground, a withheld-passage marker or a stamp
    that withholds without a ground ("Buiten reikwijdte")."""
    return bool(find_markers(text)) or any(fuzzy_find(text, stamp) for stamp in registry().withheld_stamps)


def _drop_highlights(
    rgb: np.ndarray, cands: list[tuple[int, int, int, int, str, float]], dark: np.ndarray
) -> list[tuple[int, int, int, int, str, float]]:
    """The candidates without the highlights among them: a coloured patch
    over printed words, which are readable through it, hides nothing. A
    coloured box whose stamp runs edge to edge looks the same to
    morphology, so the words are read: a highlight holds words read with
    confidence and no ground, withheld-passage marker or stamp without a
    ground ("Buiten reikwijdte") among them; a redaction's only text is its
    stamp."""
    p = params()["highlight"]
    suspects = [i for i, c in enumerate(cands) if c[4] == "colour" and _edge_to_edge_ink(dark, c[:4])]
    if not suspects:
        return cands
    drop = set()
    for i in suspects:
        # One Tesseract run per patch: on a shared sheet, patches of one
        # and of several lines, scaled alike, are read badly.
        crop = _stamp_crop(rgb, ImageBox(*cands[i][:4], style="colour", color=(0, 0, 0), score=0.0))
        try:
            words = _tesseract_lines(crop, psm=6)
        except (OSError, RuntimeError, subprocess.SubprocessError):
            continue  # unread, the patch stays a box: a box too many is better than a leak missed
        # Only words read with confidence count: a marker scribbled over
        # text (a redaction) reads as low-confidence scraps. The stamp is
        # looked for in the whole reading: its digits often come out with
        # low confidence.
        confident = [w for _, w, c in words if c >= p["min_conf"] and sum(ch.isalpha() for ch in w) >= p["min_letters"]]
        if confident and not _withholds(" ".join(w for _, w, _ in words)):
            drop.add(i)
    return [c for i, c in enumerate(cands) if i not in drop]


def _marker_boxes(rgb: np.ndarray) -> list[tuple[int, int, int, int, str, float]]:
    """Redactions made with a felt-tip marker: a strongly saturated patch of
    one hue, laid over the text by hand, with ragged edges and pen strokes
    through it, so it is no rectangle. The closing joins the strokes of the
    marker into one patch; what must hold is one hue, a saturation well
    above the pastel fills of printed boxes (so that a printed box stays the
    strict detector's), and most of the bounding box coloured (coloured
    text, even closed into a band, leaves the gaps between its letters)."""
    p = params()["marker"]
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL)  # saturation and value as in HSV; hue on 0..255
    vivid = (hsv[:, :, 1] >= p["min_saturation"]) & (hsv[:, :, 2] >= p["min_value"])
    dark = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) < params()["fill"]["dark_max"]
    m = cv2.morphologyEx(vivid.astype(np.uint8) * 255, cv2.MORPH_CLOSE, _kernel(p["close"], p["close"]))
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, _kernel(p["open"], p["open"]))
    n, _, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = (int(v) for v in stats[i])
        if w < p["min_w"] or h < p["min_h"] or w > params()["fill"]["max_width_share"] * rgb.shape[1]:
            continue
        inside = vivid[y : y + h, x : x + w]
        cover = float(inside.mean())
        if cover < p["min_cover"] or not _one_hue(hsv[y : y + h, x : x + w], inside):
            continue
        # A marker is laid over text (and often scribbled through with a
        # pen): its patch holds dark strokes. A coloured chart or logo of
        # the same size is clean.
        if float(dark[y : y + h, x : x + w].mean()) < p["min_ink"]:
            continue
        out.append((x, y, w, h, "colour", cover))
    return out


def _faint_fill(gray: np.ndarray, paper: float) -> np.ndarray:
    """Where the page (its paper at grey level `paper`) is a faint, even
    tint: a box filled with a dithered light grey (a few grey levels under
    the paper) that a scan turns into a stipple of pale dots, with no drawn
    border. Per pixel the dots are lost in scan noise, but the local mean
    over a window wider than the dither's stripes sits steadily a little
    under the paper. Text is dark ink, so a window with any real amount of
    ink in it is no fill, and the halo of a letter (as pale as the tint) is
    thinner than the opening that follows."""
    p = params()["faint"]
    g = gray.astype(np.float32)
    mean = cv2.boxFilter(g, -1, (p["win_w"], p["win_h"]))
    ink = cv2.boxFilter((g < p["ink_max"]).astype(np.float32), -1, (p["win_w"], p["win_w"]))
    tint = (mean <= paper - p["min_depth"]) & (mean >= paper - p["max_depth"]) & (ink <= p["max_ink"])
    return cv2.morphologyEx(tint.astype(np.uint8), cv2.MORPH_OPEN, _kernel(p["open"], p["open"]))


def _local_std(gray: np.ndarray, win: int) -> np.ndarray:
    """Standard deviation of the grey level in a `win`×`win` window round
    each pixel: the grain of a halftone."""
    g = gray.astype(np.float32)
    mean = cv2.blur(g, (win, win))
    return np.sqrt(np.maximum(0.0, cv2.blur(g * g, (win, win)) - mean * mean))


def _run_length(good: np.ndarray, start: int, gap: int) -> int:
    """Length of the run of `good` columns from `start`, bridging gaps
    shorter than `gap` (the stripes of a dither): up to its last good
    column before the first `gap` bad ones in a row."""
    rest = good[start:]
    bad = np.concatenate([(~rest).astype(np.int32), np.ones(gap, np.int32)])
    window = np.convolve(bad, np.ones(gap, np.int32), mode="valid")
    stop = int(np.flatnonzero(window >= gap)[0])
    kept = np.flatnonzero(rest[:stop])
    return int(kept[-1]) + 1 if kept.size else 0


def _faint_fill_boxes(gray: np.ndarray) -> list[tuple[int, int, int, int, str, float]]:
    """Borderless boxes of faint dithered fill with a ground stamped at
    their start: the stamp (a word of dark ink, on its own white ground)
    ends where the tint begins on the same line, and the box is the stamp
    and the tint up to where the tint stops. A tint with no stamp set on
    it is not taken: a pale smudge or a scanner's shading has none, and
    the tint left over where a redaction wraps onto the next line is no
    box of its own."""
    p = params()["faint"]
    paper = float(np.percentile(gray, p["paper_percentile"]))  # most of a page is paper
    fill = _faint_fill(gray, paper)
    if not fill.any():
        return []
    words = cv2.morphologyEx((gray < p["ink_max"]).astype(np.uint8), cv2.MORPH_CLOSE, _kernel(p["word_gap"], 1))
    n, _, stats, _ = cv2.connectedComponentsWithStats(words, connectivity=8)
    grain = _local_std(gray, p["grain_win"])
    W = gray.shape[1]
    out = []
    stamps: list[ImageBox] = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i][:4])
        if not p["min_word_h"] <= h <= p["max_word_h"] or w < p["min_word_w"] or x + w >= W:
            continue
        cover = fill[y : y + h, x + w :].mean(axis=0)
        good = cover >= p["run_cover"]
        start = np.flatnonzero(good[: p["reach"]])
        if start.size == 0:
            continue
        length = int(start[0]) + _run_length(good, int(start[0]), p["gap_len"])
        if length < p["min_run"]:
            continue
        # A halftoned tint, as a printed light grey comes out of a scanner:
        # the flat light shading of a table cell or a header band behind
        # ordinary words (a page rendered, not scanned) has no grain.
        tint = fill[y : y + h, x + w : x + w + length].astype(bool)
        if not tint.any() or float(np.median(grain[y : y + h, x + w : x + w + length][tint])) < p["min_grain"]:
            continue
        # Pale text (a light-grey hyperlink, greyed-out words) is as light
        # on average and grainy too, but it is made of strokes: many more
        # of its pixels are well under the paper than a halftone's sparse
        # dots are.
        run = gray[y : y + h, x + w : x + w + length]
        if float((run < paper - p["pale_depth"]).mean()) > p["max_pale"]:
            continue
        pad = round(p["pad"] * h)
        y0 = max(0, y - pad)
        out.append((x, y0, w + length, min(gray.shape[0], y + h + pad) - y0, "faint", float(good[:length].mean())))
        # The stamp is read from a few line heights before the tint: one set
        # wide ("5.1.2 e") falls apart into several words.
        sx = max(0, x - round(p["stamp_reach"] * h))
        stamps.append(ImageBox(sx, y0, x + w + pad - sx, min(gray.shape[0], y + h + pad) - y0, "faint", (0, 0, 0), 0.0))
    return _stamped(gray, out, stamps)


def _stamped(gray: np.ndarray, boxes: list[tuple[int, int, int, int, str, float]],
             stamps: list[ImageBox]) -> list[tuple[int, int, int, int, str, float]]:
    """The faint boxes whose stamp reads as a ground or a withholding stamp.
    Any word before a tint passes the image tests, and a form's shaded,
    empty answer fields after their labels ("Naam aanvrager") would be
    boxes without a ground; a redaction's stamp says why it withholds.
    Unread (no Tesseract), the boxes stay: a box too many is better than
    a leak missed."""
    if not boxes:
        return boxes
    try:
        texts = _read_sheet([_stamp_crop(gray, b) for b in stamps])
    except (OSError, RuntimeError, subprocess.SubprocessError):
        return boxes
    return [b for b, text in zip(boxes, texts, strict=True) if parse_ground(text) is not None or _withholds(text)]


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
    horiz = cv2.morphologyEx(cv2.dilate(ink, _kernel(1, wob)), cv2.MORPH_OPEN, _kernel(p["h_len"], 1))
    vert = cv2.morphologyEx(cv2.dilate(ink, _kernel(wob, 1)), cv2.MORPH_OPEN, _kernel(1, p["v_len"]))
    # Back to the ink itself, so that the dilation does not close the white
    # gap between two boxes side by side.
    horiz = cv2.bitwise_and(horiz, ink)
    vert = cv2.bitwise_and(vert, ink)
    # Scans break thin lines; bridge small gaps along the line's direction.
    horiz = cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, _kernel(p["gap"], 1))
    vert = cv2.morphologyEx(vert, cv2.MORPH_CLOSE, _kernel(1, p["gap"]))
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
        cv2.morphologyEx(horiz, cv2.MORPH_CLOSE, _kernel(seal, 1)),
        cv2.morphologyEx(vert, cv2.MORPH_CLOSE, _kernel(1, seal)),
    )
    lines = cv2.morphologyEx(lines, cv2.MORPH_CLOSE, _kernel(p["seal_corner"], p["seal_corner"]))
    return cv2.dilate(lines, _kernel(3, 3))


def _ink_walls(ink: np.ndarray) -> np.ndarray:
    """All ink as walls, with dashes joined: a faint or speckled border is
    too broken to pass as a straight line, and on a small box the stamp
    eats most of the top border, but closed up it still encloses the box."""
    seal = params()["outline"]["ink_seal"]
    return cv2.morphologyEx(ink.astype(np.uint8) * 255, cv2.MORPH_CLOSE, _kernel(seal, seal))


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
    closed = cv2.morphologyEx(region.astype(np.uint8), cv2.MORPH_CLOSE, _kernel(k, k))
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
    out = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i][:4])
        if w < p["min_w"] or h < p["min_h"] or h > p["step_max_h"]:
            continue
        # Stamp letters standing free inside the box are islands in the
        # region: they belong to the box's inside.
        region = _fill_holes((labels[y : y + h, x : x + w] == i).astype(np.uint8) * 255).astype(bool)
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
    rows = ink.any(axis=1).astype(np.int8)
    return int(((rows[1:] == 1) & (rows[:-1] == 0)).sum() + rows[0])


def _outlined_boxes(gray: np.ndarray) -> list[tuple[int, int, int, int, str, float]]:
    """Outlined boxes: regions enclosed by long straight rules, and, for
    borders too faint or broken to be found as rules, regions enclosed by
    the page's ink with its dashes joined."""
    horiz, vert = _line_masks(gray)
    ink = gray < params()["outline"]["ink_max"]
    out: list[tuple[int, int, int, int, str, float]] = []
    # Speckle (the grey dots of a scanned white box) is no text: isolated
    # pixels are dropped before the inside of a box is judged.
    strokes = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_OPEN, _kernel(2, 2)).astype(bool)
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
    thick = cv2.morphologyEx(lines, cv2.MORPH_OPEN, _kernel(p["max_stroke"] + 1, p["max_stroke"] + 1))
    rules = cv2.dilate(cv2.bitwise_and(lines, cv2.bitwise_not(thick)), _kernel(2 * t + 1, 2 * t + 1))
    rules = rules[y - ys.start : y - ys.start + h, x - xs.start : x - xs.start + w]
    edge = region & ~cv2.erode(region.astype(np.uint8), _kernel(3, 3)).astype(bool)
    if float(rules[edge].astype(bool).mean()) < p["step_rule_cover"]:
        return False
    inside = cv2.erode(region.astype(np.uint8), _kernel(5, 5)).astype(bool)
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
    fill = _fill_masks(rgb, with_stamps=True)["colour"]
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
        median = tuple(int(np.median([b[2][i] for b in chain])) for i in range(3))
        score = sum(b[3] * b[0][2] * b[0][3] for b in chain) / area
        out.append(((x0, y0, x1 - x0, y1 - y0), "colour", median, score))
    return out


def detect_boxes(image: np.ndarray) -> list[ImageBox]:
    """Redaction boxes in a page image (H×W×3 RGB uint8 or H×W gray), in
    pixels of that image, top to bottom."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError("expected a uint8 numpy image")
    rgb = _as_rgb(image)
    s = _work_scale(rgb.shape)
    small = cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1.0 else rgb
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    strict = _filled_boxes(small) + _outlined_boxes(gray) + _faint_fill_boxes(gray)
    # A marker patch mostly made of printed boxes is those boxes (a stack
    # of them, joined by the closing) seen loosely: they are the better
    # answer. Otherwise the boxes in it are bits of the marker.
    loose = [m for m in _marker_boxes(small) if _covered_share(m[:4], strict) < params()["marker"]["max_boxed"]]
    # Highlights go before the overlaps are settled: a box inside a
    # highlighted passage is a redaction of its own.
    dark = gray < params()["fill"]["dark_max"]
    cands = _dedupe(_drop_highlights(small, strict + loose, dark))
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


# --------------------------------------------------------------------------
# Stamps


def _words_inside(box: tuple[float, float, float, float], words: list[OcrWord]) -> list[OcrWord]:
    """OCR words whose centre lies in `box` (x0, y0, x1, y1, same space)."""
    x0, y0, x1, y1 = box
    inside = []
    for w in words:
        cx = (w.bbox[0] + w.bbox[2]) / 2
        cy = (w.bbox[1] + w.bbox[3]) / 2
        if x0 <= cx <= x1 and y0 <= cy <= y1:
            inside.append(w)
    # Reading order in PDF space: top line first (larger y), then left to right.
    return sorted(inside, key=lambda w: (-round(w.bbox[3]), w.bbox[0]))


def stamp_text(box: tuple[float, float, float, float], ocr_words: list[OcrWord]) -> str:
    """The text of the OCR words inside a box (PDF points), in reading
    order: what is stamped on it."""
    return " ".join(w.text for w in _words_inside(box, ocr_words)).strip()


def read_stamp(box: tuple[float, float, float, float], ocr_words: list[OcrWord]) -> str | None:
    """The ground stamped on a box, read from the page's OCR words inside it
    (box and words in PDF points); None when no ground is readable."""
    text = stamp_text(box, ocr_words)
    return parse_ground(text) if text else None


def _binary(gray: np.ndarray) -> np.ndarray:
    """Otsu threshold, with the fill (the majority of a box) made white so
    that the stamp comes out dark, whatever its colour."""
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return 255 - binary if binary.mean() < 127 else binary


def _stamp_crop(rgb: np.ndarray, box: ImageBox) -> np.ndarray:
    """The inside of a box as dark text on white, the way Tesseract reads
    best: white stamps on black or grey boxes are inverted, and the crop is
    scaled so that the stamp's letters are about `text_px` tall (stamps are
    often small, and Tesseract misreads small digits: "5" as "6" or "§")."""
    p = params()["stamp"]
    inset = max(2, min(box.w, box.h) // 10)
    crop = rgb[box.y + inset : box.y + box.h - inset, box.x + inset : box.x + box.w - inset]
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    if gray.size == 0:
        return np.full((10, 10), 255, np.uint8)
    ink_rows = np.flatnonzero((_binary(gray) < 128).any(axis=1))
    text_h = int(ink_rows[-1] - ink_rows[0] + 1) if ink_rows.size else gray.shape[0]
    scale = float(np.clip(p["text_px"] / max(1, text_h), 1.0, p["max_upscale"]))
    if scale > 1.0:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return cv2.copyMakeBorder(_binary(gray), 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=255)


def _tesseract_lines(image: np.ndarray, psm: int, whitelist: str | None = None) -> list[tuple[int, str, float]]:
    """Words Tesseract reads in an image: (middle y of the word, text,
    confidence 0..100). With `whitelist`, Tesseract may only read those
    characters."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise RuntimeError("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-nld)")
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError("could not encode the stamp crops for tesseract")
    config = ["-c", f"tessedit_char_whitelist={whitelist}"] if whitelist else []
    proc = subprocess.run(
        [exe, "stdin", "stdout", "--psm", str(psm), "-l", params()["stamp"]["languages"], *config, "tsv"],
        input=png.tobytes(),
        capture_output=True,
        check=True,
        timeout=120,
    )
    out = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) == 12 and cols[0] == "5" and cols[11].strip():
            out.append((int(cols[7]) + int(cols[9]) // 2, cols[11], float(cols[10])))
    return out


def _read_sheet(crops: list[np.ndarray], whitelist: str | None = None) -> list[str]:
    """The text on each crop. All crops go into one tall image and one
    Tesseract run, so the cost is one process start, not one per box."""
    width = max(c.shape[1] for c in crops)
    gap = params()["stamp"]["gap_px"]
    tops, parts, y = [], [], 0
    for c in crops:
        pad = np.full((c.shape[0] + gap, width), 255, np.uint8)
        pad[: c.shape[0], : c.shape[1]] = c
        tops.append(y)
        parts.append(pad)
        y += pad.shape[0]
    texts: list[list[str]] = [[] for _ in crops]
    for cy, word, _ in _tesseract_lines(np.vstack(parts), psm=6, whitelist=whitelist):
        i = max(0, int(np.searchsorted(tops, cy, side="right")) - 1)
        texts[i].append(word)
    return [" ".join(t) for t in texts]


def ocr_stamps(image: np.ndarray, boxes: list[ImageBox]) -> list[str]:
    """The stamp text of each box, read by Tesseract from the box's crop:
    for pages whose OCR layer missed the stamp (white on black is the usual
    case).

    A first pass reads freely, so that stamps that spell out a ground's
    label are read too. Where that gives no ground, a second pass may read
    only the characters of a ground code: small stamped digits are often
    misread as look-alike letters ("5.1.2€", "5.i.2e") otherwise."""
    if not boxes:
        return []
    rgb = _as_rgb(image)
    crops = [_stamp_crop(rgb, b) for b in boxes]
    texts = _read_sheet(crops)
    unread = [i for i, t in enumerate(texts) if parse_ground(t) is None]
    if unread:
        again = _read_sheet([crops[i] for i in unread], whitelist=params()["stamp"]["code_chars"])
        for i, text in zip(unread, again):
            if parse_ground(text) is not None:
                texts[i] = text
    return texts


# --------------------------------------------------------------------------
# Pipeline step


def render_page(path: str | Path, number: int, dpi: int = RENDER_DPI) -> np.ndarray:
    """Page `number` (1-based) of a PDF as an RGB array."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        raise ValueError(f"{path}: cannot open as PDF to render page {number}: {e}") from e
    try:
        if not 1 <= number <= len(pdf):
            raise ValueError(f"{path}: no page {number} (the file has {len(pdf)})")
        bitmap = pdf[number - 1].render(scale=dpi / 72)
        return np.asarray(bitmap.to_pil().convert("RGB"))
    finally:
        pdf.close()


def _to_points(box: ImageBox, page: Page, image_shape: tuple[int, ...]) -> tuple[float, float, float, float]:
    """Pixel box (origin top-left) to PDF points (origin bottom-left)."""
    sx = page.width / image_shape[1]
    sy = page.height / image_shape[0]
    return (
        round(box.x * sx, 2),
        round(page.height - (box.y + box.h) * sy, 2),
        round((box.x + box.w) * sx, 2),
        round(page.height - box.y * sy, 2),
    )


def find_scanned_redactions(doc: Document, page: Page, image: np.ndarray | None = None) -> None:
    """Redaction boxes on an image-only page, as `redactions` rows, and a
    `box_without_ground` finding (medium) for each box with no readable
    ground.

    The ground comes from the page's OCR words inside the box; where they
    give none, Tesseract reads the box's own crop (inverted for white on
    dark), because the page OCR usually drops white-on-black stamps. The
    label is kept only when a ground was read from it: text inside a box
    without a ground may be a false detection over personal data, and
    clear text never goes into a table."""
    if page.engine != "tesseract":
        return
    if image is None:
        image = render_page(doc.path, page.number)
    boxes = detect_boxes(image)
    if not boxes:
        return
    part = doc.part_at(page.span[0]) if doc.parts else None
    bboxes = [_to_points(b, page, image.shape) for b in boxes]
    labels = [stamp_text(bb, page.ocr_words) for bb in bboxes]
    grounds = [parse_ground(t) if t else None for t in labels]
    unread = [i for i, g in enumerate(grounds) if g is None]
    if unread:
        for i, text in zip(unread, ocr_stamps(image, [boxes[i] for i in unread])):
            ground = parse_ground(text) if text else None
            if ground:
                labels[i], grounds[i] = text, ground
    for i, (box, bb, label, ground) in enumerate(zip(boxes, bboxes, labels, grounds)):
        doc.add_row(
            "redactions",
            {
                "part": part.index if part else None,
                "page": page.number,
                "box": i,
                "x0": bb[0],
                "y0": bb[1],
                "x1": bb[2],
                "y1": bb[3],
                "source": "image",
                "style": box.style,
                "color": "#{:02x}{:02x}{:02x}".format(*box.color),
                "area": round((bb[2] - bb[0]) * (bb[3] - bb[1]), 2),
                "label": label if ground else None,
                "ground_code": ground,
                "text_under": None,
            },
        )
        if ground is None:
            doc.add_row(
                "findings",
                {
                    "finding_id": finding_id(doc.id, "box_without_ground", page.number, [round(v, 1) for v in bb]),
                    "part": part.index if part else None,
                    "page": page.number,
                    "check": "box_without_ground",
                    "severity": severity("box_without_ground"),
                    "message": (
                        f"page {page.number}, box {i} ({box.style}) at "
                        f"x0={bb[0]:.0f} y0={bb[1]:.0f} x1={bb[2]:.0f} y1={bb[3]:.0f} pt: "
                        "no readable ground stamped on it"
                    ),
                    "box": list(bb),
                },
            )
