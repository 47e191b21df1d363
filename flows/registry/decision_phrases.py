"""The registry of wordings in Woo/Wob decision letters
(`decision_phrases.toml`): who decided, the dates of request and decision,
the request, the outcome, the articles cited and the counts of documents
and pages. The wordings are data; this module only fills in their
placeholders and compiles them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flows.registry.loader import read_toml

_MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
           "|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec")
# A capitalised word, or "'s-Gravenhage"; joined by spaces, commas and the
# small words of Dutch names ("Binnenlandse Zaken en Koninkrijksrelaties").
_WORD = r"(?:'s-)?[A-ZÀ-Ý][\w'’\-]*"
PLACEHOLDERS = {
    "datum": rf"(?P<datum>[0-3]?\d\s*(?:{_MONTHS})\.?\s+(?:19|20)\d\d|[0-3]?\d[-/.][01]?\d[-/.](?:19|20)\d\d)",
    "naam": rf"(?P<naam>(?:(?:de|het)[ \t]+)?(?-i:{_WORD}(?:(?:,[ \t]*|[ \t]+)(?:(?:en|der|van|de|voor)[ \t]+)*{_WORD})*))",
    "woorden": r"[^.;:\n]{0,160}?",
}


@dataclass(frozen=True)
class Outcome:
    name: str  # openbaar | deels_openbaar | niet_openbaar
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class DecisionPhrases:
    body: tuple[re.Pattern[str], ...]
    letterheads: tuple[re.Pattern[str], ...]
    request_date: tuple[re.Pattern[str], ...]
    decision_date: tuple[re.Pattern[str], ...]
    request: tuple[re.Pattern[str], ...]
    sections: tuple[re.Pattern[str], ...]  # headings of the decision's own section
    triggers: tuple[re.Pattern[str], ...]
    outcomes: tuple[Outcome, ...]
    article: re.Pattern[str]  # an article citation, with the law when one follows
    documents: tuple[re.Pattern[str], ...]
    pages: tuple[re.Pattern[str], ...]
    numbers: dict[str, int]  # number words: "twaalf" -> 12
    annexes: tuple[re.Pattern[str], ...]
    closings: tuple[re.Pattern[str], ...]


def _spaces(wording: str) -> str:
    """A space between words matches any run of white space, a line break
    included: a PDF's lines break wherever the layout wants. Spaces inside
    a character class ("[ \\t]") stay what they are."""
    out, in_class = [], False
    for i, c in enumerate(wording):
        if c == "[" and (i == 0 or wording[i - 1] != "\\"):
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        out.append(r"\s+" if c == " " and not in_class else c)
    return "".join(out)


def _compile(wording: str, numbers: tuple[str, ...] = ()) -> re.Pattern[str]:
    """A wording with its placeholders filled in; case-insensitive, at word
    boundaries, multi-line."""
    getal = r"(?P<getal>\d+|" + "|".join(numbers) + ")" if numbers else r"(?P<getal>\d+)"
    pattern = _spaces(wording)
    for name, fill in {**PLACEHOLDERS, "getal": getal}.items():
        pattern = pattern.replace("{" + name + "}", fill)
    return re.compile(rf"(?<![\w-]){pattern}(?!\w)" if pattern[0].isalpha() else pattern, re.IGNORECASE | re.MULTILINE)


def _article_re(words: list[str], laws: list[str]) -> re.Pattern[str]:
    """"artikel 5.1, tweede lid, aanhef en onder e en i, van de Woo": the
    article's number, its paragraph and letters, and the law if it follows."""
    ordinal = "eerste|tweede|derde|vierde|vijfde|zesde|zevende|achtste"
    qualifier = (rf"(?:,?\s*(?:(?:{ordinal})\s+lid|lid\s+\d+)"
                 r"|,?\s*(?:aanhef\s+en\s+)?(?:onder|sub)\s+[a-i](?:(?:\s*,\s*|\s+en\s+)[a-i](?![\w]))*(?![\w]))")
    law = "|".join(re.escape(w) for w in laws)
    return re.compile(
        rf"\b(?:{'|'.join(words)})\s*(?P<nr>\d+(?:\.\d+)*[a-z]?)(?![\d:])(?:{qualifier})*"
        rf"(?P<law>,?\s*(?:van\s+de\s+|van\s+)?(?:{law})\b)?",
        re.IGNORECASE,
    )


@cache
def decision_phrases() -> DecisionPhrases:
    data = read_toml("decision_phrases.toml")
    numbers = tuple(data["counts"]["numbers"])
    outcomes = data["decision"]["outcomes"]
    return DecisionPhrases(
        body=tuple(_compile(w) for w in data["body"]["wordings"]),
        letterheads=tuple(_compile(w) for w in data["body"]["letterheads"]),
        request_date=tuple(_compile(w) for w in data["request_date"]["wordings"]),
        decision_date=tuple(_compile(w) for w in data["decision_date"]["wordings"]),
        request=tuple(_compile(w) for w in data["request"]["wordings"]),
        sections=tuple(_compile(w) for w in data["decision"]["sections"]),
        triggers=tuple(_compile(w) for w in data["decision"]["triggers"]),
        outcomes=tuple(Outcome(name, tuple(_compile(w) for w in ws)) for name, ws in outcomes.items()),
        article=_article_re(data["articles"]["words"], data["articles"]["laws"]),
        documents=tuple(_compile(w, numbers) for w in data["counts"]["documents"]),
        pages=tuple(_compile(w, numbers) for w in data["counts"]["pages"]),
        numbers={w: i + 1 for i, w in enumerate(numbers)},
        annexes=tuple(_compile(w) for w in data["annexes"]["headings"]),
        closings=tuple(_compile(w) for w in data["annexes"]["closings"]),
    )
