"""The scheduling commands of docs/operations.md run as written, as processes, on a Prefect server
the doc's own `prefect server start` runs on 127.0.0.1:4200:

- "3. Schedule it with `iopdir serve`" (and README's "Running it on a schedule"): `prefect config
  set …` points at it, `iopdir serve --cron … --timezone …` registers refresh/weekly-refresh with
  that schedule and serves it, `prefect deployment run refresh/weekly-refresh --watch` runs it to
  Completed, and README's `iopdir changes` then shows what it did;
- "4. Or deploy to a work pool": `prefect work-pool create …`, the `export …` line and `prefect
  deploy --all` register prefect.yaml's deployment on the pool, and `prefect worker start …` runs it.

Every crawl goes to the sources' stand-ins on 127.0.0.1 (tests/flows/live_mirror.py): `iopdir
serve` runs through `python -m tests.flows.live_mirror`, which adds their settings to the ones the
deployment registers, and the pool's run gets them as parameters (prefect.yaml sets only the
database). samhsa_directory is left out (`IOPDIR_SOURCES`): its stand-in needs a setting only an
in-process run can give one spider (see live_mirror). Prefect's own state lives in a PREFECT_HOME
under tmp_path; every process started here is stopped with its process group.
"""

import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from tests.conftest import ROOT
from tests.flows.live_mirror import NY_OMH_PATH, SETTINGS_ENV, LiveMirror

DOC = (ROOT / "docs" / "operations.md").read_text("utf-8")
SERVE = re.search(r"## 3\. Schedule it with `iopdir serve` \(simplest\)\n\n```sh\n(.*?)```", DOC, re.S)
WATCH = re.search(r"Start a run now with:\n\n```sh\n(.*?)```", DOC, re.S)
POOL = re.search(r"## 4\. Or deploy to a work pool \(`prefect\.yaml`\)\n\n```sh\n(.*?)```", DOC, re.S)
README = re.search(r"## Running it on a schedule\n\n```sh\n(.*?)```", (ROOT / "README.md").read_text("utf-8"), re.S)
assert SERVE and WATCH and POOL and README, "docs/operations.md or README.md lost a block of their scheduling sections"
SERVER_START, CONFIG_SET, SERVE_CRON = (line.split("  #")[0].strip() for line in SERVE.group(1).splitlines())
# README's block: the same three (the server put in the background with `&`), then `iopdir changes`.
README_LINES = [line.split("  #")[0].strip().removesuffix(" &") for line in README.group(1).splitlines()]
[RUN_NOW] = WATCH.group(1).splitlines()
POOL_CREATE, EXPORT, DEPLOY, WORKER = (line.split("  #")[0].strip() for line in POOL.group(1).splitlines())
API = "http://127.0.0.1:4200/api"
BIN = Path(sys.executable).parent
SOURCES = ["ny_omh", "findtreatment", "program_pages"]


@dataclass
class Stage:
    """The server, the sources' stand-ins, and how to run the doc's commands next to them."""

    tmp: Path
    mirror: LiveMirror
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def argv(self, command: str) -> list[str]:
        """The command's words; `prefect` is this environment's, `iopdir` adds the stand-ins' settings."""
        argv = shlex.split(command)
        if argv[0] == "prefect":
            return [str(BIN / "prefect"), *argv[1:]]
        assert argv[0] == "iopdir", command
        return [sys.executable, "-m", "tests.flows.live_mirror", *argv[1:]]

    def start(self, command: str, cwd: Path, log: str) -> subprocess.Popen[bytes]:
        """Start a long-running command in its own process group, its output in `log`."""
        with (self.tmp / log).open("wb") as out:
            process = subprocess.Popen(
                self.argv(command), cwd=cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)
        return process

    def run(self, argv: list[str], cwd: Path, timeout: float = 120) -> str:
        """Run a command to its end; its output, or the test fails with it."""
        done = subprocess.run(argv, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{argv}: {done.stdout}{done.stderr}"
        return done.stdout + done.stderr

    def log(self, name: str) -> str:
        """A started command's output so far, for failure messages."""
        return (self.tmp / name).read_text(encoding="utf-8", errors="replace")[-4000:]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a started command and everything it started (its process group): SIGTERM, SIGKILL after 20 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        process.poll()  # reap the leader, or the group lives on as its zombie
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def _wait(what: str, check: Any, timeout_s: float, log: str = "") -> Any:
    """Poll `check()` until it returns something true; fail naming `what` (and a log) after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if found := check():
                return found
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{what} within {timeout_s:.0f} s\n{log}")


def _deployment() -> dict[str, Any] | None:
    response = httpx.get(f"{API}/deployments/name/refresh/weekly-refresh", timeout=10)
    return response.json() if response.status_code == 200 else None


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    """`prefect server start` on 127.0.0.1:4200 and `prefect config set` as the doc says, in a tmp PREFECT_HOME."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 4200)) == 0:
            pytest.fail("port 4200 is taken: these tests start the doc's `prefect server start` there; free it first")
    tmp = tmp_path_factory.mktemp("serving")
    mirror = LiveMirror(tmp)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "IOPDIR_"))}
    env |= {
        "PREFECT_HOME": str(tmp / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # The server makes no scheduled runs: a Monday 03:00 during a test would otherwise start one
        # with prefect.yaml's parameters only (no stand-ins, /var/lib/iop). The schedule is still checked.
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        # `iopdir serve` and the worker look for due runs every second, not every 10: a test waits for one.
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PYTHONPATH": str(ROOT),
        "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),  # `prefect` in the shell lines
        "IOPDIR_SOURCES": json.dumps(SOURCES),
        SETTINGS_ENV: json.dumps(mirror.crawl_settings()),
    }
    stage = Stage(tmp, mirror, env)
    try:
        with mirror.running():
            server = stage.start(SERVER_START, tmp, "server.log")
            _wait(
                "the Prefect server did not answer /api/health",
                lambda: server.poll() is None and httpx.get(f"{API}/health", timeout=5).status_code == 200,
                120,
                stage.log("server.log"),
            )
            assert "PREFECT_API_URL" in stage.run(stage.argv(CONFIG_SET), tmp)
            assert API in (tmp / "prefect-home" / "profiles.toml").read_text(encoding="utf-8")
            yield stage
    finally:
        for process in reversed(stage.processes):
            _stop(process)


def _runs(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT source, status, loaded FROM run_sources ORDER BY source").fetchall()


def test_serve_registers_the_schedule_and_a_run_now_completes(stage: Stage) -> None:
    assert README_LINES == [SERVER_START, CONFIG_SET, SERVE_CRON, "iopdir changes"]
    work = stage.tmp / "serve"
    work.mkdir()
    serve = stage.start(SERVE_CRON, work, "serve.log")
    deployment = _wait(
        "iopdir serve registered no refresh/weekly-refresh",
        lambda: serve.poll() is None and _deployment(),
        90,
        stage.log("serve.log"),
    )
    [schedule] = deployment["schedules"]
    assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"]) == ("0 3 * * 1", "America/New_York")
    assert schedule["active"] and deployment["parameters"]["db_path"] == str(work / "iop.duckdb")

    out = stage.run(stage.argv(RUN_NOW), work, timeout=240)
    assert "Completed" in out, out
    assert serve.poll() is None, stage.log("serve.log")  # it ran the flow and goes on serving
    assert [(s, status) for s, status, _ in _runs(work / "iop.duckdb")] == [(s, "ok") for s in sorted(SOURCES)]
    assert NY_OMH_PATH in stage.mirror.requests
    _stop(serve)
    assert "new" in stage.run(stage.argv(README_LINES[-1]), work)  # README's next line, after the run


def test_a_worker_runs_the_deployment_prefect_yaml_defines(stage: Stage) -> None:
    # prefect.yaml's entrypoint and pull step are relative to the checkout: a copy of its layout under tmp.
    checkout = stage.tmp / "checkout"
    checkout.mkdir()
    for name in ("flows", "pipeline", "spiders", "schemas", "scrapy.cfg", "prefect.yaml"):
        (checkout / name).symlink_to(ROOT / name)
    assert "iop-pool" in stage.run(stage.argv(POOL_CREATE), checkout)
    stage.run(["bash", "-c", f"{EXPORT}\n{DEPLOY}"], checkout)  # the shell lines as written
    deployment = _deployment()
    assert deployment and deployment["work_pool_name"] == "iop-pool"
    assert deployment["parameters"]["db_path"] == "/var/lib/iop/iop.duckdb"  # the export's, read by the template
    assert json.dumps(deployment["pull_steps"]).count(str(checkout)) == 1  # IOPDIR_HOME=$PWD
    [schedule] = deployment["schedules"]
    assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"]) == ("0 3 * * 1", "America/New_York")

    # A run now, on a database under tmp and crawling the stand-ins (not /var/lib/iop, not the sources' hosts).
    db = stage.tmp / "pool" / "iop.duckdb"
    db.parent.mkdir()
    parameters = {"db_path": str(db), "spiders": ["ny_omh"], "crawl_settings": stage.mirror.crawl_settings()}
    created = httpx.post(
        f"{API}/deployments/{deployment['id']}/create_flow_run", json={"parameters": parameters}, timeout=10
    )
    assert created.status_code == 201, created.text
    worker = stage.start(WORKER, checkout, "worker.log")

    def final_state() -> str | None:
        state = httpx.get(f"{API}/flow_runs/{created.json()['id']}", timeout=10).json()["state"]
        return state["type"] if state["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

    assert _wait("the worker did not finish the run", final_state, 180, stage.log("worker.log")) == "COMPLETED"
    assert [(s, status) for s, status, _ in _runs(db)] == [("ny_omh", "ok")]
    _stop(worker)
