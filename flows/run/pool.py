"""The worker processes of a run: the executor seam.

A run hands every work unit (`flows/run/units.py`) to a `WorkerPool` and
waits on the future it returns; the flow never creates processes itself.
On a Dask cluster (`--dask`) the flow's document tasks run on the Dask
workers and hand their units to `InProcessUnits` there: the same
`submit`, `result`, `validate` and `close`, run in the worker's process.

The pool is an object owned by whoever runs the release (`run` makes one
per run; a caller that runs several releases, such as the tests or a
server, may keep one for all of them). Nothing of it lives in module or
class variables, except the forkserver its document workers are forked
from: there is one per process (multiprocessing's), started by the first
pool that needs workers, and it keeps what it loaded and the environment
it started with (`LAKMOES_SALT`, the state folder) for the process's
lifetime. A `lakmoes run` is one process; `lakmoes serve` runs each flow
in a process of its own.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from types import TracebackType
from typing import Any

from pebble import ProcessExpired, ProcessPool

from checks.quality.process import prepare_process
from flows.model import RunOptions
from flows.model.errors import InputError, TooManyPages
from flows.run.units import start_worker, where


class WorkerPool:
    """Document workers (pebble, one process per core: pdfminer.six is pure
    Python, threads do not help it) and the quality step's process.

    pebble gives every work unit a time limit and kills a worker that
    exceeds it, so a hostile PDF cannot stall the run; it replaces a worker
    that died. No worker is forked from the run's process: forking a
    process that runs Prefect's threads can copy a held lock into the child
    and hang it. The quality process is spawned; the document workers are
    forked from a forkserver, a fresh process without Prefect that loads
    what every worker needs once (`flows/run/preload.py`)."""

    # Slots, not a __dict__: Prefect stores a flow's parameters, and an
    # object it cannot take apart is stored as its type name only, instead
    # of Prefect walking into the process pools.
    __slots__ = ("_documents", "_lock", "_options", "_quality", "units_run")

    def __init__(self, options: RunOptions):
        self._lock = threading.Lock()
        # The quality step imports Great Expectations at once, while the
        # documents are read: in the run's process the import would hold
        # the interpreter lock that Prefect's start needs. One process: a
        # second one's import slowed the run's start more than its half of
        # the validation saved (measured).
        self._quality: ProcessPool | None = None
        self._validator()
        # The document workers start with the first work unit: a rerun that
        # takes every document from the cache starts none, and their
        # warm-up does not compete with the quality process's import.
        self._options = options
        self._documents: ProcessPool | None = None
        # Work units handed to the document workers: the cache's evidence
        # (a rerun over an unchanged corpus hands them none).
        self.units_run = 0

    def _workers(self) -> ProcessPool:
        """The document workers (started by the first unit), counting the unit."""
        with self._lock:
            if self._documents is None:
                # One forkserver per process, started here: the workers it
                # forks later have the environment it started with.
                forkserver = multiprocessing.get_context("forkserver")
                forkserver.set_forkserver_preload(["flows.run.preload"])
                self._documents = ProcessPool(max_workers=self._options.workers, initializer=start_worker,
                                              initargs=(self._options.memory_limit_mb,), context=forkserver)
            self.units_run += 1
            return self._documents

    @property
    def worker_count(self) -> int:
        """The document workers a run may have (one per core by default)."""
        return self._options.workers

    def submit(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Future[Any]:
        """Run a work unit in a document worker; killed after `timeout` seconds."""
        return self._workers().schedule(fn, args=args, timeout=timeout)

    def run(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        return self.result(self.submit(fn, *args, timeout=timeout), timeout)

    @staticmethod
    def result(future: Future[Any], timeout: float) -> Any:
        """A work unit's result; a unit killed for its time, a dead worker or
        exhausted memory quarantine the document with that reason."""
        try:
            return future.result()
        except FutureTimeout as e:
            raise InputError("timed out", f"no result after {timeout:.0f} s (see --doc-timeout)") from e
        except ProcessExpired as e:
            raise InputError("worker crashed", f"the worker process died (exit code {e.exitcode})") from e
        except MemoryError as e:
            raise InputError("out of memory", "the document needs more memory than a worker may use") from e
        except (InputError, TooManyPages):
            raise
        except Exception as e:
            raise InputError("failed", where(e)) from e

    def _validator(self) -> ProcessPool:
        """The quality process, started (and its import begun) when there is none."""
        with self._lock:
            if self._quality is None:
                self._quality = ProcessPool(max_workers=1, initializer=prepare_process,
                                            context=multiprocessing.get_context("spawn"))
                self._quality.schedule(prepare_process)
            return self._quality

    def validate(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Future[Any]:
        """Run the quality step in its own process (pebble replaces it if it died)."""
        return self._validator().schedule(fn, args=args, timeout=timeout)

    def stop_validation(self) -> None:
        """Kill the quality process and wait until it is gone. Cancelling a
        running validation only marks it: pebble kills its process a moment
        later, while the run that failed would already be discarding the
        folder it writes into. The next validation starts a new process."""
        with self._lock:
            quality, self._quality = self._quality, None
        if quality is not None:
            quality.stop()
            quality.join()

    def close(self, now: bool = False) -> None:
        """Stop both pools; `now` kills the workers (the run failed, and
        queued work must not keep the process alive)."""
        for pool in (self._documents, self._quality):
            if pool is None:
                continue
            if now:
                pool.stop()
            else:
                pool.close()
            pool.join()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close(now=kind is not None)


class InProcessUnits:
    """The executor seam on a Dask cluster (`--dask`): the flow's document
    tasks run on the Dask workers (through prefect-dask), and each runs its
    work units right there, in the worker's own process. It holds nothing,
    so it travels to the workers with the task.

    Dask, not pebble, runs the processes then: a unit has no time limit of
    its own (a worker that dies is Dask's to replace and the document's
    task fails), and the quality step runs in the run's process."""

    __slots__ = ()  # see WorkerPool

    def submit(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as e:
            future.set_exception(e)
        return future

    def run(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        return self.result(self.submit(fn, *args, timeout=timeout), timeout)

    @staticmethod
    def result(future: Future[Any], timeout: float) -> Any:
        return WorkerPool.result(future, timeout)

    def validate(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Future[Any]:
        """The quality step, run in this process when its outcome is asked
        for: inside the flow's quality task, where an interrupt stops it."""
        return _WhenAsked(fn, args)

    def stop_validation(self) -> None:
        """Nothing runs until asked for (`validate`)."""

    def close(self, now: bool = False) -> None:
        """Nothing to stop: the cluster is the Dask runner's."""


class _WhenAsked(Future[Any]):
    """A future whose function runs in the caller's thread at the first
    `result()`."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]):
        super().__init__()
        self._call: tuple[Callable[..., Any], tuple[Any, ...]] | None = (fn, args)

    def result(self, timeout: float | None = None) -> Any:
        if self._call is not None:
            fn, args = self._call
            self._call = None
            try:
                self.set_result(fn(*args))
            except BaseException as e:
                self.set_exception(e)
        return super().result(timeout)


# Where a run's work units go: its own worker processes, or a Dask worker.
Units = WorkerPool | InProcessUnits
