"""Colours as pdfminer gives them (gray, RGB, CMYK, patterns) normalised to RGB."""

from __future__ import annotations

from typing import Any

from pdfminer.pdfcolor import PDFColorSpace


def clamp(v: float) -> float:
    return 0.0 if v < 0 else 1.0 if v > 1 else float(v)


def components_to_rgb(values: tuple[float, ...] | list[float]) -> tuple[float, float, float] | None:
    """Gray (1), RGB (3) or CMYK (4) components to RGB 0..1."""
    v = [clamp(float(x)) for x in values]
    if len(v) == 1:
        return (v[0], v[0], v[0])
    if len(v) == 3:
        return (v[0], v[1], v[2])
    if len(v) == 4:
        c, m, y, k = v
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


class IndexedSpace(PDFColorSpace):
    """pdfminer keeps only the name of an /Indexed space; keep its palette so
    an index can be turned into a colour."""

    def __init__(self, base_n: int, palette: bytes):
        super().__init__("Indexed", 1)
        self.base_n = base_n
        self.palette = palette


def to_rgb(color: Any, space: PDFColorSpace | None) -> tuple[tuple[float, float, float] | None, bool]:
    """(RGB 0..1 or None, is_pattern) for a pdfminer colour in its space.

    Separation/DeviceN tints are taken as ink on white (tint 1 = black): the
    alternate space's function is not evaluated, which is right for the
    usual black or grey spot inks of redaction boxes."""
    name = space.name if space is not None else "DeviceGray"
    if name == "Pattern" or isinstance(color, str) or (
        isinstance(color, tuple) and len(color) == 2 and isinstance(color[1], str)
    ):
        return None, True
    if isinstance(color, (int, float)):
        color = (color,)
    if not isinstance(color, (tuple, list)):
        return None, False
    try:
        if isinstance(space, IndexedSpace):
            i = int(color[0]) * space.base_n
            chunk = space.palette[i : i + space.base_n]
            if len(chunk) != space.base_n:
                return None, False
            return components_to_rgb([b / 255 for b in chunk]), False
        if name in ("Separation", "DeviceN"):
            return components_to_rgb([1 - max(float(x) for x in color)]), False
        if name in ("Lab", "Indexed"):
            return None, False
        return components_to_rgb(color), False
    except (TypeError, ValueError):
        return None, False
