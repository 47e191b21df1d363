"""What a run is told (`RunOptions`, from the CLI's flags) and what a
per-document stage is given besides the document (`StageContext`)."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunOptions:
    """What a run may be told; the CLI maps its flags onto this."""

    out: Path = Path("published")
    allow_findings: bool = False
    workers: int = max(1, os.cpu_count() or 1)
    doc_timeout: float = 900.0  # seconds per work unit before it is killed
    chunk_pages: int = 40  # a PDF with more pages is extracted in chunks in parallel
    memory_limit_mb: int = 6144  # address-space limit of a worker process
    # Incremental runs (flows/run/cache.py): where results are kept across
    # runs (None: DIR/.cache), and whether to ignore what is kept there.
    cache_dir: Path | None = None
    full: bool = False
    # A Dask scheduler's address, or "local" for a local cluster; None:
    # the run's own worker processes (flows/run/pool.py).
    dask: str | None = None


@dataclass(frozen=True)
class StageContext:
    """The run's options and, once every document of the release has been
    read, the release lexicon: the words of its clean parts, which the
    corrector uses as evidence for the OCR parts."""

    options: RunOptions
    release_lexicon: Counter[str] | None = None
    # Its digest (`flows.run.cache.lexicon_digest`), recorded with what the
    # corrector read of it; "" when there is none.
    release_lexicon_key: str = ""
