"""Stopping `iopdir run`: Ctrl-C ends it within seconds, and no process of a run outlives it.

Each test starts the real command on the replay fixture in its own session (its own process
group, as a shell job is), waits until every crawl, the normalization workers and the temporary
Prefect server are running, then signals it as a user or a supervisor would.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPLAY_FIXTURE, ROOT

SPIDERS = 4  # the default sources, one `scrapy crawl` each


def group_processes(pgid: int) -> dict[int, str]:
    """Command lines of the live (not zombie) processes of a process group, by pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ProcessLookupError, IndexError):
            continue
    return found


def wait_until_crawling(run: subprocess.Popen[str], timeout_s: float = 120) -> dict[int, str]:
    """The run's processes once every crawl, a worker and the Prefect server are up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert run.poll() is None, run.communicate()
        processes = group_processes(run.pid)
        commands = list(processes.values())
        if (
            sum("scrapy crawl" in c for c in commands) >= SPIDERS
            and any("spawn_main" in c for c in commands)
            and any("uvicorn" in c for c in commands)
        ):
            return processes
        time.sleep(0.05)
    raise AssertionError(f"the run did not reach its crawls in {timeout_s} s: {group_processes(run.pid)}")


def wait_for_no_process(pgid: int, timeout_s: float) -> dict[int, str]:
    """What is still alive in the group after up to `timeout_s` seconds (empty when all ended)."""
    deadline = time.monotonic() + timeout_s
    while (left := group_processes(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture
def start_run(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """`python -m flows.cli run --replay <fixture>` in its own session; whatever is left is killed after."""
    db = tmp_path / "iop.duckdb"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)  # the run starts its own temporary server, as from a shell
    run = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--replay", str(REPLAY_FIXTURE), "--db", str(db)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield db, run
    finally:
        # Only the group this test started: the run, and anything of it that outlived it.
        for pid in group_processes(run.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        run.kill()
        run.communicate()


def assert_nothing_loaded(db: Path) -> None:
    """The run loaded nothing: no listing, no source row; its own row, if any, is still `running`."""
    if not db.exists():
        return
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for table in {"run_sources", "listing_records"} & tables:
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
        if "runs" in tables:
            # Written at the start; the next run marks it interrupted (pipeline/store/runs.py).
            assert {s for (s,) in con.execute("SELECT status FROM runs").fetchall()} <= {"running"}


def test_ctrl_c_stops_the_run_within_seconds_and_leaves_no_process(
    start_run: tuple[Path, subprocess.Popen[str]],
) -> None:
    db, run = start_run
    wait_until_crawling(run)
    # A terminal's Ctrl-C: SIGINT to every process of the foreground group, the server's too.
    os.killpg(run.pid, signal.SIGINT)
    try:
        _, stderr = run.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("the run was still going 10 s after Ctrl-C")
    assert run.returncode == 130
    last = [line for line in stderr.splitlines() if line.strip()][-1]
    assert last.startswith("iopdir run: stopped by SIGINT"), stderr[-2000:]
    assert "Traceback" not in stderr, stderr[-2000:]
    assert wait_for_no_process(run.pid, 5) == {}
    assert_nothing_loaded(db)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_the_main_process_alone_stops_every_child(
    start_run: tuple[Path, subprocess.Popen[str]], signum: int, code: int
) -> None:
    db, run = start_run
    wait_until_crawling(run)
    # `kill -INT <pid>`, or a supervisor's SIGTERM: only the main process hears it; the crawls,
    # the workers and the server must follow.
    os.kill(run.pid, signum)
    try:
        _, stderr = run.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the run was still going 10 s after {signal.Signals(signum).name}")
    assert run.returncode == code, stderr[-2000:]
    assert f"iopdir run: stopped by {signal.Signals(signum).name}" in stderr
    assert wait_for_no_process(run.pid, 5) == {}
    assert_nothing_loaded(db)


def test_no_process_outlives_a_run_killed_with_sigkill(start_run: tuple[Path, subprocess.Popen[str]]) -> None:
    db, run = start_run
    before = wait_until_crawling(run)
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=10)
    left = wait_for_no_process(run.pid, 5)
    assert left == {}, f"outlived the run: {left} (the run had {sorted(before.values())})"
    assert_nothing_loaded(db)
