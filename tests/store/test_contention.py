"""Contention: readers and a second writer while another process holds the database.

DuckDB locks the file per process: a process that opens it for writing shuts every other process
out (readers too); processes that open it read-only share it and shut writers out. What the
project promises on top: read commands say clearly that the database is busy and exit with 3,
a second writer gets `DatabaseBusy` (the CLI: exit 3), and the file is intact afterwards.
"""

import dataclasses
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from flows.cli.common import EXIT_BUSY
from pipeline.flags.store import compute_flags, record_review
from pipeline.link.store import link_facilities
from pipeline.normalize.run import normalize_file
from pipeline.store.connection import DatabaseBusy, connect
from pipeline.store.load import SourceLoad, load_run
from tests.conftest import ROOT
from tests.crash_load import content_hash, run_step
from tests.helpers import normalize_and_load

# What an open that must wait for another process says, in the CLI's words.
BUSY = "is busy: another process"


@pytest.fixture(scope="module")
def db(fixture_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("contention") / "c.duckdb"
    normalize_and_load(fixture_crawl / "items.jsonl", path, "r1")
    link_facilities(path, "r1")
    compute_flags(path, "r1")
    return path


@contextmanager
def held(db: Path, read_only: bool = False) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the database open (for writing unless `read_only`) until the block ends."""
    code = (
        "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro'); "
        "print('holding', flush=True); sys.stdin.readline()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db), "ro" if read_only else "rw"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        holder.stdin.close()  # the holder reads EOF, closes its connection and exits
        assert holder.wait(timeout=30) == 0
        holder.stdout.close()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`iopdir ARGS` as its own process, as a user or a script runs it."""
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_query_while_a_writer_holds_the_database_says_busy(db: Path) -> None:
    before = content_hash(db)
    with held(db) as holder:
        done = _cli("query", "SELECT count(*) FROM listings", "--db", str(db))
        assert done.returncode == EXIT_BUSY, done.stderr
        assert done.stderr.startswith(f"iopdir query: the database {db} is busy: another process (PID {holder.pid})")
        assert "holds it for writing" in done.stderr and "try again when it finishes" in done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""
    assert content_hash(db) == before
    done = _cli("query", "SELECT count(*) FROM listings", "--db", str(db), "--format", "csv")
    assert (done.returncode, done.stdout.splitlines()) == (0, ["count_star()", "8"])


@pytest.mark.parametrize(
    "command",
    [
        ["query", "SELECT 1"],
        ["flags"],
        ["changes"],
        ["export", "csv", "{out}"],
        ["export", "parquet", "{out}"],
        ["export", "hsds", "{out}"],
        ["report", "{out}.html"],
    ],
)
def test_every_read_command_says_busy_with_exit_3(
    db: Path, command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [part.replace("{out}", str(tmp_path / "out")) for part in command]
    with held(db):
        assert main([*argv, "--db", str(db)]) == EXIT_BUSY
    err = capsys.readouterr().err
    assert err.startswith(f"iopdir {command[0]}: the database {db} {BUSY}"), err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_second_writer_gets_database_busy_and_the_file_stays_intact(
    db: Path, fixture_crawl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = content_hash(db)
    result = normalize_file(fixture_crawl / "items.jsonl", tmp_path / "n", "r2", workers=1)
    loads = [
        SourceLoad(s, result.listings_path, result.rejects_path, True, c.seen)
        for s, c in sorted(result.counts.items())
        if s != "unknown"
    ]
    with duckdb.connect(str(db), read_only=True) as con:
        flag_id = con.execute("SELECT flag_id FROM flag_records LIMIT 1").fetchone()[0]
    writers = {
        "connect": lambda: connect(db),
        "load_run": lambda: load_run(db, "r2", datetime.now(UTC), loads, [result.codes_path]),
        "link_facilities": lambda: link_facilities(db, "r2"),
        "compute_flags": lambda: compute_flags(db, "r2"),
        "record_review": lambda: record_review(db, flag_id, "dismissed", "busy?", "tester"),
    }
    with held(db) as holder:
        for name, write in writers.items():
            with pytest.raises(DatabaseBusy) as caught:
                write()
            busy = caught.value
            assert (busy.path, busy.read_only, busy.holder_pid) == (str(db), False, holder.pid), name
            assert f"the database {db} is busy" in str(busy) and "try again" in str(busy), name
        assert main(["review", flag_id, "--dismiss", "--note", "busy?", "--db", str(db)]) == EXIT_BUSY
        assert f"iopdir review: the database {db} {BUSY}" in capsys.readouterr().err
    assert content_hash(db) == before


def test_readers_share_the_file_but_shut_a_writer_out(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A long `iopdir query` (or report) holds the file read-only: other readers work, a load must wait."""
    with held(db, read_only=True) as holder:
        assert main(["query", "SELECT count(*) FROM listings", "--db", str(db), "--format", "csv"]) == 0
        assert capsys.readouterr().out.splitlines()[1] == "8"
        with pytest.raises(DatabaseBusy) as caught:
            connect(db)
        assert caught.value.holder_pid == holder.pid
        assert "a reader such as `iopdir query`" in str(caught.value)
    with connect(db) as con:  # the reader gone, writing works again
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_a_real_load_in_progress_shuts_others_out_then_commits(
    db: Path, fixture_crawl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A load stopped inside its transaction (lock held, rows half-written): readers and writers are
    refused cleanly; the load then commits, and the file holds exactly what an undisturbed load gives."""
    result = normalize_file(fixture_crawl / "items.jsonl", tmp_path / "n", "r2", workers=1)
    loads = [
        dataclasses.asdict(SourceLoad(s, result.listings_path, result.rejects_path, True, c.seen))
        for s, c in sorted(result.counts.items())
        if s != "unknown"
    ]
    spec = {"step": "load", "run_id": "r2", "loads": loads, "codes": [result.codes_path]}
    reference = tmp_path / "reference.duckdb"
    target = tmp_path / "loading.duckdb"
    for path in (reference, target):
        path.write_bytes(db.read_bytes())
    run_step({**spec, "db": str(reference)})

    spec = {**spec, "db": str(target), "pause_after": "INSERT INTO listing_records", "resume_on_stdin": True}
    load = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_load", json.dumps(spec)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert load.stdout is not None and load.stdin is not None
    try:
        for line in load.stdout:
            if line.strip() == "paused":
                break
        done = _cli("query", "SELECT count(*) FROM runs", "--db", str(target))
        assert done.returncode == EXIT_BUSY and f"(PID {load.pid}) holds it for writing" in done.stderr
        assert main(["flags", "--db", str(target)]) == EXIT_BUSY
        assert BUSY in capsys.readouterr().err
        with pytest.raises(DatabaseBusy):
            compute_flags(target, "r2")
        load.stdin.write("\n")
        load.stdin.flush()
        assert [line.strip() for line in load.stdout] == ["commit-start", "committed", "done"]
    finally:
        load.stdin.close()
        assert load.wait(timeout=60) == 0
        load.stdout.close()
    assert content_hash(target) == content_hash(reference)
    assert main(["query", "SELECT run_id FROM runs ORDER BY 1", "--db", str(target), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["run_id", "r1", "r2"]


def test_a_file_that_is_no_database_is_a_clear_error_not_busy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "bogus.duckdb"
    bogus.write_text("not a database\n" * 1000)
    assert main(["query", "SELECT 1", "--db", str(bogus)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"iopdir query: cannot open {str(bogus)!r}") and "busy" not in err
