"""Inventory lists (inventarislijsten): one `inventory` row per entry.

A list is a table, and the extracted text of a PDF table does not keep its
cells: pdfminer's text puts a cell on a line of its own where the gap to
the next is wide and glues it to its neighbour where the gap is narrow,
and Tesseract reads a scanned table column block by column block. So the
table is read from the page geometry instead, the same way for both: the
words with their boxes (pdfminer's glyphs joined into words, or the OCR
words), grouped into lines by height on the page. Spreadsheets (.csv,
.xlsx) and text inputs come as one line per row, their cells separated by
tabs (or, in a text file, by runs of spaces); those are read from the raw
text, where the separators survive normalisation.

The header row is the first line whose cells are, for the most part,
column names of the registry (`flows/registry/inventory_columns.toml`);
the header's cells fix where each column starts, and every word below it
goes to the column it starts in. A line with a value in the list's first
key column (the number, else the date, else the judgement) starts an
entry; a line without one continues it (a title wrapped over lines). A
page's table ends at a wide vertical gap (a page footer) or at the next
header (repeated on every page of most lists).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from flows.model import Document, Glyph, Page, Part
from flows.registry.grounds import find_codes, registry
from flows.registry.inventory_columns import inventory_spec
from flows.registry.matching import find_labels
from flows.stages.parse.dates import parse_date


@dataclass
class Token:
    """A word of a PDF line, or a cell of a tabbed line, with where it
    starts across the page (points, or the cell's index, or its character
    column) and, where known, its span in the published text."""

    text: str
    x0: float
    span: tuple[int, int] | None = None


@dataclass
class Line:
    tokens: list[Token]
    y: float  # top-down: points from the page's top, or the line's index
    height: float  # one line's height in the same unit
    page: int | None
    cells: bool  # tokens are whole cells (tabbed or aligned text): a header cell is one token
    tolerance: float  # how far left of its column's start a token may begin
    whole_row: bool = False  # a spreadsheet row: an entry of its own, never the rest of one before it


# --------------------------------------------------------------------------
# Lines from the page geometry (PDF inputs)


def _glyph_words(page: Page) -> list[tuple[str, float, float, float, float]]:
    """Upright, visible glyphs joined into words: (text, x0, x1, top,
    height), top measured down from the page's top. Glyphs go into lines by
    their vertical centre; in a line, a space glyph or a gap of more than a
    fifth of the font size ends a word, and the same glyph painted twice in
    place (fake bold) counts once."""
    glyphs = [g for g in page.glyphs if g.render_mode != 3 and g.bbox[3] > g.bbox[1] and g.bbox[2] >= g.bbox[0]]
    rows: list[list[Glyph]] = []
    for g in sorted(glyphs, key=lambda g: -(g.bbox[1] + g.bbox[3]) / 2):
        size = g.bbox[3] - g.bbox[1]
        if rows and abs((rows[-1][0].bbox[1] + rows[-1][0].bbox[3]) / 2 - (g.bbox[1] + g.bbox[3]) / 2) < 0.3 * size:
            rows[-1].append(g)
        else:
            rows.append([g])
    words: list[tuple[str, float, float, float, float]] = []
    for row in rows:
        cur: list[Glyph] = []
        for g in sorted(row, key=lambda g: g.bbox[0]):
            size = g.bbox[3] - g.bbox[1]
            if cur and g.text == cur[-1].text and abs(g.bbox[0] - cur[-1].bbox[0]) < 0.15 * size:
                continue
            if cur and (g.text.isspace() or g.bbox[0] - cur[-1].bbox[2] > 0.2 * size):
                words.append(_word(cur, page.height))
                cur = []
            if not g.text.isspace():
                cur.append(g)
        if cur:
            words.append(_word(cur, page.height))
    return words


def _word(glyphs: list[Glyph], page_height: float) -> tuple[str, float, float, float, float]:
    top = max(g.bbox[3] for g in glyphs)
    return ("".join(g.text for g in glyphs), glyphs[0].bbox[0], glyphs[-1].bbox[2], page_height - top,
            top - min(g.bbox[1] for g in glyphs))


def page_lines(page: Page) -> list[Line]:
    """The page's words in lines, top to bottom, each line left to right."""
    if page.ocr_words:
        words = [(w.text, w.bbox[0], w.bbox[2], page.height - w.bbox[3], w.bbox[3] - w.bbox[1])
                 for w in page.ocr_words]
    else:
        words = _glyph_words(page)
    lines: list[list[tuple[str, float, float, float, float]]] = []
    for w in sorted(words, key=lambda w: w[3] + w[4] / 2):
        centre = w[3] + w[4] / 2
        if lines:
            last = lines[-1]
            last_centre = sum(v[3] + v[4] / 2 for v in last) / len(last)
            if abs(centre - last_centre) < 0.5 * min(w[4], max(v[4] for v in last)):
                last.append(w)
                continue
        lines.append([w])
    out = []
    for ws in lines:
        ws.sort(key=lambda w: w[1])
        height = sorted(v[4] for v in ws)[len(ws) // 2]
        out.append(Line([Token(t, a) for t, a, _, _, _ in ws], min(v[3] for v in ws), height, page.number,
                        cells=False, tolerance=0.6 * height))
    return out


# --------------------------------------------------------------------------
# Lines from text (spreadsheets, text inputs)

_SPACED = re.compile(r" {2,}")


def text_lines(doc: Document, part: Part) -> list[Line]:
    """The raw text's lines that fall in the part, as cells: split at tabs
    where the line has any (a spreadsheet row: a cell's place is its index),
    else at runs of two or more spaces (a table typed in a text file: a
    cell's place is its character column). Spans are mapped to the
    published text."""
    out: list[Line] = []
    to_published = doc.published_positions()
    pos = 0
    for index, raw in enumerate(doc.raw_text.split("\n")):
        start = pos
        pos += len(raw) + 1
        published = to_published(start)
        if not (part.span[0] <= published < part.span[1]) or not raw.strip():
            continue
        tokens = []
        if "\t" in raw:
            offset = 0
            for i, cell in enumerate(raw.split("\t")):
                if cell.strip():
                    s = start + offset + len(cell) - len(cell.lstrip())
                    tokens.append(Token(cell.strip(), i, (to_published(s), to_published(s + len(cell.strip())))))
                offset += len(cell) + 1
            tolerance = 0.0
        else:
            cuts = [0, *(x for m in _SPACED.finditer(raw) for x in (m.start(), m.end())), len(raw)]
            for a, b in zip(cuts[::2], cuts[1::2], strict=True):
                cell = raw[a:b]
                if cell.strip():
                    a += len(cell) - len(cell.lstrip())
                    b = start + a + len(cell.strip())
                    tokens.append(Token(cell.strip(), a, (to_published(start + a), to_published(b))))
            tolerance = 1.0
        out.append(Line(tokens, float(index), 1.0, doc.page_at(published), cells=True, tolerance=tolerance,
                        whole_row="\t" in raw))
    return out


# --------------------------------------------------------------------------
# The table


@dataclass(frozen=True)
class Column:
    x0: float
    name: str  # canonical column, or "remarks:<header>" for a header carried into remarks, or "" (unknown)
    header: str  # the list's own header


# Share of a PDF line's words that must be column names for a header.
HEADER_SHARE = 0.6


def header_columns(line: Line) -> list[Column] | None:
    """The columns a line names if it is a header row: at least the
    registry's minimum of distinct columns, the number or the title among
    them, and most of the line's words in its column names."""
    spec = inventory_spec()
    cols: list[Column] = []
    used = 0
    i = 0
    tokens = line.tokens
    while i < len(tokens):
        longest = 1 if line.cells else min(4, len(tokens) - i)
        for n in range(longest, 0, -1):
            header = " ".join(t.text for t in tokens[i : i + n])
            name = spec.column(header)
            if name is not None:
                cols.append(Column(tokens[i].x0, name, header))
                used += n
                i += n
                break
        else:
            # A word that names no column: a header the registry does not
            # know starts a column of its own in a spreadsheet; in a PDF
            # line it may be the rest of a wrapped header, and joins the
            # column before it.
            if line.cells:
                cols.append(Column(tokens[i].x0, "", tokens[i].text))
            i += 1
    names = {c.name for c in cols if c.name and not c.name.startswith("remarks:")}
    if len(names) < spec.min_header_columns or not names & {"number", "title"}:
        return None
    # A spreadsheet may have columns of its own beside the known ones; a
    # line of a PDF whose words are mostly not column names is text.
    if not line.cells and used < HEADER_SHARE * len(tokens):
        return None
    return cols


def _column_of(token: Token, cols: list[Column], tolerance: float) -> int:
    """The column a token starts in: the last whose start lies left of it."""
    found = 0
    for i, c in enumerate(cols):
        if c.x0 - tolerance <= token.x0:
            found = i
    return found


@dataclass
class Row:
    """One entry as read: the tokens of each column."""

    page: int | None
    cells: dict[int, list[Token]] = field(default_factory=dict)

    def text(self, i: int) -> str:
        return " ".join(t.text for t in self.cells.get(i, [])).strip()


# A vertical gap of more than this many line heights ends a page's table (a
# footer below it, a closing note).
TABLE_GAP_LINES = 4.0


def read_rows(lines: list[Line]) -> Iterator[tuple[list[Column], Row]]:
    """The entries below each header, with the header's columns.

    The table ends at a wide gap on its page (a footer, a closing note) and
    waits for the next header; a page that starts without one goes on with
    the columns of the last, for lists that do not repeat their header."""
    cols: list[Column] | None = None
    last: list[Column] | None = None
    row: Row | None = None
    prev: Line | None = None
    for line in lines:
        if prev is not None and line.page != prev.page:
            if row is not None and cols is not None:
                yield cols, row
            cols, row, prev = last, None, None
        if (found := header_columns(line)) is not None:
            if row is not None and cols is not None:
                yield cols, row
            cols = last = found
            row, prev = None, line
            continue
        if cols is None:
            continue
        if prev is not None and line.y - prev.y > TABLE_GAP_LINES * max(line.height, prev.height):
            if row is not None:
                yield cols, row
            cols, row, prev = None, None, line
            continue
        prev = line
        placed: dict[int, list[Token]] = {}
        for t in line.tokens:
            placed.setdefault(_column_of(t, cols, line.tolerance), []).append(t)
        if line.whole_row or _anchor(cols) in placed:
            if row is not None:
                yield cols, row
            row = Row(line.page, placed)
        elif row is not None:
            for i, ts in placed.items():
                row.cells.setdefault(i, []).extend(ts)
    if row is not None and cols is not None:
        yield cols, row


def _anchor(cols: list[Column]) -> int:
    """The column whose value starts an entry: the number, else the date,
    the judgement or the title (a header has the number or the title)."""
    names = [c.name for c in cols]
    return next(names.index(n) for n in ("number", "date", "judgement", "title") if n in names)


# --------------------------------------------------------------------------
# Values


def read_date(text: str) -> dt.date | None:
    """A listed date: ISO (what the spreadsheet reader writes), else as
    Dutch lists write it."""
    m = re.match(r"\s*(\d{4}-\d\d-\d\d)\b", text)
    if m:
        try:
            return dt.date.fromisoformat(m.group(1))
        except ValueError:
            pass
    found = parse_date(text)
    return found[0] if found else None


def read_grounds(text: str) -> list[str]:
    """The grounds in a grounds cell, in registry spelling and in the order
    written, each once: codes in every spelling (a bare "5.2" or "11.1"
    counts here, where nothing but grounds stands), else ground labels."""
    known = registry().grounds
    codes = [c.code for c in find_codes(text, bare=True) if c.known]
    if not codes:
        codes = [m.ground.code for m in find_labels(text) if m.ground is not None and m.ground.code in known]
    return list(dict.fromkeys(codes))


def _entry_span(doc: Document, row: Row, after: int) -> tuple[int, int] | None:
    """Where an entry stands in the published text: from its first word to
    its last, found at or after `after` on its page (PDF words carry no
    text position of their own)."""
    spans = [t.span for ts in row.cells.values() for t in ts if t.span is not None]
    if spans:
        return min(s[0] for s in spans), max(s[1] for s in spans)
    page = next((p for p in doc.pages if p.number == row.page), None)
    lo, hi = (max(after, page.span[0]), page.span[1]) if page else (after, len(doc.text))
    ordered = [t for i in sorted(row.cells) for t in row.cells[i]]
    first = _find_word(doc.text, ordered[0].text, lo, hi) if ordered else None
    if first is None:
        return None
    # The entry's words lie close together in the text, whatever order the
    # extraction gave its cells: a word found further on belongs to a later
    # entry.
    reach = min(hi, first[0] + 2 * sum(len(t.text) + 1 for t in ordered) + 40)
    end = first[1]
    for t in ordered[1:]:
        if (hit := _find_word(doc.text, t.text, first[0], reach)) is not None:
            end = max(end, hit[1])
    return first[0], end


def _find_word(text: str, word: str, lo: int, hi: int) -> tuple[int, int] | None:
    m = _whole_word(word).search(text, lo, hi)
    return (m.start(), m.end()) if m else None


@lru_cache(maxsize=4096)
def _whole_word(word: str) -> re.Pattern[str]:
    """`word` standing whole: no word character, dot or hyphen just before
    it, no word character or hyphen just after (compiled once per word: a
    list names its words on every row it is searched for)."""
    return re.compile(rf"(?<![\w.-]){re.escape(word)}(?![\w-])")


def parse_inventory(doc: Document, part: Part) -> None:
    """One `inventory` row per entry of the list in `part`."""
    spec = inventory_spec()
    pages = doc.pages_of(part)
    lines = [line for p in pages for line in page_lines(p)] if pages else text_lines(doc, part)
    cursor = part.span[0]
    entry = 0
    for cols, row in read_rows(lines):
        values: dict[str, str] = {}
        remarks: list[str] = []
        for i, c in enumerate(cols):
            text = row.text(i)
            if not text:
                continue
            if c.name.startswith("remarks:") or not c.name:
                remarks.append(f"{c.header}: {text}")
            elif c.name == "remarks":
                remarks.insert(0, text)
            else:
                values[c.name] = f"{values[c.name]} {text}" if c.name in values else text
        if len(values) < 2:
            continue  # a footer or a stray line below the table, not an entry
        span = _entry_span(doc, row, cursor)
        if span is not None:
            cursor = span[1]
        judgement_text = values.get("judgement")
        grounds_text = values.get("grounds")
        date_text = values.get("date")
        doc.add_row("inventory", {
            "part": part.index,
            "span_start": span[0] if span else None,
            "span_end": span[1] if span else None,
            "page": row.page,
            "entry": entry,
            "number": values.get("number"),
            "date": read_date(date_text) if date_text else None,
            "date_text": date_text,
            "title": values.get("title"),
            "judgement": spec.judgement(judgement_text) if judgement_text else None,
            "judgement_text": judgement_text,
            "grounds": read_grounds(grounds_text) if grounds_text else [],
            "grounds_text": grounds_text,
            "remarks": "; ".join(remarks) or None,
            "columns": json.dumps({c.header: c.name.split(":")[0] or None for c in cols}, ensure_ascii=False),
            "matched_document_id": None,  # joined at the release: checks/inventory.py
            "match_on": None,
        })
        entry += 1
