"""The OCR gap model: what stood between two words where the engine read a separator.

Many character errors left after word correction are not inside words but
between them: a speck read as "." or ":" ("voldoet. aan", "werd:hier"), a
space read as a hyphen ("ontwerp-van"), a full stop read as a comma before
the next sentence ("de begroting, Op de agenda"), a stray quote mark. A
word-level corrector never sees those. This model does.

A *gap* is the run of non-word characters between two word cores (whitespace
normalised to one space). Its *context* is the class of the word on each side:
digits, a letter inside an initialism ("B.V"), another single letter, one of
the commonest words ("de", "van", "het"), another two-letter word, or the
word's case (capitalised or lower) and how common it is (function word,
listed word, unknown string).
`bench/ocr_train.py` aligns the (truth, OCR) pages of the train split word by
word, and counts per (left class, OCR gap, right class) which gaps the truth
had and in which source documents; the counts ship as
`flows/stages/correct/ocr_gaps.json`. Nothing is written by hand: the model learns, for
instance, that ". " between two common lowercase words was almost always a
plain space, while ". " before a capitalised word is a real full stop.

A context decides on its own counts when it has enough of them, otherwise it
backs off to the classes without their frequency ("lw"/"lf" -> "l"). The
corrector replaces a gap only where the engine's reading was wrong in a wide
majority of the observations (`Settings.gap_probability`, after
`gap_keep_prior` pseudo-observations that it was right), over enough
observations (`gap_count`); it writes the reading with the least expected
edit distance to the truth, which must have been seen in several documents
(`gap_sources`: one document's habit is no rule) and be more than a
typographic variant ("’" for "'", "–" for "-"). Gaps inside links,
addresses and codes, and quotation marks that are closed further on, are
guarded, in training as at run time; contexts that clean text produces keep
their gap, so typed text is not touched.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from flows.stages.correct.channel import read_shipped_model

GAPS_PATH = Path(__file__).with_name("ocr_gaps.json")
_CORE = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
# Addresses, links, numbers, codes; a token with two inner dots is a host name even
# when OCR damaged it ("wwww.denbaag.nbezwaar"), or an abbreviation ("i.v.m.").
_CODE = re.compile(r"@|://|^www\.|\d|\w\.\w+\.\w")
_HOST = re.compile(
    r"^\W*[^\W\d_]+(?:[.-][^\W\d_]+)*\.[a-z]{2,3}(?:/\S*)?\W*$"
)  # politie.nl/woo
_QUOTE_REACH = 400  # characters searched for the closing mark of a quotation
_CLOSERS = {
    "‘": "’",
    "“": "”",
    "„": "”",
    "'": "'",
    '"': '"',
    "(": ")",
    "[": "]",
    "«": "»",
}
FUNCTION_ZIPF = 5.0  # from here a word is a function word ("zijn", "wordt", "u")
# The commonest words ("de", "en", "van", "het", "op"): typed text never joins them to a
# neighbour with a hyphen or a bare full stop, which OCR does ("van-het", "in.de").
TOP_ZIPF = 6.0
LISTED_ZIPF = 3.0  # from here a word is listed; below, an unknown string

# Names the word classes the counts were made with; a shipped model with another name is stale.
CLASSES_VERSION = f"d,i,s,case+t{TOP_ZIPF}/2/f{FUNCTION_ZIPF}/w{LISTED_ZIPF}/u;sources"

Freq = Callable[[str], float]  # lowercase word -> highest Zipf over the languages


def word_class(core: str, freq: Freq, before: str = "") -> str:
    """The class of a word core: "d" digits, "i" a letter inside an initialism (the "V"
    of "B.V", `before` being the separator in front of the core), "s" another single
    letter, else case + "t" for the commonest words, length 2 ("l2") or frequency ("lf",
    "Cw", "lu"). Other short words get their own class because both function words and
    abbreviations ("jl.", "cf.") are short, and a full stop after them means different
    things; so does a mark after an initialism ("B.V, DSM" is "B.V. DSM")."""
    if any(ch.isdigit() for ch in core):
        return "d"
    if len(core) == 1:
        return "i" if before == "." else "s"
    case = "C" if core[0].isupper() else "l"
    z = freq(core.lower())
    if z >= TOP_ZIPF:
        return case + "t"
    if len(core) == 2:
        return case + "2"
    return case + ("f" if z >= FUNCTION_ZIPF else "w" if z >= LISTED_ZIPF else "u")


def gap_classes(g: Gap, freq: Freq) -> tuple[str, str]:
    """The classes of the words on either side of a gap: its context in the model."""
    return word_class(g.left, freq, g.before), word_class(g.right, freq)


def normal_gap(sep: str) -> str:
    return _SPACE.sub(" ", sep)


@dataclass(frozen=True)
class Gap:
    """The separator between two word cores of a text, with its offsets."""

    start: int
    end: int
    left: str
    sep: str
    right: str
    before: str = ""  # the separator in front of `left` ("" at the start of the text)


def gaps(text: str) -> Iterator[Gap]:
    """Every gap between consecutive word cores of `text`."""
    prev, before = None, ""
    for m in _CORE.finditer(text):
        if prev is not None:
            sep = text[prev.end() : m.start()]
            yield Gap(prev.end(), m.start(), prev.group(0), sep, m.group(0), before)
            before = sep
        prev = m


def guarded(text: str, g: Gap) -> bool:
    """Gaps that are no OCR damage whatever the counts say.

    A mark inside one token (no space) that makes it a host name, address or
    code ("politie.nl", "j.jansen@minbuza.nl"), and an opening quote or
    bracket that the text closes further on ("het ‘echt’ is", a quotation
    running over lines). A token ending in a three-letter word after a full
    stop reads as a host name too ("voldoet.aan"): leaving such a speck is
    cheaper than breaking a link; only a last part that is one of the commonest
    Dutch words ("in.de", "drones.en") is not taken for a domain. Training leaves them out as well, so that the counts
    describe the gaps the corrector may change.
    """
    if not any(ch.isspace() for ch in g.sep):
        a, b = g.start, g.end
        while a > 0 and not text[a - 1].isspace():
            a -= 1
        while b < len(text) and not text[b].isspace():
            b += 1
        token = text[a:b]
        if _CODE.search(token) or (_HOST.match(token) and not _word_after_stop(token)):
            return True
    opener = g.sep.rstrip()[-1:]
    closer = _CLOSERS.get(opener)
    if closer:
        return closer in text[g.end : g.end + _QUOTE_REACH]
    return False


def _word_after_stop(token: str) -> bool:
    """Whether a host-like token ends in a Dutch function word rather than a domain
    ("drones.en", "in.de", "maanden.na"): no host is named after "en" or "de"
    followed by nothing, while a full stop read without its space is common OCR damage.
    Only bare names qualify: a path ("x.nu/abc") keeps the token a link."""
    from flows.stages.correct.lexicon import load_lexicon

    if "/" in token:
        return False
    tail = _CORE.findall(token)[-1].lower()
    return load_lexicon().freq(tail, "nl") >= TOP_ZIPF


def aligned_gaps(truth: str, ocr: str) -> Iterator[tuple[Gap, str]]:
    """(OCR gap, truth gap) for gaps whose two words align one to one with two consecutive truth words.

    Words pair up through a word-level alignment of the cores (equal words, or
    equal-length blocks of misread words), so a gap is compared with the truth
    gap between the same two words.
    """
    t, o = list(gaps(truth)), list(gaps(ocr))
    tw = [g.left for g in t] + [t[-1].right] if t else []
    ow = [g.left for g in o] + [o[-1].right] if o else []
    match: dict[int, int] = {}
    for op in Levenshtein.opcodes(tw, ow):
        if op.tag == "equal" or (
            op.tag == "replace"
            and op.src_end - op.src_start == op.dest_end - op.dest_start
        ):
            for i, j in zip(
                range(op.src_start, op.src_end), range(op.dest_start, op.dest_end), strict=False
            ):
                match[j] = i
    for j, g in enumerate(o):
        at = match.get(j)
        if at is not None and match.get(j + 1) == at + 1:
            yield g, normal_gap(t[at].sep)


def learn(pairs: Iterable[tuple[str, str, str, str, str]]) -> dict:
    """Counts of truth gaps per (left class, OCR gap, right class), from (left, OCR gap,
    right, truth gap, source) tuples, with the sources each reading was seen in.

    The sources matter because every source is rendered at several qualities:
    a reading seen in one document only may be that document's quirk.
    """
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for left, sep, right, truth, source in pairs:
        key = f"{left}\t{sep}\t{right}"
        counts[key][truth] += 1
        seen[key][truth].add(source)
    names = sorted(
        {s for readings in seen.values() for ss in readings.values() for s in ss}
    )
    index = {name: i for i, name in enumerate(names)}
    return {
        "classes": CLASSES_VERSION,
        "sources": names,
        "contexts": {
            k: {
                t: [n, sorted(index[s] for s in seen[k][t])] for t, n in v.most_common()
            }
            for k, v in sorted(counts.items())
        },
    }


# Typographic variants of one mark: a source's choice between them is not OCR damage,
# and a model learned on a few sources would impose their typography on others.
_TYPOGRAPHY = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "…": "...",
    }
)


def typographic_variant(a: str, b: str) -> bool:
    """Whether two gaps differ only in the typography of their marks ("’s" vs "'s", "–" vs "-")."""
    return a.translate(_TYPOGRAPHY) == b.translate(_TYPOGRAPHY)


def coarse(word_class: str) -> str:
    """The class without its frequency ("lw" -> "l"): the back-off context."""
    return word_class[0] if word_class[-1] in "tfwu" else word_class


@dataclass(frozen=True)
class GapModel:
    """Decisions per context: the truth gap with its probability and count, or None to keep.

    `full` holds the contexts seen often enough to decide on their own; any
    other context backs off to `backoff`, keyed by the classes without their
    frequency, with the counts of all its full contexts summed (as in Katz
    back-off, but deciding rather than smoothing).
    """

    full: dict[str, tuple[str, float, int] | None]
    backoff: dict[str, tuple[str, float, int] | None]

    def fix(
        self, left: str, sep: str, right: str
    ) -> tuple[str, float, int, str] | None:
        """The truth gap, its probability and count, and the context that decided ("lw_lf" or,
        backed off, "l_l"); None to keep the gap."""
        key = f"{left}\t{sep}\t{right}"
        if key in self.full:
            found, context = self.full[key], f"{left}_{right}"
        else:
            cl, cr = coarse(left), coarse(right)
            found, context = self.backoff.get(f"{cl}\t{sep}\t{cr}"), f"{cl}_{cr}"
        return None if found is None else (*found, context)

    @classmethod
    def from_counts(
        cls,
        contexts: dict[str, dict[str, list]],
        probability: float,
        count: int,
        sources: int,
        keep_prior: float = 0.0,
    ) -> GapModel:
        """Decide each context with at least `count` observations (see `_decide`): the
        engine's reading was wrong in at least `probability` of them, the reading written
        was seen in at least `sources` documents and is more than a typographic
        variant; or the gap stays."""
        summed: dict[str, dict[str, tuple[int, set[int]]]] = defaultdict(dict)
        for key, truths in contexts.items():
            left, sep, right = key.split("\t")
            coarse_key = f"{coarse(left)}\t{sep}\t{coarse(right)}"
            for truth, (n, seen) in truths.items():
                m, ss = summed[coarse_key].get(truth, (0, set()))
                summed[coarse_key][truth] = (m + n, ss | set(seen))
        full = {
            k: {t: (n, set(ss)) for t, (n, ss) in v.items()}
            for k, v in contexts.items()
        }
        return cls(
            _decide(full, probability, count, sources, keep_prior),
            _decide(summed, probability, count, sources, keep_prior),
        )


def _decide(
    contexts: dict[str, dict[str, tuple[int, set[int]]]],
    probability: float,
    count: int,
    sources: int,
    keep_prior: float = 0.0,
) -> dict[str, tuple[str, float, int] | None]:
    """Per context, the reading to write, or None to keep the gap.

    The gap changes only when the engine's reading was right in at most
    `1 - probability` of the observations (so at most that share of changes
    can be wrong). The reading written is the one with the least expected
    edit distance to the truth (a minimum-Bayes-risk choice): where a
    misread "." stood for a space in most cases and for a comma in some,
    the space is written, which is never further from the truth than the
    "." was. It must have been seen in `sources` documents. `keep_prior`
    pseudo-observations of the engine's own reading are added first (a
    Bayesian prior that the gap was read right), so that a context seen a
    few times only must be unanimous, while a well-observed one decides
    on its counts.
    """
    out: dict[str, tuple[str, float, int] | None] = {}
    for key, truths in contexts.items():
        total = sum(n for n, _ in truths.values())
        if total < count:
            continue
        sep = key.split("\t")[1]
        kept = truths.get(sep, (0, set()))[0] + keep_prior
        best = min(truths, key=lambda t: (_risk(t, truths), -truths[t][0]))
        n, seen = truths[best]
        change = (
            best != sep
            and kept / (total + keep_prior) <= 1 - probability
            and _risk(best, truths) + keep_prior * Levenshtein.distance(best, sep)
            < _risk(sep, truths)
            and len(seen) >= sources
            and not typographic_variant(best, sep)
        )
        out[key] = (best, n / total, total) if change else None
    return out


def _risk(reading: str, truths: dict[str, tuple[int, set[int]]]) -> int:
    """Summed edit distance from `reading` to the truth gaps of a context."""
    return sum(n * Levenshtein.distance(reading, t) for t, (n, _) in truths.items())


@lru_cache(maxsize=1)
def read_gap_counts(path: Path = GAPS_PATH) -> dict[str, dict[str, list]]:
    """The shipped counts; a missing or broken file is an installation error."""
    data = read_shipped_model(path, "OCR gap model")
    if data.get("classes") != CLASSES_VERSION:
        raise RuntimeError(
            f"{path}: learned with other word classes; run bench/ocr_train.py"
        )
    return data["contexts"]
