"""`lakmoes serve`: the release flow served on a schedule with its own
local Prefect server, a run triggered through the Prefect API, and the
server stopped when serve ends."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, SEED, release_flow_runs

from flows.run.server import healthy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_starts_its_server_runs_releases_on_request_and_beside_it_and_stops_the_server(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    port, out, state = free_port(), tmp_path / "out", tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["XDG_STATE_HOME"] = str(state)
    with (tmp_path / "serve.log").open("wb") as log:
        serve = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--cron", "0 6 * * *", str(SEED),
                                  "--out", str(out), "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                                 stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api"
    try:
        with temporary_settings({PREFECT_API_URL: api}):
            deployment = None
            deadline = time.monotonic() + 300
            while deployment is None:
                assert serve.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "the deployment did not appear"
                if healthy(api):
                    with get_client(sync_client=True) as client:
                        found = client.read_deployments()
                    deployment = next((d for d in found if d.name == "lakmoes"), None)
                time.sleep(1)
            assert [s.schedule.cron for s in deployment.schedules] == ["0 6 * * *"]  # type: ignore[union-attr]
            flow_run = run_deployment("lakmoes-scheduled-release/lakmoes", timeout=600, poll_interval=2,
                                      as_subflow=False)
            assert flow_run.state is not None and flow_run.state.is_completed(), flow_run.state
            manifest = json.loads((out / "latest" / "manifest.json").read_text(encoding="utf-8"))
            assert [Path(i["path"]).name for i in manifest["inputs"]] == [SEED.name]
            assert (state / "lakmoes" / "prefect" / "prefect.db").is_file()  # the server's database is lakmoes' state

            # A `lakmoes run` beside serve, with no PREFECT_API_URL, runs its
            # flow on serve's server instead of starting a temporary one.
            before = release_flow_runs()
            done = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(SEED), "--out", str(tmp_path / "beside"),
                                   "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr
            assert release_flow_runs() == before + 1
    finally:
        serve.send_signal(signal.SIGTERM)  # how a service manager stops it
        serve.wait(120)
    assert serve.returncode == 0
    assert not healthy(api)  # the server went with it


def test_prefect_yaml_deploys_the_scheduled_flow_with_parameters_it_takes() -> None:
    import inspect

    import yaml
    from prefect.utilities.importtools import import_object

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = config["deployments"]
    flow = import_object(str(ROOT / deployment["entrypoint"]))
    assert flow.name == "lakmoes-scheduled-release"
    assert set(deployment["parameters"]) <= set(inspect.signature(flow.fn).parameters)
    assert [s["cron"] for s in deployment["schedules"]] == ["0 6 * * *"]
