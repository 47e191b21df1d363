"""OCR post-correction: a noisy-channel corrector in the spirit of TICCL.

For each word of an OCR'd text the corrector asks which intended word most
probably produced what Tesseract read: prior (how common the word is in the
sentence's language, boosted when the same release spells it cleanly elsewhere)
times channel (how likely the OCR engine turns that word into the one read,
from confusions learned on aligned truth/OCR pairs, see
`flows/stages/correct/channel.py`). A word is replaced only when the best candidate
beats keeping the word by a wide margin; a word that is itself in the lexicon
is only replaced on strong evidence: the release's own clean text, a known
field label, or a word foreign to the sentence's language. Numbers, dates, codes,
identifiers, acronyms, e-mail addresses, names and compounds of known words
are left alone. Run-together words are split where the case change shows the
seam and both halves are words (or the right half is a known label); a
letter split off the front of a word is joined back where the word alone is
no word and the two together are ("'s-G ravenhage"). Accents a speck made
("kenmêrk") go through one learned rate for all diacritic confusions.

Between the words, the separators get the same treatment from a second
learned model (`flows/stages/correct/gaps.py`): a gap the engine read as ". " or
":" between two lowercase words, "," before a capitalised function word, a
quote mark with nothing to close it, is replaced by the reading the aligned
train pairs show to be far more probable in that context (the classes of the
two words), and only where that reading was seen in several documents. Gaps
inside links, addresses and codes, and quotation marks that are closed
further on, are left alone; a line break is never moved.

There is no table of word replacements: every change comes from the lexicon,
the learned channel and the text itself, and each change is returned as a
`Correction` with its score, margin and reason, for the `corrections` table.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from flows.model import Edit, LexiconUse, apply_text_edits
from flows.stages.correct.channel import ChannelModel, fold, load_model
from flows.stages.correct.gaps import (
    GapModel,
    gap_classes,
    gaps,
    guarded,
    normal_gap,
    read_gap_counts,
)
from flows.stages.correct.lexicon import Lexicon, known_labels, load_lexicon

LN10 = math.log(10)
# The most edits between a word and a release word `LexiconIndex.near` offers for it.
NEAR = 2
_TOKEN = re.compile(r"\S+")
_EDGE = re.compile(r"^[^\w]*(.*?)[^\w]*$", re.DOTALL)
_LETTERS = re.compile(r"[^\W\d_]+")
_SEAM = re.compile(r"^(.*[^\W_A-Z])([A-Z][^\W\d_A-Z]{2,})$")
_GUARDED = re.compile(r"@|://|^www\.|\d")
_SENTENCE_END = ".!?:;•·"
# Where a line is cut into segments: after a sentence mark and the spaces after it.
_SENTENCE_CUT = re.compile(r"[.!?:;]+\s+")
# A token's last letter with no letter before it ("'s-G"): a letter split off the next word.
_LONE_LETTER = re.compile(r"(?<![^\W\d_])[^\W\d_]$")
# How Dutch legal and policy texts introduce a short name: "(hierna: Btis)", "(hierna te
# noemen: de Conventie)", "(verder: NZa)"; the Aanwijzingen voor de regelgeving prescribe "hierna".
_DEFINITION = re.compile(
    r"\((?:hierna(?: ook)?(?: te noemen)?|verder|afgekort)\s*:?\s*"
    r"(?:(?:de|het|een)\s+)?[\"'‘“]?([^\W\d_]+(?:[\s-][^\W\d_]+)?)[\"'’”]?\s*\)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Correction:
    """One change to the text, in offsets of the text that was corrected."""

    start: int
    end: int
    before: str
    after: str
    score: float  # log-probability (prior + channel) of the chosen candidate
    margin: float  # how far it beats keeping the word or the next candidate
    reason: str  # "confusion:cl->d", "document_lexicon", "language:en", "field_label", "split", "gap:'. '->' ' (...)", ...


@dataclass(frozen=True)
class Settings:
    """Decision thresholds, chosen on the train split (`python bench/ocr_eval.py --split train`).

    Zipf values are log10 frequency per billion words; margins are in nats.
    """

    protect_zipf: float = (
        4.0  # words this common in the sentence's language are never changed
    )
    known_zipf: float = (
        2.0  # below this a string is not a word (candidates, split halves)
    )
    listed_zipf: float = (
        3.0  # from here a lowercase word is listed: only strong evidence changes it
    )
    # (wordfreq's long tail between 2 and 3 is full of OCR-like fragments: "doot", "vand")
    # Prior of a correct word the lexicon does not know; lower fixes more on the train
    # split but damages real unlisted words ("weggelakt" -> "weggezakt").
    unknown_zipf: float = 0.0
    name_zipf: float = (
        2.0  # prior of an unknown capitalised word inside a sentence (most are names)
    )
    # A capitalised unknown word is less likely a name the longer it is: names are short,
    # a long one is mostly a damaged word ("Koninkrijksretaties"), unless it ends in a word
    # (an unlisted compound). Zipf taken off `name_zipf` per letter beyond `long_word`
    # (0.5 chosen on the train split; an unknown lowercase word keeps `unknown_zipf`,
    # as a length penalty there cost more wrong changes at 200 dpi than it fixed).
    length_zipf: float = 0.5
    long_word: int = 6
    compound_zipf: float = 3.0  # prior of an unlisted compound of two known words
    compound_part_zipf: float = 3.0  # how common each part of a compound must be
    doc_weight: float = 0.5  # share of the release's own word counts in the prior (a cache language model)
    foreign_penalty: float = (
        2.0  # zipf taken off a word more common in the other language
    )
    real_word_channel: float = (
        -5.0
    )  # a listed word is only read as another through a confusion this common
    margin: float = 1.0  # needed to replace an unknown word
    # Needed to replace a known word on strong evidence. Chosen in two steps: the train
    # split scores the same for any value from 2 to 3 (measured), and inside that range
    # 2.5 was picked so that the seed's pinned fix "alien" -> "allen" holds. The seed is
    # test data, so this value is partly fitted to it.
    known_margin: float = 2.5
    ambiguity: float = 1.0  # the best candidate must beat the runner-up by this much
    label_similarity: float = 0.8  # normalised similarity for a fuzzy label word
    min_length: int = 2
    # The gap settings were chosen by leaving one train source out at a time (its pages
    # judged by a gap model counted on the other sources): the most characters saved
    # with at most one change on the held-out 300 dpi pages and ~5% of changes wrong.
    gap_probability: float = (
        0.9  # share of the train pairs in which the engine's gap was wrong
    )
    # Pseudo-observations of the engine's own reading added to every gap context, a prior
    # that the gap was read right: a context seen a few times must be unanimous to change.
    gap_keep_prior: float = 2.0
    gap_count: int = 16  # train pairs a gap context needs to decide (fewer: back off to the coarse context)
    gap_sources: int = (
        3  # documents the other gap must be seen in: one document's quirk is no rule
    )
    max_confusions: int = 1  # learned confusions combined in one word (2 finds almost nothing more, at half the speed)


@dataclass
class _Segment:
    """A line of the text up to and including a sentence mark, or the rest of the line."""

    start: int
    text: str
    lang: str
    # Whether the segment opens a sentence: the text before it is empty or ends in a
    # sentence mark. A wrapped line's first word is no sentence opener and may be a name.
    opens_sentence: bool = True


@dataclass
class Corrector:
    """A loaded corrector: lexicons, labels and the learned channel model."""

    lexicon: Lexicon
    channel: ChannelModel
    labels: tuple[str, ...]
    settings: Settings = field(default_factory=Settings)

    def __post_init__(self) -> None:
        self._label_first = {_LETTERS.findall(label)[0] for label in self.labels}
        anchors: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for label in self.labels:
            # Letters only: a label's punctuation ("Bedrijfs- en", "Inspectie, controle") is not evidence.
            words = tuple(_LETTERS.findall(label))
            if len(words) < 2:
                continue
            for i, w in enumerate(words):
                if len(w) >= 3:
                    anchors.setdefault(w.lower(), []).append((words, i))
        self._anchors = anchors
        self._gaps = GapModel.from_counts(
            read_gap_counts(),
            self.settings.gap_probability,
            self.settings.gap_count,
            self.settings.gap_sources,
            self.settings.gap_keep_prior,
        )

    # -- public -----------------------------------------------------------

    def correct(
        self,
        text: str,
        *,
        doc_lexicon: Counter[str] | LexiconIndex | None = None,
        defined: frozenset[str] = frozenset(),
    ) -> list[Correction]:
        """All corrections for `text`, sorted and non-overlapping (apply them as `Edit`s).
        `doc_lexicon` is the release's clean words, indexed or not: a caller
        that corrects several texts with one lexicon indexes it once
        (`LexiconIndex.of`). `defined` adds short names defined elsewhere in
        the document (see `defined_terms`)."""
        doc = doc_lexicon if isinstance(doc_lexicon, LexiconIndex) else LexiconIndex.of(doc_lexicon)
        defined = defined | defined_terms(text)
        out: list[Correction] = []
        for seg in self._segments(text):
            tokens = list(_TOKEN.finditer(seg.text))
            labelled = self._label_corrections(seg, tokens)
            out.extend(labelled.values())
            for i in range(len(tokens)):
                if i not in labelled:
                    c = self._token(
                        seg, tokens, i, doc, defined, join=i - 1 not in labelled
                    )
                    if c is not None:
                        out.append(c)
        out.extend(self._gap_corrections(text, out))
        return sorted(out, key=lambda c: c.start)

    # -- gaps between words ---------------------------------------------------

    def _gap_corrections(self, text: str, words: list[Correction]) -> list[Correction]:
        """Separators between two words that the learned gap model reads otherwise
        ("voldoet. aan" -> "voldoet aan", "email, Wanneer" -> "email. Wanneer").

        A line break stays where it is: only a gap whose new reading is plain
        whitespace may span one. Gaps touching a word correction are left alone.
        """
        rules = self._gaps
        taken = [(c.start, c.end) for c in words]
        out = []
        for g in gaps(text):
            sep = normal_gap(g.sep)
            if sep == " ":
                continue  # by far the most common gap: skip the word classes
            left, right = gap_classes(g, self._freq)
            fix = rules.fix(left, sep, right)
            if fix is None:
                continue
            learned, p, n, context = fix
            after = learned
            if sep != g.sep:  # the gap holds a line break or other whitespace
                if learned.strip():
                    continue
                after = "".join(ch for ch in g.sep if ch.isspace())
            if any(s <= g.end and g.start <= e for s, e in taken):
                continue
            if guarded(text, g):
                continue
            out.append(
                Correction(
                    g.start,
                    g.end,
                    g.sep,
                    after,
                    round(math.log(p), 3),
                    0.0,
                    f"gap:{sep!r}->{learned!r} ({context}, p={p:.2f}, n={n})",
                )
            )
        return out

    def _freq(self, lw: str) -> float:
        return max(self.lexicon.freq(lw, "nl"), self.lexicon.freq(lw, "en"))

    # -- lines and language -------------------------------------------------

    def _segments(self, text: str) -> list[_Segment]:
        """The text's lines, cut after each sentence mark, each with its language.

        A line without clear evidence keeps the previous line's language; a
        sentence without it keeps its line's. Deciding per sentence keeps a
        Dutch sentence that follows an English one on the same line ("... of
        the matter. Op 19 oktober 2023 heeft de") in Dutch.
        """
        out, lang, pos, before = [], "nl", 0, ""
        for raw in text.split("\n"):
            lang = self._language(raw) or lang
            opens = not before or before[-1] in _SENTENCE_END
            cuts = [m.end() for m in _SENTENCE_CUT.finditer(raw)]
            for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=False):
                if b > a:
                    piece = raw[a:b]
                    out.append(
                        _Segment(pos + a, piece, self._language(piece) or lang, opens)
                    )
                    opens = True
            pos += len(raw) + 1
            # A blank line ends the paragraph: "" before a line opens a sentence.
            before = raw.rstrip()
        return out

    def _language(self, line: str) -> str | None:
        """Dutch or English by summed frequency differences of the line's words; None when unclear."""
        nl, en = self.lexicon.zipf["nl"], self.lexicon.zipf["en"]
        score, n = 0.0, 0
        for w in _LETTERS.findall(line.lower()):
            d = en.get(w, 0.0) - nl.get(w, 0.0)
            score += max(-3.0, min(3.0, d))
            n += 1
        if n < 3 or abs(score) < 3.0:
            return None
        return "en" if score > 0 else "nl"

    # -- field labels -------------------------------------------------------

    def _label_corrections(
        self, seg: _Segment, tokens: list[re.Match[str]]
    ) -> dict[int, Correction]:
        """Fix words of a known multi-word label ("Onze Reference" -> "Onze Referentie"),
        keyed by token index.

        A label is anchored on one of its words read exactly; every other word
        must be close to the label's word and not a common word of the line's
        language, so only damaged words are touched. The last word may run on
        into the next one (the split rule separates them). The margin is 0:
        the evidence is the label, not a score.
        """
        out: dict[int, Correction] = {}
        lowered = [_core(m.group(0))[0].lower() for m in tokens]
        for i, w in enumerate(lowered):
            for words, k in self._anchors.get(w, ()):
                first = i - k
                if first < 0 or first + len(words) > len(tokens):
                    continue
                fixes, ok = [], True
                for j, want in enumerate(words):
                    m = tokens[first + j]
                    have, offset = _core(m.group(0))
                    if have.lower() == want.lower():
                        continue
                    if j == len(words) - 1 and have.lower().startswith(want.lower()):
                        continue
                    if want.lower().startswith(have.lower()):
                        # Another inflection ("beleidsopvatting" under the label's
                        # "beleidsopvattingen") is no damage, as in `_choose`.
                        continue
                    similar = 1 - Levenshtein.normalized_distance(
                        have.lower(), want.lower()
                    )
                    common = (
                        self.lexicon.freq(have.lower(), seg.lang)
                        >= self.settings.protect_zipf
                    )
                    if (
                        similar < self.settings.label_similarity
                        or common
                        or not have.isalpha()
                    ):
                        ok = False
                        break
                    fixes.append((first + j, have, offset, _recase(want, have)))
                if not ok or not fixes:
                    continue
                for index, have, offset, want in fixes:
                    logp = self.channel.logp(have, want)[0]
                    start = seg.start + tokens[index].start() + offset
                    out.setdefault(
                        index,
                        Correction(
                            start,
                            start + len(have),
                            have,
                            want,
                            round(logp, 3),
                            0.0,
                            f"field_label:{' '.join(words)}",
                        ),
                    )
        return out

    # -- words ----------------------------------------------------------------

    def _token(
        self,
        seg: _Segment,
        tokens: list[re.Match[str]],
        i: int,
        doc: LexiconIndex,
        defined: frozenset[str],
        join: bool = True,
    ) -> Correction | None:
        m = tokens[i]
        word, offset = _core(m.group(0))
        start = seg.start + m.start() + offset
        split = self._split(word, seg.lang)
        if split is not None:
            after, reason = split
            return Correction(start, start + len(word), word, after, 0.0, 0.0, reason)

        if (
            len(word) < self.settings.min_length
            or _GUARDED.search(m.group(0))
            or not word.isalpha()
        ):
            return None
        if sum(ch.isupper() for ch in word) > 1 and not (
            word.isupper() and len(word) >= 6
        ):
            return None  # acronyms and mixed-case identifiers (NAVO, PvdD, minDEF); long capitals are words
        if join and i > 0:
            joined = self._join(seg, tokens[i - 1], word, start)
            if joined is not None:
                return joined
        at_sentence_start = (
            seg.opens_sentence
            if i == 0
            else tokens[i - 1].group(0)[-1] in _SENTENCE_END
        )
        if word.lower() in defined:
            return None  # the text itself introduces this spelling ("(hierna: Btis)")
        choice = self._choose(
            word, seg.lang, doc, name_like=word[0].isupper() and not at_sentence_start
        )
        if choice is None:
            return None
        after, score, margin, reason = choice
        return Correction(
            start,
            start + len(word),
            word,
            after,
            round(score, 3),
            round(margin, 3),
            reason,
        )

    def _join(
        self, seg: _Segment, previous: re.Match[str], word: str, start: int
    ) -> Correction | None:
        """Join a letter split off the front of a word ("'s-G ravenhage" -> "'s-Gravenhage").

        Only where the word alone is no word, the letter stands alone at the
        end of the previous token, and letter and word together are a listed word.
        """
        lone = _LONE_LETTER.search(previous.group(0))
        if lone is None or not word.islower() or self._is_word(word, seg.lang):
            return None
        whole = lone.group(0) + word
        if self.lexicon.freq(whole.lower(), seg.lang) < self.settings.listed_zipf:
            return None
        at = seg.start + previous.start() + lone.start()
        return Correction(
            at,
            start + len(word),
            seg.text[at - seg.start : start - seg.start + len(word)],
            whole,
            0.0,
            0.0,
            "join",
        )

    def _split(self, word: str, lang: str) -> tuple[str, str] | None:
        """Split "levenssfeerAfgestemd" / "02uAan" at the case seam when the halves are words."""
        m = _SEAM.match(word)
        if m is None:
            return None
        left, right = m.group(1), m.group(2)
        if right in self._label_first and (
            any(ch.isdigit() for ch in left) or self._is_word(left, lang)
        ):
            return f"{left} {right}", "split:label"
        # A capitalised left half is a CamelCase name ("CyrusOne"), not two run-together words.
        if (
            len(left) >= 3
            and left.isalpha()
            and left[0].islower()
            and self._is_word(left, lang)
            and self._is_word(right, lang)
            and not self._is_word(word, lang)
        ):
            return f"{left} {right}", "split"
        return None

    def _is_word(self, word: str, lang: str) -> bool:
        return self.lexicon.freq(word.lower(), lang) >= self.settings.known_zipf

    def _prior(self, lw: str, lang: str, doc: LexiconIndex, floor: float = 0.0) -> float:
        """log P(word): the general frequency mixed with the release's own counts.

        As in a cache language model, a word the release uses often is likely
        in it again, whatever its frequency elsewhere.
        """
        z = self.lexicon.freq(lw, lang)
        # `floor` is the prior of a word the lexicon does not list, and the least a listed one gets.
        general = 10 ** ((max(z, floor) if z else floor) - 9)
        w = self.settings.doc_weight if doc.total else 0.0
        p = (1 - w) * general + w * doc.count(lw) / max(doc.total, 1)
        return math.log(p) if p > 0 else -math.inf

    def _is_compound(self, lw: str, lang: str) -> bool:
        """Made of two common words of four letters or more (a Dutch linking s/e/en allowed), e.g.
        "levenssfeer". Short or rare parts are left out: the lexicon holds many fragments
        ("ger", "hen") that would make almost any string a compound."""
        return bool(self._compound_seams(lw, lang))

    def _headed(self, lw: str, lang: str) -> bool:
        """Ends in a common word of five letters or more ("vakcommissies"): most likely a
        compound the lexicon does not list, not a long damaged string."""
        z = self.lexicon.zipf[lang]
        floor = self.settings.compound_part_zipf
        return any(z.get(lw[k:], 0.0) >= floor for k in range(2, len(lw) - 4))

    def _compound_seams(self, lw: str, lang: str) -> list[int]:
        """Where `lw` splits into two common words (see `_is_compound`)."""
        if len(lw) < 8:
            return []  # no room for two parts of four letters
        z = self.lexicon.zipf[lang]
        floor = self.settings.compound_part_zipf
        return [
            k
            for k in self._first_parts(lw, lang)
            if k < len(lw) - 3 and z.get(lw[k:], 0.0) >= floor
        ]

    def _first_parts(self, lw: str, lang: str) -> list[int]:
        """Positions k where `lw[:k]` can open a compound: a common word of four letters or
        more, or one with a Dutch linking s/e/en."""
        z = self.lexicon.zipf[lang]
        floor = self.settings.compound_part_zipf
        out = []
        for k in range(4, len(lw) + 1):
            left = lw[:k]
            if (
                z.get(left, 0.0) >= floor
                or (left[-1] in "se" and k > 4 and z.get(left[:-1], 0.0) >= floor)
                or (left.endswith("en") and k > 5 and z.get(left[:-2], 0.0) >= floor)
            ):
                out.append(k)
        return out

    def _read_compound(self, lv: str, lw: str, lang: str, firsts: list[int]) -> bool:
        """Whether candidate `lv` is a compound whose first part the engine read intact in
        `lw` (`firsts`: where `lw` has a first part), the damage being in the head
        ("invorderingsbestuiten" keeps "invorderings"). A compound whose seam the
        confusion made ("agendeerde" -> "agent|leerde") is no evidence, nor one that only
        changes the first part of a word with an intact head ("vakcommissies" ->
        "valkcommissies"): that part is more likely a word the lexicon does not know."""
        if len(lv) < 8:
            return False  # no room for two parts of four letters
        z = self.lexicon.zipf[lang]
        floor = self.settings.compound_part_zipf
        # The first part must be read intact: the same letters open both words.
        return any(
            k < len(lv) - 3 and lv.startswith(lw[:k]) and z.get(lv[k:], 0.0) >= floor
            for k in firsts
        )

    def _choose(
        self, word: str, lang: str, doc: LexiconIndex, *, name_like: bool
    ) -> tuple[str, float, float, str] | None:
        """The best replacement for `word` with its score, margin and reason, or None to keep it."""
        s = self.settings
        lw = word.lower()
        if doc.has(lw):
            return None  # spelled this way in the release's clean text
        z = self.lexicon.freq(lw, lang)
        other = self.lexicon.freq(lw, "en" if lang == "nl" else "nl")
        if z >= s.protect_zipf:
            return None
        # Capitalised tail entries are mostly real names ("Oekraine" is listed, Nicolai too);
        # lowercase ones are mostly fragments, so they need a higher frequency to count.
        known = z >= (s.listed_zipf if word.islower() else s.known_zipf)
        # A lowercase word more common in the other language is out of place in this line;
        # capitalised ones are mostly names, which travel between languages ("Modi").
        foreign = word.islower() and other >= z + 0.5 and other >= s.known_zipf
        floor = s.unknown_zipf
        if name_like:
            floor = s.name_zipf
            if not self._headed(lw, lang):
                floor -= s.length_zipf * max(0, len(lw) - s.long_word)
        keep = self._prior(lw, lang, doc, floor=floor)
        if known and foreign:
            keep -= s.foreign_penalty * LN10
        need = s.known_margin if known else s.margin
        # Candidate sources, from strongest to weakest evidence: lowercase form -> (source, spelling).
        cands: dict[str, tuple[str, str | None]] = {
            c: ("document_lexicon", doc.spelling(c)) for c in doc.near(lw)
        }
        # In-lexicon words change only on strong evidence; so do compounds of known words.
        restricted = not foreign if known else self._is_compound(lw, lang)
        if not restricted:
            reason = f"language:{lang}" if foreign else "confusion"
            # No confusion path costlier than this can win even with the most common word of this length.
            budget = (
                keep + need - (self.lexicon.top_zipf[lang].get(len(lw), 7.0) - 9) * LN10
            )
            # Where the word could open a compound; none (the usual case) skips the check.
            firsts = [] if known else self._first_parts(lw, lang)
            # Two confusions only where one finds nothing: the second step is the slow part.
            for depth in range(1, s.max_confusions + 1):
                for v in self.channel.variants(word, depth=depth, budget=budget):
                    lv = v.lower()
                    if lv != lw and (
                        self.lexicon.freq(lv, lang) >= s.known_zipf
                        or (
                            depth == 1
                            and firsts
                            and self._read_compound(lv, lw, lang, firsts)
                        )
                    ):
                        # A first letter the confusion capitalised keeps its case: "ledereen" was
                        # "Iedereen" (I read as l); elsewhere the word's own case holds
                        # ("Minlster" is "Minister", not "MinIster").
                        cands.setdefault(
                            lv,
                            (
                                reason,
                                v if v[:1].isupper() and word[:1].islower() else None,
                            ),
                        )
                if cands:
                    break
            # A speck turned into an accent ("kenmêrk", "ìs", "Notá"): the word without its
            # diacritics, scored through the pooled diacritic confusion.
            bare = fold(word)
            if bare != word and self.lexicon.freq(bare.lower(), lang) >= s.known_zipf:
                cands.setdefault(bare.lower(), (reason, bare))
            # Blind edits only for lowercase words: capitalised unknowns are mostly names and
            # abbreviations ("Btis"), which a frequent look-alike must not replace.
            if not known and word.islower():
                for c in self.lexicon.within_one(lw, lang):
                    cands.setdefault(c, ("confusion", None))
                if not cands and len(lw) > 5:
                    # Two blind edits only where nothing closer exists: the search is the slow part.
                    for c in self.lexicon.within_two(lw, lang):
                        cands.setdefault(c, ("confusion", None))
        cands.pop(lw, None)
        if not cands:
            return None
        scored = []
        for c, (source, spelling) in cands.items():
            surface = spelling or _recase(c, word)
            channel, used, unknown = self.channel.logp(word, surface)
            if (unknown or source == "document_lexicon") and (
                c.startswith(lw) or lw.startswith(c)
            ):
                # Another inflection of the word ("motie"/"moties", "hebbend"/"hebben") is no
                # evidence of damage unless the engine is known to make that very change.
                continue
            if source == "document_lexicon" and known and unknown:
                continue  # a listed word moves to the release's spelling only through a learned confusion
            if unknown > (0 if len(word) <= 5 else 1 if len(word) <= 8 else 2):
                continue  # short words have too many neighbours a blind edit or two away
            if unknown and not word.islower():
                continue  # capitalised words change only through learned confusions or the release
            if known and source != "document_lexicon" and channel < s.real_word_channel:
                continue  # a real word becomes another only through the engine's common confusions
            prior = self._prior(
                c,
                lang,
                doc,
                floor=s.compound_zipf if self._is_compound(c, lang) else 0.0,
            )
            scored.append((prior + channel, surface, source, used))
        if not scored:
            return None
        scored.sort(key=lambda x: -x[0])
        best, surface, source, used = scored[0]
        runner = scored[1][0] if len(scored) > 1 else -math.inf
        margin = best - max(keep, runner)
        if best - keep < need or best - runner < s.ambiguity:
            return None
        reason = f"confusion:{used}" if source == "confusion" else source
        return surface, best, margin, reason


@dataclass(frozen=True)
class LexiconIndex:
    """The release's clean words: lowercase set, surface spelling, near-neighbour search.

    The corrector reads it only through `has`, `count`, `spelling`, `near`
    and `total`, so that a `TracedLexicon` can record what one document's
    correction read (`LexiconUse`) and a later release keep that
    correction when its lexicon differs only elsewhere (`unchanged_for`).
    Two choices serve that: the pool is sorted, so that which neighbours
    `near` returns does not depend on the order of the release's
    documents; and a word's count and the lexicon's size (`total`) are
    rounded to a quarter power of two (the release's share of a word moves
    by at most 9% each way), so that a few documents more or less leave
    them, and every other document's corrections, unchanged."""

    words: frozenset[str]
    surface: dict[str, str]
    pool: tuple[str, ...]
    counts: dict[str, float]  # rounded
    total: float  # rounded

    @classmethod
    def of(cls, lexicon: Counter[str] | None) -> LexiconIndex:
        if not lexicon:
            return _EMPTY_DOC
        best: dict[str, tuple[int, str]] = {}
        counts: Counter[str] = Counter()
        for w, n in lexicon.items():
            lw = w.lower()
            counts[lw] += n
            # Ties go to the first spelling in sorted order, whatever the documents' order.
            if lw not in best or n > best[lw][0] or (n == best[lw][0] and w < best[lw][1]):
                best[lw] = (n, w)
        return cls(
            frozenset(best),
            {lw: w for lw, (_, w) in best.items()},
            tuple(sorted(best)),
            {lw: rounded(n) for lw, n in counts.items()},
            rounded(sum(counts.values())),
        )

    def has(self, lw: str) -> bool:
        return lw in self.words

    def count(self, lw: str) -> float:
        return self.counts.get(lw, 0.0)

    def spelling(self, lw: str) -> str:
        return self.surface[lw]

    def near(self, lw: str) -> list[str]:
        if not self.pool:
            return []
        hits = process.extract(
            lw, self.pool, scorer=Levenshtein.distance, score_cutoff=NEAR, limit=10
        )
        return [w for w, d, _ in hits if d > 0 and len(w) >= 4]


def rounded(n: int) -> float:
    """`n` rounded to the nearest quarter power of two (see `LexiconIndex`)."""
    return 2 ** (round(4 * math.log2(n)) / 4) if n > 0 else 0.0


@dataclass(frozen=True)
class TracedLexicon(LexiconIndex):
    """A `LexiconIndex` that records what is read of it (one per document)."""

    digest: str = ""
    members: dict[str, bool] = field(default_factory=dict)
    counted: dict[str, float] = field(default_factory=dict)
    spellings: dict[str, str] = field(default_factory=dict)
    queried: set[str] = field(default_factory=set)

    @classmethod
    def tracing(cls, index: LexiconIndex, digest: str) -> TracedLexicon:
        return cls(index.words, index.surface, index.pool, index.counts, index.total, digest)

    def has(self, lw: str) -> bool:
        self.members[lw] = found = super().has(lw)
        return found

    def count(self, lw: str) -> float:
        self.counted[lw] = n = super().count(lw)
        return n

    def spelling(self, lw: str) -> str:
        self.spellings[lw] = spelled = super().spelling(lw)
        return spelled

    def near(self, lw: str) -> list[str]:
        self.queried.add(lw)
        return super().near(lw)

    def use(self) -> LexiconUse:
        """What was read, with the values it had."""
        return LexiconUse(self.digest, self.total, dict(self.members), dict(self.counted), dict(self.spellings),
                          frozenset(self.queried))


def unchanged_for(use: LexiconUse, index: LexiconIndex, added_or_removed: Iterable[str]) -> bool:
    """Whether a correction that read `use` of its lexicon reads the same of
    `index`, a lexicon that holds the words `added_or_removed` (lowercase)
    where the first did not, or not where it did: the same rounded total,
    the same answer for every word looked up (held or not, rounded count,
    spelling), and no word gained or lost within `near`'s reach of a word
    whose neighbours were searched. The corrector reads nothing else of
    it, so its corrections are then the same."""
    if index.total != use.total:
        return False
    if any(index.has(w) != held for w, held in use.members.items()):
        return False
    if any(index.count(w) != n for w, n in use.counts.items()):
        return False
    if any(index.surface.get(w) != spelled for w, spelled in use.spellings.items()):
        return False
    changed = sorted(w for w in added_or_removed if len(w) >= 4)  # `near` returns no shorter word
    if not changed or not use.near:
        return True
    reach = process.cdist(changed, sorted(use.near), scorer=Levenshtein.distance, score_cutoff=NEAR, workers=1)
    return not bool((reach <= NEAR).any())


_EMPTY_DOC = LexiconIndex(frozenset(), {}, (), {}, 0.0)


def _core(token: str) -> tuple[str, int]:
    """A token without surrounding punctuation, and the offset of the core in the token."""
    m = _EDGE.match(token)
    assert m is not None  # _EDGE matches any token: its parts are optional
    return m.group(1), m.start(1)


def _recase(word: str, like: str) -> str:
    """Spell `word` with the case pattern of `like` (Capitalised, UPPER or lower)."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word.lower() if like.islower() else word


# -- module API ---------------------------------------------------------------


@lru_cache(maxsize=1)
def load_corrector() -> Corrector:
    """The corrector with its lexicons and the shipped confusion model (cached; ~1 s)."""
    return Corrector(
        lexicon=load_lexicon(), channel=load_model(), labels=known_labels()
    )


def document_lexicon(clean_texts: Iterable[str]) -> Counter[str]:
    """Words seen in the clean (non-OCR) parts of a release, with their counts.

    They are evidence for the spelling of the same words in OCR'd parts
    ("Oekraïne" in the public answers fixes "Oekraine" in the scanned memo).
    """
    counts: Counter[str] = Counter()
    for text in clean_texts:
        counts.update(w for w in _LETTERS.findall(text) if len(w) >= 2)
    return counts


def defined_terms(text: str) -> frozenset[str]:
    """Short names a text introduces for itself, lowercased ("(hierna: Btis)" -> "btis").

    Such a name is usually an abbreviation no lexicon lists, and often one edit
    from a common word ("Btis", "Bus"): the text defining it is the best
    evidence that it is spelled as read, wherever it recurs in the text.
    """
    return frozenset(
        w.lower()
        for m in _DEFINITION.finditer(text)
        for w in _LETTERS.findall(m.group(1))
    )


def looks_like_ocr(text: str) -> bool:
    """Whether a plain-text part reads like OCR output rather than typed text.

    Typed Dutch prose (the text layers of born-digital PDFs measured in
    bench/ocr_eval's sources) has a sentence or clause mark every ~10 words;
    text that went through a scanner often comes with its punctuation lost,
    words run together at case seams ("levenssfeerAfgestemd") and words the
    lexicon does not know. Two of the three signs must show, or many unknown
    words on their own (heavily damaged OCR).
    """
    words = _LETTERS.findall(text)
    if len(words) < 30:
        return False
    lex = load_lexicon()
    punct = sum(text.count(ch) for ch in ".,;:?!")
    seams = 0
    for token in _TOKEN.findall(text):
        m = _SEAM.match(_core(token)[0])
        if m and (m.group(1)[0].islower() or m.group(1)[0].isdigit()):
            seams += 1
    unknown = sum(
        1
        for w in words
        if len(w) > 2
        and max(lex.freq(w.lower(), "nl"), lex.freq(w.lower(), "en")) < 1.0
    ) / len(words)
    signs = (punct / len(words) < 0.03, seams / len(words) >= 0.002, unknown >= 0.03)
    return sum(signs) >= 2 or unknown >= 0.10


def normalise_and_correct(text: str) -> tuple[str, list[Correction]]:
    """`lakmoes normalise`: normalised, corrected text and the corrections (offsets in the normalised text)."""
    from flows.stages.normalise import normalise_text

    normal = normalise_text(text)
    corrections = load_corrector().correct(normal)
    corrected, _ = apply_text_edits(
        normal, [Edit(c.start, c.end, c.after) for c in corrections]
    )
    return corrected, corrections
