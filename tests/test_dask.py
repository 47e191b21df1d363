"""`lakmoes run --dask`: the documents of a release worked on a real Dask
cluster (a scheduler and two worker processes on the loopback address),
published row for row as the run's own worker processes publish them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEED
from test_classify import GAZETTE, KAMERBRIEF
from test_ops import prefect_api, tables_text  # noqa: F401 - the module's Prefect test server

from flows.model import RunOptions
from flows.run.flow import run

pytest.importorskip("prefect_dask")

sys.path.insert(0, str(ROOT / "bench"))
from release_generate import bundle_pdf


def test_release_on_a_dask_cluster_has_the_rows_of_the_single_machine_release(prefect_api, tmp_path: Path) -> None:  # noqa: F811
    from distributed import LocalCluster

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for source in SEED.parent.iterdir():  # the seed: text, born-digital answers, scanned beslisnota
        shutil.copy(source, corpus / source.name)
    bundle_pdf([(GAZETTE, False), (KAMERBRIEF, False)], corpus / "bundel.pdf")
    bundle_pdf([(KAMERBRIEF, False)], corpus / "kamerbrief.pdf")

    single = run([corpus], RunOptions(out=tmp_path / "single", workers=2))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert len(cluster.workers) == 2
        spread = run([corpus], RunOptions(out=tmp_path / "dask", workers=2, dask=cluster.scheduler_address))
    assert single.exit_code == spread.exit_code == 0, (single.message, spread.message)
    assert tables_text(tmp_path / "dask" / "latest") == tables_text(tmp_path / "single" / "latest")
