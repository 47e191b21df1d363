"""The registry of memo (beslisnota) header fields, body sections, memo
kinds, empty values, page furniture and the role words a person field may
hold (`memo_fields.toml`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flows.registry.loader import read_toml


@dataclass(frozen=True)
class FieldSpec:
    name: str
    labels: tuple[str, ...]
    type: str  # date | text | person | recipient


@dataclass(frozen=True)
class MemoSpec:
    fields: tuple[FieldSpec, ...]
    sections: tuple[str, ...]
    kinds: tuple[str, ...]
    empty_values: tuple[str, ...]
    roles: frozenset[str]  # casefolded words that make a person field hold a role or unit
    connectives: frozenset[str]  # casefolded words that join roles and units
    furniture: tuple[str, ...]  # whole lines of page furniture (page and footnote numbers)


@cache
def memo_spec() -> MemoSpec:
    data = read_toml("memo_fields.toml")
    return MemoSpec(
        fields=tuple(FieldSpec(f["name"], tuple(f["labels"]), f["type"]) for f in data["field"]),
        sections=tuple(data["sections"]["names"]),
        kinds=tuple(data["kinds"]["names"]),
        empty_values=tuple(data["empty_values"]["values"]),
        roles=frozenset(w.casefold() for w in data["roles"]["words"]),
        connectives=frozenset(w.casefold() for w in data["roles"]["connectives"]),
        furniture=tuple(data["furniture"]["lines"]),
    )
