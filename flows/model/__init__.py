"""The one document model that flows through every stage (`document`), the
page geometry of PDF inputs (`geometry`), the schemas of every published
table (`tables`), the options and context a stage is given (`context`), and
the errors with their exit codes (`errors`), and what a work unit returns
(`results`). Nothing here imports any other
part of lakmoes."""

from flows.model.context import RunOptions, StageContext
from flows.model.document import (
    Document,
    Edit,
    LexiconUse,
    OffsetMap,
    Part,
    QuarantineEntry,
    apply_text_edits,
    strip_span,
)
from flows.model.geometry import (
    RGB,
    Annotation,
    BBox,
    Glyph,
    OcrWord,
    Page,
    PageImage,
    PixelMap,
    ScannedBox,
    Shape,
    luminance,
)
from flows.model.results import DocumentResult
from flows.model.tables import TABLES, Column, Table, table_rows_fit, tables_markdown

__all__ = [
    "RGB", "TABLES", "Annotation", "BBox", "Column", "Document", "DocumentResult", "Edit", "Glyph", "LexiconUse", "OcrWord", "OffsetMap",
    "Page", "PageImage", "Part", "PixelMap", "QuarantineEntry", "RunOptions", "ScannedBox", "Shape", "StageContext", "Table",
    "apply_text_edits", "luminance", "strip_span", "table_rows_fit", "tables_markdown",
]
