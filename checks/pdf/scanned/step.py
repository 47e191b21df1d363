"""The scanned-box check of one page: render it, detect its boxes and read
their stamps (`detect_scanned_boxes`, the costly half, which the prepare
phase runs and keeps on the page), then record `redactions` and `findings`
rows (`checks/pdf/scanned/rows.py`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from checks.pdf.scanned.detect import detect_boxes
from checks.pdf.scanned.params import RENDER_DPI
from checks.pdf.scanned.rows import record_scanned_boxes
from checks.pdf.scanned.stamps import ocr_stamps, stamp_text
from flows.model import BBox, Document, Page, PixelMap, ScannedBox
from flows.registry.matching import parse_ground
from flows.stages.extract.render import image_pixel_map, open_pdf


def _rounded(box: BBox) -> BBox:
    x0, y0, x1, y1 = (round(v, 2) for v in box)
    return x0, y0, x1, y1


def _page_image(path: str | Path, page: Page, image: np.ndarray | None) -> tuple[np.ndarray, PixelMap | None]:
    """Page `page` of a PDF as an RGB array rendered at RENDER_DPI (or the
    `image` given), and the mapping of its pixels to page points."""
    pdf = open_pdf(path)
    try:
        if not 1 <= page.number <= len(pdf):
            raise ValueError(f"{path}: no page {page.number} (the file has {len(pdf)})")
        pg = pdf[page.number - 1]
        if image is None:
            image = np.asarray(pg.render(scale=RENDER_DPI / 72).to_pil().convert("RGB"))
        return image, image_pixel_map(pg, page.width, page.height, image.shape)
    finally:
        pdf.close()


def detect_scanned_boxes(path: str | Path, page: Page, image: np.ndarray | None = None) -> tuple[ScannedBox, ...]:
    """The redaction boxes on an image-only page of the PDF at `path` and
    the ground stamped on each: the page rendered (or the `image` given),
    its boxes detected, their stamps read. Needs the page's OCR words and
    geometry, never the document's text: it can run before the text is
    corrected, and its result be kept on the page.

    The ground comes from the page's OCR words inside the box; where they
    give none, Tesseract reads the box's own crop (inverted for white on
    dark), because the page OCR usually drops white-on-black stamps. The
    label is kept only when a ground was read from it: text inside a box
    without a ground may be a false detection over personal data, and
    clear text never goes into a table."""
    if page.engine != "tesseract":
        return ()
    image, to_points = _page_image(path, page, image)
    boxes = detect_boxes(image)
    if not boxes or to_points is None:
        return ()
    bboxes = [_rounded(to_points.box_to_points(b.x, b.y, b.w, b.h)) for b in boxes]
    labels = [stamp_text(bb, page.ocr_words) for bb in bboxes]
    grounds = [parse_ground(t) if t else None for t in labels]
    unread = [i for i, g in enumerate(grounds) if g is None]
    if unread:
        for i, text in zip(unread, ocr_stamps(image, [boxes[i] for i in unread]), strict=False):
            ground = parse_ground(text) if text else None
            if ground:
                labels[i], grounds[i] = text, ground
    return tuple(
        ScannedBox(bbox=bb, style=box.style, color="#{:02x}{:02x}{:02x}".format(*box.color),
                   area=round((bb[2] - bb[0]) * (bb[3] - bb[1]), 2), label=label if ground else None, ground=ground)
        for box, bb, label, ground in zip(boxes, bboxes, labels, grounds, strict=False)
    )


def find_scanned_redactions(doc: Document, page: Page, image: np.ndarray | None = None) -> None:
    """Redaction boxes on an image-only page, as `redactions` rows, and a
    `box_without_ground` finding (medium) for each box with no readable
    ground: `detect_scanned_boxes` and `record_scanned_boxes` in one, for a
    page whose boxes the prepare phase did not keep."""
    record_scanned_boxes(doc, page, detect_scanned_boxes(doc.path, page, image))
