"""Crash safety: kill -9 of a writing step leaves the previous complete state; same inputs, same tables.

A baseline database is built from the project's fixture crawl (run r1: load, link, flags). A
larger input (4,000 synthetic listings made from the fixture's rows, `benchmarks.synthetic`) is
then loaded as run r2 by the three steps that write, each in a child process
(`tests/crash_load.py`) that is killed with SIGKILL:

- at fractions of the step's write transaction, timed from the moment BEGIN returned (so the kill
  lands wherever DuckDB happens to be: staging, inserting, updating);
- at chosen statements (the child stops right after, transaction open), e.g. between the DELETEs
  and the INSERTs of the link step, or after the `runs` row of the load;
- at the start of COMMIT, and right after it (while the connection closes and checkpoints).

After each kill the file opens read-only and read-write, and its content hash (every table, in
a fixed order, without run ids and timestamps) is the one before the step, or after it only
when the kill came after COMMIT began. A normal run of the step then gives exactly what the
un-killed run gave.
"""

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.flags.store import compute_flags
from pipeline.link.store import link_facilities
from pipeline.normalize.run import normalize_file
from pipeline.store.connection import connect
from pipeline.store.load import SourceLoad
from tests.conftest import ROOT
from tests.crash_load import RUN_LOG_TABLES, content_hash, run_step, state_hash, table_hashes
from tests.helpers import normalize_and_load

STEPS = ("load", "link", "flags")
SYNTHETIC_LISTINGS = 4_000
KILLED_RUN = "r2"


@dataclass
class Calibration:
    """The states around each step of run r2, un-killed: files, hashes, timings."""

    work: Path
    spec: dict[str, Any]
    before: dict[str, Path]  # step -> copy of the database just before the step
    hash_before: dict[str, str]
    hash_after: dict[str, str]
    transaction_s: dict[str, float]  # step -> seconds from BEGIN returned to COMMIT sent
    after_file: Path  # the database after all three steps


@dataclass
class Trial:
    """One kill and what the database held afterwards."""

    step: str
    how: str
    where: str  # before-begin, in-transaction, in-commit, after-commit; finished: not killed
    wal_left: bool
    state: str  # "before" or "after" the step


def _spawn(spec: dict[str, Any]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.crash_load", json.dumps(spec)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _copy_db(source: Path, target: Path) -> Path:
    target.unlink(missing_ok=True)
    Path(f"{target}.wal").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    if Path(f"{source}.wal").exists():
        shutil.copyfile(f"{source}.wal", f"{target}.wal")
    return target


@pytest.fixture(scope="module")
def calibration(fixture_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Calibration:
    """Baseline r1 from the fixture crawl, then run r2 on the synthetic input, step by step, un-killed."""
    from benchmarks.synthetic import write_synthetic

    work = tmp_path_factory.mktemp("crash")
    items = work / "synthetic.jsonl"
    # A deterministic replication of the fixture's real rows (5% program sections, so flags are
    # raised too): big enough that the load's transaction takes a few tenths of a second, so
    # kills can be spread through it, small enough for some twenty trials in half a minute.
    write_synthetic(fixture_crawl / "items.jsonl", items, SYNTHETIC_LISTINGS, section_share=0.05)
    result = normalize_file(items, work / "normalized", KILLED_RUN, workers=1)
    loads = [
        dataclasses.asdict(SourceLoad(s, result.listings_path, result.rejects_path, True, c.seen))
        for s, c in sorted(result.counts.items())
        if s != "unknown"
    ]
    db = work / "calibration.duckdb"
    normalize_and_load(fixture_crawl / "items.jsonl", db, "r1")
    link_facilities(db, "r1")
    compute_flags(db, "r1")
    # r2 replaces the fixture's rows by synthetic ones on purpose: past the mass-change guard's
    # limits, so it is taken as `iopdir run --accept-drop` takes it.
    accept = sorted(load["source"] for load in loads)
    spec = {"db": str(db), "run_id": KILLED_RUN, "loads": loads, "codes": [result.codes_path], "accept_drop": accept}
    before, hash_before, hash_after, transaction_s = {}, {}, {}, {}
    for step in STEPS:
        before[step] = _copy_db(db, work / f"before-{step}.duckdb")
        hash_before[step] = content_hash(db)
        child = _spawn({**spec, "step": step})
        assert child.stdout is not None
        seen: dict[str, float] = {}
        for line in child.stdout:
            seen[line.strip()] = time.perf_counter()
        assert child.wait(timeout=60) == 0, child.stderr.read() if child.stderr else ""
        assert list(seen) == ["ready", "begin", "commit-start", "committed", "done"]
        transaction_s[step] = seen["commit-start"] - seen["begin"]
        hash_after[step] = content_hash(db)
        assert hash_after[step] != hash_before[step], f"{step} changed nothing; the trials would prove nothing"
    return Calibration(work, spec, before, hash_before, hash_after, transaction_s, db)


# (how, marker to wait for, then: seconds as a fraction of the transaction, or a statement to stop after)
KILLS: dict[str, list[tuple[str, str, float | str]]] = {
    "load": [
        ("at start", "ready", 0.0),
        ("10% into the transaction", "begin", 0.1),
        ("60% into the transaction", "begin", 0.6),
        ("85% into the transaction", "begin", 0.85),
        ("after the first listing_records insert", "paused", "INSERT INTO listing_records"),
        ("after the gone update", "paused", "UPDATE listing_records SET active = false"),
        ("after the runs row", "paused", "INSERT INTO runs VALUES"),
        ("as COMMIT starts", "commit-start", 0.0),
        ("as COMMIT returns (closing, checkpoint)", "committed", 0.0),
    ],
    "link": [
        ("as the transaction begins", "begin", 0.0),
        ("50% into the transaction", "begin", 0.5),
        ("between DELETE facility_links and DELETE facility_members", "paused", "DELETE FROM facility_links"),
        ("between the DELETEs and the INSERTs", "paused", "DELETE FROM facility_members"),
        ("between INSERT facility_links and INSERT facility_members", "paused", "INSERT INTO facility_links"),
        ("as COMMIT starts", "commit-start", 0.0),
        ("as COMMIT returns", "committed", 0.0),
    ],
    "flags": [
        ("20% into the transaction", "begin", 0.2),
        ("60% into the transaction", "begin", 0.6),
        ("after updating raised flags", "paused", "UPDATE flag_records f"),
        ("after inserting new flags", "paused", "INSERT INTO flag_records"),
        ("as COMMIT starts", "commit-start", 0.0),
    ],
}
TRIALS: list[Trial] = []


def _kill(spec: dict[str, Any], marker: str, then: float | str, transaction_s: float) -> tuple[set[str], int]:
    """Start the step, kill it with SIGKILL at the point asked for; (markers reached, return code)."""
    if isinstance(then, str):
        spec = {**spec, "pause_after": then}
    child = _spawn(spec)
    assert child.stdout is not None
    reached: set[str] = set()
    try:
        for line in child.stdout:
            reached.add(line.strip())
            if line.strip() == marker:
                break
        assert marker in reached, f"the step never reached {marker!r}: {child.stderr.read() if child.stderr else ''}"
        if isinstance(then, float) and then > 0:
            time.sleep(then * transaction_s)
        # Killed only while still running. A timed kill on a slow machine may come after a short
        # step has ended: the return code (0, not -SIGKILL) tells, and the trial counts as no kill.
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        reached.update(line.strip() for line in child.stdout)  # what it said before it died
        return reached, child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream:
                stream.close()


def _where(reached: set[str]) -> str:
    if "committed" in reached:
        return "after-commit"
    if "commit-start" in reached:
        return "in-commit"
    if "begin" in reached:
        return "in-transaction"
    return "before-begin"


def _rows_of_run(db: Path, run_id: str) -> dict[str, int]:
    """Rows each table holds that the run `run_id` wrote (by its run id columns)."""
    checks = {
        "runs": "run_id",
        "run_sources": "run_id",
        "rejects": "run_id",
        "listing_changes": "run_id",
        "codes": "run_id",
        "listing_records": "last_run_id",
        "facility_links": "run_id",
        "facility_members": "run_id",
        "flag_records": "last_run_id",
    }
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            t: con.execute(f"SELECT count(*) FROM {t} WHERE {c} = ?", [run_id]).fetchone()[0] for t, c in checks.items()
        }


@pytest.mark.parametrize("step", STEPS)
def test_kill_9_leaves_the_previous_state_and_the_next_run_completes(
    step: str, calibration: Calibration, tmp_path: Path
) -> None:
    expected_before, expected_after = calibration.hash_before[step], calibration.hash_after[step]
    written_before = _rows_of_run(calibration.before[step], KILLED_RUN)
    trials = []
    for number, (how, marker, then) in enumerate(KILLS[step]):
        db = _copy_db(calibration.before[step], tmp_path / f"{step}-{number}.duckdb")
        spec = {**calibration.spec, "db": str(db), "step": step}
        reached, code = _kill(spec, marker, then, calibration.transaction_s[step])
        assert code in {0, -signal.SIGKILL}, f"{how}: the step failed (exit {code})"
        where = _where(reached) if code == -signal.SIGKILL else "finished"
        wal_left = Path(f"{db}.wal").exists()

        # Read-only first (a WAL left behind is replayed in memory only), then read-write (which
        # replays and checkpoints it), then read-only again: the same content every time.
        found = content_hash(db)
        with connect(db) as con:
            assert con.execute("SELECT count(*) FROM runs").fetchone()[0] >= 1
        assert content_hash(db) == found
        assert not Path(f"{db}.wal").exists() or Path(f"{db}.wal").stat().st_size == 0
        if where == "in-commit":
            # The commit reached the file or it did not; nothing in between.
            assert found in {expected_before, expected_after}, f"{how}: a state that is neither before nor after"
        elif where in {"after-commit", "finished"}:
            assert found == expected_after, f"{how}: {where}, yet the step's work is not all there"
        else:
            assert found == expected_before, (
                f"{how} ({where}): the killed step left something: "
                f"{_diff(table_hashes(calibration.before[step]), table_hashes(db))}"
            )
            # Nothing of the killed run's own: not a `runs` row, not a listing it touched.
            assert _rows_of_run(db, KILLED_RUN) == written_before
        state = "before" if found == expected_before else "after"
        if state == "before":
            # The next run, un-killed, completes and gives exactly what an un-killed run gives.
            run_step({**spec, "step": step})
            assert content_hash(db) == expected_after, f"{how}: the run after the kill differs from an un-killed run"
        trials.append(Trial(step, how, where, wal_left, state))
    TRIALS.extend(trials)
    # Shown with `pytest -s` (or -rP): where each kill landed.
    killed = [t for t in trials if t.where != "finished"]
    mid = sum(t.where == "in-transaction" for t in trials)
    print(
        f"\n{step} (write transaction {calibration.transaction_s[step]:.2f} s un-killed): "
        f"{len(killed)} kill -9 trials passed, {mid} inside the write transaction"
    )
    for t in trials:
        print(f"  {t.how}: {t.where}, wal left {t.wal_left}, state {t.state}")
    # Every stop at a chosen statement is inside the transaction, whatever the machine's speed.
    paused = sum(isinstance(then, str) for _, _, then in KILLS[step])
    assert mid >= paused


def test_kill_9_of_the_first_load_leaves_no_half_made_database(fixture_crawl: Path, tmp_path: Path) -> None:
    """A first run killed inside its transaction leaves no tables at all (not half a schema), and the next one works."""
    result = normalize_file(fixture_crawl / "items.jsonl", tmp_path / "normalized", "r1", workers=1)
    loads = [
        dataclasses.asdict(SourceLoad(s, result.listings_path, result.rejects_path, True, c.seen))
        for s, c in sorted(result.counts.items())
        if s != "unknown"
    ]
    spec = {"step": "load", "run_id": "r1", "loads": loads, "codes": [result.codes_path]}
    reference = tmp_path / "reference.duckdb"
    run_step({**spec, "db": str(reference)})
    db = tmp_path / "first.duckdb"
    reached, code = _kill({**spec, "db": str(db)}, "paused", "INSERT INTO runs VALUES", 0.0)
    assert (code, _where(reached)) == (-signal.SIGKILL, "in-transaction")
    with connect(db) as con:  # the file opens; the schema came and went with the transaction
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == 0
    run_step({**spec, "db": str(db)})
    assert content_hash(db) == content_hash(reference)


def _diff(before: dict[str, str], after: dict[str, str]) -> dict[str, tuple[str | None, str | None]]:
    return {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def test_the_same_input_twice_gives_identical_tables(calibration: Calibration, tmp_path: Path) -> None:
    """Load, link and flag the synthetic input again as run r3: nothing but the run log changes."""
    db = _copy_db(calibration.after_file, tmp_path / "again.duckdb")
    before_state, before = state_hash(db), table_hashes(db)
    spec = {**calibration.spec, "db": str(db), "run_id": "r3"}
    for step in STEPS:
        run_step({**spec, "step": step})
    after = table_hashes(db)
    assert state_hash(db) == before_state, _diff(before, after)
    assert after["flag_records"] == before["flag_records"]
    assert after["listing_records"] == before["listing_records"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM listing_changes WHERE run_id = 'r3'").fetchone()[0] == 0
        assert con.execute(
            "SELECT sum(new), sum(changed), sum(gone), sum(unchanged) = sum(loaded), sum(loaded) > 0 "
            "FROM run_sources WHERE run_id = 'r3'"
        ).fetchone() == (0, 0, 0, True, True)
        # The run log of r3 is r2's, but for the counts a second load of the same rows changes (and
        # the message: r2 took its drop on purpose, r3 has none to take).
        for table, differ in (("rejects", set()), ("run_sources", {"new", "unchanged", "gone", "quality", "message"})):
            names = [c for c in _columns(con, table) if c != "run_id" and c not in differ]
            r2, r3 = (
                con.execute(f"SELECT {', '.join(names)} FROM {table} WHERE run_id = ? ORDER BY ALL", [run]).fetchall()
                for run in ("r2", "r3")
            )
            assert r2 == r3, table
    assert set(after) >= RUN_LOG_TABLES


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        c
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        ).fetchall()
    ]


def test_the_same_input_into_two_databases_gives_the_same_content(fixture_crawl: Path, tmp_path: Path) -> None:
    """Same crawl, same run id, two fresh files: every table equal, the run log included."""
    hashes = []
    for name in ("a", "b"):
        db = tmp_path / f"{name}.duckdb"
        normalize_and_load(fixture_crawl / "items.jsonl", db, "r1")
        link_facilities(db, "r1")
        compute_flags(db, "r1")
        hashes.append(table_hashes(db))
    assert hashes[0] == hashes[1]


def test_crash_trials_summary() -> None:
    """All trials of the module: how many kills, and how many landed inside a write transaction."""
    if not TRIALS:
        pytest.skip("no crash trial ran in this session")
    killed = [t for t in TRIALS if t.where != "finished"]
    mid = sum(t.where == "in-transaction" for t in TRIALS)
    print(f"\ncrash trials passed: {len(killed)} of {len(TRIALS)} run; inside a write transaction: {mid}")
    assert mid >= sum(isinstance(then, str) for kills in KILLS.values() for _, _, then in kills)
