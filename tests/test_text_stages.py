"""Stage functions on text: ingest, normalise, split, parse, markers."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from conftest import SEED

from checks.text.memo import check_person_fields
from flows.model import Document, Edit, OffsetMap, Page, RunOptions
from flows.registry.grounds import find_codes
from flows.registry.matching import find_markers
from flows.stages import ingest
from flows.stages.markers import add_marker_rows
from flows.stages.normalise import normalise, normalise_text
from flows.stages.parse.kamervragen import (
    find_questions,
    parse_askers,
    parse_kamervragen,
    split_roles,
)
from flows.stages.parse.memo import parse_memo
from flows.stages.split import split


def seed_document(text: str | None = None) -> Document:
    raw = SEED.read_text(encoding="utf-8") if text is None else text
    doc = Document(id="seed", path=str(SEED), size=len(raw), media_type="text/plain", raw_text=raw, text=raw)
    normalise(doc)
    split(doc)
    return doc


# -- ingest -----------------------------------------------------------------


def test_document_id_is_sha256_of_bytes(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(b"Vraag 1\n")
    assert ingest.identify(f).sha256 == hashlib.sha256(b"Vraag 1\n").hexdigest()


@pytest.mark.parametrize(
    "data, encoding",
    [
        ("Oekraïne en België".encode("cp1252"), "cp1252"),
        ("Oekraïne en België".encode("utf-16"), "utf-16"),
        ("Oekraïne en België".encode("utf-8-sig"), "utf-8"),
        ("Oekraïne en België".encode(), "utf-8"),
    ],
)
def test_text_is_decoded_with_its_encoding_recorded(data: bytes, encoding: str) -> None:
    text, found = ingest.decode_text(data)
    assert text == "Oekraïne en België"
    assert found == encoding


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "empty file"),
        (b"  \n\t ", "empty file"),
        (bytes(range(256)) * 4, "binary content, not text"),
        ("Oekraïne".encode("utf-16") + b"\x00", "not valid text"),  # odd length after a UTF-16 mark
        (b"\xff\xfe\x00\x00" + b"\xff\xff\xff\xff", "not valid text"),  # UTF-32 mark, no code point
    ],
)
def test_bad_text_input_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(ingest.InputError) as e:
        ingest.decode_text(data)
    assert e.value.reason == reason


def test_missing_path_and_empty_folder_are_quarantined(tmp_path: Path) -> None:
    empty = tmp_path / "leeg"
    empty.mkdir()
    files, refused = ingest.discover([tmp_path / "nergens.txt", empty])
    assert files == []
    assert [q.reason for q in refused] == ["path does not exist", "no documents in folder"]


def test_a_pdf_named_txt_is_sniffed_as_pdf(tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_bytes(b"%PDF-1.7\n...")
    assert ingest.identify(f).media_type == "application/pdf"


# -- normalise ----------------------------------------------------------------


def test_normalise_composes_ligatures_soft_hyphens_and_whitespace() -> None:
    raw = "  e\u0301e\u0301n ﬁjne\u00a0te\u00adst\r\n\r\n\r\nclus-\nterbommen NAVO-\nverband  \n"
    assert normalise_text(raw) == "één fijne test\n\nclusterbommen NAVO-verband"


def test_edits_move_spans_that_follow_them() -> None:
    m = OffsetMap([Edit(2, 4, "x"), Edit(10, 10, "abc")])
    assert m(0) == 0 and m(5) == 4 and m(12) == 14
    assert m.span(1, 5) == (1, 4)


def test_span_ending_where_an_edit_starts_does_not_take_its_replacement() -> None:
    m = OffsetMap([Edit(14, 16, "\n")])
    assert m.span(0, 14) == (0, 14)
    assert m.span(14, 30) == (14, 29)


def test_normalise_keeps_raw_text_and_page_spans_apart() -> None:
    raw = "Eerste  pagina.\n\n\n"
    second = "Tweede   pagina."
    doc = Document(id="d", path="p.pdf", size=1, media_type="application/pdf",
                   raw_text=raw + second, text=raw + second)
    doc.pages = [Page(1, 595, 842, "pdfminer.six", "x", raw, span=(0, len(raw))),
                 Page(2, 595, 842, "pdfminer.six", "x", second, span=(len(raw), len(raw) + len(second)))]
    normalise(doc)
    assert doc.raw_text == raw + second
    (a0, a1), (b0, b1) = doc.pages[0].span, doc.pages[1].span
    assert a1 <= b0
    assert doc.text[a0:a1].strip() == "Eerste pagina." and doc.text[b0:b1] == "Tweede pagina."


# -- split ----------------------------------------------------------------------


def test_seed_splits_into_public_answers_and_internal_beslisnota() -> None:
    doc = seed_document()
    assert [(p.kind, p.visibility) for p in doc.parts] == [
        ("kamervragen_antwoorden", "public"),
        ("beslisnota", "internal"),
    ]
    memo = doc.parts[1]
    assert doc.text[memo.span[0] : memo.span[1]].startswith("I Ministerie van Buitenlandse Zaken\n\nTER BESLISSING")
    assert doc.parts[0].span[1] <= memo.span[0]


def test_text_without_known_start_is_one_document_part() -> None:
    doc = seed_document("Een brief zonder bekende kop.\nMet twee regels.")
    assert [(p.kind, p.span) for p in doc.parts] == [("document", (0, len(doc.text)))]


# -- kamervragen ----------------------------------------------------------------


def test_seed_questions_each_have_an_answer_and_references_resolve() -> None:
    doc = seed_document()
    parse_kamervragen(doc, doc.parts[0])
    qa = {r["vraag_nr"]: r for r in doc.rows["qa"]}
    assert sorted(qa) == list(range(1, 11))
    assert all(r["antwoord"].strip() for r in qa.values())
    assert qa[2]["see_vraag_nrs"] == [1] and qa[2]["antwoord_kind"] == "reference"
    assert qa[7]["see_vraag_nrs"] == [3]
    assert qa[8]["see_vraag_nrs"] == [6] and qa[8]["antwoord_kind"] == "answer_with_reference"
    assert qa[1]["see_vraag_nrs"] == []


def test_seed_question_metadata() -> None:
    doc = seed_document()
    parse_kamervragen(doc, doc.parts[0])
    (meta,) = doc.rows["kamervragen"]
    assert meta["vragenstellers"] == ["Nicolaï", "Koffeman", "Visseren-Hamakers"]
    assert meta["partijen"] == ["PvdD"] * 3
    assert meta["datum_gesteld"] == dt.date(2023, 7, 17)
    assert meta["kamer"] == "Eerste Kamer"
    assert meta["geadresseerden"] == ["minister van Defensie", "minister van Buitenlandse Zaken", "minister-president"]
    assert meta["beantwoord_door"] == "minister van Buitenlandse Zaken"
    assert meta["mede_namens"] == ["minister van Defensie"]
    assert meta["datum_ontvangen"] == dt.date(2023, 10, 10)


def test_parties_apply_to_the_names_before_them() -> None:
    assert parse_askers("Van Houwelingen (FvD) en Futselaar (SP)") == (["Van Houwelingen", "Futselaar"], ["FvD", "SP"])


def test_ministry_names_with_en_stay_whole() -> None:
    assert split_roles("de minister van Buitenlandse Zaken en Koninkrijksrelaties en de minister van Defensie") == [
        "minister van Buitenlandse Zaken en Koninkrijksrelaties",
        "minister van Defensie",
    ]


def test_combined_question_gives_a_row_per_number() -> None:
    text = "Vraag 2 en 3\nWaarom? En wanneer?\n\nAntwoord\nOmdat het kan.\n\nVraag 4\nHoe?\n\nAntwoord 4\nZo."
    qas = find_questions(text, 0, len(text))
    assert [q.numbers for q in qas] == [[2, 3], [4]]


# -- beslisnota -------------------------------------------------------------------


def _memo(doc: Document) -> dict[str, dict]:
    parse_memo(doc, doc.parts[1])
    return {r["field"]: r for r in doc.rows["memo_fields"]}


def test_seed_memo_header_fields() -> None:
    fields = _memo(seed_document())
    assert fields["Soort"]["value"] == "TER BESLISSING"
    assert fields["Datum"]["value_date"] == dt.date(2023, 9, 29)
    assert fields["Binnengekomen op"]["value_date"] == dt.date(2023, 7, 17)
    assert "173615" in fields["Onze Referentie"]["value"]
    assert fields["Onze Referentie"]["label"] == "Onze Reference"  # found despite OCR damage
    assert fields["Uiterlijk bij"]["label"] == "Uiterlljk bij"
    assert fields["Via"]["ground_code"] == "5.1.2e"
    assert set(fields) >= {"Aan", "Van", "Opgesteld door", "Afgestemd met", "Plandatum", "Deadline Kamer"}


def test_seed_memo_sections_bullets_and_actions() -> None:
    doc = seed_document()
    parse_memo(doc, doc.parts[1])
    rows = doc.rows["memo_sections"]
    sections = [r["section"] for r in rows if r["kind"] == "section"]
    assert sections[:3] == ["Aanleiding", "Geadviseerd besluit", "Kernpunten"]
    kern = [r for r in rows if r["section"] == "Kernpunten" and r["kind"] == "bullet"]
    assert len(kern) == 5 and kern[0]["text"].startswith("Centraal in de beantwoording")
    actions = [r["label"] for r in rows if r["kind"] == "action"]
    assert actions == ["Action 11", "Action 11 a", "Action 11 b"]
    # The running header of page 2 is not section text.
    assert not any("Onze Referentie" in r["text"] for r in rows)


# -- markers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    ["5.1.2e", "5.1.2.e", "5.1.2 e", "art. 5.1 lid 2 sub e", "art. 5.1, tweede lid, onder e", "5.l.2e", "S.1.2e"],
)
def test_ground_code_spellings_map_to_one_code(spelling: str) -> None:
    (code,) = find_codes(f"weggelakt ({spelling}) hier")
    assert code.code == "5.1.2e" and code.known


def test_bare_numbers_are_not_ground_codes() -> None:
    assert find_codes("zie paragraaf 5.2 en artikel 51 van het VN-Handvest") == []


def test_seed_markers_found_with_ocr_tolerance() -> None:
    doc = seed_document()
    add_marker_rows(doc)
    rows = doc.rows["markers"]
    assert {(r["ground_code"], r["match"]) for r in rows if r["kind"] == "label"} == {
        ("5.1.2e", "exact"),
        ("5.1.2e", "ocr_tolerant"),
        ("5.1.2a", "exact"),
    }
    assert [r["kind"] for r in rows].count("withheld_heading") == 1
    public_end = doc.parts[0].span[1]
    assert all(r["span_start"] >= public_end for r in rows)


def test_person_field_with_a_stamp_raises_no_finding_but_a_name_does() -> None:
    doc = seed_document()
    _memo(doc)
    check_person_fields(doc)
    assert doc.rows.get("findings", []) == []
    named = seed_document(
        SEED.read_text(encoding="utf-8")
        .replace("Via Bescherming persoonlijke levenssfeer", "Via Jan Jansen")
        .replace("Eescherming persoonlijke levenssfeerAfgestemd", "Piet de Vries\nAfgestemd")
    )
    _memo(named)
    check_person_fields(named)
    (f,) = named.rows["findings"]
    assert f["check"] == "person_field_without_marker" and "Jansen" not in f["message"]


def test_markers_in_stamp_text_are_found_by_label() -> None:
    kinds = [(m.kind, m.code) for m in find_markers("Eescherming persoonlijke levenssfeer")]
    assert kinds == [("label", "5.1.2e")]


def test_a_failing_stage_quarantines_with_type_and_place_but_not_the_message(monkeypatch) -> None:
    from flows.run import units
    from flows.run.stages import Stage

    def broken(doc, ctx):
        raise ValueError("Jan Jansen, j.jansen@minbuza.nl")

    monkeypatch.setattr(units, "phase", lambda name: (Stage("split", "prepare", "", "", broken),))
    doc = Document(id="d", path="p.txt", size=1, media_type="text/plain", raw_text="x", text="x")
    result = units.prepare(doc, RunOptions())
    assert result.quarantine.reason == "split failed"
    assert result.quarantine.detail.startswith("ValueError at test_text_stages.py:")
    assert "Jansen" not in result.quarantine.detail


def test_unexpected_error_in_a_work_unit_names_its_stage_and_place() -> None:
    """Re-raised in the parent process, the error would point into the pool's
    code; the unit names where it was raised."""
    from flows.run.units import work_unit

    @work_unit("extract")
    def unit() -> None:
        {}["no such key"]

    with pytest.raises(ingest.InputError) as e:
        unit()
    assert e.value.reason == "extract failed"
    assert e.value.detail.startswith("KeyError at test_text_stages.py:")
    assert "no such key" not in str(e.value)  # the message could quote the document


def test_row_that_does_not_fit_its_table_is_refused_without_quoting_it() -> None:
    from flows.model import table_rows_fit

    with pytest.raises(ValueError) as e:
        table_rows_fit("pages", [{"page": "Jan Jansen 06-12345678"}])
    assert "table pages" in str(e.value) and "Jansen" not in str(e.value)
