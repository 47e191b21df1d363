"""Inventory lists: read from a born-digital PDF table (two layouts with
different column names), from its scan through the real OCR, from .csv and
.xlsx files; grounds in every spelling; and the release check that joins
the list to the release's documents."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import through_parse
from fixtures.inventory_lists import ENTRIES, LAYOUT_A, LAYOUT_B, render_pdf, write_csv, write_xlsx
from fixtures.seed_pdfs import SCAN_DPI, images_to_pdf, scan

from checks.inventory import check_inventory, file_numbers, inventory_summary, number_key, stamped_numbers
from flows.model import Document, RunOptions
from flows.model.errors import InputError
from flows.registry.grounds import find_codes
from flows.registry.inventory_columns import inventory_spec
from flows.release.publish import merged_rows
from flows.run import units
from flows.stages import ingest
from flows.stages.parse.inventory import read_grounds

# What the fixture's judgements, as written, mean.
JUDGEMENT = {"Deels openbaar": "deels_openbaar", "Gedeeltelijk openbaar": "deels_openbaar", "Openbaar": "openbaar",
             "Niet openbaar": "niet_openbaar", "Reeds openbaar": "reeds_openbaar"}
# The fixture's grounds, as written, in registry spelling.
GROUNDS = {"": [], "5.1.2e": ["5.1.2e"], "5.1.2.e, 5.2": ["5.1.2e", "5.2"], "5.1.2 e; 5.1.2 i": ["5.1.2e", "5.1.2i"],
           "10.2.e": ["10.2.e"], "art. 5.1 lid 2 sub e": ["5.1.2e"], "artikel 5.1, tweede lid, onder e": ["5.1.2e"]}


def parsed(path: Path) -> Document:
    """An input read and taken through the stages up to parse."""
    return through_parse(ingest.read_document(ingest.identify(path)))


def expected(entry) -> dict:
    return {"number": entry.number, "date": entry.date, "title": entry.title,
            "judgement": JUDGEMENT[entry.judgement], "grounds": GROUNDS[entry.grounds],
            "remarks": entry.remarks or None}


def read(doc: Document) -> list[dict]:
    return [{k: r[k] for k in ("number", "date", "title", "judgement", "grounds", "remarks")}
            for r in doc.rows.get("inventory", [])]


# --------------------------------------------------------------------------
# Registry and grounds


def test_column_names_map_to_canonical_columns() -> None:
    spec = inventory_spec()
    names = {"Nr.": "number", "Nummer": "number", "Documentnummer": "number", "Document nr": "number", "ID": "number",
             "Kenmerk": "number", "Datum": "date", "Documentdatum": "date", "Titel": "title",
             "Omschrijving": "title", "Onderwerp": "title", "Document": "title", "Naam document": "title",
             "Beoordeling": "judgement", "Beslissing": "judgement", "Oordeel": "judgement",
             "Openbaarmaking": "judgement", "Status": "judgement", "Weigeringsgrond(en)": "grounds",
             "Grond(en)": "grounds", "Wettelijke grond": "grounds", "Uitzonderingsgrond": "grounds",
             "Opmerking(en)": "remarks", "Toelichting": "remarks"}
    assert {h: spec.column(h) for h in names} == names
    assert spec.column("Afzender") == "remarks:Afzender"  # carried into remarks
    assert spec.column("Bijlage") is None


def test_judgement_spellings_map_to_four_values() -> None:
    spec = inventory_spec()
    spellings = {"openbaar": "openbaar", "Deels openbaar": "deels_openbaar", "gedeeltelijk openbaar": "deels_openbaar",
                 "Niet openbaar": "niet_openbaar", "Geweigerd": "niet_openbaar", "Reeds openbaar": "reeds_openbaar",
                 "Eerder openbaar gemaakt": "reeds_openbaar", "Deels openbaar (zie toelichting)": "deels_openbaar",
                 "onbekend": None}
    assert {s: spec.judgement(s) for s in spellings} == spellings


@pytest.mark.parametrize(("written", "codes"), [
    ("5.1.2e", ["5.1.2e"]), ("5.1.2.e", ["5.1.2e"]), ("5.1.2 e", ["5.1.2e"]), ("10.2.e", ["10.2.e"]),
    ("art. 5.1 lid 2 sub e", ["5.1.2e"]), ("artikel 5.1, tweede lid, onder e", ["5.1.2e"]),
    ("5.1.2e, 5.1.2a; 5.1.2e", ["5.1.2e", "5.1.2a"]), ("5.2", ["5.2"]), ("11.1", ["11.1"]),
    ("5.1.5 en 5.1.2i", ["5.1.5", "5.1.2i"]), ("Persoonlijke levenssfeer", ["5.1.2e"]), ("zie besluit", []),
])
def test_grounds_column_is_read_in_every_spelling(written: str, codes: list[str]) -> None:
    assert read_grounds(written) == codes


def test_bare_codes_count_only_where_asked() -> None:
    assert [c.code for c in find_codes("paragraaf 5.2 van de nota")] == []
    assert [c.code for c in find_codes("5.2", bare=True)] == ["5.2"]


# --------------------------------------------------------------------------
# PDF tables


@pytest.mark.parametrize("layout", [LAYOUT_A, LAYOUT_B], ids=["nr-omschrijving", "documentnummer-naam"])
def test_born_digital_list_is_read_entry_by_entry(tmp_path: Path, layout) -> None:
    path = tmp_path / "inventaris.pdf"
    path.write_bytes(render_pdf(layout=layout, title="Overzicht van de documenten"))
    doc = parsed(path)
    assert [p.document_type for p in doc.parts] == ["inventory_list"]
    assert read(doc) == [expected(e) for e in ENTRIES]
    rows = doc.rows["inventory"]
    assert [r["entry"] for r in rows] == list(range(len(ENTRIES)))
    assert json.loads(rows[0]["columns"]) == dict(zip([h for h, _ in layout],
                                                      ["number", "date", "title", "judgement", "grounds", "remarks"],
                                                      strict=True))
    # Each entry's span holds its number and title on the entry's page.
    for r, e in zip(rows, ENTRIES, strict=True):
        text = doc.text[r["span_start"] : r["span_end"]]
        assert text.startswith(e.number) and e.title.split()[0] in text
        assert r["page"] == doc.page_at(r["span_start"])


def test_scanned_list_is_read_through_ocr(tmp_path: Path) -> None:
    path = tmp_path / "inventaris-scan.pdf"
    images_to_pdf(scan(render_pdf(), dpi=SCAN_DPI), SCAN_DPI, path)
    doc = parsed(path)
    assert all(p.engine == "tesseract" for p in doc.pages)
    got = read(doc)
    want = [expected(e) for e in ENTRIES]
    assert [(g["number"], g["date"], g["judgement"]) for g in got] == [(w["number"], w["date"], w["judgement"])
                                                                       for w in want]
    # OCR may damage a letter of a code; most grounds survive it.
    assert sum(g["grounds"] == w["grounds"] for g, w in zip(got, want, strict=True)) >= len(want) - 1


def test_footer_below_the_table_is_no_entry(tmp_path: Path) -> None:
    path = tmp_path / "inventaris.pdf"
    path.write_bytes(render_pdf(rows_per_page=3))
    doc = parsed(path)
    assert [r["number"] for r in doc.rows["inventory"]] == [e.number for e in ENTRIES]


# --------------------------------------------------------------------------
# Spreadsheets


def test_csv_list_becomes_tabbed_text_and_entries(tmp_path: Path) -> None:
    doc = parsed(write_csv(tmp_path / "inventaris.csv"))
    assert doc.media_type == "text/csv"
    assert doc.raw_text.split("\n")[0] == "\t".join(h for h, _ in LAYOUT_B)
    assert [p.document_type for p in doc.parts] == ["inventory_list"]
    assert read(doc) == [expected(e) for e in ENTRIES]


def test_csv_dialect_is_sniffed(tmp_path: Path) -> None:
    doc = parsed(write_csv(tmp_path / "inventaris.csv", delimiter=","))
    assert read(doc) == [expected(e) for e in ENTRIES]


def test_xlsx_list_becomes_tabbed_text_and_entries(tmp_path: Path) -> None:
    doc = parsed(write_xlsx(tmp_path / "inventaris.xlsx"))
    assert doc.media_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # Date cells are ISO dates in the text, whole numbers without ".0".
    assert doc.raw_text.split("\n")[2].startswith("1\t2023-03-02\t")
    assert read(doc) == [expected(e) for e in ENTRIES]
    assert {r["date_text"] for r in doc.rows["inventory"]} == {e.date.isoformat() for e in ENTRIES}


def test_sender_and_recipient_columns_go_into_remarks(tmp_path: Path) -> None:
    path = tmp_path / "lijst.csv"
    path.write_text("Nr;Datum;Onderwerp;Afzender;Beoordeling;Grond(en)\n"
                    "1;2023-05-01;Planning;5.1.2e;Deels openbaar;5.1.2e\n", encoding="utf-8")
    rows = parsed(path).rows["inventory"]
    assert [(r["title"], r["remarks"], r["judgement"]) for r in rows] == [("Planning", "Afzender: 5.1.2e",
                                                                          "deels_openbaar")]
    assert json.loads(rows[0]["columns"])["Afzender"] == "remarks"


def test_list_typed_in_a_text_file_is_read_by_its_aligned_columns(tmp_path: Path) -> None:
    path = tmp_path / "inventaris.txt"
    path.write_text(
        "Inventarislijst\n\n"
        "Nr.  Datum       Omschrijving                    Beoordeling     Weigeringsgrond(en)\n"
        "1    02-03-2023  E-mail over de planning         Deels openbaar  5.1.2 e\n"
        "2    09-03-2023  Verslag van het overleg         Openbaar\n"
        "3                Nota zonder datum               Niet openbaar   5.2\n", encoding="utf-8")
    doc = parsed(path)
    got = [(r["number"], r["date"], r["title"], r["judgement"], r["grounds"]) for r in doc.rows["inventory"]]
    assert got == [("1", dt.date(2023, 3, 2), "E-mail over de planning", "deels_openbaar", ["5.1.2e"]),
                   ("2", dt.date(2023, 3, 9), "Verslag van het overleg", "openbaar", []),
                   ("3", None, "Nota zonder datum", "niet_openbaar", ["5.2"])]
    # Spans point into the published (normalised) text.
    first = doc.rows["inventory"][0]
    assert doc.text[first["span_start"] : first["span_end"]] == "1 02-03-2023 E-mail over de planning Deels openbaar 5.1.2 e"


def test_spreadsheet_columns_of_its_own_go_into_remarks_and_every_row_is_an_entry(tmp_path: Path) -> None:
    path = tmp_path / "lijst.csv"
    path.write_text("Nr;Familie;Datum;Titel;Link;Pagina's;Beoordeling;Grond\n"
                    "1;A;2023-05-01;Planning;https://example.org/1;3;Openbaar;\n"
                    ";A;2023-05-02;Bijlage bij de planning;;1;Deels openbaar;5.1.2e\n", encoding="utf-8")
    rows = parsed(path).rows["inventory"]
    assert [(r["number"], r["title"], r["judgement"], r["remarks"]) for r in rows] == [
        ("1", "Planning", "openbaar", "Familie: A; Link: https://example.org/1; Pagina's: 3"),
        (None, "Bijlage bij de planning", "deels_openbaar", "Familie: A; Pagina's: 1")]
    assert json.loads(rows[0]["columns"])["Familie"] is None


def test_spreadsheets_are_found_in_a_folder(tmp_path: Path) -> None:
    write_csv(tmp_path / "a.csv")
    write_xlsx(tmp_path / "b.xlsx")
    found, refused = ingest.discover([tmp_path])
    assert [f.name for f in found] == ["a.csv", "b.xlsx"] and not refused


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("kapot.xlsx", b"this is not a workbook at all", "not a readable .xlsx workbook"),
    ("leeg.csv", b";;;\n;;\n", "empty spreadsheet"),
    ("binair.csv", b"\x00\x01\x02" * 100, "binary content, not text"),
])
def test_bad_spreadsheets_are_refused_with_a_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as e:
        ingest.read_document(ingest.identify(path))
    assert e.value.reason == reason


def test_a_damaged_workbook_is_quarantined_by_ingest(tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "goed.xlsx").read_bytes()
    path = tmp_path / "kapot.xlsx"
    path.write_bytes(good[: len(good) // 2])
    result = units.process_input(ingest.identify(path), RunOptions())
    assert result.quarantine is not None
    assert (result.quarantine.stage, result.quarantine.reason) == ("ingest", "not a readable .xlsx workbook")


# --------------------------------------------------------------------------
# The release check


def test_document_numbers_are_read_from_stamps_and_file_names() -> None:
    assert number_key("00012") == "12" and number_key("807093-00012") == "807093 12"
    assert stamped_numbers("Tekst\nDocument 12\n") == {"12"}
    assert stamped_numbers("807093 00012\nTekst") == {"807093 12", "12"}
    assert file_numbers("/r/doc-7.pdf") == {"7"} and file_numbers("/r/807093_00009.pdf") == {"807093 9", "9"}
    assert file_numbers("/r/2023-03-02 verslag.pdf") == set()


BODY = ("De voortgang van het programma is besproken in het overleg. Er zijn afspraken gemaakt over de planning "
        "van de werkzaamheden in het najaar en over de rapportage aan de stuurgroep.\n")


def release(tmp_path: Path) -> dict[str, list[dict]]:
    """A release of a list and its documents, through the per-document
    pipeline: document 1 redacted on 5.1.2e as listed; document 2 public;
    document 3 listed deels openbaar but published without any redaction;
    document 4 withheld (absent, as it should be); document 6 listed but
    absent; document 9 not on the list; document 7 joined by its date and
    title (it carries no number)."""
    entries = (
        ("1", "2023-03-02", "E-mail over de planning van het overleg", "Deels openbaar", "5.1.2e"),
        ("2", "2023-03-09", "Verslag van het bestuurlijk overleg", "Openbaar", ""),
        ("3", "2023-04-14", "Nota aan de minister over de voortgang", "Deels openbaar", "5.1.2e"),
        ("4", "2023-05-01", "Interne notitie", "Niet openbaar", "5.2"),
        ("6", "2020-06-30", "Memo over de juridische risico's", "Deels openbaar", "10.2.e"),
        ("7", "2023-06-12", "Agenda van het ambtelijk overleg over de uitvoering", "Deels openbaar", "5.1.2e"),
    )
    (tmp_path / "inventarislijst.csv").write_text(
        "Nr.;Datum;Titel;Beoordeling;Weigeringsgrond(en)\n" + "".join(";".join(e) + "\n" for e in entries),
        encoding="utf-8")
    (tmp_path / "document-1.txt").write_text(
        "Document 1\nE-mail over de planning van het overleg\n\nVan: 5.1.2e\nAan: 5.1.2e\n\n" + BODY,
        encoding="utf-8")
    (tmp_path / "document-2.txt").write_text("Document 2\nVerslag van het bestuurlijk overleg\n\n" + BODY,
                                             encoding="utf-8")
    (tmp_path / "document-3.txt").write_text("Document 3\nNota aan de minister over de voortgang\n\n" + BODY,
                                             encoding="utf-8")
    (tmp_path / "agenda.txt").write_text(
        "Agenda van het ambtelijk overleg over de uitvoering\n\nDatum: 12 juni 2023\n\n1. Opening\n2. "
        + BODY + "Contactpersoon: 5.1.2e\n", encoding="utf-8")
    (tmp_path / "document-9.txt").write_text("Document 9\nNotitie over de begroting\n\n" + BODY, encoding="utf-8")
    found, _ = ingest.discover([tmp_path])
    results = [units.process_input(ingest.identify(p), RunOptions()) for p in found]
    assert all(r.status == "published" for r in results), [(r.path, r.status) for r in results]
    return merged_rows(r.rows for r in results)


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[dict, list[dict], list[dict], dict]:
    tables = release(tmp_path_factory.mktemp("release"))
    entries, findings = check_inventory(tables)
    return tables, entries, findings, inventory_summary(entries, findings)


def test_entries_are_joined_to_their_documents(checked) -> None:
    tables, entries, _, _ = checked
    path_of = {d["document_id"]: Path(d["source_path"]).name for d in tables["documents"]}
    joined = {e["number"]: (path_of.get(e["matched_document_id"]), e["match_on"]) for e in entries}
    assert joined == {"1": ("document-1.txt", "number"), "2": ("document-2.txt", "number"),
                      "3": ("document-3.txt", "number"), "4": (None, None), "6": (None, None),
                      "7": ("agenda.txt", "date_title")}


def test_missing_document_and_unredacted_partly_public_document_are_findings(checked) -> None:
    tables, entries, findings, _ = checked
    by_check = {}
    for f in findings:
        by_check.setdefault(f["check"], []).append(f)
    list_id = tables["inventory"][0]["document_id"]
    missing = by_check["inventory_document_missing"]
    assert [(f["document_id"], f["message"].split(" of ")[0]) for f in missing] == [(list_id, "entry 6")]
    unredacted = by_check["inventory_partly_public_unredacted"]
    assert [f["message"].split(" is ")[0] for f in unredacted] == ["entry 3"]
    assert unredacted[0]["severity"] == "high" and unredacted[0]["document_id"] == list_id
    # The entry's span in the list, so a reader finds the line.
    entry3 = next(e for e in entries if e["number"] == "3")
    assert (unredacted[0]["span_start"], unredacted[0]["span_end"]) == (entry3["span_start"], entry3["span_end"])
    # Document 1 is redacted on the listed ground; the withheld document 4
    # is rightly absent: neither is a finding.
    assert not any(f["message"].startswith(("entry 1 ", "entry 4 ")) for f in findings)
    unlisted = by_check["inventory_document_unlisted"]
    path_of = {d["document_id"]: Path(d["source_path"]).name for d in tables["documents"]}
    assert [path_of[f["document_id"]] for f in unlisted] == ["document-9.txt"]


def test_summary_counts_the_list_against_the_release(checked) -> None:
    _, _, _, summary = checked
    assert summary == {"listed": 6, "found": 4, "missing": 1, "mismatched": 1, "not_expected": 1, "unlisted": 1}


def test_finding_rows_fit_the_findings_table(checked) -> None:
    from flows.model.tables import table_rows_fit

    _, entries, findings, _ = checked
    assert table_rows_fit("findings", findings).num_rows == len(findings)
    assert table_rows_fit("inventory", entries).num_rows == 6
    assert len({f["finding_id"] for f in findings}) == len(findings)


def test_grounds_that_differ_from_the_document_are_findings() -> None:
    doc_id, list_id = "d" * 64, "l" * 64
    tables = {
        "inventory": [{"document_id": list_id, "input_id": list_id, "source_path": "lijst.csv", "part": 0, "span_start": 0,
                       "span_end": 10, "page": None, "entry": 0, "number": "5", "date": dt.date(2023, 1, 5),
                       "title": "Nota", "judgement": "deels_openbaar", "grounds": ["5.1.2e", "5.1.2i"],
                       "columns": json.dumps({"Nr": "number", "Grond(en)": "grounds"})}],
        "documents": [{"document_id": doc_id, "input_id": doc_id, "source_path": "5.txt", "part": 0, "document_type": "memo",
                   "title": "Nota", "text": "Nota\n5.1.2e\n5.2\n", "span_start": 0, "span_end": 16}],
        "markers": [{"document_id": doc_id, "part": 0, "ground_code": "5.1.2e", "kind": "code"},
                    {"document_id": doc_id, "part": 0, "ground_code": "5.2", "kind": "code"}],
    }
    entries, findings = check_inventory(tables)
    summary = inventory_summary(entries, findings)
    assert entries[0]["match_on"] == "number"
    assert sorted((f["check"], f["severity"], f["message"].split("ground ")[1].split(",")[0]) for f in findings) == [
        ("inventory_ground_not_applied", "low", "5.1.2i"), ("inventory_ground_not_listed", "medium", "5.2")]
    assert summary["mismatched"] == 1


def test_entries_the_parser_could_not_place_in_the_text_get_findings_of_their_own() -> None:
    # A scanned list's entries can have no span (their OCR lines differ
    # from the text): two missing ones on a page must not share an id.
    def entry(i: int, number: str) -> dict:
        return {"document_id": "l" * 64, "input_id": "l" * 64, "source_path": "lijst.pdf", "part": 0,
                "span_start": None, "span_end": None, "page": 1, "entry": i, "number": number, "date": None,
                "title": f"Nota {number}", "judgement": None, "grounds": [], "columns": "{}"}

    tables = {"inventory": [entry(0, "6"), entry(1, "13")],
              "documents": [{"document_id": "d" * 64, "input_id": "d" * 64, "source_path": "a.txt", "part": 0,
                             "document_type": "memo", "title": "Verslag", "text": "Verslag"}]}
    _, findings = check_inventory(tables)
    missing = [f for f in findings if f["check"] == "inventory_document_missing"]
    assert [f["message"].split(" of ")[0] for f in missing] == ["entry 6", "entry 13"]
    assert len({f["finding_id"] for f in findings}) == len(findings)


def test_a_long_title_joins_alone_and_a_short_one_does_not() -> None:
    def entry(i: int, title: str) -> dict:
        return {"document_id": "l" * 64, "input_id": "l" * 64, "source_path": "lijst.csv", "part": 0, "entry": i, "number": None,
                "date": None, "title": title, "judgement": "openbaar", "grounds": [], "columns": "{}"}

    def part(i: int, text: str) -> dict:
        return {"document_id": str(i) * 64, "input_id": str(i) * 64, "source_path": f"{i}.txt", "part": 0, "document_type": "letter",
                "title": text.split("\n")[0], "text": text}

    tables = {"inventory": [entry(0, "E-mail"), entry(1, "Brief aan de gemeente over de vergunning")],
              "documents": [part(1, "Van: secretariaat\nOnderwerp: E-mail\n"),
                        part(2, "Gemeente Utrecht\nBrief aan de gemeente over de vergunning\n\nGeachte heer,")]}
    entries, findings = check_inventory(tables)
    summary = inventory_summary(entries, findings)
    assert [(e["matched_document_id"], e["match_on"]) for e in entries] == [(None, None), ("2" * 64, "title")]
    assert summary["unlisted"] == 1


def test_a_release_without_a_list_has_no_inventory_findings() -> None:
    tables = {"documents": [{"document_id": "d" * 64, "input_id": "d" * 64, "source_path": "a.txt", "part": 0, "document_type": "memo",
                         "title": "Nota", "text": "Nota"}]}
    assert check_inventory(tables) == ([], [])
    assert inventory_summary([], []) == {"listed": 0, "found": 0, "missing": 0, "mismatched": 0,
                                         "not_expected": 0, "unlisted": 0}


# --------------------------------------------------------------------------
# Real documents


def test_real_documents_without_a_list_yield_no_entries(real_data: Path) -> None:
    """None of the real documents is an inventory list (none is typed one,
    none yields an entry): the header must not be found in a gazette's or
    a decision's tables. A real list, when one is added to the data, must
    yield entries."""
    pdfs = sorted((real_data / "dutch-gov-pdfs").glob("*.pdf"))
    if not pdfs:
        pytest.skip("no real PDFs")
    for path in pdfs:
        doc = through_parse(ingest.read_document(ingest.identify(path)))
        is_list = any(p.document_type == "inventory_list" for p in doc.parts)
        assert bool(doc.rows.get("inventory")) == is_list, path.name


def test_inventory_suites_pass_the_list_and_fail_a_bad_entry(checked, tmp_path: Path) -> None:
    """The inventory suites through real Great Expectations: the checked
    release passes them; an entry with an unknown judgement, a ground the
    registry lacks and a date after the release fails the expectations that
    name them."""
    import shutil

    from checks.quality.validate import SUITES_DIR, validate_release
    from flows.release.publish import build_tables

    suites = tmp_path / "suites"
    suites.mkdir()
    for name in ("inventory.toml", "inventory_grounds.toml", "parameters.toml"):
        shutil.copy(SUITES_DIR / name, suites / name)
    tables, entries, findings, _ = checked
    rows = {**tables, "inventory": entries, "findings": tables.get("findings", []) + findings}
    manifest = {"release": "test", "started": "2024-01-01T00:00:00"}
    good = validate_release(build_tables(rows, []), manifest, tmp_path / "good", suites)
    assert good.ok and good.failed == [], good.failed
    # Warnings included: every expectation ran (a list column measured by
    # its length too) and held.
    assert [r["name"] for r in good.results if not r["success"]] == []
    bad = dict(entries[0], entry=99, judgement="misschien", grounds=["5.1.9z"], date=dt.date(2030, 1, 1))
    unread = dict(entries[0], entry=100, grounds=[], grounds_text="onleesbaar")
    result = validate_release(build_tables({**rows, "inventory": [*entries, bad, unread]}, []), manifest,
                              tmp_path / "bad", suites)
    assert set(result.failed) == {"inventory.judgement_known", "inventory_grounds.ground_code_in_registry",
                                  "inventory.date_plausible"}
    assert [r["name"] for r in result.results if not r["success"] and r["severity"] == "warning"] == [
        "inventory_grounds.grounds_read"]


def test_a_document_the_list_judges_partly_public_but_unredacted_is_held_back(tmp_path: Path) -> None:
    """The release check holds back document 3 (judged deels openbaar, no
    redaction): no text of it is published, and its quarantine entry names
    it and the kind of hold, as the gate's do."""
    from flows.release.publish import build_tables, release_checks

    rows = release(tmp_path)
    held = release_checks(rows)
    assert [(Path(q.source_path).name, q.stage) for q in held] == [("document-3.txt", "tables")]
    assert "held back for an inventory mismatch: entry 3 is judged deels openbaar" in held[0].detail
    document = next(d for d in rows["documents"] if d["document_id"] == held[0].document_id)
    assert document["redaction_status"] == "held_back" and document["text"] is None
    (inp,) = [i for i in rows["inputs"] if i["input_id"] == held[0].input_id]
    assert inp["status"] == "published_with_held_parts" and "voortgang" not in inp["text"]
    tables = build_tables(rows, held)
    assert tables["quarantine"].num_rows == 1
    assert {f["check"] for f in tables["findings"].to_pylist()} >= {"inventory_partly_public_unredacted",
                                                                     "inventory_document_missing"}
