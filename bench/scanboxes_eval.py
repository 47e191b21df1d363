"""Evaluate the scanned-box detector against the TPDL 2023 gold standard.

    python bench/scanboxes_eval.py [--data DIR] [--split dev|test|all] [--stamps]

Prints precision, recall and F1 at IoU >= 0.5 per page style (black, gray,
color, border, from labels.csv) and overall, seconds per page, and, with
`--stamps`, on how many of the detected boxes that match a gold box a
ground could be read by Tesseract from the box's crop (the gold has no stamp
text, so this is a read rate, not an accuracy: pages whose boxes carry no
stamp, like the black boxes of corpus2, count as unread).

Gold boxes: in gold_standard.json a region is a redaction box when its
region_attributes.type is "redacted"; some pages (corpus3, omlijned,
additional, the unlabelled "Scan documenten KIA") carry no attributes at all
on their regions, and on those pages every region is a redaction box (they
are the only region types present). Polygon and polyline regions (a box over
several lines drawn as one outline) count as their bounding rectangle.

Split: pages are split by source document (the file name without its page
suffix), by a stable hash, into "dev" (used while choosing the thresholds in
checks/pdf/scanboxes.toml) and "test" (held out), stratified by style. Reference numbers of the
UvA detector (F1): black 0.79, color 0.86, border 0.76, gray 0.62.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checks.pdf.scanned.detect import detect_boxes
from checks.pdf.scanned.params import ImageBox
from checks.pdf.scanned.stamps import ocr_stamps
from flows.registry.matching import parse_ground

UVA_F1 = {"black": 0.79, "color": 0.86, "border": 0.76, "gray": 0.62}
IOU = 0.5
Rect = tuple[int, int, int, int]


def default_data() -> Path:
    env = os.environ.get("LAKMOES_SHARED_DATA")
    base = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return base / "woo-redaction-pages"


def gold_boxes(entry: dict) -> list[Rect]:
    """The redaction boxes of one page of gold_standard.json, as x, y, w, h."""
    out = []
    for r in entry["regions"]:
        kind = r.get("region_attributes", {}).get("type")
        if kind not in (None, "redacted"):
            continue
        s = r["shape_attributes"]
        if s["name"] == "rect":
            out.append((s["x"], s["y"], s["width"], s["height"]))
        elif s["name"] in ("polygon", "polyline"):
            xs, ys = s["all_points_x"], s["all_points_y"]
            out.append((min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
    return out


def document_of(filename: str) -> str:
    """The source document of a page image: its name without page suffix."""
    stem = Path(filename).stem
    return re.sub(r"([_-]?page[_-]?\d+(-\d+)?|documenten\d+-\d+)$", "", stem)


def splits(labels: dict[str, str], names: list[str]) -> dict[str, str]:
    """Page -> "dev" or "test", stratified by style: the documents of each
    style (a document's style is its first page's label) are ordered by the
    hash of their name and dealt out alternately, dev first, so both halves
    hold every style and no document is in both."""
    docs: dict[str, list[str]] = defaultdict(list)
    for name in sorted(names):
        docs[document_of(name)].append(name)
    by_style: dict[str, list[str]] = defaultdict(list)
    for doc, pages in docs.items():
        by_style[labels.get(pages[0], "unlabelled")].append(doc)
    out = {}
    for style_docs in by_style.values():
        style_docs.sort(key=lambda d: hashlib.sha256(d.encode()).hexdigest())
        for i, doc in enumerate(style_docs):
            for page in docs[doc]:
                out[page] = "dev" if i % 2 == 0 else "test"
    return out


def iou(a: Rect, b: Rect) -> float:
    iw = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def match(pred: list[Rect], gold: list[Rect]) -> int:
    """True positives: one-to-one, greedily by IoU, at IoU >= 0.5."""
    pairs = sorted(((iou(p, g), i, j) for i, p in enumerate(pred) for j, g in enumerate(gold)), reverse=True)
    used_p, used_g, tp = set(), set(), 0
    for v, i, j in pairs:
        if v < IOU:
            break
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        tp += 1
    return tp


def prf(tp: int, npred: int, ngold: int) -> tuple[float, float, float]:
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(data: Path, split: str, stamps: bool, only: str | None = None) -> dict:
    gold = json.loads((data / "gold_standard.json").read_text(encoding="utf-8"))
    labels = {}
    with open(data / "labels.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            labels[row["File"]] = row["label"]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # tp, pred, gold, pages
    per_page = []
    seconds = 0.0
    stamps_by_style: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # read, matched
    split_by_page = splits(labels, list(gold))
    for name in sorted(gold):
        if split != "all" and split_by_page[name] != split:
            continue
        if only and only not in name:
            continue
        path = data / "images" / name
        if not path.exists():
            continue
        image = np.asarray(Image.open(path).convert("RGB"))
        t0 = time.perf_counter()
        boxes: list[ImageBox] = detect_boxes(image)
        seconds += time.perf_counter() - t0
        pred = [(b.x, b.y, b.w, b.h) for b in boxes]
        g = gold_boxes(gold[name])
        tp = match(pred, g)
        style = labels.get(name, "unlabelled")
        for key in {style, "overall" if style != "unlabelled" else "unlabelled"}:
            c = counts[key]
            c[0] += tp
            c[1] += len(pred)
            c[2] += len(g)
            c[3] += 1
        per_page.append((name, style, tp, len(pred), len(g)))
        if stamps:
            hits = [b for b in boxes if any(iou((b.x, b.y, b.w, b.h), gb) >= IOU for gb in g)]
            read = sum(parse_ground(t) is not None for t in ocr_stamps(image, hits))
            for key in {style, "overall" if style != "unlabelled" else "unlabelled"}:
                stamps_by_style[key][0] += read
                stamps_by_style[key][1] += len(hits)
    return {
        "counts": dict(counts),
        "per_page": per_page,
        "seconds": seconds,
        "pages": len(per_page),
        "stamps": dict(stamps_by_style),
    }


def reference_timing(data: Path, n: int) -> tuple[float, float, int]:
    """Seconds for Tesseract to OCR the first `n` pages (nld, the pipeline's
    OCR of an image-only page) and for detection on the same pages: a
    reference run on the same machine, since absolute seconds depend on it."""
    import shutil
    import subprocess

    exe = shutil.which("tesseract")
    if exe is None:
        raise SystemExit("tesseract is not installed")
    names = sorted(json.loads((data / "gold_standard.json").read_text(encoding="utf-8")))[:n]
    ocr = det = 0.0
    for name in names:
        path = data / "images" / name
        t0 = time.perf_counter()
        subprocess.run([exe, str(path), "stdout", "-l", "nld"], capture_output=True, check=True)
        ocr += time.perf_counter() - t0
        image = np.asarray(Image.open(path).convert("RGB"))
        t0 = time.perf_counter()
        detect_boxes(image)
        det += time.perf_counter() - t0
    return ocr, det, len(names)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=default_data())
    ap.add_argument("--split", choices=("dev", "test", "all"), default="all")
    ap.add_argument("--stamps", action="store_true", help="also OCR the stamps of matched boxes")
    ap.add_argument("--pages", action="store_true", help="print per-page counts")
    ap.add_argument("--only", help="only pages whose name contains this")
    ap.add_argument(
        "--reference",
        type=int,
        default=0,
        metavar="N",
        help="also time Tesseract OCR of the first N pages, in this process, and print detection/OCR",
    )
    args = ap.parse_args()
    if not (args.data / "gold_standard.json").is_file():
        print(f"{args.data}: no gold_standard.json here", file=sys.stderr)
        return 2
    res = evaluate(args.data, args.split, args.stamps, args.only)
    if args.pages:
        for name, style, tp, npred, ngold in res["per_page"]:
            print(f"  {style:10} tp={tp:3} pred={npred:3} gold={ngold:3}  {name}")
    print(f"split={args.split} pages={res['pages']} IoU>={IOU}")
    print(f"{'style':11}{'pages':>6}{'gold':>6}{'pred':>6}{'P':>7}{'R':>7}{'F1':>7}{'UvA F1':>8}")
    order = ["black", "gray", "color", "border", "overall", "unlabelled"]
    for key in order:
        if key not in res["counts"]:
            continue
        tp, npred, ngold, pages = res["counts"][key]
        p, r, f = prf(tp, npred, ngold)
        ref = f"{UVA_F1[key]:.2f}" if key in UVA_F1 else ""
        print(f"{key:11}{pages:6}{ngold:6}{npred:6}{p:7.3f}{r:7.3f}{f:7.3f}{ref:>8}")
    if res["pages"]:
        print(f"seconds per page (detection): {res['seconds'] / res['pages']:.3f}")
    if args.reference and res["pages"]:
        ocr_s, det_s, n = reference_timing(args.data, args.reference)
        print(
            f"reference: on {n} pages, detection {det_s / n:.3f} s/page, Tesseract page OCR {ocr_s / n:.3f} s/page"
            f" (ratio detection/OCR {det_s / ocr_s:.2f})"
        )
    if args.stamps:
        print("stamps: boxes matching a gold box on which Tesseract read a ground from the crop")
        for key in order:
            if key in res["stamps"]:
                read, total = res["stamps"][key]
                print(f"  {key:11}{read:5} of {total:4} ({read / max(1, total):.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
