"""Masking and hashing of personal data, so that a detected leak is never
shown in clear: not in logs, console output, tables or reports.

The hash is salted so that a published hash cannot be reversed by hashing a
list of candidate names; the salt is per installation (LAKMOES_SALT, or a
file created once under the user's state directory), so repeats of the same
value still hash the same across runs and releases of one installation.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from functools import lru_cache
from pathlib import Path


def _salt_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "lakmoes" / "salt"


@lru_cache(maxsize=1)
def salt() -> bytes:
    env = os.environ.get("LAKMOES_SALT")
    if env:
        return env.encode()
    path = _salt_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: when workers start together on a fresh installation, exactly
    # one creates the salt and the others read it.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_salt(path)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_hex(16).encode())
    return path.read_bytes()


def _read_salt(path: Path) -> bytes:
    """Wait for a salt being written by another process."""
    for _ in range(100):
        value = path.read_bytes()
        if value:
            return value
        time.sleep(0.01)
    raise RuntimeError(f"salt file {path} stays empty")


def value_hash(value: str) -> str:
    """Salted sha256 of a value (whitespace and case folded), 16 hex digits:
    enough to count repeats, too short to be a useful fingerprint elsewhere."""
    norm = " ".join(value.split()).casefold()
    return hashlib.sha256(salt() + norm.encode("utf-8")).hexdigest()[:16]


def mask(value: str, kind: str = "") -> str:
    """A rendering that shows the shape of a value but not the value.

    E-mail keeps its domain (the organisation is not personal), numbers keep
    their last two digits, words keep their first letter."""
    if kind == "email" and "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}{'*' * max(2, len(local) - 1)}@{domain}"
    if kind in {"phone", "bsn", "iban"}:
        digits = [i for i, ch in enumerate(value) if ch.isalnum()]
        keep = set(digits[-2:]) | ({digits[0], digits[1]} if kind == "iban" and len(digits) > 4 else set())
        return "".join(ch if (i in keep or not ch.isalnum()) else "*" for i, ch in enumerate(value))
    out = []
    for word in value.split(" "):
        out.append(word[:1] + "*" * (len(word) - 1) if len(word) > 1 else word)
    return " ".join(out)
