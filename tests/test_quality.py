"""The quality gate: the seed passes every suite, planted defects fail it
with the expectation that names them, and the derived frames that carry
the cross-table rules find what they should.

The two releases (seed and defects) are built by the real pipeline and
validated by real Great Expectations once per session
(`tests/fixtures/quality_releases.py`); the frame tests are plain pandas.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from checks.quality import validate as quality
from flows.model import TABLES
from tests.fixtures import quality_releases as qr
from tests.fixtures.quality_releases import EXPECTED_FAILURES


@pytest.fixture(scope="session")
def releases(tmp_path_factory) -> dict[str, qr.Release]:
    return qr.releases(tmp_path_factory.getbasetemp() / "quality-releases")


def _result(release: qr.Release, name: str) -> dict:
    return next(r for r in release.quality.results if r["name"] == name)


# --------------------------------------------------------------------------
# The gate on real releases


def test_seed_release_passes_every_suite(releases) -> None:
    q = releases["seed"].quality
    assert q.ok, q.failed
    assert q.failed == []
    rules = [r for s in quality.load_suites() for r in s.rules]
    assert q.summary["expectations"] == len(rules) == len(q.results)
    assert q.summary["frames"] == len(quality.load_suites())


@pytest.mark.parametrize("defect", sorted(EXPECTED_FAILURES))
def test_planted_defect_fails_the_gate_naming_its_expectation(releases, defect: str) -> None:
    q = releases["defects"].quality
    assert not q.ok
    assert EXPECTED_FAILURES[defect] in q.failed
    # ... and that expectation passed on the seed, so the defect is what failed it.
    assert _result(releases["seed"], EXPECTED_FAILURES[defect])["success"]


def test_defect_failures_point_at_the_planted_rows(releases) -> None:
    d = releases["defects"]

    def rows(name: str) -> list:
        return _result(d, name)["observed"]["unexpected_rows"]

    assert [(Path(r["source_path"]).name, r["page"]) for r in rows("page_coverage.every_page_in_pages")] == [
        (f"{qr.SEED.stem}-antwoorden.pdf", qr.MISSING_PAGE)]
    assert [r["vraag_nr"] for r in rows("questions_answered.every_question_answered")] == [qr.MISSING_ANSWER]
    assert _result(d, "markers.ground_code_in_registry")["observed"]["unexpected_values"] == [qr.UNKNOWN_GROUND]
    glyph_lines = rows("text_lines.no_unmapped_glyph_codes")
    assert {r["table"] for r in glyph_lines} >= {"inputs", "documents"}
    assert [r["path"] for r in rows("input_coverage.every_input_accounted_for")] == [qr.LOST_INPUT]


def test_no_error_expectation_fails_on_the_seed_that_the_defects_do_not_explain(releases) -> None:
    """The defect release fails only where a defect was planted (and where
    one follows from another: a missing answer also breaks the numbering)."""
    consequences = {"qa_numbering.contiguous_from_1"}
    assert set(releases["defects"].quality.failed) == set(EXPECTED_FAILURES.values()) | consequences


def test_quality_json_lists_every_expectation_with_its_result(releases) -> None:
    data = json.loads((releases["defects"].folder / "quality.json").read_text(encoding="utf-8"))
    assert data["summary"] == json.loads(json.dumps(releases["defects"].quality.summary))
    for e in data["expectations"]:
        assert {"table", "frame", "expectation", "kwargs", "severity", "success", "observed"} <= set(e)
        assert e["severity"] in ("error", "warning")
    failed = {e["name"] for e in data["expectations"] if not e["success"] and e["severity"] == "error"}
    assert failed == set(releases["defects"].quality.failed)


@pytest.mark.parametrize("name", ["seed", "defects"])
def test_data_docs_are_written_inside_the_release(releases, name: str) -> None:
    folder = releases[name].folder
    docs = folder / releases[name].quality.summary["data_docs"]
    assert docs.is_file() and docs.is_relative_to(folder / "quality")
    pages = list((docs.parent / "validations").rglob("*.html"))
    # One validation page per frame: a failing suite, validated again for
    # its failing rows, replaces its first result.
    assert len(pages) == len(quality.load_suites())


def test_data_docs_are_written_for_a_release_folder_given_relative(releases, tmp_path: Path, monkeypatch) -> None:
    """`lakmoes run --out published`: the staging folder is relative."""
    monkeypatch.chdir(tmp_path)
    q = quality.validate_release(releases["seed"].tables, releases["seed"].manifest, Path("release"))
    assert q.ok and (tmp_path / "release" / q.summary["data_docs"]).is_file()


def test_great_expectations_starts_without_scipy_stats_and_loads_it_when_used() -> None:
    """The quality processes defer what only an unused expectation needs;
    deferred, it still loads on first use."""
    code = ("import sys; from checks.quality.process import prepare_process; prepare_process(); "
            "print(type(sys.modules['scipy.stats']).__name__, 'scipy.stats._stats_py' in sys.modules); "
            "from scipy import stats; print(round(stats.norm.cdf(0), 2))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.split() == ["_LazyModule", "False", "0.5"]


def _validated_in_a_quality_process(release: qr.Release, folder: Path, validate: str, report: str) -> dict:
    """Validate `release` in a process of its own started as the run's
    quality process is (`prepare_process`, single-threaded). `validate`
    is the call, with `tables`, `manifest` and the work folder `d` at hand
    and `v` the validate module; `report` the JSON printed after it."""
    for table, data in release.tables.items():
        pq.write_table(data, folder / f"{table}.parquet")
    (folder / "manifest.json").write_text(json.dumps(release.manifest, default=str), encoding="utf-8")
    code = ("import json, os, sys; from pathlib import Path; import pyarrow.parquet as pq; "
            "from checks.quality.process import prepare_process; prepare_process(); "
            "from checks.quality import validate as v; d = Path(sys.argv[1]); "
            "tables = {p.stem: pq.read_table(p) for p in d.glob('*.parquet')}; "
            "manifest = json.loads((d / 'manifest.json').read_text()); "
            f"q = {validate}; print(json.dumps({report}))")
    done = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, cwd=ROOT,
                          check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", ["seed", "defects"])
def test_a_quality_process_without_sqlalchemy_gives_the_same_outcomes(releases, tmp_path: Path, name: str) -> None:
    """A quality process imports Great Expectations as if its SQL extra were
    absent (`ABSENT_IN_QUALITY_PROCESS`): every outcome is the one this
    process, where SQLAlchemy is importable, found."""
    release = releases[name]
    there = _validated_in_a_quality_process(
        release, tmp_path, "v.validate_release(tables, manifest, d / 'out')",
        "{'sqlalchemy': sys.modules['sqlalchemy'] is not None, 'results': q.results}")
    assert there["sqlalchemy"] is False
    assert there["results"] == json.loads(json.dumps(release.quality.results, default=str))


@pytest.mark.parametrize("name", ["seed", "defects"])
def test_a_quality_process_with_a_forked_helper_gives_the_same_outcomes_and_pages(releases, tmp_path: Path,
                                                                                  name: str) -> None:
    """The quality process validates with a forked copy of itself
    (`helper`): both take suites, and the outcomes, the kept suites and the
    Data Docs are those one process gives."""
    release = releases[name]
    # Each call of a share is recorded with its process and its count; the
    # helper's is recorded in the helper, whose list this process never sees.
    validate = ("(share := v._validate_share, pids := [], "
                "setattr(v, '_validate_share', lambda r, s: (out := share(r, s), "
                "out and pids.append((os.getpid(), len(out))))[0]), "
                "v.validate_release(tables, manifest, d / 'out', helper=True))[-1]")
    there = _validated_in_a_quality_process(
        release, tmp_path, validate,
        "{'results': q.results, 'summary': q.summary, 'pid': os.getpid(), 'pids': pids}")
    # This process validated some suites, and not all of them.
    assert [pid for pid, _ in there["pids"]] == [there["pid"]]
    assert 0 < there["pids"][0][1] < len(quality.load_suites())
    assert there["results"] == json.loads(json.dumps(release.quality.results, default=str))
    assert there["summary"]["ok"] is release.quality.ok and there["summary"]["kept_suites"] == []
    docs = tmp_path / "out" / there["summary"]["data_docs"]
    for section in ("validations", "expectations"):
        assert len(list((docs.parent / section).rglob("*.html"))) == len(quality.load_suites())
    assert _index_lists_every_page(tmp_path / "out", there["summary"])


def test_summary_fits_in_the_manifest(releases) -> None:
    s = releases["defects"].quality.summary
    assert json.loads(json.dumps(s)) == s
    assert s["ok"] is False and s["failed_errors"] == releases["defects"].quality.failed
    assert set(s["seconds_by_step"]) == {"frames", "import", "validate", "data_docs"}


# --------------------------------------------------------------------------
# Kept suite outcomes


class _Kept:
    """Kept outcomes in memory, pickled as the run's cache pickles them."""

    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}

    def get(self, key: str) -> object:
        return pickle.loads(self.kept[key]) if key in self.kept else None

    def put(self, key: str, value: object) -> None:
        self.kept[key] = pickle.dumps(value)


def _index_lists_every_page(folder: Path, summary: dict) -> bool:
    """The Data Docs index links a validation page and an expectations page
    of every suite, and each is in the site."""
    index = folder / summary["data_docs"]
    text = index.read_text(encoding="utf-8")
    frames = sorted(s.frame for s in quality.load_suites())
    listed = {section: sorted(set(re.findall(rf'{section}/([a-z_]+)[^"\\]*?\.html', text)))
              for section in ("validations", "expectations")}
    pages = set(re.findall(r'(?:validations|expectations)/[^"\\]*?\.html', text))
    return listed == {"validations": frames, "expectations": frames} and all(
        (index.parent / page).is_file() for page in pages)


def test_a_suite_whose_frame_did_not_change_takes_its_kept_outcome(releases, tmp_path: Path) -> None:
    """The defects release after the seed: the suites of the frames the
    defects left as they were are not validated again, and the outcome is
    the one a validation from scratch gives (`releases` validated both
    without kept outcomes)."""
    seed, defects = releases["seed"], releases["defects"]
    kept = _Kept()
    first = quality.validate_release(seed.tables, seed.manifest, tmp_path / "seed", quality.SUITES_DIR, kept)
    assert first.summary["kept_suites"] == [] and first.results == seed.quality.results
    assert _index_lists_every_page(tmp_path / "seed", first.summary)
    # Each suite's expectations page is kept once, by the suite alone.
    suites = quality.load_suites()
    assert sorted(k for k in kept.kept if k.startswith("expectations-")) == sorted(
        quality.page_key(s) for s in suites)

    q = quality.validate_release(defects.tables, defects.manifest, tmp_path / "defects", quality.SUITES_DIR, kept)
    assert q.results == defects.quality.results and q.failed == defects.quality.failed

    # Kept: exactly the suites whose frame pandas finds equal (and the
    # parameters they read too: both releases have the same day).
    assert quality.release_date(seed.manifest) == quality.release_date(defects.manifest)
    before = quality.build_frames(seed.tables, seed.manifest)
    after = quality.build_frames(defects.tables, defects.manifest)
    equal = sorted(s.frame for s in quality.load_suites() if before[s.frame].equals(after[s.frame]))
    assert q.summary["kept_suites"] == equal
    assert {"pages", "markers", "spans", "input_coverage"}.isdisjoint(equal)  # where the defects are
    assert len(equal) >= 5

    # Its Data Docs: a validation and an expectations page per suite (kept
    # ones as rendered before), every link of the index resolves.
    docs = tmp_path / "defects" / q.summary["data_docs"]
    for section in ("validations", "expectations"):
        assert len(list((docs.parent / section).rglob("*.html"))) == len(quality.load_suites())
    assert _index_lists_every_page(tmp_path / "defects", q.summary)

    again = quality.validate_release(defects.tables, defects.manifest, tmp_path / "again", quality.SUITES_DIR, kept)
    assert again.summary["kept_suites"] == sorted(s.frame for s in quality.load_suites())
    assert again.results == defects.quality.results and _index_lists_every_page(tmp_path / "again", again.summary)


def test_a_suite_that_reads_the_release_date_is_validated_again_on_another_day(releases, tmp_path: Path) -> None:
    seed = releases["seed"]
    kept = _Kept()
    quality.validate_release(seed.tables, seed.manifest, tmp_path / "today", quality.SUITES_DIR, kept)
    started = dt.datetime.fromisoformat(str(seed.manifest["started"])) + dt.timedelta(days=1)
    tomorrow = {**seed.manifest, "started": started.isoformat()}
    q = quality.validate_release(seed.tables, tomorrow, tmp_path / "tomorrow", quality.SUITES_DIR, kept)
    dated = {s.frame for s in quality.load_suites() if "release_date" in quality.parameters_read(s)}
    assert dated and q.summary["kept_suites"] == sorted({s.frame for s in quality.load_suites()} - dated)
    assert q.results == quality.validate_release(seed.tables, tomorrow, tmp_path / "fresh").results


@pytest.mark.parametrize("change", ["null for the string None", "a string spelled as a null is hashed",
                                    "a list item", "a column's type", "row order", "a column's name"])
def test_a_frame_fingerprint_changes_with_any_value_type_name_or_order(change: str) -> None:
    def frame() -> pd.DataFrame:
        return pd.DataFrame({"text": ["None", "b", "c"], "codes": [["5.1.2e"], [], None],
                             "page": pd.array([1, None, 3], dtype="Int64")})

    changed = frame()
    if change == "null for the string None":
        changed.loc[0, "text"] = None
    elif change == "a string spelled as a null is hashed":
        changed.at[2, "codes"] = quality._canonical(None)
    elif change == "a list item":
        changed.at[0, "codes"] = ["5.1.2a"]
    elif change == "a column's type":
        changed["page"] = changed["page"].astype("Float64")
    elif change == "row order":
        changed = changed.iloc[[1, 0, 2]].reset_index(drop=True)
    else:
        changed = changed.rename(columns={"page": "pagina"})
    assert quality.frame_fingerprint(frame()) == quality.frame_fingerprint(frame())
    assert quality.frame_fingerprint(changed) != quality.frame_fingerprint(frame())


# --------------------------------------------------------------------------
# Suite files


def test_suite_file_for_a_frame_of_another_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "parameters.toml").write_text("", encoding="utf-8")
    (tmp_path / "pages.toml").write_text('frame = "page"\n', encoding="utf-8")
    with pytest.raises(quality.SuiteError, match=r"pages\.toml"):
        quality.load_suites(tmp_path)


def test_expectation_with_unknown_severity_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pages.toml").write_text(
        'frame = "pages"\n[[expect]]\nname = "x"\ntype = "expect_column_values_to_not_be_null"\n'
        'kwargs = { column = "page" }\nseverity = "fatal"\nwhy = "-"\n', encoding="utf-8")
    with pytest.raises(quality.SuiteError, match="severity"):
        quality.load_suites(tmp_path)


def test_a_parameter_that_is_not_a_parameters_name_is_refused(releases, tmp_path: Path) -> None:
    """Great Expectations would evaluate "now()": a kept outcome could not
    be keyed by its value."""
    shutil.copy(quality.SUITES_DIR / "parameters.toml", tmp_path)
    (tmp_path / "pages.toml").write_text(
        'frame = "pages"\n[[expect]]\nname = "x"\ntype = "expect_column_max_to_be_between"\n'
        'kwargs = { column = "page", max_value = { "$PARAMETER" = "now()" } }\nseverity = "error"\nwhy = "-"\n',
        encoding="utf-8")
    r = releases["seed"]
    with pytest.raises(quality.SuiteError, match=r"pages\.toml.*now\(\)"):
        quality.validate_release(r.tables, r.manifest, tmp_path / "release", suites_dir=tmp_path)


def test_expectation_that_cannot_run_fails_the_gate_and_says_why(releases, tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    shutil.copy(quality.SUITES_DIR / "parameters.toml", suites)
    (suites / "pages.toml").write_text(
        'frame = "pages"\nindex = ["page"]\n[[expect]]\nname = "typo"\ntype = "expect_column_values_to_not_be_null"\n'
        'kwargs = { column = "pgae" }\nseverity = "error"\nwhy = "-"\n', encoding="utf-8")
    r = releases["seed"]
    q = quality.validate_release(r.tables, r.manifest, tmp_path / "release", suites_dir=suites)
    assert not q.ok and q.failed == ["pages.typo"]
    assert "pgae" in q.results[0]["error"]


def test_match_regexes_are_anchored() -> None:
    """Great Expectations' regex expectations match anywhere in the value:
    a pattern meant for the whole value must say so."""
    for s in quality.load_suites():
        for r in s.rules:
            if r.type == "expect_column_values_to_match_regex":
                assert r.kwargs["regex"].startswith("^") and r.kwargs["regex"].endswith("$"), r.full_name


def test_every_suite_has_a_frame_and_its_index_columns(releases) -> None:
    frames = quality.build_frames(releases["seed"].tables, releases["seed"].manifest)
    quality.check_suites_against_frames(quality.load_suites(), frames)
    assert {s.frame for s in quality.load_suites()} == set(TABLES) | set(quality.DERIVED)


# --------------------------------------------------------------------------
# Derived frames (pandas only)


def _tables(**rows: list[dict]) -> dict[str, pa.Table]:
    return {name: pa.Table.from_pylist(rows.get(name, []), schema=t.schema) for name, t in TABLES.items()}


DOC = {"input_id": "a" * 64, "source_path": "in/a.pdf", "media_type": "application/pdf", "page_count": 3,
       "char_count": 30, "text": "x" * 30, "status": "published"}


def test_page_coverage_has_a_null_for_the_page_pages_lacks() -> None:
    pages = [{"document_id": DOC["input_id"] + ":p1-3", "input_id": DOC["input_id"], "source_path": DOC["source_path"],
              "page": n} for n in (1, 3)]
    frames = quality.build_frames(_tables(inputs=[DOC], pages=pages), {"inputs": []})
    cov = frames["page_coverage"]
    assert cov[cov["pages_row"].isna()]["page"].tolist() == [2]


def test_input_in_neither_inputs_nor_quarantine_is_unaccounted_for() -> None:
    quarantine = [{"source_path": "in/b.txt", "stage": "ingest", "reason": "empty file"}]
    inputs = [{"path": "in/a.pdf", "sha256": DOC["input_id"], "status": "published"},
              {"path": "in/b.txt", "sha256": None, "status": "quarantined", "reason": "empty file"},
              {"path": "in/c.txt", "sha256": "c" * 64, "status": "published"}]
    frames = quality.build_frames(_tables(inputs=[DOC], quarantine=quarantine), {"inputs": inputs})
    found = {p: None if pd.isna(f) else f for p, f in zip(frames["input_coverage"]["path"],
                                                          frames["input_coverage"]["found_as"], strict=False)}
    assert found == {"in/a.pdf": "published", "in/b.txt": "quarantined", "in/c.txt": None}


def test_spans_of_a_quarantined_document_are_not_orphans() -> None:
    finding = {"finding_id": "f1", "document_id": "q" * 64 + ":p1-1", "input_id": "q" * 64, "source_path": "in/q.pdf",
               "check": "hidden_text", "severity": "high", "span_start": 5, "span_end": 9}
    quarantine = [{"source_path": "in/q.pdf", "input_id": "q" * 64, "stage": "gate", "reason": "personal data"}]
    frames = quality.build_frames(_tables(inputs=[DOC], findings=[finding], quarantine=quarantine), {"inputs": []})
    row = frames["spans"].iloc[0]
    assert bool(row["quarantined"]) and row["char_count"] is pd.NA


def test_internal_document_with_neither_markers_nor_reason_is_flagged() -> None:
    base = {"input_id": DOC["input_id"], "source_path": DOC["source_path"], "visibility": "internal"}
    documents = [{**base, "document_id": f"{DOC['input_id']}:p{n + 1}-{n + 1}", "part": n, **status}
                 for n, status in enumerate([
                     {"redaction_status": "unredacted", "marker_count": 0},
                     {"redaction_status": "no_redaction_needed", "no_redaction_reason": "only a title", "marker_count": 0},
                     {"redaction_status": "redacted", "marker_count": 1}])]
    markers = [{"document_id": f"{DOC['input_id']}:p3-3", "input_id": DOC["input_id"], "source_path": DOC["source_path"],
                "part": 2, "kind": "code", "ground_code": "5.1.2e"}]
    frames = quality.build_frames(_tables(inputs=[DOC], documents=documents, markers=markers), {"inputs": []})
    ip = frames["internal_parts"]
    assert dict(zip(ip["part"], ip["markers_or_reason"], strict=False)) == {0: False, 1: True, 2: True}


def test_text_lines_point_at_the_line_with_the_glyph_code() -> None:
    doc = {**DOC, "text": "eerste regel\nOekra(cid:12)ne\nderde"}
    frames = quality.build_frames(_tables(inputs=[doc]), {"inputs": []})
    lines = frames["text_lines"]
    hit = lines[lines["text"].str.contains(r"\(cid:\d+\)", regex=True)]
    assert hit[["table", "line"]].values.tolist() == [["inputs", 2]]


def test_text_lines_number_each_line_by_its_row_and_skip_rows_without_text() -> None:
    other = {**DOC, "input_id": "b" * 64, "source_path": "in/b.pdf", "text": None}
    third = {**DOC, "input_id": "c" * 64, "source_path": "in/c.pdf", "text": "een\n\ndrie"}
    qa = [{"document_id": "q", "input_id": DOC["input_id"], "source_path": DOC["source_path"], "vraag_nr": 1,
           "vraag": "Vraag?\nNog een regel", "antwoord": "Ja."}]
    frames = quality.build_frames(_tables(inputs=[DOC, other, third], qa=qa), {"inputs": []})
    lines = frames["text_lines"]
    assert lines.drop(columns="text").values.tolist() == [
        ["inputs", "text", "in/a.pdf", 0, 1], ["inputs", "text", "in/c.pdf", 2, 1], ["inputs", "text", "in/c.pdf", 2, 2],
        ["inputs", "text", "in/c.pdf", 2, 3], ["qa", "vraag", "in/a.pdf", 0, 1], ["qa", "vraag", "in/a.pdf", 0, 2],
        ["qa", "antwoord", "in/a.pdf", 0, 1]]
    assert lines["text"].tolist() == ["x" * 30, "een", "", "drie", "Vraag?", "Nog een regel", "Ja."]
    assert [str(t) for t in lines.dtypes] == ["object", "object", "object", "Int64", "Int64", "object"]


def test_release_date_is_the_day_the_release_started() -> None:
    started = dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.UTC)
    assert quality.release_date({"started": started}) == dt.date(2024, 3, 1)
    assert quality.release_date({"started": started.isoformat()}) == dt.date(2024, 3, 1)


def test_list_columns_reach_great_expectations_as_lists() -> None:
    finding = {"finding_id": "f1", "document_id": DOC["input_id"] + ":p1-3", "input_id": DOC["input_id"],
               "source_path": DOC["source_path"], "check": "hidden_text", "severity": "high", "page": 1,
               "box": [1.0, 2.0, 3.0, 4.0]}
    frames = quality.build_frames(_tables(inputs=[DOC], findings=[finding]), {"inputs": []})
    assert frames["finding_boxes"]["box_length"].tolist() == [4]
    box = frames["findings"]["box"][0]
    assert type(box) is list and box == [1.0, 2.0, 3.0, 4.0] and type(box[0]) is float
