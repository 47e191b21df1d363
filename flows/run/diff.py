"""What changed since the previous release: the inputs removed from the
corpus (listed in the manifest) and the release diff (`diff.json`, written
beside each release): inputs added, changed and removed, and per table the
rows added, changed and removed.

The previous release is the one `DIR/latest` points at. Rows are matched
per input (`source_path`) and by their position among that input's rows:
a row at the same place with other values is "changed", rows beyond the
other release's count are "added" or "removed". A changed input gets new
document ids (they hold the input's hash), so its rows count as changed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def previous_release(out: Path) -> Path | None:
    """The release `DIR/latest` points at, if there is one with a manifest."""
    latest = out / "latest"
    return latest.resolve() if (latest / "manifest.json").is_file() else None


def previous_inputs(previous: Path | None) -> list[dict[str, Any]]:
    """The inputs of the previous release's manifest (path, sha256, status)."""
    if previous is None:
        return []
    try:
        manifest = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # a damaged previous release: everything counts as added
        return []
    return [i for i in manifest.get("inputs", []) if i.get("sha256")]


def removed_inputs(before: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Inputs of the previous release whose path is not among this run's
    inputs (the rows name inputs by path: a file renamed is removed under
    its old name and added under its new one; a file edited in place is
    changed, not removed)."""
    paths = {i["path"] for i in now}
    return [{"path": i["path"], "sha256": i["sha256"]} for i in before if i["path"] not in paths]


def _canonical(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)


def _by_input(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[str(row.get("source_path") or "")].append(row)
    return grouped


def table_diff(before: list[dict[str, Any]], now: list[dict[str, Any]]) -> dict[str, int]:
    """Rows added, changed, removed and unchanged, matched per input by
    position. Only rows with a counterpart are put in canonical form to be
    compared: a first release, or a new input, is counted without it."""
    counts = {"added": 0, "changed": 0, "removed": 0, "unchanged": 0}
    old, new = _by_input(before), _by_input(now)
    for source in old.keys() | new.keys():
        a, b = old.get(source, []), new.get(source, [])
        for x, y in zip(a, b, strict=False):
            counts["unchanged" if _canonical(x) == _canonical(y) else "changed"] += 1
        counts["added"] += max(0, len(b) - len(a))
        counts["removed"] += max(0, len(a) - len(b))
    return counts


def _previous_rows(previous: Path | None, name: str) -> list[dict[str, Any]]:
    if previous is None:
        return []
    try:
        return pq.read_table(previous / f"{name}.parquet").to_pylist()
    except (OSError, pa.ArrowException):  # a table the previous release did not have
        return []


def release_diff(previous: Path | None, before: list[dict[str, Any]], now: list[dict[str, Any]],
                 tables: dict[str, pa.Table]) -> dict[str, Any]:
    """The diff of this release against the previous one (None: the first)."""
    old = {i["path"]: i["sha256"] for i in before}
    new = {i["path"]: i["sha256"] for i in now if i.get("sha256")}
    return {
        "previous": previous.name if previous is not None else None,
        "inputs": {
            "added": sorted(p for p in new if p not in old),
            "changed": sorted(p for p in new if p in old and old[p] != new[p]),
            "removed": sorted(i["path"] for i in removed_inputs(before, now)),
            "unchanged": sum(1 for p in new if old.get(p) == new[p]),
        },
        "tables": {name: table_diff(_previous_rows(previous, name), table.to_pylist())
                   for name, table in tables.items()},
    }


def write_diff(folder: Path, diff: dict[str, Any]) -> None:
    (folder / "diff.json").write_text(json.dumps(diff, indent=2, ensure_ascii=False), encoding="utf-8")
