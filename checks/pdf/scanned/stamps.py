"""The stamps on scanned boxes: the words the page's OCR found inside a box, or
the box's crop read again by Tesseract."""

from __future__ import annotations

import shutil
import subprocess

import cv2
import numpy as np

from checks.pdf.scanned.masks import as_rgb
from checks.pdf.scanned.params import ImageBox, params
from flows.model import OcrWord
from flows.registry.matching import parse_ground


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


def stamp_crop(rgb: np.ndarray, box: ImageBox) -> np.ndarray:
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


def tesseract_lines(image: np.ndarray, psm: int, whitelist: str | None = None) -> list[tuple[int, str, float]]:
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


def read_sheet(crops: list[np.ndarray], whitelist: str | None = None) -> list[str]:
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
    for cy, word, _ in tesseract_lines(np.vstack(parts), psm=6, whitelist=whitelist):
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
    rgb = as_rgb(image)
    crops = [stamp_crop(rgb, b) for b in boxes]
    texts = read_sheet(crops)
    unread = [i for i, t in enumerate(texts) if parse_ground(t) is None]
    if unread:
        again = read_sheet([crops[i] for i in unread], whitelist=params()["stamp"]["code_chars"])
        for i, text in zip(unread, again, strict=False):
            if parse_ground(text) is not None:
                texts[i] = text
    return texts
