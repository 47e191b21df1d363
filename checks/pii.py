"""Recognisers of personal data in Dutch government text, and the allow-list
of people who may be named because they act in public office.

Why hand-made recognisers: Presidio has no Dutch recognisers and spaCy's
Dutch models are not installable here; deduce targets medical text and
knows nothing of who may be named in a Woo release. So numbers are
validated with python-stdnum (BSN elfproef, IBAN mod-97) and phonenumbers
(Google's libphonenumber metadata), and names are found from context
(titles, initials, header labels, signature blocks) and from the Dutch
first-name and surname lists that ship inside the `deduce` wheel. Those
lists are read as plain files (a few milliseconds), never through deduce's
own loader, which takes minutes on first use.

Every hit carries only a masked rendering and a salted hash of the value
(checks.masking): the clear value never leaves this module.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import phonenumbers
from rapidfuzz.distance import Levenshtein
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

from checks.grounds import find_codes
from flows.dates import MONTHS
from checks.masking import mask, value_hash

if TYPE_CHECKING:
    from flows.model import Document

VOCAB_PATH = Path(__file__).parent / "data" / "pii.toml"

KINDS = ("email", "phone", "bsn", "iban", "postcode", "birth_date", "name")


@dataclass(frozen=True)
class PiiHit:
    """One piece of personal data in a text, without its clear value."""

    start: int
    end: int
    kind: str  # one of KINDS
    recogniser: str
    masked: str
    value_hash: str


# --------------------------------------------------------------------------
# Vocabulary: checks/data/pii.toml and the name lists of the deduce wheel


@dataclass(frozen=True)
class Vocab:
    generic_mailboxes: frozenset[str]
    bsn_labels: tuple[str, ...]
    reference_labels: tuple[str, ...]
    birth_labels: tuple[str, ...]
    titles: tuple[str, ...]
    initials: tuple[str, ...]
    company_forms: frozenset[str]
    organisation_context: tuple[str, ...]
    organisation_lines: int
    unit_suffixes: tuple[str, ...]
    header_labels: tuple[str, ...]
    closings: tuple[str, ...]
    roles: tuple[str, ...]
    parties: tuple[str, ...]
    allow_words: tuple[str, ...]
    removed_kind: dict[str, tuple[str, ...]]
    placeholders: tuple[tuple[str, str], ...]  # (regex, severity)
    citation_words: tuple[str, ...]
    signing: tuple[str, ...]
    street_suffixes: tuple[str, ...]
    address_labels: tuple[str, ...]
    appositive_roles: tuple[str, ...]
    appositive_words: tuple[str, ...]
    authorship: tuple[str, ...]
    to_parliament: tuple[str, ...]
    venue_suffixes: tuple[str, ...]
    venue_before: tuple[str, ...]


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    data = tomllib.loads(VOCAB_PATH.read_text(encoding="utf-8"))
    from flows.parse_memo import memo_spec

    person_labels = [label for f in memo_spec().fields if f.type in {"person", "recipient"} for label in f.labels]
    return Vocab(
        generic_mailboxes=frozenset(x.casefold() for x in data["email"]["generic_local_parts"]),
        bsn_labels=tuple(data["bsn"]["labels"]),
        reference_labels=tuple(data["bsn"]["reference_labels"]),
        birth_labels=tuple(data["birth_date"]["labels"]),
        titles=tuple(data["names"]["titles"]),
        initials=tuple(data["names"]["initials"]),
        organisation_context=tuple(data["organisation"]["context"]),
        organisation_lines=int(data["organisation"]["lines"]),
        unit_suffixes=tuple(data["organisation"]["unit_suffixes"]),
        company_forms=frozenset(x.replace(".", "") for x in data["names"]["company_forms"]),
        header_labels=tuple(dict.fromkeys([*data["names"]["header_labels"], *person_labels])),
        closings=tuple(data["names"]["closings"]),
        roles=tuple(data["allow"]["roles"]),
        parties=tuple(data["allow"]["parties"]),
        allow_words=tuple(data["allow"]["words"]),
        removed_kind={k: tuple(v) for k, v in data["removed_kind"].items()},
        placeholders=tuple((p["pattern"], p["severity"]) for p in data["placeholder"]),
        citation_words=tuple(data["citation"]["before"]),
        signing=tuple(data["allow"]["signing"]),
        street_suffixes=tuple(data["streets"]["suffixes"]),
        address_labels=tuple(data["streets"]["labels"]),
        appositive_roles=tuple(data["allow"]["appositive_roles"]),
        appositive_words=tuple(data["allow"]["appositive_words"]),
        authorship=tuple(data["allow"]["authorship"]),
        to_parliament=tuple(data["allow"]["to_parliament"]),
        venue_suffixes=tuple(data["venues"]["suffixes"]),
        venue_before=tuple(data["venues"]["before"]),
    )


@dataclass(frozen=True)
class NameLists:
    first: frozenset[str]  # first names, as spelled (capitalised)
    surnames: frozenset[str]  # surnames and surnames that take an interfix ("Berg")
    interfixes: tuple[str, ...]  # "van der", "de", ... longest first
    places: frozenset[str]  # normalised place names (residences, municipalities, provinces)
    common: frozenset[str]  # frequent lower-case Dutch words that are not names
    very_common: frozenset[str]  # the 5000 most frequent Dutch words (names included)
    stop: frozenset[str]  # function words that deduce lists as first names ("De", "Aan")


def _deduce_list(files: dict[str, importlib.metadata.PackagePath], folder: str) -> set[str]:
    """A deduce lookup list: items.txt minus exceptions.txt, as deduce builds it."""
    base = f"deduce/data/lookup/src/{folder}"
    if f"{base}/items.txt" not in files:
        raise RuntimeError(f"the installed 'deduce' package has no {base}/items.txt (lakmoes needs deduce 3.x)")
    items = set(files[f"{base}/items.txt"].locate().read_text(encoding="utf-8").splitlines())
    if f"{base}/exceptions.txt" in files:
        items -= set(files[f"{base}/exceptions.txt"].locate().read_text(encoding="utf-8").splitlines())
    return {x.strip() for x in items if x.strip()}


@lru_cache(maxsize=1)
def name_lists() -> NameLists:
    """Load the name and place lists from the installed deduce wheel.

    Files are located through the wheel's RECORD, so deduce itself (and its
    slow lookup-structure build) is never imported."""
    from wordfreq import top_n_list  # frequency list ships inside wordfreq

    try:
        files = {str(f): f for f in importlib.metadata.files("deduce") or ()}
    except importlib.metadata.PackageNotFoundError as e:  # pragma: no cover - install error
        raise RuntimeError("the name lists come from the 'deduce' package: pip install deduce") from e
    first = _deduce_list(files, "names/lst_first_name")
    surnames = _deduce_list(files, "names/lst_surname") | _deduce_list(files, "names/lst_interfix_surname")
    interfixes = _deduce_list(files, "names/lst_interfix")
    places: set[str] = set()
    for sub in ("lst_residence", "lst_municipality", "lst_province", "lst_region"):
        places |= {normalise(p) for p in _deduce_list(files, f"locations/lst_placename/{sub}")}
    stop = _deduce_list(files, "whitelist/lst_stop_word") | _deduce_list(files, "whitelist/lst_common_word")
    name_forms = {n.casefold() for n in first | surnames}
    frequent = top_n_list("nl", 30000)
    common = ({w for w in frequent if w not in name_forms} | {s.casefold() for s in stop}) - {""}
    return NameLists(
        first=frozenset(first),
        surnames=frozenset(surnames),
        interfixes=tuple(sorted(interfixes, key=len, reverse=True)),
        places=frozenset(places),
        common=frozenset(common),
        very_common=frozenset(frequent[:5000]),
        stop=frozenset(x.casefold() for x in _deduce_list(files, "whitelist/lst_stop_word") | interfixes),
    )


def normalise(value: str) -> str:
    """Fold case, diacritics and hyphens, so that "Visseren-Hamakers",
    "Visseren Hamakers" and OCR's "Nicolai" for "Nicolaï" compare equal."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = re.sub(r"[-‐–’'`]", " ", plain.casefold())
    return " ".join(re.findall(r"[a-z0-9]+", plain))


# --------------------------------------------------------------------------
# Name phrases

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


_UP = "A-ZÀ-ÖØ-Þ"
_LO = "a-zß-öø-ÿ"
CAP = rf"[{_UP}][{_LO}'’]+"
CAPW = rf"{CAP}(?:-{CAP})*(?![{_UP}{_LO}])"  # "Visseren-Hamakers", never part of a word


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    v = vocab()
    nl = name_lists()
    interfix = "|".join(
        re.escape(i).replace(r"\ ", r"\s+") if not i[0].isalpha() else f"[{i[0].upper()}{i[0]}]{re.escape(i[1:])}"
        for i in nl.interfixes
        if i.replace(" ", "").replace("'", "").isalpha()
    )
    init = rf"(?:[{_UP}]\.|(?:{'|'.join(map(re.escape, v.initials))})\.)"
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
            rf"(?<![\w.])(?i:{titles})(?<=[\w.])(?:\s+|(?=[{_UP}]))"
            rf"(?P<name>(?:(?:{CAPW}\s+)?{initials}\s*|{CAPW}\s+)?{surname})"
        ),
        "initials_name": re.compile(rf"(?<![\w.])(?P<name>{initials}\s*{surname})"),
        "first_surname": re.compile(rf"(?P<first>{CAPW})\s+(?P<sur>{surname})"),
        "header": re.compile(rf"(?m)^[ \t]*(?P<label>{labels})(?![\w-])[ \t]*:?[ \t]*(?P<value>[^\n]*)$"),
        "closing": re.compile(rf"(?im)^[ \t]*(?:{closings})[ \t]*[,.!]?[ \t]*$"),
    }


def _core_tokens(phrase: str) -> list[str]:
    """The capitalised words of a name phrase (initials and interfixes off)."""
    return [t for t in re.findall(rf"{CAPW}", phrase) if not re.fullmatch(r"[A-Z][a-z]?", t)]


def _is_name_word(token: str, *, strong: bool = False) -> bool:
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
    return normalise(token) not in _static_allow_words()


@lru_cache(maxsize=1)
def _static_allow_words() -> frozenset[str]:
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


def _surname_plausible(phrase: str) -> bool:
    """For names in a strong context (a title, two or more initials): every
    capitalised word may be a surname unless it is blocked. Frequent words
    are surnames too ("dhr. Flink", "mw. De Grote")."""
    core = _core_tokens(phrase)
    return bool(core) and not any(_blocked(t) for t in core)


def _surname_ok(phrase: str) -> bool:
    core = _core_tokens(phrase)
    return bool(core) and all(_is_name_word(t) for t in core)


def _trim_surname(text: str, start: int, end: int) -> int:
    """Drop a trailing capitalised word that is not a name word ("Jansen
    Heeft"), so the span holds only the name."""
    phrase = text[start:end]
    words = list(re.finditer(rf"{CAPW}", phrase))
    if len(words) >= 2:
        last = words[-1]
        before = phrase[words[-2].end() : last.start()]
        if before.strip() == "" and not _is_name_word(last.group(0), strong=True):
            return start + words[-2].end()
    return end


def _looks_like_name(value: str) -> tuple[int, int] | None:
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
    if tokens and not _patterns()["initials_token"].fullmatch(tokens[-1]):
        tokens[-1] = tokens[-1].rstrip(".")
    if not 1 <= len(tokens) <= 6:
        return None
    nl = name_lists()
    interfixes = {i.casefold() for i in nl.interfixes}
    evidence = first_seen = unknown_seen = False
    for i, t in enumerate(tokens):
        if _patterns()["initials_token"].fullmatch(t):
            evidence = True
            continue
        if t.casefold() in interfixes and i > 0:
            continue
        if not re.fullmatch(CAPW, t) or _blocked(t):
            return None
        is_first = t in nl.first
        is_sur = all(p in nl.surnames for p in t.split("-"))
        if (is_first or is_sur) and t.casefold() not in nl.very_common:
            evidence = True
        elif is_first and any(x in nl.surnames for x in tokens[i + 1 :] if x.casefold() not in interfixes):
            evidence = True
        first_seen |= is_first
        unknown_seen |= not (is_first or is_sur) and t.casefold() not in nl.common
    if not evidence and not (first_seen and unknown_seen):
        return None
    return start, start + len(core)


# --------------------------------------------------------------------------
# Recognisers. Each returns (start, end, kind, recogniser) spans.

Span = tuple[int, int, str, str]


def find_emails(text: str) -> list[Span]:
    """E-mail addresses whose local part names a person. A shared mailbox
    (info@, woo@) or a local part already replaced by a ground code or a
    placeholder ("5.1.2e@minbuza.nl") is not personal data."""
    out = []
    for m in EMAIL_RE.finditer(text):
        local = m.group("local")
        if _generic_mailbox(local) or not re.search(r"[A-Za-z]{2}", local) or find_codes(local):
            continue
        # "2el@tweedekamer.nl" after "51.51": the tail of an OCR-damaged stamp
        # 5.1.2e in the local part, too short to name anyone.
        if len(local) <= 3 and re.search(r"\d", local):
            continue
        # OCR may put a space at the "@"; then the local part must look like
        # one ("p.jansen"), not be a word ("contact en @politie.nl").
        if re.search(r"\s", m.group(0)) and not re.search(r"[._\d-]", local):
            continue
        out.append((m.start(), m.end(), "email", "email"))
    return out


def _generic_mailbox(local: str) -> bool:
    """A shared mailbox, also when OCR damaged it ("lnfo", "inf0")."""
    generic = vocab().generic_mailboxes
    for low in [local.casefold(), *re.split(r"[._-]", local.casefold())]:
        if low in generic or any(
            len(g) >= 4 and abs(len(g) - len(low)) <= 1 and Levenshtein.distance(low, g, score_cutoff=1) <= 1
            for g in generic
        ):
            return True
    return False


EMAIL_RE = re.compile(
    r"(?<![\w.@-])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+'-]*)[ ]?[@©][ ]?"
    r"(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[a-z]{2,6})(?![\w-])"
)


_SERVICE_NUMBERS = {
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
}


def find_phones(text: str) -> list[Span]:
    """Phone numbers valid under the Dutch numbering plan (and international
    ones written with +), by libphonenumber's matcher.

    Only numbers written as phone numbers are taken (a trunk 0, "+" or
    "00"): libphonenumber would otherwise read "(31 475)" in a Kamerstuk
    number as the country code 31. Service numbers (0800, 0900, the
    municipal 14 0xx) reach an organisation, not a person."""
    # OCR glues a label to the number ("T06-20528245", "op06 ..."), which
    # hides it from the matcher: blank that one letter (same length, so the
    # offsets stay right).
    unglued = re.sub(r"(?<=[A-Za-z])[A-Za-z](?=[0+]\d)", " ", text)
    unglued = re.sub(r"(?<![A-Za-z])[A-Za-z](?=[0+]\d)", " ", unglued)
    out = []
    for m in phonenumbers.PhoneNumberMatcher(unglued, "NL", leniency=phonenumbers.Leniency.VALID):
        if not re.match(r"\(?\s*(?:0|\+)", m.raw_string):
            continue
        if re.fullmatch(r"\d{4}\s*-\s*\d{4}(?:\s\d{1,2})?", m.raw_string):
            continue  # "0100-0200": an hour or year range, not a number
        if re.match(r"\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d{2}", m.raw_string):
            continue  # "05-04-2018 15:37": a date and time
        kind = phonenumbers.number_type(m.number)
        if kind in _SERVICE_NUMBERS or len(str(m.number.national_number)) < 8:
            continue
        out.append((m.start, m.end, "phone", "phone"))
    return out


BSN_RE = re.compile(r"(?<![\d.,/()-])(\d{9}|\d{4}[. ]\d{2}[. ]\d{3}|\d{3}[. ]\d{3}[. ]\d{3}|\d{2}[. ]\d{3}[. ]\d{4})(?![\d])")


def find_bsns(text: str) -> list[Span]:
    """Nine-digit numbers that pass the BSN elfproef, unless a reference
    label ("kenmerk", "zaaknummer") introduces them on their line."""
    v = vocab()
    ref = re.compile(rf"(?i)\b(?:{'|'.join(map(re.escape, v.reference_labels))})\b[^\n]{{0,25}}$")
    lab = re.compile(rf"(?i)\b(?:{'|'.join(map(re.escape, v.bsn_labels))})\b[^\n]{{0,25}}$")
    out = []
    for m in BSN_RE.finditer(text):
        number = re.sub(r"[. ]", "", m.group(1))
        if not stdnum_bsn.is_valid(number):
            continue
        before = text[max(0, m.start() - 40) : m.start()]
        if ref.search(before) and not lab.search(before):
            continue
        out.append((m.start(), m.end(), "bsn", "bsn"))
    return out


IBAN_RE = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){10,30}")


def find_ibans(text: str) -> list[Span]:
    """IBANs passing the mod-97 check. The pattern may run on into the next
    word, so the longest valid prefix is kept."""
    out = []
    for m in IBAN_RE.finditer(text):
        s = m.group(0)
        for end in range(len(s), 11, -1):
            cand = s[:end]
            if cand.endswith(" "):
                continue
            if stdnum_iban.is_valid(cand.replace(" ", "")):
                out.append((m.start(), m.start() + end, "iban", "iban"))
                break
    return out


_POSTCODE = r"[1-9]\d{3}[ ]?(?!SA|SD|SS)[A-Z]{2}(?![A-Za-z])"
ADDRESS_RE = re.compile(
    rf"(?P<street>{CAPW}(?:[ ]{CAPW}){{0,3}}[ ]\d{{1,5}}[ ]?[a-zA-Z]?(?:[-/ ]\d{{1,4}})?)[ ]*,?[ ]*\n?[ ]*(?P<pc>{_POSTCODE})"
    rf"|(?P<pc2>{_POSTCODE})[ ]+(?P<num>\d{{1,5}}[a-z]?)\b"
)


def find_addresses(text: str) -> list[Span]:
    """A postcode with a house number (street and number before it, or the
    number after it) that belongs to a person: a name or an address label
    ("woonadres") comes shortly before it. Other addresses are locations (a
    permit's site, an office) and a Postbus is never personal."""
    labels = re.compile(rf"(?i)\b(?:{'|'.join(map(re.escape, vocab().address_labels))})\b")
    out = []
    for m in ADDRESS_RE.finditer(text):
        street = m.group("street") or ""
        if re.match(r"(?i)(?:postbus|antwoordnummer)\b", street.strip()):
            continue
        before = text[max(0, m.start() - 120) : m.start()]
        if re.search(r"(?i)(?:postbus|antwoordnummer)\s*$", before):
            continue
        if labels.search(before) or _names_in(before):
            out.append((m.start(), m.end(), "postcode", "postcode"))
    return out


def _names_in(text: str) -> bool:
    return any(f(text) for f in (find_titled_names, find_initialled_names, find_listed_names))


_MONTHS = "|".join(sorted(MONTHS, key=len, reverse=True))  # Dutch, English and short names, as flows.dates reads them
_DATE = rf"(?:\d{{1,2}}[-/.]\d{{1,2}}[-/.](?:19|20)\d{{2}}|\d{{1,2}}\s+(?i:{_MONTHS})\s+(?:19|20)\d{{2}})"


def find_birth_dates(text: str) -> list[Span]:
    """Dates introduced as a date of birth ("geboren op", "geb.",
    "geboortedatum"); other dates are not personal data."""
    labels = "|".join(ocr_pattern(x) for x in sorted(vocab().birth_labels, key=len, reverse=True))
    rx = re.compile(rf"(?i)(?:{labels})(?![a-z])\s*(?:{ocr_pattern('op')}|:)?\s*(?P<date>{_DATE})")
    return [(m.start("date"), m.end("date"), "birth_date", "birth_date") for m in rx.finditer(text)]


def find_titled_names(text: str) -> list[Span]:
    """A title or form of address with a name: "dhr. Jansen", "mw. drs.
    A.B. de Vries"."""
    out = []
    for m in _patterns()["title"].finditer(text):
        s, e = m.span("name")
        e = _trim_surname(text, s, e)
        # "de heer van de Sector Groen": a bare interfix after the title
        # needs a surname that is no ordinary word.
        check = _surname_ok if text[s].islower() else _surname_plausible
        if check(text[s:e]) and not _is_street(text, text[s:e].split()[-1], e):
            out.append((s, e, "name", "title"))
    return out


def find_initialled_names(text: str) -> list[Span]:
    """Initials with a surname: "J.P. de Vries", "H.G.J. Bruins Slot"."""
    nl = name_lists()
    out = []
    for m in _patterns()["initials_name"].finditer(text):
        s, e = m.span("name")
        e = _trim_surname(text, s, e)
        core = _core_tokens(text[s:e])
        # "A. Intensievere beleidsdoorlichting": an enumeration, not a name.
        single = re.match(r"[A-Z]\.\s", text[s:e]) is not None
        if single and re.search(r"(?:^|[\n:])[ \t]*$", text[:s]) and (
            not all(t in nl.surnames for t in core) or re.match(r"[ \t]+[a-z]", text[e:])
        ):
            continue
        if m.group("name").split()[0].replace(".", "") in vocab().company_forms:
            continue
        plausible = _surname_plausible if not single else _surname_ok
        if plausible(text[s:e]) and not _is_street(text, text[s:e].split()[-1], e):
            out.append((s, e, "name", "initials"))
    return out


def find_listed_names(text: str) -> list[Span]:
    """A first name from the list followed by a surname ("Jan de Vries").

    Tried at every capitalised word, so that a non-name word before a name
    ("Kamerleden Nicolai Koffeman") does not hide it. A first name that is
    also a frequent word is taken because the surname word must be a name
    word too (on the surname list, or no frequent Dutch word)."""
    nl = name_lists()
    rx = _patterns()["first_surname"]
    out = []
    for w in re.finditer(rf"(?<![\w-]){CAP}", text):
        m = rx.match(text, w.start())
        if not m:
            continue
        first = m.group("first")
        if first not in nl.first or first.casefold() in nl.stop:
            continue
        s, e = m.start(), _trim_surname(text, m.start("sur"), m.end("sur"))
        core = _core_tokens(text[m.start("sur") : e])
        if not core or not all(_is_name_word(t) for t in core) or _is_street(text, core[-1], e):
            continue
        out.append((s, e, "name", "name_list"))
    return out


def _is_street(text: str, last_word: str, end: int) -> bool:
    """A street, not a person: the word has a street ending ("-laan") or a
    house number follows it."""
    low = last_word.casefold()
    return any(low.endswith(sfx) for sfx in vocab().street_suffixes) or bool(
        re.match(r"[ \t]*\n?[ \t]*\d{1,5}[a-zA-Z]?\b", text[end : end + 12])
    )


def find_header_names(text: str) -> list[Span]:
    """Names as the value of a header label (Van, Aan, CC, Opgesteld door,
    Behandeld door, Contactpersoon, ...), on the label's line or, when the
    label stands alone, on the next non-empty line."""
    p = _patterns()
    out = []
    for m in p["header"].finditer(text):
        value, vstart = m.group("value"), m.start("value")
        if not value.strip():
            nxt = re.match(r"[ \t]*\n(?:[ \t]*\n){0,2}[ \t]*(?P<v>[^\n]+)", text[m.end() :])
            if not nxt or p["header"].fullmatch(nxt.group("v")):
                continue
            value, vstart = nxt.group("v"), m.end() + nxt.start("v")
        span = _looks_like_name(value)
        if span:
            out.append((vstart + span[0], vstart + span[1], "name", "header_label"))
    return out


def find_signature_names(text: str) -> list[Span]:
    """The name under a closing ("Met vriendelijke groet,"): the first of
    the next four lines that looks like a name."""
    out = []
    for m in _patterns()["closing"].finditer(text):
        pos = m.end()
        for line in list(re.finditer(r"[^\n]+", text[pos : pos + 300]))[:4]:
            span = _looks_like_name(line.group(0))
            if span:
                out.append((pos + line.start() + span[0], pos + line.start() + span[1], "name", "signature"))
                break
    return out


# Order matters where hits overlap: the first recogniser's hit is kept.
RECOGNISERS: tuple[Callable[[str], list[Span]], ...] = (
    find_emails,
    find_ibans,
    find_phones,
    find_bsns,
    find_birth_dates,
    find_addresses,
    find_header_names,
    find_signature_names,
    find_titled_names,
    find_initialled_names,
    find_listed_names,
)


# --------------------------------------------------------------------------
# The allow-list


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

    def merged(self, other: "AllowList") -> "AllowList":
        return AllowList(self.persons | other.persons, self.words | other.words)


def static_allow_list() -> AllowList:
    """Roles, organisations and places shipped as data, with no persons."""
    return AllowList(frozenset(), _static_allow_words())


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
    interfixes = {normalise(i) for i in nl.interfixes}
    # Without a leading first name: "nicolai koffeman" -> "koffeman".
    for i in range(1, len(tokens)):
        head = " ".join(tokens[:i])
        if head in interfixes or tokens[i - 1] in interfixes:
            continue
        keys.add(" ".join(tokens[i:]))
    for k in list(keys):
        for ifx in sorted(interfixes, key=len, reverse=True):
            if k.startswith(ifx + " "):
                keys.add(k[len(ifx) + 1 :])
                break
    vocab_words = _static_allow_words()
    return {
        k
        for k in keys
        if k not in vocab_words and any(t not in interfixes and t not in nl.common for t in k.split())
    }


@lru_cache(maxsize=1)
def _allow_patterns() -> dict[str, re.Pattern[str]]:
    v = vocab()
    p = _patterns()
    roles = "|".join(sorted((re.escape(r).replace(r"\ ", r"\s+") for r in v.roles), key=len, reverse=True))
    parties = "|".join(sorted((re.escape(x) for x in v.parties), key=len, reverse=True))
    titles = "|".join(sorted((re.escape(t) for t in v.titles), key=len, reverse=True))
    name = rf"(?:(?i:{titles})\s+)*(?:(?:{CAPW}\s+)?{p['initials'].pattern}\s*|{CAPW}\s+)?{p['surname'].pattern}"
    signing = "|".join(sorted((re.escape(x) for x in v.signing), key=len, reverse=True))
    apposed = "|".join(sorted((re.escape(r).replace(r"\ ", r"\s+") for r in v.appositive_roles), key=len, reverse=True))
    tenure = "|".join(sorted((re.escape(w) for w in v.appositive_words), key=len, reverse=True))
    authorship = "|".join(sorted((ocr_pattern(a) for a in v.authorship), key=len, reverse=True))
    to_parliament = "|".join(sorted((re.escape(w) for w in v.to_parliament), key=len, reverse=True))
    return {
        # "Jan Jansen, de nieuwe hoge vertegenwoordiger van het IMF": the
        # office follows the name after a comma, with at most three articles
        # or adjectives of tenure between.
        "apposed": re.compile(
            rf"(?P<name>{name}),[ \t]*\n?[ \t]*(?i:(?:{tenure})(?:[ \t]+|(?<=-))){{0,3}}"
            rf"(?i:{apposed})(?![\w-])"
        ),
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
            rf"(?i:(?<![\w-])(?:{roles}))(?:\s+(?i:van|voor)\s+(?:[{_UP}]\w+\s*)+)?[,:]?\s+"
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
    titles = rf"(?i)^(?:(?:{_patterns()['titles'].pattern})\s*)+"
    for key in ("apposed", "authored", "to_parliament"):
        for m in ap[key].finditer(text):
            found |= _person_keys(re.sub(titles, "", m.group("name")))
    for m in ap["party"].finditer(text):
        before = ap["name_before_party"].search(text, max(0, m.start() - 120), m.start())
        if before:
            found |= _person_keys(before.group("name"))
    for key in ("signed", "over_role"):
        for m in ap[key].finditer(text):
            line = re.sub(rf"(?i)^(?:{_patterns()['titles'].pattern}\s+)+", "", m.group("name").strip())
            if _looks_like_name(line):
                found |= _person_keys(line)
                continue
            # Several signatories on one line ("John Berends Miriam
            # Nienhuis-van Doremaele"): the name phrases, when they make up
            # most of the line (so a sentence under a role line is not taken).
            titles = rf"(?i)^(?:(?:{_patterns()['titles'].pattern})\s*)+"
            phrases = [re.sub(titles, "", n.group(0)) for n in ap["name"].finditer(line)]
            phrases = [ph for ph in phrases if _looks_like_name(ph)]
            # Letters of capitalised words (not abbreviations like "ADLI"):
            # forms of address and lower-case words do not count.
            capital = sum(len(t) for t in re.findall(r"\b[A-Z][\w.'’-]*", line) if not t.isupper() or "." in t)
            if phrases and sum(len(ph.replace(" ", "")) for ph in phrases) >= 0.6 * capital:
                for ph in phrases:
                    found |= _person_keys(ph)
    return found


def allow_list_for(doc: "Document") -> AllowList:
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


# --------------------------------------------------------------------------
# Scanning


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
    org = re.compile(rf"(?<![\w.])(?:{'|'.join(re.escape(w) for w in v.organisation_context)})", re.I)
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
        prose = len(re.findall(rf"(?<![\w.])[{_LO}]{{2,}}\b", own_line)) >= 2
        lo, hi = (ls, le) if prose else _around_lines(text, s[0], s[1], v.organisation_lines)
        if org.search(text, lo, hi) and not any(lo <= p[0] < hi for p in personal):
            out.add(s)
    return out


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
        if len(re.findall(rf"(?<![\w.])[{_LO}]{{2,}}\b", text[ls : s[0]] + " " + text[s[1] : le])) < 3:
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
    places) are left out, and so are an organisation's own phone numbers
    and IBAN in its letterhead and the numbers given for a team or desk."""
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
        if kind == "name" and (allow.allows(value, words=rec == "name_list") or _named_after_person(text, start, end)):
            continue
        hits.append(PiiHit(start, end, kind, rec, mask(value, kind), value_hash(value)))
    return hits
