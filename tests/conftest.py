"""Shared test set-up: where the real documents live, and the repository root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_0ab521027ec415e7.txt"


def shared_data() -> Path:
    """../shared/data beside the checkout (or LAKMOES_SHARED_DATA)."""
    env = os.environ.get("LAKMOES_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


@pytest.fixture(scope="module")
def seed_doc():
    """The seed release taken through the text checks (without OCR correction)."""
    from test_removals import prepared

    from checks.text import removals

    doc = prepared(SEED)
    removals.check_document(doc)
    return doc


@pytest.fixture
def real_data() -> Path:
    path = shared_data()
    if not path.is_dir():
        pytest.skip(f"real documents not available at {path}")
    return path


def through_parse(doc):
    """A document taken through the real stages up to parse, as a run takes
    it before its checks (without OCR correction)."""
    from flows.model import RunOptions, StageContext
    from flows.stages.classify import classify
    from flows.stages.normalise import normalise
    from flows.stages.parse import parse
    from flows.stages.split import split

    ctx = StageContext(RunOptions())
    normalise(doc)
    split(doc)
    classify(doc, ctx)
    parse(doc, ctx)
    return doc


def release_flow_runs() -> int:
    """How many runs of the release flow the configured Prefect server holds."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        return client.count_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["lakmoes-release"])))


def latest_release_logs() -> list[str]:
    """The log messages the Prefect server holds from the latest run of the
    release flow itself (not from its tasks)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        (latest,) = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["lakmoes-release"])),
                                          sort=FlowRunSort.START_TIME_DESC, limit=1)
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[latest.id])))
    return [log.message for log in logs if log.task_run_id is None]


def latest_release_artifacts() -> list[str]:
    """The keys of the artifacts the latest run of the release flow created
    on the configured Prefect server."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, FlowFilter, FlowFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        (latest,) = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["lakmoes-release"])),
                                          sort=FlowRunSort.START_TIME_DESC, limit=1)
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[latest.id])))
    return sorted(a.key for a in artifacts if a.key)


def document_task_runs() -> list[str]:
    """The names of the document tasks (read, finish) of the latest run of
    the release flow on the configured Prefect server."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        (latest,) = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["lakmoes-release"])),
                                          sort=FlowRunSort.START_TIME_DESC, limit=1)
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[latest.id])))
    return sorted(t.name for t in tasks if t.name.startswith(("read-", "finish-")))
