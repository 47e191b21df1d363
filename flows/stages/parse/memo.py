"""Parse an internal memo (beslisnota): its kind, the header fields of the
Rijkshuisstijl margin, and the body sections with their bullets and quoted
actions.

OCR scrambles the margin: labels and values come out in reading order of the
columns, labels are damaged ("Onze Reference", "Uiterlljk bij") and glued to
the word before them ("02uAan", "levenssfeerAfgestemd met"). So labels are
found OCR-tolerantly, also at a lower-to-upper-case seam, and a field's value
is the text between its label and the next label: "as far as the text
allows", never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flows.model import Document, Part, strip_span
from flows.registry.matching import find_markers, fold, fuzzy_find
from flows.registry.memo_fields import FieldSpec, memo_spec
from flows.stages.parse.dates import parse_date


@dataclass(frozen=True)
class LabelHit:
    start: int
    end: int
    field: FieldSpec
    text: str
    # A short label at the end of a body line ("TER BESLISSING Van"): OCR
    # put a margin label on the baseline of the body's line. It counts only
    # beside other labels, and its value is the line under it.
    weak: bool = False


def _label_budget(label: str) -> int:
    """Edits tolerated in a label: none for short ones ("Aan", "Van", "Via"
    are common words), one per six letters beyond that."""
    return 0 if len(label) <= 5 else min(2, len(label) // 6)


def _alone_on_its_line(text: str, s: int, e: int, start: int) -> bool:
    """Nothing but the label (and a colon) on its line."""
    prev = text[s - 1] if s > start else "\n"
    rest = text[e : text.find("\n", e) if "\n" in text[e:] else len(text)]
    return prev == "\n" and rest.strip() in ("", ":")


def find_field_labels(text: str, start: int, end: int) -> list[LabelHit]:
    """Labels of header fields in text[start:end], in order, not
    overlapping, OCR-tolerant for long labels ("Onze Reference",
    "Piandatum"). A short label ("Aan", "Van", "Via") is also an ordinary
    word, so it counts only at the start of a line or at a seam where OCR
    glued it to the word before ("02uAan"); a long one may also follow a
    space ("Plandatum Deadline Kamer"). Either must be followed by a line
    end, a space or a colon (or, for a long label, a capital or digit where
    OCR glued the value to it). A five-letter label ("Datum") may carry one
    OCR error ("Datnm") where it stands alone on its line, as a margin
    label does. A short label that ends a body line is a weak hit (see
    `LabelHit`)."""
    window = text[start:end]
    lowered = fold(window)
    hits: list[LabelHit] = []
    for spec in memo_spec().fields:
        for label in spec.labels:
            short = len(label) <= 5
            budget = _label_budget(label)
            alone_budget = max(budget, 1) if len(label) >= 5 else budget
            for s, e, d in fuzzy_find(window, label, lowered, budget=alone_budget):
                s, e = s + start, e + start
                if d > budget and not _alone_on_its_line(text, s, e, start):
                    continue
                # OCR reads "O" as "0": only a letter's case can disagree.
                if text[s].isalpha() and text[s].isupper() != label[0].isupper():
                    continue
                prev = text[s - 1] if s > start else "\n"
                seam = (prev.islower() or prev.isdigit()) and text[s].isupper()
                nxt = text[e] if e < len(text) else "\n"
                weak = short and prev == " " and nxt == "\n"
                if not (prev == "\n" or seam or (prev == " " and not short) or weak):
                    continue
                if not (nxt in " \n:" or (not short and (nxt.isupper() or nxt.isdigit()))):
                    continue  # "CC" in "CCM" is no label
                hits.append(LabelHit(s, e, spec, text[s:e], weak))
    # Longest label wins where two overlap ("Onze Referentie" over "Referentie").
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[LabelHit] = []
    for h in hits:
        if out and h.start < out[-1].end:
            continue
        out.append(h)
    return out


@cache
def _section_heading_re() -> re.Pattern[str]:
    names = "|".join(re.escape(s) for s in memo_spec().sections)
    return re.compile(rf"^(?P<name>{names})\s*$", re.MULTILINE)


_FUNCTION_WORDS = frozenset(
    ["de", "het", "een", "en", "of", "van", "aan", "in", "op", "met", "voor", "door", "bij", "om", "te", "tot", "als", "dat", "die", "dit", "is", "zijn", "naar", "over", "the", "of", "and", "to", "a", "an", "in", "on", "for", "by", "with"]
)


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    pos = start
    for line in text[start:end].split("\n"):
        s, e = pos, pos + len(line)
        if line.strip():
            out.append((s, e))
        pos = e + 1
    return out


def _is_free_heading(text: str, lines: list[tuple[int, int]], i: int, headings: set[int]) -> bool:
    """A heading not in the registry: a short capitalised line that neither
    continues the sentence before it (the line before ends in a function
    word) nor follows another heading, with a capitalised line after it.
    A sub-heading over bullets ("Casus", "Kaders" under "Toelichting") may
    be one word and follow a heading; a line with a comma in it, or as long
    as the body line after it, is running text."""
    s, e = lines[i]
    line = text[s:e].strip()
    words = line.split()
    if i == 0 or i + 1 >= len(lines) or not words:
        return False
    nxt = text[lines[i + 1][0] : lines[i + 1][1]].strip()
    over_bullets = bool(_BULLET_RE.match(nxt))
    if not (1 <= len(words) <= 10 and len(line) <= 70 and words[0][:1].isupper()):
        return False
    if len(words) == 1 and not (over_bullets and len(line) >= 4 and line.isalpha()):
        return False
    if words[0][:1] in "•-–*" or re.match(r"^[a-z]$", words[0]) or "," in line:
        return False
    if words[-1].lower() in _FUNCTION_WORDS:
        return False
    if (i - 1) in headings and not over_bullets:
        return False
    if not over_bullets and len(nxt) >= 50 and len(line) >= 0.85 * len(nxt):
        return False  # a wrapped line of a paragraph
    prev_words = text[lines[i - 1][0] : lines[i - 1][1]].split()
    if prev_words and prev_words[-1].lower() in _FUNCTION_WORDS:
        return False
    return nxt[:1].isupper() or over_bullets


# OCR reads the bullet "•" as "¢", "«", "©" or "*" now and then; a PDF set in
# the Symbol font gives its bullet as the private-use "\uf0b7".
_BULLET_RE = re.compile(r"^\s*[•●▪◦·\-–*¢«©\uf0b7\uf0a7]\s+", re.MULTILINE)
_ACTION_RE = re.compile(r"^(?P<label>Action\s+\d+|Actie\s+\d+)\b", re.MULTILINE)
_SUBITEM_RE = re.compile(r"^(?P<label>[a-h])\s+(?=[A-Za-z])", re.MULTILINE)
_COLON = re.compile(r"[ \t]*:")
# Two labels further apart than this belong to different blocks (the
# margin of page 1, a running header on page 2).
_BLOCK_GAP = 200


def _blocks(text: str, labels: list[LabelHit]) -> list[list[LabelHit]]:
    """Group label hits into blocks of fields that stand together; a section
    heading or a long stretch of text between two labels separates them."""
    heading_re = _section_heading_re()
    blocks: list[list[LabelHit]] = []
    for hit in labels:
        if blocks:
            gap = text[blocks[-1][-1].end : hit.start]
            if len(gap) <= _BLOCK_GAP and not heading_re.search(gap):
                blocks[-1].append(hit)
                continue
        blocks.append([hit])
    return blocks


def _value_span(text: str, block: list[LabelHit], i: int, limit: int) -> tuple[int, int]:
    """A field's value: the text up to the next label of its block; for the
    last field of a block, or a weak label, the next non-empty line. The
    colon of "Aan: SCM" is the label's, not the value's."""
    s = block[i].end
    if colon := _COLON.match(text, s, limit):
        s = colon.end()
    if i + 1 < len(block) and not block[i].weak:
        return strip_span(text, min(s, block[i + 1].start), block[i + 1].start)
    if i + 1 < len(block):
        limit = block[i + 1].start
    while s < limit and text[s].isspace():
        s += 1
    e = text.find("\n", s, limit)
    e = limit if e < 0 else e
    if _section_heading_re().match(text[s:e].strip()):
        return block[i].end, block[i].end
    return strip_span(text, s, e)


def _nonempty_lines(text: str, s: int, e: int) -> list[tuple[int, int]]:
    return [strip_span(text, a, b) for a, b in _lines(text, s, e)]


def block_values(text: str, block: list[LabelHit], limit: int) -> list[tuple[int, int]]:
    """The value span of each field of a block.

    OCR may read a margin column by column: labels alone on their lines one
    under the other ("Datum / Onze referentie / Aan"), then their values in
    the same order. Such a run of labels with nothing between them takes
    the lines after its last label one each, the last label the rest; only
    when there are enough lines for all, else the values stay as found (a
    stamp OCR could not read leaves a field empty rather than shifting the
    others)."""
    spans = [_value_span(text, block, i, limit) for i in range(len(block))]
    i = 0
    while i < len(block):
        j = i
        while (j + 1 < len(block) and spans[j][1] <= spans[j][0]
               and _alone_on_its_line(text, block[j].start, block[j].end, 0)):
            j += 1
        if j > i and _alone_on_its_line(text, block[j].start, block[j].end, 0):
            k = j - i + 1
            if j + 1 < len(block):
                lines = _nonempty_lines(text, block[j].end, block[j + 1].start)
            else:  # the block's last field: as many lines as the run needs
                lines = [x for x in _nonempty_lines(text, block[j].end, limit)[:k]
                         if not _section_heading_re().match(text[x[0] : x[1]])]
            if len(lines) >= k:
                for t in range(k - 1):
                    spans[i + t] = lines[t]
                spans[j] = (lines[k - 1][0], lines[-1][1])
        i = j + 1
    return spans


def parse_memo(doc: Document, part: Part) -> None:
    """Add `memo_fields` and `memo_sections` rows for a memo part.

    The margin may come anywhere in the OCR text (before the body, or after
    it when OCR reads the columns one after the other): the header is the
    block with the most distinct fields; other blocks repeat fields as a
    running header and are left out of the section text, as are repeated
    letterheads. A block of nothing but a field that is also a section's
    name ("Bijlagen") is that section, and one of nothing but weak hits is
    running text ("de leden Van / Houwelingen")."""
    text = doc.text
    start, end = part.span
    spec = memo_spec()
    sections = set(spec.sections)
    blocks = [b for b in _blocks(text, find_field_labels(text, start, end))
              if not all(h.field.name in sections or h.weak for h in b)]
    header = max(blocks, key=lambda b: len({h.field.name for h in b}), default=[])
    # Each field from its label to the end of its value: text between two
    # fields that is neither (a body line OCR put among them) stays.
    excluded = [(h.start, max(h.end, v[1])) for block in blocks
                for h, v in zip(block, block_values(text, block, end), strict=True)]

    first_section = next((m for m in _section_heading_re().finditer(text, start, end)
                          if not any(a <= m.start() < b for a, b in excluded)), None)
    top_end = first_section.start() if first_section else end
    kind = re.search(r"\b(" + "|".join(re.escape(k) for k in spec.kinds) + r")\b", text[start:top_end])
    if kind:
        doc.add_row(
            "memo_fields",
            {"part": part.index, "span_start": start + kind.start(), "span_end": start + kind.end(),
             "field": "Soort", "label": None, "value": kind.group(1)},
        )
        _subject(doc, part, start + kind.end(), top_end, excluded)
    _parse_header(doc, part, header, end)
    if first_section:
        letterhead = part.title
        _parse_sections(doc, part, first_section.start(), end, excluded, letterhead)


def _subject(doc: Document, part: Part, s: int, e: int, excluded: list[tuple[int, int]]) -> None:
    """The memo's subject: of the text between its kind and its first
    section, the stretch nearest the first section that the margin leaves
    (in the Rijkshuisstijl the subject stands right above the body; a line
    above the margin's fields is the sender's unit)."""
    stretches = [(s, e)]
    for a, b in sorted(excluded):
        stretches = [piece for x, y in stretches
                     for piece in ((x, min(y, a)), (max(x, b), y)) if piece[1] > piece[0]]
    spans = [strip_span(doc.text, x, y) for x, y in stretches]
    spans = [(x, y) for x, y in spans if y > x]
    if spans:
        x, y = spans[-1]
        doc.add_row("memo_fields", {"part": part.index, "span_start": x, "span_end": y, "field": "Onderwerp",
                                    "label": None, "value": " ".join(doc.text[x:y].split())})


def _parse_header(doc: Document, part: Part, labels: list[LabelHit], limit: int) -> None:
    text = doc.text
    spec = memo_spec()
    seen: set[str] = set()
    for hit, (v_start, v_end) in zip(labels, block_values(text, labels, limit), strict=True):
        if hit.field.name in seen:
            continue
        seen.add(hit.field.name)
        value = " ".join(text[v_start:v_end].split()) or None
        row = {"part": part.index, "span_start": hit.start, "span_end": v_end if value else hit.end,
               "field": hit.field.name, "label": hit.text, "value": value}
        if value:
            empty = next((e for e in spec.empty_values if re.match(e, value, re.IGNORECASE)), None)
            if empty:
                # "n v t" followed by text: the rest is the memo's subject,
                # which OCR put after the last field.
                m = re.match(empty, value, re.IGNORECASE)
                assert m is not None  # `empty` was chosen because it matches
                rest = value[m.end() :].strip()
                row["value"] = value[: m.end()]
                if rest:
                    rest_start = text.find(rest.split()[0], v_start)
                    doc.add_row("memo_fields", {"part": part.index, "span_start": rest_start, "span_end": v_end,
                                                "field": "Onderwerp", "label": None, "value": rest})
                    row["span_end"] = rest_start
            if hit.field.type == "date":
                d = parse_date(value)
                row["value_date"] = d[0] if d else None
            grounds = [m.ground.code for m in find_markers(value) if m.ground is not None]
            row["ground_code"] = grounds[0] if grounds else None
        doc.add_row("memo_fields", row)


@cache
def _furniture_re() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{x})" for x in memo_spec().furniture), re.IGNORECASE)


def _parse_sections(doc: Document, part: Part, start: int, end: int,
                    excluded: list[tuple[int, int]], letterhead: str) -> None:
    """Sections under their headings, with their bullets and actions. A
    registry section whose text is all sub-sections ("Toelichting" over
    "Casus", "Kaders") gets the whole of it, its items going to the
    sub-sections. Page furniture (page and footnote numbers) is no text."""
    text = doc.text
    heading_re = _section_heading_re()
    furniture = _furniture_re()
    lines = [
        (s, e) for s, e in _lines(text, start, end)
        if not any(a <= s < b for a, b in excluded) and text[s:e].strip() != letterhead
        and not furniture.fullmatch(text[s:e].strip())
    ]
    headings: dict[int, str] = {}
    registered: set[int] = set()
    for i, (s, e) in enumerate(lines):
        line = text[s:e].strip()
        if m := heading_re.match(line):
            headings[i] = m.group("name")
            registered.add(i)
        elif any(mk.kind == "withheld_heading" for mk in find_markers(line)) or _is_free_heading(text, lines, i, set(headings)):
            headings[i] = line
    order = sorted(headings)
    for k, i in enumerate(order):
        body = list(range(i + 1, order[k + 1] if k + 1 < len(order) else len(lines)))
        name = headings[i]
        if not body:
            if i in registered:
                _whole_section(doc, part, name, [lines[j] for j in range(i + 1, _next(registered, i, len(lines)))])
            continue
        s, e = lines[body[0]][0], lines[body[-1]][1]
        body_text = "\n".join(text[lines[j][0] : lines[j][1]] for j in body)
        doc.add_row("memo_sections", {"part": part.index, "span_start": s, "span_end": e, "section": name,
                                      "kind": "section", "item": 0, "label": None, "text": body_text})
        _add_items(doc, part, name, [lines[j] for j in body])


def _next(registered: set[int], i: int, default: int) -> int:
    return min((j for j in registered if j > i), default=default)


def _whole_section(doc: Document, part: Part, name: str, lines: list[tuple[int, int]]) -> None:
    """A registry section's row over all its sub-sections (headings
    included), without items of its own."""
    if lines:
        text = doc.text
        doc.add_row("memo_sections", {"part": part.index, "span_start": lines[0][0], "span_end": lines[-1][1],
                                      "section": name, "kind": "section", "item": 0, "label": None,
                                      "text": "\n".join(text[a:b] for a, b in lines)})


def _add_items(doc: Document, part: Part, section: str, lines: list[tuple[int, int]]) -> None:
    """Bullets ("•") and quoted actions ("Action 11", with sub-items "a",
    "b") as rows of their own. A dash at a line start is a bullet only
    after a finished sentence: "– kort gezegd –" in the middle of one is an
    aside that the line break put first."""
    text = doc.text
    items: list[tuple[str, str, int]] = []  # (kind, label, line index)
    action = None
    for j, (s, e) in enumerate(lines):
        line = text[s:e]
        if m := _BULLET_RE.match(line):
            before = text[lines[j - 1][0] : lines[j - 1][1]].rstrip() if j else ""
            if m.group(0).strip() in ("-", "–") and before[-1:] not in ("", ".", ":", ";", "!", "?"):
                continue
            items.append(("bullet", "", j))
        elif m := _ACTION_RE.match(line):
            action = m.group("label")
            items.append(("action", action, j))
        elif action and (m := _SUBITEM_RE.match(line)):
            items.append(("action", f"{action} {m.group('label')}", j))
    counters: dict[str, int] = {}
    for k, (kind, label, j) in enumerate(items):
        last = items[k + 1][2] - 1 if k + 1 < len(items) else len(lines) - 1
        s, e = lines[j][0], lines[last][1]
        body = "\n".join(text[a:b] for a, b in lines[j : last + 1])
        if kind == "bullet":
            body = _BULLET_RE.sub("", body, count=1)
        elif label:
            body = re.sub(r"^(?:Action|Actie)\s+\d+\s*|^[a-h]\s+", "", body, count=1)
        counters[kind] = counters.get(kind, 0) + 1
        doc.add_row("memo_sections", {"part": part.index, "span_start": s, "span_end": e, "section": section,
                                      "kind": kind, "item": counters[kind], "label": label or None,
                                      "text": " ".join(body.split())})
