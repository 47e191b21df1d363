"""The document that flows through every stage.

Stages take a `Document` and fill it in: ingest sets the bytes and raw text,
extraction adds `pages`, normalisation and correction rewrite `text` through
`apply_edits` (which keeps every span consistent), splitting adds `parts`,
and parsers and checks append rows to `rows`. Everything here is plain,
picklable data, because documents are processed in worker processes and only
plain data crosses a process boundary.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flows.model.geometry import Page
from flows.model.tables import TABLES, unknown_columns

# --------------------------------------------------------------------------
# Text edits: every stage that rewrites the text goes through these, so that
# page and part spans, and the map back to the raw text, stay right.


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] with `new`."""

    start: int
    end: int
    new: str


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span `start`..`end` of `text` without whitespace at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def apply_text_edits(text: str, edits: Iterable[Edit]) -> tuple[str, list[tuple[int, int, int]]]:
    """Apply non-overlapping edits; return the new text and the anchors
    (old_pos, new_pos, old_len_delta) needed to map positions."""
    out: list[str] = []
    anchors: list[tuple[int, int, int]] = []
    pos = 0
    shift = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            raise ValueError(f"overlapping edit at {e.start}")
        out.append(text[pos : e.start])
        out.append(e.new)
        shift += len(e.new) - (e.end - e.start)
        anchors.append((e.end, e.end + shift, shift))
        pos = e.end
    out.append(text[pos:])
    return "".join(out), anchors


class OffsetMap:
    """Maps positions of a text before a set of edits to positions after it.

    A span that ends where an edit starts stays before its replacement; a
    span that starts or ends inside a replaced stretch grows to enclose the
    replacement, so spans never lose text to an edit."""

    def __init__(self, edits: Iterable[Edit]):
        self._edits = sorted(edits, key=lambda e: (e.start, e.end))
        self._starts = [e.start for e in self._edits]
        self._shift_before: list[int] = []
        shift = 0
        for e in self._edits:
            self._shift_before.append(shift)
            shift += len(e.new) - (e.end - e.start)

    def __call__(self, pos: int, *, end: bool = False) -> int:
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0:
            return pos
        e = self._edits[i]
        before = self._shift_before[i]
        if pos == e.start and e.end > e.start:
            # Where a replaced stretch starts: a span ending here does not
            # take the replacement in, a span starting here does.
            return pos + before
        if pos >= e.end:
            return pos + before + len(e.new) - (e.end - e.start)
        # Strictly inside a replaced stretch: the span keeps enclosing it.
        return e.start + before + (len(e.new) if end else 0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self(start), self(end, end=True)


# --------------------------------------------------------------------------
# Documents and parts


@dataclass
class Part:
    """A contiguous piece of a release with one visibility: the public
    answers, an internal memo, ..."""

    index: int
    kind: str  # key in flows/registry/part_kinds.toml, e.g. "kamervragen_antwoorden"
    visibility: str  # "public" | "internal"
    span: tuple[int, int]
    diwoo_type: str | None = None  # DiWoo/TOOI document type id
    ocr_like: bool = False  # text came from OCR or looks like it
    title: str = ""
    uncorrected: str | None = None  # the part's text before OCR correction
    document_type: str | None = None  # key in flows/registry/document_types.toml, set by the classify stage
    type_evidence: str | None = None  # JSON: the landmarks and scores the type rests on
    boundary: str | None = None  # what starts the part: the input's start, a part kind, a type's landmark
    boundary_confidence: float | None = None  # 0..1, from the weight of the evidence for the start


@dataclass(frozen=True)
class LexiconUse:
    """What correcting one document read of its release lexicon, so that a
    later release whose lexicon differs elsewhere can keep the correction
    (see `flows.stages.correct.corrector.unchanged_for`)."""

    lexicon: str  # the digest of the release lexicon it was read from
    total: float  # the lexicon's rounded size (`LexiconIndex.total`)
    # The lowercase words looked up, with what was read of each: whether
    # the lexicon holds it, its rounded count, its spelling.
    members: dict[str, bool]
    counts: dict[str, float]
    spellings: dict[str, str]
    # The words whose neighbours within two edits were searched for.
    near: frozenset[str]


@dataclass
class Document:
    """A release input on its way through the stages."""

    id: str  # sha256 of the bytes
    path: str  # source path as given (resolved)
    size: int
    media_type: str  # "text/plain" | "application/pdf" | "text/csv" | the .xlsx type (flows/stages/extract/spreadsheet.py)
    encoding: str | None = None  # for text inputs
    raw_text: str = ""  # the text as extracted, before any normalisation
    text: str = ""  # current text; all spans refer to it
    pages: list[Page] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # The gate's masked reason to hold the document back; None publishes it.
    held_back: str | None = None
    # Parts the gate holds back while the rest is published: index -> masked reason.
    held_parts: dict[int, str] = field(default_factory=dict)
    # Seconds each stage took on this document, for the run's logs.
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # What OCR correction read of the release lexicon (None: nothing corrected).
    lexicon_use: LexiconUse | None = None
    # Maps from text positions back to raw_text positions, one per edit set.
    _edit_log: list[list[Edit]] = field(default_factory=list, repr=False)

    # -- text ------------------------------------------------------------
    def apply_edits(self, edits: list[Edit]) -> OffsetMap:
        """Rewrite `text`, moving page and part spans and every span already
        in `rows` (columns span_start/span_end) along with it."""
        if not edits:
            return OffsetMap([])
        self.text, _ = apply_text_edits(self.text, edits)
        m = OffsetMap(edits)
        for p in self.pages:
            p.span = m.span(*p.span)
        for part in self.parts:
            part.span = m.span(*part.span)
        for rows in self.rows.values():
            for r in rows:
                if r.get("span_start") is not None and r.get("span_end") is not None:
                    r["span_start"], r["span_end"] = m.span(r["span_start"], r["span_end"])
        self._edit_log.append(sorted(edits, key=lambda e: e.start))
        return m

    def published_positions(self) -> Callable[[int], int]:
        """Where a position of `raw_text` stands in the published text, after
        every edit the stages made. The maps are built once, for many
        positions (a spreadsheet's text has an edit per tab, and a cell per
        position)."""
        maps = [OffsetMap(edits) for edits in self._edit_log]

        def to_published(raw_pos: int) -> int:
            for m in maps:
                raw_pos = m(raw_pos)
            return raw_pos

        return to_published

    def pages_of(self, part: Part) -> list[Page]:
        """The pages a part's text lies on (none for text inputs)."""
        return [p for p in self.pages if p.span[0] < part.span[1] and p.span[1] > part.span[0]]

    def document_ids(self) -> dict[int, str]:
        """The published id of each part: the input's hash and the part's
        range, pages for a PDF ("<sha>:p3-5"), characters for text
        ("<sha>:c0-1234"), so that a user can tell where a document of a
        bundle lies from its id alone. Two parts on the same pages (a short
        document ending where the next begins) are told apart by their
        character spans."""
        by_pages: dict[int, str | None] = {}
        for part in self.parts:
            numbers = [p.number for p in self.pages_of(part)]
            by_pages[part.index] = f"p{min(numbers)}-{max(numbers)}" if numbers else None
        taken = [r for r in by_pages.values() if r]
        return {
            part.index: f"{self.id}:{r}" if r and taken.count(r) == 1 else f"{self.id}:c{part.span[0]}-{part.span[1]}"
            for part in self.parts
            for r in [by_pages[part.index]]
        }

    def page_at(self, pos: int) -> int | None:
        """1-based page number holding text position `pos` (None for text
        inputs)."""
        if not self.pages:
            return None
        starts = [p.span[0] for p in self.pages]
        i = max(0, bisect.bisect_right(starts, pos) - 1)
        return self.pages[i].number

    def part_at(self, pos: int) -> Part | None:
        for part in self.parts:
            if part.span[0] <= pos < part.span[1]:
                return part
        return None

    def add_row(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """Append a row with its provenance filled in from the span. A row
        with a column its table does not document is refused here, in the
        stage that made it, not later at publishing."""
        # While the stages work a row is keyed by its input; publishing
        # (flows/release/rows.py) names its document once the split is done.
        keyed_by_input = table in TABLES and "document_id" not in TABLES[table].names
        row.setdefault("input_id" if keyed_by_input else "document_id", self.id)
        row.setdefault("source_path", self.path)
        if "span_start" in row and row["span_start"] is not None:
            if "page" not in row or row["page"] is None:
                row["page"] = self.page_at(row["span_start"])
            if "part" not in row or row["part"] is None:
                part = self.part_at(row["span_start"])
                row["part"] = part.index if part else None
        if extra := unknown_columns(table, row):
            raise ValueError(f"table {table}: undocumented columns {extra}")
        self.rows.setdefault(table, []).append(row)
        return row


@dataclass
class QuarantineEntry:
    """An input (or a document) that was not published, and why."""

    source_path: str
    reason: str  # short, stable reason ("empty file", "encrypted", ...)
    stage: str  # stage that refused it
    detail: str = ""  # longer explanation; never personal data in clear
    input_id: str | None = None  # sha256 of the input, when it could be read
    document_id: str | None = None  # the one document of the input held back, when not the whole input
