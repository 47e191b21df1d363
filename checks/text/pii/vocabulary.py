"""What the recognisers know: the kinds of personal data, the vocabulary of
`pii.toml` and the first-name and surname lists of the deduce wheel."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flows.registry.memo_fields import memo_spec

VOCAB_PATH = Path(__file__).with_name("pii.toml")

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




@dataclass(frozen=True)
class Vocab:
    generic_mailboxes: frozenset[str]
    free_mail_domains: frozenset[str]
    legal_forms: tuple[str, ...]
    legal_before: tuple[str, ...]
    legal_reach: int
    account_holder: tuple[str, ...]
    account_organisation_words: tuple[str, ...]
    phone_labels: tuple[str, ...]
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
    person_labels = [label for f in memo_spec().fields if f.type in {"person", "recipient"} for label in f.labels]
    return Vocab(
        generic_mailboxes=frozenset(x.casefold() for x in data["email"]["generic_local_parts"]),
        free_mail_domains=frozenset(x.casefold() for x in data["email"]["free_mail_domains"]),
        legal_forms=tuple(data["legal_entities"]["forms"]),
        legal_before=tuple(data["legal_entities"]["before"]),
        legal_reach=int(data["legal_entities"]["reach"]),
        account_holder=tuple(data["accounts"]["holder"]),
        account_organisation_words=tuple(data["accounts"]["organisation_words"]),
        phone_labels=tuple(data["phone"]["labels"]),
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
    items = set(Path(files[f"{base}/items.txt"].locate()).read_text(encoding="utf-8").splitlines())
    if f"{base}/exceptions.txt" in files:
        items -= set(Path(files[f"{base}/exceptions.txt"].locate()).read_text(encoding="utf-8").splitlines())
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
