"""Filled boxes (black, grey, coloured) and felt-tip marker patches; coloured
patches over readable words are highlights and are dropped."""

from __future__ import annotations

import subprocess

import cv2
import numpy as np

from checks.pdf.scanned.masks import (
    edge_cover,
    fill_masks,
    kernel,
    one_hue,
    rect_components,
)
from checks.pdf.scanned.params import ImageBox, params
from checks.pdf.scanned.stamps import stamp_crop, tesseract_lines
from flows.registry.grounds import registry
from flows.registry.matching import find_markers, fuzzy_find


def filled_boxes(rgb: np.ndarray) -> list[tuple[int, int, int, int, str, float]]:
    p = params()["fill"]
    out = []
    # Candidates come from a median-filtered page: the filter evens out scan
    # texture and dithering inside a box and wipes out thin strokes (text,
    # and the stamp's own strokes). But it also smears bold or coloured text
    # into bars, so a candidate must also be mostly of its class on the
    # unfiltered page, where text keeps its white gaps.
    # The stamp counts as the box here only: the checks below must see the
    # fill itself, or bold coloured text, dark at its core, passes as one.
    smooth = fill_masks(cv2.medianBlur(rgb, p["median"]), with_stamps=True)
    raw = fill_masks(rgb)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL)
    # Edges are judged with the stamp as part of the box: a stamp set
    # against a coloured box's edge is that edge.
    stamped = fill_masks(rgb, with_stamps=True)
    max_w = p["max_width_share"] * rgb.shape[1]
    for style, mask in smooth.items():
        # Edges are judged on the unfiltered page too (with speckle healed):
        # a drawn box's edges are straight there, a smeared word's are not.
        healed = cv2.morphologyEx(stamped[style].astype(np.uint8), cv2.MORPH_CLOSE, kernel(p["preclose"], p["preclose"]))
        for x, y, w, h, solid in rect_components(mask, p["band_core"].get(style, 1.0)):
            if w > max_w:
                continue  # a band across the whole page is a header or a rule, not a redaction
            cover = float(raw[style][y : y + h, x : x + w].mean())
            if cover < p["min_cover"]:
                continue
            worst, edges = edge_cover(healed, x, y, w, h)
            if worst < p["min_edge"] or edges < p["mean_edge"]:
                continue
            if style == "colour" and not one_hue(hsv[y : y + h, x : x + w], raw[style][y : y + h, x : x + w]):
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


def withholds(text: str) -> bool:
    """Whether a reading holds a ground, a withheld-passage marker or a stamp
    that withholds without a ground ("Buiten reikwijdte")."""
    return bool(find_markers(text)) or any(fuzzy_find(text, stamp) for stamp in registry().withheld_stamps)


def drop_highlights(
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
        crop = stamp_crop(rgb, ImageBox(*cands[i][:4], style="colour", color=(0, 0, 0), score=0.0))
        try:
            words = tesseract_lines(crop, psm=6)
        except (OSError, RuntimeError, subprocess.SubprocessError):
            continue  # unread, the patch stays a box: a box too many is better than a leak missed
        # Only words read with confidence count: a marker scribbled over
        # text (a redaction) reads as low-confidence scraps. The stamp is
        # looked for in the whole reading: its digits often come out with
        # low confidence.
        confident = [w for _, w, c in words if c >= p["min_conf"] and sum(ch.isalpha() for ch in w) >= p["min_letters"]]
        if confident and not withholds(" ".join(w for _, w, _ in words)):
            drop.add(i)
    return [c for i, c in enumerate(cands) if i not in drop]


def marker_boxes(rgb: np.ndarray) -> list[tuple[int, int, int, int, str, float]]:
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
    m = cv2.morphologyEx(vivid.astype(np.uint8) * 255, cv2.MORPH_CLOSE, kernel(p["close"], p["close"]))
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, kernel(p["open"], p["open"]))
    n, _, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = (int(v) for v in stats[i])
        if w < p["min_w"] or h < p["min_h"] or w > params()["fill"]["max_width_share"] * rgb.shape[1]:
            continue
        inside = vivid[y : y + h, x : x + w]
        cover = float(inside.mean())
        if cover < p["min_cover"] or not one_hue(hsv[y : y + h, x : x + w], inside):
            continue
        # A marker is laid over text (and often scribbled through with a
        # pen): its patch holds dark strokes. A coloured chart or logo of
        # the same size is clean.
        if float(dark[y : y + h, x : x + w].mean()) < p["min_ink"]:
            continue
        out.append((x, y, w, h, "colour", cover))
    return out
