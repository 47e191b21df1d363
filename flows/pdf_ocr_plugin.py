"""OCRmyPDF plugin: make white stamps on dark redaction boxes readable.

Tesseract reads dark text on a light ground; a black box with a white
"5.1.2e" is read as nothing (its invert-on-low-confidence retry does not
trigger for a short line inside a solid block). This hook inverts every
solid dark rectangle in the image that Tesseract sees (not the page image
the user sees), so the stamp becomes black on white. The built-in Tesseract
hook (downsampling of huge images) still runs afterwards, since
`filter_ocr_image` is a first-result hook and ours replaces it.

Loaded by `flows.pdf.ocr_pages` through OCRmyPDF's `plugins=` option.
"""

from __future__ import annotations

import cv2
import numpy as np
from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins import tesseract_ocr
from PIL import Image

DARK = 100  # gray level below which a pixel counts as box ink
MIN_W_IN, MIN_H_IN = 0.25, 0.06  # a box is at least this big (inches) ...
MIN_FILL = 0.6  # ... and this solid (share of its bounding box that is dark)
RIM = 4  # pixels around a box that belong to its edge


def invert_dark_boxes(image: Image.Image) -> Image.Image:
    """Gray copy of `image` where each solid dark box is turned into its
    stamp in black on white; the box's anti-aliased rim is whitened too, or
    Tesseract reads it as a "|"."""
    dpi = image.info.get("dpi", (300, 300))
    gray = np.array(image.convert("L"))
    dark = (gray < DARK).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    min_w, min_h = MIN_W_IN * float(dpi[0]), MIN_H_IN * float(dpi[1])
    for x, y, w, h, area in stats[1:n]:
        if w >= min_w and h >= min_h and area / float(w * h) >= MIN_FILL:
            ring = gray[max(0, y - RIM) : y + h + RIM, max(0, x - RIM) : x + w + RIM]
            inside = gray[y : y + h, x : x + w]
            stamp = inside >= DARK
            ring[ring < 230] = 255
            inside[:] = np.where(stamp, 0, 255)
    out = Image.fromarray(gray, mode="L")
    out.info["dpi"] = dpi
    return out


@hookimpl
def filter_ocr_image(page, image: Image.Image) -> Image.Image:  # noqa: ANN001 (OCRmyPDF's PageContext)
    return tesseract_ocr.filter_ocr_image(page=page, image=invert_dark_boxes(image))
