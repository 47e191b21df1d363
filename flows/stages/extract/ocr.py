"""The OCR backend: pages without a usable text layer through OCRmyPDF's hOCR
pipeline and Tesseract, words with their boxes and confidences."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from pdfminer.pdffont import PDFSimpleFont

from flows.model import OcrWord, Page
from flows.model.errors import PdfError
from flows.stages.extract.limits import OCR_ENGINE, OCR_LANGUAGES

# pdfminer.six's own, taken before OCRmyPDF is imported (see `_hocr_pipeline`).
PDFMINER_SIMPLE_FONT_INIT = PDFSimpleFont.__init__


def _hocr_pipeline() -> Any:
    """OCRmyPDF's hOCR pipeline, without the change its import makes to
    pdfminer.six: it replaces `PDFSimpleFont.__init__` for the whole
    process, so that a font with neither /ToUnicode nor /Encoding reads as
    "(cid:N)" instead of through its built-in encoding. In a worker that
    had OCRed a page, a born-digital PDF would then read differently than
    in a fresh one. pdfminer's own is put back: OCRmyPDF's use of it
    (telling whether a page has text already) decides nothing here, as
    lakmoes forces OCR on the pages it chose."""
    from ocrmypdf.api import _pdf_to_hocr

    PDFSimpleFont.__init__ = PDFMINER_SIMPLE_FONT_INIT  # type: ignore[method-assign]
    return _pdf_to_hocr


def tesseract_version() -> str:
    """Version of the Tesseract binary on PATH; PdfError when there is none."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise PdfError("OCR engine not installed", "tesseract is not on PATH")
    import subprocess

    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30, check=False)
    first = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else ""
    return first.replace("tesseract", "").strip() or "unknown"


_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_WCONF = re.compile(r"x_wconf (\d+)")


def parse_hocr(hocr: str, width: float, height: float) -> tuple[str, list[OcrWord]]:
    """Text (lines in Tesseract's reading order, a blank line between
    paragraphs) and words with boxes converted from image pixels (origin
    top-left) to page points (origin bottom-left)."""
    root = ElementTree.fromstring(hocr)
    def cls(el):
        return el.get("class", "")
    page_el = next((el for el in root.iter() if cls(el) == "ocr_page"), None)
    if page_el is None:
        return "", []
    m = _BBOX.search(page_el.get("title", ""))
    if not m or int(m.group(3)) == 0 or int(m.group(4)) == 0:
        return "", []
    sx, sy = width / int(m.group(3)), height / int(m.group(4))
    words: list[OcrWord] = []
    paragraphs: list[str] = []
    for par in (el for el in page_el.iter() if cls(el) == "ocr_par"):
        lines = []
        for line in (el for el in par.iter() if cls(el) in ("ocr_line", "ocr_caption", "ocr_header", "ocr_textfloat")):
            texts = []
            for w in (el for el in line.iter() if cls(el) == "ocrx_word"):
                text = "".join(w.itertext()).strip()
                bm, cm = _BBOX.search(w.get("title", "")), _WCONF.search(w.get("title", ""))
                if not text or not bm:
                    continue
                x0, y0, x1, y1 = (int(v) for v in bm.groups())
                words.append(OcrWord(text, (x0 * sx, height - y1 * sy, x1 * sx, height - y0 * sy),
                                     float(cm.group(1)) if cm else 0.0))
                texts.append(text)
            if texts:
                lines.append(" ".join(texts))
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs), words


def _page_ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3,7" (OCRmyPDF's --pages syntax)."""
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"{start}-{prev}" if prev != start else str(start))
        if n is not None:
            start = prev = n
    return ",".join(out)


def _decrypted_copy(path: Path, tmp: Path) -> Path:
    """OCRmyPDF refuses encrypted input; a PDF that opens with the empty
    user password (which pdfminer read) is OCRed from a decrypted copy."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        if not pdf.is_encrypted:
            return path
        copy = tmp / "decrypted.pdf"
        pdf.save(copy)
    return copy


def ocr_pages(path: Path, pages: list[Page], jobs: int | None = None) -> None:
    """OCR these pages of `path` in place (text, words, confidence, engine)
    with OCRmyPDF's hOCR pipeline: only these pages, `jobs` = cores."""
    if not pages:
        return
    version = tesseract_version()
    _pdf_to_hocr = _hocr_pipeline()
    from ocrmypdf.exceptions import ExitCodeException, MissingDependencyError

    plugin = Path(__file__).with_name("ocr_plugin.py")
    with tempfile.TemporaryDirectory(prefix="lakmoes-ocr-") as tmp:
        source = _decrypted_copy(Path(path), Path(tmp))
        try:
            _pdf_to_hocr(source, Path(tmp), language=list(OCR_LANGUAGES), jobs=jobs or os.cpu_count() or 1,
                         force_ocr=True, pages=_page_ranges(sorted(p.number for p in pages)),
                         invalidate_digital_signatures=True, plugins=[plugin], progress_bar=False)
        except MissingDependencyError as e:
            raise PdfError("OCR engine not installed", str(e)[:200]) from e
        except ExitCodeException as e:
            raise PdfError("OCR failed", f"{type(e).__name__}: {e}"[:200]) from e
        for page in pages:
            hocr = Path(tmp) / f"{page.number:06d}_ocr_hocr.hocr"
            if not hocr.exists():
                raise PdfError("OCR failed", f"no OCR output for page {page.number}")
            page.text, page.ocr_words = parse_hocr(hocr.read_text(encoding="utf-8"), page.width, page.height)
            confs = [w.confidence for w in page.ocr_words if w.confidence >= 0]
            page.ocr_confidence = sum(confs) / len(confs) if confs else None
            page.engine, page.engine_version = OCR_ENGINE, version
