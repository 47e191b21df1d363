"""E-mail messages (flows/stages/parse/emails.py): one `emails` row per
message, the messages a thread quotes included, with their header fields,
redaction markers kept as markers, and dates in ISO; on text e-mails in
Dutch and English, a born-digital PDF e-mail and a scan of it read through
the real extraction, and the real documents where they are at hand."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import through_parse

from flows.model import TABLES, Document, RunOptions, StageContext, table_rows_fit
from flows.run.stages import STAGES
from flows.stages import ingest
from flows.stages.classify import classify_text
from flows.stages.correct.stage import clean_lexicon
from flows.stages.parse.dates import parse_date, parse_datetime
from flows.stages.parse.emails import find_messages, split_addresses, split_files
from tests.fixtures.email_pdfs import STAMP, Mail, render_thread
from tests.fixtures.seed_pdfs import SCAN_DPI, images_to_pdf, scan

# A reply in Outlook's Dutch layout that quotes two messages: the first
# under a separator line, the second under a bare header. The recipients
# and the subject wrap onto a second line; markers stand in place of names.
DUTCH_THREAD = """Van: Petra de Wit <p.dewit@minbzk.nl>
Verzonden: dinsdag 4 april 2023 09:12
Aan: Jansen, Karel <k.jansen@minbzk.nl>; Bakker, Anne;
Vries, Sanne de <s.devries@minbzk.nl>
CC: 5.1.2.e
Onderwerp: RE: Overleg inzet
voorjaar 2023
Bijlagen: verslag.pdf (120 KB); planning.xlsx

Dank, ik neem het verslag mee.

Met vriendelijke groet,
Petra

-----Oorspronkelijk bericht-----
Van: Bescherming persoonlijke levenssfeer
Verzonden: 3-4-2023 14:05
Aan: Petra de Wit <p.dewit@minbzk.nl>
0nderwerp: Overleg inzet voorjaar 2023

Hoi Petra, hierbij het verslag.

Van: Jansen, Karel
Datum: 03-04-2023
Aan: 10.2.e
Onderwerp: Overleg inzet voorjaar 2023

Kun je het verslag rondsturen?
"""

# A forward in English headers, quoting a message that itself quotes one
# after a Gmail intro line wrapped over two lines.
ENGLISH_THREAD = """From: Anne Bakker <a.bakker@minbzk.nl>
Sent: Monday, April 3, 2023 2:05 PM
To: 5.1.2e <5.1.2e@minbzk.nl>, Karel Jansen <k.jansen@minbzk.nl>
Cc: Sanne de Vries
Bcc: 5.1.2e
Subject: FW: Visit schedule
Attachments: schedule.docx, contacts.xlsx

See below.

-----Original Message-----
From: Karel Jansen <k.jansen@minbzk.nl>
Sent: Friday, March 31, 2023 4:30 PM
To: Anne Bakker
Subject: Visit schedule

Hi Anne, the schedule is attached.

On Thu, Mar 30, 2023 at 9:15 AM Sanne de Vries <s.devries@minbzk.nl>
wrote:
> Could you send me the schedule?
> Thanks
"""

# Long bodies: the split stage cuts before each header, so the thread
# reaches the parser as three parts.
LONG_BODY = ("Dank voor het snelle antwoord, ik neem het verslag mee naar het overleg van donderdag.\n"
             "Graag hoor ik nog of de planning zo kan blijven staan voor de komende weken van april.\n")
CUT_THREAD = f"""Van: Petra de Wit <p.dewit@minbzk.nl>
Verzonden: dinsdag 4 april 2023 09:12
Aan: Karel Jansen
Onderwerp: RE: Overleg inzet

{LONG_BODY}
Van: Karel Jansen
Verzonden: maandag 3 april 2023 14:05
Aan: Petra de Wit
Onderwerp: Overleg inzet

{LONG_BODY}
________________________________
Van: Anne Bakker
Verzonden: vrijdag 31 maart 2023 16:30
Aan: Karel Jansen
Onderwerp: Inzet

Kun je de aantekeningen sturen?
"""

# Two e-mails of a bundle, one after the other: no reply, no separator.
BUNDLE = f"""Van: Petra de Wit
Verzonden: dinsdag 4 april 2023 09:12
Aan: Karel Jansen
Onderwerp: Overleg inzet

{LONG_BODY}
Van: Anne Bakker
Verzonden: woensdag 5 april 2023 10:00
Aan: Karel Jansen
Onderwerp: Verlof mei

{LONG_BODY}"""


def parsed(text: str) -> Document:
    """A text document taken through the real stages up to parse."""
    return through_parse(Document(id="e" * 64, path="mail.txt", size=len(text), media_type="text/plain",
                                  raw_text=text, text=text))


def emails(doc: Document) -> list[dict[str, Any]]:
    rows = doc.rows.get("emails", [])
    table_rows_fit("emails", rows)  # every row fits the published schema
    return rows


def test_dutch_thread_gives_one_row_per_message_quoted_ones_pointing_at_their_parent() -> None:
    rows = emails(parsed(DUTCH_THREAD))
    assert [(r["email"], r["parent_email"], r["thread_position"]) for r in rows] == [(0, None, 0), (1, 0, 1), (2, 1, 2)]
    top, first, second = rows
    assert top["sender"] == "Petra de Wit <p.dewit@minbzk.nl>"
    assert top["recipients"] == ["Jansen, Karel <k.jansen@minbzk.nl>", "Bakker, Anne",
                                 "Vries, Sanne de <s.devries@minbzk.nl>"]
    assert top["subject"] == "RE: Overleg inzet voorjaar 2023"
    assert top["attachments"] == ["verslag.pdf", "planning.xlsx"]
    assert (top["sent_at"], top["sent_date"]) == ("2023-04-04T09:12", dt.date(2023, 4, 4))
    assert top["body"] == "Dank, ik neem het verslag mee.\n\nMet vriendelijke groet,\nPetra"
    assert (first["subject"], first["sent_at"]) == ("Overleg inzet voorjaar 2023", "2023-04-03T14:05")
    assert first["body"] == "Hoi Petra, hierbij het verslag."
    assert (second["sender"], second["sent_text"], second["sent_at"]) == ("Jansen, Karel", "03-04-2023", "2023-04-03")
    assert second["body"] == "Kun je het verslag rondsturen?"


def test_markers_in_place_of_names_are_kept_as_written_with_field_and_ground() -> None:
    top, first, second = emails(parsed(DUTCH_THREAD))
    assert (top["cc"], top["redacted_fields"], top["ground_codes"]) == (["5.1.2.e"], ["cc"], ["5.1.2e"])
    assert (first["sender"], first["redacted_fields"], first["ground_codes"]) == (
        "Bescherming persoonlijke levenssfeer", ["sender"], ["5.1.2e"])
    assert (second["recipients"], second["redacted_fields"], second["ground_codes"]) == (["10.2.e"], ["recipients"],
                                                                                         ["10.2.e"])


def test_english_thread_with_separator_and_wrapped_intro_line() -> None:
    rows = emails(parsed(ENGLISH_THREAD))
    assert [(r["parent_email"], r["thread_position"]) for r in rows] == [(None, 0), (0, 1), (1, 2)]
    top, quoted, intro = rows
    assert top["recipients"] == ["5.1.2e <5.1.2e@minbzk.nl>", "Karel Jansen <k.jansen@minbzk.nl>"]
    assert (top["cc"], top["bcc"]) == (["Sanne de Vries"], ["5.1.2e"])
    assert top["attachments"] == ["schedule.docx", "contacts.xlsx"]
    assert (top["sent_at"], top["redacted_fields"], top["ground_codes"]) == (
        "2023-04-03T14:05", ["recipients", "bcc"], ["5.1.2e"])
    assert (quoted["sender"], quoted["sent_at"], quoted["body"]) == (
        "Karel Jansen <k.jansen@minbzk.nl>", "2023-03-31T16:30", "Hi Anne, the schedule is attached.")
    assert (intro["sender"], intro["sent_at"], intro["subject"]) == (
        "Sanne de Vries <s.devries@minbzk.nl>", "2023-03-30T09:15", None)
    assert intro["body"] == "Could you send me the schedule?\nThanks"


def test_dutch_intro_lines_quote_messages_without_a_header() -> None:
    text = ("Van: Petra de Wit\nVerzonden: dinsdag 4 april 2023 09:12\nAan: Karel Jansen\nOnderwerp: RE: Overleg\n"
            "Urgentie: Hoog\n\nPrima.\n\n"
            "Op ma 3 apr. 2023 om 14:05 schreef Karel Jansen <k.jansen@minbzk.nl>:\n> Zullen we morgen bellen?\n>\n"
            "> Op 3 apr. 2023, om 11:00 heeft Anne Bakker <a.bakker@minbzk.nl> het volgende geschreven:\n"
            ">> Wie belt wie?\n")
    rows = emails(parsed(text))
    assert [(r["sender"], r["sent_at"], r["parent_email"], r["thread_position"], r["body"]) for r in rows] == [
        ("Petra de Wit", "2023-04-04T09:12", None, 0, "Prima."),
        ("Karel Jansen <k.jansen@minbzk.nl>", "2023-04-03T14:05", 0, 1, "Zullen we morgen bellen?"),
        ("Anne Bakker <a.bakker@minbzk.nl>", "2023-04-03T11:00", 1, 2, "Wie belt wie?"),
    ]
    assert rows[0]["subject"] == "RE: Overleg"  # "Urgentie" ends the header without joining the subject


def test_thread_cut_into_parts_by_the_splitter_is_linked_across_them() -> None:
    doc = parsed(CUT_THREAD)
    assert [p.document_type for p in doc.parts] == ["email", "email", "email"]
    rows = emails(doc)
    assert [(r["part"], r["email"], r["parent_email"], r["thread_position"]) for r in rows] == [
        (0, 0, None, 0), (1, 1, 0, 1), (2, 2, 1, 2)]
    # The rule line above the third header is no part of the second's body.
    assert rows[1]["body"] == LONG_BODY.strip()


def test_separate_emails_of_a_bundle_each_start_a_thread() -> None:
    doc = parsed(BUNDLE)
    rows = emails(doc)
    assert [(r["part"], r["parent_email"], r["thread_position"]) for r in rows] == [(0, None, 0), (1, None, 0)]
    assert [r["subject"] for r in rows] == ["Overleg inzet", "Verlof mei"]


def test_ocr_damaged_labels_are_read_inside_a_header() -> None:
    text = ("Van: Petra de Wit\nVerzonden: 3-4-2023 14:05\nAan: Karel Jansen\nce: Anne Bakker\n"
            "0nderwerp: Overleg\nBijlagen verslag.pdf\n\nHoi Karel,\n")
    [row] = emails(parsed(text))
    assert (row["cc"], row["subject"], row["attachments"]) == (["Anne Bakker"], "Overleg", ["verslag.pdf"])
    assert row["body"] == "Hoi Karel,"


def test_a_long_subject_wrapped_at_the_end_of_a_header_is_joined() -> None:
    head = "Van: Petra de Wit\nVerzonden: 3-4-2023 14:05\nAan: Karel Jansen\n"
    subject = "Onderwerp: RE: Planning van de inzet van het team in het"
    [wrapped] = emails(parsed(f"{head}{subject}\nvoorjaar\n\nBeste Karel,\n\nDank.\n"))
    assert (wrapped["subject"], wrapped["body"]) == ("RE: Planning van de inzet van het team in het voorjaar",
                                                     "Beste Karel,\n\nDank.")
    # A short subject, or a salutation after it, is no wrapped subject.
    [short] = emails(parsed(f"{head}Onderwerp: Overleg\nvoorjaar\n\nDank.\n"))
    [greeting] = emails(parsed(f"{head}{subject}\nBeste Karel,\n\nDank.\n"))
    assert (short["subject"], greeting["subject"]) == ("Overleg", "RE: Planning van de inzet van het team in het")


def test_labelled_lines_in_a_body_start_no_message() -> None:
    text = DUTCH_THREAD.replace("Dank, ik neem het verslag mee.\n",
                                "Dank, ik neem het verslag mee.\nDatum: dinsdag 11 april 2023\nCC: het team\n")
    rows = emails(parsed(text))
    assert len(rows) == 3
    assert rows[0]["body"].startswith("Dank, ik neem het verslag mee.\nDatum: dinsdag 11 april 2023\nCC: het team")


def test_header_quoted_with_quote_marks_is_a_message_of_its_own() -> None:
    text = ("Van: Petra de Wit\nVerzonden: 4-4-2023 09:12\nAan: Karel Jansen\nOnderwerp: RE: Overleg\n\nAkkoord.\n\n"
            "> Van: Karel Jansen\n> Verzonden: 3-4-2023 14:05\n> Aan: Petra de Wit; Anne\n> Bakker\n"
            "> Onderwerp: Overleg\n>\n> Zullen we dinsdag afspreken?\n")
    top, quoted = emails(parsed(text))
    assert (quoted["parent_email"], quoted["recipients"], quoted["subject"]) == (0, ["Petra de Wit", "Anne Bakker"],
                                                                              "Overleg")
    assert (top["body"], quoted["body"]) == ("Akkoord.", "Zullen we dinsdag afspreken?")


def test_labels_first_then_values_as_a_header_table_is_extracted() -> None:
    text = "Van:\nVerzonden:\nAan:\nOnderwerp:\n\nPetra de Wit\nmaandag 3 april 2023 14:05\nKarel Jansen\nOverleg\n\nHoi,\n"
    [row] = emails(parsed(text))
    assert (row["sender"], row["sent_at"], row["recipients"], row["subject"]) == (
        "Petra de Wit", "2023-04-03T14:05", ["Karel Jansen"], "Overleg")
    assert row["body"] == "Hoi,"


@pytest.mark.parametrize("text, expected", [
    ("maandag 3 april 2023 14:05", dt.datetime(2023, 4, 3, 14, 5)),
    ("Monday, April 3, 2023 2:05 PM", dt.datetime(2023, 4, 3, 14, 5)),
    ("3-4-2023 14:05", dt.datetime(2023, 4, 3, 14, 5)),
    ("Datum: 03-04-2023", dt.date(2023, 4, 3)),
    ("ma 3 apr. 2023 om 14:05", dt.datetime(2023, 4, 3, 14, 5)),
    ("vrijdag 31 maart 2023 16:30:12", dt.datetime(2023, 3, 31, 16, 30, 12)),
    ("Monday, 4/3/2023 12:30 AM", dt.datetime(2023, 4, 3, 0, 30)),  # the weekday says month first
    ("Friday, March 31st 2023", dt.date(2023, 3, 31)),
    ("Sent: Tue 3 Oct 2023 9:00 AM", dt.datetime(2023, 10, 3, 9, 0)),
])
def test_sent_dates_in_dutch_and_english_spellings(text: str, expected: dt.date) -> None:
    found = parse_datetime(text)
    assert found is not None and found[0] == expected


def test_parse_date_still_reads_dutch_dates_day_first() -> None:
    assert parse_date("op 4-3-2023 besproken")[0] == dt.date(2023, 3, 4)  # type: ignore[index]
    assert parse_date("17 juli 2023")[0] == dt.date(2023, 7, 17)  # type: ignore[index]


@pytest.mark.parametrize("value, entries", [
    ("Jansen, Karel; Bakker, Anne", ["Jansen, Karel", "Bakker, Anne"]),
    ("Jansen, Karel, Bakker, Anne", ["Jansen, Karel", "Bakker, Anne"]),
    ("Petra de Wit, Karel Jansen", ["Petra de Wit", "Karel Jansen"]),
    ("Wit, Petra de <p.dewit@minbzk.nl>", ["Wit, Petra de <p.dewit@minbzk.nl>"]),
    ("a@x.nl, b@x.nl", ["a@x.nl", "b@x.nl"]),
    ("Jansen, K. <k@x.nl>: Bakker, A.", ["Jansen, K. <k@x.nl>", "Bakker, A."]),
    ("art. 5.1, tweede lid, onder e", ["art. 5.1, tweede lid, onder e"]),
    ("5.1.2e, Karel Jansen", ["5.1.2e", "Karel Jansen"]),
])
def test_address_lists_split_into_entries(value: str, entries: list[str]) -> None:
    assert split_addresses(value) == entries


def test_attachment_lists_split_into_file_names_without_sizes() -> None:
    assert split_files("verslag, concept.pdf (1,2 MB); b.xlsx") == ["verslag, concept.pdf", "b.xlsx"]
    assert split_files("a.pdf, b.docx [20 KB]") == ["a.pdf", "b.docx"]


@pytest.mark.parametrize("text", [DUTCH_THREAD, ENGLISH_THREAD, CUT_THREAD])
def test_fixtures_are_typed_email_by_the_classify_stage(text: str) -> None:
    assert classify_text(text).type.name == "email"


# --------------------------------------------------------------------------
# PDF: born-digital and scanned, through the real extraction

THREAD_PDF = [
    Mail((("Van", "Petra de Wit <p.dewit@minbzk.nl>"), ("Verzonden", "dinsdag 4 april 2023 09:12"),
          ("Aan", "Jansen, Karel <k.jansen@minbzk.nl>; Bakker, Anne <a.bakker@minbzk.nl>; "
                  "Vries, Sanne de <s.devries@minbzk.nl>"),
          ("CC", STAMP), ("Onderwerp", "RE: Planning inzet voorjaar"),
          ("Bijlagen", "verslag overleg.pdf; planning 2023.xlsx")),
         ("Dank voor het verslag. Ik neem het mee naar het overleg van donderdag en kom daarna bij je terug "
          "over de planning.", "Met vriendelijke groet,", "Petra")),
    Mail((("Van", STAMP), ("Verzonden", "maandag 3 april 2023 14:05"), ("Aan", "Petra de Wit <p.dewit@minbzk.nl>"),
          ("Onderwerp", "Planning inzet voorjaar")),
         ("Hoi Petra, hierbij het verslag van het overleg over de inzet van vorige week. Laat maar weten als er "
          "vragen zijn.", "Groet,", "Karel")),
]


@pytest.fixture(scope="module")
def thread_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("email-pdfs")
    pdf = render_thread("de Wit, Petra", THREAD_PDF)
    (folder / "born.pdf").write_bytes(pdf)
    images_to_pdf(scan(pdf), SCAN_DPI, folder / "scanned.pdf")
    return {"born": folder / "born.pdf", "scanned": folder / "scanned.pdf"}


def pipeline_rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The engines of the pages and the emails rows of a PDF, through the
    real stages up to parse (a scan is corrected with its own clean text as
    the release lexicon, which here is none). The gate after them holds an
    e-mail full of names back, so its rows are taken before it."""
    doc = ingest.read_document(ingest.identify(path))
    ctx = StageContext(RunOptions())
    for stage in STAGES:
        if stage.run is None:
            continue
        if stage.name == "correct":
            ctx = StageContext(RunOptions(), clean_lexicon(doc))
        stage.run(doc, ctx)
        if stage.name == "parse":
            break
    assert {p.document_type for p in doc.parts} == {"email"}
    return [p.engine for p in doc.pages], emails(doc)


@pytest.mark.parametrize("kind, engine", [("born", "pdfminer.six"), ("scanned", "tesseract")])
def test_pdf_email_thread_is_parsed(thread_pdfs: dict[str, Path], kind: str, engine: str) -> None:
    engines, rows = pipeline_rows(thread_pdfs[kind])
    assert engines == [engine]
    assert [(r["email"], r["parent_email"], r["thread_position"]) for r in rows] == [(0, None, 0), (1, 0, 1)]
    top, quoted = rows
    # OCR may set spaces around an address's "@"; the names are what must hold.
    assert [e.split(" <")[0] for e in top["recipients"]] == ["Jansen, Karel", "Bakker, Anne", "Vries, Sanne de"]
    assert (top["cc"], top["redacted_fields"], top["ground_codes"]) == ([STAMP], ["cc"], ["5.1.2e"])
    assert (top["subject"], top["sent_at"]) == ("RE: Planning inzet voorjaar", "2023-04-04T09:12")
    assert top["attachments"] == ["verslag overleg.pdf", "planning 2023.xlsx"]
    assert top["body"].startswith("Dank voor het verslag.") and top["body"].endswith("Petra")
    assert (quoted["sender"], quoted["redacted_fields"], quoted["sent_at"]) == (STAMP, ["sender"], "2023-04-03T14:05")
    assert quoted["subject"] == "Planning inzet voorjaar"
    assert quoted["body"].startswith("Hoi Petra,") and quoted["body"].endswith("Karel")


# --------------------------------------------------------------------------
# Quality suite

def test_emails_suite_passes_parsed_rows_and_fails_a_broken_thread(tmp_path: Path) -> None:
    from checks.quality import validate as quality
    from checks.quality.validate import SUITES_DIR

    suites = tmp_path / "suites"
    suites.mkdir()
    for name in ("emails.toml", "parameters.toml"):
        shutil.copy(SUITES_DIR / name, suites / name)
    rows = emails(parsed(DUTCH_THREAD)) + emails(parsed(ENGLISH_THREAD.replace("2023", "2024")))
    for r in rows[3:]:
        r["document_id"] = "f" * 64
    manifest = {"release": "t", "started": "2026-01-01T00:00:00+00:00"}
    empty = {name: table_rows_fit(name, []) for name in TABLES}  # the derived frames read every table
    good = quality.validate_release({**empty, "emails": table_rows_fit("emails", rows)}, manifest, tmp_path / "good",
                                    suites)
    assert good.ok, good.failed
    broken = [dict(r) for r in rows]
    broken[1]["thread_position"] = 0  # quoted, yet a top message
    broken[2]["email"] = 0  # a number twice in its document
    broken[4]["sent_date"] = dt.date(1923, 3, 31)
    bad = quality.validate_release({**empty, "emails": table_rows_fit("emails", broken)}, manifest, tmp_path / "bad",
                                   suites)
    assert set(bad.failed) == {"emails.top_message_has_no_parent", "emails.quoted_message_is_deeper", "emails.key_unique",
                               "emails.quoted_after_its_parent", "emails.sent_date_plausible"}


# --------------------------------------------------------------------------
# Real documents

@pytest.mark.parametrize("name", ["politie1.pdf", "politie2.pdf", "politie5.pdf", "politie7.pdf", "wob1.pdf"])
def test_real_wob_documents_hold_no_email_header(real_data: Path, name: str) -> None:
    """The police Wob documents at hand hold letters and instructions with
    labelled headers (Onderwerp, Datum, Bijlage(n), E-mail) but no e-mail:
    none of their header blocks may be read as an e-mail's."""
    path = real_data / "dutch-gov-pdfs" / name
    if not path.exists():
        pytest.skip(f"{name} not at hand")
    doc = ingest.read_document(ingest.identify(path))
    assert find_messages(doc.raw_text, 0, len(doc.raw_text)) == []
