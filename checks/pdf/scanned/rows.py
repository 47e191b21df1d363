"""The rows of a scanned page's boxes: a `redactions` row for each box the
detector found (`checks/pdf/scanned/step.py`), and a `box_without_ground`
finding for each box with no readable ground. Apart from the detector, so
that recording kept boxes imports no OpenCV."""

from __future__ import annotations

from collections.abc import Sequence

from checks.findings import add_page_finding, add_redaction
from checks.pdf.catalogue import severity
from flows.model import Document, Page, ScannedBox


def record_scanned_boxes(doc: Document, page: Page, found: Sequence[ScannedBox]) -> None:
    """A `redactions` row for each box, numbered in the detector's order,
    and a medium `box_without_ground` finding for each one without a
    ground. The part is the one at the page's start as the document stands
    now, after correction."""
    part = doc.part_at(page.span[0]) if doc.parts else None
    for i, box in enumerate(found):
        bb = box.bbox
        add_redaction(doc, part=part.index if part else None, page=page.number, index=i, bbox=bb, source="image",
                      style=box.style, color=box.color, area=box.area, label=box.label, ground_code=box.ground,
                      text_under=None)
        if box.ground is None:
            add_page_finding(
                doc, "box_without_ground", severity("box_without_ground"),
                f"page {page.number}, box {i} ({box.style}) at "
                f"x0={bb[0]:.0f} y0={bb[1]:.0f} x1={bb[2]:.0f} y1={bb[3]:.0f} pt: no readable ground stamped on it",
                page=page.number, box=bb, id_where=(page.number, [round(v, 1) for v in bb]),
                part=part.index if part else None,
            )
