"""Dates as Dutch documents write them ("17 juli 2023", "29 September 2023",
"17-07-2023"), to ISO dates. OCR capitalises month names now and then, and
English month names turn up in English passages, so both are read, also in
the English order ("April 3, 2023"). `parse_datetime` adds the time of day
that e-mail headers give ("maandag 3 april 2023 14:05", "Monday, April 3,
2023 2:05 PM")."""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    name: i + 1
    for names in (
        ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"),
        ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"),
        ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sept", "oct", "nov", "dec"),
    )
    for i, name in enumerate(names)
}

# Monday is 0, as `date.weekday()` counts.
WEEKDAYS = {
    name: i
    for names in (
        ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        ("ma", "di", "wo", "do", "vr", "za", "zo"),
        ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
    )
    for i, name in enumerate(names)
}

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_RE = re.compile(
    r"\b(?P<d>[0-3]?\d)\s*(?:e\s+)?(?P<m>" + _MONTH_NAMES + r")\.?\s+(?P<y>(?:19|20)\d\d)\b"
    r"|\b(?P<d2>[0-3]?\d)[-/.](?P<m2>[01]?\d)[-/.](?P<y2>(?:19|20)\d\d)\b"
    # The English order: "April 3, 2023", "Apr 3rd 2023".
    r"|\b(?P<m3>" + _MONTH_NAMES + r")\.?\s+(?P<d3>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y3>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_WEEKDAY_RE = re.compile(r"\b(" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\b\.?,?\s*$", re.IGNORECASE)
# A time of day after the date, with the words that may stand between
# ("om 14:05", "at 2:05 PM", "14.05 uur").
_TIME_RE = re.compile(
    r"^[\s,]*(?:(?:om|at|-)\s*)?(?P<h>[0-2]?\d)[:.](?P<min>[0-5]\d)(?:[:.](?P<s>[0-5]\d))?(?:\s*(?P<ampm>[ap])\.?\s?m\b\.?)?",
    re.IGNORECASE,
)


def _ymd(m: re.Match[str]) -> tuple[int, int, int]:
    if m.group("d"):
        return int(m.group("y")), MONTHS[m.group("m").lower()], int(m.group("d"))
    if m.group("d2"):
        return int(m.group("y2")), int(m.group("m2")), int(m.group("d2"))
    return int(m.group("y3")), MONTHS[m.group("m3").lower()], int(m.group("d3"))


def parse_date(text: str) -> tuple[dt.date, int, int] | None:
    """The first valid date in `text` with its span, or None."""
    for m in DATE_RE.finditer(text):
        try:
            return dt.date(*_ymd(m)), m.start(), m.end()
        except ValueError:
            continue
    return None


def parse_datetime(text: str) -> tuple[dt.date | dt.datetime, int, int] | None:
    """The first valid date in `text` with the time of day that follows it,
    if any, and the span of both; or None.

    A date in figures is read day first, as Dutch documents write it;
    where a weekday name stands before it and fits only the month-first
    reading ("Monday, 4/3/2023" is 3 April), the weekday decides."""
    for m in DATE_RE.finditer(text):
        year, month, day = _ymd(m)
        readings = [(year, month, day)]
        if m.group("d2"):
            readings.append((year, day, month))
        dates = []
        for y, mo, d in readings:
            try:
                dates.append(dt.date(y, mo, d))
            except ValueError:
                continue
        if not dates:
            continue
        weekday = _WEEKDAY_RE.search(text, max(0, m.start() - 12), m.start())
        if weekday:
            fitting = [d for d in dates if d.weekday() == WEEKDAYS[weekday.group(1).lower()]]
            dates = fitting or dates
        date = dates[0]
        t = _TIME_RE.match(text[m.end():])
        if not t:
            return date, m.start(), m.end()
        hour = int(t.group("h"))
        if t.group("ampm"):
            if not 1 <= hour <= 12:
                return date, m.start(), m.end()
            hour = hour % 12 + (12 if t.group("ampm").lower() == "p" else 0)
        if hour > 23:
            return date, m.start(), m.end()
        moment = dt.datetime(date.year, date.month, date.day, hour, int(t.group("min")), int(t.group("s") or 0))
        return moment, m.start(), m.end() + t.end()
    return None
