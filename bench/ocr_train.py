"""Learn the OCR confusion model from the train split of the generated pairs.

Reads `bench/out/ocr_pairs/` (made by `bench/ocr_generate.py`), aligns truth
and OCR words, learns segment confusions with `flows.correct_channel.learn`
and writes `flows/stages/correct/ocr_confusions.json`; counts which gaps the truth had
between two words where the OCR shows a gap, plus the gaps of the whole clean
text of each train source as its own truth (`flows.correct_gaps.learn`), and
writes `flows/stages/correct/ocr_gaps.json`. Both are shipped so that nothing is trained
at run time. Only train-split sources are used; `bench/ocr_eval.py`
reports on the others.

Run: `python bench/ocr_train.py`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_common import aligned_words, core, load_pairs
from rapidfuzz.distance import Levenshtein

from flows.stages.correct.channel import MODEL_PATH, learn
from flows.stages.correct.gaps import (
    GAPS_PATH,
    aligned_gaps,
    gap_classes,
    gaps,
    guarded,
    normal_gap,
)
from flows.stages.correct.gaps import learn as learn_gaps


def training_pairs(pages: list[dict]) -> tuple[list[tuple[str, str]], list[str]]:
    """Differing (truth, OCR) word cores and all truth word cores of the pages."""
    pairs, truth_words = [], []
    for page in pages:
        for truth, ocr in aligned_words(page["truth"], page["ocr"]):
            a, b = core(truth), core(ocr)
            truth_words.append(a)
            # Pairs too far apart are misalignments or wholesale garbage, not confusions.
            if a != b and a and b and Levenshtein.distance(a, b) <= max(2, len(a) // 3):
                pairs.append((a, b))
    return pairs, truth_words


def gap_pairs(pages: list[dict]) -> list[tuple[str, str, str, str, str]]:
    """(left class, OCR gap, right class, truth gap, source) for every aligned gap of the pages."""
    from flows.stages.correct.lexicon import load_lexicon

    lex = load_lexicon()

    def freq(w: str) -> float:
        return max(lex.freq(w, "nl"), lex.freq(w, "en"))

    # Rows are keyed (left class, gap, right class), the key the gap model counts under.
    return [
        (left, normal_gap(g.sep), right, truth, page["source"])
        for page in pages
        for g, truth in aligned_gaps(page["truth"], page["ocr"])
        if not guarded(page["ocr"], g)
        for left, right in [gap_classes(g, freq)]
    ]


def clean_gap_pairs(weight: int) -> list[tuple[str, str, str, str, str]]:
    """Every gap of the whole clean text of each train source, as its own truth, `weight` times.

    The OCR'd pages cover a few hundred words per source; the rest of the
    text shows which gaps typed text has in each context ("Let wel: het",
    "de-list"), so that a context clean text produces keeps its gap. Each
    counts as often as a passage of the OCR'd pages does: once per rendering
    (quality bucket, font), as if every rendering had read it right.
    """
    from ocr_generate import sources, split_of

    from flows.stages.correct.lexicon import load_lexicon

    lex = load_lexicon()

    def freq(w: str) -> float:
        return max(lex.freq(w, "nl"), lex.freq(w, "en"))

    return weight * [
        (left, sep, right, sep, name)
        for name, text in sources().items()
        if split_of(name) == "train"
        for g in gaps(text)
        if not guarded(text, g) and (sep := normal_gap(g.sep)) != " "
        for left, right in [gap_classes(g, freq)]
    ]


def main() -> None:
    pages = load_pairs("train")
    # Each passage is rendered several times (quality buckets, fonts): the clean text
    # counts as often as an average passage does.
    renderings = round(len(pages) / len({(p["source"], p["chunk"]) for p in pages}))
    gap_model = learn_gaps(gap_pairs(pages) + clean_gap_pairs(renderings))
    gap_model["trained_on"] = {
        "pages": len(pages),
        "sources": sorted({p["source"] for p in pages}),
        "clean_text_weight": renderings,
    }
    GAPS_PATH.write_text(
        json.dumps(gap_model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"{len(gap_model['contexts'])} gap contexts -> {GAPS_PATH}")
    pairs, truth_words = training_pairs(pages)
    model = learn(pairs, truth_words)
    model["trained_on"] = {
        "pages": len(pages),
        "sources": sorted({p["source"] for p in pages}),
        "qualities": sorted({p["quality"] for p in pages}),
        "word_pairs_differing": len(pairs),
        "truth_words": len(truth_words),
    }
    MODEL_PATH.write_text(
        json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(
        f"{len(model['confusions'])} confusions from {len(pairs)} differing pairs "
        f"of {len(truth_words)} words; unknown edit logp {model['edit_logp']:.2f} -> {MODEL_PATH}"
    )
    for c in model["confusions"][:25]:
        print(
            f"  {c['intended']!r:>8} -> {c['observed']!r:<8} n={c['count']:<4} logp={c['logp']:.2f}"
        )


if __name__ == "__main__":
    main()
