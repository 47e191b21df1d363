"""The spreadsheet backend: a release's inventory list shipped as .csv or
.xlsx becomes text, one line per sheet row with its cells separated by
tabs, so that every later stage (and every check) reads it like any other
text; the inventory parser finds the columns again at the tabs.

A cell's own tabs and line ends become spaces (a line is a row); an .xlsx
date is written as an ISO date, a whole number without ".0". Every sheet is
read, hidden ones too (what a release ships is checked, seen or not),
one blank line between sheets.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from flows.model.errors import InputError

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# More cells than this is no inventory list and would only fill memory: a
# workbook of a few kilobytes can declare a million rows.
MAX_CELLS = 500_000
_BREAKS = re.compile(r"[\t\r\n\v\f]+")


def cell_text(value: Any) -> str:
    """A cell as one line of text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _BREAKS.sub(" ", str(value)).strip()


def rows_text(rows: list[list[str]]) -> str:
    """Rows as tab-separated lines, empty cells at a row's end dropped."""
    lines = []
    for row in rows:
        while row and not row[-1]:
            row = row[:-1]
        lines.append("\t".join(row))
    return "\n".join(lines).strip("\n")


def csv_text(text: str) -> str:
    """A decoded CSV file as tab-separated lines; its dialect (separator
    ";", ",", tab or "|", and quoting) sniffed from the first lines."""
    sample = text[:20_000]
    delimiters = ";,\t|"
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=delimiters)
        reader = csv.reader(io.StringIO(text), dialect)
    except csv.Error:
        # Too little to tell (one line, empty cells): the separator the
        # first line holds most of, else the comma of RFC 4180.
        first = next((line for line in sample.splitlines() if line.strip()), "")
        counts = {d: first.count(d) for d in delimiters}
        best = max(counts, key=lambda d: counts[d])
        reader = csv.reader(io.StringIO(text), csv.excel, delimiter=best if counts[best] else ",")
    rows: list[list[str]] = []
    cells = 0
    try:
        for row in reader:
            cells += len(row)
            if cells > MAX_CELLS:
                raise InputError("spreadsheet too large", f"more than {MAX_CELLS} cells")
            rows.append([cell_text(c) for c in row])
    except csv.Error as e:
        raise InputError("not a readable CSV file", f"line {len(rows) + 1}: {e}"[:200]) from None
    out = rows_text(rows)
    if not out.strip():
        raise InputError("empty spreadsheet", "the CSV file holds no values")
    return out


def xlsx_text(path: Path) -> str:
    """Every sheet of an .xlsx workbook as tab-separated lines. Cell values
    as last saved (formulas are not evaluated: the cached value is what the
    body saw)."""
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(path):
        # An encrypted workbook is an OLE compound file, not a zip.
        raise InputError("not a readable .xlsx workbook", "not a zip archive (an encrypted or older .xls file?)")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # a damaged archive or XML raises many kinds, deep inside openpyxl
        raise InputError("not a readable .xlsx workbook", f"{type(e).__name__}") from None
    sheets: list[str] = []
    cells = 0
    try:
        for ws in wb.worksheets:
            rows = []
            for values in ws.iter_rows(values_only=True):
                cells += len(values)
                if cells > MAX_CELLS:
                    raise InputError("spreadsheet too large", f"more than {MAX_CELLS} cells")
                rows.append([cell_text(v) for v in values])
            if text := rows_text(rows):
                sheets.append(text)
    except InputError:
        raise
    except Exception as e:
        raise InputError("not a readable .xlsx workbook", f"{type(e).__name__}") from None
    finally:
        wb.close()
    if not sheets:
        raise InputError("empty spreadsheet", "no sheet of the workbook holds a value")
    return "\n\n".join(sheets)
