"""Geometry and colour of what is painted on a born-digital page, and its
glyphs read back into words and lines."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from checks.masking import mask, value_hash
from checks.pdf.catalogue import (
    BLACK_LUMINANCE,
    CLEAR_ALPHA,
    COLOUR_SATURATION,
    DARK_LUMINANCE,
    DEFAULT_GLYPH_HEIGHT,
    INVISIBLE_RENDER_MODES,
    MASK_WORDS,
    SAME_COLOUR,
    BoxFinding,
    severity,
)
from flows.model import RGB, BBox, Glyph, Page, luminance


class Index:
    """A grid of buckets over items with a `bbox` (glyphs, shapes), so that
    "what meets this box" costs the items nearby, not all of them: a map or
    a chart can put thousands of shapes over thousands of glyphs.

    The grid is built at the first query past `LINEAR_QUERIES`: most pages
    ask about one box or two, and a look at every item then costs less than
    putting every item in its cells."""

    LINEAR_QUERIES = 4

    def __init__(self, items: Iterable[Any], cell: float):
        self.cell = max(cell, 1.0)
        self.items: list[Any] = list(items)
        self.buckets: dict[tuple[int, int], list[Any]] | None = None
        self.queries = 0

    def add(self, item: Any) -> None:
        self.items.append(item)
        if self.buckets is not None:
            self._put(item, self.buckets)

    def _put(self, item: Any, buckets: dict[tuple[int, int], list[Any]]) -> None:
        x0, y0, x1, y1 = item.bbox
        c = self.cell
        for i in range(int(x0 // c), int(x1 // c) + 1):
            for j in range(int(y0 // c), int(y1 // c) + 1):
                buckets[i, j].append(item)

    def _cells(self, b: BBox) -> Iterable[tuple[int, int]]:
        c = self.cell
        for i in range(int(b[0] // c), int(b[2] // c) + 1):
            for j in range(int(b[1] // c), int(b[3] // c) + 1):
                yield i, j

    def _near(self, b: BBox) -> Iterable[Any]:
        """Items that may meet `b`: all of them, or those of its cells."""
        self.queries += 1
        if self.buckets is None and self.queries > self.LINEAR_QUERIES:
            self.buckets = defaultdict(list)
            for item in self.items:
                self._put(item, self.buckets)
        if self.buckets is None:
            return self.items
        buckets = self.buckets
        return (g for key in self._cells(b) for g in buckets.get(key, ()))

    def meeting(self, b: BBox) -> list[Any]:
        """Items whose box meets `b`, in paint order."""
        x0, y0, x1, y1 = b
        seen: dict[int, Any] = {}
        for g in self._near(b):
            if g.bbox[0] < x1 and g.bbox[2] > x0 and g.bbox[1] < y1 and g.bbox[3] > y0:
                seen[id(g)] = g
        return sorted(seen.values(), key=lambda g: g.order)


def hex_colour(rgb: RGB | None) -> str | None:
    if rgb is None:
        return None
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def _saturation(rgb: RGB) -> float:
    return max(rgb) - min(rgb)


def fill_style(rgb: RGB | None, pattern: bool = False) -> str:
    """Style of a filled box from its colour (see the module docstring)."""
    if pattern or rgb is None:
        return "hatched"
    lum = luminance(rgb) or 0.0
    if lum >= DARK_LUMINANCE:
        return "light"
    if _saturation(rgb) > COLOUR_SATURATION and lum >= 0.05:
        return "colour"
    return "black" if lum < BLACK_LUMINANCE else "grey"


def same_colour(a: RGB | None, b: RGB | None) -> bool:
    """Whether text of colour `a` is unreadable on ground `b`."""
    if a is None or b is None:
        return False
    la, lb = luminance(a) or 0.0, luminance(b) or 0.0  # not None: a and b are colours
    return abs(la - lb) < SAME_COLOUR and max(abs(x - y) for x, y in zip(a, b, strict=False)) < 2 * SAME_COLOUR


def is_visible(g: Glyph) -> bool:
    return g.render_mode not in INVISIBLE_RENDER_MODES and g.alpha > CLEAR_ALPHA


def glyph_height(text_glyphs: list[Glyph]) -> float:
    """The median height of a page's glyphs that are not white space: the
    unit for "big enough to cover a glyph" and "near text"."""
    hs = [h for g in text_glyphs if (h := g.bbox[3] - g.bbox[1]) > 0]  # y1 > y0
    return statistics.median(hs) if hs else DEFAULT_GLYPH_HEIGHT




def _reading_order(g: Glyph) -> tuple[float, float]:
    return -(g.bbox[1] + g.bbox[3]) / 2, g.bbox[0]


def _left(g: Glyph) -> float:
    return g.bbox[0]


def glyph_lines(glyphs: Iterable[Glyph]) -> list[list[Glyph]]:
    """Glyphs grouped into lines (top to bottom), each left to right."""
    lines: list[list[Glyph]] = []
    line_cy = 0.0  # the vertical centre of the current line's first glyph
    for g in sorted(glyphs, key=_reading_order):
        _, y0, _, y1 = g.bbox
        cy = (y0 + y1) / 2
        h = y1 - y0
        if lines and abs(cy - line_cy) < 0.5 * (1.0 if h < 1.0 else h):  # max(h, 1.0), spelt out: once per glyph
            lines[-1].append(g)
        else:
            lines.append([g])
            line_cy = cy
    return [sorted(line, key=_left) for line in lines]


def line_words(line: list[Glyph]) -> list[list[Glyph]]:
    """A line's glyphs split into words at spaces and at gaps wider than a
    fifth of the glyph height (PDFs often position words without spaces)."""
    words: list[list[Glyph]] = []
    prev: Glyph | None = None
    for g in line:
        if not g.text.strip():
            prev = None
            continue
        h = max(g.bbox[3] - g.bbox[1], 1.0)
        if prev is not None and g.bbox[0] - prev.bbox[2] < 0.2 * h and words:
            words[-1].append(g)
        else:
            words.append([g])
        prev = g
    return words


def text_of(glyphs: Iterable[Glyph]) -> tuple[str, list[str]]:
    """Reading-order text of some glyphs (lines joined by spaces) and its
    words."""
    words = ["".join(g.text for g in w) for line in glyph_lines(glyphs) for w in line_words(line)]
    return " ".join(words), words


def bbox_of(glyphs: Iterable[Glyph]) -> BBox:
    gs = list(glyphs)
    return (
        min(g.bbox[0] for g in gs),
        min(g.bbox[1] for g in gs),
        max(g.bbox[2] for g in gs),
        max(g.bbox[3] for g in gs),
    )


def hidden_finding(page: Page, check: str, what: str, glyphs: list[Glyph], box: int | None = None) -> BoxFinding:
    """A finding about text that is present but not visible: masked and
    hashed, with the word hashes for the document-level checks."""
    text, words = text_of(glyphs)
    masked = _masked_passage(words)
    return BoxFinding(
        page=page.number,
        check=check,
        severity=severity(check),
        message=f"{what}: {len(words)} word(s), {len(text.replace(' ', ''))} characters, shown masked as {masked!r}",
        bbox=rounded(bbox_of(glyphs)),
        masked=masked,
        value_hash=value_hash(text),
        box=box,
        word_hashes=tuple(value_hash(norm_word(w)) for w in words if len(norm_word(w)) >= 3),
    )


def _masked_passage(words: list[str], keep: int = MASK_WORDS) -> str:
    """Masked rendering of hidden text. A long passage shows only its first
    few words masked: every further word's first letter would say more
    about the text than a reader needs to find it."""
    shown = mask(" ".join(words[:keep]))
    return shown if len(words) <= keep else f"{shown} … (+{len(words) - keep} words)"


def norm_word(word: str) -> str:
    return word.strip(".,;:!?()[]\"'").casefold()


def rounded(b: BBox) -> BBox:
    return tuple(round(v, 2) for v in b)  # type: ignore[return-value]
