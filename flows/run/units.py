"""The work units a worker process runs: one whole document, or a chunk of
pages of a large PDF, through the stages of `flows/run/stages.py`. Plain
functions of plain data: they never talk to Prefect, and what they return
is rows, never layout objects."""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from checks.text.pii.scan import scan as scan_personal_data
from flows.model import (
    Document,
    DocumentResult,
    Page,
    QuarantineEntry,
    RunOptions,
    StageContext,
)
from flows.model.errors import InputError, PdfError, TooManyPages
from flows.release.rows import document_rows, held_document_rows
from flows.run.stages import Stage, phase
from flows.stages import ingest
from flows.stages.correct.stage import clean_lexicon

HELD_BACK = "held back: high-severity redaction findings"
HELD_BACK_PART = "document held back: high-severity redaction findings"


def held_detail(doc: Document, index: int, why: str) -> str:
    """Which document of a bundle was held back (its pages, for a PDF) and why."""
    part = doc.parts[index]
    pages = [p.number for p in doc.pages_of(part)]
    where = f"document {index} ({part.document_type or part.kind}" + (f", pages {min(pages)}-{max(pages)})" if pages else ")")
    return f"{where}: {why}"


def quarantined(path: Path | str, doc_id: str | None, e: InputError, stage: str) -> DocumentResult:
    return DocumentResult(str(path), doc_id, quarantine=QuarantineEntry(str(path), e.reason, stage, e.detail, doc_id))


def _run_stages(doc: Document, stages: tuple[Stage, ...], ctx: StageContext) -> DocumentResult | None:
    """Run stages in order; a failure quarantines this document only, named
    by its stage."""
    for stage in stages:
        assert stage.run is not None, f"{stage.name} is not a per-document stage"
        started = time.perf_counter()
        try:
            stage.run(doc, ctx)
            doc.stage_seconds[stage.name] = time.perf_counter() - started
        except Exception as e:
            return quarantined(doc.path, doc.id, InputError(f"{stage.name} failed", where(e)), stage.name)
    return None


def prepare(doc: Document, options: RunOptions) -> DocumentResult:
    """The stages that need only the document itself. A document without
    OCR text is finished at once; one with OCR text is returned pending."""
    if failed := _run_stages(doc, phase("prepare"), StageContext(options)):
        return failed
    lexicon = clean_lexicon(doc)
    if any(p.ocr_like for p in doc.parts):
        return DocumentResult(doc.path, doc.id, lexicon=lexicon, pending=doc, status="pending",
                              stage_seconds=dict(doc.stage_seconds))
    result = finish(doc, options, None)
    result.lexicon = lexicon
    return result


def release_lexicon(results: list[DocumentResult]) -> Counter[str]:
    """The words of every clean part of the release, for the corrector.
    Counted into one Counter: adding Counters makes a new one per document,
    a copy of the whole lexicon each time."""
    words: Counter[str] = Counter()
    for r in results:
        words.update(r.lexicon)
    return words


def finish(doc: Document, options: RunOptions, release_lexicon: Counter[str] | None,
           lexicon_key: str = "") -> DocumentResult:
    """Correct, parse, check; the gate decides at the end whether the
    document is published. `lexicon_key` is the release lexicon's digest."""
    if failed := _run_stages(doc, phase("finish"), StageContext(options, release_lexicon, lexicon_key)):
        return failed
    if doc.held_back:
        result = DocumentResult(doc.path, doc.id, rows=held_document_rows(doc), status="quarantined",
                                quarantine=QuarantineEntry(doc.path, HELD_BACK, "gate", doc.held_back, doc.id))
    else:
        allowed = any(f.get("allowed") for f in doc.rows.get("findings", []))
        status = ("published_with_held_parts" if doc.held_parts
                  else "published_with_findings" if allowed else "published")
        ids = doc.document_ids() if doc.held_parts else {}
        result = DocumentResult(doc.path, doc.id, rows=document_rows(doc, status), status=status,
                                held=[QuarantineEntry(doc.path, HELD_BACK_PART, "gate", held_detail(doc, i, why), doc.id,
                                                      ids[i])
                                      for i, why in sorted(doc.held_parts.items())])
    result.stage_seconds = dict(doc.stage_seconds)
    result.lexicon_use = doc.lexicon_use
    return result


def where(e: BaseException) -> str:
    """The exception's type and where it was raised, without its message:
    a message can quote the document's text, personal data included."""
    tb = traceback.extract_tb(e.__traceback__)
    frame = tb[-1] if tb else None
    place = f" at {Path(frame.filename).name}:{frame.lineno} ({frame.name})" if frame else ""
    return f"{type(e).__name__}{place}"


def work_unit(stage: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Make a function run in a worker raise InputError only: an unexpected
    exception becomes "<stage> failed" with the place it was raised, found
    here, where its traceback still is. Re-raised in the parent it would
    only point into the process pool's own code."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except (InputError, TooManyPages, MemoryError):
                raise
            except Exception as e:
                raise InputError(f"{stage} failed", where(e)) from None

        return run

    return wrap


class _Count(logging.Handler):
    def __init__(self, counts: Counter[str]):
        super().__init__(logging.WARNING)
        self.counts = counts

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.getMessage()[:200]] += 1


@contextlib.contextmanager
def ocr_messages() -> Iterator[Counter[str]]:
    """Catch what OCRmyPDF and Tesseract (through OCRmyPDF's log) report
    while a unit runs, counted by message, instead of letting it reach the
    worker's standard error line by line; the run sums it up. A worker runs
    one unit at a time, so the handler sees only this unit's messages."""
    counts: Counter[str] = Counter()
    logger = logging.getLogger("ocrmypdf")
    handler, propagate = _Count(counts), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield counts
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


@work_unit("read")
def process_input(inp: ingest.Input, options: RunOptions, max_pages: int | None = None) -> DocumentResult:
    """One whole document: read, extract, prepare (and finish, unless it
    waits for the release lexicon). A PDF of more than `max_pages` pages
    raises TooManyPages, for the run to extract it in chunks."""
    with ocr_messages() as said:
        try:
            doc = ingest.read_document(inp, max_pages)
        except InputError as e:
            # A PDF pdfminer cannot open or walk is refused by the extract stage.
            return quarantined(inp.path, inp.sha256, e, "extract" if isinstance(e, PdfError) else "ingest")
    result = prepare(doc, options)
    result.ocr_messages = dict(said)
    return result


@work_unit("extract")
def extract_chunk(inp: ingest.Input, first: int, last: int) -> tuple[list[Page], dict[str, int]]:
    """Pages first..last of a large PDF (raises InputError), and what the
    OCR engine reported on them."""
    from flows.stages.extract import pdf  # pdfminer is imported only when a PDF comes

    with ocr_messages() as said:
        pages = pdf.extract_pages(inp.path, first, last)
    return pages, dict(said)


@work_unit("prepare")
def prepare_pages(inp: ingest.Input, pages: list[Page], said: dict[str, int], options: RunOptions) -> DocumentResult:
    """`prepare` for a PDF whose pages were extracted in chunks (`said`:
    what the OCR engine reported on them)."""
    doc = Document(id=inp.sha256, path=str(inp.path), size=inp.size, media_type=inp.media_type)
    ingest.attach_pages(doc, pages)
    doc.text = doc.raw_text
    result = prepare(doc, options)
    result.ocr_messages = said
    return result


def warm_up() -> None:
    """Load what every document needs (PDF backend, name lists), not
    inside the first document's time. The corrector (a second of loading)
    waits for the first document with OCR text: a release of born-digital
    documents never needs it."""
    try:
        from flows.stages.extract import pdf  # noqa: F401 - imported for its start-up cost

        scan_personal_data("Warm-up met Jan de Vries, j.devries@example.nl.")
    except Exception:  # a warm-up that fails leaves the loading to the first document
        pass
    # What is loaded now lives as long as the process: out of the
    # collector's sight, a full collection no longer walks the name lists.
    gc.freeze()


def start_worker(limit_mb: int) -> None:
    """Worker initialiser: limit memory, then warm up (in a worker forked
    from the forkserver, `flows/run/preload.py`, everything is loaded
    already and this costs milliseconds)."""
    limit_memory(limit_mb)
    warm_up()


def limit_memory(limit_mb: int) -> None:
    """A hostile file (a decompression bomb) then fails with MemoryError in
    its own worker instead of starving the machine."""
    import resource

    limit = limit_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def chunks(page_count: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size - 1, page_count)) for a in range(1, page_count + 1, size)]
