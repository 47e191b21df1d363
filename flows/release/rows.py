"""The rows a published document contributes to every table: what the
stages recorded, and its documents, parts and pages rows."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from flows.model import Document, Page, Part

# Tables whose rows quote the text itself: a held-back part publishes none.
# (markers, redactions, findings, removals and personal_data hold no clear
# text, and are what a coordinator needs to act on a held part.)
QUOTING_TABLES = ("kamervragen", "qa", "memo_fields", "memo_sections", "corrections", "emails", "inventory",
                  "decisions")


def withheld_text(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the held spans blanked, line breaks kept, so that every
    published span still points where it did."""
    for start, end in spans:
        text = text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]
    return text


# What an input the gate held back whole still publishes: where its
# redactions are and what was found, masked, and its documents without text.
HELD_TABLES = ("findings", "redaction_summary", "redactions", "markers", "removals", "personal_data", "documents")

# Tables with a row per input rather than per document.
INPUT_TABLES = ("inputs", "redaction_summary")


def held_document_rows(doc: Document) -> dict[str, list[dict[str, Any]]]:
    """The rows of an input the gate held back whole: enough for a Woo
    coordinator to act (its boxes, markers, masked findings, its documents
    with their types and page ranges), never its text."""
    rows = document_rows(doc, "held_back", held={p.index for p in doc.parts})
    return {t: rows[t] for t in HELD_TABLES if t in rows}


def withhold_document(rows: dict[str, list[dict[str, Any]]], document_id: str) -> dict[str, Any] | None:
    """Hold back one document in published rows (an input's, or the
    release's merged rows): its rows that quote text go, its own text and
    title are null, it is blanked in its input's text (line breaks kept, so
    every other span still points where it did), its pages' text is null,
    and the input's raw text (whose offsets are the extraction's) is null.
    Returns its `documents` row, or None when it is not there (or already
    held)."""
    document = next((d for d in rows.get("documents", []) if d["document_id"] == document_id), None)
    if document is None or document["redaction_status"] == "held_back":
        return None
    for table in QUOTING_TABLES:
        rows[table] = [r for r in rows.get(table, []) if r.get("document_id") != document_id]
    span = (document["span_start"], document["span_end"])
    document.update(text=None, raw_text=None, title=None, redaction_status="held_back", no_redaction_reason=None)
    for row in rows.get("inputs", []):
        if row["input_id"] == document["input_id"]:
            row.update(text=withheld_text(row["text"] or "", [span]), raw_text=None,
                       status="published_with_held_parts")
    for page in rows.get("pages", []):
        if page["input_id"] == document["input_id"] and page["span_start"] < span[1] and span[0] < page["span_end"]:
            page["text"] = None
    return document


def document_rows(doc: Document, status: str, held: set[int] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table for one input: its own row in `inputs`, a
    row per document it holds in `documents`, its pages, and what the
    stages recorded, each row keyed by the document it belongs to. The
    documents the gate held back are then withheld (`withhold_document`)."""
    held = set(doc.held_parts) if held is None else held
    counts: dict[str, Counter[int | None]] = {
        t: Counter(r.get("part") for r in doc.rows.get(t, []))
        for t in ("corrections", "markers", "personal_data", "removals")
    }
    ids = doc.document_ids()
    documents = []
    for p in doc.parts:
        text = doc.text[p.span[0] : p.span[1]]
        n_markers = counts["markers"][p.index]
        status_, reason = redaction_status(p, n_markers, counts["personal_data"][p.index] + counts["removals"][p.index])
        page_nums = [pg.number for pg in doc.pages_of(p)]
        documents.append({
            "document_id": ids[p.index], "input_id": doc.id, "source_path": doc.path, "part": p.index,
            "kind": p.kind,
            "visibility": p.visibility, "diwoo_type": p.diwoo_type, "document_type": p.document_type,
            "type_evidence": p.type_evidence, "boundary": p.boundary,
            "boundary_confidence": p.boundary_confidence, "title": p.title,
            "span_start": p.span[0], "span_end": p.span[1],
            "page_start": min(page_nums) if page_nums else None, "page_end": max(page_nums) if page_nums else None,
            "ocr_like": p.ocr_like, "text": text, "raw_text": p.uncorrected if p.uncorrected is not None else text,
            "correction_count": counts["corrections"][p.index], "marker_count": n_markers,
            "redaction_status": status_, "no_redaction_reason": reason,
        })
    rows = rekeyed(doc, ids, doc.rows)
    rows["documents"] = documents
    rows["pages"] = [page_row(doc, p, page_document(doc, ids, p)) for p in doc.pages]
    ocr_pages = sum(1 for p in doc.pages if p.engine == "tesseract")
    rows["inputs"] = [{
        "input_id": doc.id, "source_path": doc.path, "size_bytes": doc.size, "media_type": doc.media_type,
        "encoding": doc.encoding, "page_count": len(doc.pages) if doc.pages else None,
        "ocr_page_share": ocr_pages / len(doc.pages) if doc.pages else None,
        "char_count": len(doc.text), "document_count": len(doc.parts), "text": doc.text,
        "raw_text": doc.raw_text, "status": status,
    }]
    for index in sorted(held):
        withhold_document(rows, ids[index])
    return rows


def rekeyed(doc: Document, ids: dict[int, str],
            rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The stages' rows with the published keys: `input_id` for every row,
    and `document_id` naming the document a row lies in (by its part, else
    its page; a row about the whole input goes to the input's first
    document). Stages key their rows by the input while they work, because
    a document's id (its range) is only known once the split is done;
    `ids` are `doc.document_ids()`."""
    by_page = {page.number: page_document(doc, ids, page) for page in doc.pages}
    first = page_document(doc, ids, None)
    out: dict[str, list[dict[str, Any]]] = {}
    for table, table_rows in rows.items():
        if table in INPUT_TABLES:
            out[table] = [{**{k: v for k, v in r.items() if k != "document_id"}, "input_id": doc.id} for r in table_rows]
        else:
            out[table] = [{**r, "input_id": doc.id, "document_id": _row_document(r, ids, by_page, first)}
                          for r in table_rows]
    return out


def _row_document(row: dict[str, Any], ids: dict[int, str], by_page: dict[int, str], first: str) -> str:
    part, page = row.get("part"), row.get("page")
    if part is not None and part in ids:
        return ids[part]
    return by_page.get(page, first) if page is not None else first


def page_document(doc: Document, ids: dict[int, str], page: Page | None) -> str:
    """The document a page begins in (for no page: the input's first)."""
    part = doc.part_at(page.span[0]) if page else None
    if part is None and doc.parts:
        part = doc.parts[0]
    return ids[part.index] if part else f"{doc.id}:c0-{len(doc.text)}"


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


def page_row(doc: Document, p: Page, document_id: str) -> dict[str, Any]:
    text = doc.text[p.span[0] : p.span[1]]
    return {"document_id": document_id, "input_id": doc.id, "source_path": doc.path, "page": p.number, "width": p.width, "height": p.height,
            "engine": p.engine, "engine_version": p.engine_version, "ocr_confidence": p.ocr_confidence,
            "char_count": len(text), "span_start": p.span[0], "span_end": p.span[1], "text": text}
