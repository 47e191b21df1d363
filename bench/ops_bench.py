"""Operations benchmark (issue 15; not run by the tests): what a scheduled
`lakmoes run` costs over a generated corpus, in one run, printed and
written as JSON.

The corpus (default 300 pages, up to 3,000): documents of the synthetic
release layouts (`bench/release_generate.py`), 2 to 4 pages each, 70% of
the pages born-digital and 30% scanned. Each page holds a layout's
document whose body runs on until the page holds as much text as a real
one (`PAGE_CHARS`, `--page-chars`). Every document carries Woo ground
markers in its text; a born-digital page has one line redacted (its text
removed, a black box in its place, the ground beside it); a scanned page
is rendered at 150 dpi with speckle noise before binarising, so its OCR
has damage to correct.

Measured, each `lakmoes run` a command of its own (wall seconds), first
against a running Prefect server (the one `lakmoes serve` keeps, or a
team's), then with the embedded default (a temporary server per run):

- cold: a run into an empty output folder (cache empty), pages/s;
- warm: the same run again, nothing changed, as a ratio to cold;
- one changed: one born-digital document rewritten, as a ratio to cold,
  against the target 2/N of cold plus the fixed cost (the median of
  `--repeat` runs, each rewriting another document, each after the
  corpus is back as it was: the machine is shared and one run is noisy);
- one-page run: a folder of one born-digital page, nothing kept;
- fixed cost: the same folder again with its document taken from the
  cache but the release's validation made again (the kept validations
  removed): every per-release cost and no document work (the median of
  `--repeat` runs);
- the per-document stages alone (`flows.run.units`, one process) on the
  born-digital files against plain single-process pdfminer.six
  `extract_text` on the same files, pages/s;
- with `--throughput-pages N`: a corpus of N born-digital pages only, the
  whole cold `lakmoes run` (running server, all cores) against plain
  single-process pdfminer.six on the same files (target >= 1.5x at 3,000;
  `--repeat` runs of each, alternating, their medians);
- with `--real-pdfs DIR`: the same over copies of the real born-digital
  PDFs in DIR (each copy made distinct), as many as make N pages (3,000
  when N is not given; one run of each: plain pdfminer takes two minutes
  there);
- `--dask local` against the default, both cold (skipped with --no-dask);
- peak memory: the largest resident set of any process the runs started.

Run: `python bench/ops_bench.py [--pages 300] [--throughput-pages 3000]
[--real-pdfs ../shared/data/dutch-gov-pdfs] [--repeat 3]
[--json bench/out/ops.json]`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from faker import Faker
from release_generate import LAYOUTS, SENTENCES, Make, decision_list, document, inventory_list, squeezed

GROUNDS = ["5.1.2e", "5.1.2a", "5.2", "5.1.2i"]


# Characters of text on a generated page. A layout's document alone holds
# about 600: pdfminer.six reads such a page six times faster than a real
# one, so a run's costs per document and per release outweigh its work per
# page far more than on the pages users release. 1,600 is the median, over
# the 26 born-digital PDFs of ../shared/data/dutch-gov-pdfs, of a file's
# characters per page (pdfminer's text; 675 to 4,705, the median page
# 2,101); `--real-pdfs` prints the figure for the folder it is given.
PAGE_CHARS = 1600
PAGE_LINES = 52  # what fits an A4 page at `born_digital`'s 14 pt line spacing


# The list layouts, long: a list page runs on with rows of its own (an
# entry the inventory check reads), not with prose.
LONG_LISTS: dict[str, Callable[[Make], str]] = {
    "decision_list": lambda m: decision_list(m, items=PAGE_LINES),
    "inventory_list": lambda m: inventory_list(m, entries=PAGE_LINES),
}


def _full_page(m: Make, kind: str, chars: int) -> list[str]:
    """The lines of a page of layout `kind` that holds `chars` characters
    (or is full, its last line left for the ground marker): a list with
    as many rows as that takes; another layout with its body run on with
    the layouts' sentences, after the body's last sentence and before its
    closing lines (a greeting, a signature)."""
    room = PAGE_LINES - 1
    if kind in LONG_LISTS:
        lines: list[str] = []
        held = 0
        for line in squeezed(LONG_LISTS[kind](m)).splitlines():
            if held >= chars or len(lines) == room:
                break
            lines.append(line)
            held += len(line) + 1
        return lines
    lines = document(m, kind).splitlines()
    at = max((i + 1 for i, line in enumerate(lines) if line in SENTENCES), default=len(lines))
    more: list[str] = []
    held = sum(len(line) + 1 for line in lines)  # each line with its newline
    while held < chars and len(lines) + len(more) < room:
        more.append(m.rng.choice(SENTENCES))
        held += len(more[-1]) + 1
    return lines[:at] + more + lines[at:]


def _page_texts(m: Make, pages: int, chars: int) -> list[str]:
    """The text of a document of `pages` pages: a layout's document per
    page, as full as `chars` characters make it (with 0, the layout's
    document alone), then a ground marker line."""
    out = []
    for _ in range(pages):
        kind = m.rng.choice(list(LAYOUTS))
        text = "\n".join(_full_page(m, kind, chars)) + "\n" if chars else document(m, kind)
        out.append(text + f"Passage verwijderd op grond van artikel {m.rng.choice(GROUNDS)} Woo.\n")
    return out


REDACTED_LINE = 4  # the line of each page a box redacts


def born_digital(pages: list[str], boxes: bool) -> bytes:
    """One page per text in Helvetica; with `boxes`, one line of each page
    redacted as a Woo release does it: its text removed, a black box in
    its place and the ground beside it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    for text in pages:
        y = 800.0
        for i, line in enumerate(text.split("\n")[:PAGE_LINES]):
            c.setFont("Helvetica", 10)
            if not (boxes and i == REDACTED_LINE):
                c.drawString(60, y, line)
            y -= 14
        if boxes:
            c.setFillColorRGB(0, 0, 0)
            c.rect(60, 800 - 14 * REDACTED_LINE - 3, 180, 13, stroke=0, fill=1)
            c.drawString(250, 800 - 14 * REDACTED_LINE, "5.1.2e")
        c.showPage()
    c.save()
    return buf.getvalue()


def damaged_scan(pdf: bytes, rng: random.Random, dpi: int = 150) -> bytes:
    """The pages as a poor scan: rendered at `dpi`, speckled, binarised."""
    import img2pdf
    import numpy as np
    import pypdfium2
    from PIL import Image

    blobs = []
    noise = np.random.default_rng(rng.randint(0, 2**32 - 1))
    doc = pypdfium2.PdfDocument(pdf)
    try:
        for page in doc:
            gray = np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")).astype(np.int16)
            gray = gray + noise.normal(0, 40, gray.shape).astype(np.int16)
            out = io.BytesIO()
            Image.fromarray(((gray > 140) * 255).astype(np.uint8)).convert("1").save(out, format="PNG", dpi=(dpi, dpi))
            blobs.append(out.getvalue())
    finally:
        doc.close()
    return img2pdf.convert(blobs, nodate=True)


def generate(folder: Path, pages: int, seed: int = 15, scanned_share: float = 0.3,
             page_chars: int = PAGE_CHARS) -> tuple[list[Path], list[Path]]:
    """The corpus: (born-digital files, scanned files), `scanned_share` of
    the pages scanned, each page's text run on to `page_chars` characters."""
    rng = random.Random(seed)
    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    m = Make(rng, fake)
    folder.mkdir(parents=True, exist_ok=True)
    digital: list[Path] = []
    scanned: list[Path] = []
    done = scanned_pages = 0
    i = 0
    while done < pages:
        size = min(rng.randint(2, 4), pages - done)
        scan = scanned_pages + size <= scanned_share * pages and rng.random() < 0.5
        pdf = born_digital(_page_texts(m, size, page_chars), boxes=not scan)
        path = folder / f"doc-{i:04d}.pdf"
        path.write_bytes(damaged_scan(pdf, rng) if scan else pdf)
        (scanned if scan else digital).append(path)
        scanned_pages += size if scan else 0
        done += size
        i += 1
    return digital, scanned


def lakmoes(args: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of one `lakmoes` command (exit 0, 3 or 4: every
    document went through the pipeline)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flows.cli", *args, "--quiet"], cwd=ROOT, capture_output=True,
                          text=True, env=env if env is not None else dict(os.environ), check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 3, 4):
        sys.exit(f"lakmoes {' '.join(args)} failed ({done.returncode}): {done.stderr[-3000:]}")
    return elapsed


def pdf_pages(files: list[Path]) -> int:
    from flows.stages.extract.opening import page_count

    return sum(page_count(f) for f in files)


def stages_rate(files: list[Path]) -> float:
    """Seconds of the per-document stages in one process (read, prepare,
    finish with the files' own lexicon), after the warm-up a worker does."""
    from flows.model import RunOptions
    from flows.run import units
    from flows.stages.ingest import identify

    options = RunOptions()
    # A worker loads its name lists and patterns once, before its first
    # document (`units.start_worker`): not part of the per-page rate.
    units.process_input(identify(files[0]), options)
    started = time.perf_counter()
    results = [units.process_input(identify(f), options) for f in files]
    lexicon = units.release_lexicon(results)
    for r in results:
        if r.pending is not None:
            units.finish(r.pending, options, lexicon)
    return time.perf_counter() - started


def plain_pdfminer(files: list[Path]) -> tuple[float, int]:
    """Seconds of plain pdfminer.six `extract_text` over `files`, and the
    characters of text it found (how full the pages are)."""
    from pdfminer.high_level import extract_text

    started = time.perf_counter()
    chars = sum(len(extract_text(f)) for f in files)
    return time.perf_counter() - started, chars


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def without_kept_validation(out: Path) -> None:
    """Remove the validations kept in `out`'s cache (the release's and each
    suite's), so that the next run validates its release again while its
    documents come from the cache."""
    for kind in ("quality", "quality-suites"):
        for folder in (out / ".cache").glob(f"*/{kind}"):
            shutil.rmtree(folder)


def whole_run(folder: Path, files: list[Path], pages: int, out: Path, env: dict[str, str],
              prefix: str, repeat: int = 1) -> dict[str, object]:
    """Whole cold `lakmoes run` over `folder` (`files`, `pages` pages)
    against plain single-process pdfminer.six on the same files, pages/s:
    `repeat` runs of each, alternating, and the median of each (a run of
    twenty seconds on a shared machine can meet a burst of someone else's
    work)."""
    runs, plains = [], []
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        runs.append(lakmoes(["run", str(folder), "--out", str(out)], env))
        seconds, chars = plain_pdfminer(files)
        plains.append(seconds)
    run, plain = statistics.median(runs), statistics.median(plains)
    return {f"{prefix}_pages": pages, f"{prefix}_chars_per_page": round(chars / pages),
            f"{prefix}_run_seconds": round(run, 2),
            f"{prefix}_run_pages_per_s": round(pages / run, 3),
            f"{prefix}_plain_pdfminer_pages_per_s": round(pages / plain, 3),
            f"{prefix}_run_vs_plain_pdfminer": round(plain / run, 3),
            f"{prefix}_runs_seconds": [round(x, 2) for x in runs],
            f"{prefix}_plain_pdfminer_runs_seconds": [round(x, 2) for x in plains]}


def throughput(work: Path, pages: int, env: dict[str, str], repeat: int, page_chars: int) -> dict[str, object]:
    """`whole_run` over `pages` generated born-digital pages."""
    folder = work / "born-digital"
    digital, _ = generate(folder, pages, seed=21, scanned_share=0.0, page_chars=page_chars)
    return whole_run(folder, digital, pages, work / "born-digital-out", env, "throughput", repeat)


def real_copies(source: Path, folder: Path, pages: int) -> tuple[list[Path], int]:
    """Copies of the PDFs in `source` until they hold at least `pages`
    pages. Each copy ends with a comment of its own after the file's end
    marker, where a reader ignores it, so that its hash (and so its place
    in the cache, and the duplicate check) is its own; and their pages."""
    from flows.stages.extract.opening import page_count

    originals = sorted(source.glob("*.pdf"))
    if not originals:
        sys.exit(f"--real-pdfs {source}: no PDF files there")
    counts = {f: page_count(f) for f in originals}
    folder.mkdir(parents=True)
    files: list[Path] = []
    total = copy = 0
    while total < pages:
        for f in originals:
            target = folder / f"{copy:03d}-{f.name}"
            target.write_bytes(f.read_bytes() + f"\n% lakmoes bench copy {copy}\n".encode())
            files.append(target)
            total += counts[f]
        copy += 1
    return files, total


def real_throughput(work: Path, source: Path, pages: int, env: dict[str, str]) -> dict[str, object]:
    """`whole_run` over copies of real born-digital PDFs: their pages are
    far richer than the generated ones, so pdfminer's own work per page
    weighs more against lakmoes' work per page and per document."""
    folder = work / "real"
    files, total = real_copies(source, folder, pages)
    return whole_run(folder, files, total, work / "real-out", env, "real_throughput")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=300, help="pages in the corpus (default 300, up to 3000)")
    p.add_argument("--throughput-pages", type=int, default=0,
                   help="also time a whole run over this many born-digital pages against plain pdfminer (e.g. 3000)")
    p.add_argument("--real-pdfs", type=Path, default=None,
                   help="also time a whole run over copies of the born-digital PDFs in this folder (e.g. "
                        "../shared/data/dutch-gov-pdfs), as many as make --throughput-pages pages (3000 if not given)")
    p.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "ops.json", help="where to write the figures")
    p.add_argument("--no-dask", action="store_true", help="leave out the --dask local run")
    p.add_argument("--page-chars", type=int, default=PAGE_CHARS,
                   help=f"characters of text on a generated page (default {PAGE_CHARS}, as on real pages; 0: a "
                        "layout's document alone, about 600, the corpus of bench runs 1 to 11)")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs of the one-changed, fixed-cost and --throughput-pages measures, their median "
                        "reported (default 3)")
    args = p.parse_args(argv)
    if not 1 <= args.pages <= 3000:
        p.error("--pages must be between 1 and 3000")
    from flows.run.server import local_server

    # As users run it: Python keeps the compiled modules it imports.
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PYTHONDONTWRITEBYTECODE")}
    figures: dict[str, object] = {"pages": args.pages, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="lakmoes-ops-") as tmp:
        work = Path(tmp)
        # The runs must not find a server of the user's `lakmoes serve`.
        env["XDG_STATE_HOME"] = str(work / "state")
        digital, scanned = generate(work / "corpus", args.pages, page_chars=args.page_chars)
        n = len(digital) + len(scanned)
        figures |= {"documents": n, "born_digital_pages": pdf_pages(digital), "scanned_pages": pdf_pages(scanned)}
        print(f"corpus: {n} documents, {figures['born_digital_pages']} born-digital and "
              f"{figures['scanned_pages']} scanned pages", flush=True)
        single = work / "single"
        single.mkdir()
        shutil.copy(digital[0], single / digital[0].name)
        corpus = str(work / "corpus")

        with local_server(work / "prefect-home", free_port()) as api:
            srv = {**env, "PREFECT_API_URL": api}
            out = work / "published"
            cold = lakmoes(["run", corpus, "--out", str(out)], srv)
            warm = lakmoes(["run", corpus, "--out", str(out)], srv)
            changes = []
            for revision in range(1, args.repeat + 1):
                # Another document each time: a second change of the same
                # one would find the OCR corrections that the first made
                # under its release lexicon kept.
                changed = digital[len(digital) * revision // (args.repeat + 1)]
                original = changed.read_bytes()
                changed.write_bytes(born_digital([f"Deze brief is herzien (versie {revision}).\n"
                                                  "De voorgestelde aanpak wordt voortgezet.\n"
                                                  "Passage verwijderd op grond van artikel 5.1.2e Woo.\n"], boxes=True))
                changes.append(lakmoes(["run", corpus, "--out", str(out)], srv))
                changed.write_bytes(original)  # back to the corpus as it was, the original kept again
                lakmoes(["run", corpus, "--out", str(out)], srv)
            one_page = lakmoes(["run", str(single), "--out", str(work / "single-server")], srv)
            fixes = []
            for _ in range(args.repeat):
                without_kept_validation(work / "single-server")
                fixes.append(lakmoes(["run", str(single), "--out", str(work / "single-server")], srv))
            one_changed, fixed_server = statistics.median(changes), statistics.median(fixes)
            if args.throughput_pages:
                figures |= throughput(work, args.throughput_pages, srv, args.repeat, args.page_chars)
            if args.real_pdfs:
                figures |= real_throughput(work, args.real_pdfs, args.throughput_pages or 3000, srv)

        embedded = work / "published-embedded"
        cold_embedded = lakmoes(["run", corpus, "--out", str(embedded)], env)
        warm_embedded = lakmoes(["run", corpus, "--out", str(embedded)], env)
        lakmoes(["run", str(single), "--out", str(work / "single-embedded")], env)
        without_kept_validation(work / "single-embedded")
        fixed_embedded = lakmoes(["run", str(single), "--out", str(work / "single-embedded")], env)

        dask_cold = None
        if not args.no_dask:
            dask_cold = lakmoes(["run", corpus, "--out", str(work / "dask"), "--dask", "local"], env)

        stages = stages_rate(digital)
        plain, chars = plain_pdfminer(digital)
    pages = args.pages
    digital_pages = int(figures["born_digital_pages"])  # type: ignore[call-overload]
    figures |= {
        "cold_seconds": round(cold, 2), "cold_pages_per_s": round(pages / cold, 3),
        "warm_seconds": round(warm, 2), "warm_vs_cold": round(warm / cold, 3),
        "one_changed_seconds": round(one_changed, 2), "one_changed_vs_cold": round(one_changed / cold, 3),
        "one_changed_target_vs_cold": round(2 / n + fixed_server / cold, 3),
        "one_changed_runs_seconds": [round(x, 2) for x in changes],
        "fixed_running_server_runs_seconds": [round(x, 2) for x in fixes],
        "one_page_run_seconds": round(one_page, 2),
        "fixed_running_server_seconds": round(fixed_server, 2),
        "cold_embedded_seconds": round(cold_embedded, 2), "warm_embedded_seconds": round(warm_embedded, 2),
        "warm_embedded_vs_cold_embedded": round(warm_embedded / cold_embedded, 3),
        "fixed_embedded_seconds": round(fixed_embedded, 2),
        "born_digital_chars_per_page": round(chars / digital_pages),
        "stages_born_digital_pages_per_s": round(digital_pages / stages, 3),
        "plain_pdfminer_pages_per_s": round(digital_pages / plain, 3),
        "stages_vs_plain_pdfminer": round(plain / stages, 3),
        "dask_local_seconds": round(dask_cold, 2) if dask_cold else None,
        "dask_local_vs_embedded": round(dask_cold / cold_embedded, 3) if dask_cold else None,
        "peak_rss_mb_largest_process": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }
    for key, value in figures.items():
        print(f"{key:40} {value}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
