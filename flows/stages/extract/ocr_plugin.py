"""OCRmyPDF plugin: make the stamps on redaction boxes readable.

Tesseract reads dark text on a light ground. A black box with a white
"5.1.2e" is read as nothing (its invert-on-low-confidence retry does not
trigger for a short line inside a solid block), and a grey box with a white
stamp is binarised to white-on-white or black-on-black. This hook redraws
every solid box in the image that Tesseract sees (not the page image the
user sees) as its stamp in black on white: pixels that differ clearly from
the box's own level are the stamp. The built-in Tesseract hook (downsampling
of huge images) still runs afterwards, since `filter_ocr_image` is a
first-result hook and ours replaces it.

Loaded by `flows.stages.extract.ocr.ocr_pages` through OCRmyPDF's `plugins=` option.
"""

from __future__ import annotations

import cv2
import numpy as np
from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins import tesseract_ocr
from PIL import Image

INK = 215  # gray level below which a pixel is not paper (black and grey boxes)
MIN_W_IN, MIN_H_IN = 0.25, 0.06  # a box is at least this big (inches) ...
MIN_FILL = 0.6  # ... and this solid (share of its bounding box that is ink)
STAMP_CONTRAST = 45  # a stamp pixel differs from the box level by more than this
RIM = 3  # pixels around a box that belong to its (anti-aliased) edge


def boxes_to_stamps(image: Image.Image) -> Image.Image:
    """Gray copy of `image` where each solid box is redrawn as its stamp in
    black on white; the box's rim is whitened too, or Tesseract reads it as
    a "|"."""
    dpi = image.info.get("dpi", (300, 300))
    gray = np.array(image.convert("L"))
    ink = (gray < INK).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    min_w, min_h = MIN_W_IN * float(dpi[0]), MIN_H_IN * float(dpi[1])
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if w < min_w or h < min_h or area / float(w * h) < MIN_FILL:
            continue
        inside = gray[y : y + h, x : x + w]
        level = float(np.median(inside[labels[y : y + h, x : x + w] == i]))
        stamp = np.abs(inside.astype(np.int16) - level) > STAMP_CONTRAST
        # The anti-aliased edge differs from the box level too: not stamp.
        stamp[:RIM, :] = stamp[-RIM:, :] = False
        stamp[:, :RIM] = stamp[:, -RIM:] = False
        ring = gray[max(0, y - RIM) : y + h + RIM, max(0, x - RIM) : x + w + RIM]
        ring[ring < INK] = 255
        inside[:] = np.where(stamp, 0, 255)
    out = Image.fromarray(gray, mode="L")
    out.info["dpi"] = dpi
    return out


@hookimpl
def filter_ocr_image(page, image: Image.Image) -> Image.Image:
    return tesseract_ocr.filter_ocr_image(page=page, image=boxes_to_stamps(image))
