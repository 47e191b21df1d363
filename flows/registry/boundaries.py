"""The registry of page-level document boundaries: page numbering that
starts again and document-number stamps, and the weight of each kind of
evidence for a document start (`boundaries.toml`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flows.registry.loader import read_toml


@dataclass(frozen=True)
class PageBoundaries:
    edge_lines: int
    first_page: tuple[re.Pattern[str], ...]
    document_number: tuple[re.Pattern[str], ...]
    evidence: dict[str, float]  # weight of each kind of evidence for a document start


@cache
def page_boundaries() -> PageBoundaries:
    data = read_toml("boundaries.toml")
    return PageBoundaries(
        edge_lines=int(data["edge_lines"]),
        first_page=tuple(re.compile(p, re.MULTILINE) for p in data["first_page"]),
        document_number=tuple(re.compile(p, re.MULTILINE) for p in data["document_number"]),
        evidence={k: float(v) for k, v in data["evidence"].items()},
    )
