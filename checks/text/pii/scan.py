"""The scan of a text: every recogniser's hits, overlaps resolved, the
allow-list applied, each hit masked and hashed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from checks.masking import mask, value_hash
from checks.text.pii.allow_list import AllowList, static_allow_list
from checks.text.pii.names import LO
from checks.text.pii.recognisers import RECOGNISERS, Span
from checks.text.pii.vocabulary import PiiHit, name_lists, vocab
from flows.registry.grounds import find_codes


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Drop spans overlapping an earlier-ranked one (RECOGNISERS order), so a
    value is reported once, by its most specific recogniser."""
    kept: list[Span] = []
    for s in spans:
        if any(s[0] < k[1] and k[0] < s[1] for k in kept):
            continue
        kept.append(s)
    return sorted(kept)


def _around_lines(text: str, start: int, end: int, n: int) -> tuple[int, int]:
    """Bounds of the n non-empty lines before and after a span, with its
    own line."""
    lo = start
    for _ in range(n + 1):
        lo = text.rfind("\n", 0, max(0, lo - 1))
        while lo > 0 and text[lo - 1] == "\n":  # skip blank lines
            lo -= 1
        if lo <= 0:
            lo = 0
            break
    hi = end
    for _ in range(n + 1):
        nxt = text.find("\n", hi + 1)
        while 0 <= nxt < len(text) - 1 and text[nxt + 1] == "\n":
            nxt += 1
        if nxt < 0:
            hi = len(text)
            break
        hi = nxt
    return lo, hi


def _organisation_numbers(text: str, spans: list[Span], allow: AllowList) -> set[Span]:
    """Phone numbers, IBANs and addresses in an organisation's letterhead or
    contact block: an organisation word is near and no person's name or
    e-mail address is."""
    v = vocab()
    org = _organisation_word()
    personal = [
        s for s in spans
        if s[2] == "email" or (s[2] == "name" and not allow.allows(text[s[0] : s[1]], words=s[3] == "name_list"))
    ]
    out = set()
    for s in spans:
        if s[2] not in {"phone", "iban", "postcode"}:
            continue
        ls, le = _around_lines(text, s[0], s[1], 0)
        own_line = text[ls : s[0]] + " " + text[s[1] : le]
        # A sentence around the value is prose, not a letterhead: then only
        # an organisation word in that sentence's own line counts.
        prose = len(re.findall(rf"(?<![\w.])[{LO}]{{2,}}\b", own_line)) >= 2
        lo, hi = (ls, le) if prose else _around_lines(text, s[0], s[1], v.organisation_lines)
        if org.search(text, lo, hi) and not any(lo <= p[0] < hi for p in personal):
            out.add(s)
    return out


@lru_cache(maxsize=1)
def _organisation_word() -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.])(?:{'|'.join(re.escape(w) for w in vocab().organisation_context)})", re.I)


def _named_after_person(text: str, start: int, end: int) -> bool:
    """A venue or institution that bears a person's name, not the person:
    the last word has a venue ending ("Aletta Jacobszaal") or a
    preposition with the neuter article stands right before it ("een
    keuzevak op het Maarten van Rossem", a school: people take no "het")."""
    last = text[start:end].split()[-1]
    if last not in name_lists().surnames and any(last.casefold().endswith(sfx) for sfx in vocab().venue_suffixes):
        return True
    return _venue_before().search(text, max(0, start - 20), start) is not None


@lru_cache(maxsize=1)
def _venue_before() -> re.Pattern[str]:
    before = "|".join(re.escape(b).replace(r"\ ", r"\s+") for b in vocab().venue_before)
    return re.compile(rf"(?i)(?<![\w-])(?:{before})[ \t]+$")


def _legal_entity(text: str, start: int, end: int) -> bool:
    """A company or foundation named like a person: a legal form follows on
    the name's line, through capitalised words and brackets only ("Mr Green
    Limited", "WHG (International) Limited"), or a legal word stands right
    before it ("Stichting Anna Paulowna")."""
    form_after, word_before, _, _ = _entity_patterns()
    after = text[end : end + vocab().legal_reach].split("\n", 1)[0]
    return form_after.match(after) is not None or word_before.search(text[max(0, start - 30) : start]) is not None


def _organisation_account(text: str, start: int, end: int) -> bool:
    """An IBAN held "ten name van" an organisation: a holder phrase follows
    on its line or the next, and an organisation word or legal form stands
    in the holder's name."""
    _, _, holder, organisation = _entity_patterns()
    m = holder.search(text[end : end + 120])
    return m is not None and organisation.search(m.group(1)) is not None


@lru_cache(maxsize=1)
def _entity_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The legal form after a name, the legal word before one, the holder
    phrase after an IBAN, and an organisation word in the holder's name."""
    v = vocab()
    forms = "|".join(re.escape(f) for f in v.legal_forms)
    before = "|".join(re.escape(b) for b in v.legal_before)
    holder = "|".join(re.escape(h) for h in v.account_holder)
    words = "|".join(re.escape(w) for w in (*v.account_organisation_words, *v.legal_forms))
    return (re.compile(rf"(?:[ \t]+(?:[A-Z(][\w()&'.-]*))*?[ \t,]+(?:{forms})(?![\w])"),
            re.compile(rf"(?i)(?<![\w])(?:{before})[ \t]+$"),
            re.compile(rf"(?i)(?:{holder})[ \t]*([^\n]{{0,80}})"),
            re.compile(rf"(?i)(?<![\w])(?:{words})(?![\w])"))


_CLAUSE_START = re.compile(r"\(|[.;](?=\s)|\n[ \t]*\n")
_CLAUSE_END = re.compile(r"\)|[.;](?=\s|$)|\n[ \t]*\n")


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the bracket or clause around a span: from the last "(",
    sentence end or blank line before it to the next ")" or sentence end
    or blank line. A dot ends a clause only before white space, so the dots
    of a ground code ("5.1.2e") do not; an initial's ("J. Jansen") does,
    which is why callers test names by overlap with the clause."""
    lo = max(0, start - 120)
    starts = [m.end() for m in _CLAUSE_START.finditer(text, lo, start)]
    stop = _CLAUSE_END.search(text, end, end + 120)
    return (starts[-1] if starts else lo), (stop.start() if stop else min(len(text), end + 120))


def _unit_numbers(text: str, spans: list[Span], allow: AllowList) -> set[Span]:
    """Phone numbers given in running text for a team or desk: a unit word
    (a word ending in "team", "loket", ...) in the number's bracket or
    clause, and no person's name, e-mail address or ground code there.
    Only in prose: in a signature block the unit line stands under a
    person's name, which the body may have removed without a trace."""
    suffixes = tuple(s.casefold() for s in vocab().unit_suffixes)
    out = set()
    for s in spans:
        if s[2] != "phone":
            continue
        ls, le = _around_lines(text, s[0], s[1], 0)
        if len(re.findall(rf"(?<![\w.])[{LO}]{{2,}}\b", text[ls : s[0]] + " " + text[s[1] : le])) < 3:
            continue
        lo, hi = _clause(text, s[0], s[1])
        others = [p for p in spans if p != s and p[0] < hi and lo < p[1] and p[2] in {"email", "name", "phone"}]
        if any(p[2] != "name" or not allow.allows(text[p[0] : p[1]]) for p in others) or find_codes(text[lo:hi]):
            continue
        # A word the line break split ("Omge-\nvingsteam") is joined first.
        words = re.findall(r"[^\W\d_]+", re.sub(r"-[ \t]*\n[ \t]*", "", text[lo : s[0]] + " " + text[s[1] : hi]))
        if any(w.casefold().endswith(suffixes) for w in words):
            out.add(s)
    return out


def scan(text: str, *, allow: AllowList | None = None) -> list[PiiHit]:
    """All personal data in `text`, masked and hashed, in text order. Names
    that the allow-list covers (public office holders, organisations,
    places) are left out, and so are companies named like people, an
    organisation's own phone numbers and IBAN in its letterhead or held in
    its name, and the numbers given for a team or desk."""
    allow = allow or static_allow_list()
    spans: list[Span] = []
    for recogniser in RECOGNISERS:
        spans.extend(recogniser(text))
    merged = _merge(spans)
    organisational = _organisation_numbers(text, merged, allow) | _unit_numbers(text, merged, allow)
    hits = []
    for start, end, kind, rec in merged:
        if (start, end, kind, rec) in organisational:
            continue
        value = text[start:end]
        if kind == "name" and (allow.allows(value, words=rec == "name_list") or _named_after_person(text, start, end)
                               or _legal_entity(text, start, end)):
            continue
        if kind == "iban" and _organisation_account(text, start, end):
            continue
        hits.append(PiiHit(start, end, kind, rec, mask(value, kind), value_hash(value)))
    return hits
