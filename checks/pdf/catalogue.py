"""The box checks' thresholds and catalogue of checks with their severities
(`boxes.toml`, shared with the scanned-box check), and what a page check
finds: `RedactionBox` and `BoxFinding`."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.model import BBox

# Each threshold is explained in boxes.toml.
PARAMS_PATH = Path(__file__).with_name("boxes.toml")
PARAMS: dict[str, Any] = tomllib.loads(PARAMS_PATH.read_text(encoding="utf-8"))
_T = PARAMS["thresholds"]
COVER_SHARE: float = _T["cover_share"]
ON_TOP_SHARE: float = _T["on_top_share"]
OPAQUE_ALPHA: float = _T["opaque_alpha"]
DARK_LUMINANCE: float = _T["dark_luminance"]
BLACK_LUMINANCE: float = _T["black_luminance"]
COLOUR_SATURATION: float = _T["colour_saturation"]
DARK_IMAGE_LUMINANCE: float = _T["dark_image_luminance"]
SAME_COLOUR: float = _T["same_colour"]
MIN_SIDE: float = _T["min_side"]
NEAR_TEXT: float = _T["near_text"]
DEFAULT_GLYPH_HEIGHT: float = _T["default_glyph_height"]
CLEAR_ALPHA: float = _T["clear_alpha"]
WIDTH_LEAK_GAP: float = _T["width_leak_gap"]
WIDTH_LEAK_MAX_CHARS: float = _T["width_leak_max_chars"]
MASK_WORDS: int = _T["mask_words"]
HIDDEN_MIN_ALNUM: int = _T["hidden_min_alnum"]
PROSE_CONTEXT = frozenset(PARAMS["prose_context"]["words"])
INVISIBLE_RENDER_MODES = {3, 7}  # PDF text render modes that neither fill nor stroke

# A stamp that is not a known ground but is shaped like a code ("5.1.2",
# "10.2"): still a stamp (a box with an unreadable ground), not a panel.
CODE_SHAPED = re.compile(r"^\s*(?:art\.?\s*)?\d{1,2}(?:\s*\.\s*\d{1,2}){1,3}\s*\.?\s*[a-z]?\s*$", re.IGNORECASE)


def severity(check: str, key: str = "severity") -> str:
    """A check's severity from the catalogue."""
    return PARAMS["checks"][check][key]


@dataclass
class RedactionBox:
    """A redaction box on one page (a row of the `redactions` table)."""

    page: int
    index: int  # 0-based index of the box on its page
    bbox: BBox
    source: str  # "vector" | "overlay" (dark image over text) | "image" (found in a scan)
    style: str  # black | grey | colour | light | hatched | outlined
    color: str | None  # "#rrggbb"; None for patterns
    area: float
    label: str  # text stamped on the box ("" when none)
    ground_code: str | None
    text_under: bool
    order: int = -1  # paint order of the box on the page


@dataclass
class BoxFinding:
    """A problem found on a page. Text it concerns is held masked and hashed
    only; `word_hashes` (salted hashes of each word) let the document-level
    checks find the same text in the document text, bookmarks and metadata
    without keeping it in clear."""

    page: int
    check: str
    severity: str  # high | medium | low | info
    message: str
    bbox: BBox | None
    masked: str | None = None
    value_hash: str | None = None
    box: int | None = None  # index of the redaction box concerned
    word_hashes: tuple[str, ...] = field(default=(), repr=False)
