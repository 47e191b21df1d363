"""The release flow end to end: the seed through Prefect, bad inputs, a
failed run, and the `lakmoes run` command itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT, SEED
from test_classify import BUNDLE, GAZETTE, KAMERBRIEF

from flows.model import RunOptions
from flows.run.flow import run

sys.path.insert(0, str(ROOT / "bench"))
from release_generate import bundle_pdf


@pytest.fixture(scope="session")
def prefect_api():
    """One Prefect test server for the session (it takes ~17 s to start)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield PREFECT_API_URL.value()


ANSWERS_PDF = SEED.with_name(SEED.stem + "-antwoorden.pdf")
MEMO_PDF = SEED.with_name(SEED.stem + "-beslisnota.pdf")


@pytest.fixture(scope="session")
def seed_release(prefect_api, tmp_path_factory) -> Path:
    """The seeds folder as `make run` takes it: the text form of the release
    and its PDF form (born-digital answers, scanned beslisnota)."""
    out = tmp_path_factory.mktemp("published")
    outcome = run([SEED.parent], RunOptions(out=out))
    assert outcome.exit_code == 0, outcome.message
    return out / "latest"


def table(release: Path, name: str, source: Path | None = SEED) -> list[dict]:
    """Rows of one input document (of all, with source=None)."""
    rows = pq.read_table(release / f"{name}.parquet").to_pylist()
    return [r for r in rows if source is None or Path(r["source_path"]).name == source.name]


def test_seed_release_publishes_questions_and_answers(seed_release: Path) -> None:
    qa = {r["vraag_nr"]: r for r in table(seed_release, "qa")}
    assert sorted(qa) == list(range(1, 11))
    assert all(r["antwoord"] for r in qa.values())
    assert qa[2]["see_vraag_nrs"] == [1]
    assert qa[7]["see_vraag_nrs"] == [3]
    assert qa[8]["see_vraag_nrs"] == [6]


def test_seed_release_publishes_memo_fields_and_kernpunten(seed_release: Path) -> None:
    fields = {r["field"]: r for r in table(seed_release, "memo_fields")}
    assert fields["Datum"]["value_date"] == dt.date(2023, 9, 29)
    assert fields["Binnengekomen op"]["value_date"] == dt.date(2023, 7, 17)
    assert "173615" in fields["Onze Referentie"]["value"]
    sections = table(seed_release, "memo_sections")
    bullets = [r for r in sections if r["section"] == "Kernpunten" and r["kind"] == "bullet"]
    assert len(bullets) == 5


def test_seed_release_markers_and_no_marker_in_public_part(seed_release: Path) -> None:
    markers = table(seed_release, "markers")
    assert sorted(r["ground_code"] for r in markers if r["kind"] == "label") == ["5.1.2a", "5.1.2e", "5.1.2e"]
    parts = {r["part"]: r for r in table(seed_release, "documents")}
    assert parts[0]["visibility"] == "public" and parts[0]["marker_count"] == 0
    assert parts[0]["redaction_status"] == "no_redaction_needed"
    assert all(r["part"] == 1 for r in markers)
    assert not [f for f in table(seed_release, "findings") if f["check"] == "person_field_without_marker"]


def test_every_row_carries_its_provenance(seed_release: Path) -> None:
    input_id = hashlib.sha256(SEED.read_bytes()).hexdigest()
    documents = {r["document_id"]: r for r in table(seed_release, "documents") if r["input_id"] == input_id}
    assert len(documents) == 2  # the public answers and the internal beslisnota
    for name in ("qa", "memo_fields", "memo_sections", "markers"):
        for r in table(seed_release, name):
            assert r["input_id"] == input_id and r["source_path"].endswith(SEED.name)
            document = documents[r["document_id"]]
            assert document["part"] == r["part"]
            assert document["span_start"] <= r["span_start"] <= r["span_end"] <= document["span_end"]


def test_manifest_checksums_match_the_files(seed_release: Path) -> None:
    manifest = json.loads((seed_release / "manifest.json").read_text())
    inputs = {Path(i["path"]).name: i for i in manifest["inputs"]}
    assert set(inputs) == {SEED.name, ANSWERS_PDF.name, MEMO_PDF.name}
    assert inputs[SEED.name]["sha256"] == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert {i["status"] for i in inputs.values()} == {"published"}
    for name, entry in manifest["tables"].items():
        for filename, meta in entry["files"].items():
            assert hashlib.sha256((seed_release / filename).read_bytes()).hexdigest() == meta["sha256"], filename
        assert pq.read_table(seed_release / f"{name}.parquet").num_rows == entry["rows"]
    assert {"lakmoes", "prefect", "pdfminer.six", "great-expectations"} <= set(manifest["versions"])
    assert manifest["started"] <= manifest["finished"]


def test_json_lines_hold_every_row_of_a_table_longer_than_a_slice_in_order(tmp_path: Path) -> None:
    from flows.release import publish

    n = 2 * publish.JSONL_SLICE_ROWS + 3
    rows = {"markers": [{"document_id": f"d{i}", "input_id": "a" * 64, "source_path": f"in/{i}.pdf", "part": None,
                         "kind": "label", "ground_code": "5.1.2e", "matched_text": f"Bescherming persoonlijke levenssfeer {i} é"}
                        for i in range(n)]}
    tables = publish.build_tables(rows, [])
    listing = publish.write_tables(tables, tmp_path)
    lines = (tmp_path / "markers.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == pq.read_table(tmp_path / "markers.parquet").to_pylist()
    assert len(lines) == n == listing["markers"]["rows"] and "é" in lines[-1]
    assert listing["markers"]["files"]["markers.jsonl"]["sha256"] == hashlib.sha256(
        (tmp_path / "markers.jsonl").read_bytes()).hexdigest()


def test_pdf_form_of_the_seed_gives_the_same_questions_and_answers(seed_release: Path) -> None:
    text_qa = {r["vraag_nr"]: r for r in table(seed_release, "qa")}
    pdf_qa = {r["vraag_nr"]: r for r in table(seed_release, "qa", ANSWERS_PDF)}
    assert sorted(pdf_qa) == sorted(text_qa)
    assert {n: r["see_vraag_nrs"] for n, r in pdf_qa.items()} == {n: r["see_vraag_nrs"] for n, r in text_qa.items()}
    assert all(r["page"] >= 1 for r in pdf_qa.values())
    pages = table(seed_release, "pages", ANSWERS_PDF)
    assert pages and {p["engine"] for p in pages} == {"pdfminer.six"}


def test_scanned_memo_is_ocred_corrected_and_parsed_like_the_text_form(seed_release: Path) -> None:
    pages = table(seed_release, "pages", MEMO_PDF)
    assert {p["engine"] for p in pages} == {"tesseract"} and all(p["ocr_confidence"] > 60 for p in pages)
    fields = {r["field"]: r for r in table(seed_release, "memo_fields", MEMO_PDF)}
    assert fields["Datum"]["value_date"] == dt.date(2023, 9, 29)
    assert fields["Binnengekomen op"]["value_date"] == dt.date(2023, 7, 17)
    assert "173615" in fields["Onze Referentie"]["value"]
    sections = table(seed_release, "memo_sections", MEMO_PDF)
    bullets = [r for r in sections if r["section"] == "Kernpunten" and r["kind"] == "bullet"]
    assert len(bullets) == 5
    # The release's clean text (the born-digital answers) is the corrector's
    # lexicon, across documents.
    fixes = {(c["before"], c["after"]) for c in table(seed_release, "corrections", MEMO_PDF)}
    assert {("Oekrame", "Oekraïne"), ("dusterbommen", "clusterbommen"), ("Nicolai", "Nicolaï")} <= fixes


def test_scanned_memo_boxes_carry_their_grounds(seed_release: Path) -> None:
    boxes = table(seed_release, "redactions", MEMO_PDF)
    assert len(boxes) == 5 and {b["source"] for b in boxes} == {"image"}
    assert sorted(b["ground_code"] for b in boxes) == ["5.1.2a"] + ["5.1.2e"] * 4
    assert not [f for f in table(seed_release, "findings", MEMO_PDF) if f["severity"] == "high"]


def test_bad_inputs_are_quarantined_and_the_rest_published(prefect_api, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "leeg.txt").write_bytes(b"")
    (inputs / "cp1252.txt").write_bytes("Vraag 1\nWat kost Oekraïne?\n\nAntwoord\nVeel.\n".encode("cp1252"))
    (inputs / "utf16.txt").write_bytes("Vraag 1\nWat kost België?\n\nAntwoord\nNiets.\n".encode("utf-16"))
    (inputs / "binair.txt").write_bytes(bytes(range(256)) * 64)
    (inputs / "seed.txt").write_bytes(SEED.read_bytes())
    empty_folder = tmp_path / "leeg"
    empty_folder.mkdir()
    out = tmp_path / "out"
    outcome = run([inputs, tmp_path / "bestaat-niet.txt", empty_folder], RunOptions(out=out))
    assert outcome.exit_code == 3
    quarantine = {Path(r["source_path"]).name: r["reason"] for r in table(out / "latest", "quarantine", None)}
    assert quarantine == {
        "leeg.txt": "empty file",
        "binair.txt": "binary content, not text",
        "bestaat-niet.txt": "path does not exist",
        "leeg": "no documents in folder",
    }
    docs = {Path(r["source_path"]).name: r for r in table(out / "latest", "inputs", None)}
    assert set(docs) == {"cp1252.txt", "utf16.txt", "seed.txt"}
    assert docs["cp1252.txt"]["encoding"] == "cp1252" and "Oekraïne" in docs["cp1252.txt"]["text"]
    assert docs["utf16.txt"]["encoding"] == "utf-16" and "België" in docs["utf16.txt"]["text"]


def test_pdf_bundle_from_the_bench_is_published_as_its_documents_with_the_leak_held_back(prefect_api,
                                                                                          tmp_path: Path) -> None:
    """Born-digital and scanned documents in one PDF (bench/release_generate.py)
    through the whole flow: each comes out as a document with its type and
    pages; a leak in the scanned e-mail holds back that document only."""
    email = BUNDLE[len(GAZETTE) + 1 : BUNDLE.index(KAMERBRIEF) - 1]
    path = tmp_path / "bundle.pdf"
    assert bundle_pdf([(GAZETTE, False), (email, True), (KAMERBRIEF, False)], path) == [(1, 1), (2, 2), (3, 3)]
    out = tmp_path / "out"
    outcome = run([path], RunOptions(out=out))
    assert outcome.exit_code == 3
    assert outcome.message.startswith("Published 1 of 1 input(s); 1 document(s) held back for personal data")
    latest = out / "latest"
    documents = sorted(table(latest, "documents", None), key=lambda d: d["part"])
    input_id = hashlib.sha256(path.read_bytes()).hexdigest()
    assert [(d["document_id"], d["document_type"], d["visibility"], d["redaction_status"]) for d in documents] == [
        (f"{input_id}:p1-1", "gazette", "public", "no_redaction_needed"),
        (f"{input_id}:p2-2", "email", "internal", "held_back"),
        (f"{input_id}:p3-3", "kamerbrief", "public", "no_redaction_needed")]
    assert documents[1]["text"] is None and documents[0]["text"] and documents[2]["text"]
    assert [p["engine"] for p in table(latest, "pages", None)] == ["pdfminer.six", "tesseract", "pdfminer.six"]
    (held,) = table(latest, "quarantine", None)
    assert held["input_id"] == input_id and held["document_id"] == documents[1]["document_id"]
    assert held["detail"].startswith("document 1 (email, pages 2-2): held back for personal data")
    (inp,) = table(latest, "inputs", None)
    assert inp["status"] == "published_with_held_parts" and "06-12345678" not in inp["text"]
    leaks = [f for f in table(latest, "findings", None) if f["severity"] == "high"]
    assert leaks and {f["document_id"] for f in leaks} == {documents[1]["document_id"]}
    assert "06-12345678" not in json.dumps(leaks)


def test_duplicate_file_is_quarantined_once(prefect_api, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_bytes(SEED.read_bytes())
    (inputs / "b.txt").write_bytes(SEED.read_bytes())
    outcome = run([inputs], RunOptions(out=tmp_path / "out"))
    assert outcome.exit_code == 3
    (q,) = table(tmp_path / "out" / "latest", "quarantine", None)
    assert Path(q["source_path"]).name == "b.txt" and q["reason"] == "duplicate"


def test_run_that_publishes_nothing_leaves_latest_alone(prefect_api, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run([SEED], RunOptions(out=out)).exit_code == 0
    before = os.readlink(out / "latest")
    outcome = run([tmp_path / "typo.txt"], RunOptions(out=out))
    assert outcome.exit_code == 3
    assert os.readlink(out / "latest") == before
    assert outcome.release is not None and outcome.release.parent.name == "failed"


def test_failed_run_leaves_no_release_and_latest_unchanged(prefect_api, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run([SEED], RunOptions(out=out)).exit_code == 0
    before = os.readlink(out / "latest")
    releases = sorted((out / "releases").iterdir())
    (out / ".staging").write_text("not a folder: staging cannot be created")
    with pytest.raises(OSError):  # staging is a file, not a folder
        run([SEED], RunOptions(out=out))
    assert os.readlink(out / "latest") == before
    assert sorted((out / "releases").iterdir()) == releases


def test_run_that_fails_while_its_release_is_validated_leaves_nothing_behind(prefect_api, tmp_path: Path,
                                                                            monkeypatch) -> None:
    """The tables are written while the quality process validates them: a
    disk that fills up then stops the validation and discards the staging
    folder; `latest` and the releases stay as they were."""
    from flows.release import publish
    from flows.run import flow

    out = tmp_path / "out"
    assert run([SEED], RunOptions(out=out)).exit_code == 0
    before, releases = os.readlink(out / "latest"), sorted((out / "releases").iterdir())
    begun = []
    start_quality = flow.start_quality

    def started(*args, **kwargs):
        begun.append(start_quality(*args, **kwargs))
        return begun[-1]

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(flow, "start_quality", started)
    monkeypatch.setattr(publish, "write_tables", disk_full)
    with pytest.raises(OSError):
        run([SEED], RunOptions(out=out, full=True))
    # The validation had begun, and was stopped with its process before it could finish.
    assert len(begun) == 1 and begun[0].done() and begun[0].exception() is not None
    assert not (out / ".staging").exists()
    assert os.readlink(out / "latest") == before
    assert sorted((out / "releases").iterdir()) == releases


def test_lakmoes_run_command_exit_status_and_messages(prefect_api, tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_API_URL": prefect_api}
    missing = tmp_path / "bestaat-niet.txt"
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", str(SEED), str(missing), "--out", str(tmp_path / "out")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert f"quarantined {missing}: path does not exist" in proc.stderr
    assert (tmp_path / "out" / "latest" / "manifest.json").exists()


def test_run_publishes_after_the_quality_process_died(prefect_api, tmp_path: Path) -> None:
    """The quality process is kept between runs; one that died (killed, out
    of memory) is replaced, so the next run still validates and publishes."""
    from pebble import ProcessExpired

    from flows.run.pool import WorkerPool

    options = RunOptions(out=tmp_path / "out")
    with WorkerPool(options) as pool:
        dying = pool.validate(os._exit, 1, timeout=60)
        with pytest.raises(ProcessExpired):
            dying.result()
        outcome = run([SEED], options, pool)
    assert outcome.exit_code == 0
    assert (outcome.release / "quality.json").is_file()


@pytest.mark.parametrize(
    "quality_ok, published, quarantined, code",
    [(True, 2, False, 0), (True, 2, True, 3), (True, 0, True, 3), (False, 2, False, 4), (False, 0, True, 4)],
)
def test_exit_status_follows_quality_then_publication_then_quarantine(quality_ok, published, quarantined, code):
    from flows.model import QuarantineEntry
    from flows.run.flow import outcome

    quarantine = [QuarantineEntry("bad.pdf", "truncated or damaged", "ingest")] if quarantined else []
    result = outcome(quality_ok, [] if quality_ok else ["documents"], published, Path("out/r1"), [], quarantine)
    assert result.exit_code == code


def test_quality_step_failure_keeps_its_message_out_of_the_log(tmp_path: Path) -> None:
    from flows.run.flow import Held, quality_task, start_quality
    from flows.run.pool import WorkerPool

    with WorkerPool(RunOptions(workers=1)) as pool, pytest.raises(RuntimeError) as e:
        quality_task.fn(Held(start_quality(pool, {"documents": "Jan Jansen"}, {}, tmp_path, 60, None)))
    # Only the error's type comes through, never its message.
    assert str(e.value) == "the quality step failed (AttributeError; message withheld)"


def test_a_document_the_inventory_list_contradicts_is_held_back_by_the_run(prefect_api, tmp_path: Path) -> None:
    """A list judges document 1 deels openbaar; the document has no
    redaction. The run publishes the list, holds the document back, says so
    and exits 3; the manifest and the tables agree (the quality gate
    passes)."""
    from test_inventory import BODY

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "inventarislijst.csv").write_text(
        "Nr.;Datum;Titel;Beoordeling;Weigeringsgrond(en)\n1;2023-04-14;Nota over de voortgang;Deels openbaar;5.1.2e\n",
        encoding="utf-8")
    (inputs / "document-1.txt").write_text("Document 1\nNota over de voortgang\n\n" + BODY, encoding="utf-8")
    out = tmp_path / "out"
    outcome = run([inputs], RunOptions(out=out))
    assert outcome.exit_code == 3, outcome.message
    assert outcome.message.startswith("Published 2 of 2 input(s); 1 document(s) held back for an inventory mismatch")
    (held,) = table(out / "latest", "quarantine", None)
    assert held["stage"] == "tables" and Path(held["source_path"]).name == "document-1.txt"
    documents = {Path(d["source_path"]).name: d for d in table(out / "latest", "documents", None)}
    assert documents["document-1.txt"]["redaction_status"] == "held_back" and documents["document-1.txt"]["text"] is None
    (entry,) = table(out / "latest", "inventory", None)
    assert entry["matched_document_id"] == held["document_id"] == documents["document-1.txt"]["document_id"]
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    assert {Path(i["path"]).name: i["status"] for i in manifest["inputs"]} == {
        "inventarislijst.csv": "published", "document-1.txt": "published_with_held_parts"}
