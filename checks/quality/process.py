"""The start of a process that validates releases: Great Expectations
imported once per process, without what lakmoes' suites never use.

Kept apart from `validate.py` so that the run's process can name
`prepare_process` as its quality processes' start without importing
pandas itself.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType

# Modules Great Expectations imports at its own import for an expectation no
# suite here uses (the KL divergence one needs scipy.stats): most of a second
# of the quality step's start. They are made lazy, loaded on first use, so a
# suite that does use them still works.
DEFERRED_MODULES = ("scipy.stats",)
# Great Expectations' SQL support is an optional extra that lakmoes does not
# use (it validates pandas frames), but it loads whenever SQLAlchemy is
# installed, and Prefect brings SQLAlchemy along: a fifth of the import
# (0.35 s). A quality process imports Great Expectations as if the extra
# were absent, which it supports. Not in the run's own process, where
# Prefect may need SQLAlchemy.
ABSENT_IN_QUALITY_PROCESS = ("sqlalchemy",)


def _defer(name: str) -> None:
    """Put a lazy module for `name` in `sys.modules` and on its parent
    package. On the parent too: `from scipy import stats` finds the
    attribute there; through the import system it would look at the
    module's `__spec__`, and that look alone loads a lazy module."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(importlib.import_module(parent), child, module)


def prepare_process() -> None:
    """The start of a process that validates (the run's quality processes
    import Great Expectations while the documents are read), without
    SQLAlchemy (see ABSENT_IN_QUALITY_PROCESS). Great
    Expectations makes a (disabled) tqdm bar per validation, and tqdm's
    default lock is a multiprocessing semaphore: when the pool stops the
    process, the semaphore is left registered and Python warns of a leak at
    exit. One process needs a thread lock only."""
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())
    # No monitor thread either: the process stays single-threaded, so it
    # can fork a helper to validate with (`checks.quality.share`).
    tqdm.monitor_interval = 0
    for name in ABSENT_IN_QUALITY_PROCESS:
        # None in sys.modules: Python's way of saying "not installed" to `import`.
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    import_great_expectations()
    importlib.import_module("checks.quality.validate")  # and pandas, for the frames


def import_great_expectations() -> ModuleType:
    """Great Expectations, imported once per process with the modules of
    `DEFERRED_MODULES` deferred."""
    if "great_expectations" not in sys.modules:
        for name in DEFERRED_MODULES:
            _defer(name)
    return importlib.import_module("great_expectations")
