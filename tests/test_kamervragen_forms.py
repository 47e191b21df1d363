"""Answered Kamervragen in their forms: "Antwoord N" numbering, combined
answers, answers in another order, the Aanhangsel's numbered paragraphs,
sub-questions, footnotes, postponement notices and headings that a lost
line break left inside a paragraph; the numbering findings; a born-digital
and a scanned Aanhangsel PDF through the real extraction; real documents
for the footnotes at a page's foot."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from conftest import through_parse

from checks.findings import SEVERITIES
from checks.text.kamervragen import check_kamervragen
from flows.model import Document, RunOptions, StageContext
from flows.run import units
from flows.stages import ingest
from flows.stages.normalise import normalise
from flows.stages.parse.kamervragen import find_footnotes, parse_labels
from tests.fixtures.kamervragen_pdfs import EXAMPLE, render_aanhangsel
from tests.fixtures.seed_pdfs import SCAN_DPI, images_to_pdf, scan

INTRO = ("Vragen van het lid Jansen (SP) aan de minister van Financiën over de kinderopvangtoeslag "
         "(ingezonden 12 januari 2024).\n\n"
         "Antwoord van minister Van Dijk (Financiën) (ontvangen 5 februari 2024).\n\n")


def parsed(text: str) -> Document:
    """A text document taken through the real stages up to parse, and the
    Kamervragen check."""
    doc = Document(id=hashlib.sha256(text.encode()).hexdigest(), path="kamervragen.txt", size=len(text),
                   media_type="text/plain", raw_text=text, text=text)
    check_kamervragen(through_parse(doc))
    return doc


def qa(doc: Document) -> dict[str, dict]:
    """qa rows by label ("2", "4a")."""
    return {f"{r['vraag_nr']}{r['sub_vraag'] or ''}": r for r in doc.rows.get("qa", [])}


def findings(doc: Document) -> list[tuple[str, str]]:
    return sorted((f["check"], f["message"]) for f in doc.rows.get("findings", []) if f["check"].startswith("kamervr"))


# -- numbering and pairing ------------------------------------------------------


def test_antwoord_n_headings_pair_by_number() -> None:
    doc = parsed(INTRO + "Vraag 1\nKent u het bericht?\n\nAntwoord 1\nJa.\n\n"
                 "Vraag 2\nWat gaat u doen?\n\nAntwoord op vraag 2\nIk onderzoek de zaak.\n")
    rows = qa(doc)
    assert sorted(rows) == ["1", "2"]
    assert rows["1"]["vraag"] == "Kent u het bericht?" and rows["1"]["antwoord"] == "Ja."
    assert rows["2"]["antwoord"] == "Ik onderzoek de zaak."
    assert findings(doc) == []


@pytest.mark.parametrize("heading", ["Antwoord op vraag 2, 3 en 4", "Antwoord 2 t/m 4", "Antwoorden 2, 3 en 4"])
def test_combined_answer_gives_each_question_a_row_with_the_shared_answer(heading: str) -> None:
    doc = parsed(INTRO + "Vraag 1\nKent u het bericht?\n\nAntwoord 1\nJa.\n\n"
                 "Vraag 2\nHoeveel ouders?\n\nVraag 3\nSinds wanneer?\n\nVraag 4\nWat kost het?\n\n"
                 f"{heading}\nHet gaat om 300 ouders sinds 2022; het kost 2 miljoen euro.\n")
    rows = qa(doc)
    assert sorted(rows) == ["1", "2", "3", "4"]
    shared = {(r["antwoord_span_start"], r["antwoord_span_end"]) for n, r in rows.items() if n != "1"}
    assert len(shared) == 1
    assert rows["3"]["vraag"] == "Sinds wanneer?"
    assert rows["3"]["combined_with"] == ["2", "4"] and rows["1"]["combined_with"] == []
    assert doc.rows["kamervragen"][0]["vraag_count"] == 4


def test_combined_question_heading_shares_question_and_answer() -> None:
    doc = parsed(INTRO + "Vraag 1 en 2\nKent u het bericht, en wat vindt u ervan?\n\nAntwoord\nJa; het is zorgelijk.\n")
    rows = qa(doc)
    assert sorted(rows) == ["1", "2"]
    assert rows["1"]["vraag"] == rows["2"]["vraag"] == "Kent u het bericht, en wat vindt u ervan?"
    assert rows["2"]["combined_with"] == ["1"]


def test_answers_in_another_order_are_matched_by_number() -> None:
    doc = parsed(INTRO.split("Antwoord van")[0] + "Vraag 1\nKent u het bericht?\n\nVraag 2\nHoeveel ouders?\n\n"
                 "Vraag 3\nWat gaat u doen?\n\n"
                 "Antwoord van minister Van Dijk (Financiën) (ontvangen 5 februari 2024).\n\n"
                 "Antwoord 3\nIk onderzoek de zaak.\n\nAntwoord 1\nJa.\n\nAntwoord 2\nHet gaat om 300 ouders.\n")
    rows = qa(doc)
    assert {n: r["antwoord"] for n, r in rows.items()} == {
        "1": "Ja.", "2": "Het gaat om 300 ouders.", "3": "Ik onderzoek de zaak."}
    # The answers' introduction is no part of the last question.
    assert rows["3"]["vraag"] == "Wat gaat u doen?"
    (meta,) = doc.rows["kamervragen"]
    assert meta["beantwoord_door"] == "minister Van Dijk (Financiën)"
    assert meta["datum_ontvangen"] == dt.date(2024, 2, 5)
    assert meta["antwoord_labels"] == ["3", "1", "2"]


def test_aanhangsel_numbered_paragraphs_questions_then_answers() -> None:
    doc = parsed(
        "Aanhangsel van de Handelingen\n\n"
        "Vragen van de leden Bakker (PVV) en De Vries (VVD) aan de staatssecretaris van Infrastructuur en "
        "Waterstaat over de spoorbrug bij Zwolle (ingezonden 3 maart 2023, 2023Z03456).\n\n"
        "1\nBent u op de hoogte van de sluiting van de spoorbrug?\n\n"
        "2\nHoe lang blijft de brug dicht?\n\n"
        "3\nWelke maatregelen neemt u?\na. voor reizigers;\nb. voor goederenvervoer.\n\n"
        "Antwoord van staatssecretaris Heijnen (Infrastructuur en Waterstaat) (ontvangen 20 maart 2023).\n\n"
        "2\nDe brug blijft zes weken dicht.\n\n1\nJa.\n\n"
        "3\na. Er rijden bussen.\nb. Goederentreinen rijden om via Deventer.\n")
    assert [p.document_type for p in doc.parts] == ["kamervragen_antwoorden"]
    rows = qa(doc)
    assert sorted(rows) == ["1", "2", "3a", "3b"]
    assert rows["1"]["antwoord"] == "Ja." and rows["2"]["antwoord"] == "De brug blijft zes weken dicht."
    assert rows["3b"]["vraag"] == "b. voor goederenvervoer."
    assert rows["3b"]["antwoord"] == "b. Goederentreinen rijden om via Deventer."
    (meta,) = doc.rows["kamervragen"]
    assert meta["vragenstellers"] == ["Bakker", "De Vries"] and meta["partijen"] == ["PVV", "VVD"]
    assert meta["kamer"] == "Tweede Kamer" and meta["datum_gesteld"] == dt.date(2023, 3, 3)
    assert findings(doc) == []


def test_sub_questions_are_keyed_by_number_and_letter() -> None:
    doc = parsed(INTRO + "Vraag 1\nKent u het bericht?\n\nAntwoord 1\nJa.\n\n"
                 "Vraag 2a\nWat kost dit?\n\nAntwoord 2a\nTwee miljoen euro.\n\n"
                 "Vraag 2 b\nWie betaalt?\n\nAntwoord 2 b\nHet Rijk.\n\n"
                 "Vraag 3a\nWanneer?\n\nVraag 3b\nHoe?\n\nAntwoord 3\nIn maart, per brief.\n")
    rows = qa(doc)
    assert sorted(rows) == ["1", "2a", "2b", "3a", "3b"]
    assert (rows["2b"]["vraag_nr"], rows["2b"]["sub_vraag"]) == (2, "b")
    assert rows["2b"]["antwoord"] == "Het Rijk." and rows["1"]["sub_vraag"] is None
    # A number answers all its sub-questions.
    assert rows["3a"]["antwoord"] == rows["3b"]["antwoord"] == "In maart, per brief."
    assert rows["3a"]["combined_with"] == ["3b"]
    assert findings(doc) == []


def test_sub_question_paragraphs_split_when_the_answer_has_them_too() -> None:
    doc = parsed(INTRO + "Vraag 1: Bent u bekend met het bericht?\nAntwoord: Ja.\n\n"
                 "Vraag 2\nWelke maatregelen neemt u?\na) voor ouders;\nb) voor scholen.\n\n"
                 "Antwoord 2a\nEen brief.\n\nAntwoord 2b\nEen bijeenkomst.\n\n"
                 "Vraag 3\nWat kost het?\na. Voor het Rijk?\nb. Voor gemeenten?\n\n"
                 "Antwoord 3\na. Twee miljoen.\nb. Niets.\n\n"
                 "Vraag 4\nWat vindt u van:\na. de brief;\nb. de folder?\n\nAntwoord 4\nBeide zijn goed.\n")
    rows = qa(doc)
    assert sorted(rows) == ["1", "2a", "2b", "3a", "3b", "4"]
    assert rows["1"]["vraag"] == "Bent u bekend met het bericht?" and rows["1"]["antwoord"] == "Ja."
    assert rows["2b"]["vraag"] == "b) voor scholen." and rows["2b"]["antwoord"] == "Een bijeenkomst."
    # The question's lead-in goes with its first sub-question.
    assert rows["3a"]["vraag"] == "Wat kost het?\na. Voor het Rijk?" and rows["3b"]["antwoord"] == "b. Niets."
    # An answer without the paragraphs answers the question whole.
    assert rows["4"]["sub_vraag"] is None and rows["4"]["vraag"].endswith("b. de folder?")
    assert findings(doc) == []


def test_labels_read_ranges_lists_and_letters() -> None:
    assert parse_labels("2 t/m 4") == [(2, None), (3, None), (4, None)]
    assert parse_labels("2a en b") == [(2, "a"), (2, "b")]
    assert parse_labels("2 en 3") == [(2, None), (3, None)]
    assert parse_labels("5a t/m 5c") == [(5, "a"), (5, "b"), (5, "c")]


# -- the Aanhangsel as extracted ---------------------------------------------------


def test_headings_inside_paragraphs_count_when_they_continue_the_numbering() -> None:
    doc = parsed(
        "Vragen van het lid Jansen (SP) aan de minister van Financiën over de toeslagen (ingezonden 12 januari "
        "2024).\nVraag 1 Bent u bekend met het bericht? Antwoord 1 Ja. Vraag 2 Hoeveel ouders zijn getroffen? "
        "Dat vraag ik\nomdat Vraag 1 Ouders in de krant stond. Antwoord 2 Het gaat om 300 ouders, zie ook het "
        "antwoord op\nvraag 1. Vraag 3 Wanneer? Antwoord 3 In maart.\n")
    rows = qa(doc)
    assert sorted(rows) == ["1", "2", "3"]
    # "Vraag 1" after "omdat" follows no sentence's end, and 1 does not continue the numbering.
    assert rows["2"]["vraag"] == "Hoeveel ouders zijn getroffen? Dat vraag ik\nomdat Vraag 1 Ouders in de krant stond."
    assert rows["2"]["see_vraag_nrs"] == [1] and rows["2"]["antwoord_kind"] == "answer_with_reference"
    assert rows["3"]["antwoord"] == "In maart."


def test_a_reference_at_a_line_start_is_no_heading() -> None:
    doc = parsed(INTRO + "Vraag 1\nKent u het bericht?\n\nAntwoord 1\nJa. Zie voor de cijfers het\n"
                 "Antwoord op vraag 2 in de vorige set.\n\nVraag 2\nHoeveel?\n\nAntwoord 2\nDrie.\n")
    rows = qa(doc)
    assert sorted(rows) == ["1", "2"]
    assert rows["1"]["antwoord"].endswith("in de vorige set.")


# -- footnotes --------------------------------------------------------------------


def test_footnotes_are_kept_out_of_the_text_and_listed_with_their_row() -> None:
    doc = parsed(INTRO + "Vraag 1\nBent u bekend met het bericht 'Toeslagen te laat'?1\n\nAntwoord 1\nJa.\n\n"
                 "Vraag 2\nWat staat er in de brief van 3 maart?2\n\nAntwoord 2\nDat de toeslag later komt.\n\n"
                 "1) https://nos.nl/artikel/123\n2) Kamerstuk 31066, nr. 1300\n")
    rows = qa(doc)
    assert rows["1"]["footnotes"] == ["1 https://nos.nl/artikel/123"]
    assert rows["2"]["footnotes"] == ["2 Kamerstuk 31066, nr. 1300"]
    assert rows["2"]["antwoord"] == "Dat de toeslag later komt."
    assert doc.rows["kamervragen"][0]["footnotes"] == []


def test_a_numbered_paragraph_at_the_end_is_no_footnote() -> None:
    """The last answer of the Aanhangsel form ("3" then its text) looks like
    a note; nothing refers to it, so it stays an answer."""
    doc = parsed("Vragen van het lid Jansen (SP) aan de minister van Financiën over de toeslagen "
                 "(ingezonden 12 januari 2024).\n\n1\nKent u het bericht?\n\n2\nHoeveel ouders?\n\n"
                 "Antwoord van minister Van Dijk (Financiën) (ontvangen 5 februari 2024).\n\n"
                 "1\nJa.\n\n2\nDriehonderd.\n")
    rows = qa(doc)
    assert rows["2"]["antwoord"] == "Driehonderd." and rows["2"]["footnotes"] == []


# -- postponement notices ---------------------------------------------------------


def test_uitstelbericht_is_a_kamervragen_row_without_questions() -> None:
    doc = parsed(
        "Mededeling van minister Van Dijk (Financiën) (ontvangen 2 februari 2024)\n\n"
        "De vragen van het lid Jansen (SP) aan de minister van Financiën over de kinderopvangtoeslag (ingezonden "
        "12 januari 2024, 2024Z00384) kunnen niet binnen de gebruikelijke termijn worden beantwoord. Voor de "
        "beantwoording is afstemming met andere departementen nodig.\n")
    assert [p.document_type for p in doc.parts] == ["kamervragen_antwoorden"]
    (meta,) = doc.rows["kamervragen"]
    assert meta["kind"] == "uitstelbericht" and meta["vraag_count"] == 0
    assert meta["vragenstellers"] == ["Jansen"] and meta["onderwerp"] == "de kinderopvangtoeslag"
    assert meta["datum_gesteld"] == dt.date(2024, 1, 12) and meta["datum_ontvangen"] == dt.date(2024, 2, 2)
    assert "qa" not in doc.rows
    assert findings(doc) == []


# -- findings -----------------------------------------------------------------------


def test_numbering_findings_name_gap_duplicate_and_missing_counterparts() -> None:
    doc = parsed(INTRO + "Vraag 1\nKent u het bericht?\n\nAntwoord 1\nJa.\n\n"
                 "Vraag 2\nHoeveel?\n\nVraag 2\nHoeveel precies?\n\nAntwoord 2\nDrie.\n\n"
                 "Vraag 4\nWaarom?\n\nVraag 5\nWanneer?\n\nAntwoord 5\nIn maart.\n\n"
                 "Antwoord 6\nEen antwoord zonder vraag.\n\nAntwoord\nNog een.\n")
    assert findings(doc) == [
        ("kamervragen_answer_without_question", "an unnumbered answer follows no question"),
        ("kamervragen_answer_without_question", "answer 6 has no question in the text"),
        ("kamervragen_duplicate_question", "question 2 is headed 2 times"),
        ("kamervragen_numbering_gap", "question 3 is missing from the numbering"),
        ("kamervragen_question_without_answer", "question 4 has no answer"),
    ]
    rows = qa(doc)
    assert sorted(rows) == ["1", "2", "5", "6"]
    assert rows["6"]["vraag"] is None and rows["6"]["antwoord"] == "Een antwoord zonder vraag."
    assert rows["2"]["vraag"] == "Hoeveel?"  # the first of two headings
    assert all(f["severity"] in SEVERITIES and f["part"] == 0 for f in doc.rows["findings"])


def test_the_checks_stage_runs_the_numbering_check() -> None:
    from checks.stage import run_checks

    doc = parsed(INTRO + "Vraag 1\nKent u het bericht?\n\nVraag 2\nHoeveel?\n\nAntwoord 2\nDrie.\n")
    doc.rows.pop("findings", None)
    run_checks(doc, StageContext(RunOptions()))
    assert ("kamervragen_question_without_answer", "question 1 has no answer") in findings(doc)


# -- PDFs ---------------------------------------------------------------------------


def _pdf_rows(path: Path) -> dict[str, list[dict]]:
    """The rows of one PDF through the real pipeline (extraction, OCR where
    a page has no text, correction, parse, checks)."""
    result = units.process_input(ingest.identify(path), RunOptions())
    if result.pending:
        result = units.finish(result.pending, RunOptions(), result.lexicon)
    assert result.quarantine is None
    return result.rows


def _assert_example_rows(rows: dict[str, list[dict]]) -> dict[str, dict]:
    """What the Aanhangsel fixture must give, however it was read."""
    by_label = {f"{r['vraag_nr']}{r['sub_vraag'] or ''}": r for r in rows["qa"]}
    assert sorted(by_label) == ["1", "2", "3", "4a", "4b"]
    (meta,) = rows["kamervragen"]
    assert meta["vragenstellers"] == ["Van der Berg"] and meta["datum_ontvangen"] == dt.date(2023, 12, 6)
    assert meta["antwoord_labels"] == ["1", "4", "2", "3"]
    assert by_label["1"]["antwoord"] == "Ja."
    assert by_label["2"]["combined_with"] == ["3"] and by_label["4b"]["combined_with"] == ["4a"]
    assert by_label["2"]["antwoord"].startswith("Naar schatting")
    assert by_label["2"]["antwoord"].endswith("voor de zomer.")
    assert "https" not in by_label["2"]["antwoord"] and "Kamerstuk" not in by_label["2"]["antwoord"]
    assert not [f for f in rows.get("findings", []) if f["check"].startswith("kamervragen")]
    return by_label


def test_born_digital_aanhangsel_with_labels_in_the_margin_and_footnotes_at_the_page_foot(tmp_path: Path) -> None:
    path = tmp_path / "aanhangsel.pdf"
    # A short page: the footnotes of page 1 stand inside the long answer to 2 and 3.
    path.write_bytes(render_aanhangsel(height=620))
    rows = _pdf_rows(path)
    assert [p["page_end"] for p in rows["documents"]] == [2]
    by_label = _assert_example_rows(rows)
    assert by_label["1"]["footnotes"] == [f"1 {EXAMPLE.notes[1]}"]
    assert by_label["4b"]["footnotes"] == [f"2 {EXAMPLE.notes[2]}"]
    assert by_label["3"]["footnotes"] == [f"3 {EXAMPLE.notes[3]}"]
    assert by_label["2"]["page"] == 1
    # The answer goes on past the page's foot; the stray superscript mark is gone.
    assert "vraagt die\naan, zo blijkt" in by_label["2"]["antwoord"]
    assert "De Dienst\n\nToeslagen" not in by_label["2"]["antwoord"]


def test_scanned_answers_are_parsed_from_their_ocr_text(tmp_path: Path) -> None:
    path = tmp_path / "aanhangsel-scan.pdf"
    images_to_pdf(scan(render_aanhangsel(label_above=True)), SCAN_DPI, path)
    rows = _pdf_rows(path)
    assert rows["documents"][0]["ocr_like"]
    _assert_example_rows(rows)


# -- real documents -----------------------------------------------------------------


def _real(real_data: Path, name: str) -> Document:
    path = real_data / "dutch-gov-pdfs" / name
    if not path.is_file():
        pytest.skip(f"{name} not available")
    doc = ingest.read_document(ingest.identify(path))
    normalise(doc)
    return doc


@pytest.mark.parametrize(("name", "expected"), [
    ("kst.pdf", ["1 Kamerbrief over uitkomsten G20-top", "2 Geannoteerde agenda voor de Europese Raad"]),
    ("brief1.pdf", ["1 Resource.html (europa.eu)"]),
])
def test_real_page_foot_footnotes_are_found_with_their_numbers(real_data: Path, name: str, expected: list[str]) -> None:
    doc = _real(real_data, name)
    notes = find_footnotes(doc.text, 0, len(doc.text), [p.span[1] for p in doc.pages])
    assert [n.text[: len(e)] for n, e in zip(notes, expected, strict=False)] == expected
    assert len(notes) == len(expected)
    # The notes stand at their page's foot: after each, only the page's later notes.
    for n in notes:
        page = next(p for p in doc.pages if p.span[0] <= n.span[0] < p.span[1])
        after = doc.text[n.span[1] : page.span[1]]
        for later in notes:
            if n.span[1] <= later.span[0] < page.span[1]:
                after = after.replace(doc.text[later.span[0] : later.span[1]], "")
        assert not after.strip()


def test_real_documents_without_kamervragen_get_no_kamervragen_rows(real_data: Path) -> None:
    """Besluitenlijsten hold "Antwoord op vragen van de commissie", gazettes
    and decisions numbered paragraphs: none of them is a set of Kamervragen."""
    folder = real_data / "dutch-gov-pdfs"
    pdfs = sorted(folder.glob("*.pdf"))
    if not pdfs:
        pytest.skip("no real PDFs")
    for path in pdfs:
        doc = through_parse(ingest.read_document(ingest.identify(path)))
        assert "kamervragen" not in doc.rows, path.name
        assert all(p.document_type != "kamervragen_antwoorden" for p in doc.parts), path.name


# -- the quality suites -------------------------------------------------------------


def test_quality_suites_pass_on_every_form(tmp_path: Path) -> None:
    """A release of sub-questions, combined and reordered answers, the
    numbered Aanhangsel form and a postponement notice passes the suites of
    the Kamervragen tables and their derived frames."""
    from checks.quality import validate as quality
    from tests.fixtures import quality_releases as qr

    texts = {
        "subvragen.txt": INTRO + "Vraag 1\nKent u het bericht?\n\nAntwoord 1\nJa.\n\nVraag 2a\nWat kost dit?\n\n"
                                 "Vraag 2b\nWie betaalt?\n\nAntwoord 2\nHet Rijk betaalt twee miljoen.\n\n"
                                 "Vraag 3\nWanneer?\n\nVraag 4\nHoe?\n\nAntwoord 3 en 4\nIn maart, per brief.\n",
        "aanhangsel.txt": "Vragen van het lid Bakker (PVV) aan de staatssecretaris van Infrastructuur en Waterstaat "
                          "over de spoorbrug (ingezonden 3 maart 2023).\n\n1\nKent u het bericht?\n\n"
                          "2\nHoe lang blijft de brug dicht?\n\n"
                          "Antwoord van staatssecretaris Heijnen (Infrastructuur en Waterstaat) (ontvangen 20 maart "
                          "2023).\n\n2\nZes weken.\n\n1\nJa.\n",
        "uitstel.txt": "Mededeling van minister Van Dijk (Financiën) (ontvangen 2 februari 2024)\n\nDe vragen van het "
                       "lid Jansen (SP) over de toeslagen (ingezonden 12 januari 2024) kunnen niet binnen de "
                       "gebruikelijke termijn worden beantwoord.\n",
    }
    paths = []
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    tables, manifest = qr.process(paths)
    assert tables["qa"].num_rows == 5 + 2 + 0
    assert sorted(tables["kamervragen"].column("kind").to_pylist()) == ["answers", "answers", "uitstelbericht"]
    result = quality.validate_release(tables, manifest, tmp_path / "release")
    frames = {"qa", "qa_numbering", "questions_answered", "kamervragen", "kamervragen_answers"}
    failed = [r["name"] for r in result.results if r["frame"] in frames and not r["success"]]
    assert failed == []
    assert {r["frame"] for r in result.results} >= frames
