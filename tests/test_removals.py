"""Removal detection and marker checks: on the seed release (through the
pipeline's own stages) and on small invented texts."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import SEED

from checks.text import removals
from flows.model import Document, Part, RunOptions, StageContext
from flows.stages import ingest
from flows.stages.classify import classify
from flows.stages.markers import markers
from flows.stages.normalise import normalise
from flows.stages.parse import parse
from flows.stages.split import split


def prepared(path: Path) -> Document:
    """A document taken through the stages before the checks (without OCR
    correction, so the seed keeps its OCR damage: the harder case)."""
    doc = ingest.read_document(ingest.identify(path))
    normalise(doc)
    split(doc)
    classify(doc, StageContext(RunOptions()))
    parse(doc, StageContext(RunOptions()))
    markers(doc, StageContext(RunOptions()))
    return doc


def internal_doc(text: str, visibility: str = "internal") -> Document:
    """A one-part document for small cases; markers are found by the check
    itself when the markers stage has not run."""
    return Document(
        id=hashlib.sha256(text.encode()).hexdigest(),
        path="memo.txt",
        size=len(text),
        media_type="text/plain",
        raw_text=text,
        text=text,
        parts=[Part(index=0, kind="document", visibility=visibility, span=(0, len(text)))],
    )


def checks_of(doc: Document) -> list[tuple[str, str]]:
    return [(f["check"], f["severity"]) for f in doc.rows.get("findings", [])]


def test_seed_has_no_high_severity_finding(seed_doc):
    assert [f for f in seed_doc.rows["findings"] if f["severity"] == "high"] == []
    assert seed_doc.rows.get("personal_data", []) == []


def test_seed_withheld_passage_is_one_removal_with_ground_5_1_2a(seed_doc):
    passages = [r for r in seed_doc.rows["removals"] if r["kind"] == "withheld_passage"]
    assert len(passages) == 1
    text = seed_doc.text[passages[0]["span_start"] : passages[0]["span_end"]]
    assert text.startswith("Informatie die niet openbaar gemaakt kan worden")
    assert text.endswith("Internationale en diplomatieke belangen")
    assert passages[0]["ground_code"] == "5.1.2a"


def test_seed_privacy_stamps_in_via_and_afgestemd_met_are_5_1_2e_removals(seed_doc):
    stamps = {(r["field"], r["ground_code"]) for r in seed_doc.rows["removals"] if r["kind"] == "stamp"}
    assert stamps == {("Via", "5.1.2e"), ("Afgestemd met", "5.1.2e")}


def test_seed_every_marker_is_accounted_for_by_a_removal(seed_doc):
    removed = [(r["span_start"], r["span_end"]) for r in seed_doc.rows["removals"]]
    for m in seed_doc.rows["markers"]:
        assert any(s <= m["span_start"] < e for s, e in removed), m["matched_text"]


def test_civil_servant_name_and_email_in_place_of_a_stamp_are_high_findings(tmp_path):
    leaked = SEED.read_text(encoding="utf-8").replace(
        "Via Bescherming persoonlijke levenssfeer", "Via Jan de Vries j.devries@minbuza.nl", 1
    )
    path = tmp_path / "seed_leak.txt"
    path.write_text(leaked, encoding="utf-8")
    doc = prepared(path)
    removals.check_document(doc)
    high = [f for f in doc.rows["findings"] if f["severity"] == "high"]
    assert {f["check"] for f in high} == {"personal_data_internal"}
    assert sorted(r["kind"] for r in doc.rows["personal_data"]) == ["email", "name"]
    # Masked everywhere: the clear values are in no row.
    for table in ("findings", "personal_data"):
        for row in doc.rows[table]:
            assert "Vries" not in str(row) and "devries" not in str(row)


def test_personal_data_in_a_public_part_is_medium_not_high():
    doc = internal_doc("Bel mij op 06-12345678.", visibility="public")
    removals.check_document(doc)
    assert checks_of(doc) == [("personal_data_public", "medium")]


def test_withheld_heading_without_ground_is_a_removal_without_ground():
    doc = internal_doc("Toelichting\n\nInformatie die niet openbaar gemaakt kan worden\n\nEinde.")
    removals.check_document(doc)
    assert ("removal_without_ground", "medium") in checks_of(doc)
    assert [r["ground_code"] for r in doc.rows["removals"]] == [None]


def test_block_characters_without_ground_are_a_removal_without_ground():
    doc = internal_doc("Het bedrag is ██████ euro.\nDe heer 5.1.2e belde ██████ terug.")
    removals.check_document(doc)
    placeholders = [r for r in doc.rows["removals"] if r["kind"] == "placeholder"]
    assert [p["ground_code"] for p in placeholders] == [None, "5.1.2e"]
    assert checks_of(doc).count(("removal_without_ground", "medium")) == 1


def test_malformed_ground_code_is_reported():
    doc = internal_doc("Contactpersoon: 5.1.2k\nTelefoon: 5.1.2e")
    removals.check_document(doc)
    unknown = [f for f in doc.rows["findings"] if f["check"] == "unknown_ground"]
    assert len(unknown) == 1 and "5.1.2k" in unknown[0]["message"]


def test_bsn_removed_under_privacy_ground_does_not_fit():
    doc = internal_doc("Naam: 5.1.2e\nBSN: 5.1.2e\n")
    removals.check_document(doc)
    mismatches = [f for f in doc.rows["findings"] if f["check"] == "ground_mismatch"]
    assert len(mismatches) == 1 and "bsn removed under 5.1.2e" in mismatches[0]["message"]
    assert "5.1.1e" in mismatches[0]["message"]


def test_email_local_part_removed_under_international_relations_does_not_fit():
    doc = internal_doc("Stuur het naar 5.1.2a@minbuza.nl en 5.1.2e@minbuza.nl.")
    removals.check_document(doc)
    mismatches = [f for f in doc.rows["findings"] if f["check"] == "ground_mismatch"]
    assert len(mismatches) == 1 and "email removed under 5.1.2a" in mismatches[0]["message"]


def test_stamp_with_the_value_left_beside_it_is_a_stamp_without_removal():
    doc = internal_doc("Telefoon: 5.1.2e 06-12345678\n")
    removals.check_document(doc)
    assert ("stamp_without_removal", "medium") in checks_of(doc)
    assert ("personal_data_internal", "high") in checks_of(doc)


def test_ground_cited_in_a_decision_is_not_a_stamp():
    doc = internal_doc(
        "Ik weiger openbaarmaking op grond van artikel 5.1, tweede lid, onder e, van de Woo, in het belang "
        "van de eerbiediging van de persoonlijke levenssfeer van betrokkenen."
    )
    removals.check_document(doc)
    assert doc.rows.get("removals", []) == []


def test_finding_ids_are_stable_across_runs():
    text = "Van: Karin Mulder\n"
    a, b = internal_doc(text), internal_doc(text)
    removals.check_document(a)
    removals.check_document(b)
    assert [f["finding_id"] for f in a.rows["findings"]] == [f["finding_id"] for f in b.rows["findings"]]


def test_two_unfitting_grounds_on_one_stamp_give_two_findings_with_distinct_ids():
    text = "Opgesteld door\nInternationale betrekkingen / Economische belangen\n"
    doc = internal_doc(text)
    doc.rows["markers"] = []  # the memo parser's field row carries the codes
    doc.add_row("memo_fields", {"field": "Opgesteld door", "value": text[15:-1], "ground_code": "5.1.2a;5.1.2b",
                                "span_start": 15, "span_end": len(text) - 1})
    removals.check_document(doc)
    mismatches = [f for f in doc.rows["findings"] if f["check"] == "ground_mismatch"]
    assert sorted(f["message"].split(" ")[3] for f in mismatches) == ["5.1.2a", "5.1.2b"]
    assert len({f["finding_id"] for f in mismatches}) == 2


def test_personal_data_within_tells_a_field_check_its_value_is_already_reported():
    doc = internal_doc("Opgesteld door: Karin Mulder\nDatum: 1 mei 2023\n")
    removals.check_document(doc)
    assert removals.personal_data_within(doc, 16, 28)
    assert not removals.personal_data_within(doc, 29, 46)
