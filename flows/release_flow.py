"""The Prefect flow: thin tasks around the stage functions of
`flows/pipeline.py` and `flows/publish.py`.

Concurrency: Prefect runs one task per document in threads; each task hands
its CPU work to one shared process pool (pebble), because pdfminer.six is
pure Python and threads do not help it. The workers run plain functions and
never talk to Prefect, so no worker starts a Prefect server of its own
(REFERENCE: process pools with the temporary server lock its database). The
pool also gives every work unit a time limit and kills a worker that
exceeds it, so a hostile PDF cannot stall the run.

Start-up: the temporary Prefect server takes ten seconds or more to start,
and Great Expectations seconds to import. `run` starts reading the
documents before the flow, so that the reading overlaps the server's
start; the flow's tasks then take the documents' results as they come,
with the same time limits and quarantine reasons. The quality step runs
in a process of its own that imports Great Expectations at once: in this
process the import would hold the interpreter lock that Prefect's start
needs.
"""

from __future__ import annotations

import datetime as dt
import importlib
import multiprocessing
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pebble import ProcessExpired, ProcessPool
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows import exit_codes, ingest, pipeline, publish
from flows.model import QuarantineEntry
from flows.pipeline import DocumentResult, RunOptions


@dataclass
class RunOutcome:
    """What the CLI needs to report and to choose its exit status."""

    exit_code: int
    release: Path | None
    inputs: list[publish.InputRecord] = field(default_factory=list)
    message: str = ""


class _Pool:
    """The run's process pool, the inputs `run` found (by the paths given)
    and the documents whose reading it started before the flow (by content
    hash), and the quality step's process; used by the flow's tasks."""

    pool: ClassVar[ProcessPool | None] = None
    found: ClassVar[tuple[list[Path], tuple[list[ingest.Input], list[QuarantineEntry]]] | None] = None
    early: ClassVar[dict[str, Future[DocumentResult]]] = {}
    quality: ClassVar[ProcessPool | None] = None


def _run_unit(fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
    assert _Pool.pool is not None, "the flow starts the pool before any task"
    return _result(_Pool.pool.schedule(fn, args=args, timeout=timeout), timeout)


def _result(future: Any, timeout: float) -> Any:
    """A work unit's result; a unit killed for its time, a dead worker or
    exhausted memory quarantine the document with that reason."""
    try:
        return future.result()
    except FutureTimeout as e:
        raise ingest.InputError("timed out", f"no result after {timeout:.0f} s (see --doc-timeout)") from e
    except ProcessExpired as e:
        raise ingest.InputError("worker crashed", f"the worker process died (exit code {e.exitcode})") from e
    except MemoryError as e:
        raise ingest.InputError("out of memory", "the document needs more memory than a worker may use") from e
    except ingest.InputError:
        raise
    except Exception as e:
        raise ingest.InputError("failed", pipeline.where(e)) from e


def discover_inputs(paths: list[Path]) -> tuple[list[ingest.Input], list[QuarantineEntry]]:
    """The documents to read, identified by content hash, and the paths
    refused (missing, unreadable, duplicates)."""
    files, refused = ingest.discover(paths)
    inputs: list[ingest.Input] = []
    seen: dict[str, Path] = {}
    for f in files:
        try:
            inp = ingest.identify(f)
        except ingest.InputError as e:
            refused.append(QuarantineEntry(str(f), e.reason, "ingest", e.detail))
            continue
        # The document id is the content's hash: a second copy under another
        # name would publish the same document twice.
        if inp.sha256 in seen:
            refused.append(QuarantineEntry(str(f), "duplicate", "ingest", f"same bytes as {seen[inp.sha256]}", inp.sha256))
            continue
        seen[inp.sha256] = f
        inputs.append(inp)
    return inputs, refused


@task(name="discover", cache_policy=NO_CACHE)
def discover_task(paths: list[Path]) -> tuple[list[ingest.Input], list[QuarantineEntry]]:
    """The inputs; those `run` found already for the same paths are not hashed again."""
    if _Pool.found is not None and _Pool.found[0] == list(paths):
        return _Pool.found[1]
    return discover_inputs(paths)


def read_document(inp: ingest.Input, options: RunOptions) -> DocumentResult:
    """Extract and prepare one document in the pool (and finish it when it
    holds no OCR text); a large PDF is extracted in chunks of pages that run
    in parallel. A document that fails is returned quarantined."""
    t = options.doc_timeout
    try:
        if inp.media_type == "application/pdf":
            pages = _run_unit(pipeline.count_pages, inp, timeout=t)
            if pages > options.chunk_pages:
                futures = [
                    _Pool.pool.schedule(pipeline.extract_chunk, args=(inp, a, b), timeout=t)  # type: ignore[union-attr]
                    for a, b in pipeline.chunks(pages, options.chunk_pages)
                ]
                try:
                    extracted = [p for f in futures for p in _result(f, t)]
                except ingest.InputError:
                    for f in futures:
                        f.cancel()  # the document is quarantined: its other chunks are wasted work
                    raise
                result = _run_unit(pipeline.prepare_pages, inp, extracted, options, timeout=t)
            else:
                result = _run_unit(pipeline.process_input, inp, options, timeout=t)
        else:
            result = _run_unit(pipeline.process_input, inp, options, timeout=t)
    except ingest.InputError as e:
        result = DocumentResult(str(inp.path), inp.sha256,
                                quarantine=QuarantineEntry(str(inp.path), e.reason, "extract", e.detail, inp.sha256))
    return result


@task(name="process-document", cache_policy=NO_CACHE, task_run_name="process-{inp.path.name}")
def process_document_task(inp: ingest.Input, options: RunOptions) -> DocumentResult:
    early = _Pool.early.pop(inp.sha256, None)
    result = early.result() if early is not None else read_document(inp, options)
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
def finish_document_task(pending: DocumentResult, lexicon: Counter[str], options: RunOptions) -> DocumentResult:
    """Correct, parse and check a document with OCR text, now that the
    release lexicon is known."""
    assert pending.pending is not None
    try:
        result = _run_unit(pipeline.finish, pending.pending, options, lexicon, timeout=options.doc_timeout)
    except ingest.InputError as e:
        doc = pending.pending
        result = DocumentResult(doc.path, doc.id,
                                quarantine=QuarantineEntry(doc.path, e.reason, "finish", e.detail, doc.id))
    _log_outcome(pending.source_path, result)
    return result


@task(name="quality", cache_policy=NO_CACHE)
def quality_task(tables: dict, manifest: dict, staging: Path, timeout: float) -> Any:
    from checks.quality import validate_release

    future = quality_process().schedule(validate_release, args=(tables, manifest, staging), timeout=timeout)
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


@flow(name="lakmoes-release", log_prints=False, validate_parameters=False)
def release_flow(paths: list[Path], options: RunOptions) -> RunOutcome:
    """Take a release from input files to a published, validated release
    directory. Returns the outcome; raises only on a failure of lakmoes
    itself, in which case nothing new is visible."""
    from flows import report

    started = dt.datetime.now(dt.UTC)
    inputs, refused = discover_task(paths)
    own_pool = _Pool.pool is None
    if own_pool:
        _Pool.pool = start_pool(options)
    try:
        futures = [process_document_task.submit(inp, options) for inp in inputs]
        results: list[DocumentResult] = [f.result() for f in futures]
        # Documents with OCR text are corrected with the words of the whole
        # release's clean text, so they wait for every document to be read.
        lexicon = pipeline.release_lexicon(results)
        waiting = [(i, finish_document_task.submit(r, lexicon, options)) for i, r in enumerate(results) if r.pending]
        for i, future in waiting:
            results[i] = future.result()
    finally:
        if own_pool:
            stop_pool()

    quarantine = refused + [r.quarantine for r in results if r.quarantine]
    tables = publish.build_tables(publish.merged_rows(r.rows for r in results), quarantine)
    records = publish.input_records(inputs, refused, results)

    out = options.out
    release_id = publish.new_release_id(started)
    staging = publish.stage(out, release_id)
    try:
        manifest = publish.new_manifest(release_id, started, records, options, tables)
        manifest["tables"] = publish.write_tables(tables, staging)
        quality = quality_task(tables, manifest, staging, options.doc_timeout)
        manifest["quality"] = quality.summary
        manifest["finished"] = dt.datetime.now(dt.UTC)
        publish.write_manifest(staging, manifest)
        report.write_report(staging, tables, manifest, quality)
        report.publish_artifacts(tables, manifest, quality)
        # A run that published no document (a mistyped path, a folder of
        # bad files) must not move `latest` to an empty release.
        final = publish_task(staging, out, quality.ok and bool(tables["documents"].num_rows))
    except BaseException:
        publish.discard(staging)
        raise

    return outcome(quality.ok, quality.failed, tables["documents"].num_rows, bool(quarantine), final, records)


def outcome(quality_ok: bool, failed: list[str], published: int, quarantined: bool, final: Path,
            records: list[publish.InputRecord]) -> RunOutcome:
    """The exit status and message of a finished run (see flows/exit_codes.py)."""
    if not quality_ok:
        return RunOutcome(exit_codes.QUALITY, final, records,
                          f"quality gate failed ({', '.join(failed)}); release set aside in {final}")
    if not published:
        return RunOutcome(exit_codes.QUARANTINED, final, records, f"no document could be published; report in {final}")
    code = exit_codes.QUARANTINED if quarantined else exit_codes.OK
    return RunOutcome(code, final, records, f"release {final.name} published in {final}")


def load_great_expectations() -> None:
    importlib.import_module("great_expectations")


def quality_process() -> ProcessPool:
    """The quality step's process: started, and Great Expectations imported
    in it, at the first run; kept for the later runs of this process (pebble
    replaces it if it dies)."""
    if _Pool.quality is None:
        _Pool.quality = ProcessPool(max_workers=1, initializer=load_great_expectations,
                                    context=multiprocessing.get_context("spawn"))
        _Pool.quality.schedule(load_great_expectations)  # start it now, not at the quality step
    return _Pool.quality


def start_pool(options: RunOptions) -> ProcessPool:
    # "spawn": forking a process that runs Prefect's threads can copy a held
    # lock into the child and hang it.
    return ProcessPool(max_workers=options.workers, initializer=pipeline.start_worker,
                       initargs=(options.memory_limit_mb,), context=multiprocessing.get_context("spawn"))


def stop_pool(now: bool = False) -> None:
    """Close the pool; `now` kills the workers (the run failed, and queued
    work must not keep the process alive)."""
    if _Pool.pool is not None:
        if now:
            _Pool.pool.stop()
        else:
            _Pool.pool.close()
        _Pool.pool.join()
        _Pool.pool = None


def run(paths: list[Path], options: RunOptions) -> RunOutcome:
    """Entry point for the CLI and tests: the flow with the embedded Prefect
    default (a temporary local server when no API is configured).

    The workers start, and start reading the documents, before the flow,
    while the temporary Prefect server starts in a process of its own;
    Great Expectations is imported meanwhile in the quality step's process."""
    quality_process()
    _Pool.pool = start_pool(options)
    readers = ThreadPoolExecutor(max_workers=max(2, options.workers * 2), thread_name_prefix="lakmoes-read")
    try:
        _Pool.found = (list(paths), discover_inputs(paths))
        inputs = _Pool.found[1][0]
        _Pool.early = {inp.sha256: readers.submit(read_document, inp, options) for inp in inputs}
        task_runner = ThreadPoolTaskRunner(max_workers=max(2, options.workers * 2))
        outcome = release_flow.with_options(task_runner=task_runner)(paths, options)
    except BaseException:
        stop_pool(now=True)
        raise
    finally:
        readers.shutdown(cancel_futures=True)
        _Pool.found, _Pool.early = None, {}
    stop_pool()
    return outcome
