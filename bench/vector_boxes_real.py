"""What the vector-box checks find on the real born-digital PDFs in
../shared/data/dutch-gov-pdfs: boxes by style and ground, findings by check
and severity, per file, and the time per page of the checks against the time
of the page walk (pdfminer) in the same run.

    python bench/vector_boxes_real.py [DIR]

Leaked text is never printed: only counts and the checks' masked messages.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path

from checks.boxes import find_redactions
from flows.pdf import PdfError, extract_pages


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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
