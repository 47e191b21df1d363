"""The beslisnota parser on memos of other forms than the seed's: header
fields in another order with colons, a nota TER INFORMATIE, a margin as OCR
leaves it (damaged labels, a glued label, labels read before their values),
and the real TER ONDERTEKENING nota wobError.pdf through the pipeline's own
extraction (skipped when absent)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from checks.text.memo import check_person_fields
from flows.model import Document, RunOptions, StageContext
from flows.run import units
from flows.run.stages import phase
from flows.stages import ingest
from flows.stages.parse import parse
from tests.fixtures.memo_forms import (
    OCR_MARGIN,
    OTHER_ORDER,
    SECTIONS_BESLISSING,
    TER_INFORMATIE,
    Memo,
    scanned_memo_pdf,
)


def parsed(doc: Document) -> Document:
    """The stages before parse, then the parse stage (its parser chosen by
    the type the classify stage gave)."""
    ctx = StageContext(RunOptions())
    for stage in phase("prepare"):
        assert stage.run is not None
        stage.run(doc, ctx)
    parse(doc, ctx)
    return doc


def memo_doc(memo: Memo | str) -> Document:
    text = memo if isinstance(memo, str) else memo.text()
    return parsed(Document(id="m" * 64, path="nota.txt", size=len(text), media_type="text/plain", raw_text=text,
                           text=text))


def fields(doc: Document) -> dict[str, dict]:
    rows = doc.rows["memo_fields"]
    assert len({r["field"] for r in rows}) == len(rows), "each field once"
    return {r["field"]: r for r in rows}


def sections(doc: Document) -> list[str]:
    return [r["section"] for r in doc.rows["memo_sections"] if r["kind"] == "section"]


def assert_fields_as_meant(memo: Memo, got: dict[str, dict]) -> None:
    for name, label, value in memo.fields:
        assert got[name]["value"] == value, name
        assert got[name]["label"] == label, name
    assert got["Onderwerp"]["value"] == memo.subject
    assert got["Soort"]["value"] == memo.kind.removeprefix("nota ")


def test_header_fields_in_another_order_with_colons_are_read() -> None:
    doc = memo_doc(OTHER_ORDER)
    assert [p.document_type for p in doc.parts] == ["memo"]
    got = fields(doc)
    assert_fields_as_meant(OTHER_ORDER, got)
    assert got["Datum"]["value_date"] == dt.date(2023, 10, 12)
    assert got["Opgesteld door"]["ground_code"] == "5.1.2e"
    assert sections(doc) == [h for h, _ in SECTIONS_BESLISSING]
    # Every person field holds a unit or a stamp: nothing to report.
    check_person_fields(doc)
    assert doc.rows.get("findings", []) == []


def test_ter_informatie_note_without_a_decision_section() -> None:
    doc = memo_doc(TER_INFORMATIE)
    got = fields(doc)
    assert_fields_as_meant(TER_INFORMATIE, got)
    assert got["Onze Referentie"]["label"] == "Referentie"
    assert sections(doc) == ["Aanleiding", "Kernpunten", "Toelichting"]
    bullets = [r["text"] for r in doc.rows["memo_sections"] if r["kind"] == "bullet"]
    assert bullets == ["Het programma ligt op schema.", "De evaluatie volgt in het najaar."]


def test_ocr_damaged_margin_read_column_by_column() -> None:
    text = OCR_MARGIN.text()
    assert "Datnm\n\n0nze referentie\n\nAan\n\n4 december 2023" in text  # the labels before their values
    assert "2023Uiterlljk bij" in text  # a label glued to the value before it
    got = fields(memo_doc(OCR_MARGIN))
    assert_fields_as_meant(OCR_MARGIN, got)
    assert got["Datum"]["value_date"] == dt.date(2023, 12, 4)
    assert got["Binnengekomen op"]["value_date"] == dt.date(2023, 11, 27)
    assert got["Opgesteld door"]["ground_code"] == "5.1.2e"


def test_stacked_labels_with_too_few_values_keep_the_values_where_they_stand() -> None:
    """Two labels and one value ("Aan / Van / M"): the other value was a
    stamp OCR could not read, so no value is moved onto a field it may not
    belong to."""
    memo = dataclasses.replace(
        OCR_MARGIN, columns=0, layout="lines",
        fields=(("Datum", "Datum", "4 december 2023"), ("Aan", "Aan", ""), ("Van", "Van", "M"),
                ("Binnengekomen op", "Binnengekomen op", "27 november 2023")))
    got = fields(memo_doc(memo))
    assert got["Aan"]["value"] is None and got["Van"]["value"] == "M"


def test_a_five_letter_label_with_an_ocr_error_counts_only_alone_on_its_line() -> None:
    memo = dataclasses.replace(OTHER_ORDER, sections=(
        ("Aanleiding", "Datnm en tijd van het overleg staan nog niet vast."), *SECTIONS_BESLISSING[1:]))
    doc = memo_doc(memo)
    assert fields(doc)["Datum"]["label"] == "Datum"
    aanleiding = next(r for r in doc.rows["memo_sections"] if r["section"] == "Aanleiding")
    assert aanleiding["text"].startswith("Datnm en tijd")


def test_bijlagen_in_the_margin_is_a_field_and_at_the_end_a_section() -> None:
    margin = dataclasses.replace(TER_INFORMATIE, fields=(
        *TER_INFORMATIE.fields, ("Bijlagen", "Bijlagen", "Overzicht regionale plannen")))
    got = fields(memo_doc(margin))
    assert got["Bijlagen"]["value"] == "Overzicht regionale plannen"
    assert got["Onderwerp"]["value"] == TER_INFORMATIE.subject
    at_end = dataclasses.replace(TER_INFORMATIE, sections=(
        *TER_INFORMATIE.sections, ("Bijlagen", "1. Overzicht regionale plannen")))
    doc = memo_doc(at_end)
    assert "Bijlagen" not in fields(doc)
    assert sections(doc)[-1] == "Bijlagen"


def test_sub_headings_over_bullets_are_sections_and_their_parent_keeps_the_whole() -> None:
    text = OTHER_ORDER.text().replace(
        "Toelichting\nHet rapport is op 1 september verschenen en is in overleg met de inspectie besproken.",
        "Toelichting\n\nCasus\n\uf0b7 Het rapport is op 1 september verschenen.\n\uf0b7 De inspectie is gehoord.\n\n"
        "Rolverdeling\n\uf0b7 De inspectie houdt toezicht op de zorg en is daarin onafhankelijk van\n"
        "– zo staat het in de wet – het ministerie.\n\nPagina 1 van 1")
    doc = memo_doc(text)
    assert sections(doc) == ["Aanleiding", "Geadviseerd besluit", "Kernpunten", "Toelichting", "Casus",
                             "Rolverdeling"]
    rows = doc.rows["memo_sections"]
    whole = next(r for r in rows if r["section"] == "Toelichting")
    assert whole["text"].startswith("Casus") and "Rolverdeling" in whole["text"]
    bullets = [(r["section"], r["item"]) for r in rows if r["kind"] == "bullet" and r["section"] != "Kernpunten"]
    assert bullets == [("Casus", 1), ("Casus", 2), ("Rolverdeling", 1)]  # the aside's dash is no bullet
    assert not any("Pagina 1 van 1" in r["text"] for r in rows)


def test_margin_label_at_the_end_of_a_body_line_counts_beside_other_labels_only() -> None:
    text = ("Ministerie van Financiën\n\nTER BESLISSING Van\nDGFZ\nFiscale agenda voor het voorjaar Aan\n\n"
            "Staatssecretaris\n\nDatum\n6 februari 2024\n\nKenmerk\n2024-0000031\n\n"
            "Aanleiding\nDe Kamer vraagt om een overzicht.\n\nKernpunten\n"
            "• Hierover zijn vragen gesteld door de leden Van\nDijk en Omtzigt.\n• De agenda volgt in maart.\n")
    doc = memo_doc(text)
    got = fields(doc)
    assert (got["Van"]["value"], got["Aan"]["value"]) == ("DGFZ", "Staatssecretaris")
    assert got["Onderwerp"]["value"] == "Fiscale agenda voor het voorjaar"
    bullets = [r["text"] for r in doc.rows["memo_sections"] if r["kind"] == "bullet"]
    assert bullets[0] == "Hierover zijn vragen gesteld door de leden Van Dijk en Omtzigt."


@pytest.mark.parametrize("memo", [OTHER_ORDER, OCR_MARGIN], ids=["other_order", "ocr_margin"])
def test_scanned_memo_margin_is_read_through_ocr(memo: Memo, tmp_path: Path) -> None:
    """The memo laid out in the Rijkshuisstijl, printed and scanned, through
    the pipeline's OCR and correction: Tesseract puts margin labels at the
    end of body lines ("TER BESLISSING Van") and the margin after the first
    heading; the fields, the subject and the sections come out all the same."""
    doc = ingest.read_document(ingest.identify(scanned_memo_pdf(memo, tmp_path / "nota.pdf")))
    result = units.prepare(doc, RunOptions())
    if result.pending:
        result = units.finish(result.pending, RunOptions(), result.lexicon)
    assert {p["engine"] for p in result.rows["pages"]} == {"tesseract"}
    got = {r["field"]: r for r in result.rows["memo_fields"]}
    for name, _label, value in memo.fields:
        # OCR may space a long reference ("387 1205-..."): compare without spaces.
        assert got[name]["value"].replace(" ", "") == value.replace(" ", ""), name
    assert got["Onderwerp"]["value"] == memo.subject
    rows = result.rows["memo_sections"]
    assert [r["section"] for r in rows if r["kind"] == "section"] == [h for h, _ in memo.sections]
    assert len([r for r in rows if r["kind"] == "bullet"]) == 2
    assert not any("Ministerie" in r["text"] for r in rows)


def test_real_ter_ondertekening_nota_is_parsed(real_data: Path) -> None:
    """wobError.pdf (OCW, born-digital): "Aan: SCM" on the body side, the
    sender's unit above the margin, an empty "Van", "Referentie" and
    "Bijlagen" in the margin, the subject beside "nota", and sub-headings
    with Symbol-font bullets under "Toelichting"."""
    path = real_data / "dutch-gov-pdfs" / "wobError.pdf"
    if not path.exists():
        pytest.skip("wobError.pdf not in the real documents")
    doc = parsed(ingest.read_document(ingest.identify(path)))
    assert [p.document_type for p in doc.parts] == ["memo"]
    got = fields(doc)
    assert got["Soort"]["value"] == "TER ONDERTEKENING"
    assert got["Aan"]["value"] == "SCM"
    assert got["Van"]["value"] is None
    assert got["Datum"]["value_date"] == dt.date(2022, 10, 14)
    assert (got["Onze Referentie"]["label"], got["Onze Referentie"]["value"]) == ("Referentie", "34313104")
    assert got["Bijlagen"]["value"].endswith("Kamervragen")
    assert got["Onderwerp"]["value"].startswith("Antwoorden op schriftelijke vragen")
    assert got["Onderwerp"]["value"].endswith("Seamless ads’")
    assert sections(doc) == ["Aanleiding", "Geadviseerd besluit", "Toelichting", "Casus", "Kaders", "Rolverdeling"]
    rows = doc.rows["memo_sections"]
    bullets = [r["section"] for r in rows if r["kind"] == "bullet"]
    assert bullets == ["Casus", "Casus", "Kaders", "Rolverdeling"]
    assert not any("Pagina 1 van 1" in r["text"] for r in rows)
