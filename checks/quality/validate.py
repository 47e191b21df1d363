"""The quality gate: Great Expectations suites over every published table,
run once per release before it is made visible.

The rules live in `checks/quality/suites/*.toml` (one file per checked frame, read
like code: see its README). A frame is a published table, or a *derived*
frame built here with pandas by joining tables (and the manifest), so that a
cross-table rule ("every page of every PDF is in `pages`") is still an
ordinary Great Expectations expectation: it shows in the Data Docs with the
rows that break it, like any other.

Everything except `validate_release` is plain pandas and runs without Great
Expectations, whose import costs seconds; it is imported only inside that
function (`import_great_expectations`). One run id per release; each
process that validates (the quality process, and with `helper` its forked
copy: `checks/quality/share.py`) renders its suites' Data Docs pages in an
in-memory context of its own, and one more context assembles the site, with
its one index, in the release's staging directory, so the Data Docs stay
with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from checks.quality.process import import_great_expectations
from checks.quality.share import shared
from flows.model.errors import SuiteError
from flows.registry.grounds import registry
from flows.registry.memo_fields import memo_spec

SUITES_DIR = Path(__file__).parent / "suites"
SEVERITIES = {"error": "critical", "warning": "warning"}  # ours -> Great Expectations' FailureSeverity
# Frames whose values must never be copied into quality.json or Data Docs:
# they exist to hold personal data only masked, so a failing value is the
# one thing that must not be shown.
SENSITIVE_FRAMES = frozenset({"personal_data", "findings"})
# How many failing rows a result keeps: enough to find them, small enough
# for a manifest.
MAX_ROWS = 20
COUNTS_ONLY = {"result_format": "BASIC", "partial_unexpected_count": 0}


# --------------------------------------------------------------------------
# Suites (data)


@dataclass(frozen=True)
class Rule:
    """One `[[expect]]` of a suite file."""

    frame: str
    name: str
    type: str  # Great Expectations expectation, snake_case
    kwargs: dict[str, Any]
    severity: str  # "error" | "warning"
    why: str
    when: tuple[dict[str, Any], ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.frame}.{self.name}"


@dataclass(frozen=True)
class Suite:
    frame: str
    about: str
    index: tuple[str, ...]
    rules: tuple[Rule, ...]


def _rule(frame: str, path: Path, raw: dict[str, Any]) -> Rule:
    missing = {"name", "type", "kwargs", "severity", "why"} - set(raw)
    if missing:
        raise SuiteError(f"{path.name}: expectation {raw.get('name', '?')!r} lacks {sorted(missing)}")
    if raw["severity"] not in SEVERITIES:
        raise SuiteError(f"{path.name}: {raw['name']}: severity must be one of {sorted(SEVERITIES)}")
    when = raw.get("when", ())
    when = (when,) if isinstance(when, dict) else tuple(when)
    return Rule(frame, raw["name"], raw["type"], dict(raw["kwargs"]), raw["severity"], raw["why"], when)


def load_suites(folder: Path = SUITES_DIR) -> list[Suite]:
    """Every suite file in `folder`, checked for the keys each needs and
    for names unique within a frame."""
    suites = []
    for path in sorted(folder.glob("*.toml")):
        if path.name == "parameters.toml":
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        frame = data.get("frame")
        if frame != path.stem:
            raise SuiteError(f"{path.name}: frame must be {path.stem!r} (the file's name), not {frame!r}")
        rules = tuple(_rule(frame, path, r) for r in data.get("expect", ()))
        names = [r.name for r in rules]
        if len(names) != len(set(names)):
            raise SuiteError(f"{path.name}: expectation names repeat")
        suites.append(Suite(frame, data.get("about", ""), tuple(data.get("index", ())), rules))
    return suites


def load_parameters(manifest: dict[str, Any], folder: Path = SUITES_DIR) -> dict[str, Any]:
    """Run-time values for `{ "$PARAMETER" = name }`: the reviewed
    constants of parameters.toml, the ground registry and the release date."""
    params: dict[str, Any] = tomllib.loads((folder / "parameters.toml").read_text(encoding="utf-8"))
    params["ground_codes"] = sorted(registry().grounds)
    params["release_date"] = release_date(manifest)
    return params


def release_date(manifest: dict[str, Any]) -> dt.date:
    """The day the release was started (dates after it are misreads)."""
    started = manifest.get("started")
    if isinstance(started, str):
        started = dt.datetime.fromisoformat(started)
    if isinstance(started, dt.datetime):
        return started.date()
    return dt.date.today()


# --------------------------------------------------------------------------
# Frames (pandas, no Great Expectations)

Frames = dict[str, pd.DataFrame]

_DTYPES = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.float64(): pd.Float64Dtype()}


def to_frame(table: pa.Table) -> pd.DataFrame:
    """Nullable pandas types, so that an integer column with a null stays
    integer (an index shows `part 1`, not `1.0`) and a null stays a null.
    List columns become Python lists: pyarrow hands over numpy arrays, whose
    length pandas' string accessor (and so Great Expectations) cannot take."""
    df = table.to_pandas(types_mapper=_DTYPES.get)
    for f in table.schema:
        if pa.types.is_list(f.type):
            df[f.name] = df[f.name].map(lambda v: v.tolist() if hasattr(v, "tolist") else v).astype(object)
    return df


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def _inputs(f: Frames) -> pd.DataFrame:
    return f["inputs"][["input_id", "source_path", "media_type", "page_count", "char_count"]]


def input_coverage(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Every manifest input with what the tables show of it: published
    (status from `inputs`, by sha256) or quarantined (by path or sha256)."""
    published = dict(zip(f["inputs"]["input_id"], f["inputs"]["status"], strict=False))
    q = f["quarantine"]
    q_paths, q_ids = set(q["source_path"]), set(q["input_id"].dropna())
    rows = []
    for i in manifest.get("inputs", []):
        path, sha = i.get("path"), i.get("sha256")
        if sha is not None and sha in published:
            found = published[sha]
        elif path in q_paths or (sha is not None and sha in q_ids):
            found = "quarantined"
        else:
            found = None
        rows.append({"path": path, "sha256": sha, "status": i.get("status"), "reason": i.get("reason"),
                     "found_as": found})
    cols = {"path": "object", "sha256": "object", "status": "object", "reason": "object", "found_as": "object"}
    return pd.DataFrame(rows, columns=list(cols)).astype(cols) if rows else _empty(cols)


def page_coverage(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Pages 1..page_count of every PDF input, with the page number the
    `pages` table has for it (null when it has none)."""
    pdfs = _inputs(f)[(f["inputs"]["media_type"] == "application/pdf") & f["inputs"]["page_count"].notna()]
    want = [{"input_id": d, "source_path": s, "page": n}
            for d, s, c in zip(pdfs["input_id"], pdfs["source_path"], pdfs["page_count"], strict=False)
            for n in range(1, int(c) + 1)]
    cols = {"input_id": "object", "source_path": "object", "page": "Int64"}
    want_df = pd.DataFrame(want, columns=list(cols)).astype(cols) if want else _empty(cols)
    have = f["pages"][["input_id", "page"]].assign(pages_row=f["pages"]["page"])
    return want_df.merge(have, on=["input_id", "page"], how="left")


PAGE_COLUMNS = ("page", "page_start", "page_end")


def page_refs(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Every page number any table gives, with its input's page count and
    media type (null for inputs that are not published)."""
    parts = []
    for table, df in f.items():
        if table in DERIVED or "input_id" not in df:
            continue
        for col in PAGE_COLUMNS:
            if col in df:
                sel = df[df[col].notna()]
                parts.append(pd.DataFrame({"table": table, "column": col, "input_id": sel["input_id"],
                                           "source_path": sel["source_path"], "page": sel[col].astype("Int64")}))
    cols = {"table": "object", "column": "object", "input_id": "object", "source_path": "object", "page": "Int64"}
    refs = pd.concat(parts, ignore_index=True) if parts else _empty(cols)
    inputs = f["inputs"][["input_id", "page_count", "media_type"]]
    return refs.merge(inputs, on="input_id", how="left")


# Columns that hold spans, per table: (start column, end column).
SPAN_COLUMNS = (("span_start", "span_end"), ("vraag_span_start", "vraag_span_end"),
                ("antwoord_span_start", "antwoord_span_end"))


def spans(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Every span of every table with the length of its input's published
    text. Rows of a quarantined input (its findings are published so a
    coordinator can act) have no published text to lie in and are marked
    so."""
    parts = []
    for table, df in f.items():
        if table in DERIVED or "input_id" not in df:
            continue
        for a, b in SPAN_COLUMNS:
            if a in df:
                sel = df[df[a].notna() | df[b].notna()]
                parts.append(pd.DataFrame({"table": table, "columns": f"{a}/{b}", "input_id": sel["input_id"],
                                           "source_path": sel["source_path"], "start": sel[a], "end": sel[b]}))
    cols = {"table": "object", "columns": "object", "input_id": "object", "source_path": "object",
            "start": "Int64", "end": "Int64"}
    out = pd.concat(parts, ignore_index=True) if parts else _empty(cols)
    out = out.merge(f["inputs"][["input_id", "char_count"]], on="input_id", how="left")
    quarantined = set(f["quarantine"]["input_id"].dropna())
    return out.assign(quarantined=out["input_id"].isin(quarantined).astype("boolean"))


def text_lengths(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    d = f["inputs"]
    return pd.DataFrame({"source_path": d["source_path"], "char_count": d["char_count"],
                         "text_length": d["text"].map(lambda t: len(t) if isinstance(t, str) else pd.NA).astype("Int64")})


# Published text columns checked line by line for glyph codes and
# replacement characters; raw_text is the extractor's output, kept for audit.
TEXT_COLUMNS = {"inputs": ("text",), "pages": ("text",), "documents": ("text",), "qa": ("vraag", "antwoord"),
                "memo_fields": ("value",), "memo_sections": ("text",), "corrections": ("after",),
                "kamervragen": ("onderwerp",)}


def text_lines(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per line of every published text column, so that a failure
    points at the line, not at a whole document."""
    rows = []
    for table, columns in TEXT_COLUMNS.items():
        df = f[table]
        for col in columns:
            for r, (path, value) in enumerate(zip(df["source_path"], df[col], strict=False)):
                if not isinstance(value, str):
                    continue
                for n, line in enumerate(value.split("\n"), start=1):
                    rows.append((table, col, path, r, n, line))
    cols = {"table": "object", "column": "object", "source_path": "object", "row": "Int64", "line": "Int64",
            "text": "object"}
    return pd.DataFrame(rows, columns=list(cols)).astype(cols) if rows else _empty(cols)


def _count_by_part(df: pd.DataFrame, name: str) -> pd.DataFrame:
    return df.groupby(["document_id", "part"], dropna=True).size().rename(name).reset_index()


def internal_parts(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Internal parts with the rows the markers table has for them, and
    whether each is redacted (markers) or explained ("no redaction needed"
    with a reason)."""
    p = f["documents"]
    p = p[p["visibility"] == "internal"][["document_id", "source_path", "part", "redaction_status",
                                          "no_redaction_reason", "marker_count"]]
    found = _count_by_part(f["markers"], "markers_found")
    out = p.merge(found, on=["document_id", "part"], how="left")
    out["markers_found"] = out["markers_found"].fillna(0).astype("Int64")
    has_markers = (out["marker_count"].fillna(0) > 0) | (out["markers_found"] > 0)
    explained = ((out["redaction_status"] == "no_redaction_needed") & out["no_redaction_reason"].notna()) | (
        out["redaction_status"] == "held_back")
    return out.assign(markers_or_reason=(has_markers | explained).astype("boolean"))


def qa_numbering(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Question numbers per part in order with their 1-based position: in a
    complete part the two are equal (the sub-questions of a number count
    once)."""
    qa = f["qa"][["document_id", "source_path", "part", "vraag_nr"]].drop_duplicates()
    qa = qa.sort_values(["document_id", "part", "vraag_nr"])
    position = qa.groupby(["document_id", "part"], dropna=False).cumcount() + 1
    return qa.assign(position=position.astype("Int64")).reset_index(drop=True)


_LABEL = re.compile(r"(\d+)([a-z]?)")


def questions_answered(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Every question of a set of Kamervragen as headed in the text (the
    parser's `vraag_labels`), with `qa_vraag_nr` set where a qa row answers
    it: the row of its number and sub-question, or for a question headed
    "3" any row of 3 (its sub-questions 3a, 3b). The parser gives no row to
    a question without an answer, so a heading without one is a missing
    answer."""
    k = f["kamervragen"]
    heads = [{"document_id": d, "source_path": s, "part": part, "vraag_nr": int(m.group(1)),
              "sub_vraag": m.group(2) or None}
             for d, s, part, labels in zip(k["document_id"], k["source_path"], k["part"], k["vraag_labels"],
                                           strict=False)
             if labels is not None
             for label in labels
             if (m := _LABEL.fullmatch(label))]
    cols = {"document_id": "object", "source_path": "object", "part": "Int64", "vraag_nr": "Int64",
            "sub_vraag": "object"}
    out = (pd.DataFrame(heads, columns=list(cols)).astype(cols) if heads else _empty(cols)).drop_duplicates()
    qa = f["qa"]
    keys = set(zip(qa["document_id"], qa["part"], qa["vraag_nr"], qa["sub_vraag"].fillna(""), strict=False))
    numbers = {(d, p, n) for d, p, n, _ in keys}
    answered = [(d, p, n, sub) in keys if sub else (d, p, n) in numbers
                for d, p, n, sub in zip(out["document_id"], out["part"], out["vraag_nr"], out["sub_vraag"].fillna(""),
                                        strict=False)]
    qa_nr = out["vraag_nr"].where(pd.Series(answered, index=out.index, dtype="boolean"))
    return out.assign(qa_vraag_nr=qa_nr.astype("Int64")).reset_index(drop=True)


def memo_dates(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Memo header fields whose type is `date` in flows/registry/memo_fields.toml."""
    date_fields = [x.name for x in memo_spec().fields if x.type == "date"]
    m = f["memo_fields"]
    return m[m["field"].isin(date_fields)][["document_id", "source_path", "part", "field", "value", "value_date",
                                            "ground_code"]].reset_index(drop=True)


def memo_before_answers(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Each memo Datum beside the answer dates of the Kamervragen in the same
    input: the memo that proposes the answers comes first."""
    m = f["memo_fields"]
    memo = m[(m["field"] == "Datum")][["input_id", "source_path", "part", "value_date"]]
    memo = memo.rename(columns={"part": "memo_part", "value_date": "memo_datum"})
    kv = f["kamervragen"][["input_id", "part", "datum_ontvangen"]].rename(columns={"part": "kamervragen_part"})
    return memo.merge(kv, on="input_id", how="inner").reset_index(drop=True)


_WORD = re.compile(r"[^\W\d_]{2,}")


def ocr_rates(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Per document: words, OCR corrections and their rate."""
    p = f["documents"][["document_id", "source_path", "part", "ocr_like", "text"]]
    words = p["text"].map(lambda t: len(_WORD.findall(t)) if isinstance(t, str) else 0).astype("Int64")
    out = p.drop(columns="text").assign(words=words)
    out = out.merge(_count_by_part(f["corrections"], "corrections"), on=["document_id", "part"], how="left")
    out["corrections"] = out["corrections"].fillna(0).astype("Int64")
    rate = [c / w if w else 0.0 for c, w in zip(out["corrections"], out["words"], strict=False)]
    return out.assign(correction_rate=pd.array(rate, dtype="Float64"))


def finding_boxes(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Findings with a box, its length and corners as columns (Great
    Expectations measures lengths of strings only)."""
    fd = f["findings"]
    fd = fd.loc[fd["box"].map(lambda b: b is not None).astype(bool)]
    corner = {c: fd["box"].map(lambda b, i=i: float(b[i]) if len(b) > i else None).astype("Float64")
              for i, c in enumerate(("x0", "y0", "x1", "y1"))}
    return pd.DataFrame({"finding_id": fd["finding_id"], "source_path": fd["source_path"], "page": fd["page"],
                         "box_length": fd["box"].map(len).astype("Int64"), **corner})


def inventory_grounds(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per ground of an inventory entry (Great Expectations checks
    the values of a column, not of the lists in it), and a row without a
    ground for an entry whose grounds are written but none was read."""
    inv = f["inventory"][["document_id", "source_path", "part", "entry", "grounds_text", "grounds"]]
    out = inv.explode("grounds").rename(columns={"grounds": "ground_code"})
    out = out[out["ground_code"].notna() | out["grounds_text"].notna()].reset_index(drop=True)
    return out.astype({"ground_code": "object"})


def kamervragen_answers(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """Per set of Kamervragen: its kind, the number of questions it states
    and the qa rows it has."""
    k = f["kamervragen"][["document_id", "source_path", "part", "kind", "vraag_count"]]
    out = k.merge(_count_by_part(f["qa"], "qa_rows"), on=["document_id", "part"], how="left")
    out["qa_rows"] = out["qa_rows"].fillna(0).astype("Int64")
    return out


def decision_grounds(f: Frames, manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per ground code of each decision letter: Great Expectations
    checks a column's values, not the items of a list."""
    d = f["decisions"][["document_id", "source_path", "part", "grounds"]]
    out = d.explode("grounds").rename(columns={"grounds": "ground"})
    return out[out["ground"].notna()].reset_index(drop=True).astype({"ground": "object"})


DERIVED: dict[str, Callable[[Frames, dict[str, Any]], pd.DataFrame]] = {
    "input_coverage": input_coverage,
    "page_coverage": page_coverage,
    "page_refs": page_refs,
    "spans": spans,
    "text_lengths": text_lengths,
    "text_lines": text_lines,
    "internal_parts": internal_parts,
    "qa_numbering": qa_numbering,
    "questions_answered": questions_answered,
    "memo_dates": memo_dates,
    "memo_before_answers": memo_before_answers,
    "ocr_rates": ocr_rates,
    "kamervragen_answers": kamervragen_answers,
    "finding_boxes": finding_boxes,
    "inventory_grounds": inventory_grounds,
    "decision_grounds": decision_grounds,
}


def build_frames(tables: dict[str, pa.Table], manifest: dict[str, Any]) -> Frames:
    """The published tables as pandas frames, and every derived frame."""
    frames: Frames = {name: to_frame(t) for name, t in tables.items()}
    for name, build in DERIVED.items():
        frames[name] = build(frames, manifest).reset_index(drop=True)
    return frames


# --------------------------------------------------------------------------
# Results


@dataclass
class QualityResult:
    """What the flow needs: whether the release may go out, a summary for
    the manifest, the names of the failed error expectations, and every
    outcome (as written to quality.json) for the report."""

    ok: bool
    summary: dict[str, Any]
    failed: list[str]
    results: list[dict[str, Any]] = field(default_factory=list)


def _plain(value: Any) -> Any:
    """JSON-safe copy of a Great Expectations result value (numpy scalars,
    pandas NA, dates, NaN)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _observed(suite: Suite, result: dict[str, Any]) -> dict[str, Any]:
    """The part of a result worth keeping: counts, an aggregate's observed
    value, a few unexpected values and the index of the failing rows."""
    keep = ("observed_value", "element_count", "unexpected_count", "unexpected_percent", "missing_count")
    out = {k: _plain(result[k]) for k in keep if k in result}
    if result.get("partial_unexpected_list"):
        out["unexpected_values"] = [_short(v) for v in _plain(result["partial_unexpected_list"][:10])]
    rows = result.get("unexpected_index_list") or []
    if rows and isinstance(rows[0], dict):
        out["unexpected_rows"] = [{k: _short(_plain(v)) for k, v in r.items() if k in suite.index}
                                  for r in rows[:MAX_ROWS]]
    return out


def _short(value: Any, limit: int = 120) -> Any:
    return value[:limit] + "…" if isinstance(value, str) and len(value) > limit else value


def summarise(results: list[dict[str, Any]], timings: dict[str, float], docs: str | None,
              ge_version: str, kept_suites: list[str] | None = None) -> QualityResult:
    """The gate's decision and the manifest's summary of it; `kept_suites`:
    the frames whose suite outcome was reused from an earlier run."""
    failed = [r["name"] for r in results if not r["success"] and r["severity"] == "error"]
    warnings = [r["name"] for r in results if not r["success"] and r["severity"] == "warning"]
    summary = {
        "ok": not failed,
        "expectations": len(results),
        "passed": sum(1 for r in results if r["success"]),
        "failed_errors": failed,
        "failed_warnings": warnings,
        "frames": len({r["frame"] for r in results}),
        "seconds": round(sum(timings.values()), 2),
        "seconds_by_step": {k: round(v, 2) for k, v in timings.items()},
        "data_docs": docs,
        "great_expectations": ge_version,
        "kept_suites": sorted(kept_suites or []),
    }
    return QualityResult(ok=not failed, summary=summary, failed=failed, results=results)


# --------------------------------------------------------------------------
# Kept outcomes: a suite whose frame did not change is not validated again


class KeptOutcomes(Protocol):
    """Where suite outcomes (by `suite_key`) and expectations pages (by
    `page_key`) are kept between runs: `flows.run.cache.SuiteCache`, whose
    folder is named by the code and library versions, which these keys
    leave out."""

    def get(self, key: str) -> Any: ...

    def put(self, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class KeptSuite:
    """One suite's outcome as validated: its entries of quality.json and
    Great Expectations' result (for the Data Docs), under the run and batch
    it was validated in."""

    entries: list[dict[str, Any]]
    validation: str  # as the results store holds it (serialised)
    run_name: str
    run_time: str
    batch: str
    pages: dict[str, bytes]  # its validation's Data Docs page, by path under the site


def validation_pages(docs_dir: Path, frame: str) -> dict[str, bytes]:
    """The page of a suite's validation in a Data Docs site (the site keeps
    it under the suite's name), by path under the site."""
    return {f.relative_to(docs_dir).as_posix(): f.read_bytes() for f in (docs_dir / "validations" / frame).rglob("*.html")}


def parameters_read(suite: Suite) -> list[str]:
    """The run-time parameters (`{ "$PARAMETER" = name }`) a suite's rules read."""
    names: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "$PARAMETER" in value:
                names.add(value["$PARAMETER"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for rule in suite.rules:
        walk(rule.kwargs)
    return sorted(names)


def _canonical(value: Any) -> str:
    # A string and anything else (None, NA, lists, numbers in an object
    # column, as their repr) tagged apart: the string "None" is no null.
    return "s" + value if isinstance(value, str) else "r" + repr(value)


def frame_fingerprint(frame: pd.DataFrame) -> bytes:
    """A hash of a frame's columns, types and values in row order. pandas
    hashes the values (64 bits a row: it tells changed data apart, it is
    no defence against rows made to collide); object columns (lists among
    them, which it cannot hash) are made tagged strings first."""
    h = hashlib.sha256()
    for name, column in frame.items():
        h.update(f"{name}\0{column.dtype}\0".encode())
        values = column.map(_canonical).astype(object) if column.dtype == object else column
        h.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
    return h.digest()


def definition_key(suite: Suite) -> str:
    """What a suite's expectations page depends on: the suite as written.
    (The code and library versions, Great Expectations' among them, are in
    the store's own key: `flows.run.cache.version_key`.)"""
    rules = [[r.name, r.type, _plain(r.kwargs), r.severity, r.why, _plain(list(r.when))] for r in suite.rules]
    return hashlib.sha256(json.dumps([suite.frame, suite.about, list(suite.index), rules],
                                     sort_keys=True).encode()).hexdigest()


def suite_key(suite: Suite, frame: pd.DataFrame, params: dict[str, Any]) -> str:
    """What a suite's outcome depends on: the suite (`definition_key`), the
    parameters its rules read (a date rule reads the release's day) and its
    frame's content. Equal keys validate to equal outcomes."""
    used = {name: _plain(params.get(name)) for name in parameters_read(suite)}
    h = hashlib.sha256(json.dumps([definition_key(suite), used], sort_keys=True).encode())
    h.update(frame_fingerprint(frame))
    return h.hexdigest()


def page_key(suite: Suite) -> str:
    """The key a suite's expectations page is kept by."""
    return f"expectations-{definition_key(suite)}"


@dataclass(frozen=True)
class SuiteOutcome:
    """A suite's outcome as one process of the validation hands it over:
    validated now or taken from `kept` (`reused`), with its expectations
    page, rendered now (`new_page`) or kept (None when it failed to
    render)."""

    key: str  # `suite_key` ("" without a store of kept outcomes)
    outcome: KeptSuite
    reused: bool
    expectations_page: bytes | None = None
    new_page: bool = False


def _write_data_docs(context: Any, docs_dir: Path, suites: list[Suite], pages: dict[str, bytes]) -> None:
    """Write the Data Docs pages rendered by the processes that validated
    (and those kept) and render the index, which lists every suite and
    validation of `context`'s stores."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    # Written first: the index lists the pages the site has.
    for name, content in pages.items():
        (docs_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (docs_dir / name).write_bytes(content)
    # The index is built with the pages named here; none named would render
    # every page, so one is rendered again (the same page).
    context.build_data_docs(resource_identifiers=[ExpectationSuiteIdentifier(name=s.frame) for s in suites[:1]])


# --------------------------------------------------------------------------
# The run (Great Expectations)


def _condition(when: tuple[dict[str, Any], ...]) -> Any:
    """A suite's `when` as a Great Expectations row condition (all must hold)."""
    from great_expectations.expectations.row_conditions import Column

    out = None
    for w in when:
        col = Column(w["column"])
        if "equals" in w:
            c = col == w["equals"]
        elif "in" in w:
            c = col.is_in(w["in"])
        elif "is_null" in w:
            c = col.is_null() if w["is_null"] else col.is_not_null()
        else:
            raise SuiteError(f"{w}: a condition needs equals, in or is_null")
        out = c if out is None else out & c
    return out


def _expectation(rule: Rule) -> Any:
    import great_expectations.expectations as gxe

    cls_name = "".join(p.title() for p in rule.type.split("_"))
    cls = getattr(gxe, cls_name, None)
    if cls is None:
        raise SuiteError(f"{rule.full_name}: unknown expectation type {rule.type!r}")
    extra: dict[str, Any] = {}
    if rule.when:
        extra["row_condition"] = _condition(rule.when)
    return cls(**rule.kwargs, **extra, severity=SEVERITIES[rule.severity], notes=rule.why,
               meta={"name": rule.full_name, "severity": rule.severity})


def _exception_message(info: dict[str, Any] | None) -> str | None:
    """The message of an expectation that could not run. Great Expectations
    gives it flat, or keyed by the metric that raised it; either way the
    expectation counts as failed (the gate fails closed)."""
    if not info:
        return None
    if "raised_exception" in info:
        return info.get("exception_message") if info["raised_exception"] else None
    messages = [v.get("exception_message") for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    return "; ".join(m for m in messages if m) or None


def check_parameters(suites: list[Suite], params: dict[str, Any]) -> None:
    """A `$PARAMETER` names one of the run-time parameters. Great
    Expectations would also evaluate an expression there ("now()"), whose
    value no kept outcome could be keyed by."""
    for s in suites:
        unknown = [name for name in parameters_read(s) if name not in params]
        if unknown:
            raise SuiteError(f"{s.frame}.toml: $PARAMETER {unknown} is not a parameter (known: {sorted(params)})")


def check_suites_against_frames(suites: list[Suite], frames: Frames) -> None:
    """A suite for a frame that does not exist, or an index column a frame
    lacks, is a mistake in the suite files: say so instead of validating
    nothing."""
    for s in suites:
        if s.frame not in frames:
            raise SuiteError(f"{s.frame}.toml: no table or derived frame named {s.frame!r}")
        missing = [c for c in s.index if c not in frames[s.frame].columns]
        if missing:
            raise SuiteError(f"{s.frame}.toml: index columns {missing} are not in the frame")


def _new_context(gx: Any, docs_dir: Path) -> Any:
    """An in-memory Great Expectations context whose Data Docs site is
    `docs_dir`. In memory: a file-backed context reads its YAML
    configuration again on every access to a setting (hundreds of times per
    release) and writes every suite and result to files nobody reads; the
    Data Docs are the record."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.update_data_docs_site("local_site", {
        "class_name": "SiteBuilder", "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}})
    return context


def _add_suite(gx: Any, context: Any, s: Suite) -> Any:
    # Built whole, then stored once: adding expectations to a stored suite
    # one by one stores it again each time.
    return context.suites.add(gx.ExpectationSuite(name=s.frame, meta={"about": s.about},
                                                  expectations=[_expectation(r) for r in s.rules]))


def _entries(s: Suite, outcome: Any, tables: dict[str, pa.Table]) -> list[dict[str, Any]]:
    """A suite's rows of quality.json, from its validation result."""
    entries = []
    for r in outcome.results:
        cfg = r.expectation_config
        assert cfg is not None  # every result of a validation definition carries its expectation
        rule = next(x for x in s.rules if x.full_name == cfg.meta["name"])
        entries.append({
            "name": rule.full_name, "frame": s.frame, "table": s.frame, "derived": s.frame not in tables,
            "expectation": rule.type, "kwargs": _plain(rule.kwargs), "when": _plain(list(rule.when)),
            "severity": rule.severity, "success": bool(r.success), "why": rule.why,
            "observed": _observed(s, r.result or {}),
            "error": _exception_message(r.exception_info),
        })
    return entries


@dataclass(frozen=True)
class _Release:
    """What every process of one release's validation reads."""

    tables: dict[str, pa.Table]
    suites: list[Suite]
    frames: Frames
    params: dict[str, Any]
    run_id: Any  # Great Expectations' RunIdentifier
    kept: KeptOutcomes | None
    sites: Path  # each process renders its pages in a site of its own under here


def _validate_share(release: _Release, share: Iterator[int]) -> dict[int, SuiteOutcome]:
    """Validate the suites whose indices this process takes from `share`
    (or take their kept outcomes), then render their Data Docs pages in a
    site of this process's own. Runs in the quality process and in its
    forked helper (`checks.quality.share`)."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    gx = import_great_expectations()
    site = release.sites / str(os.getpid())
    context = _new_context(gx, site)
    # One asset and batch definition for every frame: each run is handed its
    # own dataframe.
    batch = (context.data_sources.add_pandas("release").add_dataframe_asset("frame")
             .add_batch_definition_whole_dataframe("whole frame"))
    kept, params, run_id = release.kept, release.params, release.run_id
    out: dict[int, SuiteOutcome] = {}
    validated: dict[int, tuple[str, list[dict[str, Any]], Any]] = {}  # index -> key, entries, outcome
    unkept_pages: list[int] = []  # suites whose expectations page is rendered now
    kept_pages: dict[int, bytes] = {}  # index -> the expectations page kept for the suite
    for i in share:
        s = release.suites[i]
        frame = release.frames[s.frame]
        page = kept.get(page_key(s)) if kept is not None else None
        if isinstance(page, bytes):
            kept_pages[i] = page
        else:
            unkept_pages.append(i)
        key = suite_key(s, frame, params) if kept is not None else ""
        held = kept.get(key) if kept is not None else None
        if isinstance(held, KeptSuite):
            out[i] = SuiteOutcome(key, held, True, kept_pages.get(i))
            if i not in kept_pages:  # its expectations page is rendered from the suite
                _add_suite(gx, context, s)
            continue
        vd = context.validation_definitions.add(gx.ValidationDefinition(name=s.frame, data=batch,
                                                                        suite=_add_suite(gx, context, s)))
        outcome = vd.run(batch_parameters={"dataframe": frame}, expectation_parameters=params,
                         result_format=COUNTS_ONLY, run_id=run_id)
        # Counts first: the failing values and rows (a quarter of the
        # validation's time) are fetched only for a suite where a rule
        # fails. The second run's result replaces the first in the Data
        # Docs (same suite, run and batch). A sensitive frame's values are
        # never fetched: they could be personal data in clear.
        if not outcome.success and s.frame not in SENSITIVE_FRAMES:
            outcome = vd.run(batch_parameters={"dataframe": frame}, expectation_parameters=params,
                             result_format={"result_format": "COMPLETE", "partial_unexpected_count": MAX_ROWS,
                                            "unexpected_index_column_names": list(s.index),
                                            "return_unexpected_index_query": False},
                             run_id=run_id)
        validated[i] = (key, _entries(s, outcome, release.tables), outcome)
    ids = {i: ValidationResultIdentifier(ExpectationSuiteIdentifier(name=release.suites[i].frame), run_id,
                                         outcome.batch_id)
           for i, (_, _, outcome) in validated.items()}
    to_render = [*ids.values(), *(ExpectationSuiteIdentifier(name=release.suites[i].frame) for i in unkept_pages)]
    if to_render:
        context.build_data_docs(resource_identifiers=to_render, build_index=False)  # the index is the assembly's
    store = context.validation_results_store
    for i, (key, entries, outcome) in validated.items():
        frame_name = release.suites[i].frame
        out[i] = SuiteOutcome(key, KeptSuite(entries, store.store_backend.get(store.key_to_tuple(ids[i])),
                                             run_id.run_name or "", run_id.run_time.isoformat(),
                                             str(outcome.batch_id), validation_pages(site, frame_name)),
                              False, kept_pages.get(i))
    for i in unkept_pages:
        page_file = site / "expectations" / f"{release.suites[i].frame}.html"
        if page_file.is_file():
            out[i] = replace(out[i], expectations_page=page_file.read_bytes(), new_page=True)
    return out


def validate_release(tables: dict[str, pa.Table], manifest: dict[str, Any], workdir: Path,
                     suites_dir: Path = SUITES_DIR, kept: KeptOutcomes | None = None,
                     helper: bool = False) -> QualityResult:
    """Validate a release's tables; write the Data Docs under
    `workdir/quality/` and every outcome to `workdir/quality.json`.

    A failed expectation of severity "error" makes `ok` False (the flow then
    sets the release aside); warnings are reported only. An expectation that
    cannot run (a column that is not there) counts as failed.

    With `kept`, a suite whose key (`suite_key`) has an outcome there takes
    it instead of running: it shows in the Data Docs under the run that
    validated it. A run adding one document to a release changes some
    frames (pages, documents, findings) and leaves others (memo fields,
    Kamervragen, the inventory) as they were.

    With `helper`, a forked copy of this process takes suites too, each
    process the next one as soon as it is free (`checks.quality.share`:
    the quality process, single-threaded, on a machine with a core to
    spare); the outcomes are the same."""
    t0 = time.perf_counter()
    suites = load_suites(suites_dir)
    frames = build_frames(tables, manifest)
    check_suites_against_frames(suites, frames)
    params = load_parameters(manifest, suites_dir)
    check_parameters(suites, params)

    t_frames = time.perf_counter()
    gx = import_great_expectations()
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    t_import = time.perf_counter()
    run_id = RunIdentifier(run_name=str(manifest.get("release", "release")),
                           run_time=dt.datetime.now(dt.UTC))
    # The largest frames first: taken last, one would leave a process alone at the end.
    order = sorted(range(len(suites)), key=lambda i: -len(frames[suites[i].frame]) * len(suites[i].rules))
    with tempfile.TemporaryDirectory(prefix="lakmoes-quality-") as sites:
        release = _Release(tables, [suites[i] for i in order], frames, params, run_id, kept, Path(sites))
        done = shared(len(order), lambda share: _validate_share(release, share), helper)
    outcomes = {suites[order[j]].frame: o for j, o in done.items()}
    t_run = time.perf_counter()

    # Absolute: an in-memory context has no folder to resolve a relative
    # one against (`lakmoes run --out published`).
    docs_dir = (workdir / "quality" / "data_docs").resolve()
    context = _new_context(gx, docs_dir)
    store = context.validation_results_store
    results: list[dict[str, Any]] = []
    pages: dict[str, bytes] = {}
    for s in suites:
        o = outcomes[s.frame]
        _add_suite(gx, context, s)
        # Into the store's backend as it was serialised: through the store
        # it would be parsed and serialised again for nothing.
        ident = ValidationResultIdentifier(ExpectationSuiteIdentifier(name=s.frame),
                                           RunIdentifier(o.outcome.run_name,
                                                         dt.datetime.fromisoformat(o.outcome.run_time)),
                                           o.outcome.batch)
        store.store_backend.set(store.key_to_tuple(ident), o.outcome.validation)
        results.extend(o.outcome.entries)
        pages.update(o.outcome.pages)
        if o.expectations_page is not None:
            pages[f"expectations/{s.frame}.html"] = o.expectations_page
    _write_data_docs(context, docs_dir, suites, pages)
    if kept is not None:
        for s in suites:
            o = outcomes[s.frame]
            # A page that failed to render is rendered again, not kept missing.
            if not o.reused and o.outcome.pages:
                kept.put(o.key, o.outcome)
            if o.new_page and o.expectations_page is not None:
                kept.put(page_key(s), o.expectations_page)
    t_docs = time.perf_counter()
    timings = {"frames": t_frames - t0, "import": t_import - t_frames, "validate": t_run - t_import,
               "data_docs": t_docs - t_run}
    docs = docs_dir / "index.html"
    quality = summarise(results, timings, str(docs.relative_to(workdir.resolve())) if docs.exists() else None,
                        gx.__version__, [s.frame for s in suites if outcomes[s.frame].reused])
    (workdir / "quality.json").write_text(
        json.dumps({"summary": quality.summary, "expectations": results}, indent=2, ensure_ascii=False),
        encoding="utf-8")
    return quality
