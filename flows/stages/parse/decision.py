"""Parse a Woo/Wob decision letter (besluit op een Woo- of Wob-verzoek) into
one `decisions` row: who decided, when the request was made and when it was
decided, the request as the letter sums it up, the outcome, the articles
relied on, the grounds in registry spelling, and the numbers of documents
and pages where the letter states them.

Every wording the parser looks for is data in
flows/registry/decision_phrases.toml; the grounds come from the grounds
registry (`find_codes`), so a code is published in one spelling whichever way
the letter writes it. A value the letter does not state stays null: nothing
is guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from flows.model import Document, Part, strip_span
from flows.registry.decision_phrases import decision_phrases
from flows.registry.grounds import find_codes
from flows.stages.parse.dates import parse_date

# A sentence ends at a full stop before white space and a capital, digit,
# quote or bullet (not the stop of an abbreviation such as "art." or "d.d.",
# nor of an initial as in "J. de Vries"), or at a blank line.
_SENTENCE_END = re.compile(r"(?<!\bart)(?<!\bnr)(?<!\bjo)(?<!\bo\.a)(?<!\bd\.d)(?<![\s.]\w)[.!?](?=\s+[A-Z0-9\"'‘“(•])|\n[ \t]*\n")


def _letter_end(text: str, start: int, end: int) -> int:
    """Where the letter itself ends: at the first annex heading (the text of
    the law, an inventory list) after its closing ("Hoogachtend"), or in its
    second half when it has none; an annex's articles and grounds are not
    the letter's."""
    phrases = decision_phrases()
    closings = [m.end() for p in phrases.closings if (m := p.search(text, start, end))]
    after = min(closings) if closings else start + (end - start) // 2
    found = [m.start() for p in phrases.annexes if (m := p.search(text, after, end))]
    return min(found) if found else end


# A heading on a line of its own ("Besluit", "Mijn beslissing"): short, no
# punctuation, after a blank line or a finished sentence.
_HEADING_LINE = re.compile(r"(?:\A|(?<=\n[ \t]\n)|(?<=\n\n)|(?<=[.:!?][ \t]\n)|(?<=[.:!?]\n))[ \t]*[A-Z][\w ’'-]{0,40}\n(?=[ \t]*[A-Z])")


def sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Spans of the sentences of text[start:end]; a heading line is a
    sentence of its own."""
    stops = {m.start() if m.group(0).startswith("\n") else m.end(): m.end()
             for m in _SENTENCE_END.finditer(text, start, end)}
    stops |= {m.end() - 1: m.end() for m in _HEADING_LINE.finditer(text, start, end)}
    pos = start
    for stop in sorted(stops):
        s, e = strip_span(text, pos, stop)
        if e > s:
            yield s, e
        pos = max(pos, stops[stop])
    s, e = strip_span(text, pos, end)
    if e > s:
        yield s, e


def _one_line(text: str) -> str:
    return " ".join(text.split())


def find_body(text: str, start: int, end: int) -> str | None:
    """The body that decided: the signature (a wording at a line start in
    the letter's second half, the last one), else the first wording in the
    text, else the letterhead."""
    phrases = decision_phrases()
    half = start + (end - start) // 2
    signature: list[re.Match[str]] = []
    anywhere: list[re.Match[str]] = []
    for pattern in phrases.body:
        for m in pattern.finditer(text, start, end):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if m.start() >= half and not text[line_start : m.start()].strip():
                signature.append(m)
            anywhere.append(m)
    chosen = (max(signature, key=lambda m: m.start()) if signature
              else min(anywhere, key=lambda m: m.start()) if anywhere else None)
    if chosen is None:
        heads = [h for p in phrases.letterheads if (h := p.search(text, start, min(end, start + 1500)))]
        chosen = min(heads, key=lambda h: h.start()) if heads else None
    if chosen is None:
        return None
    value = _one_line(chosen.group(0)).rstrip(",")
    return value[:1].upper() + value[1:]


def _first_date(patterns: tuple[re.Pattern[str], ...], text: str, start: int, end: int) -> dt.date | None:
    """The date of the first wording (in list order) that matches."""
    for pattern in patterns:
        for m in pattern.finditer(text, start, end):
            if parsed := parse_date(m.group("datum")):
                return parsed[0]
    return None


def find_request(text: str, start: int, end: int) -> str | None:
    """The request as the letter sums it up: what follows the first
    wording that introduces it, to the end of its sentence; after a colon,
    to the end of its paragraph (a list of what was asked)."""
    hits = [m for p in decision_phrases().request if (m := p.search(text, start, end))]
    if not hits:
        return None
    m = min(hits, key=lambda h: (h.start(), -h.end()))
    s = m.end()
    while s < end and text[s] in " \t\n:":
        s += 1
    if text[m.end() : s].strip().startswith(":"):
        para = re.search(r"\n[ \t]*\n", text[s:end])
        e = s + para.start() if para else end
    else:
        e = next((b for a, b in sentences(text, m.start(), end)), end)
    value = _one_line(text[s:e]).rstrip(".")
    return value or None


def find_decision(text: str, start: int, end: int) -> tuple[str | None, str | None]:
    """The outcome and the sentence that carries it: from the letter's
    decision section ("Besluit") if it has one that decides, else from the
    whole letter."""
    heads = [m.end() for p in decision_phrases().sections if (m := p.search(text, start, end))]
    if heads:
        outcome, sentence = _decision_in(text, min(heads), end)
        if outcome:
            return outcome, sentence
    return _decision_in(text, start, end)


def _decision_in(text: str, start: int, end: int) -> tuple[str | None, str | None]:
    """Decision sentences are those with a trigger ("besluit ik", "maak
    ik"); their outcome wordings are read with the outcome listed first in
    the registry winning where two overlap."""
    phrases = decision_phrases()
    rank = {o.name: i for i, o in enumerate(phrases.outcomes)}
    found: set[str] = set()
    decided: list[tuple[int, int]] = []  # the sentences with an outcome
    for s, e in sentences(text, start, end):
        if not any(t.search(text, s, e) for t in phrases.triggers):
            continue
        hits = [(m.start(), m.end(), o.name) for o in phrases.outcomes for p in o.patterns
                for m in p.finditer(text, s, e)]
        hits.sort(key=lambda h: (rank[h[2]], -(h[1] - h[0]), h[0]))
        taken: list[tuple[int, int, str]] = []
        for h in hits:
            if not any(h[0] < t[1] and t[0] < h[1] for t in taken):
                taken.append(h)
        if taken:
            found |= {t[2] for t in taken}
            decided.append((s, e))
    if not found:
        return None, None
    # A sentence is preferred to a title ("Besluit tot openbaarmaking").
    sentence = next((x for x in decided if text[x[1] - 1] in ".!?"), decided[0])
    if len(found) == 1:
        outcome = found.pop()
    elif "openbaar" in found:
        outcome = "mixed"  # some documents public, others (partly) withheld
    else:
        outcome = "deels_openbaar"  # a partial release that refuses the rest
    return outcome, _one_line(text[sentence[0] : sentence[1]])


def find_articles(text: str, start: int, end: int) -> list[str]:
    """Woo/Wob articles cited, as written, each once: an article followed by
    the law, or one that names a ground of the registry."""
    out: list[str] = []
    for m in decision_phrases().article.finditer(text, start, end):
        cited = m.group(0).rstrip(" ,")
        if not m.group("law") and not any(c.known for c in find_codes(cited)):
            continue
        cited = _one_line(cited)
        # Once per article: "artikel 8, eerste lid van" is "artikel 8, eerste lid, van".
        if _key(cited) not in {_key(c) for c in out}:
            out.append(cited)
    return out


def _key(cited: str) -> str:
    return re.sub(r"\W", "", cited.casefold())


def find_grounds(text: str, start: int, end: int) -> list[str]:
    """The registry's codes of the grounds the letter names, in order of
    first mention."""
    out: list[str] = []
    for c in find_codes(text[start:end]):
        if c.known and c.code not in out:
            out.append(c.code)
    return out


def _count(patterns: tuple[re.Pattern[str], ...], text: str, start: int, end: int) -> int | None:
    numbers = decision_phrases().numbers
    for pattern in patterns:
        if m := pattern.search(text, start, end):
            n = m.group("getal").lower()
            return int(n) if n.isdigit() else numbers[n]
    return None


def parse_decision(doc: Document, part: Part) -> None:
    """Add the `decisions` row of a decision letter."""
    text = doc.text
    start, end = strip_span(text, *part.span)
    if end <= start:
        return
    end = _letter_end(text, start, end)
    phrases = decision_phrases()
    outcome, sentence = find_decision(text, start, end)
    doc.add_row("decisions", {
        "part": part.index, "span_start": start, "span_end": end,
        "body": find_body(text, start, end),
        "request_date": _first_date(phrases.request_date, text, start, end),
        "decision_date": _first_date(phrases.decision_date, text, start, end),
        "request": find_request(text, start, end),
        "decision": outcome,
        "decision_text": sentence,
        "articles": find_articles(text, start, end),
        "grounds": find_grounds(text, start, end),
        "document_count": _count(phrases.documents, text, start, end),
        "page_count": _count(phrases.pages, text, start, end),
    })
