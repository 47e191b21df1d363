"""Generate synthetic releases: bundles of typed documents concatenated into
one text, with every document's span, type and visibility recorded, for
`bench/release_eval.py`.

Each type has a few layouts written from the forms these documents take in
Dutch government practice (gazette notices, Kamerbrieven, decisions on Woo
requests, besluitenlijsten, inventory lists, e-mails, nota's, letters,
reports) rather than from any one real document; names, places, dates,
subjects and sentences vary per document. Optional pieces (a letterhead,
a reference line, a closing) are left out at random so that no landmark is
always there. Internal documents get a planted civil servant's name in
their header or signature: the leak a coordinator must see.

The layouts were written by the same hand as the landmarks of
`flows/registry/document_types.toml`, so figures on this set are an upper
bound; the real documents in ../shared/data are the other measure.

`bundle_pdf` lays documents out as one PDF, each from a new page, some
born-digital (reportlab) and some scanned (rendered at 200 dpi, binarised,
no text layer), as Woo bundles come.

Run: `python bench/release_generate.py --n 40 --seed 3 --out bench/out/releases.jsonl`
(add `--pdf DIR` to write each release as a PDF bundle too, a third of its
documents scanned).
"""

from __future__ import annotations

import argparse
import io
import json
import random
from collections.abc import Callable
from pathlib import Path

from faker import Faker

PUBLIC = {"gazette", "kamerbrief", "decision", "woo_decision", "decision_list", "inventory_list",
          "kamervragen_antwoorden", "parliamentary_record"}
SUBJECTS = ["de aanpak van laaggeletterdheid", "de verduurzaming van maatschappelijk vastgoed", "de inzet van drones",
            "de subsidieregeling voor evenementen", "het toezicht op kansspelen", "de huisvesting van statushouders",
            "de vernieuwing van het stationsgebied", "de inkoop van ICT-diensten", "de bestrijding van ondermijning"]
BODIES = ["gemeente Zeewolde", "gemeente Tilburg", "provincie Drenthe", "het ministerie van Infrastructuur en Waterstaat",
          "de Autoriteit Consument en Markt", "het ministerie van Justitie en Veiligheid", "waterschap Rivierenland"]
SENTENCES = [
    "Het college heeft het voorstel besproken en stemt in met de voorgestelde aanpak.",
    "De kosten worden gedekt uit het budget dat hiervoor in de begroting is opgenomen.",
    "Over de uitvoering wordt de raad in het voorjaar nader geïnformeerd.",
    "Uit de evaluatie blijkt dat de maatregel het beoogde effect heeft gehad.",
    "Daarbij is rekening gehouden met de zienswijzen die zijn ingediend.",
    "De planning is afhankelijk van de uitkomst van het overleg met de betrokken partijen.",
    "Het risico op vertraging wordt als beperkt ingeschat.",
    "De gesprekken met de regio worden na de zomer voortgezet.",
]


class Make:
    """The pieces every layout draws from."""

    def __init__(self, rng: random.Random, fake: Faker):
        self.rng, self.fake = rng, fake

    def name(self) -> str:
        return f"{self.fake.first_name()} {self.fake.last_name()}"

    def date(self) -> str:
        months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                  "oktober", "november", "december"]
        return f"{self.rng.randint(1, 28)} {self.rng.choice(months)} {self.rng.randint(2019, 2025)}"

    def body(self, lo: int = 3, hi: int = 8) -> str:
        return "\n".join(self.rng.choice(SENTENCES) for _ in range(self.rng.randint(lo, hi)))

    def maybe(self, text: str, p: float = 0.6) -> str:
        return text if self.rng.random() < p else ""


def gazette(m: Make) -> str:
    title = m.rng.choice(["GEMEENTEBLAD", "PROVINCIAAL BLAD", "STAATSCOURANT", "WATERSCHAPSBLAD"])
    return (f"Nr. {m.rng.randint(10000, 999999)}\n{m.date()}\n{title}\n{m.rng.randint(2019, 2025)}\n"
            f"{m.maybe('Officiële uitgave van de ' + m.rng.choice(BODIES), 0.8)}\n"
            f"Omgevingsvergunning verleend, {m.fake.street_address()}\n{m.body()}\n"
            "Bezwaar\nWie het niet eens is met dit besluit, kan binnen zes weken een bezwaarschrift indienen.\n")


def kamerbrief(m: Make) -> str:
    who = m.rng.choice(["minister", "staatssecretaris"])
    return (f"{m.maybe(f'Brief van de {who} van Binnenlandse Zaken en Koninkrijksrelaties')}\n"
            "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal\n"
            f"Den Haag, {m.date()}\nHierbij informeer ik uw Kamer over {m.rng.choice(SUBJECTS)}.\n{m.body()}\n"
            f"De {who} van Binnenlandse Zaken en Koninkrijksrelaties,\n{m.name()}\n")


def decision(m: Make) -> str:
    return (f"{m.maybe('OPENBAAR')}\n"
            f"Besluit van de raad van bestuur van de {m.rng.choice(['Kansspelautoriteit', 'Nederlandse Zorgautoriteit', 'Autoriteit Persoonsgegevens'])}"
            f" tot het opleggen van een last onder dwangsom\nKenmerk: {m.rng.randint(1000, 9999)}/{m.rng.randint(10, 99)}.{m.rng.randint(100, 999)}\n"
            f"1 Inleiding\n{m.body()}\n{m.maybe('Openbaar onder kenmerk: 01.272.228', 0.3)}\n"
            f"Den Haag, {m.date()}\nDe raad van bestuur,\nnamens deze,\n{m.name()}\ndirecteur Toezicht\n")


def woo_decision(m: Make) -> str:
    law = m.rng.choice(["Woo", "Wob"])
    full = "Wet open overheid" if law == "Woo" else "Wet openbaarheid van bestuur"
    return (f"Besluit op uw {law}-verzoek\nGeachte heer, mevrouw,\n"
            f"Op {m.date()} ontving ik uw verzoek op grond van de {full} over {m.rng.choice(SUBJECTS)}.\n"
            f"{m.body()}\nIk maak de documenten deels openbaar.\nHoogachtend,\n"
            f"de minister van Justitie en Veiligheid,\nnamens deze,\nhet hoofd Juridische Zaken\n")


def decision_list(m: Make, items: int | None = None) -> str:
    """A decision list of `items` agenda items (2 to 6 when not given)."""
    last = m.rng.randint(3, 7) if items is None else items + 1
    listed = "\n".join(f"{i}. Agendapunt: {m.rng.choice(SUBJECTS).capitalize()}\nBesluit: "
                       f"{m.rng.choice(['Voor kennisgeving aangenomen.', 'Betrekken bij het debat.', 'Aangehouden.'])}"
                       for i in range(1, last))
    return f"Besluitenlijst van de procedurevergadering van de vaste commissie voor Financiën\n{m.date()}\n{listed}\n"


def inventory_list(m: Make, entries: int | None = None) -> str:
    """An inventory list of `entries` rows (3 to 11 when not given)."""
    last = m.rng.randint(4, 12) if entries is None else entries + 1
    rows = "\n".join(f"{i} {m.date()} {m.rng.choice(['E-mail', 'Nota', 'Brief', 'Verslag'])} over "
                     f"{m.rng.choice(SUBJECTS)} {m.rng.choice(['Openbaar', 'Deels openbaar 5.1.2e', 'Niet openbaar 5.2'])}"
                     for i in range(1, last))
    head = m.rng.choice(["Nr. Datum Omschrijving Beoordeling Weigeringsgrond(en)",
                         "Documentnummer Datum Titel Beoordeling Grond"])
    return f"Inventarislijst\n{m.maybe('bij het besluit op uw Woo-verzoek', 0.5)}\n{head}\n{rows}\n"


def email(m: Make) -> str:
    sender = m.name()
    if m.rng.random() < 0.5:
        head = f"Van: {sender}\nVerzonden: {m.date()} 14:05\nAan: {m.name()}\nOnderwerp: {m.rng.choice(SUBJECTS)}\n"
    else:
        head = f"From: {sender}\nSent: {m.date()}\nTo: {m.name()}\nCc: {m.name()}\nSubject: {m.rng.choice(SUBJECTS)}\n"
    return f"{head}Hoi allen,\n{m.body(2, 5)}\nGroet,\n{sender.split()[0]}\n"


def memo(m: Make) -> str:
    kind = m.rng.choice(["TER BESLISSING", "TER ONDERTEKENING", "TER INFORMATIE"])
    return (f"Ministerie van {m.rng.choice(['Financiën', 'Defensie', 'Buitenlandse Zaken'])}\nnota {kind}\n"
            f"Aan de minister\nVan {m.name()}\nDatum {m.date()}\nAanleiding\n{m.body(2, 4)}\n"
            f"Geadviseerd besluit\n{m.body(1, 3)}\nKernpunten\n{m.body(2, 4)}\n")


def letter(m: Make) -> str:
    return (f"{m.maybe('Postbus ' + str(m.rng.randint(100, 99999)))}\n"
            f"{m.maybe('Betreft: ' + m.rng.choice(SUBJECTS))}\n{m.maybe('Ons kenmerk: ' + str(m.rng.randint(1000, 99999)))}\n"
            f"Geachte {m.rng.choice(['heer', 'mevrouw'])} {m.fake.last_name()},\n{m.body()}\n"
            f"{m.rng.choice(['Met vriendelijke groet,', 'Hoogachtend,'])}\n{m.name()}\nbeleidsmedewerker\n")


def report(m: Make) -> str:
    return (f"{m.rng.choice(['Rapport', 'Eindrapport', 'Rapportage'])} {m.rng.choice(SUBJECTS)}\n"
            f"Inhoudsopgave\n1 Inleiding\n2 Bevindingen\n3 Conclusies\nSamenvatting\n{m.body(4, 10)}\n")


LAYOUTS: dict[str, Callable[[Make], str]] = {
    "gazette": gazette, "kamerbrief": kamerbrief, "decision": decision, "woo_decision": woo_decision,
    "decision_list": decision_list, "inventory_list": inventory_list, "email": email, "memo": memo,
    "letter": letter, "report": report,
}


def squeezed(text: str) -> str:
    """A layout's text without its blank lines (optional pieces left empty)."""
    return "\n".join(line for line in text.split("\n") if line.strip()) + "\n"


def document(m: Make, kind: str) -> str:
    """One document of layout `kind`, blank lines squeezed."""
    return squeezed(LAYOUTS[kind](m))


def release(m: Make, size: int) -> dict:
    """A bundle of `size` documents: its text, and every document's span,
    type and visibility."""
    text, docs = "", []
    for _ in range(size):
        kind = m.rng.choice(list(LAYOUTS))
        body = document(m, kind)
        if text:
            text += "\n"
        docs.append({"start": len(text), "end": len(text) + len(body), "type": kind,
                     "visibility": "public" if kind in PUBLIC else "internal"})
        text += body
    return {"text": text, "documents": docs}


def _born_digital(text: str) -> bytes:
    """One document as a born-digital PDF: its lines in Helvetica, new pages
    as they fill."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    y = 800.0
    for line in text.split("\n"):
        if y < 60:
            c.showPage()
            y = 800.0
        c.setFont("Helvetica", 10)
        c.drawString(60, y, line)
        y -= 14
    c.showPage()
    c.save()
    return buf.getvalue()


def scanned_pdf(pdf: bytes, dpi: int = 200) -> bytes:
    """The same pages as a scan: rendered, binarised, images only."""
    import img2pdf
    import numpy as np
    import pypdfium2
    from PIL import Image

    blobs = []
    doc = pypdfium2.PdfDocument(pdf)
    try:
        for page in doc:
            gray = np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
            out = io.BytesIO()
            Image.fromarray(((gray > 150) * 255).astype(np.uint8)).convert("1").save(out, format="PNG",
                                                                                    dpi=(dpi, dpi))
            blobs.append(out.getvalue())
    finally:
        doc.close()
    return img2pdf.convert(blobs, nodate=True)


def bundle_pdf(documents: list[tuple[str, bool]], out: Path) -> list[tuple[int, int]]:
    """Write (text, scanned) documents as one PDF, each from a new page;
    returns each document's first and last page (1-based)."""
    import pikepdf

    bundle = pikepdf.new()
    ranges = []
    for text, scanned in documents:
        pdf = _born_digital(text)
        with pikepdf.open(io.BytesIO(scanned_pdf(pdf) if scanned else pdf)) as part:
            first = len(bundle.pages) + 1
            bundle.pages.extend(part.pages)
            ranges.append((first, len(bundle.pages)))
    bundle.save(out, deterministic_id=True)
    return ranges


def generate(n: int, seed: int, sizes: tuple[int, int] = (1, 6)) -> list[dict]:
    rng = random.Random(seed)
    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    m = Make(rng, fake)
    return [release(m, rng.randint(*sizes)) for _ in range(n)]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=40)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--out", type=Path, default=Path("bench/out/releases.jsonl"))
    p.add_argument("--pdf", type=Path, help="also write each release as a PDF bundle into this folder")
    args = p.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    with args.out.open("w", encoding="utf-8") as f:
        for i, r in enumerate(generate(args.n, args.seed)):
            if args.pdf:
                args.pdf.mkdir(parents=True, exist_ok=True)
                docs = [(r["text"][d["start"] : d["end"]], rng.random() < 1 / 3) for d in r["documents"]]
                for d, pages, (_, scanned) in zip(r["documents"], bundle_pdf(docs, args.pdf / f"{i:04d}.pdf"), docs,
                                                  strict=True):
                    d.update(pages=list(pages), scanned=scanned)
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
