"""The OCR channel model: how likely Tesseract turns an intended word into the one we read.

The model is a table of character-segment confusions (intended segment ->
observed segment, e.g. "cl" -> "d", "ïn" -> "m", "y" -> "v") with their
probabilities, learned from aligned (truth, OCR) word pairs by
`bench/ocr_train.py` and shipped as `flows/stages/correct/ocr_confusions.json`. Edits the
table does not know cost a flat, also learned, per-edit probability. Learning
and scoring share `segments()` so that a word is cut into confusions the same
way in both.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

MODEL_PATH = Path(__file__).with_name("ocr_confusions.json")
MAX_SEGMENT = 3  # longest intended/observed segment kept, in characters


def fold(text: str) -> str:
    """The text without diacritics (ï -> i, é -> e)."""
    return "".join(
        ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch)
    )


def segments(intended: str, observed: str) -> list[tuple[str, str]]:
    """Cut the difference between two strings into (intended, observed) confusion segments.

    Adjacent edits merge into one segment ("rn" -> "m" is one confusion, not
    two edits). A pure insertion or deletion takes one neighbouring character
    as context, so that every segment has two non-empty sides and can be
    looked up from the observed side when generating candidates.
    """
    out: list[tuple[int, int, int, int]] = []
    for op in Levenshtein.opcodes(intended, observed):
        if op.tag == "equal":
            continue
        if out and out[-1][1] == op.src_start and out[-1][3] == op.dest_start:
            i1, _, j1, _ = out.pop()
            out.append((i1, op.src_end, j1, op.dest_end))
        else:
            out.append((op.src_start, op.src_end, op.dest_start, op.dest_end))
    result = []
    for i1, i2, j1, j2 in out:
        if i1 == i2 or j1 == j2:
            if i1 > 0 and j1 > 0:
                i1, j1 = i1 - 1, j1 - 1
            elif i2 < len(intended) and j2 < len(observed):
                i2, j2 = i2 + 1, j2 + 1
        result.append((intended[i1:i2], observed[j1:j2]))
    return result


@dataclass(frozen=True)
class ChannelModel:
    """Learned confusion probabilities, indexed both ways."""

    confusions: dict[
        tuple[str, str], float
    ]  # (intended, observed) -> log P(observed | intended)
    by_observed: dict[
        str, tuple[tuple[str, float], ...]
    ]  # observed -> ((intended, logp), ...)
    edit_logp: float  # log-probability of one edit the table does not know
    diacritic_logp: (
        float  # log P(a letter is read with another or no diacritic), over all letters
    )

    def logp(self, observed: str, intended: str) -> tuple[float, str, int]:
        """log P(observed | intended), a label naming the confusions used, and
        the number of edits the table did not know.

        The identity costs nothing: the prior of the word carries that side.
        """
        total, used, unknown = 0.0, [], 0
        for seg_in, seg_out in segments(intended, observed):
            learned = self.confusions.get((seg_in, seg_out))
            if learned is None:
                learned = self.confusions.get((seg_in.lower(), seg_out.lower()))
            if learned is None and seg_in != fold(seg_in):
                # Letters with diacritics are rare in the training text: back off to the base
                # letter ("ïn" read as "m" like "in" is).
                learned = self.confusions.get((fold(seg_in), seg_out))
            if fold(seg_in) == fold(seg_out) and len(seg_in) == len(seg_out):
                # Which accent a speck turns into is near random ("ê", "ì", "á" each too
                # rare to learn alone): all diacritic confusions share one learned rate.
                learned = max(learned or -math.inf, self.diacritic_logp)
            if learned is not None:
                total += learned
                used.append(f"{seg_in}->{seg_out}")
            else:
                n = Levenshtein.distance(seg_in, seg_out)
                total += self.edit_logp * n
                unknown += n
                used.append(f"edit:{seg_in}->{seg_out}")
        return total, ",".join(used), unknown

    def variants(
        self, observed: str, depth: int = 2, budget: float = -12.0
    ) -> dict[str, int]:
        """Strings that could have been read as `observed` through up to `depth` learned
        confusions whose summed log-probability stays above `budget`, with the number of
        confusions needed. The budget prunes paths no prior could make win."""
        found: dict[str, int] = {}
        frontier = [(observed, 0.0)]
        for step in range(1, depth + 1):
            nxt = []
            for word, spent in frontier:
                for cand, logp in self._one_step(word, budget - spent):
                    if cand not in found and cand != observed:
                        found[cand] = step
                        nxt.append((cand, spent + logp))
            frontier = nxt
        return found

    def _one_step(self, word: str, budget: float) -> Iterator[tuple[str, float]]:
        index = self.by_observed
        for i in range(len(word)):
            for k in range(1, MAX_SEGMENT + 1):
                if i + k > len(word):
                    break
                for intended, logp in index.get(word[i : i + k], ()):
                    if logp < budget:
                        break  # sorted by probability: the rest cost more
                    yield word[:i] + intended + word[i + k :], logp


def learn(
    pairs: Iterable[tuple[str, str]], truth_words: Iterable[str], *, min_count: int = 2
) -> dict:
    """Learn confusion probabilities from (intended, observed) word pairs.

    P(observed segment | intended segment) = count of the confusion / number of
    times the intended segment occurs in the truth text. The per-edit
    probability of unknown edits is the rate of edits that fall outside the
    table, per character of truth. Confusions that only add, drop or change a
    diacritic are also pooled into one rate per letter of truth
    (`diacritic_logp`): each accent on its own is seen too rarely to learn.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for intended, observed in pairs:
        for seg in segments(intended, observed):
            if len(seg[0]) <= MAX_SEGMENT and len(seg[1]) <= MAX_SEGMENT:
                counts[seg] += 1
    kept = {seg: n for seg, n in counts.items() if n >= min_count}
    wanted = {seg_in for seg_in, _ in kept}
    occurrences: Counter[str] = Counter()
    chars = letters = 0
    for word in truth_words:
        chars += len(word)
        letters += sum(ch.isalpha() for ch in word)
        for k in range(1, MAX_SEGMENT + 1):
            for i in range(len(word) - k + 1):
                sub = word[i : i + k]
                if sub in wanted:
                    occurrences[sub] += 1
    diacritics = sum(
        n
        for (a, b), n in counts.items()
        if len(a) == len(b) == 1 and a != b and fold(a) == fold(b)
    )
    unexplained = sum(
        Levenshtein.distance(a, b) * n
        for (a, b), n in counts.items()
        if (a, b) not in kept
    )
    confusions = [
        {
            "intended": a,
            "observed": b,
            "count": n,
            "logp": math.log(n / max(occurrences[a], n)),
        }
        for (a, b), n in sorted(kept.items(), key=lambda kv: -kv[1])
    ]
    return {
        "edit_logp": math.log(max(unexplained, 1) / max(chars, 1)),
        "diacritic_logp": math.log(max(diacritics, 1) / max(letters, 1)),
        "truth_chars": chars,
        "confusions": confusions,
    }


def read_shipped_model(path: Path, what: str) -> dict:
    """A model shipped in flows/registry; a missing or broken file is an
    installation error, which says how to rebuild it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(
            f"{path}: cannot read the {what} ({exc}); run bench/ocr_train.py"
        ) from exc


def load_model(path: Path = MODEL_PATH) -> ChannelModel:
    """Read the shipped model; a missing or broken file is an installation error."""
    data = read_shipped_model(path, "OCR confusion model")
    confusions = {
        (c["intended"], c["observed"]): float(c["logp"]) for c in data["confusions"]
    }
    by_observed: dict[str, list[tuple[str, float]]] = {}
    for (intended, observed), logp in confusions.items():
        by_observed.setdefault(observed, []).append((intended, logp))
    return ChannelModel(
        confusions=confusions,
        by_observed={
            k: tuple(sorted(v, key=lambda x: -x[1])) for k, v in by_observed.items()
        },
        edit_logp=float(data["edit_logp"]),
        diacritic_logp=float(data["diacritic_logp"]),
    )
