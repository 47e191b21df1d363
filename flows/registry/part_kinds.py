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
        )
        for k in data["kind"]
    }
