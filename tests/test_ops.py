"""Operations: incremental runs over a corpus that changes between runs
(the cache of per-input results, the manifest's account of it, the release
diff), through the real flow with a Prefect test server; what a run shows
(progress, log lines, quiet, the OCR engine's messages)."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEED, document_task_runs, latest_release_artifacts, latest_release_logs, release_flow_runs
from test_classify import GAZETTE, KAMERBRIEF

from flows.model import RunOptions
from flows.model.tables import TABLES
from flows.run import units
from flows.run.cache import SuiteCache
from flows.run.diff import table_diff
from flows.run.flow import TASKS_PER_WORKER, batch_name, batches, run, summary
from flows.run.pool import WorkerPool
from flows.run.progress import Bars, LogLines, Progress, make_progress

MEMO_PDF = SEED.with_name(SEED.stem + "-beslisnota.pdf")  # scanned: its text is OCR output
ANSWERS_PDF = SEED.with_name(SEED.stem + "-antwoorden.pdf")


@pytest.fixture(scope="module")
def prefect_api():
    """One Prefect test server for the module."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield PREFECT_API_URL.value()


def manifest(out: Path) -> dict:
    return json.loads((out / "latest" / "manifest.json").read_text(encoding="utf-8"))


def work(out: Path) -> dict[str, str]:
    """What became of each input in the latest run, by file name."""
    return {Path(i["path"]).name: i["work"] for i in manifest(out)["inputs"]}


def release_diff(out: Path) -> dict:
    return json.loads((out / "latest" / "diff.json").read_text(encoding="utf-8"))


def tables_text(release: Path) -> dict[str, str]:
    return {name: (release / f"{name}.jsonl").read_text(encoding="utf-8") for name in TABLES}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The seed (its text, its born-digital answers and its scanned
    beslisnota) and two born-digital text documents."""
    folder = tmp_path_factory.mktemp("corpus")
    for source in (SEED, ANSWERS_PDF, MEMO_PDF):
        shutil.copy(source, folder / source.name)
    (folder / "gemeenteblad.txt").write_text(GAZETTE, encoding="utf-8")
    (folder / "kamerbrief.txt").write_text(KAMERBRIEF, encoding="utf-8")
    return folder


def test_incremental_runs_redo_only_what_changed_and_publish_what_a_full_run_publishes(prefect_api, corpus: Path,
                                                                                        tmp_path: Path) -> None:
    out = tmp_path / "out"
    options = RunOptions(out=out, workers=2)
    names = sorted(p.name for p in corpus.iterdir())
    with WorkerPool(options) as pool:
        assert run([corpus], options, pool).exit_code == 0
        assert work(out) == dict.fromkeys(names, "computed")
        assert release_diff(out)["inputs"]["added"] == sorted(str(p) for p in corpus.iterdir())
        cold_units = pool.units_run

        assert len(document_task_runs()) == len(names) + 2  # every input read; two OCR documents finished

        # Nothing changed: every input is taken from the cache, no work unit
        # and no document task runs.
        assert run([corpus], options, pool).exit_code == 0
        assert work(out) == dict.fromkeys(names, "reused")
        assert manifest(out)["work"] == {"reused": len(names)} and manifest(out)["removed"] == []
        assert pool.units_run == cold_units
        assert document_task_runs() == []
        # The same tables on the same day: the validation is not run again,
        # its outcome and Data Docs are copied.
        assert manifest(out)["quality"]["reused"] is True
        assert (out / "latest" / "quality.json").is_file() and any((out / "latest" / "quality").rglob("index.html"))
        unchanged = release_diff(out)
        assert unchanged["inputs"] == {"added": [], "changed": [], "removed": [], "unchanged": len(names)}
        assert all(t["added"] == t["changed"] == t["removed"] == 0 for t in unchanged["tables"].values())

        # Bytes changed, words not (a trailing line): the release lexicon is
        # the same, so the scanned beslisnota is not corrected again.
        gazette = corpus / "gemeenteblad.txt"
        gazette.write_text(GAZETTE + "\n\n", encoding="utf-8")
        assert run([corpus], options, pool).exit_code == 0
        assert work(out) == {**dict.fromkeys(names, "reused"), "gemeenteblad.txt": "computed"}
        assert pool.units_run == cold_units + 1  # one text document: one work unit
        assert manifest(out)["quality"]["reused"] is False  # its table rows changed (its text did)
        # ... but only the suites over frames with its rows run again.
        kept_suites = manifest(out)["quality"]["kept_suites"]
        assert "qa" in kept_suites and "inputs" not in kept_suites
        assert release_diff(out)["inputs"]["changed"] == [str(gazette)]

        # New words in a clean document change the release lexicon: the
        # documents with OCR text (the scanned beslisnota, and the seed's
        # text form, whose beslisnota part reads as OCR output) are
        # corrected, parsed and checked again, not read or OCRed again.
        letter = corpus / "kamerbrief.txt"
        letter.write_text(KAMERBRIEF + "\nDe hersteloperatie loopt door in Oekraïne en België.\n", encoding="utf-8")
        assert run([corpus], options, pool).exit_code == 0
        assert work(out) == {**dict.fromkeys(names, "reused"), "kamerbrief.txt": "computed",
                             MEMO_PDF.name: "refinished", SEED.name: "refinished"}
        assert pool.units_run == cold_units + 1 + 1 + 2  # the gazette before; the letter; finishing two OCR documents
        assert document_task_runs() == sorted(["read-kamerbrief.txt", f"finish-{MEMO_PDF.name}", f"finish-{SEED.name}"])

        # A new clean document whose words are nowhere near the OCR
        # documents' words changes the release lexicon, but nothing their
        # correction read of it: they are not corrected again (the --full
        # run below publishes the same tables).
        note = corpus / "notitie.txt"
        note.write_text("Notitie\n\nDe xylofoonrepetitie van het jeugdorkest gaat door op zaterdag.\n",
                        encoding="utf-8")
        assert run([corpus], options, pool).exit_code == 0
        assert work(out) == {**dict.fromkeys(names, "reused"), "kamerbrief.txt": "reused", "notitie.txt": "computed"}
        assert document_task_runs() == ["read-notitie.txt"]

        # A removed input disappears from the release and is listed as removed.
        gazette.unlink()
        assert run([corpus], options, pool).exit_code == 0
        assert "gemeenteblad.txt" not in work(out)
        assert [Path(r["path"]).name for r in manifest(out)["removed"]] == ["gemeenteblad.txt"]
        removed = release_diff(out)
        assert removed["inputs"]["removed"] == [str(gazette)]
        assert removed["tables"]["inputs"]["removed"] == 1 and removed["tables"]["inputs"]["added"] == 0
        incremental = tables_text(out / "latest")
        outcomes = json.loads((out / "latest" / "quality.json").read_text(encoding="utf-8"))["expectations"]

        # A damaged cache entry is ignored and worked again.
        entries = sorted((out / ".cache").rglob(f"{_sha(letter)}-*.pickle"))
        assert entries
        entries[0].write_bytes(b"not a pickle")
        assert run([corpus], options, pool).exit_code == 0
        assert work(out)["kamerbrief.txt"] == "computed"

        # --full works every input again and publishes the same tables.
        units = pool.units_run
        assert run([corpus], RunOptions(out=out, workers=2, full=True), pool).exit_code == 0
        assert set(work(out).values()) == {"computed"} and pool.units_run > units
        assert tables_text(out / "latest") == incremental
        assert manifest(out)["quality"]["kept_suites"] == []
        assert json.loads((out / "latest" / "quality.json").read_text(encoding="utf-8"))["expectations"] == outcomes


def test_full_run_keeps_suite_outcomes_without_reading_them(tmp_path: Path) -> None:
    """`--full` validates every suite again and keeps what it found, so a
    bad kept outcome is replaced, not reused by the next run."""
    kept = SuiteCache(tmp_path, "version")
    kept.put("key", "outcome")
    full = dataclasses.replace(kept, reuse=False)
    assert full.get("key") is None
    full.put("key", "new outcome")
    assert kept.get("key") == "new outcome"


def test_the_tasks_of_a_run_share_one_prefect_api_client(prefect_api, corpus: Path, tmp_path: Path,
                                                        monkeypatch) -> None:
    """Each API client loads the CA bundle (tens of ms of CPU): a run makes
    a few, not two for every task run."""
    from prefect.client.orchestration import SyncPrefectClient

    made = []
    init = SyncPrefectClient.__init__

    def counted(self, *args, **kwargs):
        made.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(SyncPrefectClient, "__init__", counted)
    options = RunOptions(out=tmp_path / "out", workers=2)
    with WorkerPool(options) as pool:
        assert run([corpus], options, pool).exit_code == 0
    clients = len(made)
    assert len(document_task_runs()) >= len(list(corpus.iterdir()))  # a task per document, and more
    assert clients <= 2


def test_table_diff_matches_rows_per_input_by_position() -> None:
    before = [{"source_path": "a.pdf", "n": 1}, {"source_path": "a.pdf", "n": 2}, {"source_path": "b.pdf", "n": 1}]
    now = [{"source_path": "a.pdf", "n": 1}, {"source_path": "a.pdf", "n": 3}, {"source_path": "a.pdf", "n": 4},
           {"source_path": "c.pdf", "n": 1}]
    assert table_diff(before, now) == {"added": 2, "changed": 1, "removed": 1, "unchanged": 1}
    assert table_diff([], now) == {"added": 4, "changed": 0, "removed": 0, "unchanged": 0}
    # Key order is not a change; a value of another type is.
    assert table_diff([{"n": 1, "source_path": "a"}], [{"source_path": "a", "n": 1}])["unchanged"] == 1
    assert table_diff([{"source_path": "a", "n": 1}], [{"source_path": "a", "n": "1"}])["changed"] == 1


def test_a_large_corpus_is_read_in_a_few_tasks_per_worker_and_a_small_one_in_a_task_each() -> None:
    """A Prefect task run costs its server milliseconds of CPU: thousands of
    documents go in batches, in order, a few per worker; a handful of
    documents keep a task each, named after their file."""
    large = batches(list(range(1000)), workers=2)
    assert len(large) <= 2 * TASKS_PER_WORKER and [i for b in large for i in b] == list(range(1000))
    assert max(map(len, large)) - min(map(len, large)) <= max(map(len, large)) // 2
    assert batches(list(range(5)), workers=2) == [[0], [1], [2], [3], [4]]
    assert batch_name(["/a/brief.pdf"]) == "brief.pdf" and batch_name(["/a/brief.pdf", "/a/memo.pdf"]) == "brief.pdf+1"


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _lakmoes(api: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREFECT_API_URL": api}
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600)


def test_run_off_a_terminal_logs_plain_lines_per_phase_and_not_prefects_task_lines(prefect_api, tmp_path: Path) -> None:
    before = release_flow_runs()
    done = _lakmoes(prefect_api, "run", str(SEED), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    # With PREFECT_API_URL set, the run is recorded on that server: it
    # started no temporary server of its own.
    assert release_flow_runs() == before + 1
    lines = [line for line in done.stderr.splitlines() if line.startswith("lakmoes event=")]
    assert lines[0] == "lakmoes event=phase phase=read total=1"
    assert any(line.startswith("lakmoes event=done phase=read n=1/1 item=" + SEED.name) for line in lines)
    assert [line.split()[2] for line in lines if "event=phase-end" in line] == [
        "phase=read", "phase=finish", "phase=release"]
    assert "\x1b[" not in done.stderr  # no cursor movement or colour in a log
    assert "Finished in state" not in done.stderr and "Task run" not in done.stderr
    assert done.stdout.startswith("Published")
    # The command ends without tearing its modules down, but only after
    # Prefect has sent its last lines: the flow's closing line is on the server.
    assert any(m.startswith("Finished in state Completed") for m in latest_release_logs())
    # The flow is async (see `release_flow`): its artifacts are still made.
    from flows.run.flow import ARTIFACT_KEYS

    assert latest_release_artifacts() == sorted(ARTIFACT_KEYS.values())
    assert "never awaited" not in done.stderr


def test_run_into_a_relative_output_folder_publishes_as_the_readme_shows(prefect_api, tmp_path: Path) -> None:
    """`make run` is `lakmoes run seeds --out published`: a folder relative
    to where the command runs."""
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(SEED), "--out", "published", "--quiet"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "published" / "latest" / "manifest.json").read_text(encoding="utf-8"))
    assert (tmp_path / "published" / "latest" / manifest["quality"]["data_docs"]).is_file()


def test_quiet_run_prints_only_its_closing_line(prefect_api, tmp_path: Path) -> None:
    done = _lakmoes(prefect_api, "run", str(SEED), "--out", str(tmp_path / "out"), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "lakmoes event=" not in done.stderr and "INFO" not in done.stderr
    assert done.stdout.startswith("Published") and len(done.stdout.splitlines()) == 1


def test_progress_is_bars_on_a_terminal_lines_elsewhere_and_nothing_when_quiet() -> None:
    primary, secondary = pty.openpty()
    with os.fdopen(secondary, "w") as terminal:
        bars = make_progress(False, terminal)
        assert isinstance(bars, Bars)
        bars.close()
    os.close(primary)
    assert isinstance(make_progress(False, io.StringIO()), LogLines)
    assert type(make_progress(True, io.StringIO())) is Progress


def test_ocr_engine_messages_are_counted_instead_of_printed(capfd) -> None:
    from ocrmypdf._exec.tesseract import tesseract_log_output  # OCRmyPDF's reader of Tesseract's stderr

    with units.ocr_messages() as said:
        tesseract_log_output(b"Warning: Invalid resolution 0 dpi. Using 70 instead.\n"
                             b"Detected 12 diacritics\nDetected 40 diacritics\nEstimating resolution as 300\n")
    assert said == {"[tesseract] lots of diacritics - possibly poor OCR": 2,
                    "[tesseract] Warning: Invalid resolution 0 dpi. Using 70 instead.": 1}
    assert capfd.readouterr().err == ""
    assert summary(dict(said)) == ("2× [tesseract] lots of diacritics - possibly poor OCR; "
                                   "1× [tesseract] Warning: Invalid resolution 0 dpi. Using 70 instead.")


def test_a_pdf_longer_than_a_chunk_is_read_in_chunks_and_gives_the_rows_read_whole() -> None:
    """The unit that reads a PDF whole refuses one of more than
    `chunk_pages` pages before walking it; the run then extracts its
    chunks in parallel, and the document comes out as if read whole."""
    from flows.model.errors import TooManyPages
    from flows.run.flow import extract_document
    from flows.stages.extract.opening import page_count
    from flows.stages.ingest import identify

    inp = identify(ANSWERS_PDF)
    pages = page_count(ANSWERS_PDF)
    assert pages > 1
    with pytest.raises(TooManyPages) as refused:
        units.process_input(inp, RunOptions(), max_pages=pages - 1)
    assert refused.value.pages == pages
    with WorkerPool(RunOptions(workers=2)) as pool:
        whole = extract_document(pool, inp, RunOptions(chunk_pages=pages))
        chunked = extract_document(pool, inp, RunOptions(chunk_pages=1))
    assert whole.quarantine is None and whole.rows["pages"]
    for table in ("pages", "kamervragen", "findings", "markers"):
        assert chunked.rows.get(table) == whole.rows.get(table), table


def test_a_pdf_pdfminer_cannot_open_is_quarantined_by_the_extract_stage(tmp_path: Path) -> None:
    """The unit that reads a PDF whole is also the one that finds it
    damaged: the quarantine names the extract stage and the reason."""
    from flows.run.flow import read_document
    from flows.stages.ingest import identify

    cut = tmp_path / "cut.pdf"
    data = ANSWERS_PDF.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with WorkerPool(RunOptions(workers=1)) as pool:
        read = read_document(pool, identify(cut), RunOptions(), Progress())
    assert read.result.quarantine is not None
    assert (read.result.quarantine.stage, read.result.quarantine.source_path) == ("extract", str(cut))
    assert read.result.quarantine.reason == "truncated or damaged"


def test_a_kept_validation_is_found_by_the_tables_content_not_by_how_they_were_built() -> None:
    """The validation's key is taken from the tables in memory (so it can
    begin before they are written): equal tables built apart give one key;
    a value, a type or a column's name gives another."""
    import datetime as dt

    import pyarrow as pa

    from flows.run.cache import quality_key

    manifest = {"inputs": [{"path": "a.pdf", "sha256": "a" * 64, "status": "published", "reason": None}],
                "started": dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)}

    def key(rows: list[dict], schema: pa.Schema | None = None) -> str:
        return quality_key("v", {"pages": pa.Table.from_pylist(rows, schema=schema)}, manifest)

    rows = [{"page": 1, "text": "Vraag 1"}, {"page": 2, "text": None}]
    assert key(rows) == key([dict(r) for r in rows])
    assert key(rows) != key([rows[0], {"page": 2, "text": "Vraag 2"}])
    assert key(rows) != key(rows, pa.schema([("page", pa.int32()), ("text", pa.string())]))
    assert key(rows) != key([{"pagina": r["page"], "text": r["text"]} for r in rows])
    assert key(rows) != quality_key("v", {"pages": pa.Table.from_pylist(rows)},
                                    {**manifest, "started": dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC)})


def test_stopping_the_validation_leaves_no_process_writing_and_the_next_one_starts_afresh(tmp_path: Path) -> None:
    """A run that fails while its release is validated discards the release
    folder: the validation must be gone by then, not only marked cancelled."""
    import time

    from tests.fixtures import slow_units

    count = tmp_path / "count.txt"
    with WorkerPool(RunOptions(workers=1)) as pool:
        pool.validate(slow_units.keep_writing, str(count), 60.0, timeout=120)
        deadline = time.monotonic() + 90
        while not count.exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # the quality process imports Great Expectations first
        assert count.exists()
        pool.stop_validation()
        seen = count.read_text(encoding="utf-8")
        time.sleep(0.5)
        assert count.read_text(encoding="utf-8") == seen
        assert pool.validate(len, [1, 2], timeout=120).result() == 2
