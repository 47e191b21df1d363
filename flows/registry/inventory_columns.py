"""The registry of inventory-list columns and judgement spellings
(`inventory_columns.toml`): which header names a list's columns go by, and
which words say that a document is public, partly public, withheld or
public already."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flows.registry.loader import read_toml

JUDGEMENTS = ("openbaar", "deels_openbaar", "niet_openbaar", "reeds_openbaar")


def fold_label(text: str) -> str:
    """A header or value as compared: lower case, "(en)"/"(s)" plurals and
    punctuation dropped, spaces single ("Weigeringsgrond(en)" ->
    "weigeringsgrond", "Nr." -> "nr", "Doc. nr." -> "doc nr")."""
    text = _PLURAL.sub("", text.casefold())
    text = _PUNCTUATION.sub(" ", text)
    return " ".join(text.split())


_PLURAL = re.compile(r"\((?:en|s|n)\)")
_PUNCTUATION = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class InventorySpec:
    labels: dict[str, str]  # folded header -> canonical column
    remarks_from: frozenset[str]  # folded headers whose values go into remarks
    judgements: tuple[tuple[str, str], ...]  # (folded spelling, canonical), longest spelling first
    min_header_columns: int

    def column(self, header: str) -> str | None:
        """The column a header names: the canonical one, `remarks:<header>`
        for a header whose values go into remarks, or None."""
        folded = fold_label(header)
        name = self.labels.get(folded)
        return f"remarks:{header}" if name is None and folded in self.remarks_from else name

    def judgement(self, text: str) -> str | None:
        """The canonical judgement in a cell, or None: the longest spelling
        that stands in the cell as whole words."""
        folded = f" {fold_label(text)} "
        for spelling, canonical in self.judgements:
            if f" {spelling} " in folded:
                return canonical
        return None


@cache
def inventory_spec() -> InventorySpec:
    data = read_toml("inventory_columns.toml")
    labels: dict[str, str] = {}
    for col in data["column"]:
        for label in col["labels"]:
            key = fold_label(label)
            if labels.setdefault(key, col["name"]) != col["name"]:
                raise ValueError(f"inventory_columns.toml: {label!r} names two columns")
    judgements = []
    for canonical, spellings in data["judgements"].items():
        if canonical not in JUDGEMENTS:
            raise ValueError(f"inventory_columns.toml: unknown judgement {canonical!r}")
        judgements += [(fold_label(s), canonical) for s in spellings]
    return InventorySpec(
        labels=labels,
        remarks_from=frozenset(fold_label(h) for h in data["remarks_from"]),
        judgements=tuple(sorted(judgements, key=lambda p: -len(p[0]))),
        min_header_columns=int(data["min_header_columns"]),
    )
