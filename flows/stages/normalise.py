"""Normalise: make the text comparable without losing where it came from.

Each rule is a function from text to a list of `Edit`s; `normalise` applies
them in order through `Document.apply_edits`, so page spans move with the
text and the raw text stays available next to it. Rules, in order:

1. Unicode NFC, so that "e" + combining acute and "é" are one letter;
2. ligatures (U+FB00..FB06) spelled out, because pdfminer passes them on;
3. soft hyphens removed, because they are invisible line-break hints;
4. hyphenation at line ends joined ("clus-\\nterbommen"), keeping the hyphen
   where the word is a hyphenated compound ("NAVO-\\nverband");
5. whitespace: one kind of space, single spaces, no spaces at line ends or
   starts, line ends as "\\n", at most one blank line in a row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from flows.model import Document, Edit, apply_text_edits

Rule = Callable[[str], list[Edit]]

_COMBINING_RUN = re.compile(r".[\u0300-\u036f\u1ab0-\u1aff\u20d0-\u20ff]+", re.DOTALL)


def nfc(text: str) -> list[Edit]:
    """Only runs with combining marks can change under NFC."""
    out = []
    for m in _COMBINING_RUN.finditer(text):
        composed = unicodedata.normalize("NFC", m.group(0))
        if composed != m.group(0):
            out.append(Edit(m.start(), m.end(), composed))
    return out


_LIGATURES = re.compile("[\ufb00-\ufb06]")


def ligatures(text: str) -> list[Edit]:
    return [Edit(m.start(), m.end(), unicodedata.normalize("NFKC", m.group(0))) for m in _LIGATURES.finditer(text)]


def soft_hyphens(text: str) -> list[Edit]:
    return [Edit(m.start(), m.end(), "") for m in re.finditer("\u00ad+", text)]


_LINE_END_HYPHEN = re.compile(r"(?<=[^\W\d_])([-\u2010\u2011])[ \t]*\r?\n[ \t]*(?=[^\W\d_])")
_WORD_BEFORE = re.compile(r"[^\W\d_]+$")
_WORD_AFTER = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _known_word() -> Callable[[str], bool]:
    """Dutch word list from wordfreq (it ships its data in the package)."""
    from wordfreq import zipf_frequency

    return lambda w: zipf_frequency(w, "nl") > 1.0


def dehyphenate(text: str) -> list[Edit]:
    """Join a word broken at a line end. The hyphen goes when the joined word
    is a known Dutch word and both halves are lower case; otherwise the
    hyphen stays, since Dutch writes many compounds with one."""
    out = []
    for m in _LINE_END_HYPHEN.finditer(text):
        before = _WORD_BEFORE.search(text, max(0, m.start() - 64), m.start())
        after = _WORD_AFTER.match(text, m.end())
        left = before.group(0) if before else ""
        right = after.group(0) if after else ""
        drop = left[-1:].islower() and right[:1].islower() and _known_word()((left + right).lower())
        out.append(Edit(m.start(), m.end(), "" if drop else m.group(1)))
    return out


_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_BREAKS = re.compile(r"\r\n|[\n\r\f\v\u2028\u2029\x85]")
_WS_RUN = re.compile(rf"[\s{_ZERO_WIDTH}]+")
# The runs `whitespace` may change: every run but a lone space between two
# words, the commonest by far, which stays as it is.
_WS_RUN_TO_EDIT = re.compile(rf"[\s{_ZERO_WIDTH}]{{2,}}|[^\S ]|[{_ZERO_WIDTH}]|\A |\ \Z")


def whitespace(text: str) -> list[Edit]:
    """Each run of white space becomes one space, or a line end, or one
    blank line at most; zero-width characters vanish. Runs are handled whole
    so that edits never overlap."""
    edits = []
    for m in _WS_RUN_TO_EDIT.finditer(text):
        run = m.group(0)
        breaks = len(_BREAKS.findall(run))
        if m.start() == 0 or m.end() == len(text):
            new = ""
        elif breaks:
            new = "\n" * min(2, breaks)
        elif run.strip(_ZERO_WIDTH) == "":
            new = ""
        else:
            new = " "
        if new != run:
            edits.append(Edit(m.start(), m.end(), new))
    return edits


RULES: tuple[Rule, ...] = (nfc, ligatures, soft_hyphens, whitespace, dehyphenate)


def normalise(doc: Document) -> None:
    """Apply every rule to the document's text in order."""
    for rule in RULES:
        doc.apply_edits(rule(doc.text))


def normalise_text(raw: str) -> str:
    """The same rules on a bare string (for `lakmoes normalise`)."""
    text = raw
    for rule in RULES:
        text, _ = apply_text_edits(text, rule(text))
    return text
