"""Incremental runs: what a worker returned for an input, kept across runs
and processes, so that a rerun over an unchanged corpus reads, extracts,
OCRs, corrects and checks nothing again.

An entry is one input's `DocumentResult` (plain picklable data), under a
key made of

- the input's bytes (its sha256) and its path: the rows carry the path
  (`source_path`), so the same bytes under another name are worked again;
- the version key of the run: a hash of lakmoes' own source and data files
  (every `.py`, `.toml`, `.json` and template under `flows/` and `checks/`),
  of the versions of the libraries and of Tesseract whose output lands in
  the rows, and of the options that change results (`RESULT_OPTIONS`);
- for a document with OCR text, finished with the release lexicon (the
  words of the release's clean text, `units.release_lexicon`), a hash of
  that lexicon as well. Such a document keeps two entries: its "prepare"
  result (extracted, OCRed, split and classified; it does not depend on
  the rest of the release) and its "finish" result. When the release's
  clean text changes (a born-digital document added, changed or removed),
  an OCR document's latest "finish" result is kept for the new lexicon if
  its correction reads the same of it (`flows.run.flow.kept_finish`,
  against the lexicons of the last runs in `LexiconStore`); otherwise it
  is corrected, parsed and checked again from its kept "prepare" result,
  never OCRed again.

Only what a work unit returned is kept: a unit that timed out, crashed or
ran out of memory is tried again by the next run. Writes are atomic (a
temporary file renamed into place), so concurrent runs sharing the folder
see an entry whole or not at all; an entry that cannot be read is ignored,
recomputed and written again. Entries are pickles: the folder must be as
trusted as the code (it is lakmoes' own state folder, `DIR/.cache/` by
default).

A release's validation is kept the same way (`QualityCache`): when the
tables, the inputs and the day are those of a validation already made with
this code, its outcome and Data Docs are copied instead of validating
again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Self

import pyarrow as pa

import checks
import flows
from flows.model import DocumentResult, RunOptions
from flows.release.report import Crop

# RunOptions fields whose value changes a document's rows. The others
# (workers, time and memory limits, chunk size, the output and cache
# folders) change how the work runs, not what it returns.
RESULT_OPTIONS = ("allow_findings",)

# Libraries whose output lands in the rows or the validation: a new
# version may extract, OCR, recognise or validate differently.
LIBRARIES = ("pdfminer.six", "ocrmypdf", "pikepdf", "pypdfium2", "opencv-python-headless", "rapidfuzz", "wordfreq",
             "deduce", "python-stdnum", "phonenumbers", "charset-normalizer", "pillow", "numpy",
             "great-expectations", "pandas", "pyarrow")
SOURCE_SUFFIXES = {".py", ".toml", ".json", ".j2"}


@cache
def code_version() -> str:
    """A hash of lakmoes' source and data files, of the library versions in
    `LIBRARIES` and of the Tesseract binary's version; once per process."""
    h = hashlib.sha256()
    for package in (flows, checks):
        root = Path(next(iter(package.__path__)))
        for path in sorted(p for p in root.rglob("*") if p.suffix in SOURCE_SUFFIXES and "__pycache__" not in p.parts):
            h.update(f"{package.__name__}/{path.relative_to(root).as_posix()}\0".encode())
            h.update(path.read_bytes())
    for dist in LIBRARIES:
        try:
            h.update(f"{dist}={metadata.version(dist)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=absent\0".encode())
    h.update(tesseract_version().encode())
    return h.hexdigest()


def tesseract_version() -> str:
    """The first line of `tesseract --version`, or "absent"."""
    binary = shutil.which("tesseract")
    if binary is None:
        return "tesseract absent"
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "tesseract unknown"
    return (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else "tesseract unknown"


def version_key(options: RunOptions) -> str:
    """The code version and the options that change results, as one hash."""
    settings = "\0".join(f"{name}={getattr(options, name)!r}" for name in RESULT_OPTIONS)
    return hashlib.sha256(f"{code_version()}\0{settings}".encode()).hexdigest()


def lexicon_digest(lexicon: Counter[str]) -> str:
    """A hash of the release lexicon: its words and their counts."""
    h = hashlib.sha256()
    for word, count in sorted(lexicon.items()):
        h.update(f"{word}\t{count}\n".encode())
    return h.hexdigest()


def cache_dir(options: RunOptions) -> Path:
    """The cache folder: `--cache`, or `.cache/` in the output folder."""
    return options.cache_dir if options.cache_dir is not None else options.out / ".cache"


@dataclass(frozen=True)
class KeptStore:
    """What the runs of one version key keep, in `root/<version key>/<kind>/`:
    the base of the result, validation and crop caches."""

    root: Path
    version: str

    @classmethod
    def for_run(cls, options: RunOptions) -> Self:
        return cls(cache_dir(options), version_key(options))

    def folder(self, kind: str) -> Path:
        return self.root / self.version[:32] / kind


def _read_pickle(path: Path) -> Any:
    """The value pickled at `path`, or None when there is none or it cannot
    be read (a torn or foreign file: worked again and written again)."""
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except Exception:
        return None


def _write_atomically(target: Path, value: Any) -> None:
    """Pickle `value` to a temporary file renamed into place. A cache that
    cannot be written costs only the reuse, never the run."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)


class ResultCache(KeptStore):
    """The kept results of the workers, per input and phase."""

    def _path(self, phase: str, sha256: str, path: str, lexicon: str = "") -> Path:
        name = hashlib.sha256(f"{path}\0{lexicon}".encode()).hexdigest()[:32]
        return self.folder(phase) / sha256[:2] / f"{sha256}-{name}.pickle"

    def get(self, phase: str, sha256: str, path: str, lexicon: str = "") -> DocumentResult | None:
        """The kept result, or None when there is none or it cannot be read."""
        result = _read_pickle(self._path(phase, sha256, path, lexicon))
        if not isinstance(result, DocumentResult) or result.source_path != path:
            return None
        result.stage_seconds = {}  # nothing ran for it in this run
        return result

    def put(self, phase: str, sha256: str, path: str, result: DocumentResult, lexicon: str = "") -> None:
        """Keep a result (atomically: a temporary file renamed into place);
        one kept under a lexicon also becomes the input's latest (`latest`)."""
        _write_atomically(self._path(phase, sha256, path, lexicon), result)
        if lexicon:
            _write_atomically(self._path(f"{phase}-latest", sha256, path), lexicon)

    def latest(self, phase: str, sha256: str, path: str) -> DocumentResult | None:
        """The result kept last for this input under any lexicon, or None."""
        lexicon = _read_pickle(self._path(f"{phase}-latest", sha256, path))
        return self.get(phase, sha256, path, lexicon) if isinstance(lexicon, str) else None


class LexiconStore(KeptStore):
    """The release lexicons of the last runs, by digest: what a kept OCR
    correction read of its lexicon is compared with a new lexicon through
    the words that differ between the two (`flows.run.flow.kept_finish`).
    Only the last `KEPT_LEXICONS` are kept: a document whose correction
    was last checked against an older one is corrected again."""

    KEPT_LEXICONS = 4

    def _path(self, key: str) -> Path:
        return self.folder("lexicons") / f"{key}.pickle"

    def get(self, key: str) -> Counter[str] | None:
        value = _read_pickle(self._path(key))
        return value if isinstance(value, Counter) else None

    def put(self, key: str, lexicon: Counter[str]) -> None:
        path = self._path(key)
        if path.exists():
            os.utime(path)  # still in use: the newest are the ones kept
            return
        _write_atomically(path, lexicon)
        kept = sorted(self.folder("lexicons").glob("*.pickle"), key=lambda f: f.stat().st_mtime, reverse=True)
        for old in kept[self.KEPT_LEXICONS:]:
            old.unlink(missing_ok=True)


def table_digest(table: pa.Table) -> str:
    """A checksum of a table's schema and content: its Arrow IPC stream.
    Taken from the table in memory, so that the validation can begin
    before the table files are written. The stream also follows the
    table's chunks: equal content in other chunks only misses a kept
    validation (`publish.build_tables` makes one chunk per table)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def quality_key(version: str, tables: dict[str, pa.Table], manifest: dict[str, Any]) -> str:
    """What a release's validation depends on: the code and suites (the
    version key), every table's schema and content (`table_digest`), the
    manifest's inputs and the release's day (suites compare dates with
    it). Equal keys validate to equal outcomes."""
    digests = {name: table_digest(table) for name, table in sorted(tables.items())}
    inputs = sorted((i.get("path"), i.get("sha256"), i.get("status"), i.get("reason")) for i in manifest["inputs"])
    started = manifest["started"]
    day = started.date().isoformat() if isinstance(started, dt.datetime) else str(started)[:10]
    return hashlib.sha256(json.dumps([version, digests, inputs, day]).encode()).hexdigest()


class QualityCache(KeptStore):
    """Validation outcomes kept by `quality_key`: the result, `quality.json`
    and the Data Docs, so that a rerun whose tables did not change does not
    validate them again (Great Expectations is most of a warm run's cost)."""

    def _folder(self, key: str) -> Path:
        return self.folder("quality") / key

    def get(self, key: str, staging: Path) -> Any:
        """The kept outcome, its files copied into `staging`; None when
        there is none or it cannot be read."""
        folder = self._folder(key)
        try:
            with (folder / "result.pickle").open("rb") as f:
                result = pickle.load(f)
            shutil.copytree(folder / "quality", staging / "quality")
            shutil.copy2(folder / "quality.json", staging / "quality.json")
        except Exception:  # none kept, or torn: validated again
            shutil.rmtree(staging / "quality", ignore_errors=True)
            return None
        return result

    def put(self, key: str, staging: Path, result: Any) -> None:
        """Keep an outcome with its files (a folder renamed into place); a
        cache that cannot be written costs only the reuse."""
        target = self._folder(key)
        tmp = target.with_name(f".{key}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            tmp.mkdir(parents=True)
            shutil.copytree(staging / "quality", tmp / "quality")
            shutil.copy2(staging / "quality.json", tmp / "quality.json")
            with (tmp / "result.pickle").open("wb") as f:
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)


@dataclass(frozen=True)
class SuiteCache(KeptStore):
    """Each quality suite's outcome, kept by `checks.quality.validate.suite_key`
    (its rules, the parameters they read, its frame's content): a release
    whose tables changed in part validates again only the suites whose
    frame changed. Handed to the quality process, which reads and writes
    it. `reuse=False` (`--full`): nothing is read, every outcome is kept
    anew."""

    reuse: bool = True

    def _path(self, key: str) -> Path:
        return self.folder("quality-suites") / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> Any:
        return _read_pickle(self._path(key)) if self.reuse else None

    def put(self, key: str, value: Any) -> None:
        _write_atomically(self._path(key), value)


class CropCache(KeptStore):
    """The report's page crops of findings, kept by `report.crop_key`:
    rendering a page is most of the report's cost when many documents have
    findings."""

    def _path(self, key: str) -> Path:
        return self.folder("crops") / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> Crop | None:
        crop = _read_pickle(self._path(key))
        return crop if isinstance(crop, Crop) else None

    def put(self, key: str, crop: Crop) -> None:
        _write_atomically(self._path(key), crop)
