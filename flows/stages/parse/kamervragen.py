"""Parse the public answers to written Kamervragen: who asked what, of whom
and when, who answered, and each question with its answer.

The forms handled:

- headed: each question is repeated as "Vraag N" and followed by
  "Antwoord", "Antwoord N" or "Antwoord op vraag N" (the heading may carry
  the text on its own line: "Vraag 1 Bent u ...");
- combined: "Vraag 2 en 3" followed by one answer, or separate questions
  answered by "Antwoord 2 en 3", "Antwoord op vraag 2, 3 en 4",
  "Antwoord 2 t/m 4": one qa row per question, all pointing at the one
  answer;
- questions first: all questions, then the answers (headed "Antwoord N", in
  any order), or the Aanhangsel form where the questions are paragraphs
  numbered "1", "2" ... and the answers follow the "Antwoord van ..." line,
  numbered the same way;
- sub-questions: "Vraag 2a", "Vraag 2 a", or "a." / "b." paragraphs in both
  a question and its answer: one row per sub-question (`sub_vraag`);
- the Aanhangsel van de Handelingen as extracted from its PDF, where a lost
  line break leaves "Vraag 8" or "Antwoord 3" inside a paragraph: such a
  heading counts when it follows a sentence's end, is followed by a capital
  and continues the numbering;
- footnotes (at a page's foot or at the end: "1 Kamerbrief ...", "1)
  https://..."), kept out of the question and answer text and listed with
  the row whose text refers to them;
- postponement notices (uitstelbericht: "De vragen van het lid X ... kunnen
  niet binnen de gebruikelijke termijn worden beantwoord"): a kamervragen
  row of kind "uitstelbericht" and no qa rows.

An answer that refers to another ("Zie het antwoord op vraag 1", also at
the end of a longer answer) is resolved to the question it names, as
openkamer does with `see_answer_nr`. Numbering gaps, duplicates and
questions or answers without their counterpart are not judged here: the
kamervragen row lists the question and answer labels in text order, and
checks/text/kamervragen.py raises the findings.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from flows.model import Document, Part, strip_span
from flows.stages.parse.dates import parse_date

_NUMS = r"\d+(?:\s*(?:,|en|t/m|-)\s*\d+)*"
# A question's label: its number and, for a sub-question, a letter ("2a",
# "2 a"); a letter is no label when a word goes on ("2 en").
_SUB = r"[a-h](?![^\W\d_])"
_LABEL = rf"\d{{1,3}}(?:[ \t]?{_SUB})?"
_SEP = r"[ \t]*(?:,|&|\ben\b|t/m|tot[ \t]+en[ \t]+met|-|–)[ \t]*"
_LABELS = rf"{_LABEL}(?:{_SEP}(?:{_LABEL}|{_SUB}))*"
HEAD_RE = re.compile(
    rf"(?<![^\W\d_])(?P<word>Vra(?:ag|gen)|Antwoord(?:en)?)"
    rf"(?:[ \t]+op[ \t]+(?:de[ \t]+)?vra(?:ag|gen))?"
    rf"(?:[ \t]+(?P<labels>{_LABELS}))?"
    rf"(?P<colon>[ \t]*[:.])?[ \t]*"
)
# What may follow a heading on its own line: the question or answer text,
# which starts a sentence.
_TEXT_START = re.compile(r"[A-ZÀ-Ý„“‘\"'(\[]")
# Before a heading that a lost line break left inside a paragraph: the end
# of a sentence, perhaps with a footnote mark glued to it.
_SENTENCE_END = re.compile(r"[.?!:;)\]”\"’'…]\d{0,2}$")
# A paragraph of the Aanhangsel form: a label alone, or followed by its text.
NUMBERED_RE = re.compile(rf"^[ \t]*(?P<labels>{_LABELS})[.)]?(?:[ \t]*$|[ \t]+(?=[A-ZÀ-Ý„“‘\"'(]))", re.MULTILINE)
ANSWERS_LINE_RE = re.compile(r"^[ \t]*Antwoord(?:en)?[ \t]*:?[ \t]*$", re.MULTILINE)
SUB_PART_RE = re.compile(r"^[ \t]*(?P<sub>[a-h])[.)][ \t]+", re.MULTILINE)
REFERENCE_RE = re.compile(
    rf"\b[Zz]ie\s+(?:daarnaast\s+|ook\s+|verder\s+|hiervoor\s+)?(?:het\s+|mijn\s+)?antwoord(?:en)?\s+(?:op|bij)\s+"
    rf"(?:de\s+)?vra(?:ag|gen)\s+(?P<nums>{_NUMS})\.?",
)
# Eerste Kamer: "Vragen van ... op 17 juli 2023 medegedeeld aan ... over ...".
INTRO_RE = re.compile(
    r"Vragen van (?:het lid|de leden) (?P<askers>.+?)\s+(?:op|van)\s+(?P<date>\d{1,2}\s+\w+\s+\d{4})\s+"
    r"(?P<verb>medegedeeld|ingezonden|gesteld)\s+aan\s+(?P<addr>.+?)\s+over\s+(?P<subject>.+?)\.?\s*(?:\n\s*\n|\(|$)",
    re.DOTALL,
)
# Tweede Kamer (Aanhangsel): "Vragen van ... aan ... over ... (ingezonden
# 12 januari 2024, 2024Z00384)"; in a postponement notice "De vragen ...".
INTRO_TK_RE = re.compile(
    r"[Vv]ragen van (?:het lid|de leden) (?P<askers>.+?)(?:\s+aan\s+(?P<addr>.+?))?\s+over\s+(?P<subject>.+?)\s*"
    r"\((?P<verb>ingezonden|medegedeeld)(?:\s+op)?\s+(?P<date>\d{1,2}\s+\w+\s+\d{4})[^)]*\)",
    re.DOTALL,
)
_MINISTER = r"(?:[Mm]inister-[Pp]resident|[Mm]inister|[Ss]taatssecretaris)\b[^,(]*?(?:\s*\([^)]*\))?"
ANSWERED_RE = re.compile(
    rf"(?P<head>Antwoord(?:en)?|Mededeling) van (?:de |het )?(?P<who>{_MINISTER})"
    rf"(?:,?\s*mede namens (?P<also>[^(]+?))?\s*\((?:ontvangen|ingezonden)\s+(?P<date>[^)]+)\)",
    re.DOTALL,
)
UITSTEL_RE = re.compile(
    r"niet\s+binnen\s+de\s+(?:gebruikelijke\s+|gestelde\s+)?termijn\s+(?:van\s+(?:drie|3|zes|6)\s+weken\s+)?"
    r"(?:kunnen\s+)?(?:worden\s+)?beantwoord",
    re.IGNORECASE,
)
# The verb tells the chamber: Eerste Kamer questions are "medegedeeld",
# Tweede Kamer questions "ingezonden".
KAMER_BY_VERB = {"medegedeeld": "Eerste Kamer", "ingezonden": "Tweede Kamer"}

# A footnote: its number alone on a line (pdfminer puts it apart from its
# text) or before its text ("1 Kamerbrief ...", "1) https://...").
NOTE_LINE_RE = re.compile(r"[ \t]*(?P<nr>\d{1,2})(?:[ \t]*\))?(?:[ \t]+(?P<text>\S.*))?[ \t]*$")
NOTE_BLOCK_MAX_LINES = 30
_URL = re.compile(r"^(?:https?://|www\.)", re.IGNORECASE)

MAX_RANGE = 100

Label = tuple[int, str | None]


def parse_numbers(s: str) -> list[int]:
    """"2 en 3", "2, 3", "4 t/m 6" -> numbers."""
    return list(dict.fromkeys(n for n, _ in parse_labels(s)))


def parse_labels(s: str) -> list[Label]:
    """"2 en 3" -> [(2, None), (3, None)]; "2a en b" -> [(2, "a"), (2, "b")];
    "2 t/m 4" -> 2, 3, 4; "2a t/m 2c" -> 2a, 2b, 2c."""
    out: list[Label] = []
    in_range = False
    for m in re.finditer(rf"(?P<nr>\d{{1,3}})(?:[ \t]?(?P<sub>{_SUB}))?|(?P<lone>(?<![^\W\d_]){_SUB})|"
                         r"(?P<range>t/m|tot\s+en\s+met|-|–)", s):
        if m.group("range"):
            in_range = bool(out)
            continue
        label: Label = (int(m.group("nr")), m.group("sub")) if m.group("nr") else (out[-1][0] if out else 0, m.group("lone"))
        if not label[0]:
            continue
        if in_range and out:
            a, b = out[-1], label
            if a[1] and b[1] and a[0] == b[0]:
                out.extend((a[0], chr(c)) for c in range(ord(a[1]) + 1, ord(b[1]) + 1))
                in_range = False
                continue
            # A real range of questions is short; "1 t/m 99999999" is noise.
            out.extend((n, None) for n in range(a[0] + 1, min(b[0], a[0] + MAX_RANGE)))
        out.append(label)
        in_range = False
    return list(dict.fromkeys(out))


def label_text(label: Label) -> str:
    """(2, "a") -> "2a"."""
    return f"{label[0]}{label[1] or ''}"


def _one_line(s: str) -> str:
    return " ".join(s.split())


def split_names(s: str) -> list[str]:
    """"Nicolaï, Koffeman en Visseren-Hamakers" -> three names."""
    return [n.strip() for n in re.split(r",\s*|\s+en\s+", _one_line(s)) if n.strip()]


def parse_askers(s: str) -> tuple[list[str], list[str]]:
    """Names and their parties: "A, B en C (PvdD)" or "A (VVD) en B (D66)";
    a party in brackets applies to every name before it since the previous
    bracket."""
    names: list[str] = []
    parties: list[str] = []
    for m in re.finditer(r"(?P<names>[^()]+?)\s*\((?P<party>[^)]+)\)", s):
        group = split_names(re.sub(r"^\s*(?:,|en)\s+", "", m.group("names")))
        names += group
        parties += [m.group("party").strip()] * len(group)
    if not names:
        names = split_names(s)
        parties = [""] * len(names)
    return names, parties


def split_roles(s: str) -> list[str]:
    """"de minister van Defensie, de minister van Buitenlandse Zaken en de
    minister-president" -> roles; "en" inside a ministry's name stays."""
    roles = re.split(r",\s*|\s+en\s+(?=(?:de|het)\s)", _one_line(s))
    return [re.sub(r"^(?:de|het)\s+", "", r).strip() for r in roles if r.strip()]


# ---------------------------------------------------------------------------
# Footnotes


@dataclass(frozen=True)
class Note:
    nr: int
    span: tuple[int, int]  # the note, its number included
    text: str  # "1 Kamerbrief ..." on one line


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each line of text[start:end], newline excluded."""
    out = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        out.append((pos, stop))
        pos = stop + 1
    return out


def _is_mark_line(text: str, lines: list[tuple[int, int]], i: int) -> bool:
    """A footnote mark on a line of its own (pdfminer sets a superscript
    apart, on the line before the one it belongs to): inside a paragraph,
    so the line before does not end a sentence or the line after goes on in
    lower case; or right before a heading ("1" then "Vraag 2 ..."), the mark
    of a question's last line. A numbered paragraph of the Aanhangsel form
    (after a sentence, before a capital) is no mark."""
    before = text[lines[i - 1][0] : lines[i - 1][1]].rstrip() if i > 0 else ""
    after = text[lines[i + 1][0] : lines[i + 1][1]].lstrip() if i + 1 < len(lines) else ""
    return bool(
        after[:1].islower()
        or (before and not re.search(r"[.?!:;)”’\"']$", before))
        or ((m := HEAD_RE.match(after)) is not None and m.group("labels"))
    )


def _has_mark(text: str, lines: list[tuple[int, int]], upto: int, nr: int) -> bool:
    """Whether note `nr` is referred to before line `upto`: a mark glued to a
    word or sentence end ("toe.1", "NOS1)") or on a line of its own."""
    glued = _glued_mark(nr)
    for i in range(upto):
        s, e = lines[i]
        if text[s:e].strip() == str(nr) and _is_mark_line(text, lines, i):
            return True
        if glued.search(text, s, e):
            return True
    return False


def _glued_mark(nr: int) -> re.Pattern[str]:
    return re.compile(rf"(?<=[^\W\d_]|[.,;:?!)”’\"'])(?:{nr}\)?)(?=[\s.,;:)]|$)", re.MULTILINE)


def _note_block(text: str, lines: list[tuple[int, int]], first: int, region_end: int, expected: int) -> list[Note]:
    """The notes from line `first` to the region's end when they form a
    footnote block: numbered on from `expected`, the first referred to
    before the block (or an address: "1) https://..."), short as a page's
    foot is."""
    block = [ln for ln in lines[first:] if ln[0] < region_end]
    if len([ln for ln in block if text[ln[0] : ln[1]].strip()]) > NOTE_BLOCK_MAX_LINES:
        return []
    notes: list[tuple[int, int, int]] = []  # nr, start, end
    for s, e in block:
        m = NOTE_LINE_RE.match(text, s, e)
        if m and int(m.group("nr")) == (notes[-1][0] + 1 if notes else expected):
            notes.append((int(m.group("nr")), s, e))
        elif notes:
            notes[-1] = (notes[-1][0], notes[-1][1], e if text[s:e].strip() else notes[-1][2])
    if not notes or notes[0][1] != block[0][0]:
        return []
    out = []
    for nr, s, e in notes:
        body = _one_line(re.sub(r"^\s*\d{1,2}\s*\)?", "", text[s:e]))
        # A note starts like a sentence or an address; "1 januari 2024 ..."
        # at a line's start is running text.
        if not body or (body[0].islower() and not _URL.match(body)):
            return []
        out.append(Note(nr, (s, e), f"{nr} {body}"))
    # The first note vouches for the block (OCR may lose a later mark).
    return out if _has_mark(text, lines, first, out[0].nr) or _URL.match(out[0].text.split(" ", 1)[1]) else []


def find_footnotes(text: str, start: int, end: int, region_ends: list[int]) -> list[Note]:
    """The footnotes of text[start:end]: blocks of numbered notes that end
    a region (a page, or the part: `region_ends`), numbered on across the
    regions."""
    lines = _lines(text, start, end)
    notes: list[Note] = []
    first = 0  # the first line of the region
    for region_end in sorted({min(r, end) for r in region_ends if start < r} | {end}):
        last = bisect.bisect_left(lines, (region_end, region_end))
        for i in range(first, last):
            s, e = lines[i]
            m = NOTE_LINE_RE.match(text, s, e)
            expected = notes[-1].nr + 1 if notes else 1
            if m and int(m.group("nr")) == expected and (block := _note_block(text, lines, i, region_end, expected)):
                notes += block
                break
        first = last
    return notes


def _mark_lines(text: str, span: tuple[int, int], notes: list[Note]) -> list[tuple[int, int]]:
    """The lines of text[span] that hold only the mark of one of `notes`
    (with their newline)."""
    numbers = {str(n.nr) for n in notes}
    lines = _lines(text, *span)
    return [(s, min(e + 1, span[1])) for i, (s, e) in enumerate(lines)
            if text[s:e].strip() in numbers and _is_mark_line(text, lines, i)]


def _without(text: str, span: tuple[int, int], notes: list[Note]) -> tuple[tuple[int, int], str]:
    """The span without the notes at its end, and its text without any
    note inside it (a note at a page's foot interrupts the text) or a mark
    that extraction set on a line of its own."""
    start, end = span
    for n in sorted(notes, key=lambda n: -n.span[0]):
        if start <= n.span[0] < end and not text[n.span[1] : end].strip():
            end = n.span[0]
    start, end = strip_span(text, start, end)
    cut = sorted([n.span for n in notes if start <= n.span[0] and n.span[1] <= end] + _mark_lines(text, (start, end), notes))
    pieces, pos = [], start
    for s, e in cut:
        pieces.append(text[pos:s])
        pos = max(pos, e)
    pieces.append(text[pos:end])
    return (start, end), re.sub(r"\n\s*\n(?:\s*\n)+", "\n\n", "".join(pieces)).strip()


def _referred(text: str, spans: list[tuple[int, int]], leads: list[tuple[int, int]], notes: list[Note]) -> list[str]:
    """The notes whose mark stands in one of `spans` (outside the notes),
    or in `leads`: the mark lines set above a heading, marks all."""
    out = []
    for n in notes:
        glued = _glued_mark(n.nr)
        for span in spans:
            lines = [ln for ln in _lines(text, *span) if not n.span[0] <= ln[0] < n.span[1]]
            if any(glued.search(text, s, e) for s, e in lines) or any(
                text[s:e].strip() == str(n.nr) and _is_mark_line(text, lines, i) for i, (s, e) in enumerate(lines)
            ):
                out.append(n.text)
                break
        else:
            if any(text[s:e].strip() == str(n.nr) for lead in leads for s, e in _lines(text, *lead)):
                out.append(n.text)
    return out


def _leading_marks(text: str, pos: int, floor: int) -> int:
    """Where the mark lines right before a heading at `pos` begin (a
    superscript that pdfminer moved above the line it belongs to); `pos`
    when there are none or the heading stands inside a line."""
    if text[max(floor, text.rfind("\n", floor, pos) + 1) : pos].strip():
        return pos
    start = cursor = pos
    while cursor > floor and text[cursor - 1] == "\n":
        line_start = text.rfind("\n", floor, cursor - 1) + 1 or floor
        line = text[line_start : cursor - 1].strip()
        if re.fullmatch(r"\d{1,2}", line):
            start = line_start
        elif line:
            break
        cursor = line_start
    return start


# ---------------------------------------------------------------------------
# Headings and blocks


@dataclass
class Block:
    """A question or answer: its heading and its text."""

    kind: str  # vraag | antwoord
    labels: list[Label]
    start: int  # where its heading starts
    body: tuple[int, int]
    lead: tuple[int, int]  # footnote mark lines right before the heading, which belong to its text


def _in_notes(pos: int, notes: list[Note]) -> bool:
    return any(n.span[0] <= pos < n.span[1] for n in notes)


def find_heads(text: str, start: int, end: int, notes: list[Note]) -> list[tuple[str, list[Label], int, int]]:
    """(kind, labels, start, end) of every "Vraag N" / "Antwoord [N]"
    heading: at a line's start, or inside a paragraph after a sentence's end
    when it continues the numbering of its kind."""
    out: list[tuple[str, list[Label], int, int]] = []
    last = {"vraag": 0, "antwoord": 0}
    for m in HEAD_RE.finditer(text, start, end):
        if _in_notes(m.start(), notes):
            continue
        kind = "vraag" if m.group("word").startswith("Vra") else "antwoord"
        labels = parse_labels(m.group("labels")) if m.group("labels") else []
        eol = text.find("\n", m.end(), end)
        rest = text[m.end() : end if eol < 0 else eol]
        if labels:
            if rest.strip() and not _TEXT_START.match(rest):
                continue
        elif kind == "vraag" or (rest.strip() and (m.group("colon") or "").strip() != ":"):
            continue
        line = text[max(start, text.rfind("\n", start, m.start()) + 1) : m.start()]
        if line.strip() and not (labels and _SENTENCE_END.search(line.rstrip()) and labels[0][0] > last[kind]):
            continue
        if labels:
            last[kind] = max(last[kind], max(n for n, _ in labels))
        out.append((kind, labels, m.start(), m.end()))
    return out


def find_numbered(text: str, start: int, end: int, notes: list[Note]) -> list[tuple[str, list[Label], int, int]]:
    """The Aanhangsel form without headings: questions as paragraphs
    numbered "1", "2" ... (in order), then, after "Antwoord van ..." or an
    "Antwoord" line, the answers numbered the same way (in any order)."""
    intro = INTRO_TK_RE.search(text, start, end) or INTRO_RE.search(text, start, end)
    first = intro.end() if intro else start
    split = ANSWERED_RE.search(text, first, end) or ANSWERS_LINE_RE.search(text, first, end)
    if split is None:
        return []
    out: list[tuple[str, list[Label], int, int]] = []
    last = 0
    for m in NUMBERED_RE.finditer(text, first, split.start()):
        labels = parse_labels(m.group("labels"))
        nr, sub = labels[0] if labels else (0, None)
        # Questions are numbered on (3a, 3b share 3); a stray number (a
        # year, a page number) is not.
        if _in_notes(m.start(), notes) or not (last < nr <= last + 3 or (sub is not None and nr == last)):
            continue
        last = max(n for n, _ in labels)
        out.append(("vraag", labels, m.start(), m.end()))
    asked = {n for _, labels, _, _ in out for n, _ in labels}
    for m in NUMBERED_RE.finditer(text, split.end(), end):
        labels = parse_labels(m.group("labels"))
        if not _in_notes(m.start(), notes) and labels and all(n in asked for n, _ in labels):
            out.append(("antwoord", labels, m.start(), m.end()))
    return out if any(k == "vraag" for k, *_ in out) else []


def _blocks(
    text: str, start: int, end: int, heads: list[tuple[str, list[Label], int, int]], cuts: list[int]
) -> list[Block]:
    """Each heading's text runs to the next heading or cut (the answers'
    introduction line, a footnote block at the end), less the mark lines
    that belong to the next heading's text."""
    leads = [_leading_marks(text, s, heads[i - 1][3] if i else start) for i, (_, _, s, _) in enumerate(heads)]
    out = []
    for i, (kind, labels, s, e) in enumerate(heads):
        stop = leads[i + 1] if i + 1 < len(heads) else end
        stop = min([c for c in cuts if e <= c < stop], default=stop)
        out.append(Block(kind, labels, s, (e, stop), (leads[i], s)))
    return out


def _sub_parts(text: str, span: tuple[int, int]) -> dict[str, tuple[int, int]]:
    """"a." / "b)" paragraphs of a question or answer, when they run a, b,
    ... ; the text before "a." goes with "a"."""
    marks = list(SUB_PART_RE.finditer(text, *span))
    if len(marks) < 2 or [m.group("sub") for m in marks] != [chr(ord("a") + i) for i in range(len(marks))]:
        return {}
    bounds = [span[0]] + [m.start() for m in marks[1:]] + [span[1]]
    return {m.group("sub"): (bounds[i], bounds[i + 1]) for i, m in enumerate(marks)}


# ---------------------------------------------------------------------------
# Pairing questions and answers


@dataclass
class QA:
    """One answer (or, split into "a."/"b." paragraphs, one per
    sub-question) and the questions it answers."""

    keys: list[Label]
    start: int
    end: int
    antwoorden: dict[Label, tuple[int, int]]  # answer text per key: one span for a combined answer
    vragen: dict[Label, tuple[int, int]] = field(default_factory=dict)  # question text per key, where known
    leads: dict[Label, list[tuple[int, int]]] = field(default_factory=dict)  # mark lines before the headings

    @property
    def numbers(self) -> list[int]:
        return list(dict.fromkeys(n for n, _ in self.keys))

    def combined_with(self, key: Label) -> list[str]:
        """The other questions that share this key's answer."""
        return [label_text(k) for k in self.keys if k != key and self.antwoorden[k] == self.antwoorden[key]]


@dataclass
class Structure:
    """A part's questions and answers, and the labels as headed in the text."""

    qas: list[QA]
    vraag_labels: list[str]
    antwoord_labels: list[str]
    first_head: int | None
    notes: list[Note]


def references(body: str) -> tuple[list[int], str]:
    """The questions an answer refers to, and its kind: answer, reference
    (it only refers) or answer_with_reference."""
    refs = list(REFERENCE_RE.finditer(body))
    if not refs:
        return [], "answer"
    rest = REFERENCE_RE.sub("", body)
    kind = "reference" if not re.search(r"[^\W\d_]", rest) else "answer_with_reference"
    return [n for r in refs for n in parse_numbers(r.group("nums"))], kind


def pair(text: str, blocks: list[Block]) -> tuple[list[QA], list[str], list[str]]:
    """Answers matched to questions by label, not by place: an answer
    without a number answers the question right before it."""
    questions: dict[Label, Block] = {}
    vraag_labels: list[str] = []
    antwoord_labels: list[str] = []
    qas: list[QA] = []
    answered: set[Label] = set()
    previous: Block | None = None
    for b in blocks:
        if b.kind == "vraag":
            for key in b.labels:
                questions.setdefault(key, b)
                vraag_labels.append(label_text(key))
            previous = b
            continue
        labels = b.labels or (previous.labels if previous is not None and previous.kind == "vraag" else [])
        previous = b
        if not labels:
            antwoord_labels.append("")
            continue
        antwoord_labels += [label_text(k) for k in labels]
        qa = _answer(text, b, labels, questions)
        qa.keys = [k for k in qa.keys if k not in answered]
        answered.update(qa.keys)
        if qa.keys:
            qas.append(qa)
    return qas, vraag_labels, antwoord_labels


def _answer(text: str, b: Block, labels: list[Label], questions: dict[Label, Block]) -> QA:
    """The QA of answer block `b`: a number answers all its sub-questions;
    "a."/"b." paragraphs in both a question and its answer split them."""
    keys: list[Label] = []
    for n, sub in labels:
        subs = sorted((k for k in questions if k[0] == n and k[1]), key=label_text) if sub is None else []
        keys += subs or [(n, sub)]
    if len(keys) == 1 and keys[0][1] is None and keys[0] in questions:
        q = questions[keys[0]]
        q_parts, a_parts = _sub_parts(text, q.body), _sub_parts(text, b.body)
        if q_parts and q_parts.keys() == a_parts.keys():
            n = keys[0][0]
            split: list[Label] = [(n, s) for s in q_parts]
            return QA(split, min(q.start, b.start), max(b.body[1], q.body[1]),
                      {(n, s): a_parts[s] for s in q_parts}, {(n, s): q_parts[s] for s in q_parts},
                      {key: [q.lead, b.lead] for key in split})
    qa = QA(keys, b.start, b.body[1], dict.fromkeys(keys, b.body), leads={key: [b.lead] for key in keys})
    for key in keys:
        q_or_none = questions.get(key) or questions.get((key[0], None))
        if q_or_none is None:
            continue  # an answer without its question
        q = q_or_none
        # "Antwoord 2a" to a "Vraag 2" with "a."/"b." paragraphs: its paragraph.
        sub_part = _sub_parts(text, q.body).get(key[1] or "") if key not in questions else None
        qa.vragen[key] = sub_part or q.body
        qa.leads[key] = [q.lead, b.lead]
        qa.start, qa.end = min(qa.start, q.start), max(qa.end, q.body[1])
    return qa


def find_structure(doc_text: str, start: int, end: int, region_ends: list[int] | None = None) -> Structure:
    """The questions and answers of text[start:end]: footnotes first (they
    are no questions), then headings, or else the numbered paragraphs."""
    notes = find_footnotes(doc_text, start, end, region_ends or [])
    heads = find_heads(doc_text, start, end, notes)
    if not any(k == "vraag" and labels for k, labels, *_ in heads):
        heads = find_numbered(doc_text, start, end, notes) or heads
    cuts = [m.start() for m in ANSWERED_RE.finditer(doc_text, start, end)]
    blocks = _blocks(doc_text, start, end, heads, cuts)
    qas, vraag_labels, antwoord_labels = pair(doc_text, blocks)
    return Structure(qas, vraag_labels, antwoord_labels, heads[0][2] if heads else None, notes)


def find_questions(text: str, start: int, end: int) -> list[QA]:
    """Question/answer groups within text[start:end]."""
    return find_structure(text, start, end).qas


def _metadata(text: str, start: int, end: int) -> dict:
    """Askers, date, chamber, addressees and subject from the introduction;
    who answered (or sent the notice) and when from "Antwoord van ...". """
    row: dict = {}
    intro = text[start:end]
    m = INTRO_RE.search(intro) or INTRO_TK_RE.search(intro)
    if m:
        names, parties = parse_askers(m.group("askers"))
        asked = parse_date(m.group("date"))
        row.update(
            vragenstellers=names,
            partijen=parties,
            datum_gesteld=asked[0] if asked else None,
            kamer=KAMER_BY_VERB.get(m.group("verb")),
            geadresseerden=split_roles(m.group("addr")) if m.group("addr") else [],
            onderwerp=_one_line(m.group("subject")),
        )
    if m := ANSWERED_RE.search(intro):
        received = parse_date(m.group("date"))
        row.update(
            beantwoord_door=_one_line(m.group("who")),
            mede_namens=split_roles(m.group("also")) if m.group("also") else [],
            datum_ontvangen=received[0] if received else None,
        )
    return row


def parse_kamervragen(doc: Document, part: Part) -> None:
    """Add the `kamervragen` row and one `qa` row per question (none for a
    postponement notice)."""
    text = doc.text
    start, end = part.span
    s = find_structure(text, start, end, [p.span[1] for p in doc.pages])
    intro_end = s.first_head if s.first_head is not None else end
    postponed = not s.qas and not s.vraag_labels and UITSTEL_RE.search(text, start, end) is not None
    row: dict = {"part": part.index, "span_start": start, "span_end": intro_end,
                 "kind": "uitstelbericht" if postponed else "answers"}
    # "Antwoord van ..." may follow the questions (questions first), so it
    # is looked for in the whole part, the introduction's fields before it.
    row.update(_metadata(text, start, intro_end))
    if "beantwoord_door" not in row:
        row.update({k: v for k, v in _metadata(text, start, end).items() if k not in row})
    notes_in_qa: set[str] = set()
    rows = []
    for qa in s.qas:
        for key in qa.keys:
            a_span, antwoord = _without(text, qa.antwoorden[key], s.notes)
            v = qa.vragen.get(key)
            v_span, vraag = _without(text, v, s.notes) if v else ((None, None), None)
            see, kind = references(antwoord)
            notes = _referred(text, [*([v] if v else []), qa.antwoorden[key]], qa.leads.get(key, []), s.notes)
            notes_in_qa.update(notes)
            rows.append({
                "part": part.index,
                "span_start": qa.start,
                "span_end": max(a_span[1], v_span[1] or 0),
                "vraag_nr": key[0],
                "sub_vraag": key[1],
                "vraag": vraag,
                "antwoord": antwoord,
                "antwoord_kind": kind,
                "see_vraag_nrs": see,
                "combined_with": qa.combined_with(key),
                "footnotes": notes,
                "vraag_span_start": v_span[0],
                "vraag_span_end": v_span[1],
                "antwoord_span_start": a_span[0],
                "antwoord_span_end": a_span[1],
            })
    row.update(
        vraag_count=len(rows),
        vraag_labels=s.vraag_labels,
        antwoord_labels=s.antwoord_labels,
        footnotes=[n.text for n in s.notes if n.text not in notes_in_qa],
    )
    doc.add_row("kamervragen", row)
    for r in sorted(rows, key=lambda r: (r["vraag_nr"], r["sub_vraag"] or "")):
        doc.add_row("qa", r)
