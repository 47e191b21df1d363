"""Where the OCR character errors are: a breakdown per error class, before and after correction.

Truth and OCR text (whitespace normalised, as `ocr_common.cer` measures) are
aligned character by character; adjacent edits merge into one block, and each
block's edit cost is charged to one class:

- split: a space the truth does not have, inside a word ("Creat ieve");
- join: a space of the truth missing, two words read as one;
- hyphen/space: a hyphen or dash read as a space, or the reverse, or one dash for another;
- punctuation: only punctuation on both sides ("," for ".", a lost full stop);
- digits: a block with a digit on either side;
- case: the same letters in another case;
- letters: everything else inside words (the word-level corrector's ground).

Run: `python bench/ocr_errors.py [--split train] [--corrected] [--doc-lexicon]`.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_common import load_pairs
from rapidfuzz.distance import Levenshtein

CLASSES = ("letters", "split", "join", "hyphen/space", "punctuation", "digits", "case")
_DASHES = "-‐‑‒–—―"


def _is_punct(s: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PS" for ch in s)


def classify(a: str, b: str) -> str:
    """The error class of one edit block: truth side `a`, OCR side `b`."""
    if a.strip(" ") == "" and b.strip(" ") == "":
        return "split" if len(b) > len(a) else "join"
    sides = a + b
    if any(ch in _DASHES for ch in sides) and set(sides) <= set(_DASHES + " "):
        return "hyphen/space"
    if any(ch.isdigit() for ch in sides):
        return "digits"
    if _is_punct(a.replace(" ", "")) and _is_punct(b.replace(" ", "")):
        return "punctuation"
    if a.lower() == b.lower() and a != b:
        return "case"
    return "letters"


def blocks(truth: str, text: str) -> list[tuple[str, str, int]]:
    """Merged edit blocks (truth side, OCR side, edit cost) of the normalised strings."""
    a, b = " ".join(truth.split()), " ".join(text.split())
    out: list[list] = []
    last = None
    for op in Levenshtein.editops(a, b):
        i, j = op.src_pos, op.dest_pos
        if last is not None and (i, j) == last:
            block = out[-1]
        else:
            block = [set(), set(), 0]
            out.append(block)
        if op.tag in ("replace", "delete"):
            block[0].add(i)
        if op.tag in ("replace", "insert"):
            block[1].add(j)
        block[2] += 1
        last = (i + (op.tag != "insert"), j + (op.tag != "delete"))
    return [
        ("".join(a[i] for i in sorted(s)), "".join(b[j] for j in sorted(t)), n)
        for s, t, n in out
    ]


def breakdown(pages: list[dict], texts: list[str]) -> dict[str, Counter]:
    """Quality bucket -> class -> edit cost, plus the bucket's truth length under "chars"."""
    rows: dict[str, Counter] = defaultdict(Counter)
    for page, text in zip(pages, texts):
        r = rows[page["quality"]]
        r["chars"] += len(" ".join(page["truth"].split()))
        for a, b, n in blocks(page["truth"], text):
            r[classify(a, b)] += n
    return rows


def corrected_texts(pages: list[dict], doc_lexicon: bool) -> list[str]:
    from flows.correct import document_lexicon, load_corrector
    from flows.model import Edit, apply_text_edits

    corrector = load_corrector()
    out = []
    for page in pages:
        doc = None
        if doc_lexicon:
            doc = document_lexicon(
                p["truth"]
                for p in pages
                if p["source"] == page["source"] and p["chunk"] != page["chunk"]
            )
        cs = corrector.correct(page["ocr"], doc_lexicon=doc)
        out.append(
            apply_text_edits(page["ocr"], [Edit(c.start, c.end, c.after) for c in cs])[
                0
            ]
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="train", choices=("test", "train"))
    parser.add_argument(
        "--corrected", action="store_true", help="also after correction"
    )
    parser.add_argument("--doc-lexicon", action="store_true")
    parser.add_argument(
        "--examples", type=str, default="", help="print blocks of this class"
    )
    args = parser.parse_args()
    pages = load_pairs(args.split)
    runs = [("OCR", [p["ocr"] for p in pages])]
    if args.corrected:
        runs.append(("corrected", corrected_texts(pages, args.doc_lexicon)))
    for name, texts in runs:
        rows = breakdown(pages, texts)
        print(
            f"{name}: character errors per class, % of truth characters (split={args.split})"
        )
        print(
            f"{'bucket':<16}" + "".join(f"{c:>13}" for c in CLASSES) + f"{'total':>9}"
        )
        for q in sorted(rows):
            r = rows[q]
            print(
                f"{q:<16}"
                + "".join(f"{100 * r[c] / r['chars']:>12.3f}%" for c in CLASSES)
                + f"{100 * sum(r[c] for c in CLASSES) / r['chars']:>8.3f}%"
            )
        if args.examples:
            seen: Counter = Counter()
            for page, text in zip(pages, texts):
                if page["quality"] in ("200_bin", "150_bin_noise"):
                    for a, b, _ in blocks(page["truth"], text):
                        if classify(a, b) == args.examples:
                            seen[(a, b)] += 1
            print(seen.most_common(40))


if __name__ == "__main__":
    main()
