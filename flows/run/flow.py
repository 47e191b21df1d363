"""The Prefect flow: thin tasks around the work units of `flows/run/units.py`
and the release functions of `flows/release/`.

Concurrency: Prefect runs one task per document in threads; each task hands
its CPU work to the run's `WorkerPool` (`flows/run/pool.py`). The workers
run plain functions and never talk to Prefect, so no worker starts a
Prefect server of its own (REFERENCE: process pools with the temporary
server lock its database).

Start-up: the temporary Prefect server takes ten seconds or more to start,
and Great Expectations seconds to import. `run` starts reading the
documents before the flow, so that the reading overlaps the server's
start; the flow's tasks then take the documents' results as they come,
with the same time limits and quarantine reasons.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows.model import QuarantineEntry, RunOptions
from flows.model.errors import ExitCode, InputError
from flows.release import publish, report
from flows.run import units
from flows.run.pool import WorkerPool
from flows.run.units import DocumentResult
from flows.stages import ingest

# Fixed keys, so the Prefect UI keeps one history per artifact across runs
# (keys: lowercase letters, digits and dashes).
if TYPE_CHECKING:  # Great Expectations is imported in the quality process only
    from checks.quality.validate import QualityResult

ARTIFACT_KEYS = {"summary": "lakmoes-release-summary", "findings": "lakmoes-findings-by-document"}


@dataclass
class RunOutcome:
    """What the CLI needs to report and to choose its exit status."""

    exit_code: ExitCode
    release: Path | None
    inputs: list[publish.InputRecord] = field(default_factory=list)
    message: str = ""


class ReadAhead:
    """The inputs `run` found before the flow (for the paths given) and the
    documents whose reading it started then (by content hash)."""

    __slots__ = ("early", "found", "paths")  # see WorkerPool: stored by Prefect as its type name only

    def __init__(self, paths: list[Path], found: tuple[list[ingest.Input], list[QuarantineEntry]],
                 early: dict[str, Future[DocumentResult]]):
        self.paths = list(paths)
        self.found = found
        self.early = early


def discover_inputs(paths: list[Path]) -> tuple[list[ingest.Input], list[QuarantineEntry]]:
    """The documents to read, identified by content hash, and the paths
    refused (missing, unreadable, duplicates)."""
    files, refused = ingest.discover(paths)
    inputs: list[ingest.Input] = []
    seen: dict[str, Path] = {}
    for f in files:
        try:
            inp = ingest.identify(f)
        except InputError as e:
            refused.append(QuarantineEntry(str(f), e.reason, "ingest", e.detail))
            continue
        # The document id is the content's hash: a second copy under another
        # name would publish the same document twice.
        if inp.sha256 in seen:
            refused.append(
                QuarantineEntry(str(f), "duplicate", "ingest", f"same bytes as {seen[inp.sha256]}", inp.sha256))
            continue
        seen[inp.sha256] = f
        inputs.append(inp)
    return inputs, refused


@task(name="discover", cache_policy=NO_CACHE)
def discover_task(paths: list[Path], ahead: ReadAhead | None) -> tuple[list[ingest.Input], list[QuarantineEntry]]:
    """The inputs; those `run` found already for the same paths are not hashed again."""
    if ahead is not None and ahead.paths == list(paths):
        return ahead.found
    return discover_inputs(paths)


def read_document(pool: WorkerPool, inp: ingest.Input, options: RunOptions) -> DocumentResult:
    """Extract and prepare one document in the pool (and finish it when it
    holds no OCR text); a large PDF is extracted in chunks of pages that run
    in parallel. A document that fails is returned quarantined."""
    t = options.doc_timeout
    try:
        if inp.media_type == "application/pdf":
            pages = pool.run(units.count_pages, inp, timeout=t)
            if pages > options.chunk_pages:
                futures = [pool.submit(units.extract_chunk, inp, a, b, timeout=t)
                           for a, b in units.chunks(pages, options.chunk_pages)]
                try:
                    extracted = [p for f in futures for p in pool.result(f, t)]
                except InputError:
                    for f in futures:
                        f.cancel()  # the document is quarantined: its other chunks are wasted work
                    raise
                return pool.run(units.prepare_pages, inp, extracted, options, timeout=t)
        return pool.run(units.process_input, inp, options, timeout=t)
    except InputError as e:
        return units.quarantined(inp.path, inp.sha256, e, "extract")


@task(name="process-document", cache_policy=NO_CACHE, task_run_name="process-{inp.path.name}")
def process_document_task(pool: WorkerPool, inp: ingest.Input, options: RunOptions,
                          ahead: ReadAhead | None) -> DocumentResult:
    early = ahead.early.pop(inp.sha256, None) if ahead is not None else None
    result = early.result() if early is not None else read_document(pool, inp, options)
    _log_outcome(inp.path, result)
    return result


def _log_outcome(path: Path | str, result: DocumentResult) -> None:
    """The document's outcome and its time per stage, in the run's log."""
    logger = get_run_logger()
    if result.quarantine:
        logger.warning("quarantined %s: %s (stage %s)", path, result.quarantine.reason, result.quarantine.stage)
    if result.stage_seconds:
        stages = ", ".join(f"{name} {sec:.2f} s" for name, sec in result.stage_seconds.items())
        logger.info("%s %s: %s", path, result.status, stages)


@task(name="finish-document", cache_policy=NO_CACHE, task_run_name="finish-{pending.file_name}")
def finish_document_task(pool: WorkerPool, pending: DocumentResult, lexicon: Counter[str],
                         options: RunOptions) -> DocumentResult:
    """Correct, parse and check a document with OCR text, now that the
    release lexicon is known."""
    doc = pending.pending
    assert doc is not None
    try:
        result = pool.run(units.finish, doc, options, lexicon, timeout=options.doc_timeout)
    except InputError as e:
        # Killed or crashed: the unit's first stage is where it was refused.
        result = units.quarantined(doc.path, doc.id, e, "correct")
    _log_outcome(pending.source_path, result)
    return result


@task(name="quality", cache_policy=NO_CACHE)
def quality_task(pool: WorkerPool, tables: dict, manifest: dict, staging: Path, timeout: float) -> Any:
    from checks.quality.validate import (
        validate_release,  # Great Expectations: imported in the quality process
    )

    future = pool.validate(validate_release, tables, manifest, staging, timeout=timeout)
    try:
        return future.result()
    except BaseException as e:
        # Stops the validation (pebble kills its worker) before the flow
        # discards the staging folder it is writing into.
        future.cancel()
        if isinstance(e, Exception) and not isinstance(e, FutureTimeout):
            # Re-raised here, the message would reach Prefect's log; it can
            # quote a value of the tables, personal data included.
            raise RuntimeError(f"the quality step failed ({type(e).__name__}; message withheld)") from None
        raise


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(staging: Path, out: Path, ok: bool) -> Path:
    return publish.promote(staging, out) if ok else publish.set_aside(staging, out)


def publish_artifacts(tables: dict[str, Any], manifest: dict[str, Any], quality: Any) -> None:
    """A Markdown summary and a table of findings by document, so the
    Prefect UI shows what report.html shows."""
    release = str(manifest.get("release", "release"))
    create_markdown_artifact(key=ARTIFACT_KEYS["summary"], markdown=report.artifact_markdown(tables, manifest, quality),
                             description=f"lakmoes release {release}")
    create_table_artifact(key=ARTIFACT_KEYS["findings"], table=report.artifact_table(tables),
                          description=f"Findings by document and severity, release {release}")


@flow(name="lakmoes-release", log_prints=False, validate_parameters=False)
def release_flow(paths: list[Path], options: RunOptions, pool: WorkerPool,
                 ahead: ReadAhead | None = None) -> RunOutcome:
    """Take a release from input files to a published, validated release
    directory. Returns the outcome; raises only on a failure of lakmoes
    itself, in which case nothing new is visible."""
    started = dt.datetime.now(dt.UTC)
    inputs, refused = discover_task(paths, ahead)
    futures = [process_document_task.submit(pool, inp, options, ahead) for inp in inputs]
    results: list[DocumentResult] = [f.result() for f in futures]
    # Documents with OCR text are corrected with the words of the whole
    # release's clean text, so they wait for every document to be read.
    lexicon = units.release_lexicon(results)
    waiting = [(i, finish_document_task.submit(pool, r, lexicon, options)) for i, r in enumerate(results) if r.pending]
    for i, future in waiting:
        results[i] = future.result()

    quarantine = refused + [r.quarantine for r in results if r.quarantine] + [h for r in results for h in r.held]
    rows = publish.merged_rows(r.rows for r in results)
    release_held = publish.release_checks(rows)
    quarantine += release_held
    tables = publish.build_tables(rows, quarantine)
    records = publish.input_records(inputs, refused, results, release_held)

    out = options.out
    release_id = publish.new_release_id(started)
    staging = publish.stage(out, release_id)
    try:
        manifest = publish.new_manifest(release_id, started, records, options, tables)
        manifest["tables"] = publish.write_tables(tables, staging)
        quality = cast("QualityResult", quality_task(pool, tables, manifest, staging, options.doc_timeout))
        manifest["quality"] = quality.summary
        manifest["finished"] = dt.datetime.now(dt.UTC)
        publish.write_manifest(staging, manifest)
        report.write_report(staging, tables, manifest, quality)
        publish_artifacts(tables, manifest, quality)
        # A run that published no document (a mistyped path, a folder of
        # bad files) must not move `latest` to an empty release.
        final = publish_task(staging, out, quality.ok and bool(tables["inputs"].num_rows))
    except BaseException:
        publish.discard(staging)
        raise

    return outcome(quality.ok, quality.failed, tables["inputs"].num_rows, final, records, quarantine)


def outcome(quality_ok: bool, failed: list[str], published: int, final: Path, records: list[publish.InputRecord],
            quarantine: list[QuarantineEntry]) -> RunOutcome:
    """The exit status and message of a finished run (see `ExitCode`); the
    message opens with the sentence the report's headline shows."""
    state = report.release_state(quality_ok, [vars(r) for r in records], [vars(q) for q in quarantine])
    if not quality_ok:
        return RunOutcome(ExitCode.QUALITY, final, records,
                          f"{state.sentence} Failed: {', '.join(failed)}; release set aside in {final}")
    if not published:
        return RunOutcome(ExitCode.QUARANTINED, final, records, f"{state.sentence} Report in {final}")
    code = ExitCode.QUARANTINED if quarantine else ExitCode.OK
    return RunOutcome(code, final, records, f"{state.sentence} Release {final.name} in {final}")


def run(paths: list[Path], options: RunOptions, pool: WorkerPool | None = None) -> RunOutcome:
    """Entry point for the CLI and tests: the flow with the embedded Prefect
    default (a temporary local server when no API is configured).

    The workers start, and start reading the documents, before the flow,
    while the temporary Prefect server starts in a process of its own. A
    caller that runs several releases may pass its own `pool`; otherwise
    the run makes one and closes it at the end."""
    own = pool is None
    workers = pool if pool is not None else WorkerPool(options)
    readers = ThreadPoolExecutor(max_workers=max(2, options.workers * 2), thread_name_prefix="lakmoes-read")
    try:
        found = discover_inputs(paths)
        early = {inp.sha256: readers.submit(read_document, workers, inp, options) for inp in found[0]}
        task_runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=max(2, options.workers * 2))
        ahead = ReadAhead(paths, found, early)
        # Prefect types task_runner by the futures it makes; ThreadPoolTaskRunner's do not match that generic.
        result = release_flow.with_options(task_runner=task_runner)(paths, options, workers, ahead)  # type: ignore[arg-type]
    except BaseException:
        if own:
            workers.close(now=True)
        raise
    finally:
        readers.shutdown(cancel_futures=True)
    if own:
        workers.close()
    return result
