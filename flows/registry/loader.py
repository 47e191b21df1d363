"""The one reader of the registries: TOML files shipped beside their
loaders in this package, so that a registry is data, reviewed like code."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def read_toml(name: str) -> dict[str, Any]:
    """A registry file of this package, parsed."""
    return tomllib.loads((HERE / name).read_text(encoding="utf-8"))
