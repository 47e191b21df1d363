"""How long the quality gate takes, and what its set-up choices buy.

Measures, in one process, on the seed release (text seed + its answers as
a born-digital PDF, run through the pipeline):

1. importing Great Expectations as the quality processes do
   (`checks.quality.process.import_great_expectations`, scipy.stats
   deferred; paid once per process);
2. `checks.quality.validate.validate_release` per step (frames, validate, Data Docs),
   wall and CPU, median of --repeat runs;
3. the reference: the same suites run the naive way (one dataframe asset
   per frame, expectations added one by one to stored suites), which makes
   the file-backed context rewrite its config for every frame; printed as a
   ratio to (2);
4. scaling: the release copied N times (distinct document ids), to show
   how validation grows with rows.

Usage: python bench/quality_gate.py [--repeat 3] [--copies 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checks.quality import validate as quality
from checks.quality.process import import_great_expectations


def seed_release(folder: Path) -> tuple[dict[str, pa.Table], dict]:
    from tests.fixtures import quality_releases

    return quality_releases.process(quality_releases.inputs(folder, defects=False)[:2])


def copies(tables: dict[str, pa.Table], manifest: dict, n: int) -> tuple[dict[str, pa.Table], dict]:
    """The release with every document n times, each copy with its own id."""
    out = {}
    for name, t in tables.items():
        rows = []
        for i in range(n):
            for r in t.to_pylist():
                for key in ("document_id", "input_id"):
                    if r.get(key):
                        r[key] = f"{i:04x}" + r[key][4:]
                if r.get("finding_id"):
                    r["finding_id"] = f"{i:04x}{r['finding_id']}"
                rows.append(r)
        out[name] = pa.Table.from_pylist(rows, schema=t.schema)
    inputs = [{**x, "sha256": f"{i:04x}" + x["sha256"][4:], "path": f"{i}/{x['path']}"}
              for i in range(n) for x in manifest["inputs"]]
    return out, {**manifest, "inputs": inputs}


def timed(fn, *args):
    w, c = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - w, time.process_time() - c


def naive(tables: dict[str, pa.Table], manifest: dict, workdir: Path) -> None:
    """The reference: what the Great Expectations docs show first."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    frames = quality.build_frames(tables, manifest)
    params = quality.load_parameters(manifest)
    context = gx.get_context(mode="file", project_root_dir=str(workdir / "quality"))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("release")
    run_id = RunIdentifier(run_name="naive", run_time=dt.datetime.now(dt.UTC))
    for s in quality.load_suites():
        batch = source.add_dataframe_asset(s.frame).add_batch_definition_whole_dataframe("all")
        suite = context.suites.add(gx.ExpectationSuite(name=s.frame))
        for rule in s.rules:
            suite.add_expectation(quality._expectation(rule))
        vd = context.validation_definitions.add(gx.ValidationDefinition(name=s.frame, data=batch, suite=suite))
        vd.run(batch_parameters={"dataframe": frames[s.frame]}, expectation_parameters=params,
               result_format={"result_format": "COMPLETE", "unexpected_index_column_names": list(s.index)},
               run_id=run_id)
    context.build_data_docs()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--copies", type=int, default=20)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tables, manifest = seed_release(tmp / "inputs")
        rows = sum(t.num_rows for t in tables.values())
        _, w, c = timed(import_great_expectations)
        print(f"import great_expectations (scipy.stats deferred): wall {w:.2f} s, cpu {c:.2f} s")

        runs = []
        for i in range(args.repeat):
            q, w, c = timed(quality.validate_release, tables, manifest, tmp / f"run{i}")
            assert q.ok, q.failed
            runs.append((w, c, q.summary["seconds_by_step"]))
        wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        steps = {k: statistics.median(r[2][k] for r in runs) for k in runs[0][2]}
        print(f"seed release: {len(tables)} tables, {rows} rows, {q.summary['frames']} frames, "
              f"{q.summary['expectations']} expectations")
        print(f"validate_release (median of {args.repeat}): wall {wall:.2f} s, cpu {cpu:.2f} s; "
              + ", ".join(f"{k} {v:.2f} s" for k, v in steps.items()))

        _, nw, nc = timed(naive, tables, manifest, tmp / "naive")
        print(f"reference (asset per frame, expectations added one by one): wall {nw:.2f} s, cpu {nc:.2f} s; "
              f"ratio to validate_release: wall {nw / wall:.2f}x, cpu {nc / cpu:.2f}x")

        big, big_manifest = copies(tables, manifest, args.copies)
        bq, bw, bc = timed(quality.validate_release, big, big_manifest, tmp / "big")
        big_rows = sum(t.num_rows for t in big.values())
        print(f"{args.copies} copies ({big_rows} rows, ok={bq.ok}): wall {bw:.2f} s, cpu {bc:.2f} s; "
              f"ratio to one copy: wall {bw / wall:.2f}x, cpu {bc / cpu:.2f}x; "
              + ", ".join(f"{k} {v:.2f} s" for k, v in bq.summary["seconds_by_step"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
