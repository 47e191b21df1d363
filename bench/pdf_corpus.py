"""Generate a corpus of born-digital, multi-page Dutch PDFs for the PDF
throughput benchmark (`bench/pdf_throughput.py`).

The documents are Kamervragen-style answer documents: "Vraag N" /
"Antwoord" blocks whose sentences are drawn (with a fixed random seed) from
the seed release's public answers, so the text is real Dutch government
prose with its diacritics, set in reportlab's Helvetica like many
born-digital releases.

Usage: `python -m bench.pdf_corpus OUTDIR [--pages 200] [--pages-per-doc 10]`.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_0ab521027ec415e7.txt"
MEMO_START = "I Ministerie van Buitenlandse Zaken"


# Sentences that carry the structure of a Kamervragen document (its
# introduction, "Vraag 3", "Antwoord", dates of receipt) would start a
# second document or a question inside an answer: a real release never
# does that, so they are left out of the pool.
STRUCTURAL = re.compile(r"\b(?:Vraag|Vragen|Antwoorden?|Datum|Binnengekomen|Mededeling|Aanhangsel)\b")


def sentences(seed: Path = SEED) -> list[str]:
    """Prose sentences of the seed's public answers (the part before the memo)."""
    text = seed.read_text(encoding="utf-8").split(MEMO_START)[0]
    flat = re.sub(r"\s+", " ", text)
    pieces = (s.strip() for s in re.split(r"(?<=[.?!])\s+(?=[A-Z“‘])", flat))
    return [s for s in pieces if len(s) > 30 and not STRUCTURAL.search(s)]


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_document(path: Path, pages: int, pool: list[str], rng: random.Random) -> None:
    """A document of exactly `pages` pages: question/answer blocks, a page
    break after each page's worth of text."""
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10.5, leading=14, spaceAfter=8)
    head = ParagraphStyle("head", parent=body, fontName="Helvetica-Bold", spaceAfter=2)
    story = []
    nr = 1
    for page in range(pages):
        for _ in range(2):
            story.append(Paragraph(f"Vraag {nr}", head))
            story.append(Paragraph(_xml(" ".join(rng.sample(pool, 2))), body))
            story.append(Paragraph("Antwoord", head))
            story.append(Paragraph(_xml(" ".join(rng.sample(pool, 4))), body))
            nr += 1
        if page < pages - 1:
            story.append(PageBreak())
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, invariant=1)
    doc.build(story)


def generate(outdir: Path, pages: int = 200, pages_per_doc: int = 10, seed: int = 42) -> list[Path]:
    """Write ceil(pages / pages_per_doc) PDFs holding `pages` pages in all
    (a page may overflow onto the next when its blocks are long, so the
    real count is read back by the benchmark)."""
    outdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = sentences()
    paths = []
    left, i = pages, 0
    while left > 0:
        n = min(pages_per_doc, left)
        path = outdir / f"kamervragen-{i:03d}.pdf"
        write_document(path, n, pool, rng)
        paths.append(path)
        left -= n
        i += 1
    return paths


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("outdir", type=Path)
    p.add_argument("--pages", type=int, default=200, help="pages in all (default 200)")
    p.add_argument("--pages-per-doc", type=int, default=10)
    args = p.parse_args(argv)
    paths = generate(args.outdir, args.pages, args.pages_per_doc)
    print(f"{len(paths)} PDFs in {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
