"""The registry of part kinds: what a release's text can be cut into, with
each kind's visibility, DiWoo document type and the headings that start it
(`part_kinds.toml`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flows.registry.loader import read_toml


@dataclass(frozen=True)
class PartKind:
    name: str
    visibility: str
    diwoo_type: str | None
    starts: tuple[re.Pattern[str], ...]
    repeated_heading_continues: bool = False
    document_type: str | None = None  # the type of a part of this kind; None: classified from its text
    requires: re.Pattern[str] | None = None  # what the part must hold for its start to count


@cache
def part_kinds() -> dict[str, PartKind]:
    data = read_toml("part_kinds.toml")
    return {
        k["name"]: PartKind(
            name=k["name"],
            visibility=k["visibility"],
            diwoo_type=k.get("diwoo_type"),
            starts=tuple(re.compile(p, re.MULTILINE) for p in k["starts"]),
            repeated_heading_continues=k.get("repeated_heading_continues", False),
            document_type=k.get("document_type"),
            requires=re.compile(k["requires"], re.MULTILINE) if "requires" in k else None,
        )
        for k in data["kind"]
    }
