"""Measure the personal-data recognisers.

1. Planted data (bench/pii_generate.py): recall and precision per kind. A
   planted value is found when a hit of the same kind overlaps it; a hit
   counts as correct when it overlaps a planted value of its kind. Each
   document is scanned with its own allow-list (`allow_list_for`), as the
   pipeline does, so ministers and Kamerleden in the text test it too.
2. Real released pages in ../shared/data/ (or LAKMOES_SHARED_DATA): the
   born-digital PDFs' text layers (pdfminer.six) and the scanned PNGs
   (Tesseract `-l nld`, cached under bench/out/pii_ocr_cache/). Their
   redactions were made by the bodies, so every hit is a leak or a false
   positive: hits are printed masked, with file, page and recogniser, for a
   person to judge, and counted per ten pages.

Run: `python bench/pii_eval.py [--n 300] [--seed 7] [--no-real] [--no-ocr]`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from pii_generate import generate

from checks.text.pii.allow_list import allow_list_for
from checks.text.pii.scan import scan
from checks.text.pii.vocabulary import KINDS
from flows.model import Document

CACHE = REPO / "bench" / "out" / "pii_ocr_cache"


def _doc(text: str, path: str) -> Document:
    return Document(id=hashlib.sha256(text.encode()).hexdigest(), path=path, size=len(text),
                    media_type="text/plain", raw_text=text, text=text)


def planted_scores(n: int, seed: int) -> None:
    docs = generate(n, seed)
    found, planted, correct, hits_n = Counter(), Counter(), Counter(), Counter()
    by_genre_miss: Counter[str] = Counter()
    t0 = time.perf_counter()
    chars = 0
    for d in docs:
        text = d["text"]
        chars += len(text)
        hits = scan(text, allow=allow_list_for(_doc(text, f"planted-{d['id']}")))
        for p in d["planted"]:
            planted[p["kind"]] += 1
            if any(h.kind == p["kind"] and h.start < p["end"] and p["start"] < h.end for h in hits):
                found[p["kind"]] += 1
            else:
                by_genre_miss[f"{p['kind']}/{d['genre']}/{'ocr' if d['ocr'] else 'clean'}"] += 1
        for h in hits:
            hits_n[h.kind] += 1
            if any(h.kind == p["kind"] and h.start < p["end"] and p["start"] < h.end for p in d["planted"]):
                correct[h.kind] += 1
    dt = time.perf_counter() - t0
    print(f"planted: {n} documents (seed {seed}), {chars / 1000:.0f}k chars, scanned in {dt:.1f} s")
    print(f"{'kind':12}{'planted':>9}{'found':>7}{'recall':>8}{'hits':>7}{'precision':>11}")
    for k in KINDS:
        rec = found[k] / planted[k] if planted[k] else float("nan")
        prec = correct[k] / hits_n[k] if hits_n[k] else float("nan")
        print(f"{k:12}{planted[k]:>9}{found[k]:>7}{rec:>8.3f}{hits_n[k]:>7}{prec:>11.3f}")
    if by_genre_miss:
        print("misses by kind/genre/ocr:", dict(by_genre_miss.most_common(12)))


def shared_data() -> Path:
    env = os.environ.get("LAKMOES_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def pdf_pages(path: Path) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    return ["".join(e.get_text() for e in page if isinstance(e, LTTextContainer)) for page in extract_pages(path)]


def ocr_page(path: Path) -> str:
    """Tesseract's text of a scanned page, cached by the image's hash."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    cached = CACHE / f"{digest}.txt"
    if cached.exists():
        return cached.read_text(encoding="utf-8")
    out = subprocess.run(["tesseract", str(path), "-", "-l", "nld"], capture_output=True, text=True, check=True).stdout
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(out, encoding="utf-8")
    return out


def real_scores(with_ocr: bool) -> None:
    root = shared_data()
    if not root.is_dir():
        print(f"real pages: {root} not found, skipped")
        return
    sources: list[tuple[str, list[str]]] = []
    for pdf in sorted((root / "dutch-gov-pdfs").glob("*.pdf")):
        sources.append((pdf.name, pdf_pages(pdf)))
    if with_ocr:
        # Pages of one released document share a prefix ("0002-page1.png",
        # "Schiphol deel 1_page_40-001.png"):
        # scan them as one document, so its allow-list covers all its pages.
        groups: dict[str, list[Path]] = {}
        for png in sorted((root / "woo-redaction-pages" / "images").glob("*.png")):
            groups.setdefault(re.split(r"[-_ ]page[-_ ]?\d", png.name)[0], []).append(png)
        for key, pngs in groups.items():
            sources.append((f"scan:{key}", [ocr_page(p) for p in pngs]))
    totals: Counter[str] = Counter()
    distinct: set[tuple[str, str]] = set()  # (source, value hash): one leak named on many pages counts once
    pages = 0
    for name, texts in sources:
        doc_text = "\f".join(texts)
        allow = allow_list_for(_doc(doc_text, name))
        for i, page_text in enumerate(texts, 1):
            pages += 1
            for h in scan(page_text, allow=allow):
                totals[h.kind] += 1
                distinct.add((name, h.value_hash))
                print(f"  {name:28} p{i:<3} {h.kind:10} {h.recogniser:12} {h.masked}")
    n = sum(totals.values())
    print(f"real pages: {pages} pages, {n} hits ({dict(totals)}), {10 * n / max(pages, 1):.2f} hits per 10 pages, "
          f"{len(distinct)} distinct values per document")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-real", action="store_true", help="skip the real pages")
    ap.add_argument("--no-ocr", action="store_true", help="skip OCR of the scanned pages")
    args = ap.parse_args()
    planted_scores(args.n, args.seed)
    if not args.no_real:
        real_scores(with_ocr=not args.no_ocr)


if __name__ == "__main__":
    main()
