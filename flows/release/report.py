"""The release report: one self-contained HTML page per release, a short
terminal summary (`lakmoes report DIR`) and Prefect artifacts.

People read reports, not tables: a Woo coordinator must see *where* a leak
is, so every finding on a PDF page gets a crop of that page with the finding
outlined and the leaked text itself painted over (the image must not show
what the tables mask). The page has no scripts and no external assets
(inline CSS, inline SVG charts, PNG crops as data URIs): it opens from a
release folder or an e-mail attachment without network access.

Personal data is never shown in clear: findings carry masked values only,
and an OCR correction that touches a span of the `personal_data` table is
shown masked.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from checks.findings import SEVERITIES
from checks.inventory import inventory_summary
from checks.masking import mask
from flows.registry.grounds import registry
from flows.stages.extract.render import pixel_map

TEMPLATES = Path(__file__).parent  # report.html.j2, and report_body.html.j2 inside it
SEVERITY_COLOURS = {"high": "#c0392b", "medium": "#e67e22", "low": "#d4ac0d", "info": "#7f8c8d"}
CROP_MARGIN = (96.0, 30.0)  # points of page shown left/right and above/below a finding: the line it is on
CROP_SCALE = 2.0  # pixels per point (144 dpi): small print stays legible
# A held-back document's crop is shown at 1/12 of that (12 dpi): layout and boxes, no readable text.
OBSCURE_FACTOR = 12
MAX_CROPS = 100  # keeps the page loadable for a release with thousands of findings
CONTEXT_CHARS = 40  # characters of text shown either side of an OCR correction


# --------------------------------------------------------------------------
# Reading the tables


def _rows(tables: dict[str, pa.Table], name: str) -> list[dict[str, Any]]:
    t = tables.get(name)
    return t.to_pylist() if t is not None else []


def _name(path: str | None) -> str:
    return Path(path).name if path else "?"


def _json_counts(value: str | None) -> dict[str, int]:
    try:
        return {str(k): int(v) for k, v in json.loads(value or "{}").items()}
    except (ValueError, TypeError, AttributeError):
        return {}


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# --------------------------------------------------------------------------
# Page crops


@dataclass(frozen=True)
class Crop:
    """A PNG of a page region as a data URI, and what it shows."""

    data_uri: str
    width: int
    height: int
    obscured: bool = False  # coarsened: the document was held back


def crop_finding(pdf_path: Path, page: int, box: list[float], boxes: list[list[float]] | None = None,
                 obscure: bool = False) -> Crop:
    """Render the region around `box` (PDF points, origin bottom-left) of
    page `page` (1-based): the finding's region filled, so text that leaks
    there cannot be read in the image either, and outlined in red; the
    page's redaction boxes nearby outlined in blue.

    With `obscure` the region is coarsened until no text can be read
    before anything is drawn: the lines around a finding in a document the
    gate held back are as unpublished as the finding itself (a name under
    a box often has an e-mail address on the next line)."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        pg = pdf[page - 1]
        to_px = pixel_map(pg, CROP_SCALE)
        if to_px is None:
            raise ValueError("a rotated page cropped inside its MediaBox")
        page_image = pg.render(scale=CROP_SCALE).to_pil()
    finally:
        pdf.close()
    px = to_px.to_pixels
    x0, y0, x1, y1 = box
    (fx0, fy1), (fx1, fy0) = px(x0, y0), px(x1, y1)
    mx, my = CROP_MARGIN[0] * CROP_SCALE, CROP_MARGIN[1] * CROP_SCALE
    left, top = max(0, int(fx0 - mx)), max(0, int(fy0 - my))
    # Only the region shown is converted, coarsened and drawn on: a whole
    # page at 144 dpi costs more than all the rest of a crop.
    image = page_image.crop((left, top, min(page_image.width, int(fx1 + mx)),
                             min(page_image.height, int(fy1 + my)))).convert("RGB")
    if obscure:
        small = (max(1, image.width // OBSCURE_FACTOR), max(1, image.height // OBSCURE_FACTOR))
        image = image.resize(small, Image.Resampling.BOX).resize(image.size, Image.Resampling.NEAREST)

    def shifted(x: float, y: float) -> tuple[int, int]:
        # Pillow truncates a coordinate toward zero: truncated before the
        # shift, an outline just above or left of the region stays outside it.
        return int(x) - left, int(y) - top

    draw = ImageDraw.Draw(image)
    for b in boxes or []:
        (bx0, by1), (bx1, by0) = shifted(*px(b[0], b[1])), shifted(*px(b[2], b[3]))
        draw.rectangle([bx0 - 2, by0 - 2, bx1 + 2, by1 + 2], outline=(41, 128, 185), width=2)
    (fx0, fy0), (fx1, fy1) = shifted(fx0, fy0), shifted(fx1, fy1)
    draw.rectangle([fx0, fy0, fx1, fy1], fill=(60, 60, 60))
    draw.rectangle([fx0 - 3, fy0 - 3, fx1 + 3, fy1 + 3], outline=(192, 57, 43), width=3)
    buf = io.BytesIO()
    # zlib's default level: PNG's optimiser made the file 3% smaller at five times the cost.
    image.save(buf, format="PNG")
    return Crop("data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"), image.width,
                image.height, obscure)


def crop_key(input_id: str, page: int, box: list[float], boxes: list[list[float]] | None, obscure: bool) -> str:
    """What a crop shows: the file (by content), the page, the finding's
    box, the redaction boxes drawn beside it and whether it is obscured."""
    return hashlib.sha256(json.dumps([input_id, page, box, boxes or [], obscure]).encode()).hexdigest()


@dataclass(frozen=True)
class CropJob:
    """One crop the report shows, with `crop_key` naming what it shows (a
    run keeps crops by it, `flows/run/cache.py`)."""

    finding_id: str
    path: str
    page: int
    box: list[float]
    near: list[list[float]] | None  # the page's redaction boxes, drawn beside the finding
    obscure: bool
    key: str


Crops = tuple[dict[str, Crop | str], int]  # by finding id; and how many findings have none


def crop_jobs(tables: dict[str, pa.Table]) -> tuple[list[CropJob], int]:
    """The crops of PDF findings with a box, for at most MAX_CROPS findings
    (the worst first); also the number left out. Findings of documents
    that were not published (held back by the gate) get an obscured crop."""
    media = {d["input_id"]: d["media_type"] for d in _rows(tables, "inputs")}
    boxes: dict[tuple[str, int], list[list[float]]] = defaultdict(list)
    for r in _rows(tables, "redactions"):
        if None not in (r["x0"], r["y0"], r["x1"], r["y1"]):
            boxes[(r["input_id"], r["page"])].append([r["x0"], r["y0"], r["x1"], r["y1"]])
    wanted = [f for f in _rows(tables, "findings") if f.get("page") and f.get("box") and len(f["box"]) == 4]
    wanted.sort(key=lambda f: SEVERITIES.index(f["severity"]) if f["severity"] in SEVERITIES else 9)
    jobs = []
    for f in wanted[:MAX_CROPS]:
        if media.get(f["input_id"], "application/pdf") != "application/pdf" and not f["source_path"].lower().endswith(".pdf"):
            continue
        near, obscure = boxes.get((f["input_id"], f["page"])), f["input_id"] not in media
        jobs.append(CropJob(f["finding_id"], f["source_path"], f["page"], f["box"], near, obscure,
                            crop_key(f["input_id"], f["page"], f["box"], near, obscure)))
    return jobs, max(0, len(wanted) - MAX_CROPS)


def render_crop(job: CropJob) -> Crop | str:
    """The crop, or the reason there is none. A plain function of plain
    data: the flow runs it in the document workers, while the release is
    validated."""
    path = Path(job.path)
    if not path.is_file():
        return f"source PDF {path} is not available here"
    try:
        return crop_finding(path, job.page, job.box, job.near, obscure=job.obscure)
    except Exception as e:
        return f"page could not be rendered ({type(e).__name__})"


def finding_crops(tables: dict[str, pa.Table]) -> Crops:
    """A crop (or the reason there is none) per finding of `crop_jobs`, by
    finding id, rendered here one by one; also the number left out."""
    jobs, left_out = crop_jobs(tables)
    return {job.finding_id: render_crop(job) for job in jobs}, left_out


# --------------------------------------------------------------------------
# Charts (inline SVG)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def stacked_bar_chart(title: str, rows: list[tuple[str, dict[str, float]]], keys: tuple[str, ...],
                      colours: dict[str, str], fmt: str = "{:g}", max_value: float | None = None) -> str:
    """A horizontal stacked bar chart as inline SVG: one bar per row label,
    one segment per key; the value is written after each bar."""
    label_w, bar_w, row_h, top = 280, 360, 22, 28
    total = [sum(v.get(k, 0) for k in keys) for _, v in rows]
    scale_max = max_value if max_value is not None else max(total or [0]) or 1
    height = top + row_h * max(1, len(rows)) + 24
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + bar_w + 80}" height="{height}" '
              f'aria-label="{_esc(title)}"><title>{_esc(title)}</title>'),
             f'<text x="0" y="16" font-weight="bold" font-size="13">{_esc(title)}</text>']
    for i, ((label, values), t) in enumerate(zip(rows, total, strict=False)):
        y = top + i * row_h
        short = label if len(label) <= 36 else label[:34] + "…"
        parts.append(f'<text x="0" y="{y + 14}" font-size="12"><title>{_esc(label)}</title>{_esc(short)}</text>')
        x = float(label_w)
        for k in keys:
            v = values.get(k, 0)
            if v <= 0:
                continue
            w = bar_w * v / scale_max
            parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 6}" '
                         f'fill="{colours[k]}"><title>{_esc(k)}: {fmt.format(v)}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 14}" font-size="12">{_esc(fmt.format(t))}</text>')
    if not rows:
        parts.append(f'<text x="0" y="{top + 14}" font-size="12">nothing to show</text>')
    legend_y = top + row_h * max(1, len(rows)) + 16
    x = float(label_w)
    for k in keys if len(keys) > 1 else ():
        parts.append(f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" fill="{colours[k]}"/>'
                     f'<text x="{x + 14}" y="{legend_y}" font-size="11">{_esc(k)}</text>')
        x += 80
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------
# The report's content (plain data, then one template)


def _masked_text(text: str, start: int, end: int, pii: list[tuple[int, int, str]]) -> str:
    """text[start:end] with every personal-data span in it masked."""
    out, pos = [], start
    for s, e, kind in sorted(pii):
        if e <= pos or s >= end:
            continue
        s, e = max(s, pos), min(e, end)
        out.append(text[pos:s])
        out.append(mask(text[s:e], kind))
        pos = e
    out.append(text[pos:end])
    return "".join(out)


def correction_rows(tables: dict[str, pa.Table]) -> list[dict[str, Any]]:
    """Each OCR correction with the published text around it, before and
    after side by side; masked where it touches personal data."""
    texts = {d["input_id"]: d["text"] or "" for d in _rows(tables, "inputs")}
    pii: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for p in _rows(tables, "personal_data"):
        if p["span_start"] is not None and p["span_end"] is not None:
            pii[p["input_id"]].append((p["span_start"], p["span_end"], p["kind"] or ""))
    out = []
    for c in _rows(tables, "corrections"):
        text, s, e = texts.get(c["input_id"], ""), c["span_start"], c["span_end"]
        before, after = c["before"] or "", c["after"] or ""
        hit = next((k for ps, pe, k in pii[c["input_id"]] if s is not None and _overlaps((s, e), (ps, pe))), None)
        if hit is not None:
            before, after = mask(before, hit), mask(after, hit)
        ctx_before = ctx_after = ""
        if text and s is not None and e is not None:
            a, b = max(0, s - CONTEXT_CHARS), min(len(text), e + CONTEXT_CHARS)
            ctx_before = _masked_text(text, a, s, pii[c["input_id"]])
            ctx_after = _masked_text(text, e, b, pii[c["input_id"]])
        out.append({"document": _name(c["source_path"]), "part": c["part"], "page": c["page"], "before": before,
                    "after": after, "left": " ".join(ctx_before.split()), "right": " ".join(ctx_after.split()),
                    "reason": c["reason"], "score": c["score"], "masked": hit is not None})
    return out


def document_rows(tables: dict[str, pa.Table]) -> list[dict[str, Any]]:
    """Per document (published or held back): type, parts, pages, OCR share,
    corrections, markers by ground, boxes, findings by severity, share
    withheld."""
    docs = {d["input_id"]: d for d in _rows(tables, "inputs")}
    summary = {s["input_id"]: s for s in _rows(tables, "redaction_summary")}
    parts = defaultdict(list)
    for p in _rows(tables, "documents"):
        parts[p["input_id"]].append(p)
    count = {t: Counter(r["input_id"] for r in _rows(tables, t)) for t in ("corrections", "redactions", "pages")}
    markers: dict[str, Counter[str]] = defaultdict(Counter)
    for m in _rows(tables, "markers"):
        markers[m["input_id"]][m["ground_code"] or "none"] += 1
    findings: dict[str, Counter[str]] = defaultdict(Counter)
    for f in _rows(tables, "findings"):
        findings[f["input_id"]][f["severity"]] += 1
    paths = {d: x["source_path"] for d, x in docs.items()} | {d: s["source_path"] for d, s in summary.items()}
    out = []
    for doc_id in sorted(paths, key=lambda d: paths[d]):
        d = docs.get(doc_id, {})
        s = summary.get(doc_id, {})
        out.append({
            "id": doc_id, "name": _name(paths[doc_id]), "path": paths[doc_id],
            "status": d.get("status", "quarantined"), "media_type": d.get("media_type"),
            "parts": sorted(parts[doc_id], key=lambda p: p["part"]),
            "page_count": d.get("page_count"), "ocr_share": d.get("ocr_page_share"),
            "corrections": count["corrections"][doc_id], "markers": dict(sorted(markers[doc_id].items())),
            "boxes": count["redactions"][doc_id], "boxes_by": _json_counts(s.get("boxes_by_ground_style")),
            "findings": {k: findings[doc_id].get(k, 0) for k in SEVERITIES},
            "withheld": s.get("withheld_share"),
        })
    return out


def _dt(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value) if value is not None else ""


PUBLISHED_STATUSES = ("published", "published_with_findings", "published_with_held_parts")
_HOLD_KIND = re.compile(r"held back for ([^:]+):")
# Stages that hold a read document back (the rest could not read an input):
# the gate per document, the release's inventory check in `tables`.
HOLDING_STAGES = ("gate", "tables")


@dataclass(frozen=True)
class ReleaseState:
    """What became of a release, in one word and one sentence: the report's
    headline and the last line on the console say the same."""

    state: str  # published | published with held-back documents | set aside
    sentence: str


def release_state(quality_ok: bool, inputs: list[dict[str, Any]], quarantine: list[dict[str, Any]]) -> ReleaseState:
    """The release's real state from its inputs (manifest records) and the
    quarantine rows: how many inputs went out, how many documents the gate
    held back and for what kind of finding, how many inputs could not be
    read."""
    published = sum(1 for i in inputs if i.get("status") in PUBLISHED_STATUSES)
    held = [q for q in quarantine if q.get("stage") in HOLDING_STAGES]
    refused = [q for q in quarantine if q.get("stage") not in HOLDING_STAGES]
    # A detail names every kind of finding that held its document ("personal
    # data and text under a box"); the sentence names each kind once.
    kinds = sorted({kind for q in held if (m := _HOLD_KIND.search(q.get("detail") or ""))
                    for kind in m.group(1).split(" and ")})
    held_text = (f"{len(held)} document(s) held back" + (f" for {' and '.join(kinds)}" if kinds else "")) if held else ""
    refused_text = f"{len(refused)} input(s) quarantined (could not be read)" if refused else ""
    problems = "; ".join(t for t in (held_text, refused_text) if t)
    if not quality_ok:
        return ReleaseState("set aside", "Set aside: the quality gate failed, nothing was published"
                            + (f" ({problems})" if problems else "") + ".")
    if not published:
        return ReleaseState("set aside", "Set aside: no document could be published"
                            + (f" ({problems})" if problems else "") + ".")
    if problems:
        return ReleaseState("published with held-back documents",
                            f"Published {published} of {len(inputs)} input(s); {problems}.")
    return ReleaseState("published", f"Published: all {published} input(s), nothing held back.")


def body_context(tables: dict[str, pa.Table], manifest: dict[str, Any], crops: Crops | None = None) -> dict[str, Any]:
    """What the report's body shows (every section but the quality gate's),
    as plain data; `crops` as the flow rendered them (by default rendered
    here). Nothing of it waits for the validation."""
    inputs = manifest.get("inputs", [])
    status = Counter(i.get("status") for i in inputs)
    docs = document_rows(tables)
    findings = _rows(tables, "findings")
    by_sev = Counter(f["severity"] for f in findings)
    crop_of, crops_left_out = crops if crops is not None else finding_crops(tables)
    markers = Counter(m["ground_code"] or "none" for m in _rows(tables, "markers"))
    grounds = registry().grounds
    return {
        "inputs": inputs,
        "counts": {
            "inputs": len(inputs),
            "published": sum(status.get(s, 0) for s in PUBLISHED_STATUSES),
            "published_with_findings": status.get("published_with_findings", 0),
            "quarantined": status.get("quarantined", 0),
            "documents": tables["documents"].num_rows if "documents" in tables else 0,
            "pages": tables["pages"].num_rows if "pages" in tables else 0,
            "corrections": tables["corrections"].num_rows if "corrections" in tables else 0,
            "markers": sum(markers.values()),
            "boxes": tables["redactions"].num_rows if "redactions" in tables else 0,
            "findings": len(findings),
            **{f"findings_{k}": by_sev.get(k, 0) for k in SEVERITIES},
        },
        "documents": docs,
        "inventory": inventory_summary(_rows(tables, "inventory"),
                                       [f for f in findings if f["check"].startswith("inventory_")]),
        "quarantine": _rows(tables, "quarantine"),
        "markers": [{"code": c, "label": grounds[c].label if c in grounds else "", "count": n}
                    for c, n in sorted(markers.items())],
        "findings": sorted(findings, key=lambda f: (SEVERITIES.index(f["severity"])
                                                    if f["severity"] in SEVERITIES else 9, f["source_path"],
                                                    f["page"] or 0)),
        "crops": crop_of,
        "crops_left_out": crops_left_out,
        "corrections": correction_rows(tables),
        "charts": {
            "findings": stacked_bar_chart(
                "Findings per document", [(d["name"], d["findings"]) for d in docs], SEVERITIES,
                SEVERITY_COLOURS),
            "withheld": stacked_bar_chart(
                "Share withheld per document", [(d["name"], {"withheld": (d["withheld"] or 0.0) * 100}) for d in docs],
                ("withheld",), {"withheld": "#34495e"}, fmt="{:.1f}%", max_value=100.0),
        },
        "severities": SEVERITIES,
        "name": _name,
    }


def _template(name: str) -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template(name)


def render_body(context: dict[str, Any]) -> Any:
    """The report's body (`body_context`) as HTML, to be placed in the page
    unescaped. Rendered apart so that the flow renders it while the
    release is validated: with thousands of findings it is most of the
    report's time."""
    from markupsafe import Markup

    return Markup(_template("report_body.html.j2").render(**context))


def report_context(tables: dict[str, pa.Table], manifest: dict[str, Any], quality: Any, body: Any) -> dict[str, Any]:
    """The page around the body (`render_body`): the release, its state and
    the quality gate's outcome."""
    results = list(getattr(quality, "results", None) or [])
    results.sort(key=lambda r: (r["success"], r["severity"] != "error", r["name"]))
    state = release_state(bool(getattr(quality, "ok", False)), manifest.get("inputs", []),
                          _rows(tables, "quarantine"))
    return {
        "release": manifest.get("release", ""),
        "state": state,
        "started": _dt(manifest.get("started")),
        "finished": _dt(manifest.get("finished")),
        "versions": manifest.get("versions", {}),
        "body": body,
        "quality": {
            "ran": quality is not None,
            "ok": bool(getattr(quality, "ok", False)),
            "summary": getattr(quality, "summary", {}) or {},
            "results": results,
        },
        "severities": SEVERITIES,
        "severity_colours": SEVERITY_COLOURS,
        "name": _name,
    }


def render_html(context: dict[str, Any]) -> str:
    return str(_template("report.html.j2").render(**context))


def write_report(release_dir: Path, tables: dict[str, pa.Table], manifest: dict[str, Any], quality: Any,
                 crops: Crops | None = None, body: Any = None) -> Path:
    """Write `release_dir/report.html` and return its path; `body` as
    `render_body` made it (by default made here, with `crops`)."""
    if body is None:
        body = render_body(body_context(tables, manifest, crops))
    html = render_html(report_context(tables, manifest, quality, body))
    path = Path(release_dir) / "report.html"
    tmp = path.with_suffix(f".html.{os.getpid()}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path


# --------------------------------------------------------------------------
# Terminal summary (`lakmoes report DIR`)


def _load_release(folder: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    qfile = folder / "quality.json"
    quality = json.loads(qfile.read_text(encoding="utf-8")) if qfile.is_file() else None
    return manifest, quality


def _findings_by_severity(folder: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    path = folder / "findings.jsonl"
    if path.is_file():
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    counts[json.loads(line).get("severity")] += 1
    return counts


def terminal_summary(out_dir: Path) -> str:
    """A few lines on the latest release in `out_dir`: inputs, published and
    quarantined (with reasons), findings by severity, quality gate; and a
    warning when a later attempt was stopped by the gate."""
    out_dir = Path(out_dir)
    link = out_dir / "latest"
    if not link.exists():
        failed = sorted((out_dir / "failed").glob("*/report.html"))
        hint = f"; the last release the quality gate stopped: {failed[-1]}" if failed else ""
        raise FileNotFoundError(f"no release in {out_dir}: {link} does not exist "
                                f"(run `lakmoes run --out {out_dir}` first){hint}")
    folder = link.resolve()
    if not (folder / "manifest.json").is_file():
        raise FileNotFoundError(f"{folder} has no manifest.json: not a complete release")
    manifest, quality = _load_release(folder)
    inputs = manifest.get("inputs", [])
    status = Counter(i.get("status") for i in inputs)
    published = status.get("published", 0) + status.get("published_with_findings", 0)
    sev = _findings_by_severity(folder)
    lines = [
        f"release {manifest.get('release', folder.name)} ({folder})",
        f"  started   {manifest.get('started', '?')}",
        f"  inputs    {len(inputs)}: {published} published"
        + (f" ({status['published_with_findings']} with findings allowed)" if status.get("published_with_findings") else "")
        + f", {status.get('quarantined', 0)} quarantined",
    ]
    for i in inputs:
        if i.get("status") == "quarantined":
            lines.append(f"    quarantined {i.get('path')}: {i.get('reason')}")
    lines.append("  findings  " + (", ".join(f"{k} {sev.get(k, 0)}" for k in SEVERITIES) if sev else "none"))
    q = (quality or {}).get("summary") or manifest.get("quality")
    if q:
        verdict = "passed" if q.get("ok") else "FAILED"
        lines.append(f"  quality   {verdict}: {q.get('passed')}/{q.get('expectations')} expectations met"
                     + (f"; warnings: {', '.join(q['failed_warnings'])}" if q.get("failed_warnings") else ""))
        for name in q.get("failed_errors", []):
            lines.append(f"    failed {name}")
    else:
        lines.append("  quality   not run")
    if (folder / "report.html").is_file():
        lines.append(f"  report    {folder / 'report.html'}")
    failed = sorted((out_dir / "failed").glob("*/manifest.json")) if (out_dir / "failed").is_dir() else []
    later = [m.parent for m in failed if m.parent.name > folder.name]
    if later:
        lines.append(f"  note      a later attempt was stopped by the quality gate: {later[-1]}")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Prefect artifacts


def artifact_markdown(tables: dict[str, pa.Table], manifest: dict[str, Any], quality: Any) -> str:
    """The release at a glance, as Markdown for the Prefect UI."""
    inputs = manifest.get("inputs", [])
    status = Counter(i.get("status") for i in inputs)
    sev = Counter(f["severity"] for f in _rows(tables, "findings"))
    summary = getattr(quality, "summary", {}) or {}
    lines = [
        f"# Release {manifest.get('release', '')}",
        "",
        "| inputs | published | quarantined | documents | pages | findings (high/medium/low/info) | quality |",
        "|---|---|---|---|---|---|---|",
        (f"| {len(inputs)} | {status.get('published', 0) + status.get('published_with_findings', 0)} "
         f"| {status.get('quarantined', 0)} | {tables['documents'].num_rows} | {tables['pages'].num_rows} "
         f"| {'/'.join(str(sev.get(k, 0)) for k in SEVERITIES)} "
         f"| {'passed' if getattr(quality, 'ok', False) else 'FAILED'} "
         f"({summary.get('passed', 0)}/{summary.get('expectations', 0)}) |"),
    ]
    quarantined = [i for i in inputs if i.get("status") == "quarantined"]
    if quarantined:
        lines += ["", "## Quarantined", ""] + [f"- `{_name(i.get('path'))}`: {i.get('reason')}" for i in quarantined]
    if summary.get("failed_errors") or summary.get("failed_warnings"):
        lines += ["", "## Quality", ""]
        lines += [f"- error: `{n}`" for n in summary.get("failed_errors", [])]
        lines += [f"- warning: `{n}`" for n in summary.get("failed_warnings", [])]
    return "\n".join(lines)


def artifact_table(tables: dict[str, pa.Table]) -> list[dict[str, Any]]:
    """Findings by document and severity, with the share withheld."""
    return [{"document": d["name"], "status": d["status"], **d["findings"],
             "withheld_share": round(d["withheld"] or 0.0, 4)} for d in document_rows(tables)]
