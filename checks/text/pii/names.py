"""Name phrases: a run of capitalised words that reads as a person's name,
OCR-tolerant, with its initials, particles and titles."""

from __future__ import annotations

import re
from functools import lru_cache

from checks.text.pii.vocabulary import name_lists, normalise, vocab

# Glyphs Tesseract confuses, for label words that must be found in OCR text
# ("mevronw", "hcer", "Geboortedatnm", "geb0ren").
_OCR_CLASSES = {
    "e": "[eéc]", "c": "[ce]", "o": "[o0]", "u": "[unü]", "n": "[nu]", "l": "[l1I|]",
    "i": "[il1ïI]", "h": "[hb]", "m": "(?:m|rn)", "b": "[bh]",
}


def ocr_pattern(word: str) -> str:
    """A regex matching `word` with Tesseract's usual glyph confusions and a
    lost space between words (case-insensitive use intended)."""
    out = []
    for ch in word:
        if ch == " ":
            out.append(r"\s*")
        else:
            out.append(_OCR_CLASSES.get(ch.lower(), re.escape(ch)))
    return "".join(out)


UP = "A-ZÀ-ÖØ-Þ"
LO = "a-zß-öø-ÿ"
CAP = rf"[{UP}][{LO}'’]+"
CAPW = rf"{CAP}(?:-{CAP})*(?![{UP}{LO}])"  # "Visseren-Hamakers", never part of a word


@lru_cache(maxsize=1)
def patterns() -> dict[str, re.Pattern[str]]:
    v = vocab()
    nl = name_lists()
    interfix = "|".join(
        re.escape(i).replace(r"\ ", r"\s+") if not i[0].isalpha() else f"[{i[0].upper()}{i[0]}]{re.escape(i[1:])}"
        for i in nl.interfixes
        if i.replace(" ", "").replace("'", "").isalpha()
    )
    init = rf"(?:[{UP}]\.|(?:{'|'.join(map(re.escape, v.initials))})\.)"
    initials = rf"(?:{init}\s?){{1,5}}"
    surname = rf"(?:(?:{interfix})\s+)?{CAPW}(?:\s+{CAPW})?"
    titles = "|".join(ocr_pattern(t) for t in sorted(v.titles, key=len, reverse=True))
    labels = "|".join(sorted((re.escape(x).replace(r"\ ", r"\s+") for x in v.header_labels), key=len, reverse=True))
    closings = "|".join(sorted((re.escape(x).replace(r"\ ", r"\s+") for x in v.closings), key=len, reverse=True))
    return {
        "initials": re.compile(initials),
        "initials_token": re.compile(rf"{init}+"),
        "titles": re.compile(rf"(?:{titles})"),
        "surname": re.compile(surname),
        # The title may be glued to the name by OCR ("heerPostma", "De heerI.E.A.").
        "title": re.compile(
            rf"(?<![\w.])(?i:{titles})(?<=[\w.])(?:\s+|(?=[{UP}]))"
            rf"(?P<name>(?:(?:{CAPW}\s+)?{initials}\s*|{CAPW}\s+)?{surname})"
        ),
        "initials_name": re.compile(rf"(?<![\w.])(?P<name>{initials}\s*{surname})"),
        "first_surname": re.compile(rf"(?P<first>{CAPW})\s+(?P<sur>{surname})"),
        "header": re.compile(rf"(?m)^[ \t]*(?P<label>{labels})(?![\w-])[ \t]*:?[ \t]*(?P<value>[^\n]*)$"),
        "closing": re.compile(rf"(?im)^[ \t]*(?:{closings})[ \t]*[,.!]?[ \t]*$"),
    }


def core_tokens(phrase: str) -> list[str]:
    """The capitalised words of a name phrase (initials and interfixes off)."""
    return [t for t in re.findall(rf"{CAPW}", phrase) if not re.fullmatch(r"[A-Z][a-z]?", t)]


def is_name_word(token: str, *, strong: bool = False) -> bool:
    """Whether a capitalised word can be (part of) a surname: on the list,
    or not a frequent Dutch word, role, organisation or place."""
    nl = name_lists()
    parts = token.split("-")
    if any(p.isupper() and len(p) > 1 for p in parts):
        return False  # DVB, NAVO: units and organisations
    if all(p in nl.surnames for p in parts):
        return True
    if strong:
        return False
    low = token.casefold()
    if low in nl.common or any(p.casefold() in nl.common for p in parts):
        return False
    return normalise(token) not in static_allow_words()


@lru_cache(maxsize=1)
def static_allow_words() -> frozenset[str]:
    v = vocab()
    return frozenset(
        {normalise(w) for w in v.allow_words}
        | {normalise(r) for r in v.roles}
        | {normalise(p) for p in v.parties}
        | name_lists().places
    )


@lru_cache(maxsize=1)
def _role_org_words() -> frozenset[str]:
    """Roles, parties and organisations (not places: many surnames are
    places, and in a strong context a place-like word is a surname)."""
    v = vocab()
    return frozenset({normalise(w) for w in v.allow_words} | {normalise(r) for r in v.roles} | {normalise(p) for p in v.parties})


def _blocked(token: str) -> bool:
    """A capitalised word that cannot be part of a person's name in any
    context: a role, party or organisation word, a function word, an
    abbreviation in capitals."""
    return (
        any(p.isupper() and len(p) > 1 for p in token.split("-"))
        or normalise(token) in _role_org_words()
        or token.casefold() in name_lists().stop
    )


def surname_plausible(phrase: str) -> bool:
    """For names in a strong context (a title, two or more initials): every
    capitalised word may be a surname unless it is blocked. Frequent words
    are surnames too ("dhr. Flink", "mw. De Grote")."""
    core = core_tokens(phrase)
    return bool(core) and not any(_blocked(t) for t in core)


def surname_ok(phrase: str) -> bool:
    core = core_tokens(phrase)
    return bool(core) and all(is_name_word(t) for t in core)


def trim_surname(text: str, start: int, end: int) -> int:
    """Drop a trailing capitalised word that is not a name word ("Jansen
    Heeft"), so the span holds only the name."""
    phrase = text[start:end]
    words = list(re.finditer(rf"{CAPW}", phrase))
    if len(words) >= 2:
        last = words[-1]
        before = phrase[words[-2].end() : last.start()]
        if before.strip() == "" and not is_name_word(last.group(0), strong=True):
            return start + words[-2].end()
    return end


def looks_like_name(value: str) -> tuple[int, int] | None:
    """The span of a person's name in a short field value or signature
    line, or None when the value is a role, a unit, a stamp or ordinary
    words.

    Every word must be an initial, an interfix or a capitalised word that is
    not blocked (role, organisation, function word, abbreviation); and
    something must point at a person: initials, a listed name that is not
    also a frequent Dutch word, a first name with a listed surname, or a
    first name with a word no frequency list knows ("Yfke Wright")."""
    # The name ends where an address, a bracket or a separator begins
    # ("Jan Jansen <j.jansen@minbuza.nl>", "J. Jansen j.jansen@...").
    m = re.match(r"\s*(?P<v>[^<\[(;@]*?)(?=\s*(?:\S*@|[<\[(;]|$))", value)
    core = (m.group("v") if m else value).rstrip(" ,:")
    if not core or len(core) > 60:
        return None
    start = value.find(core)
    tokens = [t.rstrip(",") for t in core.split()]
    if tokens and not patterns()["initials_token"].fullmatch(tokens[-1]):
        tokens[-1] = tokens[-1].rstrip(".")
    if not 1 <= len(tokens) <= 6:
        return None
    nl = name_lists()
    interfixes = {i.casefold() for i in nl.interfixes}
    evidence = first_seen = unknown_seen = False
    for i, t in enumerate(tokens):
        if patterns()["initials_token"].fullmatch(t):
            evidence = True
            continue
        if t.casefold() in interfixes and i > 0:
            continue
        if not re.fullmatch(CAPW, t) or _blocked(t):
            return None
        is_first = t in nl.first
        is_sur = all(p in nl.surnames for p in t.split("-"))
        if ((is_first or is_sur) and t.casefold() not in nl.very_common) or (is_first and any(x in nl.surnames for x in tokens[i + 1 :] if x.casefold() not in interfixes)):
            evidence = True
        first_seen |= is_first
        unknown_seen |= not (is_first or is_sur) and t.casefold() not in nl.common
    if not evidence and not (first_seen and unknown_seen):
        return None
    return start, start + len(core)
