"""Split: cut a release's text into parts, each with one visibility.

A concatenated release holds, for example, the public answers to
Kamervragen followed by the internal beslisnota that proposed them; the two
must be told apart because what may be named differs (ministers and members
of Parliament in public office; not civil servants). Part kinds and where
they start are data (`flows/registry/part_kinds.toml`).

A Woo bundle holds many documents in one file: a part is also cut where a
document of another type begins (`starts` in
`flows/registry/document_types.toml`), once running text stands before it,
and, in a PDF, at a page whose own cues weigh enough: numbering that
starts again, another document number, or weaker cues together (a title at
the top of the page, headers and footers that do not go on, the page
before numbered as a last page, an annex's title, a change of layout);
see `flows/registry/boundaries.toml`.
"""

from __future__ import annotations

import math
import re
from itertools import islice

from rapidfuzz import fuzz

from flows.model import Document, Page, Part
from flows.registry.boundaries import page_boundaries
from flows.registry.document_types import document_types
from flows.registry.part_kinds import PartKind, part_kinds
from flows.stages.classify import title_score


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


def _edges(text: str, n: int) -> tuple[list[str], list[str]]:
    """A page's first and last `n` non-empty lines, folded so that a
    running header or footer compares equal from page to page: lower case,
    digits as '#', nothing but letters, digits and single spaces; lines of
    fewer than four letters say too little to compare."""
    lines = text.split("\n")
    # Folded from either end until n are found: the lines between are never read.
    top = list(islice(filter(None, map(_edge_line, lines)), n))
    bottom = list(islice(filter(None, map(_edge_line, reversed(lines))), n))
    return top, bottom[::-1]


def _edge_line(line: str) -> str | None:
    """A line folded for `_edges`, None when it has fewer than four letters."""
    folded = " ".join(_NOT_WORD.sub(" ", _DIGITS.sub("#", line.lower())).split())
    return folded if sum(c.isalpha() for c in folded) >= 4 else None


_DIGITS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^\w#]+")


def _runs_on(before: list[str], after: list[str]) -> bool:
    """Whether two pages share a header or footer line (fuzzily: OCR reads
    the same line a little differently on every page)."""
    return any(fuzz.ratio(a, b) >= RUNNING_LINE_SIMILARITY for a in before for b in after)


RUNNING_LINE_SIMILARITY = 85


def page_cues(doc: Document) -> list[tuple[int, list[str]]]:
    """(position, cues) of every PDF page after the first: numbering that
    starts again, another document number, and weaker cues: a title at the
    top of the page, headers and footers that do not go on from the page
    before, the page before numbered as a last page, an annex's title, a
    change of layout. A header or footer shared with the page before
    vetoes the weak cues. Where the cues weigh enough (`page_cut` in
    flows/registry/boundaries.toml) a document begins (`split`); below that
    they still count as evidence for a start found in the text."""
    reg = page_boundaries()
    min_score = document_types().min_score
    out: list[tuple[int, list[str]]] = []
    previous_number: str | None = None
    previous: tuple[Page, list[str], tuple[list[str], list[str]]] | None = None  # page, lines, edges
    for page in doc.pages:
        text = doc.text[page.span[0] : page.span[1]]
        lines = [line for line in text.split("\n") if line.strip()]
        stamps = "\n".join(lines[: reg.edge_lines] + lines[-reg.edge_lines :])
        number = next((" ".join(m.groups()) for p in reg.document_number if (m := p.search(stamps))), None)
        edges = _edges(text, reg.edge_lines)
        if previous is not None:
            before, before_lines, (top_before, bottom_before) = previous
            cues = []
            if any(p.search(stamps) for p in reg.first_page):
                cues.append("page:first_page")
            if number is not None and previous_number is not None and number != previous_number:
                cues.append("page:document_number")
            top, bottom = edges
            if not (_runs_on(top_before, top) or _runs_on(bottom_before, bottom)):
                if title_score("\n".join(lines)[: reg.title_chars]) >= min_score:
                    cues.append("page:title")
                if top_before and top:
                    cues.append("page:new_header")
                if any(p.search("\n".join(before_lines[-reg.edge_lines :])) for p in reg.last_page):
                    cues.append("page:after_last")
                if any(p.search("\n".join(lines[:2])) for p in reg.annex_title):
                    cues.append("page:annex")
                if _layout(before) != _layout(page):
                    cues.append("layout_change")
            out.append((page.span[0], cues))
        previous_number = number if number is not None else previous_number
        previous = (page, lines, edges)
    return out


def _page_top(doc: Document, pos: int, titles: set[int]) -> int:
    """Where a document found at `pos` in a PDF begins: at the top of its
    page when no more than a heading block, or no running text, stands
    above it there (a document of a bundle begins on a new page; the
    dossier number and letterhead above a Kamerbrief's "Aan de Voorzitter"
    are its own)."""
    page = next((pg for pg in doc.pages if pg.span[0] <= pos < pg.span[1]), None)
    if page is None:
        return pos
    above = [line for line in doc.text[page.span[0] : pos].split("\n") if line.strip()]
    if len(above) > HEADING_LINES and _has_body(doc.text, page.span[0], pos, titles):
        return pos
    return page.span[0]


# A document's heading block above its first landmark: a dossier number and
# title, a letterhead's name lines.
HEADING_LINES = 4


def _layout(page: Page) -> tuple[int, int, bool, str]:
    """What a page looks like at a glance: size (rounded to 10 points, so a
    scanner's slack does not count), orientation and engine."""
    return round(page.width / 10), round(page.height / 10), page.width > page.height, page.engine


def start_evidence(doc: Document, pos: int, cues: dict[int, list[str]]) -> list[str]:
    """The evidence for a document start at `pos`: the cues found there
    (a part kind's heading, a type's start, a page's cues from
    `page_cues`), and whether it stands at the top of a PDF page, whose
    own cues then count too."""
    found = list(cues.get(pos, []))
    page = next((pg for pg in doc.pages if pg.span[0] <= pos < pg.span[1]), None)
    top = False
    if page is not None:
        lines_above = [line for line in doc.text[page.span[0] : pos].split("\n") if line.strip()]
        top = len(lines_above) < page_boundaries().edge_lines
        if top and page.span[0] != pos:
            found += cues.get(page.span[0], [])
    evidence = {"part_kind" if c.startswith("part kind") else c if c.startswith("page:") or c == "layout_change"
                else "type_start" for cue in found for c in cue.split("+")}
    if top:
        evidence.add("page_top")
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
    reg = page_boundaries()
    cues: dict[int, list[str]] = {}
    pages = []
    for p, found_here in page_cues(doc):
        cues[p] = list(found_here)
        if sum(reg.evidence.get(c, 0.0) for c in found_here) >= reg.page_cut:
            pages.append((p, "+".join(found_here)))
    for pos, _, why in found:
        cues.setdefault(pos, []).append(why)
    for i, (pos, kind, why) in enumerate(found):
        starts.append((pos, kind, why))
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        own = kind.document_type
        candidates = document_starts(text, pos, end)
        titles = {p for p, _ in candidates}
        candidates = [(_page_top(doc, p, titles), why_) for p, why_ in candidates]
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
