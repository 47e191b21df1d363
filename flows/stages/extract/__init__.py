"""The PDF backend: every page through pdfminer.six, scans through OCRmyPDF.

Why a page walk of our own rather than `pdfminer.high_level`: the redaction
checks need to know what was painted on top of what. `high_level` always runs
layout analysis, which reorders objects and costs most of pdfminer's time.
Here a `PDFPageInterpreter` drives a `PDFPageAggregator(laparams=None)`, so
the objects arrive in content-stream (paint) order, and the subclasses below
stamp what pdfminer does not keep: the text render mode (mode 3 is invisible
text), the fill alpha of the ExtGState (`/ca`; pdfminer ignores `gs`), colours
normalised to RGB whatever the colour space, and the paint order. The page
text is then built from the glyphs (lines by baseline, spaces from gaps).

A page without a usable text layer (no text, or mostly unmapped `(cid:N)`
codes) is OCRed with OCRmyPDF + Tesseract (`nld+eng`), only those pages, with
as many jobs as cores. Words and confidences come from the hOCR that
OCRmyPDF's own pipeline produces (`ocrmypdf.api._pdf_to_hocr`): it rasterises
at the image's resolution and runs Tesseract exactly as `ocrmypdf` does, and
hOCR carries word boxes and `x_wconf`, which the searchable-PDF output drops.
A small OCRmyPDF plugin (`flows/stages/extract/ocr_plugin.py`) inverts solid dark boxes
in the image Tesseract sees, because Tesseract does not read the white
"5.1.2e" stamps on black redaction boxes otherwise.

Hostile input: every failure becomes `PdfError(reason)` with a short, stable
reason. Memory is bounded before decoding (stream sizes are inflated with a
cap, images per page and objects per page are capped); time is bounded by an
optional alarm here and by the pipeline's per-document timeout.
"""
