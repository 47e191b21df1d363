"""The scanned-box detector's thresholds (`scanboxes.toml`, in pixels of a 200 dpi
page) and what it finds: an `ImageBox`."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PARAMS_PATH = Path(__file__).with_name("scanboxes.toml")
RENDER_DPI = 200


@dataclass(frozen=True)
class ImageBox:
    """A redaction box found in a page image, in pixels of that image
    (origin top-left)."""

    x: int
    y: int
    w: int
    h: int
    style: str  # "black" | "grey" | "colour" | "outlined"
    color: tuple[int, int, int]  # mean fill (or border) colour, RGB 0..255
    score: float  # 0..1: how box-like the region is


@lru_cache(maxsize=1)
def params() -> dict[str, Any]:
    """Detector thresholds, in pixels of a 200 dpi page."""
    return tomllib.loads(PARAMS_PATH.read_text(encoding="utf-8"))
