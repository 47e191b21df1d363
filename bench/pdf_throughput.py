"""PDF throughput: lakmoes against plain single-process pdfminer.six.

In one run, over the same corpus of born-digital PDFs (made by
`bench/pdf_corpus.py` unless --corpus is given), times:

1. plain: `pdfminer.high_level.extract_text` on each file, one process
   (the reference every number is divided by);
2. walker: `flows.pdf.extract_pages(ocr=False)` on each file, one process
   (our page walk: paint-order geometry, no layout analysis; should beat 1);
3. lakmoes: either the command given with --lakmoes-cmd (e.g.
   "lakmoes run {corpus} --out {out}"), or, as a stand-in while the CLI is
   not there, `extract_pages` over page chunks in a pebble process pool of
   --workers processes (what the pipeline does for PDFs).

Prints pages/s for each, ratios against plain, and peak memory (largest
resident set of this process and of any child). Target: lakmoes >= 1.5x
plain on a 2-core machine.

Usage: `python -m bench.pdf_throughput [--pages 200] [--workers 2]
[--chunk 5] [--corpus DIR] [--lakmoes-cmd CMD]`.
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
from pebble import ProcessPool

from bench import pdf_corpus
from flows.pdf import extract_pages, page_count


def _chunk_job(path: str, first: int, last: int) -> int:
    """Extract one chunk in a worker; return plain data (as the pipeline
    does), here the pages' text length, after building the full pages."""
    return sum(len(p.text) for p in extract_pages(Path(path), first, last))


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


def run_pool(files: list[Path], counts: dict[Path, int], workers: int, chunk: int) -> tuple[float, float]:
    """Pages in chunks over a process pool, the way the pipeline splits
    large PDFs; a timeout per chunk as the pipeline sets one."""
    jobs = [(str(f), a, min(a + chunk - 1, counts[f])) for f in files for a in range(1, counts[f] + 1, chunk)]
    t, c = time.perf_counter(), cpu_seconds()
    with ProcessPool(max_workers=workers) as pool:
        futures = [pool.schedule(_chunk_job, args=job, timeout=300) for job in jobs]
        for fut in futures:
            fut.result()
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


def peak_mb() -> tuple[float, float]:
    """(this process, largest child) peak resident set in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, child


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=200)
    p.add_argument("--pages-per-doc", type=int, default=10)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    p.add_argument("--chunk", type=int, default=5, help="pages per work unit in the stand-in pool")
    p.add_argument("--corpus", type=Path, help="existing folder of PDFs (default: generate one)")
    p.add_argument("--lakmoes-cmd", help='command to time instead of the stand-in, e.g. "lakmoes run {corpus} --out {out}"')
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
        if args.lakmoes_cmd:
            label = f"lakmoes ({args.lakmoes_cmd.split()[0]})"
            lakmoes = run_command(args.lakmoes_cmd, corpus)
        else:
            label = f"lakmoes stand-in (extract_pages, {args.workers}-process pool, {args.chunk}-page chunks)"
            lakmoes = run_pool(files, counts, args.workers, args.chunk)

    def line(name: str, run: tuple[float, float], target: str = "") -> None:
        wall, cpu = run
        print(f"{name}: {pages / wall:7.2f} pages/s ({wall:.1f} s wall, {cpu:.1f} s CPU)"
              f"  = {plain[0] / wall:.2f}x plain{target}")

    line("plain pdfminer extract_text, 1 process ", plain)
    line("page walker extract_pages,   1 process ", walker)
    line(label, lakmoes, " (target >= 1.5x)")
    print(f"CPU per page: plain {plain[1] / pages * 1000:.0f} ms, walker {walker[1] / pages * 1000:.0f} ms "
          f"(walker = {plain[1] / walker[1]:.2f}x plain by CPU time), lakmoes {lakmoes[1] / pages * 1000:.0f} ms")
    own, child = peak_mb()
    print(f"peak memory: {own:.0f} MB this process, {child:.0f} MB largest child")
    return 0


if __name__ == "__main__":
    sys.exit(main())
