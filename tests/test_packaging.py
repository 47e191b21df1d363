"""An installed lakmoes (a wheel, not the source tree) carries every data file it reads."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch

from conftest import ROOT


def test_every_data_file_of_the_packages_is_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    missing = [
        str(f.relative_to(ROOT))
        for package, globs in patterns.items()
        for f in (ROOT / package).rglob("*")
        if f.is_file() and f.suffix not in (".py", ".pyc")
        and not any(fnmatch(str(f.relative_to(ROOT / package)), g) for g in globs)
    ]
    assert missing == []
