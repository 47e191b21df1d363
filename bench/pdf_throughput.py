"""PDF throughput: lakmoes against plain single-process pdfminer.six.

In one run, over the same corpus of born-digital PDFs (made by
`bench/pdf_corpus.py` unless --corpus is given), times:

1. plain: `pdfminer.high_level.extract_text` on each file, one process
   (the reference every number is divided by);
2. walker: `flows.stages.extract.pdf.extract_pages(ocr=False)` on each file, one process
   (our page walk: paint-order geometry, no layout analysis; should beat 1);
   stages: every per-document stage (`flows.run.units.process_input`: walk,
   normalise, split, parse, markers, checks), one process, after the
   loading a worker does once at its start (timed apart); a long run on
   N workers approaches N times this rate;
3. lakmoes: the whole `lakmoes run` over the corpus (temporary Prefect
   server, every stage, quality gate, report, publishing);
4. lakmoes fixed cost: `lakmoes run` over a folder with no documents, the
   same start-up and per-release work without any page. The difference of
   3 and 4 is what the pages add to a run: less than their work, as far as
   they are read while the temporary Prefect server starts.
5. the floor: the start-up of the required stack alone, each step in a
   fresh process (import prefect and start and stop its temporary
   server; import great_expectations). No run of `lakmoes run` can take
   less than these on 2 cores: their CPU time divided by the cores.

Prints pages/s for each, ratios against plain, and peak memory (largest
resident set of this process and of any child). Target: lakmoes >= 1.5x
plain on a 2-core machine.

Usage: `python -m bench.pdf_throughput [--pages 200] [--corpus DIR]
[--lakmoes-cmd CMD] [--stages-only]`; `--stages-only` times 1 and 2 alone
(no `lakmoes run`, no floor), which takes seconds instead of minutes.
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pdfminer.high_level import extract_text

from bench import pdf_corpus
from flows.model import RunOptions
from flows.run.units import process_input
from flows.stages.extract.opening import page_count
from flows.stages.extract.pdf import extract_pages
from flows.stages.ingest import identify


def cpu_seconds() -> float:
    """CPU time of this process and its finished children: on a shared,
    loaded machine wall time swings, CPU time much less."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_plain(files: list[Path]) -> tuple[float, float]:
    t, c = time.perf_counter(), cpu_seconds()
    for f in files:
        extract_text(f)
    return time.perf_counter() - t, cpu_seconds() - c


def run_walker(files: list[Path]) -> tuple[float, float]:
    t, c = time.perf_counter(), cpu_seconds()
    for f in files:
        extract_pages(f, ocr=False)
    return time.perf_counter() - t, cpu_seconds() - c


def warm_up() -> tuple[float, float]:
    """Load what every document needs (corrector, name lists, patterns), as
    `flows.run.units.start_worker` does once per worker while the flow
    starts: timed apart, so that the stages' rate is the rate a worker
    keeps up, not the first document's loading."""
    from checks.text.pii.scan import scan
    from flows.stages.correct.corrector import load_corrector

    t, c = time.perf_counter(), cpu_seconds()
    load_corrector()
    scan("Warm-up met Jan de Vries, j.devries@example.nl.")
    return time.perf_counter() - t, cpu_seconds() - c


def run_stages(files: list[Path]) -> tuple[float, float]:
    options = RunOptions()
    t, c = time.perf_counter(), cpu_seconds()
    for f in files:
        process_input(identify(f), options)
    return time.perf_counter() - t, cpu_seconds() - c


def run_command(template: str, corpus: Path) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="lakmoes-bench-") as out:
        cmd = shlex.split(template.format(corpus=corpus, out=out))
        t, c = time.perf_counter(), cpu_seconds()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        elapsed, cpu = time.perf_counter() - t, cpu_seconds() - c
    # 0 published, 3 some inputs quarantined, 4 the quality gate set the
    # release aside: in each case every document went through the pipeline.
    if proc.returncode not in (0, 3, 4):
        sys.exit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    print(f"{' '.join(cmd[:3])} ... exited {proc.returncode}")
    return elapsed, cpu


# What every `lakmoes run` must do before its own work, whatever lakmoes does.
FLOOR_STEPS = {
    "import prefect, start and stop its temporary server":
        "from prefect.server.api.server import SubprocessASGIServer as S; s = S(); s.start(); s.stop()",
    "import great_expectations": "import great_expectations",
}


def run_floor() -> dict[str, tuple[float, float]]:
    """(wall, CPU) of each start-up step of the required stack, in a fresh
    process with the environment `lakmoes run` sets."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180"}
    out = {}
    for name, code in FLOOR_STEPS.items():
        t, c = time.perf_counter(), cpu_seconds()
        subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env=env)
        out[name] = (time.perf_counter() - t, cpu_seconds() - c)
    return out


def peak_mb() -> tuple[float, float]:
    """(this process, largest child) peak resident set in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


def rate_line(name: str, run: tuple[float, float], pages: int, plain: tuple[float, float], target: str = "") -> None:
    wall, cpu = run
    print(f"{name}: {pages / wall:7.2f} pages/s ({wall:.1f} s wall, {cpu:.1f} s CPU)"
          f"  = {plain[0] / wall:.2f}x plain{target}")


def report_stages(pages: int, plain: tuple[float, float], walker: tuple[float, float],
                  stages: tuple[float, float]) -> None:
    """The rates of 1 and 2 against plain, and what N workers make of the stages."""
    rate_line("plain pdfminer extract_text, 1 process ", plain, pages, plain)
    rate_line("page walker extract_pages,   1 process ", walker, pages, plain)
    rate_line("all per-document stages,     1 process ", stages, pages, plain)
    cores = os.cpu_count() or 1
    print(f"  projected on {cores} workers: {cores * pages / stages[0]:.2f} pages/s = "
          f"{cores * plain[0] / stages[0]:.2f}x plain (the rate a long run approaches)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=200)
    p.add_argument("--pages-per-doc", type=int, default=10)
    p.add_argument("--corpus", type=Path, help="existing folder of PDFs (default: generate one)")
    p.add_argument("--lakmoes-cmd", default=f"{sys.executable} -m flows.cli run {{corpus}} --out {{out}}",
                   help='the command to time (default: "python -m flows.cli run {corpus} --out {out}")')
    p.add_argument("--stages-only", action="store_true",
                   help="time plain, the walker and the per-document stages only (no lakmoes run, no floor)")
    args = p.parse_args(argv)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory(prefix="pdf-corpus-") as tmp:
        corpus = args.corpus or Path(tmp)
        if args.corpus is None:
            pdf_corpus.generate(corpus, args.pages, args.pages_per_doc)
        files = sorted(corpus.glob("*.pdf"))
        counts = {f: page_count(f) for f in files}
        pages = sum(counts.values())
        print(f"corpus: {len(files)} PDFs, {pages} pages; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")

        plain = run_plain(files)
        walker = run_walker(files)
        loading = warm_up()
        stages = run_stages(files)
        print(f"first-use loading of the stages (once per worker, at its start): {loading[0]:.1f} s wall, "
              f"{loading[1]:.1f} s CPU, not in the stages' rate")
        if args.stages_only:
            report_stages(pages, plain, walker, stages)
            return 0
        lakmoes = run_command(args.lakmoes_cmd, corpus)
        empty = Path(tmp) / "empty"
        empty.mkdir()
        fixed = run_command(args.lakmoes_cmd, empty)
        floor = run_floor()

    def line(name: str, run: tuple[float, float], target: str = "") -> None:
        rate_line(name, run, pages, plain, target)

    report_stages(pages, plain, walker, stages)
    cores = os.cpu_count() or 1
    line("lakmoes run, whole run                 ", lakmoes, " (target >= 1.5x)")
    steady = (lakmoes[0] - fixed[0], lakmoes[1] - fixed[1])
    print(f"lakmoes fixed cost per run (no documents): {fixed[0]:.1f} s wall, {fixed[1]:.1f} s CPU")
    line("lakmoes run, what the pages add         ", steady)
    print(f"CPU per page: plain {plain[1] / pages * 1000:.0f} ms, walker {walker[1] / pages * 1000:.0f} ms "
          f"(walker = {plain[1] / walker[1]:.2f}x plain by CPU time), lakmoes {steady[1] / pages * 1000:.0f} ms "
          "beyond the fixed cost (all processes)")
    for name, (wall, cpu) in floor.items():
        print(f"floor: {name}: {wall:.1f} s wall, {cpu:.1f} s CPU")
    floor_cpu = sum(cpu for _, cpu in floor.values())
    budget = plain[0] / 1.5
    print(f"floor: the required stack's start-up needs {floor_cpu:.1f} s CPU, at least {floor_cpu / cores:.1f} s "
          f"wall on {cores} cores; 1.5x plain leaves {budget:.1f} s for the whole run, so with the temporary server the best whole-run ratio "
          f"possible is {plain[0] / (floor_cpu / cores):.2f}x before lakmoes reads one page")
    own, child = peak_mb()
    print(f"peak memory: {own:.0f} MB this process, {child:.0f} MB largest child")
    return 0


if __name__ == "__main__":
    sys.exit(main())
