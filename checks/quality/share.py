"""Work shared with a forked helper: the quality process validates a
release's suites with a copy of itself on the other core.

The quality process has Great Expectations imported and the release's
frames built; a second process would import it again (seconds), a fork
shares both for nothing. Each process takes the next job from a pipe as
soon as it is free, so a slow suite does not leave the other core idle
behind a fixed split. Linux and single-threaded processes only: a fork
copies no thread but the caller, and a lock another thread held stays held
in the copy.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

R = TypeVar("R")
TOKEN = struct.Struct("<I")  # one job index per read; pipe reads this small are atomic
PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    """A fork is safe here: Linux (the helper dies with its parent) and no
    other thread in this process."""
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def _die_with_parent(parent: int) -> None:
    """Kill the helper when the quality process dies (killed for its time
    limit, or stopped by a failing run): it must not outlive the run."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # died before the request was made
        os._exit(1)


def _taken(fd: int) -> Iterator[int]:
    """Job indices from the shared pipe until it is empty."""
    while len(token := os.read(fd, TOKEN.size)) == TOKEN.size:
        yield TOKEN.unpack(token)[0]


def _read_all(fd: int) -> bytes:
    parts = []
    while chunk := os.read(fd, 1 << 20):
        parts.append(chunk)
    return b"".join(parts)


def shared(count: int, work: Callable[[Iterator[int]], dict[int, R]], helper: bool = True) -> dict[int, R]:
    """The results of jobs 0..count-1, by index. `work` does the jobs whose
    indices it takes from the iterator it is given and returns their
    results by index; it runs here and, with `helper` (and `can_fork`), at
    the same time in a forked copy of this process. A helper that fails or
    dies takes nothing with it: the jobs it did not return are done here,
    so an error in one of them is raised here, as without a helper."""
    if not helper or count < 2 or not can_fork():
        return work(iter(range(count)))
    jobs_r, jobs_w = os.pipe()
    os.write(jobs_w, b"".join(TOKEN.pack(i) for i in range(count)))
    os.close(jobs_w)  # empty after the last job: both readers stop there
    back_r, back_w = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the helper: its results back, then gone without any cleanup of the parent's
        status = 1
        try:
            os.close(back_r)
            _die_with_parent(parent)
            data = pickle.dumps(work(_taken(jobs_r)), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(back_w, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(back_w)
    try:
        try:
            results = work(_taken(jobs_r))
        except BaseException:
            os.kill(pid, signal.SIGKILL)  # the run fails: the helper's jobs are wasted work
            raise
        theirs: dict[int, R] = {}
        with contextlib.suppress(Exception):  # a helper that died mid-way leaves a truncated pickle
            theirs = pickle.loads(_read_all(back_r))
    finally:
        os.close(jobs_r)
        os.close(back_r)
        os.waitpid(pid, 0)
    results.update(theirs)
    left = [i for i in range(count) if i not in results]
    if left:
        results.update(work(iter(left)))
    return results
