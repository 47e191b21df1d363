"""The extract stage for PDFs: pages read by the pdfminer backend, those
without a usable text layer by the OCR backend, in chunks for large files;
the luminance of images pdfminer cannot decode measured on a render."""

from __future__ import annotations

from pathlib import Path

from pdfminer.pdfinterp import PDFResourceManager

from flows.model import Page, PageImage
from flows.model.errors import PdfError, TooManyPages
from flows.stages.extract.ocr import ocr_pages
from flows.stages.extract.opening import open_document, pdf_pages, time_limit
from flows.stages.extract.render import pixel_map
from flows.stages.extract.walk import needs_ocr, walk_page


def extract_pages(path: Path, first: int = 1, last: int | None = None, *, ocr: bool = True,
                  ocr_jobs: int | None = None, timeout: float | None = None,
                  max_pages: int | None = None) -> list[Page]:
    """Pages `first`..`last` (1-based, inclusive) of a PDF: every page walked
    by pdfminer.six; pages without a usable text layer OCRed when `ocr`
    (otherwise they keep their pdfminer text and engine, for callers that
    only want geometry). Raises PdfError with a short reason for a file that
    cannot be read; `timeout` bounds the pdfminer part in seconds (main
    thread only). A file of more than `max_pages` pages raises TooManyPages
    before any page is walked."""
    path = Path(path)
    out: list[Page] = []
    scans: list[Page] = []
    with time_limit(timeout), open_document(path) as doc:
        rsrcmgr = PDFResourceManager(caching=True)
        listed = pdf_pages(doc)
        if max_pages is not None:
            every = list(listed)
            if len(every) > max_pages:
                raise TooManyPages(len(every))
            listed = iter(every)
        number = 0
        for number, pdfpage in enumerate(listed, start=1):
            if number < first:
                continue
            if last is not None and number > last:
                break
            try:
                page = walk_page(pdfpage, number, rsrcmgr)
            except PdfError:
                raise
            except RecursionError as e:
                raise PdfError("too deeply nested", f"page {number}") from e
            except MemoryError as e:
                raise PdfError("out of memory", f"page {number}") from e
            except Exception as e:  # pdfminer raises all sorts deep inside on hostile input
                raise PdfError("unreadable by pdfminer", f"page {number}: {type(e).__name__}: {e}"[:200]) from e
            if ocr and needs_ocr(page.text, page):
                scans.append(page)
            out.append(page)
        if number == 0:
            raise PdfError("no pages")
    rendered_luminance(path, out)
    ocr_pages(path, scans, ocr_jobs)
    return out


# Scale of the render that measures images pdfminer cannot decode (72 dpi × this):
# a pixel per point, and a one-pixel inset, keep the page around a box out of its mean.
LUMINANCE_RENDER_SCALE = 1.0


def _undecoded_over_text(page: Page) -> list[PageImage]:
    """Images whose stream gave no luminance (JBIG2, CCITT, JPX, stencil masks,
    indexed or CMYK pictures) that lie over glyphs painted before them: the
    ones that could hide text, so the ones worth a render."""
    undecoded = [im for im in page.images if im.mean_luminance is None]
    if not undecoded or not page.glyphs:
        return []
    import numpy as np

    boxes = np.array([g.bbox for g in page.glyphs], dtype=float)
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    order = np.array([g.order for g in page.glyphs])
    out = []
    for im in undecoded:
        x0, y0, x1, y1 = im.bbox
        if np.any((order < im.order) & (cx >= x0) & (cx <= x1) & (cy >= y0) & (cy <= y1)):
            out.append(im)
    return out


def rendered_luminance(path: Path, pages: list[Page]) -> None:
    """Fill in the mean luminance of undecodable images over text from a
    low-resolution render of their page, as the page shows them.

    A black box saved as a CCITT or JBIG2 image (what scanners and some
    redaction tools write) or painted as a stencil mask is as much a box
    as a Flate one; without its luminance the box checks could not see it
    and the text under it would pass unreported. Rotated pages cropped
    inside their MediaBox and files pdfium cannot open keep None (the image
    is then not taken for a box); a page pdfium cannot load raises, and the
    document is quarantined.
    """
    wanted = [(page, ims) for page in pages if (ims := _undecoded_over_text(page))]
    if not wanted:
        return
    import numpy as np
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError:
        return
    try:
        for page, ims in wanted:
            pg = pdf[page.number - 1]
            to_px = pixel_map(pg, LUMINANCE_RENDER_SCALE)
            if to_px is None:
                continue
            gray = pg.render(scale=LUMINANCE_RENDER_SCALE, grayscale=True).to_numpy()
            gray = gray.reshape(gray.shape[0], gray.shape[1], -1)[:, :, 0]
            for im in ims:
                x0, y0, x1, y1 = im.bbox
                (px0, py0), (px1, py1) = to_px.to_pixels(x0, y1), to_px.to_pixels(x1, y0)
                c0, c1 = max(0, int(px0)), min(gray.shape[1], int(np.ceil(px1)))
                r0, r1 = max(0, int(py0)), min(gray.shape[0], int(np.ceil(py1)))
                if c1 - c0 > 2 and r1 - r0 > 2:
                    c0, c1, r0, r1 = c0 + 1, c1 - 1, r0 + 1, r1 - 1
                if c1 > c0 and r1 > r0:
                    im.mean_luminance = float(gray[r0:r1, c0:c1].mean()) / 255
    finally:
        pdf.close()
