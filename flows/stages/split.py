"""Split: cut a release's text into parts, each with one visibility.

A concatenated release holds, for example, the public answers to
Kamervragen followed by the internal beslisnota that proposed them; the two
must be told apart because what may be named differs (ministers and members
of Parliament in public office; not civil servants). Part kinds and where
they start are data (`flows/registry/part_kinds.toml`).

A Woo bundle holds many documents in one file: a part is also cut where a
document of another type begins (`starts` in
`flows/registry/document_types.toml`), once running text stands before it,
and, in a PDF, at a page whose numbering starts again or whose document
number changes (`flows/registry/boundaries.toml`).
"""

from __future__ import annotations

import math
import re

from flows.model import Document, Page, Part
from flows.registry.boundaries import page_boundaries
from flows.registry.document_types import document_types
from flows.registry.part_kinds import PartKind, part_kinds


def find_part_starts(text: str) -> list[tuple[int, PartKind]]:
    """(position, kind) of every part start, in text order; a start inside
    a part of the same kind that began just before (a repeated heading) is
    not a new part."""
    starts: dict[int, PartKind] = {}
    for kind in part_kinds().values():
        for pattern in kind.starts:
            for m in pattern.finditer(text):
                line_start = text.rfind("\n", 0, m.start() + 1) + 1 if text[m.start()] != "\n" else m.start() + 1
                starts.setdefault(line_start, kind)
    ordered = sorted(starts.items())
    merged: list[tuple[int, PartKind]] = []
    for pos, kind in ordered:
        if merged and merged[-1][1].name == kind.name and (
            kind.repeated_heading_continues or _heading_only(text, merged[-1][0], pos)
        ):
            continue
        merged.append((pos, kind))
    # A start counts only when its part holds what its kind requires.
    return [
        (pos, kind) for i, (pos, kind) in enumerate(merged)
        if kind.requires is None
        or kind.requires.search(text, pos, merged[i + 1][0] if i + 1 < len(merged) else len(text))
    ]


def _heading_only(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is no more than a heading (three lines at
    most): two patterns of one kind matching on the lines of one heading
    ("Ministerie van ..." and "nota TER BESLISSING") start one part."""
    return sum(1 for line in text[start:end].splitlines() if line.strip()) <= 3


# Running text: at least BODY_LINES lines of at least BODY_LINE_WORDS words
# (a title can be long; a letterhead's lines are short), or a list of at
# least LIST_ITEMS numbered or bulleted items (a besluitenlijst's terse
# items: an address block is never numbered).
BODY_LINE_WORDS = 8
BODY_LINES = 2
LIST_ITEMS = 3
LIST_ITEM = re.compile(r"^\s*(?:\d{1,3}[.)]|[-•–])\s+\S")


def _has_body(text: str, start: int, end: int, titles: set[int]) -> bool:
    """Whether text[start:end] holds running text or a list, not only
    headings, letterheads and address blocks: only after such text can
    another document begin. Lines at `titles` (where a document start matched: a
    long title) are no running text."""
    long_lines = items = 0
    pos = start
    for line in text[start:end].split("\n"):
        if pos not in titles:
            long_lines += len(line.split()) >= BODY_LINE_WORDS
            items += LIST_ITEM.match(line) is not None
        pos += len(line) + 1
    return long_lines >= BODY_LINES or items >= LIST_ITEMS


def _field_value(text: str, pos: int) -> bool:
    """Whether the line at `pos` is the value of a field whose label stands
    on the line before ("Document:", "1. Agendapunt:"): a title quoted in a
    list, not a document beginning."""
    return re.search(r":\s*$", text[max(0, pos - 200) : pos]) is not None


def _title(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def document_starts(text: str, lo: int, hi: int) -> list[tuple[int, str]]:
    """(position, "type:landmark") of every document start the type registry
    finds in text[lo:hi], past the first line that holds anything: where a
    bundle of documents goes from one to the next."""
    body = lo + len(text[lo:hi]) - len(text[lo:hi].lstrip())
    found: dict[int, str] = {}
    for t in document_types().types.values():
        for name, pattern in t.starts:
            for m in pattern.finditer(text, lo, hi):
                if m.start() > body:
                    found.setdefault(m.start(), f"{t.name}:{name}")
    return sorted(found.items())


def page_starts(doc: Document) -> list[tuple[int, str]]:
    """(position, "page:...") of every PDF page that begins a document by
    its own header or footer: page numbering that starts again, or a
    document number other than the previous page's."""
    reg = page_boundaries()
    out: list[tuple[int, str]] = []
    previous: str | None = None
    for i, page in enumerate(doc.pages):
        start, end = page.span
        lines = [line for line in doc.text[start:end].split("\n") if line.strip()]
        edges = "\n".join(lines[: reg.edge_lines] + lines[-reg.edge_lines :])
        number = next((" ".join(m.groups()) for p in reg.document_number if (m := p.search(edges))), None)
        if i > 0 and any(p.search(edges) for p in reg.first_page):
            out.append((start, "page:first_page"))
        elif i > 0 and number is not None and previous is not None and number != previous:
            out.append((start, "page:document_number"))
        previous = number if number is not None else previous
    return out


def _layout(page: Page) -> tuple[int, int, bool, str]:
    """What a page looks like at a glance: size (rounded to 10 points, so a
    scanner's slack does not count), orientation and engine."""
    return round(page.width / 10), round(page.height / 10), page.width > page.height, page.engine


def start_evidence(doc: Document, pos: int, cues: dict[int, list[str]]) -> list[str]:
    """The evidence for a document start at `pos`: the cues found there
    (a part kind's heading, a type's start, a page's own numbering or
    document number), whether it stands at the top of a PDF page (whose
    own cues then count too), and whether that page looks different from
    the one before it."""
    found = list(cues.get(pos, []))
    page = next((pg for pg in doc.pages if pg.span[0] <= pos < pg.span[1]), None)
    top = False
    if page is not None:
        lines_above = [line for line in doc.text[page.span[0] : pos].split("\n") if line.strip()]
        top = len(lines_above) < page_boundaries().edge_lines
        if top and page.span[0] != pos:
            found += cues.get(page.span[0], [])
    evidence = {"part_kind" if c.startswith("part kind") else c if c.startswith("page:") else "type_start"
                for c in found}
    if top and page is not None:
        evidence.add("page_top")
        previous = next((pg for pg in doc.pages if pg.number == page.number - 1), None)
        if previous is not None and _layout(previous) != _layout(page):
            evidence.add("layout_change")
    return sorted(evidence)


def boundary_confidence(evidence: list[str]) -> float:
    """1 - exp(-weight of the evidence): a scored model whose weights are
    data (`flows/registry/boundaries.toml`), so that a reader can see why a
    start is sure or not, and bench/release_eval.py can check that sure
    starts are right more often than unsure ones."""
    weights = page_boundaries().evidence
    return round(1 - math.exp(-sum(weights.get(e, 0.0) for e in evidence)), 3)


def split(doc: Document) -> list[Part]:
    """Set `doc.parts` from the part starts found in the text, and cut every
    part where a document of another type begins, or where a PDF page says
    a new document begins (a bundle of documents in one file)."""
    text = doc.text
    kinds = part_kinds()
    found = [(pos, kind, f"part kind {kind.name}") for pos, kind in find_part_starts(text)]
    if not found or (found[0][0] > 0 and text[: found[0][0]].strip()):
        found.insert(0, (0, kinds["document"], "input start"))
    elif found[0][0] > 0:
        found[0] = (0, found[0][1], found[0][2])
    # Inside any part, a document of another type beginning is a new part,
    # of no known kind until the classify stage reads it.
    starts: list[tuple[int, PartKind, str]] = []
    pages = page_starts(doc)
    cues: dict[int, list[str]] = {}
    for pos, _, why in found:
        cues.setdefault(pos, []).append(why)
    for i, (pos, kind, why) in enumerate(found):
        starts.append((pos, kind, why))
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        own = kind.document_type
        candidates = document_starts(text, pos, end)
        titles = {p for p, _ in candidates}
        on_pages = [(p, why_) for p, why_ in pages if pos < p < end]
        for p, why_ in sorted(candidates + on_pages):
            cues.setdefault(p, []).append(why_)
            if p <= starts[-1][0]:
                continue
            if why_.startswith("page:"):
                # Numbering that starts again, or another document number,
                # is the page's own word that a document begins.
                starts.append((p, kinds["document"], why_))
            # A start under nothing but headings and an address block (a
            # decision's title, then its "Geachte") belongs to that document.
            elif ((own is None or not why_.startswith(f"{own}:")) and _has_body(text, starts[-1][0], p, titles)
                    and not _field_value(text, p)):
                starts.append((p, kinds["document"], why_))
    parts = []
    for i, (pos, kind, why) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        # Trailing blank lines belong to no part's content.
        while end > pos and text[end - 1] == "\n":
            end -= 1
        parts.append(
            Part(
                index=i,
                kind=kind.name,
                visibility=kind.visibility,
                span=(pos, end),
                diwoo_type=kind.diwoo_type,
                title=_title(text[pos:end]),
                boundary=why,
                boundary_confidence=1.0 if pos == 0 else boundary_confidence(
                    start_evidence(doc, pos, cues)),
            )
        )
    doc.parts = parts
    return parts
