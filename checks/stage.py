"""The checks stage: personal data and removals in the text, person fields
of memos, and, for PDF inputs, the redaction boxes themselves. Each check
adds its findings; the gate reads them."""

from __future__ import annotations

from checks.pdf.redactions import check_pdf_redactions
from checks.text.kamervragen import check_kamervragen
from checks.text.memo import check_person_fields
from checks.text.removals import check_document
from flows.model import Document, StageContext


def run_checks(doc: Document, ctx: StageContext) -> None:
    """Every check of one document, text checks first."""
    check_document(doc)  # first: the person-field check defers to its name findings
    check_person_fields(doc)
    check_kamervragen(doc)
    if doc.pages:
        check_pdf_redactions(doc)
