"""The inventory list against the release: does every listed document come
with the release, redacted as the list says, on the grounds it names; and
does the list account for every document the release publishes?

This runs once per release, on the merged rows of every document (the
list is one input, the documents it describes are others, or parts of a
bundle). Each entry of the `inventory` table is joined to one document of
the release (a part of a document: in a bundle each part is a document):

1. by number: a document-number stamp on the document's pages or in its
   text ("Document 12", "Doc. 12", "807093 00012"; the patterns of
   flows/registry/boundaries.toml) or in its file name ("12.pdf",
   "document-12.pdf", "807093_00012.pdf");
2. else by the listed date found in the document's text and a title close
   to the document's title or opening (rapidfuzz);
3. else by a title alone, when it is very close.

Each document is joined to one entry at most, the best first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from checks.findings import finding_id
from flows.registry.boundaries import page_boundaries
from flows.stages.parse.dates import DATE_RE, parse_date

# Types that are not documents of the list: the list itself, and the
# decision letter it is attached to (lists rarely name their own letter).
NOT_LISTED_TYPES = frozenset({"inventory_list", "woo_decision"})
# Judgements under which a document is not expected in the release.
NOT_PUBLISHED = frozenset({"niet_openbaar", "reeds_openbaar"})
# Title similarity (rapidfuzz token_set_ratio, 0-100) needed with the date,
# and without it.
DATE_TITLE_SCORE = 60.0
TITLE_ONLY_SCORE = 90.0
# A title alone joins only when it says enough: "E-mail" is in every
# e-mail's heading.
TITLE_ONLY_WORDS = 4
# The opening of a document compared with a listed title: its first lines
# within its first characters.
OPENING_CHARS = 400
HEADING_LINES = 4

_FILE_NUMBER = re.compile(r"(?i)^(?:doc(?:ument)?|nr|no)?[ _.-]*(\d{1,6})$|^(\d{6})[ _.-](\d{5})$")
_NUMBER_GROUPS = re.compile(r"\d+")


@dataclass
class Candidate:
    """A document of the release that a list entry may name."""

    document_id: str
    input_id: str
    source_path: str
    part: int | None
    span: tuple[int | None, int | None]
    page: int | None  # first page, for PDF inputs
    title: str
    text: str
    numbers: set[str] = field(default_factory=set)
    grounds: set[str] = field(default_factory=set)  # applied: markers, boxes, removals
    redactions: int = 0  # markers, boxes and removals
    listed: bool = True  # expected to have an entry


def number_key(number: str) -> str:
    """A document number as compared: its digit groups without leading
    zeros ("00012" -> "12", "807093-00012" -> "807093 12"); a number without
    digits as written, folded."""
    groups = _NUMBER_GROUPS.findall(number)
    return " ".join(str(int(g)) for g in groups) if groups else number.casefold().strip()


def stamped_numbers(text: str) -> set[str]:
    """The document numbers stamped in a document's text: the full stamp
    and, for a request-and-document stamp ("807093 00012"), the document's
    own number too."""
    out: set[str] = set()
    for pattern in page_boundaries().document_number:
        for m in pattern.finditer(text):
            groups = [g for g in m.groups() if g]
            out.add(number_key(" ".join(groups)))
            out.add(number_key(groups[-1]))
    return out


def file_numbers(source_path: str) -> set[str]:
    """A document number in the file's name, where the name is nothing
    else ("12.pdf", "Document 12.pdf", "807093_00012.pdf")."""
    m = _FILE_NUMBER.match(Path(source_path).stem.strip())
    if not m:
        return set()
    groups = [g for g in m.groups() if g]
    return {number_key(" ".join(groups)), number_key(groups[-1])}


def candidates(tables: dict[str, list[dict[str, Any]]]) -> list[Candidate]:
    """Every part of the release but the lists themselves, with the
    numbers stamped on it and the redactions and grounds found in it."""
    documents_per_input = Counter(p["input_id"] for p in tables.get("documents", []))
    out: dict[tuple[str, int | None], Candidate] = {}
    for p in tables.get("documents", []):
        if p.get("document_type") == "inventory_list":
            continue
        text = p.get("text") or ""
        c = Candidate(p["document_id"], p["input_id"], p["source_path"], p["part"], (p.get("span_start"), p.get("span_end")),
                      p.get("page_start"), p.get("title") or "", text, stamped_numbers(text),
                      listed=p.get("document_type") not in NOT_LISTED_TYPES)
        if documents_per_input[p["input_id"]] == 1:
            # A file that is one document may carry its number in its name.
            c.numbers |= file_numbers(p["source_path"])
        out[(c.document_id, c.part)] = c
    # Every marker, box and removal is a redaction; those that name a
    # ground tell which grounds the document applies.
    for table in ("markers", "redactions", "removals"):
        for r in tables.get(table, []):
            if (found := out.get((r["document_id"], r.get("part")))) is not None:
                found.redactions += 1
                if r.get("ground_code"):
                    found.grounds.add(r["ground_code"])
    return list(out.values())


def _dates_in(text: str) -> set[dt.date]:
    found = set()
    for m in DATE_RE.finditer(text):
        if (d := parse_date(m.group(0))) is not None:
            found.add(d[0])
    return found


def heading(c: Candidate) -> str:
    """What a listed title is compared with: the document's first lines
    (its subject or title stands there, after a number stamp or a
    letterhead)."""
    lines = [line for line in c.text[:OPENING_CHARS].split("\n") if line.strip()]
    return " ".join([c.title, *lines[:HEADING_LINES]])


def _scores(titles: list[str], headings: list[str]) -> Any:
    return process.cdist(titles, headings, scorer=fuzz.token_set_ratio, processor=str.casefold, workers=-1)


def match_entries(entries: list[dict[str, Any]], docs: list[Candidate]) -> dict[int, tuple[Candidate, str]]:
    """Entry index -> (document, what the join rests on). Numbers first,
    then date and title, then title alone; each document once."""
    out: dict[int, tuple[Candidate, str]] = {}
    taken: set[tuple[str, int | None]] = set()
    by_number: dict[str, list[Candidate]] = {}
    for c in docs:
        for n in c.numbers:
            by_number.setdefault(n, []).append(c)
    for i, e in enumerate(entries):
        if not e.get("number"):
            continue
        for c in by_number.get(number_key(str(e["number"])), []):
            if (c.document_id, c.part) not in taken:
                out[i] = (c, "number")
                taken.add((c.document_id, c.part))
                break
    titled = [i for i, e in enumerate(entries) if i not in out and e.get("title")]
    open_docs = [j for j, c in enumerate(docs) if (c.document_id, c.part) not in taken]
    scored: list[tuple[float, int, int, str]] = []
    if titled and open_docs:
        headings = [heading(docs[j]) for j in open_docs]
        # A title joins a document of its date at DATE_TITLE_SCORE, and any
        # document at TITLE_ONLY_SCORE if it is long enough: a short
        # title is compared with the documents of its date only, a long one
        # with every document. A list of a thousand entries against a
        # thousand documents is then a thousand rows of comparisons, not a
        # million; each comparison is rapidfuzz's, in its C code.
        # token_set_ratio is 100 when every word of the listed title stands
        # in the heading: a list shortens titles more often than it rewords
        # them.
        on_date: dict[dt.date, list[int]] = {}
        for k, j in enumerate(open_docs):
            for d in _dates_in(docs[j].text):
                on_date.setdefault(d, []).append(k)
        by_date: dict[dt.date, list[int]] = {}
        for i in titled:
            if entries[i].get("date") in on_date:
                by_date.setdefault(entries[i]["date"], []).append(i)
        dated: set[tuple[int, int]] = set()
        for d, listed in by_date.items():
            columns = on_date[d]
            scores = _scores([entries[i]["title"] for i in listed], [headings[k] for k in columns])
            for row, i in enumerate(listed):
                for col, k in enumerate(columns):
                    dated.add((i, k))
                    if scores[row][col] >= DATE_TITLE_SCORE:
                        scored.append((float(scores[row][col]) + 100, i, open_docs[k], "date_title"))
        long_titles = [i for i in titled if len(entries[i]["title"].split()) >= TITLE_ONLY_WORDS]
        if long_titles:
            scores = _scores([entries[i]["title"] for i in long_titles], headings)
            for row, i in enumerate(long_titles):
                for k in map(int, np.flatnonzero(scores[row] >= TITLE_ONLY_SCORE)):
                    if (i, k) not in dated:
                        scored.append((float(scores[row][k]), i, open_docs[k], "title"))
    for _, i, j, on in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        c = docs[j]
        if i not in out and (c.document_id, c.part) not in taken:
            out[i] = (c, on)
            taken.add((c.document_id, c.part))
    return out


def _place(where: dict[str, Any]) -> tuple[Any, ...]:
    """Where a finding points, for its id: its span; for an entry whose
    row the parser could not find in the list's text (a scanned list's
    OCR lines can differ from its text), the entry's index, which no
    other entry of the list shares, as spans of None would be."""
    if where.get("span_start") is None and where.get("entry") is not None:
        return ("entry", where["entry"])
    return (where.get("span_start"), where.get("span_end"))


def _finding(where: dict[str, Any], check: str, severity: str, message: str, key: str) -> dict[str, Any]:
    """A `findings` row raised at the release, built like
    checks/findings.py's: stable id from document, check and place."""
    return {
        "finding_id": finding_id(where["document_id"], check, *_place(where), key),
        "document_id": where["document_id"], "input_id": where["input_id"], "source_path": where["source_path"],
        "part": where.get("part"),
        "span_start": where.get("span_start"), "span_end": where.get("span_end"), "page": where.get("page"),
        "check": check, "severity": severity, "message": message, "masked": None, "value_hash": None,
        "box": None, "allowed": False,
    }


def _label(e: dict[str, Any]) -> str:
    return f"entry {e['number']}" if e.get("number") else f"entry {e['entry'] + 1}"


def check_inventory(tables: dict[str, list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Check a release's inventory lists against its documents.

    Input: the release's merged rows per table (what the documents'
    `rows` add up to, before they become Arrow tables): `inventory` (the
    entries, from flows/stages/parse/inventory.py), `documents` (every document
    of the release with its text, title, type and first page), and the
    redaction evidence `markers`,
    `redactions`, `removals` (ground codes per document). Rows are not changed.

    Returns:
      - the `inventory` rows with `matched_document_id` and
        `match_on` filled in (new dicts, same order), to publish instead of
        the rows passed in;
      - `findings` rows to add to the release's findings (check names
        `inventory_*`, below).
    `inventory_summary` counts the outcome for the report from these rows.

    Findings (severity in brackets):
      - inventory_withheld_published (high): an entry judged niet_openbaar
        joined to a published document;
      - inventory_partly_public_unredacted (high): judged deels_openbaar,
        but the document has no marker, box or removal;
      - inventory_public_redacted (medium): judged openbaar, but redacted;
      - inventory_ground_not_listed (medium): a ground applied in the
        document that the entry does not name;
      - inventory_ground_not_applied (low): a ground the entry names that
        is nowhere applied in the document (only for deels_openbaar);
      - inventory_document_missing (medium): an openbaar or deels_openbaar
        entry without a document in the release;
      - inventory_document_unlisted (medium): a document of the release
        (not a list, not the decision letter) that no entry names; raised
        only when the release has a list.
    Entry findings point at the entry in the list's document; unlisted
    documents at the document's part.
    """
    entries = [dict(e) for e in tables.get("inventory", [])]
    if not entries:
        return entries, []
    docs = candidates(tables)
    matched = match_entries(entries, docs)
    findings: list[dict[str, Any]] = []
    has_grounds_column = {e["document_id"]: '"grounds"' in (e.get("columns") or "") for e in entries}
    for i, e in enumerate(entries):
        judgement = e.get("judgement")
        if i not in matched:
            e.update(matched_document_id=None, match_on=None)
            if judgement not in NOT_PUBLISHED:
                findings.append(_finding(e, "inventory_document_missing", "medium",
                                         f"{_label(e)} of the inventory list ({judgement or 'no judgement'}) has no "
                                         "document in the release", "missing"))
            continue
        c, on = matched[i]
        e.update(matched_document_id=c.document_id, match_on=on)
        raised = []
        doc_name = f"{Path(c.source_path).name}" + (f" part {c.part}" if c.part else "")
        if judgement == "niet_openbaar":
            raised.append(("inventory_withheld_published", "high",
                           f"{_label(e)} is judged niet openbaar, but the release publishes it ({doc_name})", ""))
        if judgement == "deels_openbaar" and c.redactions == 0:
            raised.append(("inventory_partly_public_unredacted", "high",
                           f"{_label(e)} is judged deels openbaar, but {doc_name} has no redaction marker, box or "
                           "removal", ""))
        if judgement == "openbaar" and c.redactions:
            raised.append(("inventory_public_redacted", "medium",
                           f"{_label(e)} is judged openbaar, but {doc_name} has {c.redactions} redactions", ""))
        if has_grounds_column[e["document_id"]] and judgement in ("openbaar", "deels_openbaar"):
            listed = set(e.get("grounds") or [])
            for code in sorted(c.grounds - listed):
                raised.append(("inventory_ground_not_listed", "medium",
                               f"{doc_name} is redacted on ground {code}, which {_label(e)} does not name", code))
            if judgement == "deels_openbaar" and c.redactions:
                for code in sorted(listed - c.grounds):
                    raised.append(("inventory_ground_not_applied", "low",
                                   f"{_label(e)} names ground {code}, which no redaction in {doc_name} carries", code))
        findings += [_finding(e, check, severity, message, key) for check, severity, message, key in raised]
    joined = {(c.document_id, c.part) for c, _ in matched.values()}
    for c in docs:
        if c.listed and (c.document_id, c.part) not in joined:
            where = {"document_id": c.document_id, "input_id": c.input_id, "source_path": c.source_path, "part": c.part,
                     "span_start": c.span[0], "span_end": c.span[1], "page": c.page}
            findings.append(_finding(where, "inventory_document_unlisted", "medium",
                                     f"{Path(c.source_path).name}" + (f" part {c.part}" if c.part else "")
                                     + " is published but no entry of the inventory list names it", "unlisted"))
    return entries, findings


# A list that contradicts a published document this way may mean text went
# out that should not have: the document is held back, as the gate holds one.
HOLD_CHECKS = frozenset({"inventory_partly_public_unredacted", "inventory_withheld_published"})


def inventory_holds(entries: list[dict[str, Any]], findings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(document_id, message) of every document of the release an entry of
    the list contradicts at high severity: judged deels openbaar but not
    redacted, or judged niet openbaar but published."""
    matched = {(e["document_id"], e.get("span_start")): e.get("matched_document_id") for e in entries}
    holds: dict[str, str] = {}
    for f in findings:
        if f["check"] in HOLD_CHECKS and (document_id := matched.get((f["document_id"], f.get("span_start")))):
            holds.setdefault(document_id, f["message"])
    return sorted(holds.items())


MISMATCH_CHECKS = frozenset({"inventory_withheld_published", "inventory_partly_public_unredacted",
                             "inventory_public_redacted", "inventory_ground_not_listed",
                             "inventory_ground_not_applied"})


def inventory_summary(entries: list[dict[str, Any]], findings: list[dict[str, Any]]) -> dict[str, int]:
    """The inventory check's counts from the published rows alone (the
    `inventory` table and the `inventory_*` findings), so that the report's
    tiles are what the tables say."""
    unmatched = [e for e in entries if e.get("matched_document_id") is None]
    return {
        "listed": len(entries),
        "found": len(entries) - len(unmatched),
        "missing": sum(f["check"] == "inventory_document_missing" for f in findings),
        "mismatched": len({(f["document_id"], f.get("span_start")) for f in findings
                           if f["check"] in MISMATCH_CHECKS}),
        "not_expected": sum(e.get("judgement") in NOT_PUBLISHED for e in unmatched),
        "unlisted": sum(f["check"] == "inventory_document_unlisted" for f in findings),
    }
