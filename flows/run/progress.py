"""What a run shows while it works: on a terminal a progress bar per phase
(documents and pages done, rate, time left), elsewhere (schedules, CI,
a log file) one plain `key=value` line per event, and nothing with
`--quiet`.

The phases are those of the flow: `read` (every input: taken from the
cache, or extracted, OCRed and prepared), `finish` (the documents with
OCR text, once the release lexicon is known) and `release` (tables,
quality, report, publish).

Prefect's own flow and task lines say the same things one by one; while
lakmoes shows its progress they go to the Prefect API (the UI's run log)
only, and only their warnings and errors also reach the console
(`console_filter`).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import Counter
from typing import TextIO

from flows.model import DocumentResult

PHASES = {"read": "reading documents", "finish": "finishing OCR documents", "release": "release steps"}


def result_pages(result: DocumentResult) -> int:
    """The PDF pages a result covers (a text input has none)."""
    if result.pending is not None:
        return len(result.pending.pages)
    return len(result.rows.get("pages", []))


class Progress:
    """Shows nothing: `--quiet`, and runs started from Python. The
    displays below override its methods."""

    __slots__ = ()  # see WorkerPool: Prefect stores a parameter it cannot take apart by its type name only

    def phase(self, name: str, total: int) -> None:
        """A phase begins with `total` items (documents, or release steps)."""

    def advance(self, name: str, item: str, pages: int = 0, work: str = "", status: str = "") -> None:
        """One item of the phase is done."""

    def close(self) -> None:
        """The run is over: the display is taken down."""

    def __reduce__(self) -> tuple[type[Progress], tuple[()]]:
        """A display travels (to a Dask worker, with the flow run's
        parameters) as the silent kind: it can show nothing from there."""
        return Progress, ()


class _Tally:
    """Counts and rates of one phase."""

    __slots__ = ("done", "pages", "started", "total", "work")

    def __init__(self, total: int):
        self.total, self.done, self.pages = total, 0, 0
        self.work: Counter[str] = Counter()
        self.started = time.monotonic()

    def add(self, pages: int, work: str) -> None:
        self.done += 1
        self.pages += pages
        if work:
            self.work[work] += 1

    def rate(self) -> float:
        """Pages per second (documents per second when no page was counted)."""
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return (self.pages or self.done) / elapsed

    def left(self) -> float:
        elapsed = time.monotonic() - self.started
        return elapsed / self.done * (self.total - self.done) if self.done else float("nan")


class LogLines(Progress):
    """One `lakmoes key=value ...` line per event on standard error, for
    logs that are read later: no cursor movement, no colour."""

    __slots__ = ("_lock", "_stream", "_tallies")

    def __init__(self, stream: TextIO | None = None):
        self._stream = stream if stream is not None else sys.stderr
        self._lock = threading.Lock()
        self._tallies: dict[str, _Tally] = {}

    def _line(self, **fields: object) -> None:
        text = " ".join(f"{k}={_value(v)}" for k, v in fields.items() if v not in ("", None))
        print(f"lakmoes {text}", file=self._stream, flush=True)

    def phase(self, name: str, total: int) -> None:
        with self._lock:
            self._tallies[name] = _Tally(total)
            self._line(event="phase", phase=name, total=total)

    def advance(self, name: str, item: str, pages: int = 0, work: str = "", status: str = "") -> None:
        with self._lock:
            tally = self._tallies.setdefault(name, _Tally(0))
            tally.add(pages, work)
            unit = "pages/s" if tally.pages else "items/s"
            self._line(event="done", phase=name, n=f"{tally.done}/{tally.total}", item=item, pages=pages or "",
                       work=work, status=status, rate=f"{tally.rate():.2f}{unit}", left=f"{tally.left():.0f}s")
            if tally.done == tally.total:
                self._end(name)

    def _end(self, name: str) -> None:
        tally = self._tallies.pop(name)
        self._line(event="phase-end", phase=name, done=tally.done, pages=tally.pages,
                   seconds=f"{time.monotonic() - tally.started:.1f}", **{k: v for k, v in sorted(tally.work.items())})

    def close(self) -> None:
        with self._lock:
            for name in list(self._tallies):  # phases a failed run left unfinished
                self._end(name)


def _value(v: object) -> str:
    text = str(v)
    return f'"{text}"' if any(c.isspace() for c in text) or not text else text


class Bars(Progress):
    """rich progress bars on standard error, one per phase."""

    __slots__ = ("_bars", "_lock", "_tallies", "_tasks")

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._bars = Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.fields[detail]}"), TimeRemainingColumn(),
                              console=Console(stderr=True), transient=False)
        self._tasks: dict[str, object] = {}
        self._tallies: dict[str, _Tally] = {}
        self._lock = threading.Lock()
        self._bars.start()

    def phase(self, name: str, total: int) -> None:
        with self._lock:
            self._tallies[name] = _Tally(total)
            self._tasks[name] = self._bars.add_task(PHASES.get(name, name), total=total, detail="")

    def advance(self, name: str, item: str, pages: int = 0, work: str = "", status: str = "") -> None:
        with self._lock:
            tally = self._tallies.setdefault(name, _Tally(0))
            tally.add(pages, work)
            if name not in self._tasks:
                self._tasks[name] = self._bars.add_task(PHASES.get(name, name), total=None, detail="")
            reused = f", {tally.work['reused']} reused" if tally.work["reused"] else ""
            pages_text = f"{tally.pages} pages, {tally.rate():.1f} pages/s" if tally.pages else item
            self._bars.update(self._tasks[name], advance=1, detail=f"{pages_text}{reused}")  # type: ignore[arg-type]

    def close(self) -> None:
        self._bars.stop()


def make_progress(quiet: bool, stream: TextIO | None = None) -> Progress:
    """Bars on a terminal, log lines elsewhere, nothing when quiet."""
    if quiet:
        return Progress()
    stream = stream if stream is not None else sys.stderr
    return Bars() if stream.isatty() else LogLines(stream)


# The `extra` of a run-log record that the command's closing lines say
# again (a quarantined document): the console shows it once, there.
SAID_AT_THE_END = {"lakmoes_said_at_the_end": True}


class _PrefectBelow(logging.Filter):
    """Drops the records of Prefect's loggers below a level, and those the
    command repeats in its closing lines."""

    def __init__(self, level: int):
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.name == "prefect" or record.name.startswith("prefect.")):
            return True
        return record.levelno >= self.level and not getattr(record, "lakmoes_said_at_the_end", False)


def console_filter(level: int) -> logging.Filter:
    """Keep Prefect's lines below `level` off the console (they still reach
    the Prefect API, so the UI's run log has them): lakmoes' own progress
    says what they say. Attached to the console handlers Prefect set up,
    for the rest of the process (the command's run)."""
    from prefect.logging.handlers import PrefectConsoleHandler  # importing prefect configures its logging

    below = _PrefectBelow(level)
    for handler in _console_handlers(PrefectConsoleHandler):
        handler.addFilter(below)
    return below


def _console_handlers(kind: type) -> list[logging.Handler]:
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in ("prefect", "uvicorn", "fastapi"))]
    return [h for lg in loggers for h in lg.handlers if isinstance(h, kind)]
