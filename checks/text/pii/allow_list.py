"""The allow-list: people who may be named because they act in public office
(ministers, members of Parliament, people the text names in a public role)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from checks.text.pii.names import (
    CAPW,
    UP,
    looks_like_name,
    ocr_pattern,
    patterns,
    static_allow_words,
)
from checks.text.pii.vocabulary import name_lists, normalise, vocab
from flows.model import Document

# Characters searched back from a party or an office for the name before
# it: more than any name with its titles and initials.
NAME_REACH = 120


@dataclass(frozen=True)
class AllowList:
    """Who and what may be named: public office holders named in the release
    (normalised surnames and full names) and roles, organisations and places
    (normalised words)."""

    persons: frozenset[str]
    words: frozenset[str]

    def allows(self, value: str, *, words: bool = True) -> bool:
        """Whether a name hit is a public office holder, an organisation or a
        place. A name matches a person by its surname (the words after any
        first name or initials), OCR-tolerantly for longer surnames. With
        words=False only persons count: after a title or initials a place
        name is a surname ("dr. F. Veenendaal")."""
        norm = normalise(re.sub(r"(?<![\w])[A-Z][a-z]?\.", " ", value))
        if not norm:
            return True
        if words and norm in self.words:
            return True
        tokens = norm.split()
        # Part of a longer public name ("Michel Xavier" of "Michel Xavier Biang").
        if len(tokens) >= 2 and any(f" {norm} " in f" {p} " for p in self.persons):
            return True
        for i in range(len(tokens)):
            tail = " ".join(tokens[i:])
            if tail in self.persons:
                return True
            if len(tail) >= 7 and any(
                Levenshtein.distance(tail, p, score_cutoff=1) <= 1 for p in self.persons if abs(len(p) - len(tail)) <= 1
            ):
                return True
        return False

    def merged(self, other: AllowList) -> AllowList:
        # The static words are many: not copied when there is nothing to add.
        return AllowList(self.persons | other.persons, self.words | other.words if other.words else self.words)


def static_allow_list() -> AllowList:
    """Roles, organisations and places shipped as data, with no persons."""
    return AllowList(frozenset(), static_allow_words())


@lru_cache(maxsize=1)
def _interfixes() -> tuple[frozenset[str], tuple[str, ...]]:
    """The name lists' interfixes ("van", "de", "van der"), normalised, and
    the same longest first."""
    interfixes = frozenset(normalise(i) for i in name_lists().interfixes)
    return interfixes, tuple(sorted(interfixes, key=len, reverse=True))


def _person_keys(name: str) -> set[str]:
    """The full name and its surname forms, normalised ("H.G.J. Bruins Slot"
    -> {"bruins slot"}; "Van Houwelingen" -> {"van houwelingen",
    "houwelingen"})."""
    nl = name_lists()
    norm = normalise(re.sub(r"(?<![\w])[A-Z][a-z]?\.", " ", name))
    tokens = norm.split()
    if not tokens:
        return set()
    keys = {norm}
    interfixes, longest_first = _interfixes()
    # Without a leading first name: "nicolai koffeman" -> "koffeman".
    for i in range(1, len(tokens)):
        head = " ".join(tokens[:i])
        if head in interfixes or tokens[i - 1] in interfixes:
            continue
        keys.add(" ".join(tokens[i:]))
    for k in list(keys):
        for ifx in longest_first:
            if k.startswith(ifx + " "):
                keys.add(k[len(ifx) + 1 :])
                break
    vocab_words = static_allow_words()
    return {
        k
        for k in keys
        if k not in vocab_words and any(t not in interfixes and t not in nl.common for t in k.split())
    }


@lru_cache(maxsize=1)
def _allow_patterns() -> dict[str, re.Pattern[str]]:
    v = vocab()
    p = patterns()
    roles = "|".join(sorted((re.escape(r).replace(r"\ ", r"\s+") for r in v.roles), key=len, reverse=True))
    parties = "|".join(sorted((re.escape(x) for x in v.parties), key=len, reverse=True))
    titles = "|".join(sorted((re.escape(t) for t in v.titles), key=len, reverse=True))
    name = rf"(?:(?i:{titles})\s+)*(?:(?:{CAPW}\s+)?{p['initials'].pattern}\s*|{CAPW}\s+)?{p['surname'].pattern}"
    signing = "|".join(sorted((re.escape(x) for x in v.signing), key=len, reverse=True))
    apposed = "|".join(sorted((re.escape(r).replace(r"\ ", r"\s+") for r in v.appositive_roles), key=len, reverse=True))
    tenure = "|".join(sorted((re.escape(w) for w in v.appositive_words), key=len, reverse=True))
    authorship = "|".join(sorted((ocr_pattern(a) for a in v.authorship), key=len, reverse=True))
    to_parliament = "|".join(sorted((re.escape(w) for w in v.to_parliament), key=len, reverse=True))
    office = rf",[ \t]*\n?[ \t]*(?i:(?:{tenure})(?:[ \t]+|(?<=-))){{0,3}}(?i:{apposed})(?![\w-])"
    return {
        # "Jan Jansen, de nieuwe hoge vertegenwoordiger van het IMF": the
        # office follows the name after a comma, with at most three articles
        # or adjectives of tenure between. Found from the office back, as
        # names before a party are: trying a name at every position of the
        # text cost more than all the other patterns together.
        "office": re.compile(office),
        "name_before_office": re.compile(rf"(?P<name>{name})\Z"),
        # "het onafhankelijke advies van Jan Jansen": the author of an
        # independent advice or report, named in that public commission.
        "authored": re.compile(rf"(?i:(?<![\w-])(?:{authorship}))\s+(?P<name>{name})"),
        # "het antwoord van dhr. X a.d. 2de Kamer": who answers or writes to
        # Parliament is a member of government.
        "to_parliament": re.compile(
            rf"(?i:(?<![\w-])(?:{to_parliament})\s+van)\s+(?P<name>{name})\s+"
            rf"(?i:(?:aan|in|a\.\s?d\.)\s+(?:de\s+|het\s+)?(?:(?:tweede|eerste|2de|1ste|2e|1e)\s*)?(?:kamer|parlement))(?![\w-])"
        ),
        # "minister Bruins Slot", "de leden Nicolaï, Koffeman en Visseren-Hamakers"
        "role_names": re.compile(
            rf"(?i:(?<![\w-])(?:{roles}))(?:\s+(?i:van|voor)\s+(?:[{UP}]\w+\s*)+)?[,:]?\s+"
            rf"(?P<names>{name}(?:\s*\([^)\n]{{1,40}}\))?(?:\s*(?:,|\ben\b)\s*{name}(?:\s*\([^)\n]{{1,40}}\))?)*)"
        ),
        # "Futselaar (SP)", "Van Houwelingen FvD", "J.J. van (Jan Jacob) (CDA)":
        # found from the party word back, which is far faster than trying a
        # name at every position.
        "party": re.compile(rf"(?<![\w-])\(?\s*(?:(?i:beiden|allen)\s+)?(?:{parties})(?![\w-])"),
        "name_before_party": re.compile(rf"(?P<name>{name})\)?(?:\s*\([^)\n]{{1,30}}\))?\s*$"),
        # "De minister van Buitenlandse Zaken,\nH.G.J. Bruins Slot": a role
        # line that ends with a comma (or is a bare role), then the name.
        "signed": re.compile(
            rf"(?im)^[ \t]*(?:(?:{signing})[ \t]*)?(?:de|het)?[ \t]*(?:{roles}|{signing})(?![\w-])[^\n.]{{0,80}}"
            rf"(?:,|(?<![.]))[ \t]*\n(?:[ \t]*(?:\n|(?:{signing})[ \t]*\n))*[ \t]*(?P<name>[^\n]{{2,60}})$"
        ),
        # "Drs. René J.P. Jansen\nVoorzitter": a name signed above a bare role.
        "over_role": re.compile(rf"(?m)^[ \t]*(?P<name>[^\n]{{2,60}})\n[ \t]*(?i:{roles})(?![\w-])[^\n.]{{0,40}}$"),
        "name": re.compile(name),
    }


def public_persons(text: str) -> set[str]:
    """Normalised names of people the text names in a public role: after a
    role word ("minister X", "de leden X, Y en Z"), before an office in
    apposition ("X, ambassadeur in Y"), as the author of an independent
    advice or report, as the sender of an answer or letter to Parliament,
    before a party ("X (SP)"), or signing under a role line."""
    ap = _allow_patterns()
    found: set[str] = set()
    for m in ap["role_names"].finditer(text):
        for n in ap["name"].finditer(re.sub(r"\([^)]*\)", " ", m.group("names"))):
            found |= _person_keys(n.group(0))
    titles = rf"(?i)^(?:(?:{patterns()['titles'].pattern})\s*)+"
    taken = 0  # a name and its office take their text: the next name begins after them
    for m in ap["office"].finditer(text):
        before = ap["name_before_office"].search(text, max(taken, m.start() - NAME_REACH), m.start())
        if before:
            found |= _person_keys(re.sub(titles, "", before.group("name")))
            taken = m.end()
    for key in ("authored", "to_parliament"):
        for m in ap[key].finditer(text):
            found |= _person_keys(re.sub(titles, "", m.group("name")))
    for m in ap["party"].finditer(text):
        before = ap["name_before_party"].search(text, max(0, m.start() - NAME_REACH), m.start())
        if before:
            found |= _person_keys(before.group("name"))
    for key in ("signed", "over_role"):
        for m in ap[key].finditer(text):
            line = re.sub(rf"(?i)^(?:{patterns()['titles'].pattern}\s+)+", "", m.group("name").strip())
            if looks_like_name(line):
                found |= _person_keys(line)
                continue
            # Several signatories on one line ("John Berends Miriam
            # Nienhuis-van Doremaele"): the name phrases, when they make up
            # most of the line (so a sentence under a role line is not taken).
            titles = rf"(?i)^(?:(?:{patterns()['titles'].pattern})\s*)+"
            phrases = [re.sub(titles, "", n.group(0)) for n in ap["name"].finditer(line)]
            phrases = [ph for ph in phrases if looks_like_name(ph)]
            # Letters of capitalised words (not abbreviations like "ADLI"):
            # forms of address and lower-case words do not count.
            capital = sum(len(t) for t in re.findall(r"\b[A-Z][\w.'’-]*", line) if not t.isupper() or "." in t)
            if phrases and sum(len(ph.replace(" ", "")) for ph in phrases) >= 0.6 * capital:
                for ph in phrases:
                    found |= _person_keys(ph)
    return found


def allow_list_for(doc: Document) -> AllowList:
    """The allow-list for one document: the static roles, organisations and
    places, plus the public office holders the release names (from the
    kamervragen rows where the parser filled them, and from role words,
    party labels and signature lines in the text)."""
    persons: set[str] = set()
    for row in doc.rows.get("kamervragen", []):
        for col in ("vragenstellers", "geadresseerden", "mede_namens"):
            for name in row.get(col) or []:
                persons |= _person_keys(name)
        if row.get("beantwoord_door"):
            persons |= _person_keys(row["beantwoord_door"])
    persons |= public_persons(doc.text)
    return static_allow_list().merged(AllowList(frozenset(persons), frozenset()))
