"""`lakmoes redactions`: the redaction checks of PDF files only, for a Woo
coordinator before a release goes out. Each file is read as `lakmoes run`
reads it, so that spans and pages agree between the two commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from checks.findings import SEVERITY_RANK
from checks.pdf.redactions import check_pdf_redactions
from flows.model import Document
from flows.model.errors import ExitCode, InputError
from flows.stages import ingest


def _document_for(path: Path) -> Document:
    """A Document holding the pages of one PDF, read as `lakmoes run` reads
    it, so that spans and pages agree between the two commands."""
    if not path.is_file():
        raise FileNotFoundError(path) if not path.exists() else IsADirectoryError(path)
    inp = ingest.identify(path)
    if inp.media_type != "application/pdf":
        raise InputError("not a PDF")
    return ingest.read_document(inp)


def _reason(exc: Exception) -> str:
    """Why a file could not be checked, in a few words. An unexpected error
    is named by its type only: its message could quote the document."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, InputError):
        return exc.reason  # short and stable, as in the quarantine table
    return f"unexpected {type(exc).__name__}"


def _print_report(path: Path, doc: Document, out: Any) -> None:
    boxes = doc.rows.get("redactions", [])
    findings = doc.rows.get("findings", [])
    print(f"{path}: {len(doc.pages)} page(s), {len(boxes)} box(es), {len(findings)} finding(s)", file=out)
    for page in doc.pages:
        pb = [b for b in boxes if b["page"] == page.number]
        pf = [f for f in findings if f["page"] == page.number]
        if not pb and not pf:
            continue
        print(f"  page {page.number}:", file=out)
        for b in pb:
            ground = b["ground_code"] or "no ground"
            label = f" stamp {b['label']!r}" if b["label"] else ""
            under = "  TEXT UNDER" if b["text_under"] else ""
            print(
                f"    box {b['box']}: {b['style']} {b['color'] or ''} at "
                f"({b['x0']:.0f}, {b['y0']:.0f}, {b['x1']:.0f}, {b['y1']:.0f})"
                f" {ground}{label}{under}",
                file=out,
            )
        for f in sorted(pf, key=lambda f: SEVERITY_RANK[f["severity"]]):
            print(f"    [{f['severity']}] {f['check']}: {f['message']}", file=out)


def redactions_command(files: list[Path], as_json: bool) -> ExitCode:
    """`lakmoes redactions FILE.pdf ... [--json]`: the box checks only, for a
    Woo coordinator before a release goes out. Prints per file and page the
    boxes with their grounds and the findings (masked). Exit status: 3 when
    any high-severity finding, else 1 when a file could not be checked, else
    0."""
    report: list[dict[str, Any]] = []
    failed = high = False
    for path in files:
        path = Path(path)
        try:
            doc = _document_for(path)
            check_pdf_redactions(doc)
        except Exception as exc:
            failed = True
            reason = _reason(exc)
            print(f"lakmoes redactions: {path}: cannot check: {reason}", file=sys.stderr)
            report.append({"path": str(path), "error": reason})
            continue
        high = high or any(f["severity"] == "high" for f in doc.rows.get("findings", []))
        if as_json:
            report.append(
                {
                    "path": str(path),
                    "input_id": doc.id,
                    "pages": len(doc.pages),
                    "redactions": doc.rows.get("redactions", []),
                    "findings": doc.rows.get("findings", []),
                }
            )
        else:
            _print_report(path, doc, sys.stdout)
    if as_json:
        json.dump({"files": report}, sys.stdout, indent=2, ensure_ascii=False)
        print()
    return ExitCode.QUARANTINED if high else ExitCode.FAILED if failed else ExitCode.OK
