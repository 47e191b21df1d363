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
    last_page: tuple[re.Pattern[str], ...]
    annex_title: tuple[re.Pattern[str], ...]
    document_number: tuple[re.Pattern[str], ...]
    page_cut: float  # weight of a page's own cues that begins a document there
    title_chars: int  # how much of a page's top is read for a title
    evidence: dict[str, float]  # weight of each kind of evidence for a document start


@cache
def page_boundaries() -> PageBoundaries:
    data = read_toml("boundaries.toml")
    if int(data["edge_lines"]) < 1:
        raise ValueError("boundaries.toml: edge_lines must be at least 1")
    return PageBoundaries(
        edge_lines=int(data["edge_lines"]),
        first_page=tuple(re.compile(p, re.MULTILINE) for p in data["first_page"]),
        last_page=tuple(re.compile(p, re.MULTILINE) for p in data["last_page"]),
        annex_title=tuple(re.compile(p, re.MULTILINE) for p in data["annex_title"]),
        document_number=tuple(re.compile(p, re.MULTILINE) for p in data["document_number"]),
        page_cut=float(data["page_cut"]),
        title_chars=int(data["title_chars"]),
        evidence={k: float(v) for k, v in data["evidence"].items()},
    )
