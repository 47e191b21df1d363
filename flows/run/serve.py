"""Scheduled runs: the flow a deployment runs (`scheduled_release`, plain
parameters only, so that Prefect can store them, show them in the UI and
take them from `prefect.yaml`), and `serve_release`, which serves it with
Prefect's own serving on a cron schedule.

Each scheduled run is a `lakmoes run` of its own: the release flow with
its workers and its cache, so that a daily run over a growing corpus
redoes only the new and changed documents.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from prefect import flow
from prefect.deployments.runner import EntrypointType

from flows.model import RunOptions
from flows.model.errors import ExitCode
from flows.run.flow import run

DEPLOYMENT = "lakmoes"


@flow(name="lakmoes-scheduled-release", log_prints=False)
def scheduled_release(paths: list[str], out: str = "published", allow_findings: bool = False, workers: int = 0,
                      full: bool = False) -> str:
    """A release of the files and folders in `paths` into `out` (what
    `lakmoes run` does). The run fails when nothing could be published
    (exit status 1) or the quality gate stopped it (4); quarantined inputs
    leave it completed, as they leave `lakmoes run` with 3."""
    options = RunOptions(out=Path(out), allow_findings=allow_findings, full=full)
    if workers > 0:
        options = replace(options, workers=workers)
    outcome = run([Path(p) for p in paths], options)
    if outcome.exit_code in (ExitCode.FAILED, ExitCode.QUALITY):
        # The message is the report's headline sentence: counts and paths, no document text.
        raise RuntimeError(outcome.message)
    return outcome.message


def serve_release(paths: list[Path], out: Path, cron: str, allow_findings: bool = False, workers: int = 0) -> None:
    """Serve `scheduled_release` as the deployment `lakmoes-scheduled-release/lakmoes`
    on `cron`, until interrupted (Prefect pauses the schedule on the way out)."""
    scheduled_release.serve(
        name=DEPLOYMENT,
        cron=cron,
        parameters={"paths": [str(p.resolve()) for p in paths], "out": str(out.resolve()),
                    "allow_findings": allow_findings, "workers": workers},
        description="lakmoes release on a schedule (lakmoes serve)",
        # Runs import the flow by module, wherever lakmoes is installed.
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
