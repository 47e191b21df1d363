"""Findings: the one way every check records a problem.

A finding's id is stable across runs (a hash of the document, the check
and where the problem is), so that a finding can be tracked and
acknowledged from one release to the next.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flows.model import BBox, Document

# Every severity a finding can have, most severe first.
SEVERITIES = ("high", "medium", "low", "info")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def finding_id(document_id: str, check: str, *where: Any) -> str:
    key = "|".join([document_id, check, *map(str, where)])
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def add_finding(
    doc: Document,
    check: str,
    severity: str,
    message: str,
    start: int | None,
    end: int | None,
    *,
    masked: str | None = None,
    value_hash_: str | None = None,
    key: str = "",
    **where: Any,
) -> dict[str, Any]:
    """Append a `findings` row; `key` tells apart findings of one check on
    one span (a ground code, a page and box), `where` adds page and box
    columns for PDF findings."""
    return doc.add_row(
        "findings",
        {
            "finding_id": finding_id(doc.id, check, start, end, key),
            "span_start": start,
            "span_end": end,
            "check": check,
            "severity": severity,
            "message": message,
            "masked": masked,
            "value_hash": value_hash_,
            "allowed": False,
            **where,
        },
    )


def add_page_finding(
    doc: Document,
    check: str,
    severity: str,
    message: str,
    *,
    page: int,
    box: BBox | None,
    id_where: tuple[Any, ...],
    part: int | None,
    span: tuple[int | None, int | None] = (None, None),
    masked: str | None = None,
    value_hash_: str | None = None,
) -> dict[str, Any]:
    """Append a `findings` row about a place on a PDF page; `id_where` is
    what tells it apart from other findings of its check (page, box, value),
    `span` where it stands in the text when it was found there too."""
    return doc.add_row(
        "findings",
        {
            "finding_id": finding_id(doc.id, check, *id_where),
            "part": part,
            "span_start": span[0],
            "span_end": span[1],
            "page": page,
            "check": check,
            "severity": severity,
            "message": message,
            "masked": masked,
            "value_hash": value_hash_,
            "box": list(box) if box is not None else None,
        },
    )


def add_redaction(
    doc: Document,
    *,
    part: int | None,
    page: int,
    index: int,
    bbox: BBox,
    source: str,
    style: str,
    color: str | None,
    area: float,
    label: str | None,
    ground_code: str | None,
    text_under: bool | None,
) -> dict[str, Any]:
    """Append a `redactions` row: one box on a page, vector or scanned."""
    return doc.add_row(
        "redactions",
        {
            "part": part,
            "page": page,
            "box": index,
            "x0": bbox[0],
            "y0": bbox[1],
            "x1": bbox[2],
            "y1": bbox[3],
            "source": source,
            "style": style,
            "color": color,
            "area": area,
            "label": label,
            "ground_code": ground_code,
            "text_under": text_under,
        },
    )
