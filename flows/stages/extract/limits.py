"""Bounds on hostile input, when a page needs OCR, and the engines' names."""

from __future__ import annotations

# Bounds on hostile input. Real pages stay far below them: a dense text page
# has ~5k glyphs, a detailed map some 100k paths; content streams are KBs.
MAX_STREAM_BYTES = 64 * 1024 * 1024  # decompressed content/form stream
MAX_IMAGES_PER_PAGE = 1000
MAX_OBJECTS_PER_PAGE = 300_000
MAX_FORM_DEPTH = 24
MAX_LUMINANCE_BYTES = 32 * 1024 * 1024  # decode an image for its luminance only below this

# A page needs OCR when it has fewer printable characters than this ...
MIN_TEXT_CHARS = 20
# ... or when more than this share of its characters are unmapped glyph codes.
MAX_CID_SHARE = 0.3
OCR_LANGUAGES = ("nld", "eng")

PDFMINER_ENGINE = "pdfminer.six"
OCR_ENGINE = "tesseract"
