"""A run's life cycle in `runs.status` (pipeline/store/runs.py): running, loaded, ok/failed, interrupted.

The scenario of issue 16 (defect 3): a run killed after its load, before link and flag. Its load
runs in a child process (`tests/crash_load.py`) that exits right after the commit, as a run killed
there would; the run must not look `ok`, readers must say its flags are stale, and the next run's
start must mark it `interrupted`.
"""

import dataclasses
import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from pipeline.flags.store import compute_flags
from pipeline.link.store import link_facilities
from pipeline.normalize.run import normalize_file
from pipeline.outputs.report.build import write_report
from pipeline.store.load import SourceLoad, load_run
from pipeline.store.runs import (
    FAILED,
    OK,
    fail_unfinished,
    finish_run,
    process_alive,
    process_token,
    run_outcome,
    start_run,
)
from tests.conftest import ROOT


def _status(db: Path) -> dict[str, tuple[str, str | None]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0]: (r[1], r[2]) for r in con.execute("SELECT run_id, status, message FROM runs").fetchall()}


@pytest.fixture
def loads(fixture_crawl: Path, tmp_path: Path) -> list[SourceLoad]:
    result = normalize_file(fixture_crawl / "items.jsonl", tmp_path / "normalized", "r", workers=1)
    return [
        SourceLoad(s, result.listings_path, result.rejects_path, True, c.seen)
        for s, c in sorted(result.counts.items())
        if s != "unknown"
    ]


@pytest.fixture
def killed_after_load(loads: list[SourceLoad], tmp_path: Path) -> Path:
    """A database whose run r1 finished (load, link, flags) and whose run r2 stopped right after its load."""
    db = tmp_path / "k.duckdb"
    start_run(db, "r1", datetime.now(UTC), ["samhsa_directory"])
    load_run(db, "r1", datetime.now(UTC), loads)
    link_facilities(db, "r1")
    compute_flags(db, "r1")
    finish_run(db, "r1", OK, "")
    spec = {"step": "load", "db": str(db), "run_id": "r2", "loads": [dataclasses.asdict(x) for x in loads]}
    child = subprocess.run(
        [sys.executable, "-m", "tests.crash_load", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    return db


def test_run_outcome_is_ok_only_when_every_source_is() -> None:
    assert run_outcome([("a", "ok", ""), ("unknown", "rejected", "2 record(s) of no known source")]) == (OK, "")
    status, message = run_outcome([("b", "failed", "the source returned no items"), ("a", "ok", ""), ("c", "held", "")])
    assert (status, message) == (FAILED, "b: the source returned no items; c: held")


def test_a_run_killed_after_its_load_is_not_ok(killed_after_load: Path) -> None:
    statuses = _status(killed_after_load)
    assert statuses["r1"] == (OK, "")
    assert statuses["r2"][0] == "loaded"


def test_flags_warns_when_the_flags_are_older_than_the_last_load(
    killed_after_load: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["flags", "--db", str(killed_after_load), "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("flag_id,")  # the listing's format is unchanged
    assert err.startswith("iopdir flags: warning: flags are older than the last load: run r2 loaded at ")
    assert "status loaded" in err and len(err.splitlines()) == 1


def test_the_report_shows_that_the_flags_are_stale(killed_after_load: Path, tmp_path: Path) -> None:
    write_report(killed_after_load, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="flags-stale"' in page and "flags are older than the last load: run r2" in page


def test_the_next_start_marks_the_killed_run_interrupted(
    killed_after_load: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert start_run(killed_after_load, "r3", datetime.now(UTC), ["samhsa_directory"]) == ["r2"]
    statuses = _status(killed_after_load)
    assert statuses["r2"][0] == "interrupted"
    assert "after its load, before link and flags finished" in statuses["r2"][1] and "run r3" in statuses["r2"][1]
    assert statuses["r3"] == ("running", None)
    # Still stale until a run flags again; then readers are quiet.
    assert main(["flags", "--db", str(killed_after_load)]) == 0
    assert "status interrupted" in capsys.readouterr().err
    compute_flags(killed_after_load, "r3")
    finish_run(killed_after_load, "r3", OK, "")
    assert main(["flags", "--db", str(killed_after_load)]) == 0
    assert capsys.readouterr().err == ""


def test_a_running_run_of_a_live_process_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "a.duckdb"
    start_run(db, "r1", datetime.now(UTC), ["x"])
    assert start_run(db, "r2", datetime.now(UTC), ["x"]) == []  # r1's process (this one) still runs
    assert fail_unfinished(db, "boom") == ["r1", "r2"]
    assert {s for s, _ in _status(db).values()} == {FAILED}


def test_process_alive() -> None:
    assert process_alive(process_token())
    host = socket.gethostname()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert not process_alive(f"{host}/{int(gone.stdout)}/")
    # This pid, but started at another time: a reused pid is not the run's process.
    assert not process_alive(f"{host}/{os.getpid()}/1")
    assert process_alive(f"another-host-{host}/1/1")  # cannot be checked from here
    assert not process_alive(None)
