"""The stages of lakmoes as plain functions, and the per-document work unit
that runs them in a worker process.

    ingest -> extract -> normalise -> split -> detect-ocr  (prepare)
    -> correct -> parse -> markers -> checks -> gate     (finish)
    -> tables -> quality -> publish           (per release, in the flow)

Each per-document stage is `stage(doc, ctx) -> None` and is listed by name
in `PREPARE` or `FINISH`, so an error names the stage that failed and the
document is quarantined with it. `FINISH` waits, for documents with OCR
text, until every document of the release has been read: the release's
clean text is the corrector's lexicon. Orchestration (which process runs what, Prefect)
lives in `flows/release_flow.py`; nothing here knows about Prefect.
"""

from __future__ import annotations

import functools
import os
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checks import boxes, gate, memo_checks, removals
from flows import correct, ingest
from flows.model import Document, Edit, Page, Part, QuarantineEntry
from flows.normalise import normalise
from flows.parse_kamervragen import parse_kamervragen
from flows.parse_memo import parse_memo
from flows.split import split


@dataclass(frozen=True)
class RunOptions:
    """What a run may be told; the CLI maps its flags onto this."""

    out: Path = Path("published")
    allow_findings: bool = False
    workers: int = max(1, os.cpu_count() or 1)
    doc_timeout: float = 900.0  # seconds per work unit before it is killed
    chunk_pages: int = 40  # a PDF with more pages is extracted in chunks in parallel
    memory_limit_mb: int = 6144  # address-space limit of a worker process


@dataclass
class DocumentResult:
    """What a worker sends back: plain rows, never layout objects."""

    source_path: str
    document_id: str | None
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    quarantine: QuarantineEntry | None = None
    status: str = "published"
    # Words of the document's clean parts: the release lexicon for OCR
    # correction is the sum of these over every document of the release.
    lexicon: Counter[str] = field(default_factory=Counter)
    # A document with OCR text waits, extracted and split, until the release
    # lexicon is known; the flow then runs `finish` on it.
    pending: Document | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        """The input's file name, for task run names."""
        return Path(self.source_path).name


# --------------------------------------------------------------------------
# Per-document stages


def mark_ocr_parts(doc: Document) -> None:
    """A part is OCR text when its pages came from Tesseract, or, for text
    inputs, when it reads like OCR output."""
    for part in doc.parts:
        pages = [p for p in doc.pages if p.span[0] < part.span[1] and p.span[1] > part.span[0]]
        if pages:
            part.ocr_like = any(p.engine == "tesseract" for p in pages)
        else:
            part.ocr_like = correct.looks_like_ocr(doc.text[part.span[0] : part.span[1]])


def clean_lexicon(doc: Document) -> Counter[str]:
    return correct.document_lexicon(doc.text[p.span[0] : p.span[1]] for p in doc.parts if not p.ocr_like)


def stage_correct(doc: Document, ctx: StageContext) -> None:
    """Correct OCR errors in OCR parts, with the clean text of the whole
    release as extra evidence ("Oekraïne" in the published answers fixes
    "Oekrame" in the scanned memo)."""
    ocr_parts = [p for p in doc.parts if p.ocr_like]
    if not ocr_parts:
        return
    corrector = correct.load_corrector()
    lexicon = ctx.release_lexicon if ctx.release_lexicon is not None else clean_lexicon(doc)
    # A short name defined in one part ("(hierna: Btis)") is the document's spelling in all.
    defined = correct.defined_terms(doc.text)
    edits: list[Edit] = []
    found: list[tuple[int, int, correct.Correction]] = []
    for part in ocr_parts:
        s, e = part.span
        for c in corrector.correct(doc.text[s:e], doc_lexicon=lexicon, defined=defined):
            edits.append(Edit(s + c.start, s + c.end, c.after))
            found.append((s + c.start, s + c.end, c))
    for p in ocr_parts:
        p.uncorrected = doc.text[p.span[0] : p.span[1]]
    m = doc.apply_edits(edits)
    for s, e, c in found:
        ns, ne = m.span(s, e)
        doc.add_row("corrections", {"span_start": ns, "span_end": ne, "before": c.before, "after": c.after,
                                    "score": c.score, "margin": c.margin, "reason": c.reason})


PARSERS: dict[str, Callable[[Document, Any], None]] = {
    "kamervragen_antwoorden": parse_kamervragen,
    "beslisnota": parse_memo,
}


def stage_parse(doc: Document, ctx: StageContext) -> None:
    for part in doc.parts:
        if parser := PARSERS.get(part.kind):
            parser(doc, part)


def stage_markers(doc: Document, ctx: StageContext) -> None:
    memo_checks.add_marker_rows(doc)


def stage_checks(doc: Document, ctx: StageContext) -> None:
    removals.check_document(doc)  # first: the person-field check defers to its name findings
    memo_checks.check_person_fields(doc)
    if doc.pages:
        boxes.check_pdf_redactions(doc)


Stage = Callable[[Document, "StageContext"], None]

# Before the release lexicon is known ...
PREPARE: tuple[tuple[str, Stage], ...] = (
    ("normalise", lambda doc, ctx: normalise(doc)),
    ("split", lambda doc, ctx: split(doc)),
    ("detect-ocr", lambda doc, ctx: mark_ocr_parts(doc)),
)
# ... and after it.
FINISH: tuple[tuple[str, Stage], ...] = (
    ("correct", stage_correct),
    ("parse", stage_parse),
    ("markers", stage_markers),
    ("checks", stage_checks),
)


@dataclass(frozen=True)
class StageContext:
    options: RunOptions
    release_lexicon: Counter[str] | None = None


def _run_stages(doc: Document, stages: tuple[tuple[str, Stage], ...], ctx: StageContext) -> DocumentResult | None:
    """Run stages in order; a failure quarantines this document only, named
    by its stage."""
    for name, stage in stages:
        started = time.perf_counter()
        try:
            stage(doc, ctx)
            doc.stage_seconds[name] = time.perf_counter() - started
        except Exception as e:  # noqa: BLE001 - any failure quarantines this document only
            return DocumentResult(
                doc.path, doc.id,
                quarantine=QuarantineEntry(doc.path, f"{name} failed", name, where(e), doc.id),
            )
    return None


def prepare(doc: Document, options: RunOptions) -> DocumentResult:
    """The stages that need only the document itself. A document without
    OCR text is finished at once; one with OCR text is returned pending."""
    if failed := _run_stages(doc, PREPARE, StageContext(options)):
        return failed
    lexicon = clean_lexicon(doc)
    if any(p.ocr_like for p in doc.parts):
        return DocumentResult(doc.path, doc.id, lexicon=lexicon, pending=doc, status="pending",
                              stage_seconds=dict(doc.stage_seconds))
    result = finish(doc, options, None)
    result.lexicon = lexicon
    return result


HELD_BACK = "held back: high-severity redaction findings"


def release_lexicon(results: list[DocumentResult]) -> Counter[str]:
    """The words of every clean part of the release, for the corrector."""
    return sum((r.lexicon for r in results), Counter())


def finish(doc: Document, options: RunOptions, release_lexicon: Counter[str] | None) -> DocumentResult:
    """Correct, parse, check; the gate decides at the end whether the
    document is published."""
    if failed := _run_stages(doc, FINISH, StageContext(options, release_lexicon)):
        return failed
    result = gate_document(doc, options)
    result.stage_seconds = dict(doc.stage_seconds)
    return result


def gate_document(doc: Document, options: RunOptions) -> DocumentResult:
    """Publish the document's rows, or hold it back with its findings."""
    held = gate.apply_gate(doc, allow_findings=options.allow_findings)
    summary = gate.redaction_summary(doc)
    doc.add_row("redaction_summary", summary)
    if held:
        # The findings (masked) are published, so a Woo coordinator can act.
        rows = {t: doc.rows.get(t, []) for t in ("findings", "redaction_summary")}
        return DocumentResult(doc.path, doc.id, rows=rows, status="quarantined",
                              quarantine=QuarantineEntry(doc.path, HELD_BACK, "gate", held, doc.id))
    status = "published_with_findings" if any(f.get("allowed") for f in doc.rows.get("findings", [])) else "published"
    return DocumentResult(doc.path, doc.id, rows=document_rows(doc, status), status=status)


def where(e: Exception) -> str:
    """The exception's type and where it was raised, without its message:
    a message can quote the document's text, personal data included."""
    tb = traceback.extract_tb(e.__traceback__)
    frame = tb[-1] if tb else None
    place = f" at {Path(frame.filename).name}:{frame.lineno} ({frame.name})" if frame else ""
    return f"{type(e).__name__}{place}"


def document_rows(doc: Document, status: str) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table for one document, pages and parts included."""
    rows = dict(doc.rows)
    counts: dict[str, Counter[int]] = {
        t: Counter(r.get("part") for r in doc.rows.get(t, []))
        for t in ("corrections", "markers", "personal_data", "removals")
    }
    parts = []
    for p in doc.parts:
        text = doc.text[p.span[0] : p.span[1]]
        n_markers = counts["markers"][p.index]
        status_, reason = redaction_status(p, n_markers, counts["personal_data"][p.index] + counts["removals"][p.index])
        page_nums = [pg.number for pg in doc.pages if pg.span[0] < p.span[1] and pg.span[1] > p.span[0]]
        parts.append({
            "document_id": doc.id, "source_path": doc.path, "part": p.index, "kind": p.kind,
            "visibility": p.visibility, "diwoo_type": p.diwoo_type, "title": p.title,
            "span_start": p.span[0], "span_end": p.span[1],
            "page_start": min(page_nums) if page_nums else None, "page_end": max(page_nums) if page_nums else None,
            "ocr_like": p.ocr_like, "text": text, "raw_text": p.uncorrected if p.uncorrected is not None else text,
            "correction_count": counts["corrections"][p.index], "marker_count": n_markers,
            "redaction_status": status_, "no_redaction_reason": reason,
        })
    rows["parts"] = parts
    rows["pages"] = [page_row(doc, p) for p in doc.pages]
    ocr_pages = sum(1 for p in doc.pages if p.engine == "tesseract")
    rows["documents"] = [{
        "document_id": doc.id, "source_path": doc.path, "size_bytes": doc.size, "media_type": doc.media_type,
        "encoding": doc.encoding, "page_count": len(doc.pages) if doc.pages else None,
        "ocr_page_share": ocr_pages / len(doc.pages) if doc.pages else None,
        "char_count": len(doc.text), "part_count": len(doc.parts), "text": doc.text, "raw_text": doc.raw_text,
        "status": status,
    }]
    return rows


def redaction_status(part: Part, markers: int, evidence: int) -> tuple[str, str | None]:
    """Whether a part is redacted, needs no redaction (and why), or is
    unredacted. An internal part without markers needs none only when the
    checks found nothing to withhold in it: no personal data, no removal."""
    if markers:
        return "redacted", None
    if part.visibility == "public":
        return "no_redaction_needed", "public part: published as is by the body"
    if not evidence:
        return "no_redaction_needed", "the checks found no personal data or withheld text in it"
    return "unredacted", None


def page_row(doc: Document, p: Page) -> dict[str, Any]:
    text = doc.text[p.span[0] : p.span[1]]
    return {"document_id": doc.id, "source_path": doc.path, "page": p.number, "width": p.width, "height": p.height,
            "engine": p.engine, "engine_version": p.engine_version, "ocr_confidence": p.ocr_confidence,
            "char_count": len(text), "span_start": p.span[0], "span_end": p.span[1], "text": text}


# --------------------------------------------------------------------------
# Work units (run in worker processes)


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
            except (ingest.InputError, MemoryError):
                raise
            except Exception as e:  # noqa: BLE001 - any failure quarantines this document only
                raise ingest.InputError(f"{stage} failed", where(e)) from None

        return run

    return wrap


def _quarantined(path: Path, e: ingest.InputError, stage: str, doc_id: str | None) -> DocumentResult:
    return DocumentResult(str(path), doc_id, quarantine=QuarantineEntry(str(path), e.reason, stage, e.detail, doc_id))


@work_unit("read")
def process_input(inp: ingest.Input, options: RunOptions) -> DocumentResult:
    """One whole document: read, extract, prepare (and finish, unless it
    waits for the release lexicon)."""
    try:
        doc = ingest.read_document(inp)
    except ingest.InputError as e:
        return _quarantined(inp.path, e, "ingest", inp.sha256)
    return prepare(doc, options)


@work_unit("extract")
def extract_chunk(inp: ingest.Input, first: int, last: int) -> list[Page]:
    """Pages first..last of a large PDF (raises InputError)."""
    from flows import pdf

    try:
        return pdf.extract_pages(inp.path, first, last)
    except pdf.PdfError as e:
        raise ingest.InputError(e.reason, e.detail) from e


@work_unit("extract")
def count_pages(inp: ingest.Input) -> int:
    from flows import pdf

    try:
        return pdf.page_count(inp.path)
    except pdf.PdfError as e:
        raise ingest.InputError(e.reason, e.detail) from e


@work_unit("prepare")
def prepare_pages(inp: ingest.Input, pages: list[Page], options: RunOptions) -> DocumentResult:
    """`prepare` for a PDF whose pages were extracted in chunks."""
    doc = ingest.Document(id=inp.sha256, path=str(inp.path), size=inp.size, media_type=inp.media_type)
    ingest.attach_pages(doc, pages)
    doc.text = doc.raw_text
    return prepare(doc, options)


def start_worker(limit_mb: int) -> None:
    """Worker initialiser: limit memory, then load what every document
    needs (PDF backend, corrector, name lists), once per worker and while
    the flow is still starting, not inside the first document's time."""
    limit_memory(limit_mb)
    try:
        from checks import pii
        from flows import pdf  # noqa: F401 - imported for its start-up cost

        correct.load_corrector()
        pii.scan("Warm-up met Jan de Vries, j.devries@example.nl.")
    except Exception:  # noqa: BLE001 - only a head start: the stage that needs it reports the error
        pass


def limit_memory(limit_mb: int) -> None:
    """A hostile file (a decompression bomb) then fails with MemoryError in
    its own worker instead of starving the machine."""
    import resource

    limit = limit_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def chunks(page_count: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size - 1, page_count)) for a in range(1, page_count + 1, size)]
