"""Measure how lakmoes cuts releases into documents, types them, and what it
holds back, on synthetic bundles (bench/release_generate.py) and on the real
born-digital PDFs in ../shared/data/dutch-gov-pdfs.

Printed per set:
- boundary precision and recall (a predicted part start within a line of a
  true document start);
- Panoptic Quality: segments matched at IoU > 0.5 over characters,
  PQ = sum of matched IoU / (TP + FP/2 + FN/2), plain and weighted by
  segment length (as OpenPSS weighs by pages);
- type and visibility accuracy: each true document against the part that
  overlaps it most;
- high findings per 100 pages of public documents (a synthetic page is
  3,000 characters), and the documents the gate would hold back;
- with `--pdf N`, the same on N releases laid out as PDF bundles (each
  document from a new page, a third of them scanned and read by OCR),
  segments being page ranges;
- with `--real-bundles N`, on N bundles of 2-4 of the real PDFs
  concatenated (short ones scanned a third of the time);
- for every set, whether `boundary_confidence` means something: the mean
  confidence of right and wrong cuts, and the precision above and below
  0.8.

Every document runs through the per-document stages as `lakmoes run` does
(`flows.run.units.prepare`), with --allow-findings so that held documents
keep their rows to count.

Run: `python bench/release_eval.py [--n 40] [--seed 3] [--no-real] [--pdf N] [--real-bundles N] [--json]`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from release_generate import PUBLIC, bundle_pdf, generate, scanned_pdf

from flows.model import Document, RunOptions
from flows.run.units import finish, prepare
from flows.stages import ingest

REAL = Path(os.environ.get("LAKMOES_SHARED_DATA", REPO.parent / "shared" / "data")) / "dutch-gov-pdfs"
# The type each real document is, judged by reading it (the first lines of
# these documents were read while the landmarks were written: not held out).
REAL_GOLD = {
    "adam1.pdf": "letter", "bijlage.pdf": "other", "brief1.pdf": "kamerbrief", "denhaag1.pdf": "gazette",
    "denhaag2.pdf": "gazette", "denhaag3.pdf": "gazette", "denhaag4.pdf": "gazette", "denhaag5.pdf": "gazette",
    "kst.pdf": "kamerbrief", "nh1.pdf": "gazette", "politie1.pdf": "other", "politie2.pdf": "letter",
    "politie5.pdf": "memo", "politie7.pdf": "other", "pur1.pdf": "gazette", "pur2.pdf": "gazette",
    "staatsblad.pdf": "gazette", "staatslot.pdf": "decision", "staatslot2.pdf": "decision",
    "staatslot5.pdf": "decision", "stemming.pdf": "parliamentary_record", "tk-besluitenlijst1.pdf": "decision_list",
    "tk-besluitenlijst2.pdf": "decision_list", "traktaat.pdf": "gazette", "wob1.pdf": "other", "wobError.pdf": "memo",
}
SYNTHETIC_PAGE = 3000
OPTIONS = RunOptions(allow_findings=True, workers=1)


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def segment_scores(gold: list[tuple[int, int]], pred: list[tuple[int, int]], text: str,
                   tolerance: int = 1) -> dict[str, float]:
    """Boundary hits (within `tolerance` lines) and PQ terms of one release
    (sums, to pool over a set)."""
    def line(pos: int) -> int:
        return text.count("\n", 0, pos)

    gb = {line(s) for s, _ in gold[1:]}
    pb = {line(s) for s, _ in pred[1:]}
    pred_hits = sum(1 for b in pb if any(abs(b - g) <= tolerance for g in gb))
    gold_hits = sum(1 for g in gb if any(abs(b - g) <= tolerance for b in pb))
    matched_g: set[int] = set()
    matched_p: set[int] = set()
    iou_sum = w_iou = 0.0
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            v = _iou(g, p)
            if v > 0.5:
                matched_g.add(i)
                matched_p.add(j)
                iou_sum += v
                w_iou += v * (g[1] - g[0])
    fn = [g for i, g in enumerate(gold) if i not in matched_g]
    fp = [p for j, p in enumerate(pred) if j not in matched_p]
    tp_len = sum(gold[i][1] - gold[i][0] for i in matched_g)
    return {
        "gold_boundaries": len(gb), "pred_boundaries": len(pb), "pred_hits": pred_hits, "gold_hits": gold_hits,
        "iou": iou_sum, "tp": len(matched_g), "fp": len(fp), "fn": len(fn),
        "w_iou": w_iou, "w_tp": tp_len, "w_fp": sum(p[1] - p[0] for p in fp), "w_fn": sum(g[1] - g[0] for g in fn),
    }


def _parts(result: Any) -> list[dict[str, Any]]:
    return sorted(result.rows.get("documents", []), key=lambda r: r["span_start"])


def _high_in(result: Any, spans: list[tuple[int, int]]) -> int:
    """High findings inside the given spans (public documents)."""
    return sum(1 for f in result.rows.get("findings", [])
               if f["severity"] == "high" and f.get("span_start") is not None
               and any(s <= f["span_start"] < e for s, e in spans))


def _held(result: Any) -> bool:
    return any(f.get("allowed") for f in result.rows.get("findings", []))


def _process(doc: Document) -> Any:
    """A document through every per-document stage, as a run takes it: one
    with OCR text is finished with its own lexicon."""
    result = prepare(doc, OPTIONS)
    return finish(result.pending, OPTIONS, result.lexicon) if result.pending else result


@dataclass
class Tally:
    """Segment scores, and each true document against the part that
    overlaps it most."""

    segments: Counter[str] = field(default_factory=Counter)
    documents: int = 0
    type_ok: int = 0
    visibility_ok: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    public_high: int = 0
    public_pages: float = 0.0
    # (boundary_confidence, right) of every cut the split made
    cuts: list[tuple[float, bool]] = field(default_factory=list)

    def add(self, kind: str, visibility: str, part: dict[str, Any]) -> None:
        self.documents += 1
        self.type_ok += part["document_type"] == kind
        self.visibility_ok += part["visibility"] == visibility
        self.confusion[(kind, part["document_type"])] += 1


def synthetic(n: int, seed: int) -> dict[str, Any]:
    tally = Tally()
    for r in generate(n, seed):
        text = r["text"]
        doc = Document(id=f"{hash(text) & 0xFFFFFFFF:064x}", path="synthetic.txt", size=len(text),
                       media_type="text/plain", raw_text=text, text=text)
        result = _process(doc)
        to_published = doc.published_positions()
        gold = [(to_published(d["start"]), to_published(d["end"])) for d in r["documents"]]
        parts = _parts(result)
        tally.segments.update(segment_scores(gold, [(p["span_start"], p["span_end"]) for p in parts], doc.text))
        gold_lines = [doc.text.count("\n", 0, s) for s, _ in gold[1:]]
        tally.cuts += [(p["boundary_confidence"], any(abs(doc.text.count("\n", 0, p["span_start"]) - g) <= 1
                                                       for g in gold_lines)) for p in parts[1:]]
        for g, d in zip(gold, r["documents"], strict=True):
            tally.add(d["type"], d["visibility"], max(parts, key=lambda p: _iou(g, (p["span_start"], p["span_end"]))))
        public = [g for g, d in zip(gold, r["documents"], strict=True) if d["type"] in PUBLIC]
        tally.public_high += _high_in(result, public)
        tally.public_pages += sum(e - s for s, e in public) / SYNTHETIC_PAGE
    return _summary(tally)


def pdf_bundles(n: int, seed: int, workdir: Path) -> dict[str, Any]:
    """The synthetic releases as PDF bundles, a third of the documents
    scanned (OCR), each document from a new page: segments are page ranges."""
    rng = random.Random(seed)
    tally = Tally()
    workdir.mkdir(parents=True, exist_ok=True)
    for i, r in enumerate(generate(n, seed)):
        texts = [(r["text"][d["start"] : d["end"]], rng.random() < 1 / 3) for d in r["documents"]]
        path = workdir / f"bundle-{i:03d}.pdf"
        gold = [(a, b + 1) for a, b in bundle_pdf(texts, path)]
        result = _process(ingest.read_document(ingest.identify(path)))
        parts = _parts(result)
        pred = [(p["page_start"], p["page_end"] + 1) for p in parts if p["page_start"] is not None]
        tally.segments.update(_page_scores(gold, pred))
        tally.cuts += [(p["boundary_confidence"], any(p["page_start"] == a for a, _ in gold[1:]))
                       for p in parts[1:] if p["page_start"] is not None]
        for g, d in zip(gold, r["documents"], strict=True):
            tally.add(d["type"], d["visibility"],
                      max(parts, key=lambda p: _iou(g, (p["page_start"], p["page_end"] + 1))))
            if d["type"] in PUBLIC:
                tally.public_pages += g[1] - g[0]
                tally.public_high += sum(1 for f in result.rows.get("findings", [])
                                         if f["severity"] == "high" and f.get("page") and g[0] <= f["page"] < g[1])
    return _summary(tally)


def real_bundles(n: int, seed: int, workdir: Path) -> dict[str, Any]:
    """Bundles of 2 to 4 of the real PDFs, concatenated page by page as a
    body's release would be, short ones (3 pages at most) scanned a third
    of the time: the real documents' own letterheads, page numbers and
    stamps are the only cues, and segments are page ranges."""
    import pikepdf

    rng = random.Random(seed)
    names = [name for name in sorted(REAL_GOLD) if (REAL / name).is_file()]
    tally = Tally()
    workdir.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        picked = rng.sample(names, rng.randint(2, 4))
        bundle = pikepdf.new()
        gold = []
        for name in picked:
            pdf = (REAL / name).read_bytes()
            with pikepdf.open(REAL / name) as one:
                short = len(one.pages) <= 3
            if short and rng.random() < 1 / 3:
                pdf = scanned_pdf(pdf)
            with pikepdf.open(io.BytesIO(pdf)) as one:
                first = len(bundle.pages) + 1
                bundle.pages.extend(one.pages)
                gold.append((first, len(bundle.pages) + 1))
        path = workdir / f"real-bundle-{i:03d}.pdf"
        bundle.save(path, deterministic_id=True)
        result = _process(ingest.read_document(ingest.identify(path)))
        parts = [p for p in _parts(result) if p["page_start"] is not None]
        tally.segments.update(_page_scores(gold, [(p["page_start"], p["page_end"] + 1) for p in parts]))
        tally.cuts += [(p["boundary_confidence"], any(p["page_start"] == a for a, _ in gold[1:])) for p in parts[1:]]
        for g, name in zip(gold, picked, strict=True):
            kind = REAL_GOLD[name]
            tally.add(kind, "public" if kind in PUBLIC else "internal",
                      max(parts, key=lambda p: _iou(g, (p["page_start"], p["page_end"] + 1))))
            if kind in PUBLIC:
                tally.public_pages += g[1] - g[0]
                tally.public_high += sum(1 for f in result.rows.get("findings", [])
                                         if f["severity"] == "high" and f.get("page") and g[0] <= f["page"] < g[1])
    return _summary(tally)


def _page_scores(gold: list[tuple[int, int]], pred: list[tuple[int, int]]) -> dict[str, float]:
    """segment_scores on page ranges (first page, last page + 1): over a
    text of one line per page, a position is its page number."""
    text = "\n" * (max(b for _, b in gold) + 1)
    return segment_scores(gold, pred, text, tolerance=0)


def real() -> dict[str, Any]:
    tally = Tally()
    held = []
    cuts: list[str] = []
    for name, kind in sorted(REAL_GOLD.items()):
        path = REAL / name
        if not path.is_file():
            continue
        result = _process(ingest.read_document(ingest.identify(path)))
        parts = _parts(result)
        if not parts:
            continue
        # Each real file is one document (or a decision list with items):
        # every further part is a cut the segmenter made inside it.
        cuts.extend(f"{name}: {p['boundary']}" for p in parts[1:])
        visibility = "public" if kind in PUBLIC else "internal"
        tally.add(kind, visibility, parts[0])
        if visibility == "public":
            tally.public_high += _high_in(result, [(0, 10**9)])
            tally.public_pages += len(result.rows.get("pages", []))
        if _held(result):
            held.append(name)
    out = _summary(tally)
    out["held_back"] = held
    out["cuts_inside_single_documents"] = cuts
    return out


def _summary(tally: Tally) -> dict[str, Any]:
    def ratio(a: float, b: float) -> float | None:
        return round(a / b, 3) if b else None

    t = tally.segments
    return {
        "documents": tally.documents,
        "boundary_precision": ratio(t["pred_hits"], t["pred_boundaries"]),
        "boundary_recall": ratio(t["gold_hits"], t["gold_boundaries"]),
        "pq": ratio(t["iou"], t["tp"] + t["fp"] / 2 + t["fn"] / 2),
        "pq_weighted": ratio(t["w_iou"], t["w_tp"] + t["w_fp"] / 2 + t["w_fn"] / 2),
        "type_accuracy": ratio(tally.type_ok, tally.documents),
        "visibility_accuracy": ratio(tally.visibility_ok, tally.documents),
        "public_pages": round(tally.public_pages, 1),
        "high_per_100_public_pages": ratio(100 * tally.public_high, tally.public_pages),
        "confusions": {f"{g} -> {p}": n for (g, p), n in sorted(tally.confusion.items()) if g != p},
        **_calibration(tally.cuts),
    }


def _calibration(cuts: list[tuple[float, bool]], sure: float = 0.8) -> dict[str, Any]:
    """Whether boundary_confidence means something: the mean confidence of
    right and wrong cuts, and the precision of cuts above and below `sure`."""
    def mean(xs: list[float]) -> float | None:
        return round(sum(xs) / len(xs), 3) if xs else None

    above = [ok for c, ok in cuts if c >= sure]
    below = [ok for c, ok in cuts if c < sure]
    return {
        "confidence_right_cuts": mean([c for c, ok in cuts if ok]),
        "confidence_wrong_cuts": mean([c for c, ok in cuts if not ok]),
        f"precision_confidence_ge_{sure}": mean([float(ok) for ok in above]), f"cuts_ge_{sure}": len(above),
        f"precision_confidence_lt_{sure}": mean([float(ok) for ok in below]), f"cuts_lt_{sure}": len(below),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=40, help="synthetic releases (default 40; 0 for none)")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--no-real", action="store_true", help="skip the real documents")
    p.add_argument("--pdf", type=int, default=0, metavar="N",
                   help="also N synthetic releases as PDF bundles, a third of the documents scanned")
    p.add_argument("--real-bundles", type=int, default=0, metavar="N",
                   help="also N bundles of 2-4 real PDFs concatenated, short ones scanned a third of the time")
    p.add_argument("--json", action="store_true", help="print JSON only")
    args = p.parse_args(argv)
    report = {"synthetic": synthetic(args.n, args.seed)} if args.n else {}
    if args.pdf:
        report["pdf_bundles"] = pdf_bundles(args.pdf, args.seed, REPO / "bench" / "out" / "bundles")
    if not args.no_real and REAL.is_dir():
        report["real"] = real()
        if args.real_bundles:
            report["real_bundles"] = real_bundles(args.real_bundles, args.seed, REPO / "bench" / "out" / "real-bundles")
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    for name, r in report.items():
        print(f"{name}: {r['documents']} documents")
        for key, value in r.items():
            if key != "documents":
                print(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
