"""The rows a published document contributes to every table: what the
stages recorded, and its documents, parts and pages rows."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flows.model import Document, Page, Part


def document_rows(doc: Document, status: str) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table for one document, pages and parts included."""
    rows = dict(doc.rows)
    counts: dict[str, Counter[int | None]] = {
        t: Counter(r.get("part") for r in doc.rows.get(t, []))
        for t in ("corrections", "markers", "personal_data", "removals")
    }
    parts = []
    for p in doc.parts:
        text = doc.text[p.span[0] : p.span[1]]
        n_markers = counts["markers"][p.index]
        status_, reason = redaction_status(p, n_markers, counts["personal_data"][p.index] + counts["removals"][p.index])
        page_nums = [pg.number for pg in doc.pages if pg.span[0] < p.span[1] and pg.span[1] > p.span[0]]
        parts.append({
            "document_id": doc.id, "source_path": doc.path, "part": p.index, "kind": p.kind,
            "visibility": p.visibility, "diwoo_type": p.diwoo_type, "document_type": p.document_type,
            "type_evidence": p.type_evidence, "title": p.title,
            "span_start": p.span[0], "span_end": p.span[1],
            "page_start": min(page_nums) if page_nums else None, "page_end": max(page_nums) if page_nums else None,
            "ocr_like": p.ocr_like, "text": text, "raw_text": p.uncorrected if p.uncorrected is not None else text,
            "correction_count": counts["corrections"][p.index], "marker_count": n_markers,
            "redaction_status": status_, "no_redaction_reason": reason,
        })
    rows["parts"] = parts
    rows["pages"] = [page_row(doc, p) for p in doc.pages]
    ocr_pages = sum(1 for p in doc.pages if p.engine == "tesseract")
    rows["documents"] = [{
        "document_id": doc.id, "source_path": doc.path, "size_bytes": doc.size, "media_type": doc.media_type,
        "encoding": doc.encoding, "page_count": len(doc.pages) if doc.pages else None,
        "ocr_page_share": ocr_pages / len(doc.pages) if doc.pages else None,
        "char_count": len(doc.text), "part_count": len(doc.parts), "text": doc.text, "raw_text": doc.raw_text,
        "status": status,
    }]
    return rows


def redaction_status(part: Part, markers: int, evidence: int) -> tuple[str, str | None]:
    """Whether a part is redacted, needs no redaction (and why), or is
    unredacted. An internal part without markers needs none only when the
    checks found nothing to withhold in it: no personal data, no removal."""
    if markers:
        return "redacted", None
    if part.visibility == "public":
        return "no_redaction_needed", "public part: published as is by the body"
    if not evidence:
        return "no_redaction_needed", "the checks found no personal data or withheld text in it"
    return "unredacted", None


def page_row(doc: Document, p: Page) -> dict[str, Any]:
    text = doc.text[p.span[0] : p.span[1]]
    return {"document_id": doc.id, "source_path": doc.path, "page": p.number, "width": p.width, "height": p.height,
            "engine": p.engine, "engine_version": p.engine_version, "ocr_confidence": p.ocr_confidence,
            "char_count": len(text), "span_start": p.span[0], "span_end": p.span[1], "text": text}
