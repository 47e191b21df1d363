"""Checks on the numbering of answered Kamervragen.

The parser lists, per set of Kamervragen, every question and every answer
as headed in the text (`vraag_labels`, `antwoord_labels`), and gives a qa
row to each question that has an answer. From those rows this check reports
what a reader of the published table would otherwise miss: a number left
out of the sequence, a question or answer headed twice, a question without
an answer and an answer without a question. A postponement notice
(uitstelbericht) has no questions to check.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from checks.findings import add_finding
from flows.model import Document

Label = tuple[int, str]


def _label(s: str) -> Label | None:
    """"2a" -> (2, "a"); "3" -> (3, ""); "" (an unnumbered answer) -> None."""
    m = re.fullmatch(r"(\d+)([a-z]?)", s)
    return (int(m.group(1)), m.group(2)) if m else None


def _answered(label: Label, keys: set[Label]) -> bool:
    """A question headed "3" is answered by its rows 3a, 3b too."""
    return label in keys or (not label[1] and any(n == label[0] for n, _ in keys))


def _gaps(labels: list[Label]) -> list[str]:
    """Numbers left out between 1 and the highest, and letters left out of
    a question's sub-questions ("2a", "2c": 2b)."""
    numbers = {n for n, _ in labels}
    out = [str(n) for n in range(1, max(numbers, default=0) + 1) if n not in numbers]
    for n in sorted(numbers):
        subs = sorted({s for m, s in labels if m == n and s})
        if subs:
            out += [f"{n}{chr(c)}" for c in range(ord("a"), ord(subs[-1])) if chr(c) not in subs]
    return out


def check_kamervragen(doc: Document) -> None:
    """Numbering findings for each set of Kamervragen with answers."""
    parts = {p.index: p for p in doc.parts}
    for row in doc.rows.get("kamervragen", []):
        if row.get("kind") == "answers" and row.get("part") in parts:
            _check_part(doc, row, parts[row["part"]].span)


def _check_part(doc: Document, row: dict[str, Any], part_span: tuple[int, int]) -> None:
    """The findings of one set: a question or answer without a row to point
    at is placed at its part."""
    part = row["part"]
    qa_rows = [r for r in doc.rows.get("qa", []) if r["part"] == part]
    keys = {(r["vraag_nr"], r["sub_vraag"] or "") for r in qa_rows}
    vragen = [lb for s in row.get("vraag_labels") or [] if (lb := _label(s))]
    antwoorden = [_label(s) for s in row.get("antwoord_labels") or []]

    def report(check: str, severity: str, message: str, key: str, span: tuple[int, int] = part_span) -> None:
        add_finding(doc, check, severity, message, span[0], span[1], key=f"{part}:{key}", part=part)

    for gap in _gaps(vragen + [a for a in antwoorden if a]):
        report("kamervragen_numbering_gap", "low", f"question {gap} is missing from the numbering", gap)
    for lb, n in Counter(vragen).items():
        if n > 1:
            report("kamervragen_duplicate_question", "low", f"question {_text(lb)} is headed {n} times", _text(lb))
    for lb, n in Counter(a for a in antwoorden if a).items():
        if n > 1:
            report("kamervragen_duplicate_answer", "medium",
                   f"question {_text(lb)} is answered {n} times; the first answer is published", _text(lb))
    for lb in dict.fromkeys(vragen):
        if not _answered(lb, keys):
            report("kamervragen_question_without_answer", "medium", f"question {_text(lb)} has no answer", _text(lb))
    asked = set(vragen)
    for i, answer in enumerate(antwoorden):
        if answer is None:
            report("kamervragen_answer_without_question", "medium", "an unnumbered answer follows no question",
                   f"unnumbered:{i}")
        elif not _answered(answer, asked) and (answer[0], "") not in asked:
            spans = [(r["span_start"], r["span_end"]) for r in qa_rows if (r["vraag_nr"], r["sub_vraag"] or "") == answer]
            report("kamervragen_answer_without_question", "medium", f"answer {_text(answer)} has no question in the text",
                   _text(answer), spans[0] if spans else part_span)


def _text(label: Label) -> str:
    return f"{label[0]}{label[1]}"
