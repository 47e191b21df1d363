"""Lexicons of the OCR corrector: Dutch and English word frequencies, and known labels.

Word frequencies come from wordfreq's `large` lists (Dutch 311k words,
English 321k), which ship inside the PyPI package: nothing is downloaded and
nothing needs prebuilding. The lists are read straight from the package's
data files in wordfreq's documented "cBpack" format (gzipped msgpack, one list
of words per centibel of frequency), because importing wordfreq itself and
converting its float dictionary takes seconds, reading the packs a fraction
of that. Frequencies are Zipf values (log10 of occurrences per billion words). Labels (memo header
fields, section names, Woo ground labels, withheld-passage headings) come from
the project's registries, so a new label is a data change.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from flows.registry.grounds import registry
from flows.registry.memo_fields import memo_spec

LANGUAGES = ("nl", "en")
# Words at least this frequent are searched for two-edit candidates; rarer
# ones are reached through one edit or the learned confusions only, which keeps
# the search fast and keeps rare look-alikes from being proposed.
SEARCH_ZIPF = 3.0


@dataclass(frozen=True)
class Lexicon:
    """Zipf frequency of each lowercase word, per language, with a two-edit search index."""

    zipf: dict[str, dict[str, float]]  # language -> word -> zipf
    by_length: dict[
        str, dict[int, list[str]]
    ]  # language -> length -> frequent words of length ±2
    alphabet: dict[str, str]  # language -> letters its words use
    top_zipf: dict[
        str, dict[int, float]
    ]  # language -> length -> highest zipf of words within ±1 of it

    def freq(self, word: str, lang: str) -> float:
        return self.zipf[lang].get(word, 0.0)

    def within_two(self, word: str, lang: str) -> list[str]:
        """Frequent words at most two edits from `word` (lowercase)."""
        pool = self.by_length[lang].get(len(word), [])
        hits = process.extract(
            word, pool, scorer=Levenshtein.distance, score_cutoff=2, limit=40
        )
        return [w for w, _, _ in hits]

    def within_one(self, word: str, lang: str) -> list[str]:
        """Every known word one edit (insert, delete, substitute, swap) from `word`."""
        table = self.zipf[lang]
        letters = self.alphabet[lang]
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        edits = {a + b[1:] for a, b in splits if b}
        edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        edits |= {a + c + b[1:] for a, b in splits if b for c in letters}
        edits |= {a + c + b for a, b in splits for c in letters}
        edits.discard(word)
        return [w for w in edits if w in table]


def read_wordfreq(lang: str) -> dict[str, float]:
    """Word -> Zipf from wordfreq's `large_<lang>` pack; bucket i holds words at -i centibels."""
    import msgpack

    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the wordfreq package is not installed (pip install wordfreq)"
        )
    path = (
        Path(spec.submodule_search_locations[0]) / "data" / f"large_{lang}.msgpack.gz"
    )
    with gzip.open(path, "rb") as fh:
        data = msgpack.load(fh, raw=False)
    header = data[0]
    if (
        not isinstance(header, dict)
        or header.get("format") != "cB"
        or header.get("version") != 1
    ):
        raise RuntimeError(f"{path}: unexpected wordfreq pack header {header!r}")
    table: dict[str, float] = {}
    for index, bucket in enumerate(data[1:]):
        # A word can sit in the list once only; keep the first (most frequent) bucket.
        zipf = 9 - index / 100
        for w in bucket:
            table.setdefault(w, zipf)
    return table


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    zipf, by_length, alphabet, top = {}, {}, {}, {}
    for lang in LANGUAGES:
        table = read_wordfreq(lang)
        zipf[lang] = table
        frequent = [w for w, z in table.items() if z >= SEARCH_ZIPF and w.isalpha()]
        buckets: dict[int, list[str]] = {}
        for w in frequent:
            for n in range(max(1, len(w) - 2), len(w) + 3):
                buckets.setdefault(n, []).append(w)
        by_length[lang] = buckets
        letters = {ch for w in frequent for ch in w}
        alphabet[lang] = "".join(sorted(letters))
        best: dict[int, float] = {}
        for w in frequent:
            for n in (len(w) - 1, len(w), len(w) + 1):
                best[n] = max(best.get(n, 0.0), table[w])
        top[lang] = best
    return Lexicon(zipf=zipf, by_length=by_length, alphabet=alphabet, top_zipf=top)


@lru_cache(maxsize=1)
def known_labels() -> tuple[str, ...]:
    """Labels that memos and redaction stamps print: fields, sections, grounds, headings."""
    spec = memo_spec()
    labels = [label for field in spec.fields for label in field.labels]
    labels += spec.sections
    reg = registry()
    labels += [label for g in reg.grounds.values() for label in g.labels]
    labels += reg.withheld_headings
    return tuple(dict.fromkeys(labels))
