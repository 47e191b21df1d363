"""Renders of PDF pages through pypdfium2, each with the `PixelMap` that
takes page points (pdfminer's coordinates) to its pixels and back: the one
mapping used by the scanned-box check, the luminance of undecodable images
and the report's crops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.model import PixelMap


def render_origin(pg: Any) -> tuple[float, float] | None:
    """Where the top-left corner of a pypdfium2 render of page `pg` lies in
    pdfminer's coordinates. pdfium renders the CropBox and gives it in the
    PDF's own coordinates; pdfminer puts the origin at the MediaBox's
    lower-left corner, which need not be (0, 0). A rotated page both give
    as it is shown; None for one cropped inside its MediaBox, whose
    mapping this does not work out."""
    mx, my, _, _ = pg.get_mediabox()
    left, _, _, top = pg.get_cropbox()
    if not pg.get_rotation():
        return left - mx, top - my
    return (0.0, pg.get_height()) if pg.get_cropbox() == pg.get_mediabox() else None


def pixel_map(pg: Any, scale: float) -> PixelMap | None:
    """The mapping of a render of `pg` at `scale` pixels per point; None
    where `render_origin` cannot place it."""
    origin = render_origin(pg)
    return None if origin is None else PixelMap(origin[0], origin[1], scale, scale)


def image_pixel_map(pg: Any, width_pt: float, height_pt: float, shape: tuple[int, ...]) -> PixelMap | None:
    """The mapping of an image of the whole page of `shape` (rows, columns),
    whatever resolution it was rendered or scanned at: its scale is measured
    from the image itself, so an image made elsewhere maps as well as ours."""
    origin = render_origin(pg)
    if origin is None:
        return None
    return PixelMap(origin[0], origin[1], shape[1] / width_pt, shape[0] / height_pt)


def open_pdf(path: str | Path) -> Any:
    """A pypdfium2 document, or ValueError naming the file; pdfium is
    imported here because only pages that are rendered need it."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        raise ValueError(f"{path}: cannot open as PDF to render it: {e}") from e
