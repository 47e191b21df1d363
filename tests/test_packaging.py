"""An installed lakmoes (a wheel, not the source tree) carries every data file it reads."""

from __future__ import annotations

import glob
import tomllib

from conftest import ROOT


def test_every_data_file_of_the_packages_is_package_data() -> None:
    """setuptools globs package data relative to the package: `*` does not cross a folder, `**` does."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    missing = []
    for package, globs in patterns.items():
        shipped = {f for g in globs for f in glob.glob(g, root_dir=ROOT / package, recursive=True)}
        missing += [
            str(f.relative_to(ROOT))
            for f in (ROOT / package).rglob("*")
            if f.is_file() and f.suffix not in (".py", ".pyc") and str(f.relative_to(ROOT / package)) not in shipped
        ]
    assert missing == []
