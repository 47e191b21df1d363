"""Split: cut a release's text into parts, each with one visibility.

A concatenated release holds, for example, the public answers to
Kamervragen followed by the internal beslisnota that proposed them; the two
must be told apart because what may be named differs (ministers and members
of Parliament in public office; not civil servants). Part kinds and where
they start are data (`flows/registry/part_kinds.toml`).
"""

from __future__ import annotations

from flows.model import Document, Part
from flows.registry.part_kinds import PartKind, part_kinds


def find_part_starts(text: str) -> list[tuple[int, PartKind]]:
    """(position, kind) of every part start, in text order; a start inside
    a part of the same kind that began just before (a repeated heading) is
    not a new part."""
    starts: dict[int, PartKind] = {}
    for kind in part_kinds().values():
        for pattern in kind.starts:
            for m in pattern.finditer(text):
                line_start = text.rfind("\n", 0, m.start() + 1) + 1 if text[m.start()] != "\n" else m.start() + 1
                starts.setdefault(line_start, kind)
    ordered = sorted(starts.items())
    merged: list[tuple[int, PartKind]] = []
    for pos, kind in ordered:
        if merged and merged[-1][1].name == kind.name and kind.repeated_heading_continues:
            continue
        merged.append((pos, kind))
    # A start counts only when its part holds what its kind requires.
    return [
        (pos, kind) for i, (pos, kind) in enumerate(merged)
        if kind.requires is None
        or kind.requires.search(text, pos, merged[i + 1][0] if i + 1 < len(merged) else len(text))
    ]


def _title(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def split(doc: Document) -> list[Part]:
    """Set `doc.parts` from the part starts found in the text."""
    text = doc.text
    starts = find_part_starts(text)
    if not starts or (starts[0][0] > 0 and text[: starts[0][0]].strip()):
        starts.insert(0, (0, part_kinds()["document"]))
    elif starts[0][0] > 0:
        starts[0] = (0, starts[0][1])
    parts = []
    for i, (pos, kind) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        # Trailing blank lines belong to no part's content.
        while end > pos and text[end - 1] == "\n":
            end -= 1
        parts.append(
            Part(
                index=i,
                kind=kind.name,
                visibility=kind.visibility,
                span=(pos, end),
                diwoo_type=kind.diwoo_type,
                title=_title(text[pos:end]),
            )
        )
    doc.parts = parts
    return parts
