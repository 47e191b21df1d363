"""Finding the grounds registry in text: ground codes, ground labels stamped
in place of text, and headings over withheld passages, OCR-tolerantly.

Labels are matched with a bounded edit distance so that OCR damage
("Eescherming persoonlijke levenssfeer") and run-together words
("levenssfeerAfgestemd") do not hide a stamp. The bound grows with the
label's length: one edit per eight characters, and never more than four.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rapidfuzz.distance import Levenshtein

from flows.registry.grounds import Ground, find_codes, registry


@dataclass(frozen=True)
class Marker:
    start: int
    end: int
    kind: str  # "code" | "label" | "withheld_heading"
    text: str
    ground: Ground | None  # None for a withheld heading or an unknown code
    code: str | None  # canonical code (also for unknown codes)
    exact: bool
    distance: int = 0


def _max_distance(label: str) -> int:
    return min(4, len(label) // 8)


def _pieces(phrase: str, budget: int) -> list[tuple[int, str]]:
    """Cut a phrase into budget + 1 pieces: a match with at most `budget`
    edits holds at least one piece unchanged (pigeonhole), so exact search
    for the pieces finds every candidate quickly."""
    n = len(phrase)
    k = budget + 1
    bounds = [round(i * n / k) for i in range(k + 1)]
    return [(bounds[i], phrase[bounds[i] : bounds[i + 1]]) for i in range(k)]


@cache
def _plan(phrase: str, budget: int) -> tuple[str, list[tuple[int, str]]]:
    """The folded phrase and its pieces, once per phrase: the registry's
    labels are searched for in every text."""
    target = fold(phrase)
    return target, _pieces(target, budget)


def fold(text: str) -> str:
    """Lower case with one character per character, so positions in the
    folded text are positions in the text ("İ".lower() is two)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else "".join(c.lower()[:1] for c in text)


def _starts_a_word(text: str, s: int) -> bool:
    """At a word start, or at a seam where OCR glued a capitalised label to
    the word before it ("levenssfeerAfgestemd")."""
    if s == 0 or not text[s - 1].isalpha():
        return True
    return text[s - 1].islower() and text[s].isupper()


def fuzzy_find(text: str, phrase: str, lowered: str | None = None, budget: int | None = None) -> list[tuple[int, int, int]]:
    """(start, end, distance) of every place where `phrase` occurs in `text`
    within an edit budget (by default the phrase's), case-insensitive,
    starting at a word.

    Candidates come from exact hits of the phrase's pieces; each is verified
    with an edit distance over the start and length variations the budget
    allows, and the closest wins."""
    budget = _max_distance(phrase) if budget is None else budget
    target, pieces = _plan(phrase, budget)
    n = len(target)
    if len(text) < n - budget:
        return []  # every stretch of the text is more than `budget` edits away
    lowered = fold(text) if lowered is None else lowered
    candidates: set[int] = set()
    for offset, piece in pieces:
        pos = lowered.find(piece)
        while pos >= 0:
            candidates.add(pos - offset)
            pos = lowered.find(piece, pos + 1)
    # Each start once, however many candidates reach it.
    starts: set[int] = set()
    for c in candidates:
        starts.update(range(max(0, c - budget), min(c + budget + 1, len(text))))
    found: dict[int, tuple[int, int]] = {}  # start -> (distance, length)
    for s in starts:
        if not _starts_a_word(text, s):
            continue
        # The longest stretch tried is at most 2 * budget deletions from any
        # shorter one: more than 3 * budget edits from the phrase, it rules
        # out every length at once (triangle inequality).
        if Levenshtein.distance(lowered[s : s + n + budget], target, score_cutoff=3 * budget) > 3 * budget:
            continue
        for length in range(max(1, n - budget), n + budget + 1):
            d = Levenshtein.distance(lowered[s : s + length], target, score_cutoff=budget)
            if d <= budget and (s not in found or d < found[s][0]):
                found[s] = (d, length)
    # Overlapping matches of the same phrase: keep the closest.
    out: list[tuple[int, int, int]] = []
    for s, (d, length) in sorted(found.items(), key=lambda kv: (kv[1][0], kv[0])):
        if any(s < e and o < s + length for o, e, _ in out):
            continue
        out.append((s, s + length, d))
    return sorted(out)


def find_labels(text: str) -> list[Marker]:
    """Ground labels and aliases in `text`; a longer label wins where two
    overlap."""
    taken: list[tuple[int, int]] = []
    out: list[Marker] = []
    lowered = fold(text)
    for label, ground in registry().label_index:
        for s, e, d in fuzzy_find(text, label, lowered):
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            out.append(Marker(s, e, "label", text[s:e], ground, ground.code, d == 0 and text[s:e] == label, d))
    return sorted(out, key=lambda m: m.start)


def find_withheld_headings(text: str) -> list[Marker]:
    out = []
    for heading in registry().withheld_headings:
        for s, e, d in fuzzy_find(text, heading):
            out.append(Marker(s, e, "withheld_heading", text[s:e], None, None, d == 0, d))
    return out


def find_markers(text: str) -> list[Marker]:
    """All markers in `text`, in text order."""
    reg = registry()
    markers = [
        Marker(c.start, c.end, "code", c.text, reg.grounds.get(c.code), c.code, c.exact)
        for c in find_codes(text)
    ]
    markers += find_labels(text)
    markers += find_withheld_headings(text)
    return sorted(markers, key=lambda m: (m.start, m.end))


def parse_ground(text: str) -> str | None:
    """The first known ground named in a short text such as a box's stamp:
    by code, else by label (OCR-tolerant). None when none is readable."""
    for c in find_codes(text):
        if c.known:
            return c.code
    labels = [m for m in find_labels(text) if m.ground is not None]
    return labels[0].ground.code if labels and labels[0].ground else None


def is_citation(text: str, start: int, end: int, kind: str) -> bool:
    """A ground cited in prose ("op grond van artikel 5.1.2e", "in het belang
    van de eerbiediging van de persoonlijke levenssfeer", "artikel 11, eerste
    lid") is no stamp: a stamp stands in place of text, alone on its line or
    beside a field label."""
    if kind == "withheld_heading":
        return False
    reg = registry()
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le
    if _citation_before().search(text[max(ls, start - 30) : start].casefold()):
        return True
    rest = (text[ls:start] + " " + text[end:le]).strip()
    other_words = len(re.findall(r"[^\W\d_]{2,}", rest))
    if kind == "label":
        return other_words > reg.label_max_words
    # A code spelled as an article ("artikel 11, eerste lid", "art. 11.2")
    # in a line of running text cites the law.
    return bool(re.match(r"(?i)art(?:ikel|\.)?\s", text[start:end])) and other_words > 0


@cache
def _citation_before() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in registry().citation_words)
    return re.compile(rf"(?:^|\W)(?:{words})\W*$")


def stamp_markers(text: str) -> list[Marker]:
    """The redaction markers in `text`: every marker but grounds cited in
    prose."""
    return [m for m in find_markers(text) if not is_citation(text, m.start, m.end, m.kind)]
