"""Parse the public answers to written Kamervragen: who asked what, of whom
and when, who answered, and each question with its answer.

In the answer document each question is repeated as "Vraag N" and followed
by "Antwoord" (older documents: "Antwoord N"); combined answers are headed
"Vraag 2 en 3". An answer that refers to another ("Zie het antwoord op
vraag 1", also at the end of a longer answer) is resolved to the question
it names, as openkamer does with `see_answer_nr`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flows.model import Document, Part, strip_span
from flows.stages.parse.dates import parse_date

_NUMS = r"\d+(?:\s*(?:,|en|t/m|-)\s*\d+)*"
VRAAG_RE = re.compile(rf"^Vraag\s+(?P<nums>{_NUMS})\s*:?\s*$", re.MULTILINE)
ANTWOORD_RE = re.compile(rf"^Antwoord(?:\s+(?:op\s+)?(?:vraag\s+)?(?P<nums>{_NUMS}))?\s*:?\s*$", re.MULTILINE | re.IGNORECASE)
REFERENCE_RE = re.compile(
    rf"\b[Zz]ie\s+(?:daarnaast\s+|ook\s+|verder\s+|hiervoor\s+)?(?:het\s+|mijn\s+)?antwoord(?:en)?\s+(?:op|bij)\s+"
    rf"(?:de\s+)?vra(?:ag|gen)\s+(?P<nums>{_NUMS})\.?",
)
INTRO_RE = re.compile(
    r"Vragen van (?:het lid|de leden) (?P<askers>.+?)\s+(?:op|van)\s+(?P<date>\d{1,2}\s+\w+\s+\d{4})\s+"
    r"(?P<verb>medegedeeld|ingezonden|gesteld)\s+aan\s+(?P<addr>.+?)\s+over\s+(?P<subject>.+?)\.?\s*(?:\n\s*\n|\(|$)",
    re.DOTALL,
)
ANSWERED_RE = re.compile(
    r"Antwoord(?:en)? van (?:de |het )?(?P<who>(?:minister|staatssecretaris|minister-president)\b[^,(]*?)"
    r"(?:,?\s*mede namens (?P<also>[^(]+?))?\s*\((?:ontvangen|ingezonden)\s+(?P<date>[^)]+)\)",
    re.DOTALL,
)
# The verb tells the chamber: Eerste Kamer questions are "medegedeeld",
# Tweede Kamer questions "ingezonden".
KAMER_BY_VERB = {"medegedeeld": "Eerste Kamer", "ingezonden": "Tweede Kamer"}


MAX_RANGE = 100


def parse_numbers(s: str) -> list[int]:
    """"2 en 3", "2, 3", "4 t/m 6" -> numbers."""
    out: list[int] = []
    for m in re.finditer(r"(\d+)\s*(?:(t/m|-)\s*(\d+))?", s):
        a = int(m.group(1))
        if m.group(2):
            # A real range of questions is short; "1 t/m 99999999" is noise.
            out.extend(range(a, min(int(m.group(3)), a + MAX_RANGE) + 1))
        else:
            out.append(a)
    return out


def _one_line(s: str) -> str:
    return " ".join(s.split())


def split_names(s: str) -> list[str]:
    """"Nicolaï, Koffeman en Visseren-Hamakers" -> three names."""
    return [n.strip() for n in re.split(r",\s*|\s+en\s+", _one_line(s)) if n.strip()]


def parse_askers(s: str) -> tuple[list[str], list[str]]:
    """Names and their parties: "A, B en C (PvdD)" or "A (VVD) en B (D66)";
    a party in brackets applies to every name before it since the previous
    bracket."""
    names: list[str] = []
    parties: list[str] = []
    for m in re.finditer(r"(?P<names>[^()]+?)\s*\((?P<party>[^)]+)\)", s):
        group = split_names(re.sub(r"^\s*(?:,|en)\s+", "", m.group("names")))
        names += group
        parties += [m.group("party").strip()] * len(group)
    if not names:
        names = split_names(s)
        parties = [""] * len(names)
    return names, parties


def split_roles(s: str) -> list[str]:
    """"de minister van Defensie, de minister van Buitenlandse Zaken en de
    minister-president" -> roles; "en" inside a ministry's name stays."""
    roles = re.split(r",\s*|\s+en\s+(?=(?:de|het)\s)", _one_line(s))
    return [re.sub(r"^(?:de|het)\s+", "", r).strip() for r in roles if r.strip()]


@dataclass
class QA:
    numbers: list[int]
    start: int
    vraag: tuple[int, int]
    antwoord: tuple[int, int]
    end: int
    references: list[int] = field(default_factory=list)
    kind: str = "answer"


def find_questions(text: str, start: int, end: int) -> list[QA]:
    """Question/answer blocks within text[start:end]."""
    heads = list(VRAAG_RE.finditer(text, start, end))
    out = []
    for i, h in enumerate(heads):
        block_end = heads[i + 1].start() if i + 1 < len(heads) else end
        a = ANTWOORD_RE.search(text, h.end(), block_end)
        if a is None:
            continue  # a question without an answer (e.g. postponed) is not a QA row
        vraag = strip_span(text, h.end(), a.start())
        antwoord = strip_span(text, a.end(), block_end)
        qa = QA(parse_numbers(h.group("nums")), h.start(), vraag, antwoord, antwoord[1])
        body = text[antwoord[0] : antwoord[1]]
        refs = list(REFERENCE_RE.finditer(body))
        qa.references = [n for r in refs for n in parse_numbers(r.group("nums"))]
        if refs:
            rest = REFERENCE_RE.sub("", body)
            qa.kind = "reference" if not re.search(r"[^\W\d_]", rest) else "answer_with_reference"
        out.append(qa)
    return out


def parse_kamervragen(doc: Document, part: Part) -> None:
    """Add the `kamervragen` row and one `qa` row per question."""
    text = doc.text
    start, end = part.span
    qas = find_questions(text, start, end)
    intro_end = qas[0].start if qas else end
    intro = text[start:intro_end]
    row: dict = {"part": part.index, "span_start": start, "span_end": intro_end}
    if m := INTRO_RE.search(intro):
        names, parties = parse_askers(m.group("askers"))
        asked = parse_date(m.group("date"))
        row.update(
            vragenstellers=names,
            partijen=parties,
            datum_gesteld=asked[0] if asked else None,
            kamer=KAMER_BY_VERB.get(m.group("verb")),
            geadresseerden=split_roles(m.group("addr")),
            onderwerp=_one_line(m.group("subject")),
        )
    if m := ANSWERED_RE.search(intro):
        received = parse_date(m.group("date"))
        row.update(
            beantwoord_door=_one_line(m.group("who")),
            mede_namens=split_roles(m.group("also")) if m.group("also") else [],
            datum_ontvangen=received[0] if received else None,
        )
    row["vraag_count"] = len({n for qa in qas for n in qa.numbers})
    doc.add_row("kamervragen", row)
    for qa in qas:
        for n in qa.numbers:
            doc.add_row(
                "qa",
                {
                    "part": part.index,
                    "span_start": qa.start,
                    "span_end": qa.end,
                    "vraag_nr": n,
                    "vraag": text[qa.vraag[0] : qa.vraag[1]],
                    "antwoord": text[qa.antwoord[0] : qa.antwoord[1]],
                    "antwoord_kind": qa.kind,
                    "see_vraag_nrs": qa.references,
                    "combined_with": [o for o in qa.numbers if o != n],
                    "vraag_span_start": qa.vraag[0],
                    "vraag_span_end": qa.vraag[1],
                    "antwoord_span_start": qa.antwoord[0],
                    "antwoord_span_end": qa.antwoord[1],
                },
            )
