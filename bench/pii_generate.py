"""Generate Dutch government texts with planted personal data, and record
where every planted value is.

Genres: internal memos (beslisnota header and body), e-mails (headers,
body, signature) and letters (address block, salutation, closing). Each
document mixes planted personal data of every kind (e-mail, phone, BSN,
IBAN, postcode with house number, date of birth, names in every context the
recognisers know: title, initials, header label, signature, bare first and
last name in a sentence) with text that must *not* be flagged: ministers
and Kamerleden named with their role, places, organisations, dates,
reference numbers, generic mailboxes, and redaction stamps in place of
values. A share of the documents gets OCR damage (confusable glyphs, lost
or extra spaces, lost punctuation) applied to the finished text, and the
recorded spans follow the damage.

Names come from Faker's nl_NL provider (MIT), not from the deduce lists the
recogniser uses, so that recall is not measured on the recogniser's own
vocabulary; a share of surnames is invented (syllables) to test the context
recognisers on names no list knows.

Run: `python bench/pii_generate.py --n 300 --seed 7 --out bench/out/pii_planted.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import random
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from faker import Faker

KINDS = ("email", "phone", "bsn", "iban", "postcode", "birth_date", "name")


@dataclass
class Builder:
    """A text built from pieces, some of them planted values."""

    pieces: list[tuple[str, str | None]] = field(default_factory=list)

    def add(self, text: str, kind: str | None = None) -> Builder:
        self.pieces.append((text, kind))
        return self


# --------------------------------------------------------------------------
# Values


class Values:
    def __init__(self, rng: random.Random, fake: Faker):
        self.rng, self.fake = rng, fake

    def surname(self) -> str:
        if self.rng.random() < 0.25:  # a surname no list knows
            syl = ["kra", "bel", "hui", "zen", "dor", "mo", "vel", "ter", "wijk", "stra", "ma", "link", "gers"]
            return "".join(self.rng.choice(syl) for _ in range(self.rng.randint(2, 3))).capitalize()
        return self.fake.last_name()

    def first(self) -> str:
        return self.fake.first_name()

    def initials(self) -> str:
        return "".join(f"{c}." for c in self.rng.sample("ABCDEFGHIJKLMNOPRSTVW", self.rng.randint(1, 3)))

    def email(self, first: str, last: str) -> str:
        local = self.rng.choice(
            [f"{first[0]}.{last}", f"{first}.{last}", f"{first[0]}{last}", f"{first}{self.rng.randint(1, 99)}"]
        )
        # Mail systems take ASCII local parts: "Joël" becomes "joel".
        local = unicodedata.normalize("NFKD", local.lower().replace(" ", "")).encode("ascii", "ignore").decode()
        domain = self.rng.choice(["minbuza.nl", "minvws.nl", "rijksoverheid.nl", "politie.nl", "denhaag.nl", "gmail.com"])
        return f"{local}@{domain}"

    def phone(self) -> str:
        r = self.rng
        d = lambda n: "".join(str(r.randint(0, 9)) for _ in range(n))  # noqa: E731
        mobile = "6" + str(r.randint(1, 5)) + d(7)
        area = r.choice(["10", "20", "30", "40", "50", "70", "71", "73", "75", "76", "79", "13", "15", "24", "26", "35", "38"])
        land = area + str(r.randint(2, 9)) + d(6)
        n = r.choice([mobile, land])
        forms = [
            f"0{n}",
            f"0{n[:1]}-{n[1:]}" if n.startswith("6") else f"0{n[:2]}-{n[2:]}",
            f"0{n[:1]} {n[1:5]} {n[5:]}" if n.startswith("6") else f"0{n[:2]} {n[2:5]} {n[5:]}",
            f"+31 {n[:1]} {n[1:]}" if n.startswith("6") else f"+31 {n[:2]} {n[2:]}",
            f"+31 (0){n[:2]} {n[2:5]} {n[5:]}",
            f"0031 {n[:2]} {n[2:]}",
        ]
        return r.choice(forms)

    def bsn(self) -> str:
        while True:
            digits = [self.rng.randint(0, 9) for _ in range(8)]
            if digits[0] == 0:
                continue
            total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
            last = total % 11
            if last < 10:
                s = "".join(map(str, [*digits, last]))
                return self.rng.choice([s, f"{s[:4]}.{s[4:6]}.{s[6:]}", f"{s[:3]} {s[3:6]} {s[6:]}"])

    def iban(self) -> str:
        s = self.fake.iban()
        return s if self.rng.random() < 0.5 else " ".join(s[i : i + 4] for i in range(0, len(s), 4))

    def address(self) -> str:
        pc = self.fake.postcode()
        pc = pc if self.rng.random() < 0.6 else f"{pc[:4]} {pc[4:]}".replace("  ", " ")
        return f"{self.fake.street_name()} {self.rng.randint(1, 240)}{self.rng.choice(['', '', 'a', 'B'])}\n{pc} {self.fake.city()}"

    def birth(self) -> str:
        y, m, d = self.rng.randint(1940, 2005), self.rng.randint(1, 12), self.rng.randint(1, 28)
        months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"]
        return self.rng.choice([f"{d:02d}-{m:02d}-{y}", f"{d}-{m}-{y}", f"{d} {months[m - 1]} {y}", f"{d:02d}/{m:02d}/{y}"])


# --------------------------------------------------------------------------
# Text that must not be flagged

PUBLIC = [
    ("minister", ["Bruins Slot", "Ollongren", "De Jonge", "Hoekstra", "Kaag"]),
    ("staatssecretaris", ["Van Huffelen", "Van der Burg", "Vijlbrief"]),
    ("het lid", ["Omtzigt", "Dassen", "Sjoerdsma", "Van Houwelingen"]),
]
FILLER = [
    "Het kabinet heeft op 12 september 2023 besloten de middelen te verhogen.",
    "Nederland blijft zich samen met de partners in de Europese Unie inzetten voor Oekraïne.",
    "Zie ook de brief aan de Tweede Kamer (Kamerstuk 36 410, nr. 12).",
    "De Raad van State heeft op 3 maart advies uitgebracht.",
    "Ons kenmerk: 2023-0000451234. Uw kenmerk: BZ-12345.",
    "Het gaat om een bedrag van EUR 1.250.000 over de periode 2024-2027.",
    "Vragen kunnen worden gesteld via info@rijksoverheid.nl of de Postbus 20061, 2500 EB Den Haag.",
    "De directie Veiligheidsbeleid (DVB) en de Juridische Zaken (DJZ) zijn akkoord.",
    "Het overleg vindt plaats in Utrecht, in het gebouw aan de Rijnstraat 8.",
    "De gemeente Amsterdam en de provincie Noord-Holland zijn geïnformeerd.",
]
STAMPS = ["5.1.2e", "Bescherming persoonlijke levenssfeer", "5.1.2.e", "[5.1.2e]"]


def public_sentence(v: Values) -> str:
    role, names = v.rng.choice(PUBLIC)
    name = v.rng.choice(names)
    return v.rng.choice(
        [f"Volgens {role} {name} is dat niet nodig.", f"Het {role} {name} heeft hierover vragen gesteld.",
         f"De {role} {name} is hierover geïnformeerd."]
    ).replace("Het het lid", "Het lid").replace("De het lid", "Het lid")


def name_in_context(v: Values, b: Builder) -> None:
    """A name in one of the contexts the recognisers know."""
    r = v.rng
    first, last = v.first(), v.surname()
    how = r.choice(["title", "initials", "bare", "title_initials"])
    if how == "title":
        b.add(r.choice(["Na overleg met ", "Volgens ", "Er is gebeld door "])).add(r.choice(["dhr. ", "mw. ", "de heer ", "mevrouw "]))
        b.add(last, "name").add(" is dit afgestemd.\n")
    elif how == "initials":
        b.add(r.choice(["Het verslag is opgesteld door ", "Contact liep via ", "Zie de notitie van "]))
        b.add(f"{v.initials()} {last}", "name").add(".\n")
    elif how == "title_initials":
        b.add("Aanwezig: ").add(r.choice(["drs. ", "mr. ", "ir. ", "dr. "])).add(f"{v.initials()} {last}", "name")
        b.add(" en de directeur.\n")
    else:
        b.add(r.choice(["Volgens ", "Na een gesprek met ", "Ook "])).add(f"{first} {last}", "name")
        b.add(r.choice([" is dit akkoord.\n", " volgt nog een reactie.\n", " komt terug op dit punt.\n"]))


def body(v: Values, b: Builder, k: int) -> None:
    for _ in range(k):
        r = v.rng.random()
        if r < 0.3:
            b.add(v.rng.choice(FILLER) + "\n")
        elif r < 0.45:
            b.add(public_sentence(v) + "\n")
        elif r < 0.75:
            name_in_context(v, b)
        elif r < 0.83:
            b.add("Telefonisch bereikbaar op ").add(v.phone(), "phone").add(".\n")
        elif r < 0.9:
            first, last = v.first(), v.surname()
            b.add("Reacties graag naar ").add(v.email(first, last), "email").add(".\n")
        else:
            b.add(v.rng.choice(["De persoon met BSN ", "Betrokkene (burgerservicenummer ", "Het dossier noemt "]))
            b.add(v.bsn(), "bsn").add(v.rng.choice([" heeft bezwaar gemaakt.\n", ") is gehoord.\n", " als nummer.\n"]))


def memo(v: Values, stamps: bool) -> Builder:
    b = Builder()
    b.add("Ministerie van Buitenlandse Zaken\n\nTER BESLISSING\n\nDatum\n12 oktober 2023\n\nOnze Referentie\n")
    b.add(f"{v.rng.randint(100000, 999999)}\n\nAan\nM\n\nVan\nDVB\n\n")
    for label in ("Opgesteld door", "Via", "Afgestemd met"):
        b.add(f"{label}\n")
        if stamps and v.rng.random() < 0.6:
            b.add(v.rng.choice(STAMPS) + "\n\n")
        else:
            first, last = v.first(), v.surname()
            value = v.rng.choice([f"{first} {last}", f"{v.initials()} {last}", f"{first} {v.initials()} {last}"])
            b.add(value, "name").add("\n\n")
    b.add("Aanleiding\n")
    b.add(public_sentence(v) + "\n")
    body(v, b, v.rng.randint(4, 9))
    b.add("Geadviseerd besluit\nUw akkoord met de beantwoording.\n")
    return b


def email_doc(v: Values, stamps: bool) -> Builder:
    b = Builder()
    f1, l1 = v.first(), v.surname()
    b.add("Van: ").add(f"{f1} {l1}", "name").add(" <").add(v.email(f1, l1), "email").add(">\n")
    if stamps and v.rng.random() < 0.5:
        b.add("Aan: 5.1.2e@minbuza.nl\n")
    else:
        f2, l2 = v.first(), v.surname()
        b.add("Aan: ").add(f"{f2} {l2}", "name").add("\n")
    b.add("CC: woo@minbuza.nl\nOnderwerp: Reactie op Kamervragen\n\nBeste collega,\n\n")
    body(v, b, v.rng.randint(3, 7))
    closing = v.rng.choice(["Met vriendelijke groet,", "Groet,", "Hoogachtend,", "Vriendelijke groeten,"])
    b.add(f"\n{closing}\n\n").add(f"{f1} {l1}", "name").add("\nBeleidsmedewerker DVB\nT ").add(v.phone(), "phone").add("\n")
    return b


def letter(v: Values, stamps: bool) -> Builder:
    b = Builder()
    title = v.rng.choice(["Dhr.", "Mevr.", "De heer", "Mevrouw"])
    last = v.surname()
    b.add(f"{title} ").add(f"{v.initials()} {last}", "name").add("\n").add(v.address(), "postcode").add("\n\n")
    b.add(f"Datum {v.rng.randint(1, 28)} november 2023\nBetreft: uw Woo-verzoek\n\n")
    b.add(f"Geachte {'heer' if title in ('Dhr.', 'De heer') else 'mevrouw'} ").add(last, "name").add(",\n\n")
    b.add("In uw verzoek, ontvangen op 2 oktober 2023, vraagt u om informatie.\n")
    b.add(v.rng.choice(["U bent geboren op ", "Geboortedatum: ", "Betrokkene, geb. "])).add(v.birth(), "birth_date").add(".\n")
    b.add("Het bedrag wordt overgemaakt op rekening ").add(v.iban(), "iban").add(".\n")
    if stamps:
        b.add("Uw BSN: 5.1.1e\n")
    body(v, b, v.rng.randint(2, 6))
    b.add("\nHoogachtend,\n\nDe minister van Buitenlandse Zaken,\nnamens deze,\n\n")
    f, l2 = v.first(), v.surname()
    b.add(f"{f} {l2}", "name").add("\nHoofd Directie Juridische Zaken\n")
    return b


# --------------------------------------------------------------------------
# OCR damage

CONFUSIONS = {"e": "c", "l": "1", "i": "l", "rn": "m", "m": "rn", "o": "0", "B": "E", "h": "b", "u": "n", "ï": "i"}


def damage(text: str, rng: random.Random, rate: float, planted: bool) -> str:
    """Tesseract-like damage. Planted values get glyph confusions in names
    only (digits of numbers and the shape of an address are what the
    recognisers need, and OCR of a clean scan keeps those); other text also
    loses punctuation and spaces."""
    out = text
    if planted:
        if rng.random() < rate * 4 and out.isascii() and "@" not in out and not any(c.isdigit() for c in out):
            i = rng.randrange(1, max(2, len(out)))
            src = out[i]
            if src in CONFUSIONS and src.islower():
                out = out[:i] + CONFUSIONS[src] + out[i + 1 :]
        return out
    chars = []
    i = 0
    while i < len(out):
        two = out[i : i + 2]
        if two in CONFUSIONS and rng.random() < rate:
            chars.append(CONFUSIONS[two])
            i += 2
            continue
        ch = out[i]
        p = rng.random()
        if ch in CONFUSIONS and p < rate:
            chars.append(CONFUSIONS[ch])
        elif (ch in ",.;:" and p < rate * 3) or (ch == " " and p < rate):
            pass
        else:
            chars.append(ch)
        i += 1
    return "".join(chars)


def render(b: Builder, rng: random.Random, ocr_rate: float) -> tuple[str, list[dict]]:
    text, spans = [], []
    pos = 0
    for piece, kind in b.pieces:
        if ocr_rate:
            piece = damage(piece, rng, ocr_rate, planted=kind is not None)
        if kind:
            spans.append({"kind": kind, "start": pos, "end": pos + len(piece)})
        text.append(piece)
        pos += len(piece)
    return "".join(text), spans


GENRES = {"memo": memo, "email": email_doc, "letter": letter}


def generate(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    v = Values(rng, fake)
    docs = []
    for i in range(n):
        genre = rng.choice(list(GENRES))
        stamps = rng.random() < 0.5
        ocr = rng.random() < 0.4
        b = GENRES[genre](v, stamps)
        text, planted = render(b, rng, 0.03 if ocr else 0.0)
        docs.append({"id": i, "genre": genre, "stamps": stamps, "ocr": ocr, "text": text, "planted": planted})
    return docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "pii_planted.jsonl")
    args = ap.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    docs = generate(args.n, args.seed)
    with args.out.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    counts = {k: sum(1 for d in docs for p in d["planted"] if p["kind"] == k) for k in KINDS}
    print(f"wrote {len(docs)} documents to {args.out}; planted: {counts}")


if __name__ == "__main__":
    main()
