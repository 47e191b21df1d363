"""Parse e-mail messages: one `emails` row per message, the messages a
thread quotes included.

A printed or exported e-mail is a header block ("Van:", "Verzonden:",
"Aan:", "CC:", "Onderwerp:", "Bijlagen:" or their English labels,
`flows/registry/email_headers.toml`) and a body; a reply quotes the message
it answers below its own text, under another header block (often after a
separator line such as "-----Original Message-----"), or after an intro line
("Op ... schreef ...:", "On ... wrote:"). Each quoted message is a row of
its own, pointing at the message that quotes it (`parent_email`), with its
depth in the thread (`thread_position`).

The split stage cuts a bundle where an e-mail header begins after running
text, so a thread can reach this parser as several parts: a part that opens
with a header block continues the thread of the e-mail part before it when
a separator line stands before that header, or when the message before it
answers or forwards the same subject ("RE: Overleg" above "Overleg"); a
part that begins on a page whose numbering starts again begins a thread.
Within a part, every message after the first is quoted in the one before:
two separate e-mails with no running text between them, which the split
stage leaves in one part, read as one thread.

Extracted text is untidy: header values wrap onto the next line, pdfminer
puts blank lines between the lines of a header and may give the labels of a
header table first and their values after, and OCR damages labels
("0nderwerp"). Labels are therefore matched within a small edit distance,
and a line without a label belongs to the header while a field is still
waiting for its value or another field follows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rapidfuzz.distance import Levenshtein

from flows.model import Document, Part, strip_span
from flows.registry.email_headers import HeaderField, email_headers
from flows.registry.matching import fold, stamp_markers
from flows.stages.parse.dates import parse_datetime

# A header line: a short label at the line start (after any ">" quote
# marks), then a colon; OCR reads the colon as a semicolon now and then.
_LABEL_LINE = re.compile(r"^[ \t>]*(?P<label>[\w(][\w() .'-]{0,28}?)[ \t]*[:;]", re.MULTILINE)
# A line that only draws a rule, as Outlook does above a quoted header.
_RULE_LINE = re.compile(r"^[ \t>]*[_\-=]{8,}[ \t]*$")
_QUOTE_MARKS = re.compile(r"^(?:[ \t]*>)+[ \t]?", re.MULTILINE)
# A file's size after its name in an attachment list: "verslag.pdf (120 KB)".
_FILE_SIZE = re.compile(r"\s*[(\[]\s*\d+(?:[.,]\d+)?\s*[KMG]?B\s*[)\]]", re.IGNORECASE)
_FILE_NAME = re.compile(r"\.\w{2,5}\s*$")
# Fields of an e-mail's head: a header block counts when it holds two of
# them, the sender or the sent date among them.
_HEAD_FIELDS = ("sender", "recipients", "subject", "sent")
# Plain lines a field may continue over before the next label of its block.
_MAX_WRAP = 2
# A value this long may have been wrapped by the print's value column.
_WRAP_WIDTH = 45


def _label_budget(label: str) -> int:
    """Edits tolerated in a label: none for short ones ("Van", "Aan", "To",
    "CC" are parts of ordinary words), one for most, two for long ones."""
    return 0 if len(label) <= 5 else 1 if len(label) < 12 else 2


@cache
def _labels() -> tuple[tuple[str, HeaderField], ...]:
    """Every label, folded, with its field."""
    reg = email_headers()
    return tuple((fold(lb), f) for f in (*reg.fields, reg.other) for lb in f.labels)


@dataclass(frozen=True)
class LabelHit:
    field: HeaderField
    value_start: int  # position after the colon


def _closest(written: str, extra: int) -> HeaderField | None:
    """The field of the label `written` is closest to, within the label's
    budget plus `extra` edits; None for no label, or, when `extra` edits
    are allowed, for two fields equally close ("Vaa" might be "Van" or
    "Aan")."""
    scored: list[tuple[int, HeaderField]] = []
    for label, f in _labels():
        budget = _label_budget(label) + extra
        d = Levenshtein.distance(written, label, score_cutoff=budget)
        if d <= budget:
            scored.append((d, f))
    if not scored:
        return None
    best = min(d for d, _ in scored)
    closest = [f for d, f in scored if d == best]
    if extra and len({f.name for f in closest}) > 1:
        return None
    return closest[0]


def match_label(text: str, start: int, end: int, in_header: bool = False) -> LabelHit | None:
    """The header label that opens the line text[start:end], if any.

    Inside a header block, where a label is expected, OCR damage is
    tolerated further: a short label may be one edit off ("ce" for "CC")
    when no other label is as close, and a long label may have lost its
    colon ("Onderwerp Planning")."""
    m = _LABEL_LINE.match(text, start, end)
    if m:
        written = " ".join(fold(m.group("label")).split())
        found = _closest(written, 0)
        if found is None and in_header and len(written) <= 5:
            found = _closest(written, 1)
        if found is not None:
            return LabelHit(found, m.end())
    if in_header:
        words = list(re.finditer(r"\S+", text[start:end]))
        for n in (1, 2):
            if len(words) > n:
                written = fold(" ".join(w.group() for w in words[:n]))
                if len(written) > 5 and (found := _closest(written, 0)) is not None:
                    return LabelHit(found, start + words[n - 1].end())
    return None


@cache
def _separator_re() -> re.Pattern[str]:
    phrases = "|".join(re.escape(s) for s in email_headers().separators)
    return re.compile(rf"^[ \t>]*[-_=*]*[ \t]*(?:{phrases})[ \t]*[-_=*]*[ \t]*:?[ \t]*$", re.IGNORECASE)


def is_separator(line: str) -> bool:
    """A line that stands above a quoted or forwarded message's header."""
    return bool(_separator_re().match(line) or _RULE_LINE.match(line))


@dataclass(frozen=True)
class Intro:
    when: str
    who: str
    lines: int  # 1, or 2 where the intro is wrapped


def match_intro(lines: list[str], i: int) -> Intro | None:
    """An intro line ("Op ... schreef X:", "On ... X wrote:") at lines[i],
    perhaps wrapped onto the next line; it counts only with a date in it."""
    first = _QUOTE_MARKS.sub("", lines[i]).strip()
    if not re.match(r"(?i)o[np]\s", first):
        return None
    candidates = [(first, 1)]
    if i + 1 < len(lines):
        candidates.append((first + " " + _QUOTE_MARKS.sub("", lines[i + 1]).strip(), 2))
    for text, n in candidates:
        for pattern in email_headers().intros:
            if (m := pattern.match(text)) and parse_datetime(m.group("when")):
                return Intro(m.group("when").strip(), m.group("who").strip(), n)
    return None


@dataclass
class Message:
    start: int  # where the message begins: its header, or its intro line
    head_end: int  # where its header (or intro) ends and its body begins
    values: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # field -> spans of its value
    labelled: list[str] = field(default_factory=list)  # fields with a label line, in order
    intro: Intro | None = None
    led_in: bool = False  # a separator or intro line stands before it
    end: int = 0


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    pos = start
    for line in text[start:end].split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _content(text: str, s: int, e: int) -> tuple[int, int]:
    """A line's span without the quote marks (">") before it and without
    whitespace at either end."""
    while s < e and text[s] in " \t>":
        s += 1
    return strip_span(text, s, e)


def _continues(value: str, f: HeaderField, line: str, wrapped: bool) -> bool:
    """Whether a line after a block's last label still belongs to that
    label's value: a value that ends in a list separator, a line that reads
    as more addresses or file names, or, for a long subject, the rest of it
    (`wrapped`: the line follows the value without a blank line and ends
    the header)."""
    if value.rstrip().endswith((",", ";")):
        return True
    if f.kind in ("list", "files"):
        return "@" in line or ";" in line or bool(f.kind == "files" and _FILE_NAME.search(line))
    return f.kind == "text" and wrapped and len(value) >= _WRAP_WIDTH and not line.rstrip().endswith((",", ":"))


def find_messages(text: str, start: int, end: int) -> list[Message]:
    """The messages in text[start:end], in text order: every header block
    that holds an e-mail's head, and every intro line of a quoted message."""
    spans = _line_spans(text, start, end)
    lines = [text[s:e] for s, e in spans]
    hits = [match_label(text, s, e) for s, e in spans]
    messages: list[Message] = []
    block: Message | None = None
    pending: list[str] = []  # labelled fields still waiting for a value
    last: str | None = None  # the field the last label line opened
    blank_since_label = False
    led_in = False

    def close() -> None:
        nonlocal block, pending, last
        if block is not None:
            fields = {f for f in block.labelled if block.values.get(f)}
            if len(fields & set(_HEAD_FIELDS)) >= 2 and fields & {"sender", "sent"}:
                messages.append(block)
        block, pending, last = None, [], None

    def next_label(i: int) -> LabelHit | None:
        """The label line after plain line i, past blanks and at most
        _MAX_WRAP - 1 more plain lines; None when there is none."""
        plain = 0
        for j in range(i + 1, len(lines)):
            if hit := hits[j] or match_label(text, *spans[j], in_header=True):
                return hit
            if _content(text, *spans[j])[0] < spans[j][1]:
                plain += 1
                if plain >= _MAX_WRAP:
                    return None
        return None

    def ends_header(i: int) -> bool:
        """Whether line i is the header's last: a blank line, a label or the
        end follows it."""
        return i + 1 >= len(lines) or hits[i + 1] is not None or _content(text, *spans[i + 1])[0] == spans[i + 1][1]

    i = 0
    while i < len(lines):
        s, e = spans[i]
        line = lines[i]
        hit = hits[i] or (match_label(text, s, e, in_header=True) if block is not None else None)
        if hit:
            name = hit.field.name if hit.field.kept else None
            if block is not None and name is not None and name in block.labelled:
                close()  # a field again: the next message's header
            if block is None:
                block = Message(start=s, head_end=e, led_in=led_in)
                led_in = False
            if name is not None:
                block.labelled.append(name)
                value = strip_span(text, hit.value_start, e)
                block.values[name] = [value] if value[1] > value[0] else []
                if value[1] == value[0]:
                    pending.append(name)
            last = name
            block.head_end = e
            blank_since_label = False
        elif _content(text, s, e)[0] == e:  # blank, or quote marks only
            blank_since_label = block is not None
        elif is_separator(line):
            close()
            led_in = True
        elif intro := match_intro(lines, i):
            close()
            e = spans[i + intro.lines - 1][1]
            messages.append(Message(start=s, head_end=e, intro=intro, led_in=True))
            i += intro.lines
            continue
        elif block is not None:
            value_span = _content(text, s, e)
            ahead = next_label(i)
            between = ahead is not None and (not ahead.field.kept or ahead.field.name not in block.labelled)
            if pending and (between or len(pending) > 1 or not blank_since_label):
                # A label without a value takes the next line: a value set
                # under its label, or the values column of a header table.
                block.values[pending.pop(0)].append(value_span)
                block.head_end = e
                blank_since_label = False
            elif last is not None and (between or _continues(
                    _value(text, block.values[last]), email_headers().field(last), line,
                    wrapped=not blank_since_label and ends_header(i))):
                block.values[last].append(value_span)
                block.head_end = e
                blank_since_label = False
            elif last is None and between:
                block.head_end = e  # the wrapped value of a label not kept
            else:
                close()
            led_in = False
        else:
            led_in = False
        i += 1
    close()
    for k, msg in enumerate(messages):
        msg.end = _body_end(text, msg.head_end, messages[k + 1].start if k + 1 < len(messages) else end)
    return messages


def _body_end(text: str, start: int, end: int) -> int:
    """The end of a message's own text: before the blank lines (quote marks
    only, too) and separator lines that lead into the next message."""
    spans = [(s, e) for s, e in _line_spans(text, start, end) if _content(text, s, e)[0] < e]
    while spans and (is_separator(text[spans[-1][0]:spans[-1][1]])):
        spans.pop()
    return spans[-1][1] if spans else start


# --------------------------------------------------------------------------
# Values


def _marker_spans(value: str) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in stamp_markers(value) if m.kind in ("code", "label")]


def _cuts(value: str, separators: str) -> list[str]:
    """`value` cut at the given separator characters, but never inside a
    redaction marker ("art. 5.1, tweede lid, onder e")."""
    inside = _marker_spans(value)
    out, pos = [], 0
    for k, ch in enumerate(value):
        if ch in separators and not any(s <= k < e for s, e in inside):
            out.append(value[pos:k])
            pos = k + 1
    out.append(value[pos:])
    return [p.strip() for p in out if p.strip()]


def _name_part(entry: str) -> str:
    """An entry without its address ("Karel <k.jansen@x.nl>" -> "Karel")."""
    return re.split(r"[<(\[]", entry, maxsplit=1)[0].strip().strip("'\"")


def _is_given_name(entry: str) -> bool:
    """The second half of "Achternaam, Voornaam": one capitalised word or
    initials, then only lower-case words (the tussenvoegsel of "Wit, Petra
    de"), perhaps with an address after it."""
    words = _name_part(entry).split()
    return bool(words) and words[0][:1].isupper() and "@" not in words[0] and all(w.islower() for w in words[1:])


def _is_surname(entry: str) -> bool:
    """The first half of "Achternaam, Voornaam": a name without an address."""
    name = _name_part(entry)
    return bool(name) and name == entry.strip() and "@" not in name and name[:1].isupper()


def split_addresses(value: str) -> list[str]:
    """Entries of an address list: cut at ";" always (and at ":", which no
    name or address holds: OCR reads ";" as ":" now and then), and at ","
    except where it joins "Achternaam, Voornaam" ("Jansen, Karel
    <k.jansen@x.nl>", "Wit, Petra de")."""
    out: list[str] = []
    for piece in _cuts(value, ";:"):
        segments = _cuts(piece, ",")
        k = 0
        while k < len(segments):
            seg = segments[k]
            if (k + 1 < len(segments) and not _marker_spans(seg) and _is_surname(seg)
                    and _is_given_name(segments[k + 1])):
                seg = f"{seg}, {segments[k + 1]}"
                k += 1
            out.append(seg)
            k += 1
    return out


def split_files(value: str) -> list[str]:
    """File names of an attachment list, without their sizes: cut at ";",
    and at "," only where every piece is a file name."""
    out: list[str] = []
    for piece in _cuts(value, ";"):
        piece = _FILE_SIZE.sub("", piece).strip()
        segments = [_FILE_SIZE.sub("", s).strip() for s in _cuts(piece, ",")]
        out += segments if len(segments) > 1 and all(_FILE_NAME.search(s) for s in segments) else [piece]
    return [p for p in out if p]


def _reply_core(subject: str | None) -> tuple[str, bool]:
    """A subject without its reply/forward prefixes ("RE: FW: Overleg" ->
    "overleg"), and whether it had any."""
    prefixes = "|".join(re.escape(p) for p in email_headers().reply_prefixes)
    core, n = re.subn(rf"^\s*(?:(?:{prefixes})\s*(?:\[\d+\])?\s*:\s*)+", "", subject or "", flags=re.IGNORECASE)
    return " ".join(core.casefold().split()), n > 0


# --------------------------------------------------------------------------
# Rows


def _value(text: str, spans: list[tuple[int, int]]) -> str:
    return " ".join(" ".join(text[s:e] for s, e in spans).split())


def message_row(text: str, msg: Message) -> dict[str, Any]:
    """The emails columns a message gives by itself (no place in a thread)."""
    reg = email_headers()
    row: dict[str, Any] = {"sent_at": None, "sent_date": None}
    values = {name: _value(text, spans) for name, spans in msg.values.items()}
    if msg.intro:
        values = {"sender": msg.intro.who, "sent": msg.intro.when}
    redacted: list[str] = []
    grounds: list[str] = []
    for f in reg.fields:
        column = "sent_text" if f.name == "sent" else f.name
        if f.name not in values:
            row[column] = None
            continue
        value = values[f.name]
        if f.kind == "list":
            entries = split_addresses(value)
        elif f.kind == "files":
            entries = split_files(value)
        else:
            entries = [value] if value else []
        row[column] = entries if f.kind in ("list", "files") else (entries[0] if entries else None)
        markers = [m for entry in entries for m in stamp_markers(entry) if m.kind in ("code", "label")]
        if markers:
            redacted.append(column)
        for m in markers:
            if m.ground is not None and m.ground.code not in grounds:
                grounds.append(m.ground.code)
    if row.get("sent_text") and (parsed := parse_datetime(row["sent_text"])):
        moment = parsed[0]
        if isinstance(moment, dt.datetime):
            row["sent_at"] = moment.isoformat(timespec="seconds" if moment.second else "minutes")
            row["sent_date"] = moment.date()
        else:
            row["sent_at"] = moment.isoformat()
            row["sent_date"] = moment
    row["redacted_fields"] = redacted
    row["ground_codes"] = grounds
    body_start, body_end = strip_span(text, msg.head_end, max(msg.head_end, msg.end))
    body = _QUOTE_MARKS.sub("", text[body_start:body_end]).strip()
    row["body"] = body or None
    return row


def _continues_thread(doc: Document, part: Part, first: Message, row: dict[str, Any]) -> dict[str, Any] | None:
    """The last message of the part before, when `first` (the first message
    of this part) is quoted in it: the split stage cut the thread there."""
    if part.index == 0 or (part.boundary or "").startswith("page:"):
        return None  # the page itself says a new document begins
    before = doc.parts[part.index - 1]
    previous = [r for r in doc.rows.get("emails", []) if r.get("part") == before.index]
    if before.document_type != "email" or not previous:
        return None
    last = previous[-1]
    if first.led_in:
        return last
    tail = [ln for ln in doc.text[before.span[0] : first.start].split("\n") if ln.strip()]
    if tail and is_separator(tail[-1]):
        return last
    core, replied = _reply_core(last.get("subject"))
    if replied and core and core == _reply_core(row.get("subject"))[0]:
        return last
    return None


def parse_emails(doc: Document, part: Part) -> None:
    """Add an `emails` row for every message of an e-mail part, in text
    order; each message after the first of a part is quoted in the one
    before it, and the first may continue the thread of the part before."""
    text = doc.text
    messages = find_messages(text, *part.span)
    parent: dict[str, Any] | None = None
    for k, msg in enumerate(messages):
        row = message_row(text, msg)
        if k == 0:
            parent = _continues_thread(doc, part, msg, row)
        s, e = strip_span(text, msg.start, max(msg.end, msg.head_end))
        index = len(doc.rows.get("emails", []))
        row.update(
            part=part.index, span_start=s, span_end=e, email=index,
            parent_email=parent["email"] if parent else None,
            thread_position=parent["thread_position"] + 1 if parent else 0,
        )
        parent = doc.add_row("emails", row)
