"""The one document model that flows through every stage, and the schemas of
every published table.

Stages take a `Document` and fill it in: ingest sets the bytes and raw text,
extraction adds `pages`, normalisation and correction rewrite `text` through
`apply_edits` (which keeps every span consistent), splitting adds `parts`,
and parsers and checks append rows to `rows`. Everything here is plain,
picklable data, because documents are processed in worker processes and only
plain data crosses a process boundary.

The schemas in `TABLES` are the contract with users: the README's table
reference is generated from them (see `tests/test_readme.py`), and publishing
refuses a row that does not fit.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

# --------------------------------------------------------------------------
# Page geometry (PDF inputs). Coordinates are PDF points, origin bottom-left,
# boxes as (x0, y0, x1, y1). Colours are RGB in 0..1; None means unknown
# (pattern or an unsupported colour space).

BBox = tuple[float, float, float, float]
RGB = tuple[float, float, float]


def luminance(rgb: RGB | None) -> float | None:
    """Relative luminance (ITU-R BT.709), so that "dark" means the same
    whatever colour space the PDF used."""
    if rgb is None:
        return None
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@dataclass
class Glyph:
    """One character as painted on the page."""

    text: str
    bbox: BBox
    color: RGB | None  # fill colour of the glyph
    render_mode: int  # PDF text render mode: 0 fill, 3 invisible, 7 clip ...
    alpha: float  # fill alpha from the ExtGState /ca in force (1.0 = opaque)
    order: int  # paint order on the page (content-stream order, 0-based)
    font: str = ""
    size: float = 0.0


@dataclass
class Shape:
    """A painted rectangle or path."""

    bbox: BBox
    kind: str  # "rect" | "curve" | "line"
    filled: bool
    stroked: bool
    fill_color: RGB | None
    stroke_color: RGB | None
    alpha: float  # fill alpha (ExtGState /ca)
    order: int
    linewidth: float = 0.0
    pattern: bool = False  # filled with a pattern (e.g. cross-hatching)


@dataclass
class PageImage:
    """An image XObject (or inline image) placed on the page."""

    bbox: BBox
    order: int
    width_px: int
    height_px: int
    mean_luminance: float | None = None  # None when it could not be decoded


@dataclass
class Annotation:
    subtype: str  # "Redact", "Square", "Highlight", ...
    bbox: BBox
    color: RGB | None
    interior_color: RGB | None = None
    contents: str = ""


@dataclass
class OcrWord:
    """A word recognised by OCR, with its box in page points and Tesseract's
    confidence (0-100)."""

    text: str
    bbox: BBox
    confidence: float


@dataclass
class Page:
    """One page of a PDF input after extraction."""

    number: int  # 1-based, the real page number (not pdfminer's pageid)
    width: float
    height: float
    engine: str  # "pdfminer.six" | "tesseract"
    engine_version: str
    text: str  # the page's raw text as the engine gave it
    ocr_confidence: float | None = None  # mean word confidence where OCR ran
    glyphs: list[Glyph] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    images: list[PageImage] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    ocr_words: list[OcrWord] = field(default_factory=list)
    # Span of this page in Document.text; kept up to date by apply_edits.
    span: tuple[int, int] = (0, 0)


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
    kind: str  # key in flows/data/part_kinds.toml, e.g. "kamervragen_antwoorden"
    visibility: str  # "public" | "internal"
    span: tuple[int, int]
    diwoo_type: str | None = None  # DiWoo/TOOI document type id
    ocr_like: bool = False  # text came from OCR or looks like it
    title: str = ""
    uncorrected: str | None = None  # the part's text before OCR correction


@dataclass
class Document:
    """A release input on its way through the stages."""

    id: str  # sha256 of the bytes
    path: str  # source path as given (resolved)
    size: int
    media_type: str  # "text/plain" | "application/pdf"
    encoding: str | None = None  # for text inputs
    raw_text: str = ""  # the text as extracted, before any normalisation
    text: str = ""  # current text; all spans refer to it
    pages: list[Page] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Seconds each stage took on this document, for the run's logs.
    stage_seconds: dict[str, float] = field(default_factory=dict)
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
        """Append a row with its provenance filled in from the span."""
        row.setdefault("document_id", self.id)
        row.setdefault("source_path", self.path)
        if "span_start" in row and row["span_start"] is not None:
            if "page" not in row or row["page"] is None:
                row["page"] = self.page_at(row["span_start"])
            if "part" not in row or row["part"] is None:
                part = self.part_at(row["span_start"])
                row["part"] = part.index if part else None
        self.rows.setdefault(table, []).append(row)
        return row


@dataclass
class QuarantineEntry:
    """An input (or a document) that was not published, and why."""

    source_path: str
    reason: str  # short, stable reason ("empty file", "encrypted", ...)
    stage: str  # stage that refused it
    detail: str = ""  # longer explanation; never personal data in clear
    document_id: str | None = None


# --------------------------------------------------------------------------
# Published tables


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])


def _c(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> Column:
    return Column(name, type_, doc, nullable)


S, I, F, B = pa.string(), pa.int64(), pa.float64(), pa.bool_()
D = pa.date32()

PROVENANCE = (
    _c("document_id", S, "sha256 of the input file's bytes", False),
    _c("source_path", S, "path of the input file as read", False),
)
PART = _c("part", I, "index of the part within its document (0-based); null where not in a part")
SPAN = (
    _c("span_start", I, "start offset (characters) in the document's published text"),
    _c("span_end", I, "end offset (exclusive) in the document's published text"),
)
PAGE = _c("page", I, "1-based page number for PDF inputs; null for text inputs")
WHERE = (*PROVENANCE, PART, *SPAN, PAGE)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "documents",
            "One row per published input document.",
            (
                *PROVENANCE,
                _c("size_bytes", I, "size of the input file"),
                _c("media_type", S, "text/plain or application/pdf"),
                _c("encoding", S, "detected text encoding (text inputs)"),
                _c("page_count", I, "number of pages (PDF inputs)"),
                _c("ocr_page_share", F, "share of pages whose text came from OCR (PDF inputs)"),
                _c("char_count", I, "length of the published text"),
                _c("part_count", I, "number of parts the document was split into"),
                _c("text", S, "the published (normalised, corrected) text"),
                _c("raw_text", S, "the text as extracted, before normalisation and correction"),
                _c("status", S, "published, or published_with_findings under --allow-findings"),
            ),
        ),
        Table(
            "pages",
            "One row per page of a PDF input.",
            (
                *PROVENANCE,
                _c("page", I, "1-based page number", False),
                _c("width", F, "page width in PDF points"),
                _c("height", F, "page height in PDF points"),
                _c("engine", S, "pdfminer.six or tesseract: what made the page's text"),
                _c("engine_version", S, "version of that engine"),
                _c("ocr_confidence", F, "mean Tesseract word confidence (0-100) where OCR ran"),
                _c("char_count", I, "characters of text on the page"),
                *SPAN,
                _c("text", S, "the page's published text"),
            ),
        ),
        Table(
            "parts",
            "The parts a document was split into, each with one visibility.",
            (
                *PROVENANCE,
                _c("part", I, "index of the part within its document (0-based)", False),
                _c("kind", S, "kamervragen_antwoorden, beslisnota or document"),
                _c("visibility", S, "public or internal"),
                _c("diwoo_type", S, "DiWoo/TOOI document type id"),
                _c("title", S, "the part's first line or heading"),
                *SPAN,
                _c("page_start", I, "first page of the part (PDF inputs)"),
                _c("page_end", I, "last page of the part (PDF inputs)"),
                _c("ocr_like", B, "text came from OCR or looks like OCR output"),
                _c("text", S, "the part's published text"),
                _c("raw_text", S, "the part's text before OCR correction"),
                _c("correction_count", I, "number of OCR corrections made in the part"),
                _c("marker_count", I, "number of redaction markers found in the part"),
                _c("redaction_status", S, "redacted, no_redaction_needed or unredacted"),
                _c("no_redaction_reason", S, "why a part without markers needs none"),
            ),
        ),
        Table(
            "kamervragen",
            "Metadata of a set of written parliamentary questions and their answers.",
            (
                *PROVENANCE,
                PART,
                *SPAN,
                PAGE,
                _c("kamer", S, "Eerste Kamer or Tweede Kamer, where the text tells"),
                _c("vragenstellers", pa.list_(S), "members who asked the questions"),
                _c("partijen", pa.list_(S), "party of each vragensteller, in the same order"),
                _c("datum_gesteld", D, "date the questions were asked (medegedeeld/ingezonden)"),
                _c("geadresseerden", pa.list_(S), "ministers the questions were addressed to"),
                _c("beantwoord_door", S, "minister who answered"),
                _c("mede_namens", pa.list_(S), "ministers on whose behalf the answer was also given"),
                _c("datum_ontvangen", D, "date the answers were received"),
                _c("onderwerp", S, "subject of the questions"),
                _c("vraag_count", I, "number of questions"),
            ),
        ),
        Table(
            "qa",
            "One row per question (Vraag) with its answer (Antwoord).",
            (
                *WHERE,
                _c("vraag_nr", I, "number of the question", False),
                _c("vraag", S, "text of the question"),
                _c("antwoord", S, "text of the answer"),
                _c("antwoord_kind", S, "answer, reference (only refers to other answers) or answer_with_reference"),
                _c("see_vraag_nrs", pa.list_(I), "questions whose answer this answer refers to"),
                _c("combined_with", pa.list_(I), "other questions answered together with this one"),
                _c("vraag_span_start", I, "start of the question text"),
                _c("vraag_span_end", I, "end of the question text"),
                _c("antwoord_span_start", I, "start of the answer text"),
                _c("antwoord_span_end", I, "end of the answer text"),
            ),
        ),
        Table(
            "memo_fields",
            "Header fields of internal memos (beslisnota's).",
            (
                *WHERE,
                _c("field", S, "canonical field name (Datum, Onze Referentie, Aan, ...)", False),
                _c("label", S, "the label as it stands in the text"),
                _c("value", S, "the field's value; null when the text leaves it empty"),
                _c("value_date", D, "the value as an ISO date, for date fields"),
                _c("ground_code", S, "Woo ground when the value is a redaction stamp (the first, if several)"),
            ),
        ),
        Table(
            "memo_sections",
            "Body sections of internal memos, with one row per bullet or quoted action.",
            (
                *WHERE,
                _c("section", S, "Aanleiding, Geadviseerd besluit, Kernpunten, Toelichting, ...", False),
                _c("kind", S, "section (whole text), bullet or action (a quoted action)"),
                _c("item", I, "1-based number of the bullet or action; 0 for a whole section"),
                _c("label", S, "the item's own label, e.g. 'Action 11' or 'a'"),
                _c("text", S, "the text"),
            ),
        ),
        Table(
            "markers",
            "Redaction markers found in the text: ground codes, ground labels and withheld-passage headings.",
            (
                *WHERE,
                _c("kind", S, "code, unknown_code (not in the registry; ground_code null), label or withheld_heading"),
                _c("matched_text", S, "the text that matched"),
                _c("ground_code", S, "the Woo/Wob ground code it maps to"),
                _c("label", S, "the registry label of that ground"),
                _c("match", S, "exact or ocr_tolerant"),
                _c("distance", I, "edit distance to the registry spelling (0 when exact)"),
            ),
        ),
        Table(
            "removals",
            "Places where text was withheld: stamps in place of text, withheld passages, boxes.",
            (
                *WHERE,
                _c("kind", S, "stamp (a ground label in place of text), withheld_passage, box, placeholder"),
                _c("ground_code", S, "ground given for the removal; null when none"),
                _c("field", S, "memo field the removal sits in, where it does"),
                _c("char_count", I, "characters of published text the removal stands for"),
            ),
        ),
        Table(
            "corrections",
            "Every change the OCR corrector made, for audit.",
            (
                *WHERE,
                _c("before", S, "the text before correction"),
                _c("after", S, "the text after correction"),
                _c("score", F, "log-probability score of the chosen candidate"),
                _c("margin", F, "score margin over the next best candidate (or keeping the word)"),
                _c("reason", S, "confusion, document_lexicon, split, language, ..."),
            ),
        ),
        Table(
            "personal_data",
            "Personal data found in the text. The value is never stored in clear.",
            (
                *WHERE,
                _c("kind", S, "email, phone, bsn, iban, postcode, birth_date, name"),
                _c("recogniser", S, "which recogniser found it"),
                _c("masked", S, "masked rendering of the value"),
                _c("value_hash", S, "salted sha256 of the value, to count repeats"),
                _c("visibility", S, "visibility of the part it was found in"),
            ),
        ),
        Table(
            "redactions",
            "Redaction boxes on PDF pages (vector boxes and boxes found in scans).",
            (
                *PROVENANCE,
                PART,
                PAGE,
                _c("box", I, "index of the box on its page", False),
                _c("x0", F, "left, PDF points"),
                _c("y0", F, "bottom, PDF points"),
                _c("x1", F, "right, PDF points"),
                _c("y1", F, "top, PDF points"),
                _c("source", S, "vector (a painted shape), overlay (a dark image laid over text) or image (found in a scan)"),
                _c("style", S, "black, grey, colour, outlined, hatched (pattern fill) or light (a white-out over text)"),
                _c("color", S, "box colour as #rrggbb"),
                _c("area", F, "area in square points"),
                _c("label", S, "text stamped on the box"),
                _c("ground_code", S, "ground parsed from the label; null when none is readable"),
                _c("text_under", B, "whether text lies under the box (null for boxes found in a scan: there is no text layer under them)"),
            ),
        ),
        Table(
            "findings",
            "Problems found by the checks, with a severity. Values are masked.",
            (
                _c("finding_id", S, "stable id: hash of document, check and location", False),
                *WHERE,
                _c("check", S, "name of the check that raised it", False),
                _c("severity", S, "high, medium, low or info", False),
                _c("message", S, "what is wrong; personal data masked"),
                _c("masked", S, "masked rendering of the value concerned, if any"),
                _c("value_hash", S, "salted sha256 of that value"),
                _c("box", pa.list_(F), "x0, y0, x1, y1 on the page, for PDF findings"),
                _c("allowed", B, "published anyway under --allow-findings"),
            ),
        ),
        Table(
            "redaction_summary",
            "Per document: markers, removals, boxes and findings, and the share withheld.",
            (
                *PROVENANCE,
                _c("markers_by_ground", S, "JSON object: ground code -> number of markers"),
                _c("removals", I, "number of removals"),
                _c("boxes_by_ground_style", S, "JSON object: 'ground/style' -> number of boxes"),
                _c("findings_by_severity", S, "JSON object: severity -> number of findings"),
                _c("findings_by_check", S, "JSON object: check -> number of findings"),
                _c("withheld_share", F, "estimated share of the text withheld (0..1)"),
            ),
        ),
        Table(
            "quarantine",
            "Inputs and documents that were not published, and why.",
            (
                _c("source_path", S, "path of the input", False),
                _c("document_id", S, "sha256 of the input when it could be read"),
                _c("stage", S, "the stage that refused it", False),
                _c("reason", S, "short reason", False),
                _c("detail", S, "longer explanation; personal data masked"),
            ),
        ),
    )
}


def table_rows_fit(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Build a pyarrow table with the published schema; unknown columns are an
    error, so that a stage cannot publish something the README does not
    document."""
    schema = TABLES[table].schema
    names = set(schema.names)
    for r in rows:
        extra = set(r) - names
        if extra:
            raise ValueError(f"table {table}: undocumented columns {sorted(extra)}")
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        # pyarrow's message quotes the value, which can be a document's text.
        raise ValueError(f"table {table}: a row does not fit its schema ({type(e).__name__})") from None


def tables_markdown() -> str:
    """The README's table reference, generated from TABLES so that the two
    cannot drift apart (tests/test_readme.py compares them)."""
    out: list[str] = []
    for t in TABLES.values():
        out.append(f"### `{t.name}`\n\n{t.doc}\n\n| column | type | meaning |\n|---|---|---|")
        for c in t.columns:
            out.append(f"| `{c.name}` | {c.type} | {c.doc}{'' if c.nullable else ' (never null)'} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(tables_markdown(), end="")
