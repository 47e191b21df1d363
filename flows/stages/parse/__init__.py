"""The parse stage: each document type with a structure has its parser
(`kamervragen`, `memo`, `emails`, ...), chosen by the type the classify stage gave
the part (flows/registry/document_types.toml)."""

from __future__ import annotations

from collections.abc import Callable

from flows.model import Document, Part, StageContext
from flows.stages.parse.decision import parse_decision
from flows.stages.parse.emails import parse_emails
from flows.stages.parse.inventory import parse_inventory
from flows.stages.parse.kamervragen import parse_kamervragen
from flows.stages.parse.memo import parse_memo

PARSERS: dict[str, Callable[[Document, Part], None]] = {
    "kamervragen_antwoorden": parse_kamervragen,
    "memo": parse_memo,
    "email": parse_emails,
    "inventory_list": parse_inventory,
    "woo_decision": parse_decision,
}


def parse(doc: Document, ctx: StageContext) -> None:
    """Parse every part whose type has a parser; other parts keep their text only."""
    for part in doc.parts:
        if parser := PARSERS.get(part.document_type or ""):
            parser(doc, part)
