"""Reading a PDF's objects and its pages' content streams: pdfminer.six's
own parsers, with a fast path for the tokens that make up nearly all of
them.

pdfminer's tokenizer is a character-level state machine: every number,
name and operator goes through a regular-expression search per state and a
token queue, each step logged at debug level, and its content parser then
pushes, flushes and queues every operand again. On the bench's
born-digital pages that was a fifth of a document worker's time.
`FastTokens.nexttoken` reads a token that stands whole in the buffer with
one match of one pattern, and returns what pdfminer's tokenizer returns:
the same token at the same position. `ContentParser.nextobject` does the
same one step up, for an operand, an operator or a plain array (a `TJ`'s)
at the top level. Anything else (names with `#` escapes, strings with
nested parentheses, comments, inline images, a token cut by the buffer's
or the stream's end) goes to pdfminer's own state machine, which is left
in the state it expects: the fast path is taken only between tokens, with
nothing queued. `tests/test_content_parser.py` compares both token for
token and object for object.
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast

from pdfminer import settings
from pdfminer.pdfinterp import PDFContentParser, PDFInterpreterError
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFStream, stream_value
from pdfminer.psexceptions import PSEOF
from pdfminer.psparser import (
    ESC_STRING,
    HEX_PAIR,
    KEYWORD_ARRAY_BEGIN,
    KEYWORD_ARRAY_END,
    KEYWORD_DICT_BEGIN,
    KEYWORD_DICT_END,
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
    | (?P<dict_begin><<)
    | (?P<dict_end>>>)
    | <(?P<hex>[0-9A-Fa-f\s]*+)>(?=[^>])
    | (?P<array_begin>\[)
    | (?P<array_end>\])
    )""",
    re.VERBOSE,
)
_STRUCTURE = {"dict_begin": KEYWORD_DICT_BEGIN, "dict_end": KEYWORD_DICT_END,
              "array_begin": KEYWORD_ARRAY_BEGIN, "array_end": KEYWORD_ARRAY_END}
# Tokens whose position is that of the delimiter before the group.
_DELIMITED = ("name", "string", "hex")

# A backslash escape in a literal string, read as pdfminer reads it: up to
# three octal digits, a named escape, a line break that continues the
# string (dropped), or any other character (dropped with its backslash).
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n)|([\s\S]))")

# Operators after which pdfminer's content parser reads an inline image's
# data itself: `ContentParser.nextobject` leaves them to it.
_INLINE_IMAGE = (KWD(b"BI"), KWD(b"ID"))


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


def _token(m: re.Match[bytes], kind: str) -> Any:
    """The token pdfminer's tokenizer makes of what `m` matched, or None for
    one it fails on (left to it)."""
    raw = m.group(kind)
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind == "keyword":
        return True if raw == b"true" else False if raw == b"false" else KWD(raw)
    if kind == "name":
        try:
            return LIT(str(raw, "utf-8"))
        except UnicodeDecodeError:
            return LIT(raw)
    if kind == "string":
        if b"\\" not in raw:
            return raw
        try:
            return _ESCAPE.sub(_unescape, raw)
        except _Unreadable:
            return None
    if kind == "hex":
        return HEX_PAIR.sub(lambda h: bytes((int(h.group(0), 16),)), SPC.sub(b"", raw))
    return _STRUCTURE[kind]


def _kind(m: re.Match[bytes]) -> str:
    """Which alternative of `_TOKEN` matched (one always does)."""
    return cast(str, m.lastgroup)


def _position(m: re.Match[bytes], kind: str) -> int:
    return m.start(kind) - 1 if kind in _DELIMITED else m.start(kind)


def _item(m: re.Match[bytes], kind: str) -> Any:
    """`_token`, or None for a token that builds or ends a structure or
    starts an inline image: the fast path of `nextobject` takes only
    tokens pdfminer's `nextobject` hands on as they are."""
    if kind in _STRUCTURE:
        return None
    value = _token(m, kind)
    return None if kind == "keyword" and value in _INLINE_IMAGE else value


def _array(buf: bytes, i: int) -> tuple[list[Any], int] | None:
    """The items of an array whose `[` ends at `i` and whose items are all
    plain tokens (a `TJ` array: most of a real PDF's text), and where it
    ends; None for any other array (nested, holding a dictionary), or one
    the buffer cuts, left to pdfminer."""
    items: list[Any] = []
    while True:
        m = _TOKEN.match(buf, i)
        if m is None:
            return None
        kind = _kind(m)
        if kind == "array_end":
            return items, m.end()
        value = _item(m, kind)
        if value is None:
            return None
        items.append(value)
        i = m.end()


class FastTokens(PSBaseParser):
    """pdfminer's tokenizer with the fast path: a token that stands whole in
    the buffer, between tokens, with none queued, in one match."""

    def _match(self) -> re.Match[bytes] | None:
        """`_TOKEN` matched at the current position, when pdfminer's state
        allows the fast path: between tokens, none queued, in the buffer."""
        if (self._tokens or self.eof or self.charpos >= len(self.buf)
                or self._parse1.__func__ is not PSBaseParser._parse_main):  # type: ignore[attr-defined]
            return None
        return _TOKEN.match(self.buf, self.charpos)

    def nexttoken(self) -> tuple[int, Any]:
        if (m := self._match()) is not None:
            kind = _kind(m)
            token = _token(m, kind)
            if token is not None:
                self.charpos = m.end()
                return self.bufpos + _position(m, kind), token
        return super().nexttoken()


class DocumentParser(FastTokens, PDFParser):
    """pdfminer's parser of a PDF file's objects, with the fast tokenizer:
    its dictionaries (pages, fonts, resources) are read token by token."""


class ContentParser(FastTokens, PDFContentParser):
    """pdfminer's content parser with the fast tokenizer, and the same fast
    path one step up: an operand, an operator or a plain array at the top
    level is handed on in one step, as pdfminer's `nextobject` would hand
    it on after pushing, flushing and queueing it."""

    def nextobject(self) -> tuple[int, Any]:
        if not self.results and not self.context and (m := self._match()) is not None:
            kind = _kind(m)
            if kind == "array_begin":
                array = _array(self.buf, m.end())
                if array is not None:
                    self.charpos = array[1]
                    return self.bufpos + _position(m, kind), array[0]
            value = _item(m, kind)
            if value is not None:
                self.charpos = m.end()
                return self.bufpos + _position(m, kind), value
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
