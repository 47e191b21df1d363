"""The `lakmoes` command line: what the README promises of it, and clear errors before work is wasted."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SEED

from flows.cli.main import _parser


def _lakmoes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_readme_usage_lines_name_the_options_the_parser_has() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    usage = dict(re.findall(r"^    lakmoes (\w+) (.*)$", readme, re.MULTILINE))
    commands = _parser()._subparsers._group_actions[0].choices
    assert set(usage) == set(commands)
    for name, line in usage.items():
        documented = set(re.findall(r"--[\w-]+", line))
        actual = {o for a in commands[name]._actions for o in a.option_strings if o.startswith("--")} - {"--help"}
        assert documented == actual, name


def test_output_folder_that_cannot_be_written_is_refused_before_any_document_is_read(tmp_path: Path) -> None:
    out = tmp_path / "a-file"
    out.write_text("not a folder")
    run = _lakmoes("run", str(SEED), "--out", str(out / "published"))
    assert run.returncode == 1
    assert f"cannot write to {out / 'published'}" in run.stderr
    assert "Prefect" not in run.stderr + run.stdout  # refused before the flow started


def test_normalise_log_that_cannot_be_written_is_an_error(tmp_path: Path) -> None:
    run = _lakmoes("normalise", str(SEED), "--log", str(tmp_path / "missing" / "log.jsonl"))
    assert run.returncode == 1 and "cannot write" in run.stderr and "Traceback" not in run.stderr


def test_report_on_a_damaged_release_is_an_error(tmp_path: Path) -> None:
    release = tmp_path / "releases" / "r1"
    release.mkdir(parents=True)
    (release / "manifest.json").write_text("{not json")
    (tmp_path / "latest").symlink_to(release)
    run = _lakmoes("report", str(tmp_path))
    assert run.returncode == 1 and "damaged" in run.stderr and "Traceback" not in run.stderr
