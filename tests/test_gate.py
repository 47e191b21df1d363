"""The release gate and the redaction summary."""

from __future__ import annotations

import json

import pytest
from test_removals import internal_doc

from checks import gate
from checks.text import removals
from flows.model import Document, Page, Part


def two_part_doc(public_text: str, internal_text: str) -> Document:
    text = public_text + "\n" + internal_text
    doc = internal_doc(text)
    n = len(public_text)
    doc.parts = [
        Part(index=0, kind="kamervragen_antwoorden", visibility="public", span=(0, n)),
        Part(index=1, kind="beslisnota", visibility="internal", span=(n + 1, len(text))),
    ]
    return doc


def test_seed_is_published(seed_doc):
    assert gate.apply_gate(seed_doc, allow_findings=False) is None


def test_internal_part_with_personal_data_is_held_back_with_a_masked_reason():
    """The answers and the memo are two documents: the memo with the leak is
    held back, the answers go out."""
    doc = two_part_doc("Antwoord van de minister.", "Opgesteld door: Karin Mulder, tel. 06-12345678")
    removals.check_document(doc)
    assert gate.apply_gate(doc, allow_findings=False) is None
    reason = doc.held_parts[1]
    assert list(doc.held_parts) == [1]
    assert reason.startswith("held back for personal data") and "personal_data_internal x2" in reason
    assert "Mulder" not in reason and "12345678" not in reason
    assert not any(f["allowed"] for f in doc.rows["findings"])


def test_a_document_of_one_part_with_personal_data_is_held_back_whole():
    doc = internal_doc("Opgesteld door: Karin Mulder, tel. 06-12345678")
    removals.check_document(doc)
    reason = gate.apply_gate(doc, allow_findings=False)
    assert reason is not None and "personal data" in reason and not doc.held_parts


def test_allow_findings_publishes_and_marks_the_holding_findings():
    doc = two_part_doc("Antwoord van de minister.", "Opgesteld door: Karin Mulder")
    removals.check_document(doc)
    assert gate.apply_gate(doc, allow_findings=True) is None
    high = [f for f in doc.rows["findings"] if f["severity"] == "high"]
    assert high and all(f["allowed"] for f in high)


def test_public_part_is_never_held_back_for_what_it_names():
    doc = two_part_doc(
        "Vragen van het lid Omtzigt (NSC). Antwoord van minister Bruins Slot. Bel 06-12345678.",
        "Aanleiding\nVragen van het lid Omtzigt aan uzelf.",
    )
    removals.check_document(doc)
    assert [f["severity"] for f in doc.rows["findings"]] == ["medium"]  # the phone number, in public
    assert gate.apply_gate(doc, allow_findings=False) is None


def test_summary_counts_markers_removals_findings_and_boxes(seed_doc):
    doc = seed_doc
    summary = gate.redaction_summary(doc)
    assert json.loads(summary["markers_by_ground"]) == {"5.1.2a": 1, "5.1.2e": 2, "none": 1}
    assert summary["removals"] == len(doc.rows["removals"]) == 4
    assert json.loads(summary["findings_by_severity"]) == {"low": 1}
    assert json.loads(summary["boxes_by_ground_style"]) == {}
    withheld = sum(r["char_count"] for r in doc.rows["removals"])
    assert summary["withheld_share"] == withheld / len(doc.text)


def test_withheld_share_of_a_pdf_is_box_area_over_page_area():
    doc = internal_doc("tekst")
    doc.pages = [Page(number=1, width=100.0, height=200.0, engine="pdfminer.six", engine_version="x", text="tekst")]
    doc.rows["redactions"] = [
        {"document_id": doc.id, "page": 1, "box": 0, "area": 500.0, "style": "black", "ground_code": "5.1.2e"},
        {"document_id": doc.id, "page": 1, "box": 1, "area": 1500.0, "style": "black", "ground_code": None},
    ]
    summary = gate.redaction_summary(doc)
    assert summary["withheld_share"] == 0.1
    assert json.loads(summary["boxes_by_ground_style"]) == {"5.1.2e/black": 1, "none/black": 1}


@pytest.mark.parametrize(
    "check, severity",
    [("hidden_text", "high"), ("white_on_white", "medium"), ("invisible_text", "medium")],
)
def test_text_hidden_from_the_reader_holds_back_even_a_public_part(check: str, severity: str) -> None:
    doc = Document(id="d", path="p.pdf", size=1, media_type="application/pdf", text="x" * 20)
    doc.parts = [Part(0, "kamervragen_antwoorden", "public", (0, 20))]
    doc.add_row("findings", {"finding_id": "f", "span_start": 0, "span_end": 5, "check": check,
                             "severity": severity, "message": "J** J*****", "allowed": False})
    assert gate.apply_gate(doc, allow_findings=False) is not None


def test_personal_data_in_a_public_part_does_not_hold_it_back() -> None:
    doc = Document(id="d", path="p.txt", size=1, media_type="text/plain", text="x" * 20)
    doc.parts = [Part(0, "kamervragen_antwoorden", "public", (0, 20))]
    doc.add_row("findings", {"finding_id": "f", "span_start": 0, "span_end": 5, "check": "personal_data_public",
                             "severity": "medium", "message": "J** J*****", "allowed": False})
    assert gate.apply_gate(doc, allow_findings=False) is None


def test_a_document_held_back_whole_still_publishes_what_a_coordinator_needs_but_no_text():
    from flows.release.rows import held_document_rows

    doc = internal_doc("Opgesteld door: Karin Mulder, tel. 06-12345678\n5.1.2e")
    removals.check_document(doc)
    assert gate.apply_gate(doc, allow_findings=False) is not None
    rows = held_document_rows(doc)
    assert set(rows) <= {"findings", "redaction_summary", "redactions", "markers", "removals", "personal_data",
                         "documents"}
    assert rows["findings"] and all(p["text"] is None and p["redaction_status"] == "held_back"
                                    for p in rows["documents"])
    published = json.dumps(rows, default=str)
    assert "Mulder" not in published and "12345678" not in published
