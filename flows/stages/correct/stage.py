"""The detect-ocr and correct stages: which parts are OCR text, and the
corrections made to them with the release's clean text as evidence."""

from __future__ import annotations

from collections import Counter

from flows.model import Document, Edit, StageContext
from flows.stages.correct.corrector import (
    Correction,
    LexiconIndex,
    TracedLexicon,
    defined_terms,
    document_lexicon,
    load_corrector,
    looks_like_ocr,
)


def detect_ocr(doc: Document, ctx: StageContext) -> None:
    """A part is OCR text when its pages came from Tesseract, or, for text
    inputs, when it reads like OCR output."""
    for part in doc.parts:
        pages = doc.pages_of(part)
        if pages:
            part.ocr_like = any(p.engine == "tesseract" for p in pages)
        else:
            part.ocr_like = looks_like_ocr(doc.text[part.span[0] : part.span[1]])


def clean_lexicon(doc: Document) -> Counter[str]:
    """The words of the document's clean (not OCR) parts: its share of the
    release lexicon."""
    return document_lexicon(doc.text[p.span[0] : p.span[1]] for p in doc.parts if not p.ocr_like)


# The index of the release lexicon last seen in this process, by digest.
_RELEASE_INDEX: dict[str, LexiconIndex] = {}


def release_index(lexicon: Counter[str], key: str) -> LexiconIndex:
    """The index of the release lexicon `key`, built once per process: a
    worker finishes many documents of one release, and indexing a lexicon
    of 100,000 words takes 0.16 s. Without a digest it is built afresh."""
    if not key:
        return LexiconIndex.of(lexicon)
    if key not in _RELEASE_INDEX:
        _RELEASE_INDEX.clear()
        _RELEASE_INDEX[key] = LexiconIndex.of(lexicon)
    return _RELEASE_INDEX[key]


def correct(doc: Document, ctx: StageContext) -> None:
    """Correct OCR errors in OCR parts, with the clean text of the whole
    release as extra evidence ("Oekraïne" in the published answers fixes
    "Oekrame" in the scanned memo)."""
    ocr_parts = [p for p in doc.parts if p.ocr_like]
    if not ocr_parts:
        return
    corrector = load_corrector()
    if ctx.release_lexicon is not None:
        index = release_index(ctx.release_lexicon, ctx.release_lexicon_key)
    else:
        index = LexiconIndex.of(clean_lexicon(doc))
    traced = TracedLexicon.tracing(index, ctx.release_lexicon_key)
    # A short name defined in one part ("(hierna: Btis)") is the document's spelling in all.
    defined = defined_terms(doc.text)
    edits: list[Edit] = []
    found: list[tuple[int, int, Correction]] = []
    for part in ocr_parts:
        s, e = part.span
        for c in corrector.correct(doc.text[s:e], doc_lexicon=traced, defined=defined):
            edits.append(Edit(s + c.start, s + c.end, c.after))
            found.append((s + c.start, s + c.end, c))
    for p in ocr_parts:
        p.uncorrected = doc.text[p.span[0] : p.span[1]]
    m = doc.apply_edits(edits)
    doc.lexicon_use = traced.use()
    for s, e, c in found:
        ns, ne = m.span(s, e)
        doc.add_row("corrections", {"span_start": ns, "span_end": ne, "before": c.before, "after": c.after,
                                    "score": c.score, "margin": c.margin, "reason": c.reason})
