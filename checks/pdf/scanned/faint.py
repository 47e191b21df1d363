"""Faint fills: borderless light-grey boxes that a scan turns into a pale
stipple, counted only with a stamp at their start."""

from __future__ import annotations

import subprocess

import cv2
import numpy as np

from checks.pdf.scanned.filled import withholds
from checks.pdf.scanned.masks import kernel
from checks.pdf.scanned.params import ImageBox, params
from checks.pdf.scanned.stamps import read_sheet, stamp_crop
from flows.registry.matching import parse_ground


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
    return cv2.morphologyEx(tint.astype(np.uint8), cv2.MORPH_OPEN, kernel(p["open"], p["open"]))


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


def faint_fill_boxes(gray: np.ndarray) -> list[tuple[int, int, int, int, str, float]]:
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
    words = cv2.morphologyEx((gray < p["ink_max"]).astype(np.uint8), cv2.MORPH_CLOSE, kernel(p["word_gap"], 1))
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
        texts = read_sheet([stamp_crop(gray, b) for b in stamps])
    except (OSError, RuntimeError, subprocess.SubprocessError):
        return boxes
    return [b for b, text in zip(boxes, texts, strict=True) if parse_ground(text) is not None or withholds(text)]
