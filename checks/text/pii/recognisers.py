"""The recognisers: each returns (start, end, kind, recogniser) spans of
personal data in a text."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import phonenumbers
from rapidfuzz.distance import Levenshtein
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

from checks.text.pii.names import (
    CAP,
    CAPW,
    core_tokens,
    is_name_word,
    looks_like_name,
    ocr_pattern,
    patterns,
    surname_ok,
    surname_plausible,
    trim_surname,
)
from checks.text.pii.vocabulary import name_lists, vocab
from flows.registry.grounds import find_codes
from flows.stages.parse.dates import MONTHS

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
        if _functional_mailbox(local, m.group("domain")):
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


def _functional_mailbox(local: str, domain: str) -> bool:
    """A mailbox named after a task at an organisation's own domain
    ("vergunningen@", "subsidies@"): one frequent Dutch word that is no
    first name or surname. "pjansen@" is a person's, and at a provider of
    private mailboxes any word may be."""
    if domain.casefold() in vocab().free_mail_domains or not re.fullmatch(r"[a-z]{4,}", local):
        return False
    return local in name_lists().common


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
        if _in_reference(text, m.start, m.end):
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


def _in_reference(text: str, start: int, end: int) -> bool:
    """A number that is part of a reference: its run of digits and
    separators holds a slash or more than one dot ("12873/01.037.474/01"),
    or a reference label ("kenmerk", "registratienummer") introduces it on
    its line and no phone label does."""
    lo, hi = start, end
    while lo > 0 and (text[lo - 1].isdigit() or text[lo - 1] in "./-"):
        lo -= 1
    while hi < len(text) and (text[hi].isdigit() or text[hi] in "./-"):
        hi += 1
    token = text[lo:hi].strip("./-")
    if "/" in token or token.count(".") > 1:
        return True
    ref, tel = _reference_patterns()
    before = text[max(text.rfind("\n", 0, start) + 1, start - 40) : start]
    return ref.search(before) is not None and tel.search(before) is None


@lru_cache(maxsize=1)
def _reference_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A reference label, and a phone label."""
    v = vocab()
    return (re.compile(rf"(?i)\b(?:{'|'.join(map(re.escape, v.reference_labels))})\b"),
            re.compile(rf"(?i)(?<![\w.])(?:{'|'.join(map(re.escape, v.phone_labels))})(?![\w])"))


BSN_RE = re.compile(r"(?<![\d.,/()-])(\d{9}|\d{4}[. ]\d{2}[. ]\d{3}|\d{3}[. ]\d{3}[. ]\d{3}|\d{2}[. ]\d{3}[. ]\d{4})(?![\d])")


def find_bsns(text: str) -> list[Span]:
    """Nine-digit numbers that pass the BSN elfproef, unless a reference
    label ("kenmerk", "zaaknummer") introduces them on their line."""
    ref, lab = _bsn_label_patterns()
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


@lru_cache(maxsize=1)
def _bsn_label_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A reference label, and a BSN label, ending shortly before a number."""
    v = vocab()
    return (re.compile(rf"(?i)\b(?:{'|'.join(map(re.escape, v.reference_labels))})\b[^\n]{{0,25}}$"),
            re.compile(rf"(?i)\b(?:{'|'.join(map(re.escape, v.bsn_labels))})\b[^\n]{{0,25}}$"))


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
    labels = _address_labels()
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


@lru_cache(maxsize=1)
def _address_labels() -> re.Pattern[str]:
    return re.compile(rf"(?i)\b(?:{'|'.join(map(re.escape, vocab().address_labels))})\b")


def _names_in(text: str) -> bool:
    return any(f(text) for f in (find_titled_names, find_initialled_names, find_listed_names))


_MONTHS = "|".join(sorted(MONTHS, key=len, reverse=True))  # Dutch, English and short names, as flows.dates reads them
_DATE = rf"(?:\d{{1,2}}[-/.]\d{{1,2}}[-/.](?:19|20)\d{{2}}|\d{{1,2}}\s+(?i:{_MONTHS})\s+(?:19|20)\d{{2}})"


def find_birth_dates(text: str) -> list[Span]:
    """Dates introduced as a date of birth ("geboren op", "geb.",
    "geboortedatum"); other dates are not personal data."""
    return [(m.start("date"), m.end("date"), "birth_date", "birth_date") for m in _birth_date().finditer(text)]


@lru_cache(maxsize=1)
def _birth_date() -> re.Pattern[str]:
    labels = "|".join(ocr_pattern(x) for x in sorted(vocab().birth_labels, key=len, reverse=True))
    return re.compile(rf"(?i)(?:{labels})(?![a-z])\s*(?:{ocr_pattern('op')}|:)?\s*(?P<date>{_DATE})")


def find_titled_names(text: str) -> list[Span]:
    """A title or form of address with a name: "dhr. Jansen", "mw. drs.
    A.B. de Vries"."""
    out = []
    for m in patterns()["title"].finditer(text):
        s, e = m.span("name")
        e = trim_surname(text, s, e)
        # "de heer van de Sector Groen": a bare interfix after the title
        # needs a surname that is no ordinary word.
        check = surname_ok if text[s].islower() else surname_plausible
        if check(text[s:e]) and not _is_street(text, text[s:e].split()[-1], e):
            out.append((s, e, "name", "title"))
    return out


def find_initialled_names(text: str) -> list[Span]:
    """Initials with a surname: "J.P. de Vries", "H.G.J. Bruins Slot"."""
    nl = name_lists()
    out = []
    for m in patterns()["initials_name"].finditer(text):
        s, e = m.span("name")
        e = trim_surname(text, s, e)
        core = core_tokens(text[s:e])
        # "A. Intensievere beleidsdoorlichting": an enumeration, not a name.
        single = re.match(r"[A-Z]\.\s", text[s:e]) is not None
        if single and re.search(r"(?:^|[\n:])[ \t]*$", text[:s]) and (
            not all(t in nl.surnames for t in core) or re.match(r"[ \t]+[a-z]", text[e:])
        ):
            continue
        if m.group("name").split()[0].replace(".", "") in vocab().company_forms:
            continue
        plausible = surname_plausible if not single else surname_ok
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
    rx = patterns()["first_surname"]
    out = []
    for w in re.finditer(rf"(?<![\w-]){CAP}", text):
        m = rx.match(text, w.start())
        if not m:
            continue
        first = m.group("first")
        if first not in nl.first or first.casefold() in nl.stop:
            continue
        s, e = m.start(), trim_surname(text, m.start("sur"), m.end("sur"))
        core = core_tokens(text[m.start("sur") : e])
        if not core or not all(is_name_word(t) for t in core) or _is_street(text, core[-1], e):
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
    p = patterns()
    out = []
    for m in p["header"].finditer(text):
        value, vstart = m.group("value"), m.start("value")
        if not value.strip():
            nxt = re.match(r"[ \t]*\n(?:[ \t]*\n){0,2}[ \t]*(?P<v>[^\n]+)", text[m.end() :])
            if not nxt or p["header"].fullmatch(nxt.group("v")):
                continue
            value, vstart = nxt.group("v"), m.end() + nxt.start("v")
        span = looks_like_name(value)
        if span:
            out.append((vstart + span[0], vstart + span[1], "name", "header_label"))
    return out


def find_signature_names(text: str) -> list[Span]:
    """The name under a closing ("Met vriendelijke groet,"): the first of
    the next four lines that looks like a name."""
    out = []
    for m in patterns()["closing"].finditer(text):
        pos = m.end()
        for line in list(re.finditer(r"[^\n]+", text[pos : pos + 300]))[:4]:
            span = looks_like_name(line.group(0))
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
