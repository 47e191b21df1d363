"""The Prefect flow: thin tasks around the work units of `flows/run/units.py`
and the release functions of `flows/release/`.

Concurrency: Prefect runs the document tasks in threads, one per document
of a small release and one per batch of a large one (`batches`); each
task hands its CPU work to the run's `WorkerPool` (`flows/run/pool.py`). The workers
run plain functions and never talk to Prefect, so no worker starts a
Prefect server of its own (REFERENCE: process pools with the temporary
server lock its database).

Start-up: the temporary Prefect server takes seconds to start, and Great
Expectations seconds to import. `run` starts reading the
documents before the flow, so that the reading overlaps the server's
start; the flow's tasks then take the documents' results as they come,
with the same time limits and quarantine reasons.

Incremental runs: every document is first looked up in the cache of
results kept across runs (`flows/run/cache.py`), before any task; only
what is not there becomes a task and goes to the workers. The manifest says what was computed and reused, and
`diff.json` what changed since the previous release (`flows/run/diff.py`).
With `--dask` the document tasks run on a Dask cluster instead
(`run_on_dask`).
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import logging
import math
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import SyncClientContext
from prefect.task_runners import ThreadPoolTaskRunner

from flows.model import QuarantineEntry, RunOptions
from flows.model.errors import ExitCode, InputError, TooManyPages
from flows.release import publish, report
from flows.run import diff, units
from flows.run.cache import (
    CropCache,
    LexiconStore,
    QualityCache,
    ResultCache,
    SuiteCache,
    cache_dir,
    lexicon_digest,
    quality_key,
    version_key,
)
from flows.run.pool import InProcessUnits, Units, WorkerPool
from flows.run.progress import SAID_AT_THE_END, Progress, result_pages
from flows.run.units import DocumentResult
from flows.stages import ingest
from flows.stages.correct.corrector import LexiconIndex, unchanged_for

# Fixed keys, so the Prefect UI keeps one history per artifact across runs
# (keys: lowercase letters, digits and dashes).
if TYPE_CHECKING:  # Great Expectations is imported in the quality process only
    from checks.quality.validate import QualityResult

T = TypeVar("T")
# At most this many document tasks per worker and phase: a task run costs
# the Prefect server some 30 ms of CPU (measured), which on a corpus of
# thousands of documents took a quarter of the machine. Larger corpora are
# read in batches, each worker still having several tasks to take.
TASKS_PER_WORKER = 8
RELEASE_STEPS = ("tables", "quality", "report", "publish")
ARTIFACT_KEYS = {"summary": "lakmoes-release-summary", "findings": "lakmoes-findings-by-document"}


@dataclass
class RunOutcome:
    """What the CLI needs to report and to choose its exit status."""

    exit_code: ExitCode
    release: Path | None
    inputs: list[publish.InputRecord] = field(default_factory=list)
    message: str = ""
    # What the OCR engine reported on the documents read, by message, counted.
    ocr_messages: dict[str, int] = field(default_factory=dict)


# What became of an input in this run: worked, taken from the cache, or
# taken from the cache up to the release lexicon and finished again (a
# document with OCR text whose correction reads the changed release
# lexicon differently, see `kept_finish`).
COMPUTED, REUSED, REFINISHED = "computed", "reused", "refinished"


@dataclass
class Read:
    """A document's result and whether it was computed or reused."""

    result: DocumentResult
    work: str


class ReadAhead:
    """The inputs `run` found before the flow (for the paths given), the
    results it found kept for them, and the documents whose reading it
    started then (both by content hash)."""

    __slots__ = ("early", "found", "kept", "paths")  # see WorkerPool: stored by Prefect as its type name only

    def __init__(self, paths: list[Path], found: tuple[list[ingest.Input], list[QuarantineEntry]],
                 kept: dict[str, DocumentResult], early: dict[str, Future[Read]]):
        self.paths = list(paths)
        self.found = found
        self.kept = kept
        self.early = early


class Held(Generic[T]):
    """A task parameter Prefect passes whole: it walks every list, dict and
    dataclass of a task's parameters to find futures, on every task run,
    which for a document and the release lexicon costs more than the
    task's own work when it is taken from the cache."""

    __slots__ = ("value",)

    def __init__(self, value: T):
        self.value = value


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


def extract_document(pool: Units, inp: ingest.Input, options: RunOptions) -> DocumentResult:
    """Extract and prepare one document in the pool (and finish it when it
    holds no OCR text); a large PDF is extracted in chunks of pages that run
    in parallel. Raises InputError when a unit timed out, crashed or failed."""
    t = options.doc_timeout
    try:
        return pool.run(units.process_input, inp, options, options.chunk_pages, timeout=t)
    except TooManyPages as large:
        futures = [pool.submit(units.extract_chunk, inp, a, b, timeout=t)
                   for a, b in units.chunks(large.pages, options.chunk_pages)]
    try:
        chunks = [pool.result(f, t) for f in futures]
    except InputError:
        for f in futures:
            f.cancel()  # the document is quarantined: its other chunks are wasted work
        raise
    said: Counter[str] = Counter()
    for _, messages in chunks:
        said.update(messages)
    return pool.run(units.prepare_pages, inp, [p for pages, _ in chunks for p in pages], dict(said), options,
                    timeout=t)


def kept_results(inputs: list[ingest.Input], options: RunOptions, progress: Progress) -> dict[str, DocumentResult]:
    """The results kept from earlier runs for these inputs (none with
    `--full`), by content hash; each shown as read. They need no task: a
    rerun over an unchanged corpus runs none."""
    if options.full:
        return {}
    store = ResultCache.for_run(options)
    kept = {}
    for inp in inputs:
        result = store.get("prepare", inp.sha256, str(inp.path))
        if result is not None:
            kept[inp.sha256] = result
            progress.advance("read", inp.path.name, result_pages(result), REUSED, _status(result))
    return kept


def read_document(pool: Units, inp: ingest.Input, options: RunOptions, progress: Progress) -> Read:
    """Extract and prepare a document that has no kept result, in the pool,
    and keep the result, a document the stages refused included (the same
    bytes are refused again). A unit that failed (timed out, crashed, out
    of memory) is returned quarantined and not kept: the next run tries
    it again."""
    try:
        result = extract_document(pool, inp, options)
    except InputError as e:
        result = units.quarantined(inp.path, inp.sha256, e, "extract")
    else:
        ResultCache.for_run(options).put("prepare", inp.sha256, str(inp.path), result)
    progress.advance("read", inp.path.name, result_pages(result), COMPUTED, _status(result))
    return Read(result, COMPUTED)


def batches(items: list[T], workers: int) -> list[list[T]]:
    """`items` in at most TASKS_PER_WORKER batches per worker, in order."""
    size = max(1, math.ceil(len(items) / (max(1, workers) * TASKS_PER_WORKER)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def batch_name(paths: list[str]) -> str:
    """A batch's task run name: its first file, and how many follow."""
    first = Path(paths[0]).name
    return first if len(paths) == 1 else f"{first}+{len(paths) - 1}"


@task(name="read-documents", cache_policy=NO_CACHE, task_run_name="read-{name}")
def read_documents_task(pool: Units, name: str, inps: list[ingest.Input], options: RunOptions,
                        ahead: ReadAhead | None, progress: Progress) -> list[Read]:
    """A batch of documents (see `batches`), each as `run` began reading it
    ahead, or read now."""
    reads = []
    for inp in inps:
        early = ahead.early.pop(inp.sha256, None) if ahead is not None else None
        read = early.result() if early is not None else read_document(pool, inp, options, progress)
        _log_outcome(inp.path, read.result)
        reads.append(read)
    return reads


def _status(result: DocumentResult) -> str:
    return "pending" if result.pending else "quarantined" if result.quarantine else result.status


def _log_outcome(path: Path | str, result: DocumentResult) -> None:
    """The document's outcome and its time per stage, in the run's log."""
    logger = get_run_logger()
    if result.quarantine:
        logger.warning("quarantined %s: %s (stage %s)", path, result.quarantine.reason, result.quarantine.stage,
                       extra=SAID_AT_THE_END)
    if result.stage_seconds:
        stages = ", ".join(f"{name} {sec:.2f} s" for name, sec in result.stage_seconds.items())
        logger.info("%s %s: %s", path, result.status, stages)
    if result.ocr_messages:
        logger.info("%s OCR engine: %s", path, summary(result.ocr_messages))


def summary(messages: dict[str, int]) -> str:
    """"3× lots of diacritics - possibly poor OCR; 1× ...", most frequent first."""
    return "; ".join(f"{n}× {text}" for text, n in sorted(messages.items(), key=lambda m: (-m[1], m[0])))


class ReleaseLexicon:
    """The release lexicon as `kept_finish` needs it: its digest, its index,
    and the words it differs in from the lexicons of earlier runs."""

    def __init__(self, lexicon: Counter[str], key: str, store: LexiconStore):
        self.key = key
        self.index = LexiconIndex.of(lexicon)
        self._store = store
        self._changed: dict[str, set[str] | None] = {}

    def changed_since(self, key: str) -> set[str] | None:
        """The lowercase words this lexicon holds and the lexicon `key` did
        not, or the other way round; None when that one is no longer kept."""
        if key not in self._changed:
            old = self._store.get(key)
            self._changed[key] = None if old is None else {w.lower() for w in old} ^ self.index.words
        return self._changed[key]


def kept_finish(pending: DocumentResult, lexicon: ReleaseLexicon, options: RunOptions) -> DocumentResult | None:
    """The kept result of finishing a document with OCR text with this
    release lexicon, or None (always None with `--full`). Either the one
    kept under this very lexicon, or the document's latest when its
    correction reads the same of this lexicon as of the one it read
    (`unchanged_for`: a new document whose words are nowhere near this
    one's changes none of its corrections). That one is then kept under
    this lexicon, as read of it."""
    doc = pending.pending
    assert doc is not None
    if options.full:
        return None
    store = ResultCache.for_run(options)
    kept = store.get("finish", doc.id, pending.source_path, lexicon.key)
    if kept is not None:
        return kept
    last = store.latest("finish", doc.id, pending.source_path)
    use = last.lexicon_use if last is not None else None
    if last is None or use is None or not use.lexicon:
        return None
    changed = lexicon.changed_since(use.lexicon)
    if changed is None or not unchanged_for(use, lexicon.index, changed):
        return None
    last.lexicon_use = replace(use, lexicon=lexicon.key)
    store.put("finish", doc.id, pending.source_path, last, lexicon.key)
    return last


@task(name="finish-documents", cache_policy=NO_CACHE, task_run_name="finish-{name}")
def finish_documents_task(pool: Units, name: str, pending: Held[list[DocumentResult]], lexicon: Held[Counter[str]],
                          lexicon_key: str, options: RunOptions, progress: Progress) -> list[DocumentResult]:
    """Correct, parse and check a batch of documents with OCR text, now
    that the release lexicon is known, in parallel in the pool; each kept
    under the lexicon's hash, with what its correction read of the
    lexicon (see `kept_finish`)."""
    t = options.doc_timeout
    futures = [pool.submit(units.finish, r.pending, options, lexicon.value, lexicon_key, timeout=t)
               for r in pending.value]
    finished = []
    for waiting, future in zip(pending.value, futures, strict=True):
        doc = waiting.pending
        assert doc is not None
        try:
            result = pool.result(future, t)
        except InputError as e:
            # Killed or crashed: the unit's first stage is where it was refused.
            result = units.quarantined(doc.path, doc.id, e, "correct")
        else:
            ResultCache.for_run(options).put("finish", doc.id, waiting.source_path, result, lexicon_key)
        _log_outcome(waiting.source_path, result)
        progress.advance("finish", Path(waiting.source_path).name, len(doc.pages), COMPUTED, _status(result))
        finished.append(result)
    return finished


def start_quality(pool: Units, tables: dict[str, Any], manifest: dict[str, Any], staging: Path, timeout: float,
                  kept: SuiteCache | None) -> Future[Any]:
    """Begin validating the release in the quality process, so that the
    run writes the tables and the diff meanwhile; `quality_task` waits for
    it. The manifest goes as a copy, taken now: pebble sends the arguments
    from a thread of its own, while the run goes on adding to its own."""
    from checks.quality.validate import (
        SUITES_DIR,
        validate_release,  # Great Expectations: imported in the quality process
    )

    # The quality process validates with a forked helper when there is a
    # core to spare; on Dask it is the run's own process, which runs
    # Prefect's threads and must not fork.
    helper = isinstance(pool, WorkerPool) and pool.worker_count > 1
    return pool.validate(validate_release, tables, copy.deepcopy(manifest), staging, SUITES_DIR, kept, helper,
                         timeout=timeout)


@task(name="quality", cache_policy=NO_CACHE)
def quality_task(checking: Held[Future[Any]]) -> Any:
    """The outcome of the validation `start_quality` began. A validation
    that is still running when this fails (an interrupt) is stopped by the
    flow, before it discards the release (`Units.stop_validation`)."""
    future = checking.value
    try:
        return future.result()
    except BaseException as e:
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
    # Called inside the async flow, where Prefect's functions would return a
    # coroutine: `_sync` asks for the blocking call.
    create_markdown_artifact(key=ARTIFACT_KEYS["summary"], markdown=report.artifact_markdown(tables, manifest, quality),
                             description=f"lakmoes release {release}", _sync=True)  # type: ignore[call-arg]
    create_table_artifact(key=ARTIFACT_KEYS["findings"], table=report.artifact_table(tables),
                          description=f"Findings by document and severity, release {release}",
                          _sync=True)  # type: ignore[call-arg]


@flow(name="lakmoes-release", log_prints=False, validate_parameters=False)
async def release_flow(paths: list[Path], options: RunOptions, pool: Units,
                       ahead: ReadAhead | None = None, progress: Progress | None = None) -> RunOutcome:
    """The release as a Prefect flow (`release`). Declared async only for
    Prefect's heartbeat thread: the engine of a sync flow joins it when the
    flow ends, and it sleeps in steps of a whole second, so every run
    waited 0 to 1 s for it; an async flow's engine stops it without
    waiting. The work blocks this flow's event loop, which nothing else
    uses: the tasks run in the task runner's threads.

    The tasks share one API client: the task runner hands each task this
    context, and without a client in it every task run made two of its
    own, each loading the CA bundle (about 40 ms of CPU a task)."""
    with SyncClientContext.get_or_create():
        return release(paths, options, pool, ahead, progress)


def release(paths: list[Path], options: RunOptions, pool: Units,
            ahead: ReadAhead | None = None, progress: Progress | None = None) -> RunOutcome:
    """Take a release from input files to a published, validated release
    directory. Returns the outcome; raises only on a failure of lakmoes
    itself, in which case nothing new is visible. Runs inside
    `release_flow`, whose tasks it submits."""
    started = dt.datetime.now(dt.UTC)
    shown: Progress = progress if progress is not None else Progress()
    inputs, refused = discover_task(paths, ahead)
    same = ahead is not None and ahead.paths == list(paths)
    if not same:  # `run` began the phase before the flow, with the reading ahead
        shown.phase("read", len(inputs))
    kept = ahead.kept if ahead is not None and same else kept_results(inputs, options, shown)
    # A display cannot travel to Dask workers: with them, the flow shows
    # each document as its result comes back.
    remote = isinstance(pool, InProcessUnits)
    in_task = Progress() if remote else shown
    todo = [i for i, inp in enumerate(inputs) if inp.sha256 not in kept]
    reading = [(batch, read_documents_task.submit(pool, batch_name([str(inputs[i].path) for i in batch]),
                                                  [inputs[i] for i in batch], options, ahead, in_task))
               for batch in batches(todo, options.workers)]
    read: dict[int, Read] = {}
    for batch, batch_read in reading:
        for i, got in zip(batch, batch_read.result(), strict=True):
            read[i] = got
            if remote:
                shown.advance("read", inputs[i].path.name, result_pages(got.result), got.work, _status(got.result))
    reads = [read[i] if i in read else Read(kept[inp.sha256], REUSED) for i, inp in enumerate(inputs)]
    results = [r.result for r in reads]
    work = [r.work for r in reads]
    if kept:
        get_run_logger().info("%d of %d input(s) taken from the results kept by earlier runs", len(kept), len(inputs))
    said: Counter[str] = Counter()  # the OCR engine's messages on the documents read in this run
    for r in reads:
        if r.work == COMPUTED:
            said.update(r.result.ocr_messages)
    # Documents with OCR text are corrected with the words of the whole
    # release's clean text, so they wait for every document to be read.
    lexicon = units.release_lexicon(results)
    lexicon_key = lexicon_digest(lexicon)
    pending = [i for i, r in enumerate(results) if r.pending]
    to_finish = []
    if pending:
        shown.phase("finish", len(pending))
        lexicons = LexiconStore.for_run(options)
        lexicons.put(lexicon_key, lexicon)
        known = ReleaseLexicon(lexicon, lexicon_key, lexicons)
        for i in pending:
            if (kept_result := kept_finish(results[i], known, options)) is not None:
                shown.advance("finish", Path(results[i].source_path).name, result_pages(results[i]), REUSED,
                              _status(kept_result))
                results[i] = kept_result
            else:
                to_finish.append(i)
    finishing = [(batch, finish_documents_task.submit(pool, batch_name([results[i].source_path for i in batch]),
                                                      Held([results[i] for i in batch]), Held(lexicon), lexicon_key,
                                                      options, in_task))
                 for batch in batches(to_finish, options.workers)]
    for batch, batch_finished in finishing:
        for i, result in zip(batch, batch_finished.result(), strict=True):
            if remote:
                shown.advance("finish", Path(results[i].source_path).name, result_pages(results[i]), COMPUTED,
                              _status(result))
            results[i] = result
            if work[i] == REUSED:
                work[i] = REFINISHED

    shown.phase("release", len(RELEASE_STEPS))
    quarantine = refused + [r.quarantine for r in results if r.quarantine] + [h for r in results for h in r.held]
    rows = publish.merged_rows(r.rows for r in results)
    release_held = publish.release_checks(rows)
    quarantine += release_held
    tables = publish.build_tables(rows, quarantine)
    records = publish.input_records(inputs, refused, results, release_held)
    shown.advance("release", "tables")

    out = options.out
    release_id = publish.new_release_id(started)
    staging = publish.stage(out, release_id)
    checking: Future[Any] | None = None
    try:
        manifest = publish.new_manifest(release_id, started, records, options, tables)
        previous = diff.previous_release(out)
        before = diff.previous_inputs(previous)
        note_work(manifest, {str(inp.path): w for inp, w in zip(inputs, work, strict=True)}, before, options)
        manifest["ocr_messages"] = dict(said.most_common())
        crops = start_crops(tables, options, pool)
        validations = QualityCache.for_run(options)
        key = quality_key(validations.version, tables, manifest)
        reused = None if options.full else validations.get(key, staging)
        if reused is None:
            suites = replace(SuiteCache.for_run(options), reuse=not options.full)
            checking = start_quality(pool, tables, manifest, staging, options.doc_timeout, suites)
        # Written, and the report's body rendered, while the quality process
        # validates the same tables.
        manifest["tables"] = publish.write_tables(tables, staging)
        diff.write_diff(staging, diff.release_diff(previous, before, manifest["inputs"], tables))
        body = report.render_body(report.body_context(tables, manifest, crops()))
        if checking is not None:
            quality = cast("QualityResult", quality_task(Held(checking)))
            validations.put(key, staging, quality)
        else:
            quality = cast("QualityResult", reused)
        manifest["quality"] = {**quality.summary, "reused": reused is not None}
        shown.advance("release", "quality", status="passed" if quality.ok else "failed")
        manifest["finished"] = dt.datetime.now(dt.UTC)
        publish.write_manifest(staging, manifest)
        report.write_report(staging, tables, manifest, quality, body=body)
        publish_artifacts(tables, manifest, quality)
        shown.advance("release", "report")
        # A run that published no document (a mistyped path, a folder of
        # bad files) must not move `latest` to an empty release.
        final = publish_task(staging, out, quality.ok and bool(tables["inputs"].num_rows))
        shown.advance("release", "publish", status=final.parent.name)
    except BaseException:
        if checking is not None:
            pool.stop_validation()  # no validation may write into the folder discarded next
        publish.discard(staging)
        raise

    done = outcome(quality.ok, quality.failed, tables["inputs"].num_rows, final, records, quarantine)
    done.ocr_messages = dict(said.most_common())
    return done


def start_crops(tables: dict[str, Any], options: RunOptions, pool: Units) -> Callable[[], report.Crops]:
    """The report's page crops: those kept by earlier runs, the others
    rendered in the document workers while the release is validated (the
    workers are idle then, the quality process busy). Returns the function
    that waits for them; new crops are kept (none are read with `--full`)."""
    store = CropCache.for_run(options)
    jobs, left_out = report.crop_jobs(tables)
    have = {} if options.full else {j.finding_id: c for j in jobs if (c := store.get(j.key)) is not None}
    rendering = [(j, pool.submit(report.render_crop, j, timeout=options.doc_timeout))
                 for j in jobs if j.finding_id not in have]

    def collect() -> report.Crops:
        crops: dict[str, report.Crop | str] = dict(have)
        for job, future in rendering:
            try:
                crop = pool.result(future, options.doc_timeout)
            except InputError as e:
                crop = f"page could not be rendered ({e.reason})"
            if isinstance(crop, report.Crop):
                store.put(job.key, crop)
            crops[job.finding_id] = crop
        return crops, left_out

    return collect


def note_work(manifest: dict[str, Any], work: dict[str, str], before: list[dict[str, Any]],
              options: RunOptions) -> None:
    """Per input in the manifest whether it was computed or reused, the
    inputs of the previous release that are gone, and the cache used."""
    for entry in manifest["inputs"]:
        if entry["path"] in work:
            entry["work"] = work[entry["path"]]
    manifest["work"] = dict(Counter(work.values()))
    manifest["removed"] = diff.removed_inputs(before, manifest["inputs"])
    manifest["cache"] = {"folder": str(cache_dir(options)), "version": version_key(options), "full": options.full}


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


def run(paths: list[Path], options: RunOptions, pool: WorkerPool | None = None,
        progress: Progress | None = None) -> RunOutcome:
    """Entry point for the CLI and tests: the flow with the embedded Prefect
    default (a temporary local server when no API is configured).

    The workers start, and start reading the documents, before the flow,
    while the temporary Prefect server starts in a process of its own. A
    caller that runs several releases may pass its own `pool`; otherwise
    the run makes one and closes it at the end. `progress` shows the run's
    phases (`flows/run/progress.py`); by default nothing is shown. With
    `options.dask` the documents go to a Dask cluster instead (`run_on_dask`)."""
    shown: Progress = progress if progress is not None else Progress()
    if options.dask:
        return run_on_dask(paths, options, shown)
    own = pool is None
    workers = pool if pool is not None else WorkerPool(options)
    readers = ThreadPoolExecutor(max_workers=max(2, options.workers * 2), thread_name_prefix="lakmoes-read")
    try:
        found = discover_inputs(paths)
        shown.phase("read", len(found[0]))
        kept = kept_results(found[0], options, shown)
        early = {inp.sha256: readers.submit(read_document, workers, inp, options, shown)
                 for inp in found[0] if inp.sha256 not in kept}
        task_runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=max(2, options.workers * 2))
        ahead = ReadAhead(paths, found, kept, early)
        # Prefect types task_runner by the futures it makes; ThreadPoolTaskRunner's do not match that generic.
        result = asyncio.run(release_flow.with_options(task_runner=task_runner)(  # type: ignore[arg-type]
            paths, options, workers, ahead, shown))
    except BaseException:
        if own:
            workers.close(now=True)
        raise
    finally:
        readers.shutdown(cancel_futures=True)
    if own:
        workers.close()
    return result


def dask_runner(address: str, workers: int) -> Any:
    """prefect-dask's task runner: the cluster at `address`, or with
    "local" a cluster of `workers` worker processes (one thread each:
    pdfminer.six is pure Python) on the loopback address, started for the
    run and closed with it."""
    from prefect_dask import DaskTaskRunner  # Dask is imported only for a run that asks for it

    if address == "local":
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                              "host": "127.0.0.1", "dashboard_address": None})
    return DaskTaskRunner(address=address)


def run_on_dask(paths: list[Path], options: RunOptions, progress: Progress) -> RunOutcome:
    """The flow with its document tasks on a Dask cluster (`--dask`). The
    workers read the inputs and the cache at the paths the run names: on a
    cluster of several machines those must be storage they all share."""
    assert options.dask is not None
    # The cluster's start and stop, worker by worker, are Dask's business:
    # its warnings still reach the console.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    return asyncio.run(release_flow.with_options(task_runner=dask_runner(options.dask, options.workers))(
        paths, options, InProcessUnits(), None, progress))
