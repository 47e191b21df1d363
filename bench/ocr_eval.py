"""Measure the OCR corrector on the generated (truth, OCR) pairs.

Per quality bucket it prints character and word error rates before and after
correction, the number of changes, how many fixed a wrong word and how many
made a correct word wrong (per 1,000 words), and words per CPU-second. A
change to the separator between two words ("gap:" reasons) is judged against
the truth's separator between the same two aligned words. Load
time and speed are also printed as ratios against reference work done in the
same process (reading wordfreq's Dutch list through wordfreq itself; a plain
split-and-look-up pass over the same text), because the machine is shared.

The figures come from the test split (sources the confusion model was not
learned from); `--split train` is for choosing the thresholds in
`flows.stages.correct.corrector.Settings` (the gap model's by `bench/ocr_gap_select.py`,
which holds each train source out in turn). `--doc-lexicon` gives each page the words of the
other pages of the same source as its release lexicon, as the pipeline does
with the clean parts of a release.

Run: `python bench/ocr_eval.py [--split test] [--doc-lexicon] [--set margin=4.0 ...]`.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_common import cer, load_pairs, wer
from rapidfuzz.distance import Levenshtein

from flows.model import Edit, apply_text_edits
from flows.stages.correct.gaps import aligned_gaps, normal_gap


def judge(truth: str, ocr: str, corrections) -> tuple[list, int]:
    """(wrong, fixed): the changes that broke a word OCR had right, and how many made a word right."""
    t = truth.split()
    tokens = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"\S+", ocr)]
    o = [tok for _, _, tok in tokens]
    starts = [s for s, _, _ in tokens]
    right = [False] * len(o)
    target: dict[int, str] = {}
    for op in Levenshtein.opcodes(t, o):
        for i, j in zip(
            range(op.src_start, op.src_end), range(op.dest_start, op.dest_end), strict=False
        ):
            if op.tag == "equal":
                right[j] = True
            elif op.tag == "replace":
                target[j] = t[i]
    truth_gap = {
        (g.start, g.end): (normal_gap(g.sep), t_sep)
        for g, t_sep in aligned_gaps(truth, ocr)
    }
    wrong, fixed = [], 0
    for c in corrections:
        if c.reason.startswith("gap:"):
            # A separator between two words: judged against the truth's separator between the same words.
            seps = truth_gap.get((c.start, c.end))
            if seps is not None and seps[1] == seps[0]:
                wrong.append(c)
            elif seps is not None and seps[1] == normal_gap(c.after):
                fixed += 1
            continue
        j = bisect.bisect_right(starts, c.start) - 1
        s, _, tok = tokens[j]
        new_tok = tok[: c.start - s] + c.after + tok[c.end - s :]
        if right[j]:
            wrong.append(c)
        elif target.get(j) == new_tok:
            fixed += 1
    return wrong, fixed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("test", "train"))
    parser.add_argument("--doc-lexicon", action="store_true")
    parser.add_argument(
        "--set", nargs="*", default=[], help="override Settings fields, e.g. margin=5"
    )
    parser.add_argument(
        "--show", type=int, default=0, help="print this many changes per bucket"
    )
    args = parser.parse_args()

    cpu0, wall0 = time.process_time(), time.perf_counter()
    from flows.stages.correct.corrector import (
        Settings,
        document_lexicon,
        load_corrector,
    )

    corrector = load_corrector()
    load_cpu, load_wall = time.process_time() - cpu0, time.perf_counter() - wall0
    overrides = {
        k: type(getattr(Settings(), k))(v)
        for k, v in (kv.split("=", 1) for kv in args.set)
    }
    corrector = dataclasses.replace(
        corrector, settings=dataclasses.replace(corrector.settings, **overrides)
    )

    ref0 = time.process_time()
    from wordfreq import get_frequency_dict

    get_frequency_dict("nl", "large")
    ref_load = time.process_time() - ref0

    pages = load_pairs(args.split)
    by_source: dict[str, list[dict]] = defaultdict(list)
    for p in pages:
        by_source[p["source"]].append(p)

    rows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    examples: dict[str, list[str]] = defaultdict(list)
    cpu_correct = 0.0
    for page in pages:
        doc = None
        if args.doc_lexicon:
            others = {
                p["chunk"]: p["truth"]
                for p in by_source[page["source"]]
                if p["chunk"] != page["chunk"]
            }
            doc = document_lexicon(others.values())
        t0 = time.process_time()
        corrections = corrector.correct(page["ocr"], doc_lexicon=doc)
        spent = time.process_time() - t0
        cpu_correct += spent
        rows[page["quality"]]["cpu"] += spent
        fixed_text, _ = apply_text_edits(
            page["ocr"], [Edit(c.start, c.end, c.after) for c in corrections]
        )
        wrong, fixed = judge(page["truth"], page["ocr"], corrections)
        r = rows[page["quality"]]
        for key, (d, n) in (
            ("cer0", cer(page["truth"], page["ocr"])),
            ("cer1", cer(page["truth"], fixed_text)),
            ("wer0", wer(page["truth"], page["ocr"])),
            ("wer1", wer(page["truth"], fixed_text)),
        ):
            r[key] += d
            r[key + "_n"] += n
        r["words"] += len(page["ocr"].split())
        r["changes"] += len(corrections)
        r["wrong"] += len(wrong)
        r["fixed"] += fixed
        for c in corrections:
            if len(examples[page["quality"]]) < args.show:
                flag = "WRONG " if c in wrong else ""
                examples[page["quality"]].append(
                    f"{flag}{c.before!r}->{c.after!r} ({c.reason}, m={c.margin})"
                )

    total_words = sum(r["words"] for r in rows.values())
    print(
        f"split={args.split} doc_lexicon={args.doc_lexicon} pages={len(pages)} words={int(total_words)} "
        f"settings={dataclasses.asdict(corrector.settings) if overrides else 'default'}"
    )
    print(
        f"{'bucket':<15}{'CER before':>11}{'CER after':>10}{'CER cut':>8}{'WER before':>11}{'WER after':>10}"
        f"{'changes':>8}{'fixed':>6}{'wrong':>6}{'wrong/1k':>9}{'words/s':>9}"
    )
    for q in sorted(rows):
        r = rows[q]
        c0, c1 = r["cer0"] / r["cer0_n"], r["cer1"] / r["cer1_n"]
        w0, w1 = r["wer0"] / r["wer0_n"], r["wer1"] / r["wer1_n"]
        cut = f"{(c0 - c1) / c0:.0%}" if c0 else "-"
        print(
            f"{q:<15}{c0:>11.3%}{c1:>10.3%}{cut:>8}{w0:>11.3%}{w1:>10.3%}{int(r['changes']):>8}"
            f"{int(r['fixed']):>6}{int(r['wrong']):>6}{1000 * r['wrong'] / r['words']:>9.2f}"
            f"{r['words'] / max(r['cpu'], 1e-9):>9,.0f}"
        )
        for e in examples[q]:
            print("     ", e)

    ref0 = time.process_time()
    lex = corrector.lexicon.zipf["nl"]
    for page in pages:
        sum(lex.get(w.lower(), 0.0) for w in page["ocr"].split())
    ref_pass = time.process_time() - ref0
    print(
        f"speed: {total_words / cpu_correct:,.0f} words per CPU-second "
        f"({cpu_correct / max(ref_pass, 1e-9):.1f}x a bare split-and-look-up pass over the same text)"
    )
    print(
        f"load: {load_cpu:.2f} s CPU, {load_wall:.2f} s wall "
        f"({load_cpu / max(ref_load, 1e-9):.2f}x wordfreq's own get_frequency_dict('nl', 'large'))"
    )


if __name__ == "__main__":
    main()
