"""Dates as Dutch documents write them ("17 juli 2023", "29 September 2023",
"17-07-2023"), to ISO dates. OCR capitalises month names now and then, and
English month names turn up in English passages, so both are read."""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    name: i + 1
    for names in (
        ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"),
        ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"),
        ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    )
    for i, name in enumerate(names)
}

DATE_RE = re.compile(
    r"\b(?P<d>[0-3]?\d)\s*(?:e\s+)?(?P<m>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?\s+(?P<y>(?:19|20)\d\d)\b"
    r"|\b(?P<d2>[0-3]?\d)[-/.](?P<m2>[01]?\d)[-/.](?P<y2>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


def parse_date(text: str) -> tuple[dt.date, int, int] | None:
    """The first valid date in `text` with its span, or None."""
    for m in DATE_RE.finditer(text):
        try:
            if m.group("d"):
                day, month, year = int(m.group("d")), MONTHS[m.group("m").lower()], int(m.group("y"))
            else:
                day, month, year = int(m.group("d2")), int(m.group("m2")), int(m.group("y2"))
            return dt.date(year, month, day), m.start(), m.end()
        except ValueError:
            continue
    return None
