"""Where the OCR character errors are: a breakdown per error class, before and after correction.

Truth and OCR text (whitespace normalised, as `ocr_common.cer` measures) are
aligned character by character; adjacent edits merge into one block, and each
block's edit cost is charged to one class:

- garbage: four or more characters on one side only, with no letters of the
  truth (table rules, specks, stamps read as ": : |"), or a whole truth word lost;
- split: a space the truth does not have, inside a word ("Creat ieve");
- join: a space of the truth missing, two words read as one;
- hyphen/space: a hyphen or dash read as a space, or the reverse, or one dash for another;
- punctuation: only punctuation on both sides ("," for ".", a lost full stop);
- digits: a block with a digit on either side;
- case: the same letters in another case;
- diacritic: the same letters with another or no accent ("kenmêrk", "Oekraine");
- unknown word: letters inside a truth word no lexicon lists (names, codes, rare
  compounds): a word-level corrector has no candidate to offer;
- letters: letters inside a listed truth word (the word-level corrector's ground).

Under the table, two ceilings: the CER cut a perfect word-level corrector would
reach, fixing every block of the classes that live inside words of the lexicon
("letters", "diacritic", "split", "join"), and the same with every unlisted
word and case error fixed too, which no lexicon can decide. They bound what any
corrector working word by word can do on this OCR output.

Run: `python bench/ocr_errors.py [--split train] [--corrected] [--doc-lexicon] [--examples CLASS]`.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collections.abc import Iterator

from ocr_common import load_pairs
from rapidfuzz.distance import Levenshtein

from flows.stages.correct.channel import fold

# The classes a word-level corrector with a lexicon can fix, and those it could at best.
WORD_LEVEL = ("letters", "diacritic", "split", "join")
WORD_LEVEL_AT_BEST = (*WORD_LEVEL, "unknown word", "case")
CLASSES = (
    "letters",
    "unknown word",
    "diacritic",
    "split",
    "join",
    "hyphen/space",
    "punctuation",
    "digits",
    "case",
    "garbage",
)
_WORD = re.compile(r"\w+")
_DASHES = "-‐‑‒–—―"


def _is_punct(s: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PS" for ch in s)


def classify(a: str, b: str, listed: bool = True) -> str:
    """The error class of one edit block: truth side `a`, OCR side `b`; `listed` is
    whether a lexicon knows the truth word the block falls in."""
    if a.strip(" ") == "" and b.strip(" ") == "":
        return "split" if len(b) > len(a) else "join"
    if (not a and len(b) >= 4) or (not b and len(a) >= 4 and " " in a):
        return "garbage"
    sides = a + b
    if any(ch in _DASHES for ch in sides) and set(sides) <= set(_DASHES + " "):
        return "hyphen/space"
    if any(ch.isdigit() for ch in sides):
        return "digits"
    if _is_punct(a.replace(" ", "")) and _is_punct(b.replace(" ", "")):
        return "punctuation"
    if a.lower() == b.lower() and a != b:
        return "case"
    if a and fold(a) == fold(b) and len(a) == len(b):
        return "diacritic"
    if not listed:
        return "unknown word"
    return "letters"


def _word_at(text: str, i: int) -> str:
    """The word of `text` that covers or touches position `i`."""
    for m in _WORD.finditer(text, max(0, i - 40)):
        if m.start() <= i <= m.end():
            return m.group(0)
        if m.start() > i:
            break
    return ""


def blocks(truth: str, text: str) -> list[tuple[str, str, int, int]]:
    """Merged edit blocks (truth side, OCR side, edit cost, truth position) of the normalised strings."""
    a, b = " ".join(truth.split()), " ".join(text.split())
    out: list[list] = []
    last = None
    for op in Levenshtein.editops(a, b):
        i, j = op.src_pos, op.dest_pos
        if last is not None and (i, j) == last:
            block = out[-1]
        else:
            block = [set(), set(), 0, i]
            out.append(block)
        if op.tag in ("replace", "delete"):
            block[0].add(i)
        if op.tag in ("replace", "insert"):
            block[1].add(j)
        block[2] += 1
        last = (i + (op.tag != "insert"), j + (op.tag != "delete"))
    return [
        ("".join(a[i] for i in sorted(s)), "".join(b[j] for j in sorted(t)), n, pos)
        for s, t, n, pos in out
    ]


def classified(truth: str, text: str) -> Iterator[tuple[str, str, str, int]]:
    """(class, truth side, OCR side, cost) of every edit block."""
    from flows.stages.correct.lexicon import load_lexicon

    lex = load_lexicon()
    norm = " ".join(truth.split())
    for a, b, n, pos in blocks(truth, text):
        word = _word_at(norm, pos)
        listed = word.isalpha() and any(
            lex.freq(fold(word.lower()), lang) >= 2.0
            or lex.freq(word.lower(), lang) >= 2.0
            for lang in ("nl", "en")
        )
        yield classify(a, b, listed), a, b, n


def breakdown(pages: list[dict], texts: list[str]) -> dict[str, Counter]:
    """Quality bucket -> class -> edit cost, plus the bucket's truth length under "chars"."""
    rows: dict[str, Counter] = defaultdict(Counter)
    for page, text in zip(pages, texts, strict=False):
        r = rows[page["quality"]]
        r["chars"] += len(" ".join(page["truth"].split()))
        for cls, _, _, n in classified(page["truth"], text):
            r[cls] += n
    return rows


def corrected_texts(pages: list[dict], doc_lexicon: bool) -> list[str]:
    from flows.model import Edit, apply_text_edits
    from flows.stages.correct.corrector import document_lexicon, load_corrector

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
        buckets = sorted(rows)
        print(
            f"{name}: character errors per class, % of truth characters "
            f"(share of the bucket's {name} errors) (split={args.split})"
        )
        print(f"{'class':<14}" + "".join(f"{q:>22}" for q in buckets))
        totals = {q: sum(rows[q][c] for c in CLASSES) for q in buckets}
        for c in (*CLASSES, "total"):
            cells = []
            for q in buckets:
                n = totals[q] if c == "total" else rows[q][c]
                share = n / max(totals[q], 1)
                cells.append(f"{100 * n / rows[q]['chars']:>13.3f}% ({share:>4.0%})")
            print(f"{c:<14}" + "".join(cells))
        if name == "OCR":
            for label, classes in (
                ("word ceiling", WORD_LEVEL),
                ("+names, case", WORD_LEVEL_AT_BEST),
            ):
                cells = [
                    f"{sum(rows[q][c] for c in classes) / max(totals[q], 1):>21.0%}"
                    for q in buckets
                ]
                print(f"{label:<14}" + " ".join(cells))
        if args.examples:
            seen: Counter = Counter()
            for page, text in zip(pages, texts, strict=False):
                if page["quality"] in ("200_bin", "150_bin_noise"):
                    for cls, a, b, _ in classified(page["truth"], text):
                        if cls == args.examples:
                            seen[(a, b)] += 1
            print(seen.most_common(40))


if __name__ == "__main__":
    main()
