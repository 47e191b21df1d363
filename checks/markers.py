"""Finding redaction markers in text: ground codes, ground labels stamped in
place of text, and headings over withheld passages.

Labels are matched with a bounded edit distance so that OCR damage
("Eescherming persoonlijke levenssfeer") and run-together words
("levenssfeerAfgestemd") do not hide a stamp. The bound grows with the
label's length: one edit per eight characters, and never more than four.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from checks.grounds import Ground, find_codes, registry


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


_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _max_distance(label: str) -> int:
    return min(4, len(label) // 8)


def _fuzzy_find(text: str, phrase: str) -> list[tuple[int, int, int]]:
    """(start, end, distance) of every place where `phrase` occurs in `text`
    within the phrase's edit budget, case-insensitive.

    Candidates start at a word whose first letters are close to the phrase's
    first word; the end is searched over a few lengths so that a lost or
    extra character at the end is found too. Matches never start inside a
    word."""
    budget = _max_distance(phrase)
    target = phrase.casefold()
    first = target.split()[0]
    n = len(target)
    lowered = text.casefold()
    out: list[tuple[int, int, int]] = []
    last_end = -1
    for w in _WORD.finditer(lowered):
        s = w.start()
        if s < last_end:
            continue
        head = lowered[s : s + len(first)]
        if Levenshtein.distance(head, first, score_cutoff=min(2, budget)) > min(2, budget):
            continue
        best: tuple[int, int] | None = None
        for length in range(max(1, n - budget), n + budget + 1):
            d = Levenshtein.distance(lowered[s : s + length], target, score_cutoff=budget)
            if d <= budget and (best is None or d < best[0]):
                best = (d, length)
        if best is None:
            continue
        d, length = best
        # Trim a match that ends inside the next word, unless the label's
        # own last letters are there (run-together words keep the match).
        end = s + length
        out.append((s, end, d))
        last_end = end
    return out


def find_labels(text: str) -> list[Marker]:
    """Ground labels and aliases in `text`; a longer label wins where two
    overlap."""
    taken: list[tuple[int, int]] = []
    out: list[Marker] = []
    for label, ground in registry().label_index():
        for s, e, d in _fuzzy_find(text, label):
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            out.append(Marker(s, e, "label", text[s:e], ground, ground.code, d == 0 and text[s:e] == label, d))
    return sorted(out, key=lambda m: m.start)


def find_withheld_headings(text: str) -> list[Marker]:
    out = []
    for heading in registry().withheld_headings:
        for s, e, d in _fuzzy_find(text, heading):
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
