"""Bookmarks and document metadata: where text hidden on a page can still be
read in the file."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

from checks.masking import mask, value_hash
from checks.pdf.catalogue import BoxFinding, severity
from checks.pdf.glyphs import norm_word


def outline_and_metadata(path: str | Path) -> list[tuple[str, str]]:
    """(where, text) for every bookmark title, document-information value and
    the XMP metadata of a PDF. The page walker reads pages only; these live in
    the document catalogue and the trailer. A damaged outline (pdfminer
    recurses through it) reads as no outline rather than sinking the check."""
    from pdfminer.pdfdocument import PDFDocument, PDFNoOutlines
    from pdfminer.pdfparser import PDFParser, PDFSyntaxError
    from pdfminer.pdftypes import PDFStream, resolve1
    from pdfminer.psexceptions import PSException

    out: list[tuple[str, str]] = []
    with open(path, "rb") as fh:
        pdf = PDFDocument(PDFParser(fh))
        with contextlib.suppress(PDFNoOutlines, PDFSyntaxError, PSException, RecursionError):
            out += [("bookmark", _pdf_string(title)) for _level, title, *_ in pdf.get_outlines()]
        for info in pdf.info:
            for key, value in info.items():
                value = resolve1(value)
                if isinstance(value, (bytes, str)):
                    out.append((f"metadata /{key}", _pdf_string(value)))
        xmp = resolve1(pdf.catalog.get("Metadata"))
        if isinstance(xmp, PDFStream):
            text = re.sub(r"<[^>]*>", " ", xmp.get_data().decode("utf-8", "replace"))
            out.append(("XMP metadata", " ".join(text.split())))
    return out


def _pdf_string(value: Any) -> str:
    """A PDF text string (UTF-16 with BOM or PDFDocEncoding) as str."""
    from pdfminer.utils import decode_text

    if isinstance(value, bytes):
        if value.startswith((b"\xfe\xff", b"\xff\xfe")):
            return value.decode("utf-16")
        return decode_text(value)
    return str(value)


def side_channel_findings(places: list[tuple[str, str]], hidden: list[BoxFinding]) -> list[BoxFinding]:
    """Bookmarks and metadata that repeat words found hidden under a box: the
    leak survives even once the page is fixed. Compared by salted hash, so the
    clear text is never needed here."""
    out: list[BoxFinding] = []
    for where, text in places:
        hashes = {value_hash(norm_word(w)) for w in text.split() if len(norm_word(w)) >= 3}
        for f in hidden:
            shared = hashes & set(f.word_hashes)
            if shared:
                out.append(
                    BoxFinding(
                        page=f.page,
                        check="side_channel_leak",
                        severity=severity("side_channel_leak"),
                        message=f"{where} repeats {len(shared)} word(s) of the text hidden under box {f.box} on page {f.page}: {mask(text)!r}",
                        bbox=f.bbox,
                        masked=mask(text),
                        value_hash=value_hash(text),
                        box=f.box,
                    )
                )
                break
    return out
