"""The README's stage list, exit statuses and table reference are the ones
the code defines (flows/run/stages.py, flows/model/errors.py,
flows/model/tables.py), and its architecture section names every folder."""

import pytest
from conftest import ROOT

from flows.cli.docs import SECTIONS, section
from flows.run.stages import STAGES

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_readme_section_is_the_one_the_code_generates(name: str) -> None:
    assert section(README, name).strip() == SECTIONS[name]().strip()


def test_every_stage_lives_where_the_stage_list_says() -> None:
    for stage in STAGES:
        assert (ROOT / stage.where).exists(), stage.name


def test_architecture_section_names_every_package_folder() -> None:
    arch = README.split("## How it works", 1)[1].split("\n## ", 1)[0]
    # `flows/` itself holds nothing but its sub-packages.
    folders = {p.parent.relative_to(ROOT).as_posix() for top in ("flows", "checks")
               for p in (ROOT / top).rglob("__init__.py")} - {"flows"}
    missing = sorted(f for f in folders if f"`{f}/`" not in arch)
    assert not missing
