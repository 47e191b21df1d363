"""The local Prefect server `lakmoes serve` starts when no Prefect API is
configured: Prefect's own `prefect server start`, bound to the loopback
address, with its database and log under lakmoes' state directory, and
stopped (its whole process group) when `serve` ends.

Nothing here imports Prefect: the command sets `PREFECT_API_URL` to this
server before Prefect reads its settings.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def state_dir() -> Path:
    """lakmoes' state directory (`$XDG_STATE_HOME/lakmoes`, by default
    `~/.local/state/lakmoes`), where the salt also lives."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "lakmoes"


def healthy(api: str) -> bool:
    """Whether the Prefect API at `api` answers its health check."""
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


# Written in the server's home while it answers, removed when it stops.
API_FILE = "api-url"


def running_server(home: Path) -> str | None:
    """The API URL of the server `local_server` keeps in `home` (the one
    `lakmoes serve` started), when it answers; otherwise None. A `lakmoes
    run` uses it instead of starting a temporary server of its own."""
    try:
        api = (home / API_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return api if api.startswith("http://127.0.0.1:") and healthy(api) else None


@contextlib.contextmanager
def local_server(home: Path, port: int, timeout: float = 240.0) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1:`port` with PREFECT_HOME
    `home` (its SQLite database is `home/prefect.db`); yield its API URL
    once it answers, and name it in `home/api-url` meanwhile; stop it on
    exit."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    api = f"http://127.0.0.1:{port}/api"
    with (home / "server.log").open("ab") as log:
        # A session of its own: the server runs uvicorn in a child process,
        # and the whole group is stopped together.
        server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                   "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not healthy(api):
            if server.poll() is not None:
                raise RuntimeError(f"the Prefect server stopped at its start (exit {server.returncode}); "
                                   f"see {home / 'server.log'}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not answer within {timeout:.0f} s; see {home / 'server.log'}")
            time.sleep(0.5)
        (home / API_FILE).write_text(api + "\n", encoding="utf-8")
        yield api
    finally:
        (home / API_FILE).unlink(missing_ok=True)
        stop(server)


def stop(server: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    """SIGTERM to the server's process group, SIGKILL after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, sig)
        try:
            server.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue
