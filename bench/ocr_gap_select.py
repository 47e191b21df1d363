"""Choose the gap model's thresholds by leaving one train source out at a time.

The gap model is counted on the train split, so judging its thresholds on the
same pages would flatter every setting. Here each train source in turn is
held out: the gap counts are learned from the other sources (their OCR'd
pages and clean text, as `bench/ocr_train.py` does), and the held-out
source's aligned gaps are corrected with them. Per setting it prints the
characters saved (edit distance to the truth gap, before minus after), the
changes that broke a gap the engine had read right, all changes, and the
changes on the held-out 300 dpi pages (where the target is none).
The test split is not read.

Run: `python bench/ocr_gap_select.py [--probability 0.8 0.9] [--count 16 24] [--keep-prior 0 2 4]`
(a few minutes per setting on two busy cores).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_common import load_pairs
from ocr_train import clean_gap_pairs, gap_pairs
from rapidfuzz.distance import Levenshtein

from flows.stages.correct.gaps import GapModel, learn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probability", type=float, nargs="*", default=[0.8, 0.9])
    parser.add_argument("--count", type=int, nargs="*", default=[16])
    parser.add_argument("--keep-prior", type=float, nargs="*", default=[0.0, 2.0, 4.0])
    parser.add_argument("--sources", type=int, default=3)
    args = parser.parse_args()

    pages = load_pairs("train")
    renderings = round(len(pages) / len({(p["source"], p["chunk"]) for p in pages}))
    clean = clean_gap_pairs(renderings)
    # (left, OCR gap, right, truth gap, source, quality) for every aligned gap of the OCR'd pages.
    observed = [
        (*pair, page["quality"]) for page in pages for pair in gap_pairs([page])
    ]
    settings = list(itertools.product(args.probability, args.count, args.keep_prior))
    totals: dict[tuple, Counter] = {s: Counter() for s in settings}
    for held in sorted({o[4] for o in observed}):
        counts = learn(
            [o[:5] for o in observed if o[4] != held]
            + [c for c in clean if c[4] != held]
        )["contexts"]
        for setting in settings:
            p, n, k = setting
            model = GapModel.from_counts(counts, p, n, args.sources, k)
            t = totals[setting]
            for left, sep, right, truth, source, quality in observed:
                if source != held or sep == " ":
                    continue
                fix = model.fix(left, sep, right)
                if fix is None:
                    continue
                after = fix[0]
                t["saved"] += Levenshtein.distance(sep, truth) - Levenshtein.distance(
                    after, truth
                )
                t["wrong"] += truth == sep
                t["changes"] += 1
                t["clean_changes"] += quality == "300_clean"
    print(f"{len(pages)} train pages, clean text weight {renderings}")
    print(
        f"{'probability':>11}{'count':>6}{'keep prior':>11}{'saved':>7}{'wrong':>7}{'changes':>8}{'300 dpi':>8}"
    )
    for (p, n, k), t in totals.items():
        print(
            f"{p:>11}{n:>6}{k:>11}{t['saved']:>7}{t['wrong']:>7}{t['changes']:>8}{t['clean_changes']:>8}"
        )


if __name__ == "__main__":
    main()
