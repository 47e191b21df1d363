"""Findings: the one way every check records a problem.

A finding's id is stable across runs (a hash of the document, the check
and where the problem is), so that a finding can be tracked and
acknowledged from one release to the next.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flows.model import Document


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
