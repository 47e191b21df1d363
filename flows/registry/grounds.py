"""The registry of Woo/Wob grounds, and parsing of ground codes as they are
spelled in the wild.

The registry is data (`grounds.toml`); this module only reads it
and knows the spellings of codes: `5.1.2e`, `5.1.2.e`, `5.1.2 e`,
`art. 5.1 lid 2 sub e`, `art. 5.1, tweede lid, onder e`, `artikel 5.1, tweede
lid, aanhef en onder e`, `10.2.e`, several codes joined with `;` or `,`,
several letters under one paragraph (`onder e en i`), and OCR damage to
digits (`5.l.2e`, `S.1.2e`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property

from flows.registry.loader import read_toml


@dataclass(frozen=True)
class Ground:
    code: str
    law: str  # "Woo" | "Wob"
    kind: str  # "absolute" | "relative" | "other"
    label: str
    aliases: tuple[str, ...] = ()
    fits: tuple[str, ...] = ()  # personal-data kinds this ground is right for

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class Registry:
    grounds: dict[str, Ground]
    withheld_headings: tuple[str, ...]
    withheld_stamps: tuple[str, ...]  # stamps that withhold text without a Woo ground
    citation_words: tuple[str, ...]  # words before a code that make it a citation
    label_max_words: int  # more words beside a label on its line make it a citation

    @cached_property
    def label_index(self) -> list[tuple[str, Ground]]:
        """Every label and alias with its ground, longest first so that a
        longer label wins over one it contains (made once: every text is
        searched for every label)."""
        pairs = [(label, g) for g in self.grounds.values() for label in g.labels]
        # A label shared by a Woo and a Wob ground maps to the Woo one: the
        # Woo replaced the Wob, and the code, where present, decides anyway.
        seen: dict[str, Ground] = {}
        for label, g in pairs:
            key = label.casefold()
            if key not in seen or (seen[key].law == "Wob" and g.law == "Woo"):
                seen[key] = g
        return sorted(((lbl, g) for lbl, g in pairs if seen[lbl.casefold()] is g), key=lambda p: -len(p[0]))


@cache
def registry() -> Registry:
    data = read_toml("grounds.toml")
    grounds = {
        g["code"]: Ground(
            code=g["code"],
            law=g["law"],
            kind=g["kind"],
            label=g["label"],
            aliases=tuple(g.get("aliases", ())),
            fits=tuple(g.get("fits", ())),
        )
        for g in data["ground"]
    }
    return Registry(
        grounds=grounds,
        withheld_headings=tuple(data["withheld"]["headings"]),
        withheld_stamps=tuple(data["withheld"]["stamps"]),
        citation_words=tuple(data["citation"]["before"]),
        label_max_words=int(data["citation"]["label_max_words"]),
    )


# --------------------------------------------------------------------------
# Code spellings

# OCR confuses these glyphs with the digits of a code.
_5 = r"[5S]"
_1 = r"[1lI|]"
_0 = r"[0Oo]"
_ORD = {"eerste": "1", "tweede": "2", "derde": "3", "vierde": "4", "vijfde": "5"}
_LID = rf"(?:(?:lid|Iid)\s*(?P<lidn>[1-5])|(?P<lidw>{'|'.join(_ORD)})\s+lid)"
# (Spaces inside a verbose pattern are ignored: "aanhef en onder" is spelt
# with \s+.)
_LETTER = r"(?:\s*[.,]?\s*(?:sub|onder|letter|aanhef\s+en\s+(?:onder|sub))?\s*(?P<letter>[a-i])(?![a-z]))"
# A letter no ground has ("5.1.2k"), taken only when written against the
# digits, so that a malformed code is reported instead of read as "5.1.2".
_BADLETTER = r"(?:\.?(?P<badletter>[j-z])(?![A-Za-z]))"

CODE_RE = re.compile(
    rf"""
    (?P<art>(?:art(?:ikel|\.)?\s*)?)
    (?:
        (?P<woo>{_5}\s*[.,]\s*(?P<wooart>[12]|[lI|]))          # 5.1 / 5.2
      | (?P<wob>{_1}{_0}|{_1}{_1})(?![0-9])                     # 10 / 11
    )
    (?:
        \s*[.,]?\s*{_LID}
      | \s*[.,]\s*(?P<lidd>[1-5lI|])(?![0-9])
      | \s+(?P<lids>[1-5])(?=\s*[.,]?\s*[a-i](?![a-z]))
    )?
    (?:{_LETTER}|{_BADLETTER})?
    """,
    re.VERBOSE,
)

# What every match of CODE_RE holds: the digits of an article of the Woo
# ("5.1", OCR-damaged "S,l") or of the Wob ("10", "11"). Text without it
# holds no code, and most text is without it: a quick search for it spares
# the full pattern's work on every word and line that cannot hold a code.
_CODE_CORE = re.compile(r"[5S]\s*[.,]\s*[12lI|]|[1lI|][0Oo1lI|]")


def may_hold_code(text: str) -> bool:
    """False when `text` holds no ground code for certain (True does not
    say it holds one)."""
    return _CODE_CORE.search(text) is not None


# More letters under the same paragraph: "onder e en i", "sub e, g en i".
_MORE_LETTERS = re.compile(r"(?:\s*,\s*(?:(?:en|of)\s+)?|\s+(?:en|of|en/of)\s+)(?:(?:sub|onder)\s+)?(?P<letter>[a-i])(?![A-Za-z0-9])")

_DIGIT_FIX = str.maketrans({"S": "5", "l": "1", "I": "1", "|": "1", "O": "0", "o": "0"})


@dataclass(frozen=True)
class CodeMatch:
    start: int
    end: int
    text: str
    code: str  # canonical spelling, e.g. "5.1.2e"; may be unknown to the registry
    known: bool
    exact: bool  # False when OCR-confusable glyphs had to be read as digits
    explicit: bool  # preceded by "art."/"artikel" or carrying a letter


def _canonical(m: re.Match[str]) -> tuple[str, bool]:
    lid = m.group("lidn") or _ORD.get((m.group("lidw") or "").lower()) or m.group("lidd") or m.group("lids")
    lid = lid.translate(_DIGIT_FIX) if lid else None
    letter = m.group("letter") or m.group("badletter")
    if m.group("woo"):
        art = "5." + m.group("wooart").translate(_DIGIT_FIX)
        # Article 5.2 is one ground whatever its paragraph ("artikel 5.2,
        # eerste lid": personal policy views).
        code = art if art == "5.2" else art + (f".{lid}" if lid else "") + (letter or "")
    else:
        art = m.group("wob").translate(_DIGIT_FIX)
        code = art + (f".{lid}" if lid else "") + (f".{letter}" if letter else "")
    numeric = "".join(m.group(g) or "" for g in ("woo", "wob", "lidd"))
    exact = not re.search(r"[SlI|Oo]", numeric)
    return code, exact


def find_codes(text: str, *, bare: bool = False) -> list[CodeMatch]:
    """Every ground code in `text`, known or not.

    A code without a letter ("5.2", "11.1", "5.1.5") is taken only when it is
    introduced by "art."/"artikel" or stands with "Woo"/"Wob" next to it,
    because bare numbers like "5.2" are common in ordinary text; `bare`
    takes it anyway, for text that holds nothing but grounds (the grounds
    column of an inventory list).

    Letters that follow a code's letter under the same paragraph ("onder e
    en i") are codes of their own; each spans from the code's start to its
    letter, so that a citation is recognised as one for all of them."""
    if not may_hold_code(text):
        return []
    reg = registry()
    out: list[CodeMatch] = []
    for m in CODE_RE.finditer(text):
        if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in ".,"):
            continue
        end = m.end()
        if end < len(text) and text[end].isdigit():
            continue
        code, exact = _canonical(m)
        has_letter = bool(m.group("letter") or m.group("badletter"))
        introduced = bool(m.group("art").strip())
        near = text[max(0, m.start() - 12) : min(len(text), end + 12)]
        with_law = bool(re.search(r"\bWo[ob]\b", near))
        if not (has_letter or introduced or with_law or bare):
            continue
        # "5.1.2" (a paragraph that needs a letter) is malformed, not absent.
        out.append(
            CodeMatch(
                start=m.start(),
                end=end,
                text=m.group(0),
                code=code,
                known=code in reg.grounds,
                exact=exact,
                explicit=has_letter or introduced,
            )
        )
        if m.group("letter"):
            base = code[: -len(m.group("letter"))]
            pos = end
            while more := _MORE_LETTERS.match(text, pos):
                pos = more.end()
                extra = base + more.group("letter")
                out.append(CodeMatch(m.start(), pos, text[m.start() : pos], extra, extra in reg.grounds, exact, True))
    return out
