"""Shared helpers of the OCR benchmark: reading cached pairs and aligning words."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from rapidfuzz.distance import Levenshtein

PAIRS = Path(__file__).resolve().parent / "out" / "ocr_pairs"
_EDGE_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")


def load_pairs(split: str | None = None) -> list[dict]:
    """Cached (truth, OCR) pages written by bench/ocr_generate.py, optionally one split."""
    if not PAIRS.is_dir():
        raise SystemExit(f"{PAIRS}: no OCR pairs yet; run bench/ocr_generate.py first")
    pages = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(PAIRS.glob("*.json"))
    ]
    return [p for p in pages if split is None or p["split"] == split]


def words(text: str) -> list[str]:
    return text.split()


def core(token: str) -> str:
    """A token without the punctuation around it."""
    return _EDGE_PUNCT.sub("", token)


def aligned_words(truth: str, ocr: str) -> Iterator[tuple[str, str]]:
    """(truth, OCR) word pairs from a word-level alignment.

    Equal-length replace blocks pair word by word; unequal blocks pair as
    space-joined strings, which is how splits and merges show up.
    """
    t, o = words(truth), words(ocr)
    for op in Levenshtein.opcodes(t, o):
        if (
            op.tag == "equal"
            or (op.tag == "replace"
            and op.src_end - op.src_start == op.dest_end - op.dest_start)
        ):
            for i, j in zip(
                range(op.src_start, op.src_end), range(op.dest_start, op.dest_end), strict=False
            ):
                yield t[i], o[j]
        elif (
            op.tag == "replace"
            and max(op.src_end - op.src_start, op.dest_end - op.dest_start) <= 3
        ):
            yield (
                " ".join(t[op.src_start : op.src_end]),
                " ".join(o[op.dest_start : op.dest_end]),
            )


def cer(truth: str, text: str) -> tuple[int, int]:
    """Character edit distance and truth length, whitespace normalised."""
    a, b = " ".join(truth.split()), " ".join(text.split())
    return Levenshtein.distance(a, b), len(a)


def wer(truth: str, text: str) -> tuple[int, int]:
    a, b = words(truth), words(text)
    return Levenshtein.distance(a, b), len(a)
