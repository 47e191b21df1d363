"""The `decisions` table: Woo/Wob decision letters in several wordings, as
text, as a born-digital PDF and as a scan, through the real pipeline's
stages; the grounds in registry spelling; and the real decisions in
../shared/data (skipped when absent)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from checks.quality.validate import decision_grounds, to_frame
from flows.model import Document, RunOptions, StageContext
from flows.model.tables import TABLES
from flows.registry.grounds import find_codes
from flows.run import units
from flows.run.stages import phase
from flows.stages import ingest
from flows.stages.parse.decision import find_decision, parse_decision
from tests.fixtures.decision_letters import LETTERS, Letter, scanned_pdf, write_pdf


def run_pipeline(path: Path) -> dict[str, list[dict]]:
    """One input through the per-document stages, as a worker runs them."""
    doc = ingest.read_document(ingest.identify(path))
    result = units.prepare(doc, RunOptions())
    if result.pending:  # OCR text waits for the release lexicon
        result = units.finish(result.pending, RunOptions(), result.lexicon)
    assert result.rows, result.quarantine
    return result.rows


def expected(letter: Letter) -> dict:
    return {"body": letter.body, "request_date": letter.request_date, "decision_date": letter.decision_date,
            "request": letter.request, "decision": letter.decision, "articles": list(letter.articles),
            "grounds": list(letter.grounds), "document_count": letter.document_count,
            "page_count": letter.page_count}


def only_decision(rows: dict[str, list[dict]]) -> dict:
    assert [p["document_type"] for p in rows["documents"]] == ["woo_decision"]
    (row,) = rows["decisions"]
    return row


@pytest.mark.parametrize("name", sorted(LETTERS))
def test_text_letter_is_typed_a_woo_decision_and_every_field_read(name: str, tmp_path: Path) -> None:
    letter = LETTERS[name]
    path = tmp_path / f"{name}.txt"
    path.write_text(letter.text(), encoding="utf-8")
    row = only_decision(run_pipeline(path))
    assert {k: row[k] for k in expected(letter)} == expected(letter)
    assert row["decision_text"] in " ".join(" ".join(letter.decision_sentences).split())


def test_born_digital_pdf_letter_gives_the_row_of_its_text(tmp_path: Path) -> None:
    letter = LETTERS["minister_deels"]
    row = only_decision(run_pipeline(write_pdf(letter, tmp_path / "besluit.pdf")))
    assert {k: row[k] for k in expected(letter)} == expected(letter)
    assert row["page"] == 1 and row["part"] == 0


def test_scanned_letter_is_ocred_and_its_decision_read(tmp_path: Path) -> None:
    letter = LETTERS["college_afgewezen"]
    rows = run_pipeline(scanned_pdf(letter, tmp_path / "besluit-scan.pdf"))
    assert {p["engine"] for p in rows["pages"]} == {"tesseract"}
    row = only_decision(rows)
    # OCR may damage a word of the running text, but not what is checked here.
    for field in ("body", "request_date", "decision_date", "decision", "grounds", "document_count"):
        assert row[field] == expected(letter)[field], field


def test_the_signature_names_the_body_before_a_minister_the_text_mentions(tmp_path: Path) -> None:
    letter = dataclasses.replace(
        LETTERS["college_afgewezen"],
        request_sentence="In uw brief van {datum} vraagt u om {request}. Eerder schreef u hierover aan de "
                         "minister van Infrastructuur en Waterstaat.")
    doc = _text_doc(letter.text())
    parse_decision(doc, doc.parts[0])
    assert doc.rows["decisions"][0]["body"] == "Het college van burgemeester en wethouders van Utrecht"


@pytest.mark.parametrize(
    "sentences, outcome",
    [
        (("Ik besluit de documenten gedeeltelijk openbaar te maken.",), "deels_openbaar"),
        (("Ik besluit uw verzoek af te wijzen.",), "niet_openbaar"),
        (("Ik maak de documenten openbaar met uitzondering van de persoonsgegevens.",), "deels_openbaar"),
        (("Document 1 maak ik openbaar. De documenten 2 en 3 maak ik deels openbaar.",), "mixed"),
        (("Ik maak de documenten deels openbaar.", "Voor het overige wijs ik uw verzoek af."), "deels_openbaar"),
        (("Openbaarmaking van de overige documenten wordt geweigerd, besluit ik.",), "niet_openbaar"),
    ],
)
def test_outcome_follows_the_wording_of_the_decision(sentences: tuple[str, ...], outcome: str) -> None:
    letter = dataclasses.replace(LETTERS["minister_deels"], decision_sentences=sentences)
    text = letter.text()
    assert find_decision(text, 0, len(text))[0] == outcome


@pytest.mark.parametrize(
    "request_sentence, dated_line",
    [
        ("U heeft op {datum} een verzoek ingediend. Uw verzoek betreft {request}.", "Datum\n\n{datum}"),
        ("Uw verzoek van {datum} gaat over meer dan ik kan overzien. Uw verzoek heeft betrekking op {request}.",
         "Den Haag, {datum}"),
        ("Op {datum} ontving ik uw Woo-verzoek. U vraagt om {request}.", "Datum: {datum}"),
        ("Uw brief van\n{datum}\n\nIn uw brief vraagt u om openbaarmaking van {request}.", "{datum}"),
    ],
)
def test_request_and_decision_dates_in_other_wordings(request_sentence: str, dated_line: str) -> None:
    letter = dataclasses.replace(LETTERS["minister_deels"], request_sentence=request_sentence, dated_line=dated_line)
    doc = _text_doc(letter.text())
    parse_decision(doc, doc.parts[0])
    row = doc.rows["decisions"][0]
    assert (row["request_date"], row["decision_date"]) == (letter.request_date, letter.decision_date)
    assert row["request"] == letter.request


def test_a_letter_that_decides_nothing_has_no_outcome() -> None:
    text = "Geachte heer,\n\nUw verzoek is ontvangen. De Woo geeft een ieder recht op informatie.\n"
    assert find_decision(text, 0, len(text)) == (None, None)


@pytest.mark.parametrize(
    "cited, codes",
    [
        ("artikel 5.1, tweede lid, aanhef en onder e, van de Woo", ["5.1.2e"]),
        ("artikel 5.1, tweede lid, aanhef en onder e en i, van de Woo", ["5.1.2e", "5.1.2i"]),
        ("artikel 5.1, tweede lid, onder a, e, en i, van de Woo", ["5.1.2a", "5.1.2e", "5.1.2i"]),
        ("artikel 5.1, eerste lid, aanhef en sub c, Woo", ["5.1.1c"]),
        ("artikel 5.2, eerste lid, van de Woo", ["5.2"]),
        ("artikel 10, tweede lid, aanhef en onder e, van de Wob", ["10.2.e"]),
        ("artikel 10, tweede lid, onder e en g, van de Wob", ["10.2.e", "10.2.g"]),
    ],
)
def test_ground_spellings_of_decision_letters_map_to_registry_codes(cited: str, codes: list[str]) -> None:
    found = find_codes(f"Ik heb dit weggelaten op grond van {cited}.")
    assert [c.code for c in found] == codes and all(c.known for c in found)


def test_letters_after_a_code_that_start_words_are_no_codes() -> None:
    assert [c.code for c in find_codes("op grond van 5.1.2e en in het belang van")] == ["5.1.2e"]


def test_decision_grounds_frame_has_one_row_per_ground(tmp_path: Path) -> None:
    import pyarrow as pa

    rows = []
    for k, name in enumerate(("minister_deels", "staatssecretaris_mixed", "gedeputeerde_openbaar")):
        doc = _text_doc(LETTERS[name].text(), f"{k}.txt")
        parse_decision(doc, doc.parts[0])
        rows += doc.rows["decisions"]
    table = pa.Table.from_pylist(rows, schema=TABLES["decisions"].schema)
    frame = decision_grounds({"decisions": to_frame(table)}, {})
    assert list(frame["ground"]) == ["5.1.2e", "5.2", "5.1.2a", "5.1.2e"]
    assert list(frame["source_path"]) == ["0.txt", "0.txt", "1.txt", "1.txt"]


def _text_doc(text: str, path: str = "besluit.txt") -> Document:
    """A text document taken through the stages before parse."""
    doc = Document(id="d" * 64, path=path, size=len(text), media_type="text/plain", raw_text=text, text=text)
    for stage in phase("prepare"):
        assert stage.run is not None
        stage.run(doc, StageContext(RunOptions()))
    return doc


# -- real documents ------------------------------------------------------------


def _real(real_data: Path, name: str) -> Document:
    path = real_data / "dutch-gov-pdfs" / name
    if not path.exists():
        pytest.skip(f"{name} not in the real documents")
    doc = ingest.read_document(ingest.identify(path))
    for stage in phase("prepare"):
        assert stage.run is not None
        stage.run(doc, StageContext(RunOptions()))
    return doc


@pytest.mark.parametrize("name, decided", [("staatslot.pdf", (2022, 1, 14)), ("staatslot5.pdf", (2019, 7, 16))])
def test_real_wob_publication_decisions_are_read(real_data: Path, name: str, decided: tuple[int, int, int]) -> None:
    """The Kansspelautoriteit's decisions to publish (artikel 8 Wob): no
    request, no grounds; the body from the signature, the date from the
    Datum field, the outcome from the "Besluit" section."""
    import datetime as dt

    doc = _real(real_data, name)
    parse_decision(doc, doc.parts[0])
    (row,) = doc.rows["decisions"]
    assert row["body"] == "De raad van bestuur van de Kansspelautoriteit"
    assert row["decision_date"] == dt.date(*decided)
    assert row["decision"] == "openbaar" and "overgaan tot" in row["decision_text"]
    assert row["request_date"] is None and row["request"] is None and row["grounds"] == []
    assert row["articles"][0].startswith("artikel 8") and "Awb" not in " ".join(row["articles"])
    assert not any("5:34" in a for a in row["articles"])  # an Awb article is not the Woo's


def test_real_annex_with_the_text_of_the_wob_is_not_part_of_the_letter(real_data: Path) -> None:
    """A letter followed by the real annex with the text of the Wob
    (wob1.pdf, "Relevante wetsartikelen / Bijlage A"): the row spans the
    letter only, and its articles and grounds are the letter's."""
    annex = _real(real_data, "wob1.pdf").text
    letter = LETTERS["college_afgewezen"]
    doc = _text_doc(letter.text() + "\n" + annex)
    parse_decision(doc, doc.parts[0])
    row = doc.rows["decisions"][0]
    assert row["span_end"] <= doc.text.index("Relevante wetsartikelen") < doc.parts[0].span[1]
    assert row["grounds"] == list(letter.grounds) and row["articles"] == list(letter.articles)
    assert row["decision"] == letter.decision


# -- the suite ------------------------------------------------------------------


def test_decisions_suite_passes_read_letters_and_fails_a_misread(tmp_path: Path) -> None:
    """Two letters through the pipeline and Great Expectations: as read, the
    decisions rules pass; with one letter's request dated after its
    decision, an outcome outside the list and an unknown ground, exactly
    that letter's row fails each rule."""
    import datetime as dt

    from checks.quality.validate import validate_release
    from flows.release import publish

    rows: dict[str, list[dict]] = {}
    records = []
    for name in ("minister_deels", "college_afgewezen"):
        path = tmp_path / f"{name}.txt"
        path.write_text(LETTERS[name].text(), encoding="utf-8")
        for table, table_rows in run_pipeline(path).items():
            rows.setdefault(table, []).extend(table_rows)
        inp = ingest.identify(path)
        records.append({"path": str(path), "size": inp.size, "sha256": inp.sha256, "status": "published"})
    bad = next(r for r in rows["decisions"] if r["source_path"].endswith("college_afgewezen.txt"))
    bad.update(request_date=bad["decision_date"] + dt.timedelta(days=1), decision="openbaar_gemaakt",
               grounds=[*bad["grounds"], "5.1.2k"])
    manifest = {"release": "test", "started": dt.datetime.now(dt.UTC), "inputs": records,
                "versions": publish.versions()}
    quality = validate_release(publish.build_tables(rows, []), manifest, tmp_path / "release")
    results = {r["name"]: r for r in quality.results}
    failing = {"decisions.requested_before_decided", "decisions.decision_in_value_list",
               "decision_grounds.ground_in_registry"}
    assert failing <= set(quality.failed)
    for name in failing:
        assert [Path(r["source_path"]).name for r in results[name]["observed"]["unexpected_rows"]] == [
            "college_afgewezen.txt"], name
    assert results["decisions.decision_date_plausible"]["success"]
    assert results["decisions.decision_found"]["success"]


def test_a_letter_whose_subject_line_is_the_decision_is_typed_woo_decision() -> None:
    from flows.model import Document, RunOptions, StageContext
    from flows.stages.classify import classify
    from flows.stages.split import split

    text = ("Gemeente Voorbeeld\nPostbus 1\n1000 AA Voorbeeld\n\nDatum 3 mei 2023\n"
            "Betreft: Besluit op uw Woo-verzoek\n\nGeachte heer Jansen,\n\n"
            "Op 1 maart 2023 heeft u verzocht om openbaarmaking van documenten over de vergunning.\n"
            "Ik maak de documenten deels openbaar.\n\nMet vriendelijke groet,\nde burgemeester\n")
    doc = Document(id="w" * 64, path="besluit.txt", size=len(text), media_type="text/plain", raw_text=text, text=text)
    split(doc)
    classify(doc, StageContext(RunOptions()))
    assert [p.document_type for p in doc.parts] == ["woo_decision"]
