"""The markers stage: every redaction marker in a document's text (ground
codes, ground labels, withheld-passage headings) becomes a `markers` row,
which the checks then read."""

from __future__ import annotations

from flows.model import Document, StageContext
from flows.registry.matching import Marker, stamp_markers


def add_marker_rows(doc: Document) -> list[Marker]:
    """Record every redaction marker in the document's text; grounds cited
    in sentences (a decision explaining the law) are no markers."""
    found = stamp_markers(doc.text)
    doc.rows.setdefault("markers", [])  # recorded even when empty: later checks read it
    for m in found:
        # A code the registry does not know ("5.1.2k") is kept as what it is,
        # an unknown code, so that ground_code only ever holds real grounds.
        doc.add_row(
            "markers",
            {
                "span_start": m.start,
                "span_end": m.end,
                "kind": "unknown_code" if m.kind == "code" and m.ground is None else m.kind,
                "matched_text": m.text,
                "ground_code": m.ground.code if m.ground else None,
                "label": m.ground.label if m.ground else None,
                "match": "exact" if m.exact else "ocr_tolerant",
                "distance": m.distance,
            },
        )
    return found


def markers(doc: Document, ctx: StageContext) -> None:
    """The markers stage."""
    add_marker_rows(doc)
