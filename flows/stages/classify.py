"""The classify stage: the type of every part (gazette, Kamerbrief,
decision, e-mail, memo, letter ...) and, for a part the splitter could not
place, the visibility that follows from it.

Each type in `flows/registry/document_types.toml` has landmarks: a gazette's
title line, a letter's "Geachte", a decision's "OPENBAAR" stamp, the header
lines of an e-mail. A part scores the weights of the landmarks found in it
(title-like ones only near its start), and takes the type that scores most,
if that reaches the registry's minimum; otherwise it is "other", which is
internal (fail closed). The landmarks found and the scores of the best
candidates are kept with the part, so that a coordinator can see why."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flows.model import Document, Part, StageContext
from flows.registry.document_types import FALLBACK, DocumentType, document_types
from flows.registry.part_kinds import part_kinds


@dataclass(frozen=True)
class Classification:
    type: DocumentType
    score: float
    landmarks: tuple[str, ...]  # the chosen type's landmarks found in the text
    scores: dict[str, float]  # the best candidates' scores, best first

    def evidence(self) -> str:
        """What the classification rests on, as JSON for the parts table."""
        return json.dumps({"landmarks": list(self.landmarks), "scores": self.scores}, ensure_ascii=False)


def _unspaced(text: str) -> str:
    """Lines set in spaced capitals ("T R A C TAT E N B L A D") joined up, so
    that a title landmark needs only one spelling: a line of four or more
    pieces, most of them single letters."""
    out = []
    for line in text.split("\n"):
        pieces = line.split()
        if len(pieces) >= 4 and sum(len(p) == 1 for p in pieces) >= 0.6 * len(pieces):
            line = "".join(pieces)
        out.append(line)
    return "\n".join(out)


def _scores(head: str, text: str | None) -> dict[str, tuple[float, tuple[str, ...]]]:
    """Each type's score and the landmarks found: title landmarks in
    `head`, the others in `text` (none when `text` is None)."""
    found: dict[str, tuple[float, tuple[str, ...]]] = {}
    for t in document_types().types.values():
        hits = tuple(lm.name for lm in t.landmarks
                     if (lm.pattern.search(head) if lm.head else text is not None and lm.pattern.search(text)))
        score = sum(lm.weight for lm in t.landmarks if lm.name in hits)
        if score > 0:
            found[t.name] = (score, hits)
    return found


def classify_text(text: str) -> Classification:
    """The type of a document's text, from the landmarks of every type."""
    registry = document_types()
    found = _scores(_unspaced(text[: registry.head_chars]), text)
    # Registry order breaks ties: the more specific types come first there.
    ranked = sorted(found, key=lambda name: -found[name][0])
    scores = {name: found[name][0] for name in ranked[:3]}
    if ranked and found[ranked[0]][0] >= registry.min_score:
        best = ranked[0]
        return Classification(registry.types[best], found[best][0], found[best][1], scores)
    return Classification(registry.types[FALLBACK], 0.0, (), scores)


def title_score(text: str) -> float:
    """The weight of the title landmarks (the `head` ones) of the type they
    favour most in `text`, the top of a page: a page that opens like a
    document of some type may begin one (flows/stages/split.py)."""
    return max((score for score, _ in _scores(_unspaced(text), None).values()), default=0.0)


def classify_part(doc: Document, part: Part) -> None:
    """Set a part's type; a part the splitter recognised keeps the type and
    visibility of its kind, any other takes those of its text's type."""
    kind = part_kinds()[part.kind]
    if kind.document_type is not None:
        part.document_type = kind.document_type
        part.type_evidence = json.dumps({"part_kind": part.kind}, ensure_ascii=False)
        return
    found = classify_text(doc.text[part.span[0] : part.span[1]])
    part.document_type = found.type.name
    part.type_evidence = found.evidence()
    part.visibility = found.type.visibility
    part.diwoo_type = found.type.diwoo_type


def classify(doc: Document, ctx: StageContext) -> None:
    """The classify stage."""
    for part in doc.parts:
        classify_part(doc, part)
