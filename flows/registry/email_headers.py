"""The registry of e-mail header fields in Dutch and English, the other
header labels that only end a value, the lines that introduce a quoted
message, and the reply/forward prefixes of subjects (`email_headers.toml`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from flows.registry.loader import read_toml


@dataclass(frozen=True)
class HeaderField:
    name: str  # canonical: sender, recipients, cc, bcc, subject, sent, attachments; "other" for labels not kept
    labels: tuple[str, ...]
    kind: str  # one | list | text | date | files | other

    @property
    def kept(self) -> bool:
        return self.kind != "other"


@dataclass(frozen=True)
class EmailHeaders:
    fields: tuple[HeaderField, ...]  # the fields kept, in the emails table's order
    other: HeaderField  # header labels not kept (Urgentie, Importance ...): they only end a value
    separators: tuple[str, ...]  # "Original Message", "Oorspronkelijk bericht" ...
    intros: tuple[re.Pattern[str], ...]  # "Op ... schreef ...:", "On ... wrote:"
    reply_prefixes: tuple[str, ...]  # RE, Antw, FW ...

    def field(self, name: str) -> HeaderField:
        return next(f for f in self.fields if f.name == name)


@cache
def email_headers() -> EmailHeaders:
    data = read_toml("email_headers.toml")
    return EmailHeaders(
        fields=tuple(HeaderField(f["name"], tuple(f["labels"]), f["kind"]) for f in data["field"]),
        other=HeaderField("other", tuple(data["other"]["labels"]), "other"),
        separators=tuple(data["quote"]["separators"]),
        intros=tuple(re.compile(p, re.IGNORECASE) for p in data["quote"]["intros"]),
        reply_prefixes=tuple(data["subject"]["reply_prefixes"]),
    )
