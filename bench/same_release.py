"""Proof of no change: run one corpus through two revisions of lakmoes and
compare every published table.

The corpus is the seed release, a generated born-digital PDF corpus
(`bench/pdf_corpus.py`), the generated redaction and bad-PDF fixtures and,
when present, the real PDFs in `../shared/data/dutch-gov-pdfs`. It is built
once, by the *before* revision, so both runs read the very same bytes.

Each revision runs in its own git worktree as `python -m flows.cli run`
with a fixed salt, so masked values hash alike. Tables are compared row by
row after dropping what differs by design between two runs: release and
run ids, timestamps and durations. The script imports nothing of lakmoes,
so it runs the same against any revision.

Usage: `python bench/same_release.py [--before REV] [--after REV|WORKTREE]`
(default: before `HEAD`, after the working tree). Exit 0 iff identical.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "dutch-gov-pdfs"
# Columns whose values differ between any two runs of the same code, and
# the manifest's `cache` (its folder, and the code version that keys the
# results kept across runs: it differs between any two revisions by design).
VOLATILE = {"release", "release_id", "run_id", "published_at", "created_at", "started", "started_at", "finished",
            "finished_at", "duration_s", "seconds", "seconds_by_step", "elapsed_s", "timestamp", "sha256", "bytes",
            "cache"}
# Each revision runs twice: as a user would, and with --allow-findings, so
# that the rows of documents the gate holds back are compared too.
MODES = {"default": [], "allow-findings": ["--allow-findings"]}


def _worktree(rev: str, base: Path) -> Path:
    tree = base / f"tree-{rev.replace('/', '_')}"
    if tree.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(tree), rev], check=True)
    return tree


def _python(tree: Path, args: list[str], **kw: Any) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree), "LAKMOES_SALT": "same-release-proof"}
    return subprocess.run([sys.executable, *args], cwd=tree, env=env, **kw)


def build_corpus(tree: Path, corpus: Path) -> None:
    corpus.mkdir(parents=True)
    for f in (tree / "seeds").iterdir():
        shutil.copy(f, corpus / f.name)
    _python(tree, ["-m", "bench.pdf_corpus", str(corpus / "generated"), "--pages", "30", "--pages-per-doc", "6"],
            check=True, stdout=subprocess.DEVNULL)
    _python(tree, ["-m", "tests.fixtures.redaction_pdfs", str(corpus / "redaction")], check=True,
            stdout=subprocess.DEVNULL)
    _python(tree, ["-m", "tests.fixtures.bad_pdfs", str(corpus / "bad")], check=True, stdout=subprocess.DEVNULL)
    if REAL.is_dir():
        shutil.copytree(REAL, corpus / "real")


def run(tree: Path, corpus: Path, out: Path, flags: list[str]) -> int:
    proc = _python(tree, ["-m", "flows.cli", "run", str(corpus), "--out", str(out), "--workers", "2", *flags],
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    (out.parent / f"{out.name}.log").write_text(proc.stdout)
    return proc.returncode


def _release(out: Path) -> Path:
    latest = out / "latest"
    if latest.exists():
        return latest.resolve()
    failed = sorted((out / "failed").iterdir())
    return failed[-1]


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in sorted(value.items()) if k not in VOLATILE}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def tables(release: Path) -> dict[str, Any]:
    """Every Parquet table and JSON summary of a release, volatile fields dropped."""
    found: dict[str, Any] = {}
    for path in sorted(release.rglob("*.parquet")):
        rows = pq.read_table(path).to_pylist()
        found[str(path.relative_to(release))] = [_scrub(r) for r in rows]
    for path in sorted(release.glob("*.json")):
        found[path.name] = _scrub(json.loads(path.read_text()))
    return found


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    problems = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            problems.append(f"{name}: missing after")
        elif name not in before:
            problems.append(f"{name}: new after")
        elif before[name] != after[name]:
            b, a = before[name], after[name]
            if isinstance(b, list) and isinstance(a, list):
                first = next((i for i, (x, y) in enumerate(zip(b, a, strict=False)) if x != y), min(len(a), len(b)))
                problems.append(f"{name}: {len(b)} rows before, {len(a)} after; first difference at row {first}")
            else:
                diff = sorted(k for k in set(b) | set(a) if b.get(k) != a.get(k))
                problems.append(f"{name}: differs in {', '.join(diff)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", default="HEAD", help="git revision to compare against (default: HEAD)")
    p.add_argument("--after", default="WORKTREE", help="git revision, or WORKTREE for the working tree")
    p.add_argument("--keep", type=Path, help="keep the corpus and both outputs in this folder")
    args = p.parse_args(argv)
    base = args.keep or Path(tempfile.mkdtemp(prefix="same-release-"))
    base.mkdir(parents=True, exist_ok=True)
    trees = []
    try:
        before_tree = _worktree(args.before, base)
        trees.append(before_tree)
        after_tree = ROOT if args.after == "WORKTREE" else _worktree(args.after, base)
        if after_tree != ROOT:
            trees.append(after_tree)
        corpus = base / "corpus"
        # With --keep, a second call reuses the corpus and the before runs.
        if not corpus.exists():
            build_corpus(before_tree, corpus)
        problems: list[str] = []
        rows = tables_compared = 0
        for mode, flags in MODES.items():
            codes = {}
            for side, tree in (("before", before_tree), ("after", after_tree)):
                out = base / f"out-{side}-{mode}"
                rc = base / f"out-{side}-{mode}.rc"
                if side == "before" and out.exists() and rc.exists():
                    codes[side] = int(rc.read_text())
                    continue
                shutil.rmtree(out, ignore_errors=True)
                codes[side] = run(tree, corpus, out, flags)
                rc.write_text(str(codes[side]))
            print(f"{mode}: exit codes before {codes['before']}, after {codes['after']}")
            before, after = (tables(_release(base / f"out-{side}-{mode}")) for side in ("before", "after"))
            if codes["before"] != codes["after"]:
                problems.append(f"{mode}: exit codes differ")
            problems += [f"{mode}: {p}" for p in compare(before, after)]
            rows += sum(len(v) for v in before.values() if isinstance(v, list))
            tables_compared += len(before)
        print(f"{tables_compared} tables and summaries, {rows} rows compared")
        for line in problems:
            print("DIFFERENT", line)
        print("identical" if not problems else f"{len(problems)} differences")
        return 0 if not problems else 1
    finally:
        for tree in trees:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
