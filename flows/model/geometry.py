"""Page geometry of PDF inputs, as extraction leaves it for the checks.

Coordinates are PDF points, origin bottom-left, boxes as (x0, y0, x1, y1).
Colours are RGB in 0..1; None means unknown (a pattern or an unsupported
colour space). `PixelMap` is the one mapping between page points and the
pixels of a render of the page: scanned-box detection, the luminance of
undecodable images and the report's crops all go through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BBox = tuple[float, float, float, float]
RGB = tuple[float, float, float]


def luminance(rgb: RGB | None) -> float | None:
    """Relative luminance (ITU-R BT.709), so that "dark" means the same
    whatever colour space the PDF used."""
    if rgb is None:
        return None
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@dataclass(slots=True)
class Glyph:
    """One character as painted on the page. Slots: a page holds thousands,
    and without a dict each they are quicker to make and to collect."""

    text: str
    bbox: BBox
    color: RGB | None  # fill colour of the glyph
    render_mode: int  # PDF text render mode: 0 fill, 3 invisible, 7 clip ...
    alpha: float  # fill alpha from the ExtGState /ca in force (1.0 = opaque)
    order: int  # paint order on the page (content-stream order, 0-based)
    font: str = ""
    size: float = 0.0


@dataclass
class Shape:
    """A painted rectangle or path."""

    bbox: BBox
    kind: str  # "rect" | "curve" | "line"
    filled: bool
    stroked: bool
    fill_color: RGB | None
    stroke_color: RGB | None
    alpha: float  # fill alpha (ExtGState /ca)
    order: int
    linewidth: float = 0.0
    pattern: bool = False  # filled with a pattern (e.g. cross-hatching)


@dataclass
class PageImage:
    """An image XObject (or inline image) placed on the page."""

    bbox: BBox
    order: int
    width_px: int
    height_px: int
    mean_luminance: float | None = None  # None when it could not be decoded


@dataclass
class Annotation:
    subtype: str  # "Redact", "Square", "Highlight", ...
    bbox: BBox
    color: RGB | None
    interior_color: RGB | None = None
    contents: str = ""


@dataclass
class OcrWord:
    """A word recognised by OCR, with its box in page points and Tesseract's
    confidence (0-100)."""

    text: str
    bbox: BBox
    confidence: float


@dataclass(frozen=True)
class ScannedBox:
    """A redaction box found in the image of a scanned page, and the ground
    stamped on it: what the scanned-box detector (`checks/pdf/scanned/`)
    read from the page's render, its OCR words and the box's own crop,
    before any row is made of it."""

    bbox: BBox  # in page points, rounded to 2 decimals
    style: str  # black | grey | colour | outlined
    color: str  # the box's mean colour, "#rrggbb"
    area: float  # in square points, rounded to 2 decimals
    label: str | None  # the stamp's text, kept only when a ground was read from it
    ground: str | None  # the ground code in registry spelling; None when none was readable


@dataclass
class Page:
    """One page of a PDF input after extraction."""

    number: int  # 1-based, the real page number (not pdfminer's pageid)
    width: float
    height: float
    engine: str  # "pdfminer.six" | "tesseract"
    engine_version: str
    text: str  # the page's raw text as the engine gave it
    ocr_confidence: float | None = None  # mean word confidence where OCR ran
    glyphs: list[Glyph] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    images: list[PageImage] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    ocr_words: list[OcrWord] = field(default_factory=list)
    # The boxes in the image of an image-only page, detected once in the
    # prepare phase (the scan-boxes stage): they need the render and the OCR
    # words, not the release lexicon, so a document finished again with a new
    # lexicon is not rendered and detected again. None: not detected (yet).
    scanned_boxes: tuple[ScannedBox, ...] | None = None
    # Span of this page in Document.text; kept up to date by apply_edits.
    span: tuple[int, int] = (0, 0)


def area(b: BBox) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def intersection(a: BBox, b: BBox) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def covered(inner: BBox, outer: BBox) -> float:
    """Share of `inner`'s area that `outer` covers. A glyph without area
    (some fonts report zero width) counts as covered when its centre is in."""
    a = area(inner)
    if a <= 0:
        cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
        return 1.0 if outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3] else 0.0
    return intersection(inner, outer) / a


def iou(a: BBox, b: BBox) -> float:
    inter = intersection(a, b)
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


def grown(b: BBox, by: float) -> BBox:
    return (b[0] - by, b[1] - by, b[2] + by, b[3] + by)


@dataclass(frozen=True)
class PixelMap:
    """Page points to the pixels of a render and back.

    `left`, `top` is where the render's top-left corner lies in the page's
    (pdfminer's) coordinates, which need not be (0, height): pdfium renders
    the CropBox, and pdfminer counts from the MediaBox's corner. `sx`, `sy`
    are pixels per point along each axis."""

    left: float
    top: float
    sx: float
    sy: float

    def to_pixels(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.left) * self.sx, (self.top - y) * self.sy

    def to_points(self, px: float, py: float) -> tuple[float, float]:
        return self.left + px / self.sx, self.top - py / self.sy

    def box_to_points(self, x: float, y: float, w: float, h: float) -> BBox:
        """A pixel box (origin top-left, width and height) as a PDF box."""
        x0, y1 = self.to_points(x, y)
        x1, y0 = self.to_points(x + w, y + h)
        return x0, y0, x1, y1
