"""Publish: write a release so that it appears whole or not at all.

A release is built in `DIR/.staging/<id>/`, then renamed to
`DIR/releases/<id>/` (a rename within one file system is atomic), and only
then does `DIR/latest` move to it (a new symlink renamed over the old one).
A crash leaves at most a staging folder, which no reader looks at; earlier
releases are never touched. A release stopped by the quality gate is moved
to `DIR/failed/<id>/` with its report, so it can be read but not mistaken
for a release.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from checks.inventory import check_inventory, inventory_holds
from flows.model import (
    TABLES,
    DocumentResult,
    QuarantineEntry,
    RunOptions,
    table_rows_fit,
)
from flows.release.rows import withhold_document
from flows.stages.ingest import Input

DEPENDENCIES = ("prefect", "pdfminer.six", "great-expectations", "pyarrow", "ocrmypdf", "rapidfuzz", "wordfreq",
                "python-stdnum", "opencv-python-headless", "pypdfium2")


@dataclass
class InputRecord:
    """One input as the manifest lists it."""

    path: str
    size: int | None
    sha256: str | None
    status: str  # published | published_with_findings | quarantined
    reason: str | None = None


def merged_rows(per_document: Iterable[dict[str, list[dict[str, Any]]]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of every document, table by table, in document order."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for doc_rows in per_document:
        for table, table_rows in doc_rows.items():
            rows.setdefault(table, []).extend(table_rows)
    return rows


def input_records(inputs: list[Input], refused: list[QuarantineEntry], results: list[DocumentResult],
                  release_held: list[QuarantineEntry]) -> list[InputRecord]:
    """Every input as the manifest lists it: the paths refused before reading
    first, then each document with its status and, when quarantined, why.
    An input with a document the release's checks held back is published
    with held parts, as the gate would have had it."""
    records = [InputRecord(q.source_path, None, None, "quarantined", q.reason) for q in refused]
    by_path = {str(i.path): i for i in inputs}
    held_paths = {q.source_path for q in release_held}
    for r in results:
        i = by_path[r.source_path]
        status = ("quarantined" if r.quarantine else "published_with_held_parts" if r.source_path in held_paths
                  else r.status)
        records.append(InputRecord(str(i.path), i.size, i.sha256, status,
                                   r.quarantine.reason if r.quarantine else None))
    return records


def new_manifest(release_id: str, started: dt.datetime, records: list[InputRecord], options: RunOptions,
                 tables: dict[str, pa.Table]) -> dict[str, Any]:
    """The manifest as far as it is known before the tables are written and validated."""
    return {
        "release": release_id,
        "started": started,
        "inputs": [vars(rec) for rec in records],
        "options": {"allow_findings": options.allow_findings, "workers": options.workers,
                    "doc_timeout": options.doc_timeout},
        "versions": versions(),
        "redaction_summary": tables["redaction_summary"].to_pylist(),
    }


def new_release_id(now: dt.datetime) -> str:
    """Sortable by time, unique within a run's second."""
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + os.urandom(3).hex()


HELD_BY_INVENTORY = "document held back: the inventory list contradicts it"


def release_checks(rows: dict[str, list[dict[str, Any]]]) -> list[QuarantineEntry]:
    """The checks over the whole release, on its merged rows: the inventory
    lists against the documents (a list and the documents it names are
    usually different inputs). Entries get their documents, findings are
    added, and a document the list contradicts at high severity is held
    back; its quarantine entries are returned."""
    rows["inventory"], findings = check_inventory(rows)
    rows["findings"] = rows.get("findings", []) + findings
    held = []
    for document_id, message in inventory_holds(rows["inventory"], findings):
        if (document := withhold_document(rows, document_id)) is not None:
            pages = f", pages {document['page_start']}-{document['page_end']}" if document["page_start"] else ""
            where = f"document {document['part']} ({document['document_type'] or document['kind']}{pages})"
            held.append(QuarantineEntry(document["source_path"], HELD_BY_INVENTORY, "tables",
                                        f"{where}: held back for an inventory mismatch: {message}",
                                        document["input_id"], document_id))
    return held


def build_tables(rows: dict[str, list[dict[str, Any]]], quarantine: list[QuarantineEntry]) -> dict[str, pa.Table]:
    """Every published table, empty ones included, so that readers always
    find every file of the release."""
    rows = {t: list(r) for t, r in rows.items()}
    rows["quarantine"] = [
        {"source_path": q.source_path, "input_id": q.input_id, "document_id": q.document_id, "stage": q.stage,
         "reason": q.reason, "detail": q.detail}
        for q in quarantine
    ]
    return {name: table_rows_fit(name, rows.get(name, [])) for name in TABLES}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


JSONL_SLICE_ROWS = 2048


def write_tables(tables: dict[str, pa.Table], folder: Path) -> dict[str, dict[str, Any]]:
    """Parquet for tools, JSON lines for people and shell pipelines; the
    manifest records each file's checksum."""
    folder.mkdir(parents=True, exist_ok=True)
    listing: dict[str, dict[str, Any]] = {}
    # One encoder for every row: `json.dumps` with options builds a new one per call.
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    for name, table in tables.items():
        parquet = folder / f"{name}.parquet"
        jsonl = folder / f"{name}.jsonl"
        pq.write_table(table, parquet, compression="zstd")
        with jsonl.open("w", encoding="utf-8") as f:
            # A slice of rows at a time: a whole large table as Python dicts
            # would be the largest thing the run holds.
            for batch in table.to_batches(max_chunksize=JSONL_SLICE_ROWS):
                for row in batch.to_pylist():
                    f.write(encode(row) + "\n")
        listing[name] = {
            "rows": table.num_rows,
            "files": {
                parquet.name: {"sha256": _sha256(parquet), "bytes": parquet.stat().st_size},
                jsonl.name: {"sha256": _sha256(jsonl), "bytes": jsonl.stat().st_size},
            },
        }
    return listing


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("lakmoes", *DEPENDENCIES):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def stage(out: Path, release_id: str) -> Path:
    path = out / ".staging" / release_id
    path.mkdir(parents=True)
    return path


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    tmp = folder / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=_json_default), encoding="utf-8")
    os.replace(tmp, folder / "manifest.json")


def _move(staging: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / staging.name
    os.rename(staging, final)
    _remove_if_empty(staging.parent)
    return final


def promote(staging: Path, out: Path) -> Path:
    """Make the staged release visible and point `latest` at it. The new
    link is made first, so that what can fail fails before anything is
    visible; the two renames that follow are atomic."""
    link = out / f".latest.{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(Path("releases") / staging.name)
    try:
        final = _move(staging, out / "releases")
    except BaseException:
        link.unlink()
        raise
    os.replace(link, out / "latest")
    return final


def set_aside(staging: Path, out: Path) -> Path:
    """A release the quality gate stopped: kept for reading, never latest."""
    return _move(staging, out / "failed")


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # another run is staging there, or it is not empty
        folder.rmdir()


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    _remove_if_empty(staging.parent)
