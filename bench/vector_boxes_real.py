"""What the vector-box checks find on the real born-digital PDFs in
../shared/data/dutch-gov-pdfs: boxes by style and ground, findings by check
and severity, per file, and the time per page of the checks against the time
of the page walk (pdfminer) in the same run. Then a crowded synthetic page
(5400 glyphs under 1500 filled shapes, as a map or chart can be) to show the
checks stay fast where every shape meets text.

    python bench/vector_boxes_real.py [DIR]

Leaked text is never printed: only counts and the checks' masked messages.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

from checks.pdf.boxes import find_redactions
from flows.model import Glyph, Page, Shape
from flows.model.errors import PdfError
from flows.stages.extract.pdf import extract_pages


def crowded_page() -> Page:
    """90 x 60 glyphs with 1500 random filled rectangles painted over them."""
    rng = random.Random(1)
    glyphs = [
        Glyph("a", (x * 6.0, y * 12.0, x * 6 + 5, y * 12 + 10), (0, 0, 0), 0, 1.0, y * 90 + x, "F", 10)
        for y in range(60)
        for x in range(90)
    ]
    shapes = []
    for i in range(1500):
        x, y = rng.uniform(0, 500), rng.uniform(0, 700)
        w, h, grey = rng.uniform(8, 40), rng.uniform(8, 20), rng.random()
        shapes.append(Shape((x, y, x + w, y + h), "rect", True, False, (grey,) * 3, None, 1.0, 10000 + i))
    return Page(1, 595, 842, "synthetic", "", "", glyphs=glyphs, shapes=shapes)


def data_dir() -> Path:
    """../shared/data/dutch-gov-pdfs beside the checkout, or under
    LAKMOES_SHARED_DATA."""
    env = os.environ.get("LAKMOES_SHARED_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return base / "dutch-gov-pdfs"


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else data_dir()
    if not folder.is_dir():
        print(f"no PDFs at {folder}", file=sys.stderr)
        return 2
    walk_s = check_s = 0.0
    pages_total = 0
    totals: Counter[str] = Counter()
    for path in sorted(folder.glob("*.pdf")):
        t0 = time.perf_counter()
        try:
            pages = extract_pages(path, ocr=False)
        except PdfError as e:
            print(f"{path.name}: cannot read: {e}")
            continue
        t1 = time.perf_counter()
        boxes: Counter[str] = Counter()
        findings: Counter[str] = Counter()
        for page in pages:
            bs, fs = find_redactions(page)
            boxes.update(f"{b.style}/{b.ground_code or 'none'}" for b in bs)
            findings.update(f"{f.severity}:{f.check}" for f in fs)
        t2 = time.perf_counter()
        walk_s += t1 - t0
        check_s += t2 - t1
        pages_total += len(pages)
        totals.update(boxes)
        totals.update(findings)
        print(f"{path.name}: {len(pages)} pages; boxes {dict(boxes) or '-'}; findings {dict(findings) or '-'}")
    if pages_total:
        print(
            f"\n{pages_total} pages: walk {walk_s / pages_total * 1000:.0f} ms/page, "
            f"box checks {check_s / pages_total * 1000:.1f} ms/page "
            f"({check_s / walk_s:.2f}x the walk)"
        )
        print(f"totals: {dict(totals)}")
    page = crowded_page()
    t0 = time.perf_counter()
    boxes, findings = find_redactions(page)
    print(
        f"crowded page ({len(page.glyphs)} glyphs, {len(page.shapes)} shapes): {len(boxes)} boxes, "
        f"{len(findings)} findings in {time.perf_counter() - t0:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
