"""The registry of document types: each type's visibility, DiWoo type and
the landmarks that give it away (`document_types.toml`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flows.registry.loader import read_toml

FALLBACK = "other"


@dataclass(frozen=True)
class Landmark:
    name: str
    weight: float
    pattern: re.Pattern[str]
    head: bool  # only in the first `head_chars` characters of a part


@dataclass(frozen=True)
class DocumentType:
    name: str
    label: str
    visibility: str
    diwoo_type: str | None
    landmarks: tuple[Landmark, ...]
    starts: tuple[tuple[str, re.Pattern[str]], ...] = ()  # (name, pattern) where a document of the type begins


@dataclass(frozen=True)
class DocumentTypes:
    types: dict[str, DocumentType]
    min_score: float
    head_chars: int


@cache
def document_types() -> DocumentTypes:
    data = read_toml("document_types.toml")
    types = {
        t["name"]: DocumentType(
            name=t["name"],
            label=t["label"],
            visibility=t["visibility"],
            diwoo_type=t.get("diwoo_type"),
            landmarks=tuple(Landmark(lm["name"], float(lm["weight"]), re.compile(lm["pattern"], re.MULTILINE),
                                     bool(lm.get("head", False))) for lm in t["landmarks"]),
            starts=tuple((st["name"], re.compile(st["pattern"], re.MULTILINE)) for st in t.get("starts", ())),
        )
        for t in data["type"]
    }
    if FALLBACK not in types:
        raise ValueError(f"document_types.toml: the fallback type {FALLBACK!r} is missing")
    return DocumentTypes(types, float(data["min_score"]), int(data["head_chars"]))
