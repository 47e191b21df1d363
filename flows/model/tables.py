"""The schemas of every published table: the contract with users. The
README's table reference is generated from them (`python -m flows.cli.docs`,
checked by `tests/test_readme.py`), and publishing refuses a row that does
not fit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns)

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])


def _c(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> Column:
    return Column(name, type_, doc, nullable)


STR, INT, FLOAT, BOOL = pa.string(), pa.int64(), pa.float64(), pa.bool_()
DATE = pa.date32()

INPUT_ID = _c("input_id", STR, "sha256 of the input file's bytes", False)
SOURCE_PATH = _c("source_path", STR, "path of the input file as read", False)
PROVENANCE = (
    _c("document_id", STR, "the document: its input's input_id, then ':p<first>-<last>' (its pages) for a PDF or "
                           "':c<start>-<end>' (its span in the input's text) for a text input. A row about a whole "
                           "input (PDF metadata) belongs to its first document", False),
    INPUT_ID,
    SOURCE_PATH,
)
PART = _c("part", INT, "index of the document within its input (0-based): the `part` of its `documents` row")
SPAN = (
    _c("span_start", INT, "start offset (characters) in the input's published text (`inputs.text`)"),
    _c("span_end", INT, "end offset (exclusive) in the input's published text"),
)
PAGE = _c("page", INT, "1-based page number for PDF inputs; null for text inputs")
WHERE = (*PROVENANCE, PART, *SPAN, PAGE)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "inputs",
            "One row per published input file (a PDF, a text file): a single document or a bundle of them.",
            (
                INPUT_ID,
                SOURCE_PATH,
                _c("size_bytes", INT, "size of the input file"),
                _c("media_type", STR, "text/plain, application/pdf, text/csv or the .xlsx type "
                                        "(application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)"),
                _c("encoding", STR, "detected text encoding (text inputs)"),
                _c("page_count", INT, "number of pages (PDF inputs)"),
                _c("ocr_page_share", FLOAT, "share of pages whose text came from OCR (PDF inputs)"),
                _c("char_count", INT, "length of the published text"),
                _c("document_count", INT, "number of documents found in the input"),
                _c("text", STR, "the published (normalised, corrected) text"),
                _c("raw_text", STR, "the text as extracted, before normalisation and correction"),
                _c("status", STR, "published; published_with_findings under --allow-findings; or "
                                  "published_with_held_parts when the gate held back some documents of a bundle "
                                  "(their text is blanked, see documents.redaction_status)"),
            ),
        ),
        Table(
            "pages",
            "One row per page of a PDF input; its document_id is the document the page begins in.",
            (
                *PROVENANCE,
                _c("page", INT, "1-based page number", False),
                _c("width", FLOAT, "page width in PDF points"),
                _c("height", FLOAT, "page height in PDF points"),
                _c("engine", STR, "pdfminer.six or tesseract: what made the page's text"),
                _c("engine_version", STR, "version of that engine"),
                _c("ocr_confidence", FLOAT, "mean Tesseract word confidence (0-100) where OCR ran"),
                _c("char_count", INT, "characters of text on the page"),
                *SPAN,
                _c("text", STR, "the page's published text"),
            ),
        ),
        Table(
            "documents",
            "One row per document found in an input (a bundle holds several; the seed holds the public answers and "
            "the internal beslisnota), each with its type and one visibility.",
            (
                *PROVENANCE,
                _c("part", INT, "index of the document within its input (0-based)", False),
                _c("kind", STR, "part kind the split found: kamervragen_antwoorden, beslisnota or document "
                                "(flows/registry/part_kinds.toml)"),
                _c("visibility", STR, "public (published by nature: gazettes, Kamerbrieven, decisions, answers "
                                      "to Kamervragen) or internal (released under the Woo: civil servants' "
                                      "details must be redacted)"),
                _c("diwoo_type", STR, "DiWoo/TOOI document type id, where the type has one"),
                _c("document_type", STR, "gazette, kamerbrief, kamervragen_antwoorden, woo_decision, decision, "
                                         "decision_list, inventory_list, email, memo, letter, report or other "
                                         "(flows/registry/document_types.toml)"),
                _c("type_evidence", STR, "JSON: the landmarks found and the best types' scores, or the part kind "
                                         "that fixed the type"),
                _c("boundary", STR, "what starts the document: 'input start', 'part kind <kind>', "
                                    "'<type>:<landmark>' where a bundle goes from one document to the next, or "
                                    "'page:first_page' / 'page:document_number' where a PDF page says so"),
                _c("boundary_confidence", FLOAT, "how sure the split is of this start (0..1) from the weight of "
                                                 "the evidence (flows/registry/boundaries.toml); 1 for an input's start"),
                _c("title", STR, "the document's first line or heading"),
                *SPAN,
                _c("page_start", INT, "first page of the document (PDF inputs)"),
                _c("page_end", INT, "last page of the document (PDF inputs)"),
                _c("ocr_like", BOOL, "text came from OCR or looks like OCR output"),
                _c("text", STR, "the document's published text"),
                _c("raw_text", STR, "the document's text before OCR correction"),
                _c("correction_count", INT, "number of OCR corrections made in the document"),
                _c("marker_count", INT, "number of redaction markers found in the document"),
                _c("redaction_status", STR, "redacted, no_redaction_needed, unredacted, or held_back (the gate held "
                                            "this document back: its text, title and pages' text are not "
                                            "published; see the quarantine table)"),
                _c("no_redaction_reason", STR, "why a document without markers needs none"),
            ),
        ),
        Table(
            "kamervragen",
            "Metadata of a set of written parliamentary questions and their answers.",
            (
                *PROVENANCE,
                PART,
                *SPAN,
                PAGE,
                _c("kamer", STR, "Eerste Kamer or Tweede Kamer, where the text tells"),
                _c("vragenstellers", pa.list_(STR), "members who asked the questions"),
                _c("partijen", pa.list_(STR), "party of each vragensteller, in the same order"),
                _c("datum_gesteld", DATE, "date the questions were asked (medegedeeld/ingezonden)"),
                _c("geadresseerden", pa.list_(STR), "ministers the questions were addressed to"),
                _c("beantwoord_door", STR, "minister who answered"),
                _c("mede_namens", pa.list_(STR), "ministers on whose behalf the answer was also given"),
                _c("datum_ontvangen", DATE, "date the answers were received"),
                _c("onderwerp", STR, "subject of the questions"),
                _c("kind", STR, "answers, or uitstelbericht: a notice that the questions cannot be answered within "
                                "the usual term (no qa rows; beantwoord_door and datum_ontvangen are then the "
                                "notice's sender and date)"),
                _c("vraag_count", INT, "number of questions answered: the part's qa rows (a sub-question counts "
                                       "on its own)"),
                _c("vraag_labels", pa.list_(STR), "every question as headed in the text, in text order, "
                                                  "duplicates kept ('1', '2a', '2b', ...)"),
                _c("antwoord_labels", pa.list_(STR), "the questions each answer heading answers, in text order "
                                                     "('' for an unnumbered Antwoord that follows no question)"),
                _c("footnotes", pa.list_(STR), "footnotes of the part that no question or answer refers to "
                                               "(those that one does are in its qa row), as '<nr> <text>'"),
            ),
        ),
        Table(
            "qa",
            "One row per question (Vraag) with its answer (Antwoord); the span runs from the question's "
            "heading to the end of its answer (in the questions-first forms it takes in what stands between).",
            (
                *WHERE,
                _c("vraag_nr", INT, "number of the question", False),
                _c("sub_vraag", STR, "letter of a sub-question ('a' for 'Vraag 2a' or an 'a.' paragraph); null "
                                     "for a whole question. The key is (vraag_nr, sub_vraag)"),
                _c("vraag", STR, "text of the question, footnotes left out; null for an answer whose question "
                                 "is not in the text"),
                _c("antwoord", STR, "text of the answer, footnotes left out (a combined answer: the same text in "
                                    "each of its rows)"),
                _c("antwoord_kind", STR, "answer, reference (only refers to other answers) or answer_with_reference"),
                _c("see_vraag_nrs", pa.list_(INT), "questions whose answer this answer refers to"),
                _c("combined_with", pa.list_(STR), "other questions answered by the same answer, as labels "
                                                   "('3', '2b')"),
                _c("footnotes", pa.list_(STR), "footnotes the question or answer refers to, as '<nr> <text>'"),
                _c("vraag_span_start", INT, "start of the question text"),
                _c("vraag_span_end", INT, "end of the question text"),
                _c("antwoord_span_start", INT, "start of the answer text"),
                _c("antwoord_span_end", INT, "end of the answer text"),
            ),
        ),
        Table(
            "emails",
            "One row per e-mail message, quoted messages of a thread included.",
            (
                *WHERE,
                _c("email", INT, "index of the message within its document (0-based, in text order)", False),
                _c("parent_email", INT, "the message this one is quoted in (its `email`); null for a thread's top message"),
                _c("thread_position", INT, "depth in the thread: 0 for the top message, 1 for the message it quotes, ..."),
                _c("sender", STR, "Van/From as written (a redaction marker stays as written)"),
                _c("recipients", pa.list_(STR), "Aan/To, one entry per address or name"),
                _c("cc", pa.list_(STR), "CC, one entry per address or name"),
                _c("bcc", pa.list_(STR), "BCC, one entry per address or name"),
                _c("subject", STR, "Onderwerp/Subject"),
                _c("sent_text", STR, "Verzonden/Datum/Sent as written"),
                _c("sent_at", STR, "the sent date and time as ISO 8601 (local time, no zone); date only when no time is given"),
                _c("sent_date", DATE, "the sent date"),
                _c("attachments", pa.list_(STR), "Bijlage(n)/Attachment(s): the file names"),
                _c("redacted_fields", pa.list_(STR), "the header columns (sender, recipients, cc, bcc, subject, "
                                                     "sent_text, attachments) whose value is (partly) a redaction "
                                                     "marker such as 5.1.2e: redacted, not missing"),
                _c("ground_codes", pa.list_(STR), "Woo/Wob grounds of the markers in the header, in registry spelling"),
                _c("body", STR, "the message's own text, without the messages it quotes"),
            ),
        ),
        Table(
            "inventory",
            "One row per entry of an inventory list (inventarislijst), from a PDF table or a spreadsheet.",
            (
                *WHERE,
                _c("entry", INT, "index of the entry within its list (0-based)", False),
                _c("number", STR, "the document number as listed (Nr., Documentnummer, ID ...)"),
                _c("date", DATE, "the document's date"),
                _c("date_text", STR, "the date as written"),
                _c("title", STR, "title or description"),
                _c("judgement", STR, "openbaar, deels_openbaar, niet_openbaar or reeds_openbaar"),
                _c("judgement_text", STR, "the judgement as written"),
                _c("grounds", pa.list_(STR), "Woo/Wob ground codes, in registry spelling"),
                _c("grounds_text", STR, "the grounds as written"),
                _c("remarks", STR, "remarks (Opmerking, Toelichting ...)"),
                _c("columns", STR, "JSON: the list's own column names mapped to the canonical ones"),
                _c("matched_document_id", STR, "the document of the release this entry was joined to; null when none "
                                                "(filled in by the release's inventory check, checks/inventory.py)"),
                _c("match_on", STR, "what the join rests on: number (a document number stamped on the document or "
                                    "in its file name), date_title or title; null when unmatched"),
            ),
        ),
        Table(
            "decisions",
            "One row per Woo/Wob decision letter (besluit op een verzoek); the span is the letter without its "
            "annexes. Wordings read: flows/registry/decision_phrases.toml.",
            (
                *WHERE,
                _c("body", STR, "the body that decided (bestuursorgaan), as the signature, the text or the "
                                "letterhead names it"),
                _c("request_date", DATE, "date of the request ('Bij e-mail van 3 april 2023 heeft u ... verzocht')"),
                _c("decision_date", DATE, "date of the decision letter (its Datum field or dated line)"),
                _c("request", STR, "the request as the letter summarises it"),
                _c("decision", STR, "openbaar, deels_openbaar, niet_openbaar, or mixed (some documents public, "
                                    "others withheld in part or whole)"),
                _c("decision_text", STR, "the sentence that carries the decision"),
                _c("articles", pa.list_(STR), "articles of the Woo/Wob relied on, as written, each once"),
                _c("grounds", pa.list_(STR), "Woo/Wob ground codes named in the letter, in registry spelling"),
                _c("document_count", INT, "number of documents the decision covers, where stated"),
                _c("page_count", INT, "number of pages, where stated"),
            ),
        ),
        Table(
            "memo_fields",
            "Header fields of internal memos (beslisnota's).",
            (
                *WHERE,
                _c("field", STR, "canonical field name (Datum, Onze Referentie, Aan, ...)", False),
                _c("label", STR, "the label as it stands in the text"),
                _c("value", STR, "the field's value; null when the text leaves it empty"),
                _c("value_date", DATE, "the value as an ISO date, for date fields"),
                _c("ground_code", STR, "Woo ground when the value is a redaction stamp (the first, if several)"),
            ),
        ),
        Table(
            "memo_sections",
            "Body sections of internal memos, with one row per bullet or quoted action.",
            (
                *WHERE,
                _c("section", STR, "Aanleiding, Geadviseerd besluit, Kernpunten, Toelichting, ...", False),
                _c("kind", STR, "section (whole text), bullet or action (a quoted action)"),
                _c("item", INT, "1-based number of the bullet or action; 0 for a whole section"),
                _c("label", STR, "the item's own label, e.g. 'Action 11' or 'a'"),
                _c("text", STR, "the text"),
            ),
        ),
        Table(
            "markers",
            "Redaction markers found in the text: ground codes, ground labels and withheld-passage headings.",
            (
                *WHERE,
                _c("kind", STR, "code, unknown_code (not in the registry; ground_code null), label or withheld_heading"),
                _c("matched_text", STR, "the text that matched"),
                _c("ground_code", STR, "the Woo/Wob ground code it maps to"),
                _c("label", STR, "the registry label of that ground"),
                _c("match", STR, "exact or ocr_tolerant"),
                _c("distance", INT, "edit distance to the registry spelling (0 when exact)"),
            ),
        ),
        Table(
            "removals",
            "Places where text was withheld: stamps in place of text, withheld passages, boxes.",
            (
                *WHERE,
                _c("kind", STR, "stamp (a ground label in place of text), withheld_passage, box, placeholder"),
                _c("ground_code", STR, "ground given for the removal; null when none"),
                _c("field", STR, "memo field the removal sits in, where it does"),
                _c("char_count", INT, "characters of published text the removal stands for"),
            ),
        ),
        Table(
            "corrections",
            "Every change the OCR corrector made, for audit.",
            (
                *WHERE,
                _c("before", STR, "the text before correction"),
                _c("after", STR, "the text after correction"),
                _c("score", FLOAT, "log-probability score of the chosen candidate"),
                _c("margin", FLOAT, "score margin over the next best candidate (or keeping the word)"),
                _c("reason", STR, "confusion, document_lexicon, split, language, ..."),
            ),
        ),
        Table(
            "personal_data",
            "Personal data found in the text. The value is never stored in clear.",
            (
                *WHERE,
                _c("kind", STR, "email, phone, bsn, iban, postcode, birth_date, name"),
                _c("recogniser", STR, "which recogniser found it"),
                _c("masked", STR, "masked rendering of the value"),
                _c("value_hash", STR, "salted sha256 of the value, to count repeats"),
                _c("visibility", STR, "visibility of the document it was found in"),
            ),
        ),
        Table(
            "redactions",
            "Redaction boxes on PDF pages (vector boxes and boxes found in scans).",
            (
                *PROVENANCE,
                PART,
                PAGE,
                _c("box", INT, "index of the box on its page", False),
                _c("x0", FLOAT, "left, PDF points"),
                _c("y0", FLOAT, "bottom, PDF points"),
                _c("x1", FLOAT, "right, PDF points"),
                _c("y1", FLOAT, "top, PDF points"),
                _c("source", STR, "vector (a painted shape), overlay (a dark image laid over text) or image (found in a scan)"),
                _c("style", STR, "black, grey, colour, outlined, hatched (pattern fill) or light (a white-out over text)"),
                _c("color", STR, "box colour as #rrggbb"),
                _c("area", FLOAT, "area in square points"),
                _c("label", STR, "text stamped on the box"),
                _c("ground_code", STR, "ground parsed from the label; null when none is readable"),
                _c("text_under", BOOL, "whether text lies under the box (null for boxes found in a scan: there is no text layer under them)"),
            ),
        ),
        Table(
            "findings",
            "Problems found by the checks, with a severity. Values are masked.",
            (
                _c("finding_id", STR, "stable id: hash of document, check and location", False),
                *WHERE,
                _c("check", STR, "name of the check that raised it", False),
                _c("severity", STR, "high, medium, low or info", False),
                _c("message", STR, "what is wrong; personal data masked"),
                _c("masked", STR, "masked rendering of the value concerned, if any"),
                _c("value_hash", STR, "salted sha256 of that value"),
                _c("box", pa.list_(FLOAT), "x0, y0, x1, y1 on the page, for PDF findings"),
                _c("allowed", BOOL, "published anyway under --allow-findings"),
            ),
        ),
        Table(
            "redaction_summary",
            "Per input: markers, removals, boxes and findings, and the share withheld.",
            (
                INPUT_ID,
                SOURCE_PATH,
                _c("markers_by_ground", STR, "JSON object: ground code -> number of markers"),
                _c("removals", INT, "number of removals"),
                _c("boxes_by_ground_style", STR, "JSON object: 'ground/style' -> number of boxes"),
                _c("findings_by_severity", STR, "JSON object: severity -> number of findings"),
                _c("findings_by_check", STR, "JSON object: check -> number of findings"),
                _c("withheld_share", FLOAT, "estimated share of the text withheld (0..1)"),
            ),
        ),
        Table(
            "quarantine",
            "Inputs and documents that were not published, and why.",
            (
                _c("source_path", STR, "path of the input", False),
                _c("input_id", STR, "sha256 of the input when it could be read"),
                _c("document_id", STR, "the document held back, when the gate held back one document of an input "
                                       "(null when the whole input was refused)"),
                _c("stage", STR, "the stage that refused it", False),
                _c("reason", STR, "short reason", False),
                _c("detail", STR, "longer explanation; personal data masked"),
            ),
        ),
    )
}


def unknown_columns(table: str, row: dict[str, Any]) -> list[str]:
    """The columns of `row` that `table` does not have (every column, for a
    table that is not published)."""
    known = TABLES[table].names if table in TABLES else frozenset()
    return sorted(set(row) - known)


def table_rows_fit(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Build a pyarrow table with the published schema; unknown columns are an
    error, so that a stage cannot publish something the README does not
    document."""
    schema = TABLES[table].schema
    names = frozenset(schema.names)
    for r in rows:
        if not names.issuperset(r):
            raise ValueError(f"table {table}: undocumented columns {sorted(set(r) - names)}")
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        # pyarrow's message quotes the value, which can be a document's text.
        raise ValueError(f"table {table}: a row does not fit its schema ({type(e).__name__})") from None


def tables_markdown() -> str:
    """The README's table reference, generated from TABLES so that the two
    cannot drift apart (tests/test_readme.py compares them)."""
    out: list[str] = []
    for t in TABLES.values():
        out.append(f"### `{t.name}`\n\n{t.doc}\n\n| column | type | meaning |\n|---|---|---|")
        for c in t.columns:
            out.append(f"| `{c.name}` | {c.type} | {c.doc}{'' if c.nullable else ' (never null)'} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"

