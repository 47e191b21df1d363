"""Checks on memo header fields.

A person field in an internal memo (Opgesteld door, Via, Afgestemd met, ...)
names a civil servant unless it holds a role, a unit or a redaction marker;
civil servants' names are withheld under 5.1.2e, so a field holding anything
else is reported.
"""

from __future__ import annotations

import re

from checks.findings import add_finding
from checks.masking import mask, value_hash
from checks.text.pii.vocabulary import name_lists
from checks.text.removals import personal_data_within
from flows.model import Document
from flows.registry.matching import find_markers
from flows.registry.memo_fields import memo_spec


def holds_role_or_unit(value: str) -> bool:
    """True when every word is a role word, a unit's abbreviation (DVB,
    DGPZ, M, MP: all capitals and not a known name, so "J. JANSEN" is no
    unit) or a connective: no room for a name."""
    spec = memo_spec()
    names = name_lists()
    for word in re.findall(r"[^\W\d_][\w\-]*(?:\.[^\W\d_]\.?)*", value):
        folded = word.casefold()
        if folded in spec.roles or folded in spec.connectives:
            continue
        if word.isupper() and word.capitalize() not in names.surnames | names.first:
            continue
        return False
    return True


def check_person_fields(doc: Document) -> None:
    """A finding for each person field of an internal part that holds
    neither a role or unit nor a marker, unless the personal-data scan
    already reported the name in it (one problem, one finding)."""
    person_fields = {f.name for f in memo_spec().fields if f.type == "person"}
    internal = {p.index for p in doc.parts if p.visibility == "internal"}
    for row in doc.rows.get("memo_fields", []):
        if row["field"] not in person_fields or row["part"] not in internal or not row.get("value"):
            continue
        value = row["value"]
        if row.get("ground_code") or find_markers(value) or holds_role_or_unit(value):
            continue
        if personal_data_within(doc, row["span_start"], row["span_end"]):
            continue
        add_finding(
            doc, "person_field_without_marker", "high",
            f"memo field '{row['field']}' holds {mask(value, 'name')!r}: no role, unit or redaction marker",
            row["span_start"], row["span_end"], masked=mask(value, "name"), value_hash_=value_hash(value),
        )
