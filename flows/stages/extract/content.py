"""Reading a page's content streams: pdfminer.six's own parser, with a fast
path for the tokens that make up nearly all of a content stream.

pdfminer's content parser is a character-level state machine: every number,
name and operator goes through a regular-expression search per state, a
token queue and a result queue, each step logged at debug level. On the
bench's born-digital pages that was a fifth of a document worker's time.
`ContentParser.nextobject` reads a token that stands whole in the buffer
with one match of one pattern (and an array of such tokens, as a `TJ`
takes, with one match per item), and returns it as pdfminer would: the
same value, the same position. Anything else (dictionaries, nested arrays,
names with `#` escapes, strings with nested parentheses, comments, inline
images, a token cut by the buffer's or the stream's end) goes to
pdfminer's own state machine, which is left in the state it expects: the
fast path is taken only between tokens, at the top level, with nothing
queued.
`tests/test_content_parser.py` compares both token for token.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pdfminer import settings
from pdfminer.pdfinterp import PDFContentParser, PDFInterpreterError
from pdfminer.pdftypes import PDFStream, stream_value
from pdfminer.psexceptions import PSEOF
from pdfminer.psparser import (
    ESC_STRING,
    HEX_PAIR,
    KWD,
    LIT,
    SPC,
    PSBaseParser,
    PSKeyword,
    keyword_name,
)

# pdfminer's own logger for what its `execute` warns about.
log = logging.getLogger("pdfminer.pdfinterp")

# One token at the current position, after white space and NULs (which
# pdfminer skips alike). Each alternative ends where pdfminer's state for
# it ends, and the lookaheads require the character that ends it to be in
# the buffer: a token running to the buffer's end may go on in the next.
# Every repetition is possessive: a string of octal escapes cut by the
# buffer's end made the plain pattern backtrack exponentially (seconds on
# one page of a real PDF) before it gave up.
_TOKEN = re.compile(
    rb"""[\s\x00]*+(?:
      (?P<int>[-+]?[0-9]++)(?=[^0-9.])
    | (?P<float>[-+]?(?:[0-9]++\.[0-9]*+|\.[0-9]++))(?=[^0-9])
    | /(?P<name>[^#/%\[\]()<>{}\s]*+)(?=[/%\[\]()<>{}\s])
    | (?P<keyword>[A-Za-z][^#/%\[\]()<>{}\s]*+)(?=[#/%\[\]()<>{}\s])
    | \((?P<string>(?:[^()\\]|\\(?:[0-7]{1,3}|[\s\S]))*+)\)
    | <(?P<hex>[0-9A-Fa-f\s]*+)>(?=[^>])
    | (?P<open>\[)
    | (?P<close>\])
    )""",
    re.VERBOSE,
)
# A backslash escape in a literal string, read as pdfminer reads it: up to
# three octal digits, a named escape, a line break that continues the
# string (dropped), or any other character (dropped with its backslash).
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n)|([\s\S]))")

# Operators the fast path leaves to pdfminer: its parser reads an inline
# image's data itself between these.
_INLINE_IMAGE = (b"BI", b"ID")


class _Unreadable(Exception):
    """A token pdfminer's own reading fails on: left to it, to fail as it does."""


def _unescape(m: re.Match[bytes]) -> bytes:
    octal, _, char = m.groups()
    if octal is not None:
        if int(octal, 8) > 255:
            raise _Unreadable
        return bytes((int(octal, 8),))
    if char is not None and char in ESC_STRING:
        return bytes((ESC_STRING[char],))
    return b""


def _value(m: re.Match[bytes]) -> Any:
    """The value pdfminer makes of the token `m` matched, or None for a
    token the fast path leaves to pdfminer."""
    kind = m.lastgroup
    raw = m.group(kind) if kind else None
    if raw is None or kind in ("open", "close"):
        return None
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind == "name":
        try:
            return LIT(str(raw, "utf-8"))
        except UnicodeDecodeError:
            return LIT(raw)
    if kind == "keyword":
        if raw in _INLINE_IMAGE:
            return None
        return True if raw == b"true" else False if raw == b"false" else KWD(raw)
    if kind == "string":
        if b"\\" not in raw:
            return raw
        try:
            return _ESCAPE.sub(_unescape, raw)
        except _Unreadable:
            return None
    return HEX_PAIR.sub(lambda h: bytes((int(h.group(0), 16),)), SPC.sub(b"", raw))


def _array(buf: bytes, i: int) -> tuple[list[Any], int] | None:
    """The items of an array whose `[` ends at `i` and whose items are all
    tokens of the fast path (a `TJ` array: most of a real PDF's text), and
    where it ends; None for any other array (nested, holding a dictionary),
    or one the buffer cuts, left to pdfminer."""
    items: list[Any] = []
    while True:
        m = _TOKEN.match(buf, i)
        if m is None:
            return None
        if m.lastgroup == "close":
            return items, m.end()
        value = _value(m)
        if value is None:
            return None
        items.append(value)
        i = m.end()


class ContentParser(PDFContentParser):
    """pdfminer's content parser with the fast path of the module docstring."""

    def nextobject(self) -> tuple[int, Any]:
        if (not self.results and not self.context and not self._tokens and not self.eof
                and self.charpos < len(self.buf) and self._parse1.__func__ is PSBaseParser._parse_main):  # type: ignore[attr-defined]
            m = _TOKEN.match(self.buf, self.charpos)
            kind = m.lastgroup if m is not None else None
            if m is not None and kind is not None:
                start = m.start(kind)
                if kind == "open":
                    array = _array(self.buf, m.end())
                    if array is not None:
                        self.charpos = array[1]
                        return self.bufpos + start, array[0]
                value = _value(m)
                if value is not None:
                    self.charpos = m.end()
                    # A name, string or hex string starts at its delimiter.
                    return self.bufpos + (start if kind in ("int", "float", "keyword") else start - 1), value
        return super().nextobject()


class Operators(dict[PSKeyword, "tuple[Any, int] | None"]):
    """An interpreter's method for each operator and its operand count,
    looked up once per interpreter: pdfminer's `execute` looks them up at
    every operator (a format, three replaces, a getattr and a code attribute
    each time). None for an operator the interpreter does not know."""

    def __init__(self, interp: Any):
        super().__init__()
        self.interp = interp

    def __missing__(self, kw: PSKeyword) -> tuple[Any, int] | None:
        name = keyword_name(kw)
        func = getattr(self.interp, "do_" + name.replace("*", "_a").replace('"', "_w").replace("'", "_q"), None)
        entry = None if func is None else (func, func.__code__.co_argcount - 1)
        self[kw] = entry
        return entry


def execute(interp: Any, streams: list[Any]) -> None:
    """pdfminer's `PDFPageInterpreter.execute`, step for step (the streams
    that would form a cycle skipped, an unknown operator ignored unless
    pdfminer is strict, an operator short of operands skipped), with
    `ContentParser` and `Operators`."""
    valid: list[PDFStream] = []
    interp.stream_ids.clear()
    for obj in streams:
        stream = stream_value(obj)
        if stream.objid is None:
            log.warning("Execute called on non-indirect object (inline image?) %r", stream)
        elif stream.objid in interp.parent_stream_ids:
            log.warning("Refusing to execute circular reference to content stream %d", stream.objid)
        else:
            valid.append(stream)
            interp.stream_ids.add(stream.objid)
    try:
        parser = ContentParser(valid)
    except PSEOF:
        return  # an empty page
    ops = Operators(interp)
    push, nextobject = interp.push, parser.nextobject
    while True:
        try:
            _, obj = nextobject()
        except PSEOF:
            break
        if not isinstance(obj, PSKeyword):
            push(obj)
            continue
        entry = ops[obj]
        if entry is None:
            if settings.STRICT:
                raise PDFInterpreterError(f"Unknown operator: {keyword_name(obj)!r}")
            continue
        func, nargs = entry
        if not nargs:
            func()
            continue
        args = interp.pop(nargs)
        if len(args) == nargs:
            func(*args)
