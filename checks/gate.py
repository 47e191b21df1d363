"""The release gate and the per-document redaction summary.

The gate holds a document back when one of its internal parts has a
high-severity finding (personal data left in a memo, most often): such a
part must not be published as if it were clean. Personal data in public
parts never holds a document back: the public part is what the body
published itself, and it names ministers and members of Parliament by
right. Text left under a redaction box holds it back in any part.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from flows.model import Document, StageContext

# Text that a body tried to remove (left under a box, in an unapplied
# annotation, repeated in bookmarks or metadata) is a leak in any part: the
# box shows it was meant to be withheld.
HOLD_IN_ANY_PART = frozenset({"hidden_text", "unapplied_redaction", "annotation_over_text", "side_channel_leak"})
# Text a reader of the page cannot see (invisible, white on white) is in
# the published text all the same: whatever its severity, the document is
# held so that nobody publishes what the body did not show.
HOLD_AT_ANY_SEVERITY = frozenset({"invisible_text", "white_on_white"})


def _holding_findings(doc: Document) -> list[dict[str, Any]]:
    """High-severity findings outside public parts, leaks of removed text
    anywhere, and text hidden from the reader."""
    public = {p.index for p in doc.parts if p.visibility == "public"}
    return [
        f
        for f in doc.rows.get("findings", [])
        if f.get("check") in HOLD_AT_ANY_SEVERITY
        or (f.get("severity") == "high" and (f.get("part") not in public or f.get("check") in HOLD_IN_ANY_PART))
    ]


def apply_gate(doc: Document, *, allow_findings: bool) -> str | None:
    """A masked reason to quarantine the document, or None to publish it.
    When the findings lie in some parts of a document of several (a bundle
    of documents in one file), those parts are held back instead
    (`doc.held_parts`) and the rest is published.

    Under allow_findings the document is published anyway and the findings
    that would have held it back are marked allowed=True, so that the
    published tables say it went out with them."""
    holding = _holding_findings(doc)
    if not holding:
        return None
    if allow_findings:
        for f in holding:
            f["allowed"] = True
        return None
    by_part: dict[int | None, list[dict[str, Any]]] = {}
    for f in holding:
        by_part.setdefault(f.get("part"), []).append(f)
    if None not in by_part and len(by_part) < len(doc.parts):
        # A bundle: only the documents with the findings are held back.
        doc.held_parts = {p: hold_reason(fs) for p, fs in by_part.items() if p is not None}
        return None
    return hold_reason(holding)


# What a reader of a hold is told caused it, by check.
HOLD_KINDS = {
    "hidden_text": "text under a box",
    "invisible_text": "hidden text",
    "white_on_white": "hidden text",
    "side_channel_leak": "hidden text repeated in bookmarks or metadata",
    "unapplied_redaction": "a redaction that was never applied",
    "annotation_over_text": "a redaction that was never applied",
}
HOLD_KIND_DEFAULT = "personal data"


def hold_reason(holding: list[dict[str, Any]]) -> str:
    """Why findings hold text back, masked: the kinds of finding first, then
    counts by check and where, then a few (masked) messages."""
    kinds = sorted({HOLD_KINDS.get(f["check"], HOLD_KIND_DEFAULT) for f in holding})
    by_check = Counter(f["check"] for f in holding)
    parts = sorted({f.get("part") for f in holding}, key=lambda p: (p is None, p))
    examples = "; ".join(f["message"] for f in holding[:3])
    more = f" (+{len(holding) - 3} more)" if len(holding) > 3 else ""
    where = ", ".join("?" if p is None else str(p) for p in parts)
    checks = ", ".join(f"{c} x{n}" for c, n in sorted(by_check.items()))
    return (f"held back for {' and '.join(kinds)}: {len(holding)} finding(s) in part(s) {where}: {checks}. "
            f"{examples}{more}")


def gate(doc: Document, ctx: StageContext) -> None:
    """The gate stage: decide whether the document, or in a bundle the
    parts with findings, are held back, and sum up its redactions
    (published either way, so a Woo coordinator can act)."""
    doc.held_back = apply_gate(doc, allow_findings=ctx.options.allow_findings)
    doc.add_row("redaction_summary", redaction_summary(doc))


def _json(counter: Counter[str]) -> str:
    return json.dumps(dict(sorted(counter.items())), ensure_ascii=False)


def withheld_share(doc: Document) -> float:
    """Estimated share of the document withheld.

    For PDFs with redaction boxes: box area over page area (the boxes are
    what is missing). Otherwise: the characters that stand in for removed
    text (stamps, withheld passages, placeholders) over all characters, a
    lower bound since a stamp is usually shorter than what it replaced."""
    boxes = [b for b in doc.rows.get("redactions", []) if b.get("document_id", doc.id) == doc.id]
    if doc.pages and boxes:
        page_area = sum(p.width * p.height for p in doc.pages) or 1.0
        return min(1.0, sum(b.get("area") or 0.0 for b in boxes) / page_area)
    if not doc.text:
        return 0.0
    covered: list[tuple[int, int]] = sorted(
        (r["span_start"], r["span_end"]) for r in doc.rows.get("removals", []) if r.get("span_start") is not None
    )
    total, last = 0, 0
    for s, e in covered:  # overlapping removals (several grounds on one stamp) count once
        s = max(s, last)
        if e > s:
            total += e - s
            last = e
    return min(1.0, total / len(doc.text))


def redaction_summary(doc: Document) -> dict[str, Any]:
    """One redaction_summary row: markers by ground, removals, boxes by
    ground and style, findings by severity and by check, withheld share."""
    markers = Counter((m.get("ground_code") or "none") for m in doc.rows.get("markers", []))
    boxes = Counter(
        f"{b.get('ground_code') or 'none'}/{b.get('style') or 'unknown'}" for b in doc.rows.get("redactions", [])
    )
    findings = doc.rows.get("findings", [])
    return {
        "input_id": doc.id,
        "source_path": doc.path,
        "markers_by_ground": _json(markers),
        "removals": len(doc.rows.get("removals", [])),
        "boxes_by_ground_style": _json(boxes),
        "findings_by_severity": _json(Counter(f["severity"] for f in findings)),
        "findings_by_check": _json(Counter(f["check"] for f in findings)),
        "withheld_share": withheld_share(doc),
    }
