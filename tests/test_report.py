"""The release report: self-contained, loads in headless Chromium without
errors and shows the counts of its tables; crops of PDF findings with the
leak painted over; personal data never in clear; the terminal summary and
the Prefect artifact contents."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pytest
from PIL import Image

from flows.model import TABLES
from flows.release import publish, report
from tests.fixtures import chromium, redaction_pdfs
from tests.fixtures import quality_releases as qr

NOTES = Path("/work/notes")


@pytest.fixture(scope="session")
def releases(tmp_path_factory) -> dict[str, qr.Release]:
    return qr.releases(tmp_path_factory.getbasetemp() / "quality-releases")


class _Assets(HTMLParser):
    """Every tag and every URL-bearing attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "action", "data", "poster", "srcset") and v is not None:
                self.urls.append((tag, k, v))


@pytest.mark.parametrize("which", ["seed", "defects"])
def test_report_is_self_contained(releases, which: str) -> None:
    html = releases[which].report.read_text(encoding="utf-8")
    page = _Assets()
    page.feed(html)
    assert not {"script", "link", "iframe", "object", "embed"} & set(page.tags)
    for tag, _attr, url in page.urls:
        if tag == "img":
            assert url.startswith("data:image/png;base64,"), url[:40]
        else:  # the one link: the Data Docs inside the release
            assert tag == "a" and not re.match(r"^[a-z]+:", url) and (releases[which].folder / url).is_file()
    assert "url(" not in html and "@import" not in html


# The values the test reads from the page, as a user would see them.
READ_PAGE = """({
  counts: Object.fromEntries([...document.querySelectorAll('[id^="count-"]')]
    .map(e => [e.id.slice(6), +e.textContent])),
  gate: document.getElementById('quality-gate').dataset.ok,
  failed: [...document.querySelectorAll('tr.expectation[data-success="false"][data-severity="error"]')]
    .map(e => e.dataset.name),
  inputs: [...document.querySelectorAll('tr.input')].map(e => e.dataset.status),
  crops: [...document.querySelectorAll('img.crop')].filter(i => i.complete && i.naturalWidth > 0).length,
  width: document.documentElement.scrollWidth,
})"""


@pytest.mark.skipif(not chromium.available(), reason="chromium is not installed")
@pytest.mark.parametrize("which", ["seed", "defects"])
def test_report_loads_in_chromium_without_errors_and_shows_the_counts(releases, which: str, tmp_path: Path) -> None:
    r = releases[which]
    page = chromium.load(r.report, READ_PAGE)
    assert page.errors == []
    assert all(u.startswith(("file:", "data:")) for u in page.requests), page.requests
    v = page.values
    findings = r.tables["findings"].to_pylist()
    statuses = [i["status"] for i in r.manifest["inputs"]]
    assert v["counts"]["inputs"] == len(r.manifest["inputs"]) and v["inputs"] == statuses
    assert v["counts"]["quarantined"] == statuses.count("quarantined")
    assert v["counts"]["documents"] == r.tables["documents"].num_rows
    assert v["counts"]["pages"] == r.tables["pages"].num_rows
    assert v["counts"]["findings"] == len(findings)
    for sev in report.SEVERITIES:
        assert v["counts"][f"findings-{sev}"] == sum(f["severity"] == sev for f in findings)
    assert v["gate"] == ("true" if r.quality.ok else "false")
    assert sorted(v["failed"]) == sorted(r.quality.failed)
    assert v["crops"] == sum(1 for f in findings if f["box"])  # every boxed PDF finding shows its page
    shot = tmp_path / f"report-{which}.png"
    shot.write_bytes(page.screenshot)
    assert Image.open(shot).size[0] >= 1000
    if which == "seed" and NOTES.is_dir():
        shutil.copy(shot, NOTES / "report.png")


def _colours(img: Image.Image) -> set:
    return {c for _, c in img.getcolors(maxcolors=1 << 24)}


def _png(data_uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1]))).convert("RGB")


def test_leak_on_a_pdf_is_shown_in_a_crop_with_the_leak_filled(releases) -> None:
    r = releases["seed"]
    leak = next(f for f in r.tables["findings"].to_pylist() if f["check"] == "hidden_text")
    crops, left_out = report.finding_crops(r.tables)
    crop = crops[leak["finding_id"]]
    assert isinstance(crop, report.Crop) and left_out == 0
    published = {d["input_id"] for d in r.tables["inputs"].to_pylist()}
    assert crop.obscured == (leak["input_id"] not in published)  # the gate held it back
    img = _png(crop.data_uri)
    # The finding's region is in the middle of the crop (margins permitting):
    # filled, and outlined in red.
    x0, y0, x1, y1 = leak["box"]
    w, h = (x1 - x0) * report.CROP_SCALE, (y1 - y0) * report.CROP_SCALE
    mx, my = (report.CROP_MARGIN[0] * report.CROP_SCALE, report.CROP_MARGIN[1] * report.CROP_SCALE)
    inside = img.crop((int(mx + 2), int(my + 2), int(mx + w - 2), int(my + h - 2)))
    assert _colours(inside) == {(60, 60, 60)}
    assert (192, 57, 43) in _colours(img)


def test_crops_kept_by_an_earlier_run_are_not_rendered_again(releases, tmp_path: Path) -> None:
    """A scheduled run's report takes the crops of unchanged findings from
    the cache: kept by content, they show even where the source PDF has
    gone since; the others are rendered as the report alone renders them."""
    from flows.model import RunOptions
    from flows.run.flow import start_crops
    from flows.run.pool import InProcessUnits

    r = releases["seed"]
    options = RunOptions(out=tmp_path / "out", cache_dir=tmp_path / "cache")
    first, left_out = start_crops(r.tables, options, InProcessUnits())()
    assert (first, left_out) == report.finding_crops(r.tables)
    made = {k: v for k, v in first.items() if isinstance(v, report.Crop)}
    assert made and len(list((tmp_path / "cache").rglob("*.pickle"))) == len(made)
    findings = r.tables["findings"]
    moved = findings.set_column(findings.schema.get_field_index("source_path"), "source_path",
                                pa.array([str(tmp_path / "gone.pdf")] * findings.num_rows))
    again, _ = start_crops({**r.tables, "findings": moved}, options, InProcessUnits())()
    assert {k: v for k, v in again.items() if isinstance(v, report.Crop)} == made
    assert all(isinstance(v, str) for v in report.finding_crops({**r.tables, "findings": moved})[0].values())


def test_crop_paints_over_text_a_reader_could_see(tmp_path: Path) -> None:
    """Under a translucent highlight the name is readable on the page; in
    the report's crop its region is one flat colour."""
    import pypdfium2 as pdfium

    pdf = redaction_pdfs.build("highlight", tmp_path)
    box = list(redaction_pdfs._name_box(700))
    doc = pdfium.PdfDocument(str(pdf))
    page = doc[0].render(scale=report.CROP_SCALE).to_pil().convert("L")
    top = doc[0].get_cropbox()[3]
    doc.close()
    s = report.CROP_SCALE
    region = page.crop((int(box[0] * s) + 3, int((top - box[3]) * s) + 3,
                        int(box[2] * s) - 3, int((top - box[1]) * s) - 3))
    assert len(_colours(region)) > 10  # glyph edges: the name is visible on the page
    crop = _png(report.crop_finding(pdf, 1, box).data_uri)
    mx, my = report.CROP_MARGIN[0] * s, report.CROP_MARGIN[1] * s
    inside = crop.crop((int(mx + 3), int(my + 3),
                        int(mx + (box[2] - box[0]) * s - 3), int(my + (box[3] - box[1]) * s - 3)))
    assert _colours(inside) == {(60, 60, 60)}


def test_crop_shows_no_outline_of_a_box_that_lies_just_above_it(tmp_path: Path) -> None:
    """A redaction box whose outline ends a fraction of a pixel above the
    crop's region is not drawn into the crop's top row."""
    import pypdfium2 as pdfium

    pdf = redaction_pdfs.build("highlight", tmp_path)
    box = list(redaction_pdfs._name_box(700))
    doc = pdfium.PdfDocument(str(pdf))
    top = doc[0].get_cropbox()[3]
    doc.close()
    s = report.CROP_SCALE
    region_top = int((top - box[3]) * s - report.CROP_MARGIN[1] * s)
    # The box's lower edge 2.58 pixels above the region: its outline, 2 pixels out, ends 0.58 above it.
    y0 = top - (region_top - 2.58) / s
    near = [[box[0], y0, box[2], y0 + 10]]
    crop = _png(report.crop_finding(pdf, 1, box, near).data_uri).convert("RGB")
    assert (41, 128, 185) not in {crop.getpixel((x, 0)) for x in range(crop.width)}
    drawn = _png(report.crop_finding(pdf, 1, box, [[box[0], box[3] + 5, box[2], box[3] + 15]]).data_uri).convert("RGB")
    assert (41, 128, 185) in _colours(drawn)  # a box inside the region is outlined


def test_crop_paints_over_the_finding_when_the_mediabox_is_offset(tmp_path: Path) -> None:
    """Finding boxes are in pdfminer's coordinates, counted from the MediaBox's corner."""
    import pikepdf

    pdf = redaction_pdfs.build("highlight", tmp_path)
    with pikepdf.open(pdf, allow_overwriting_input=True) as doc:
        doc.pages[0].MediaBox = [0, 18, 595, 860]
        doc.save(pdf)
    x0, y0, x1, y1 = redaction_pdfs._name_box(700)
    box = [x0, y0 - 18, x1, y1 - 18]
    crop = _png(report.crop_finding(pdf, 1, box).data_uri)
    s = report.CROP_SCALE
    mx, my = report.CROP_MARGIN[0] * s, report.CROP_MARGIN[1] * s
    inside = crop.crop((int(mx + 3), int(my + 3), int(mx + (x1 - x0) * s - 3), int(my + (y1 - y0) * s - 3)))
    assert _colours(inside) == {(60, 60, 60)}
    assert "Jansen" not in _ocr(crop)


def test_crop_paints_over_the_finding_on_a_rotated_page(tmp_path: Path) -> None:
    """On a page turned a quarter, finding boxes are in the page as shown."""
    import pikepdf

    pdf = redaction_pdfs.build("highlight", tmp_path)
    with pikepdf.open(pdf, allow_overwriting_input=True) as doc:
        width = float(doc.pages[0].MediaBox[2])
        doc.pages[0].Rotate = 90
        doc.save(pdf)
    x0, y0, x1, y1 = redaction_pdfs._name_box(700)
    text = _ocr(_png(report.crop_finding(pdf, 1, [y0, width - x1, y1, width - x0]).data_uri))
    assert "Kamer" in text and "Jansen" not in text  # the crop is around the name, and the name is covered


def _ocr(img: Image.Image) -> str:
    import subprocess

    buf = io.BytesIO()
    img.save(buf, format="PNG")
    run = subprocess.run(["tesseract", "-", "-", "-l", "nld"], input=buf.getvalue(), capture_output=True, check=True)
    return run.stdout.decode("utf-8", "replace")


def test_crop_of_a_held_back_document_shows_no_readable_text(tmp_path: Path) -> None:
    """The lines around a finding are as unpublished as the finding when the gate held the document back."""
    pdf = redaction_pdfs.build("box_over_text", tmp_path)
    box = list(redaction_pdfs._name_box(700))
    clear = _ocr(_png(report.crop_finding(pdf, 1, box).data_uri))
    obscured = report.crop_finding(pdf, 1, box, obscure=True)
    assert "gesprek" in clear and obscured.obscured
    assert not re.search(r"[^\W\d_]{3,}", _ocr(_png(obscured.data_uri)))


def test_leaked_name_is_never_in_the_report_in_clear(releases) -> None:
    for r in releases.values():
        html = r.report.read_text(encoding="utf-8")
        assert redaction_pdfs.NAME not in html and "Jansen" not in html
        assert "J** J*****" in html  # the masked form is what a coordinator sees


def _tables(**rows: list[dict]) -> dict[str, pa.Table]:
    return {name: pa.Table.from_pylist(rows.get(name, []), schema=t.schema) for name, t in TABLES.items()}


def test_correction_that_touches_personal_data_is_shown_masked() -> None:
    text = "Opgesteld door Jan Jansen op 3 mei, zie bijlage."
    doc_id = "d" * 64
    where = {"document_id": f"{doc_id}:c0-{len(text)}", "input_id": doc_id, "source_path": "in/memo.txt", "part": 0}
    s = text.index("Jansen")
    tables = _tables(
        inputs=[{**{k: where[k] for k in ("input_id", "source_path")}, "media_type": "text/plain", "text": text,
                    "char_count": len(text), "status": "published"}],
        corrections=[{**where, "span_start": s, "span_end": s + 6, "before": "Jamsen", "after": "Jansen",
                      "reason": "confusion"},
                     {**where, "span_start": text.index("bijlage"), "span_end": text.index("bijlage") + 7,
                      "before": "bijiage", "after": "bijlage", "reason": "confusion"}],
        personal_data=[{**where, "span_start": text.index("Jan"), "span_end": s + 6, "kind": "name",
                        "masked": "J** J*****", "value_hash": "0" * 16}],
    )
    rows = report.correction_rows(tables)
    assert [(r["before"], r["after"], r["masked"]) for r in rows] == [("J*****", "J*****", True),
                                                                      ("bijiage", "bijlage", False)]
    manifest = {"inputs": [], "release": "t"}
    body = report.render_body(report.body_context(tables, manifest))
    html = report.render_html(report.report_context(tables, manifest, None, body))
    assert "Jansen" not in html and "Jamsen" not in html and "bijlage" in html


# --------------------------------------------------------------------------
# Terminal summary


def _publish(release: qr.Release, out: Path, release_id: str, ok: bool) -> Path:
    """Lay a tested release out as `flows.publish` does (tables, manifest,
    quality.json, report), then promote it or set it aside."""
    staging = publish.stage(out, release_id)
    publish.write_tables(release.tables, staging)
    publish.write_manifest(staging, {**release.manifest, "release": release_id})
    shutil.copy(release.folder / "quality.json", staging / "quality.json")
    shutil.copy(release.report, staging / "report.html")
    return publish.promote(staging, out) if ok else publish.set_aside(staging, out)


def test_terminal_summary_of_the_latest_release(releases, tmp_path: Path) -> None:
    out = tmp_path / "published"
    _publish(releases["seed"], out, "20260101T000000Z-aaaaaa", ok=True)
    text = report.terminal_summary(out)
    findings = releases["seed"].tables["findings"].to_pylist()
    high = sum(f["severity"] == "high" for f in findings)
    assert "release 20260101T000000Z-aaaaaa" in text
    assert "inputs    3: 2 published, 1 quarantined" in text
    assert re.search(r"quarantined \S*stamped_box_over_text\.pdf: held back: high-severity redaction findings", text)
    assert f"findings  high {high}," in text
    q = releases["seed"].quality.summary
    assert f"quality   passed: {q['passed']}/{q['expectations']} expectations met" in text
    assert "stopped by the quality gate" not in text
    assert "Jan Jansen" not in text


def test_terminal_summary_says_when_a_later_attempt_failed_the_gate(releases, tmp_path: Path) -> None:
    out = tmp_path / "published"
    _publish(releases["seed"], out, "20260101T000000Z-aaaaaa", ok=True)
    failed = _publish(releases["defects"], out, "20260102T000000Z-bbbbbb", ok=False)
    text = report.terminal_summary(out)
    assert "release 20260101T000000Z-aaaaaa" in text  # latest is still the good one
    assert f"a later attempt was stopped by the quality gate: {failed}" in text


def test_terminal_summary_without_a_release_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path))):
        report.terminal_summary(tmp_path)


# --------------------------------------------------------------------------
# Prefect artifacts (contents; `publish_artifacts` itself runs in the flow)


def test_artifact_keys_are_what_prefect_accepts() -> None:
    from flows.run.flow import ARTIFACT_KEYS

    assert all(re.fullmatch(r"[a-z0-9-]+", k) for k in ARTIFACT_KEYS.values())


def test_artifacts_show_the_same_picture_as_the_report(releases) -> None:
    r = releases["defects"]
    md = report.artifact_markdown(r.tables, r.manifest, r.quality)
    statuses = [i["status"] for i in r.manifest["inputs"]]
    quarantined = statuses.count("quarantined")
    assert f"| {len(statuses)} | {len(statuses) - quarantined} | {quarantined} |" in md
    assert "FAILED" in md and all(f"`{n}`" in md for n in r.quality.failed)
    table = report.artifact_table(r.tables)
    assert sorted(t["document"] for t in table) == sorted(
        {Path(p).name for p in r.tables["redaction_summary"].column("source_path").to_pylist()})
    assert sum(t["high"] for t in table) == sum(f["severity"] == "high" for f in r.tables["findings"].to_pylist())
    json.dumps(table)  # a table artifact is JSON


@pytest.mark.parametrize(
    "quality_ok, statuses, quarantine, state, words",
    [
        (True, ["published", "published"], [], "published", ["all 2"]),
        (True, ["published", "published_with_held_parts", "quarantined"],
         [{"stage": "gate", "detail": "part 1 (email): held back for personal data: 2 finding(s)"},
          {"stage": "ingest", "detail": "no %PDF- header"}],
         "published with held-back documents",
         ["Published 2 of 3", "1 document(s) held back for personal data", "1 input(s) quarantined"]),
        (True, ["quarantined"], [{"stage": "gate", "detail": "held back for text under a box: 1 finding(s)"}],
         "set aside", ["no document could be published", "text under a box"]),
        (False, ["published"], [], "set aside", ["quality gate failed"]),
        (True, ["quarantined", "quarantined", "quarantined"],
         [{"stage": "gate", "detail": "held back for personal data and text under a box: 2 finding(s)"},
          {"stage": "gate", "detail": "held back for text under a box: 1 finding(s)"},
          {"stage": "gate", "detail": "held back for personal data: 1 finding(s)"}],
         "set aside", ["3 document(s) held back for personal data and text under a box)"]),
    ],
)
def test_release_state_says_what_went_out_and_why_the_rest_did_not(quality_ok, statuses, quarantine, state,
                                                                   words) -> None:
    found = report.release_state(quality_ok, [{"status": s} for s in statuses], quarantine)
    assert found.state == state
    assert all(w in found.sentence for w in words), found.sentence


def test_report_headline_gives_the_release_state(releases) -> None:
    """The seed release holds back its planted leak: the headline says so,
    with the counts the manifest and the quarantine table give."""
    r = releases["seed"]
    state = report.release_state(r.quality.ok, r.manifest["inputs"], r.tables["quarantine"].to_pylist())
    html = r.report.read_text(encoding="utf-8")
    assert state.state == "published with held-back documents"
    assert f'class="gate warn" data-state="{state.state}">{state.sentence}</div>' in html


def test_report_shows_the_inventory_check_as_the_tables_give_it() -> None:
    """Two entries: one joined to a document, one missing (its finding);
    the report's inventory tiles count what the tables hold."""
    list_id = "l" * 64
    where = {"document_id": f"{list_id}:c0-80", "input_id": list_id, "source_path": "in/lijst.csv", "part": 0}
    entries = [{**where, "entry": 0, "number": "1", "judgement": "openbaar", "matched_document_id": "d" * 64 + ":p1-2",
                "match_on": "number"},
               {**where, "entry": 1, "number": "2", "judgement": "deels_openbaar"}]
    missing = {**where, "finding_id": "f1", "check": "inventory_document_missing", "severity": "medium",
               "message": "entry 2 of the inventory list (deels_openbaar) has no document in the release"}
    context = report.body_context(_tables(inventory=entries, findings=[missing]), {"inputs": []})
    assert context["inventory"] == {"listed": 2, "found": 1, "missing": 1, "mismatched": 0, "not_expected": 0,
                                    "unlisted": 0}
    assert '<div class="n" id="inventory-missing">1</div>' in report.render_body(context)
    assert "inventory-check" not in report.render_body(report.body_context(_tables(), {"inputs": []}))
