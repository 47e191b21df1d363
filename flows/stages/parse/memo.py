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


def _label_budget(label: str) -> int:
    """Edits tolerated in a label: none for short ones ("Aan", "Van", "Via"
    are common words), one per six letters beyond that."""
    return 0 if len(label) <= 5 else min(2, len(label) // 6)


def find_field_labels(text: str, start: int, end: int) -> list[LabelHit]:
    """Labels of header fields in text[start:end], in order, not
    overlapping, OCR-tolerant for long labels ("Onze Reference",
    "Piandatum"). A short label ("Aan", "Van", "Via") is also an ordinary
    word, so it counts only at the start of a line or at a seam where OCR
    glued it to the word before ("02uAan"); a long one may also follow a
    space ("Plandatum Deadline Kamer"). Either must be followed by a line
    end, a space or a colon (or, for a long label, a capital or digit where
    OCR glued the value to it)."""
    window = text[start:end]
    lowered = fold(window)
    hits: list[LabelHit] = []
    for spec in memo_spec().fields:
        for label in spec.labels:
            short = len(label) <= 5
            for s, e, _ in fuzzy_find(window, label, lowered, budget=_label_budget(label)):
                s, e = s + start, e + start
                if text[s].isupper() != label[0].isupper():
                    continue
                prev = text[s - 1] if s > start else "\n"
                seam = (prev.islower() or prev.isdigit()) and text[s].isupper()
                if not (prev == "\n" or seam or (prev == " " and not short)):
                    continue
                nxt = text[e] if e < len(text) else "\n"
                if not (nxt in " \n:" or (not short and (nxt.isupper() or nxt.isdigit()))):
                    continue  # "CC" in "CCM" is no label
                hits.append(LabelHit(s, e, spec, text[s:e]))
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
    word) nor follows another heading, with a capitalised line after it."""
    s, e = lines[i]
    words = text[s:e].split()
    if not (2 <= len(words) <= 10 and len(text[s:e]) <= 70 and words[0][:1].isupper()):
        return False
    if words[0][:1] in "•-–*" or re.match(r"^[a-z]$", words[0]):
        return False
    if words[-1].lower() in _FUNCTION_WORDS:
        return False
    if i == 0 or i + 1 >= len(lines) or (i - 1) in headings:
        return False
    prev_words = text[lines[i - 1][0] : lines[i - 1][1]].split()
    if prev_words and prev_words[-1].lower() in _FUNCTION_WORDS:
        return False
    nxt = text[lines[i + 1][0] : lines[i + 1][1]].lstrip()
    return nxt[:1].isupper()


# OCR reads the bullet "•" as "¢", "«" or "*" now and then.
_BULLET_RE = re.compile(r"^\s*[•●▪◦·\-–*¢«]\s+", re.MULTILINE)
_ACTION_RE = re.compile(r"^(?P<label>Action\s+\d+|Actie\s+\d+)\b", re.MULTILINE)
_SUBITEM_RE = re.compile(r"^(?P<label>[a-h])\s+(?=[A-Za-z])", re.MULTILINE)
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
    last field of a block, the next non-empty line."""
    if i + 1 < len(block):
        return strip_span(text, block[i].end, block[i + 1].start)
    s = block[i].end
    while s < limit and text[s].isspace():
        s += 1
    e = text.find("\n", s, limit)
    e = limit if e < 0 else e
    if _section_heading_re().match(text[s:e].strip()):
        return block[i].end, block[i].end
    return strip_span(text, s, e)


def parse_memo(doc: Document, part: Part) -> None:
    """Add `memo_fields` and `memo_sections` rows for a memo part.

    The margin may come anywhere in the OCR text (before the body, or after
    it when OCR reads the columns one after the other): the header is the
    block with the most distinct fields; other blocks repeat fields as a
    running header and are left out of the section text, as are repeated
    letterheads."""
    text = doc.text
    start, end = part.span
    spec = memo_spec()
    blocks = _blocks(text, find_field_labels(text, start, end))
    header = max(blocks, key=lambda b: len({h.field.name for h in b}), default=[])
    excluded: list[tuple[int, int]] = []
    for block in blocks:
        last = _value_span(text, block, len(block) - 1, end)
        excluded.append((block[0].start, max(last[1], block[-1].end)))

    first_section = _section_heading_re().search(text, start, end)
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
    """The line(s) under the memo's kind and above its first section: the
    subject, where the margin does not stand in between."""
    for a, _b in excluded:
        if s <= a < e:
            e = a
    s, e = strip_span(doc.text, s, e)
    if e > s:
        doc.add_row("memo_fields", {"part": part.index, "span_start": s, "span_end": e, "field": "Onderwerp",
                                    "label": None, "value": " ".join(doc.text[s:e].split())})


def _parse_header(doc: Document, part: Part, labels: list[LabelHit], limit: int) -> None:
    text = doc.text
    spec = memo_spec()
    seen: set[str] = set()
    for i, hit in enumerate(labels):
        if hit.field.name in seen:
            continue
        seen.add(hit.field.name)
        v_start, v_end = _value_span(text, labels, i, limit)
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


def _parse_sections(doc: Document, part: Part, start: int, end: int,
                    excluded: list[tuple[int, int]], letterhead: str) -> None:
    text = doc.text
    heading_re = _section_heading_re()
    lines = [
        (s, e) for s, e in _lines(text, start, end)
        if not any(a <= s < b for a, b in excluded) and text[s:e].strip() != letterhead
    ]
    headings: dict[int, str] = {}
    for i, (s, e) in enumerate(lines):
        line = text[s:e].strip()
        if m := heading_re.match(line):
            headings[i] = m.group("name")
        elif any(mk.kind == "withheld_heading" for mk in find_markers(line)) or _is_free_heading(text, lines, i, set(headings)):
            headings[i] = line
    order = sorted(headings)
    for k, i in enumerate(order):
        body = list(range(i + 1, order[k + 1] if k + 1 < len(order) else len(lines)))
        name = headings[i]
        if not body:
            continue
        s, e = lines[body[0]][0], lines[body[-1]][1]
        body_text = "\n".join(text[lines[j][0] : lines[j][1]] for j in body)
        doc.add_row("memo_sections", {"part": part.index, "span_start": s, "span_end": e, "section": name,
                                      "kind": "section", "item": 0, "label": None, "text": body_text})
        _add_items(doc, part, name, [lines[j] for j in body])


def _add_items(doc: Document, part: Part, section: str, lines: list[tuple[int, int]]) -> None:
    """Bullets ("•") and quoted actions ("Action 11", with sub-items "a",
    "b") as rows of their own."""
    text = doc.text
    items: list[tuple[str, str, int]] = []  # (kind, label, line index)
    action = None
    for j, (s, e) in enumerate(lines):
        line = text[s:e]
        if _BULLET_RE.match(line):
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
