"""The scanned-box check of one page: render it, detect its boxes, read their
stamps, and record `redactions` and `findings` rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from checks.findings import add_page_finding, add_redaction
from checks.pdf.catalogue import severity
from checks.pdf.scanned.detect import detect_boxes
from checks.pdf.scanned.params import RENDER_DPI
from checks.pdf.scanned.stamps import ocr_stamps, stamp_text
from flows.model import BBox, Document, Page, PixelMap
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
    image, to_points = _page_image(doc.path, page, image)
    boxes = detect_boxes(image)
    if not boxes or to_points is None:
        return
    part = doc.part_at(page.span[0]) if doc.parts else None
    bboxes = [_rounded(to_points.box_to_points(b.x, b.y, b.w, b.h)) for b in boxes]
    labels = [stamp_text(bb, page.ocr_words) for bb in bboxes]
    grounds = [parse_ground(t) if t else None for t in labels]
    unread = [i for i, g in enumerate(grounds) if g is None]
    if unread:
        for i, text in zip(unread, ocr_stamps(image, [boxes[i] for i in unread]), strict=False):
            ground = parse_ground(text) if text else None
            if ground:
                labels[i], grounds[i] = text, ground
    for i, (box, bb, label, ground) in enumerate(zip(boxes, bboxes, labels, grounds, strict=False)):
        add_redaction(doc, part=part.index if part else None, page=page.number, index=i, bbox=bb, source="image",
                      style=box.style, color="#{:02x}{:02x}{:02x}".format(*box.color),
                      area=round((bb[2] - bb[0]) * (bb[3] - bb[1]), 2), label=label if ground else None,
                      ground_code=ground, text_under=None)
        if ground is None:
            add_page_finding(
                doc, "box_without_ground", severity("box_without_ground"),
                f"page {page.number}, box {i} ({box.style}) at "
                f"x0={bb[0]:.0f} y0={bb[1]:.0f} x1={bb[2]:.0f} y1={bb[3]:.0f} pt: no readable ground stamped on it",
                page=page.number, box=bb, id_where=(page.number, [round(v, 1) for v in bb]),
                part=part.index if part else None,
            )
