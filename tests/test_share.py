"""`checks.quality.share`: jobs shared with a forked helper. Each test runs
in a process of its own, single-threaded as the quality process is (this
one runs other tests' threads, and `shared` does not fork beside them)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

PRELUDE = ("import json, os, time\nfrom checks.quality.share import shared\nparent = os.getpid()\n"
           "def mine(share):\n"
           "    out = {}\n"
           "    for i in share:\n"
           "        time.sleep(0.05); out[i] = os.getpid()\n"
           "    return out\n")


def _run(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PRELUDE + code], capture_output=True, text=True, cwd=ROOT,
                          check=True, timeout=120)
    return json.loads(done.stdout)


def test_jobs_are_shared_between_this_process_and_a_forked_helper() -> None:
    out = _run("r = shared(12, mine); print(json.dumps({'parent': parent, 'by': r}))")
    by = out["by"]
    assert sorted(map(int, by)) == list(range(12))
    assert len(set(by.values())) == 2 and out["parent"] in by.values()


def test_without_a_helper_every_job_runs_here() -> None:
    out = _run("r = shared(6, mine, helper=False); print(json.dumps({'parent': parent, 'by': r}))")
    assert set(out["by"].values()) == {out["parent"]} and len(out["by"]) == 6


def test_no_fork_beside_another_thread() -> None:
    """A fork copies only the calling thread: with another one running,
    every job is done here."""
    out = _run("import threading; stop = threading.Event(); threading.Thread(target=stop.wait).start(); "
               "r = shared(6, mine); stop.set(); print(json.dumps({'parent': parent, 'by': r}))")
    assert set(out["by"].values()) == {out["parent"]} and len(out["by"]) == 6


def test_a_helper_that_dies_leaves_its_jobs_to_this_process() -> None:
    code = ("def dying(share):\n"
            "    out = {}\n"
            "    for i in share:\n"
            "        if os.getpid() != parent: os._exit(3)\n"
            "        time.sleep(0.05); out[i] = os.getpid()\n"
            "    return out\n"
            "r = shared(8, dying); print(json.dumps({'parent': parent, 'by': r}))")
    out = _run(code)
    assert sorted(map(int, out["by"])) == list(range(8)) and set(out["by"].values()) == {out["parent"]}


def test_an_error_in_a_job_is_raised_here_whichever_process_took_it() -> None:
    code = ("def failing(share):\n"
            "    out = {}\n"
            "    for i in share:\n"
            "        time.sleep(0.05)\n"
            "        if i == 5: raise ValueError('job 5')\n"
            "        out[i] = os.getpid()\n"
            "    return out\n"
            "try:\n"
            "    shared(10, failing)\n"
            "except ValueError as e:\n"
            "    print(json.dumps({'raised': str(e), 'pid': os.getpid() == parent}))\n")
    assert _run(code) == {"raised": "job 5", "pid": True}
