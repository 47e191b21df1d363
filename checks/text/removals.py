"""Removal detection and marker checks on a document's text.

A Woo release withholds text in three ways that show in the text: a ground
stamped where the text was (a code "5.1.2e" or a label "Bescherming
persoonlijke levenssfeer"), a heading over a withheld passage followed by
its ground, and a placeholder ("[…]", block characters). Every removal must
carry a ground, the ground must be a real one, it must fit what was removed
where that can be told, and nothing personal may be left in an internal
part. This module records the personal data and the removals, and reports
what is wrong as findings (values masked).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from checks.findings import add_finding
from checks.text.pii.allow_list import allow_list_for
from checks.text.pii.scan import scan
from checks.text.pii.vocabulary import PiiHit, vocab
from flows.model import Document
from flows.registry.grounds import Ground, registry
from flows.registry.matching import stamp_markers
from flows.registry.memo_fields import memo_spec

# How far after a withheld-passage heading its ground may stand.
WITHHELD_GROUND_REACH = 300
# How close (on the same line) a ground must be to a placeholder to count as
# its ground.
PLACEHOLDER_GROUND_REACH = 40


# --------------------------------------------------------------------------
# Markers as this module needs them


@dataclass(frozen=True)
class MarkerRef:
    start: int
    end: int
    kind: str  # code | unknown_code | label | withheld_heading
    code: str | None
    ground: Ground | None


def _markers(doc: Document) -> list[MarkerRef]:
    """The markers the markers stage recorded, or found here when that stage
    did not run (checks can be used on their own)."""
    reg = registry()
    rows = doc.rows.get("markers")
    if rows is None:
        return [
            MarkerRef(m.start, m.end, "unknown_code" if m.kind == "code" and m.ground is None else m.kind, m.code, m.ground)
            for m in stamp_markers(doc.text)
        ]
    out = []
    for r in rows:
        if r.get("document_id", doc.id) != doc.id or r.get("span_start") is None:
            continue
        code = r.get("ground_code")
        out.append(MarkerRef(r["span_start"], r["span_end"], r["kind"], code, reg.grounds.get(code) if code else None))
    return sorted(out, key=lambda m: (m.start, m.end))


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    return ls, len(text) if le < 0 else le


# --------------------------------------------------------------------------
# Personal data


def _visibility(doc: Document, pos: int) -> str | None:
    part = doc.part_at(pos)
    return part.visibility if part else None


def _scan_parts(doc: Document) -> list[tuple[PiiHit, str | None]]:
    """Scan every part with the document's allow-list; a document without
    parts is scanned whole."""
    allow = allow_list_for(doc)
    spans = [p.span for p in doc.parts] or [(0, len(doc.text))]
    out = []
    for s, e in spans:
        for h in scan(doc.text[s:e], allow=allow):
            hit = PiiHit(h.start + s, h.end + s, h.kind, h.recogniser, h.masked, h.value_hash)
            out.append((hit, _visibility(doc, hit.start)))
    return out


def record_personal_data(doc: Document) -> list[PiiHit]:
    """personal_data rows for every hit, and a finding for each: high in an
    internal part (or where no part says it is public), medium in a public
    part (published by the body itself, but worth a look)."""
    hits = []
    for hit, visibility in _scan_parts(doc):
        doc.add_row(
            "personal_data",
            {
                "span_start": hit.start,
                "span_end": hit.end,
                "kind": hit.kind,
                "recogniser": hit.recogniser,
                "masked": hit.masked,
                "value_hash": hit.value_hash,
                "visibility": visibility,
            },
        )
        public = visibility == "public"
        add_finding(
            doc,
            "personal_data_public" if public else "personal_data_internal",
            "medium" if public else "high",
            f"{hit.kind} ({hit.recogniser}) in {'a public' if public else 'an internal'} part: {hit.masked}",
            hit.start,
            hit.end,
            masked=hit.masked,
            value_hash_=hit.value_hash,
        )
        hits.append(hit)
    return hits


# --------------------------------------------------------------------------
# Removals


def _removed_kind(text: str, start: int, end: int) -> str | None:
    """What a removal stood for, where the text tells: a label before it on
    its line ("BSN: 5.1.2e", "E-mail: [5.1.2a]"), an e-mail shape around it
    ("5.1.2e@minbuza.nl"), or a person header label ("Opgesteld door")."""
    if re.match(r"\s*[@©]\s*[\w-]+\.", text[end : end + 40]):
        return "email"
    ls, _ = _line_bounds(text, start, end)
    before = text[max(ls, start - 40) : start].casefold().rstrip(" :\t-[(")
    v = vocab()
    for kind, labels in v.removed_kind.items():
        if any(before.endswith(label.casefold()) for label in labels):
            return kind
    if any(before.endswith(label.casefold()) for label in v.header_labels):
        return "name"
    return None


def _check_fit(doc: Document, codes: Iterable[str], kind: str | None, start: int, end: int) -> None:
    """A finding when a ground does not fit what was removed (a BSN under
    5.1.2e rather than 5.1.1e; an e-mail address under 5.1.2a)."""
    if kind is None:
        return
    reg = registry()
    for code in codes:
        g = reg.grounds.get(code)
        if g is not None and kind not in g.fits:
            right = sorted(c for c, x in reg.grounds.items() if kind in x.fits and x.law == g.law)
            add_finding(
                doc,
                "ground_mismatch",
                "medium",
                f"{kind} removed under {code} ({g.label}); fitting ground(s): {', '.join(right) or 'none'}",
                start,
                end,
                key=code,
            )


def _add_removal(doc: Document, kind: str, start: int, end: int, ground: str | None, field: str | None = None) -> None:
    doc.add_row(
        "removals",
        {
            "span_start": start,
            "span_end": end,
            "kind": kind,
            "ground_code": ground,
            "field": field,
            "char_count": end - start,
        },
    )


def _person_fields() -> set[str]:
    return {f.name for f in memo_spec().fields if f.type == "person"}


def record_removals(doc: Document, markers: list[MarkerRef], hits: list[PiiHit]) -> None:
    """removals rows, and findings for removals without a ground, stamps
    without a removal, and grounds that do not fit."""
    text = doc.text
    used: set[int] = set()

    # 1. Withheld passages: heading, then its ground (the next marker).
    headings = [m for m in markers if m.kind == "withheld_heading"]
    for i, h in enumerate(headings):
        limit = min(h.end + WITHHELD_GROUND_REACH, headings[i + 1].start if i + 1 < len(headings) else len(text))
        ground = next((m for m in markers if m.kind != "withheld_heading" and h.end <= m.start < limit), None)
        end = ground.end if ground else h.end
        _add_removal(doc, "withheld_passage", h.start, end, ground.code if ground else None)
        if ground:
            used.add(id(ground))
        else:
            add_finding(doc, "removal_without_ground", "medium", "withheld passage without a ground", h.start, h.end)

    # 2. Stamps in memo header fields, as the memo parser assigned them. OCR
    # of a margin often glues a stamp to the next label
    # ("levenssfeerAfgestemd met"): a stamp touching an empty person field's
    # label is that field's value.
    person_fields = _person_fields()
    fields = [r for r in doc.rows.get("memo_fields", []) if r.get("span_start") is not None]
    empty = {r["span_start"]: r for r in fields if r["field"] in person_fields and not (r.get("value") or "").strip()}
    filled: set[int] = set()
    for row in fields:
        if not row.get("ground_code"):
            continue
        s, e = row["span_start"], row["span_end"]
        inside = [m for m in markers if s <= m.start < e and m.kind != "withheld_heading"]
        for m in inside or [MarkerRef(s, e, "label", row["ground_code"], None)]:
            field = row["field"]
            gap = text[m.end : m.end + 20]
            glued = empty.get(m.end + len(gap) - len(gap.lstrip()))
            if glued is not None and glued["span_start"] not in filled and m is not inside[0]:
                field = glued["field"]
                filled.add(glued["span_start"])
            codes = (m.code or row["ground_code"]).split(";")
            for c in codes:
                _add_removal(doc, "stamp", m.start, m.end, c, field)
            used.add(id(m))
            if field in person_fields:
                _check_fit(doc, codes, "name", m.start, m.end)
    for start, row in empty.items():
        if start in filled or _visibility(doc, start) == "public":
            continue
        _add_removal(doc, "placeholder", row["span_start"], row["span_end"], None, row["field"])
        add_finding(
            doc,
            "removal_without_ground",
            "low",
            f"person field {row['field']} is empty: removed without a ground, or left empty",
            row["span_start"],
            row["span_end"],
        )

    # 3. Other stamps: codes and labels standing in place of text.
    for m in markers:
        if id(m) in used or m.kind == "withheld_heading":
            continue
        _add_removal(doc, "stamp", m.start, m.end, m.code)
        kind = _removed_kind(text, m.start, m.end)
        _check_fit(doc, [m.code] if m.code else [], kind, m.start, m.end)
        _check_stamp_has_removal(doc, m, hits)

    # 4. Placeholders, with the ground beside them if there is one.
    for pattern, severity in vocab().placeholders:
        for pm in re.finditer(pattern, text):
            ls, le = _line_bounds(text, pm.start(), pm.end())
            near = [
                m
                for m in markers
                if m.kind != "withheld_heading"
                and max(ls, pm.start() - PLACEHOLDER_GROUND_REACH) <= m.end
                and m.start <= min(le, pm.end() + PLACEHOLDER_GROUND_REACH)
            ]
            code = near[0].code if near else None
            _add_removal(doc, "placeholder", pm.start(), pm.end(), code)
            if code is None:
                add_finding(
                    doc, "removal_without_ground", severity, "placeholder without a ground code or label nearby",
                    pm.start(), pm.end(),
                )
            else:
                _check_fit(doc, [code], _removed_kind(text, pm.start(), pm.end()), pm.start(), pm.end())


def _check_stamp_has_removal(doc: Document, m: MarkerRef, hits: list[PiiHit]) -> None:
    """A stamp with, on its own line right beside it, the very kind of data
    its ground protects: the stamp was added but the value left in place."""
    if m.ground is None:
        return
    ls, le = _line_bounds(doc.text, m.start, m.end)
    for h in hits:
        if ls <= h.start < le and h.kind in m.ground.fits and (abs(h.start - m.end) <= 3 or abs(m.start - h.end) <= 3):
            add_finding(
                doc,
                "stamp_without_removal",
                "medium",
                f"ground stamp {m.code} next to unremoved {h.kind}: {h.masked}",
                m.start,
                m.end,
                masked=h.masked,
                value_hash_=h.value_hash,
            )
            return


def check_codes(doc: Document, markers: list[MarkerRef]) -> None:
    """A finding for each ground code the registry does not know ("5.1.2k",
    a bare "5.1.2"): the reader cannot tell on which ground text was
    withheld."""
    for m in markers:
        if m.kind == "unknown_code":
            add_finding(
                doc,
                "unknown_ground",
                "medium",
                f"unknown or malformed ground code {doc.text[m.start:m.end]!r}",
                m.start,
                m.end,
            )


def personal_data_within(doc: Document, start: int, end: int) -> bool:
    """Whether a personal_data row lies inside [start, end): lets another
    check on the same text (a memo field holding a name) stay silent where
    this module already reported the value."""
    return any(
        r.get("span_start") is not None and start <= r["span_start"] and r["span_end"] <= end
        for r in doc.rows.get("personal_data", [])
        if r.get("document_id", doc.id) == doc.id
    )


def check_document(doc: Document) -> None:
    """Run every text check on a document: personal data, removals, codes.

    Appends rows to personal_data, removals and findings."""
    markers = _markers(doc)
    hits = record_personal_data(doc)
    record_removals(doc, markers, hits)
    check_codes(doc, markers)

