"""The run's status is the truth everywhere (issue 16, defects 3 and 6): `runs.status`, the Prefect
flow run's state and `iopdir run`'s exit code agree, and a reader opened during the crawl neither
fails the load after the whole crawl nor leaves the run without a `runs` row."""

import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

import flows.refresh
from flows.cli import main
from flows.cli.common import EXIT_BUSY, EXIT_FAILED
from tests.conftest import REPLAY_FIXTURE

OMH_CSV = Path("ny-omh-programs") / "Local_Mental_Health_Programs_2022-05.csv"


pytestmark = pytest.mark.usefixtures("prefect_harness", "no_crawl_retries")


def _runs(db: Path) -> list[tuple[str, str, str | None]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT run_id, status, message FROM runs ORDER BY started_at").fetchall()


@contextmanager
def _reader(db: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the database read-only (as `iopdir query` or the report does) until the block ends."""
    code = (
        "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print('holding', flush=True); sys.stdin.readline()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()


def test_a_header_only_source_fails_the_run_the_flow_and_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(REPLAY_FIXTURE, mirror)
    csv = mirror / OMH_CSV
    csv.write_text(csv.read_text(encoding="utf-8").splitlines(keepends=True)[0], encoding="utf-8")
    db = tmp_path / "iop.duckdb"
    assert main(["run", "--db", str(db), "--replay", str(mirror), "--source", "ny_omh"]) == EXIT_FAILED
    assert capsys.readouterr().out.splitlines()[0].endswith(": failed")
    [(_, status, message)] = _runs(db)
    assert status == "failed" and "ny_omh: the source returned no items" in message
    state = flows.refresh.refresh(db_path=str(db), replay_dir=str(mirror), spiders=["ny_omh"], return_state=True)
    assert state.is_failed() and "ny_omh: the source returned no items" in state.message
    assert [s for _, s, _ in _runs(db)] == ["failed", "failed"]


def test_a_failure_after_the_start_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_link(db_path: str, run_id: str) -> None:
        raise RuntimeError("linking broke")

    monkeypatch.setattr(flows.refresh, "link_facilities", broken_link)
    db = tmp_path / "iop.duckdb"
    state = flows.refresh.refresh(
        db_path=str(db), replay_dir=str(REPLAY_FIXTURE), spiders=["ny_omh"], return_state=True
    )
    assert state.is_failed()
    [(_, status, message)] = _runs(db)
    assert status == "failed" and "linking broke" in message


@contextmanager
def _reader_after_the_crawl(db: Path, release_after_s: float | None) -> Iterator[list[subprocess.Popen[str]]]:
    """Patch the flow so that a reader opens the database as the crawl and normalization end.

    It lets go after `release_after_s` seconds (never, while the block lasts, when None).
    """
    real_pool = flows.refresh.run_worker_pool
    readers: list[subprocess.Popen[str]] = []
    stack: list[object] = []

    @contextmanager
    def pool_then_reader() -> Iterator[None]:
        with real_pool():
            yield
        holding = _reader(db)
        readers.append(holding.__enter__())
        stack.append(holding)
        if release_after_s is not None:
            threading.Timer(release_after_s, holding.__exit__, (None, None, None)).start()

    patch = pytest.MonkeyPatch()
    patch.setattr(flows.refresh, "run_worker_pool", pool_then_reader)
    try:
        yield readers
    finally:
        patch.undo()
        if release_after_s is None:
            for holding in stack:
                holding.__exit__(None, None, None)  # type: ignore[attr-defined]


def test_a_reader_opened_during_the_crawl_is_waited_for(tmp_path: Path) -> None:
    db = tmp_path / "iop.duckdb"
    assert flows.refresh.run_refresh(db_path=str(db), replay_dir=str(REPLAY_FIXTURE), spiders=["ny_omh"]).status == "ok"
    with _reader_after_the_crawl(db, release_after_s=2.0) as readers:
        summary = flows.refresh.run_refresh(db_path=str(db), replay_dir=str(REPLAY_FIXTURE), spiders=["ny_omh"])
    assert len(readers) == 1 and summary.status == "ok"
    assert [s for _, s, _ in _runs(db)] == ["ok", "ok"]


def test_a_reader_that_stays_fails_the_run_with_busy_and_leaves_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "iop.duckdb"
    assert flows.refresh.run_refresh(db_path=str(db), replay_dir=str(REPLAY_FIXTURE), spiders=["ny_omh"]).status == "ok"
    monkeypatch.setattr(flows.refresh, "LOAD_LOCK_WAIT_S", 1.0)
    with _reader_after_the_crawl(db, release_after_s=None) as readers:
        code = main(["run", "--db", str(db), "--replay", str(REPLAY_FIXTURE), "--source", "ny_omh"])
        assert len(readers) == 1
    assert code == EXIT_BUSY
    assert f"iopdir run: the database {db} is busy" in capsys.readouterr().err
    # The run has its row: still `running` while its process lives, `interrupted` by the next start after.
    assert [s for _, s, _ in _runs(db)] == ["ok", "running"]


def test_a_reader_at_the_start_stops_the_run_before_it_crawls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "iop.duckdb"
    assert flows.refresh.run_refresh(db_path=str(db), replay_dir=str(REPLAY_FIXTURE), spiders=["ny_omh"]).status == "ok"
    crawls = sorted((tmp_path / "iop_crawls").iterdir())
    with _reader(db) as holder:
        assert main(["run", "--db", str(db), "--replay", str(REPLAY_FIXTURE), "--source", "ny_omh"]) == EXIT_BUSY
    err = capsys.readouterr().err
    assert f"is busy: another process (PID {holder.pid})" in err and "Traceback" not in err
    assert sorted((tmp_path / "iop_crawls").iterdir()) == crawls  # nothing crawled
    assert [s for _, s, _ in _runs(db)] == ["ok"]
