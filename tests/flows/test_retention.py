"""`iopdir run --keep-crawls N` (issue 20): after a successful run the crawl output of older runs
goes, the newest N runs' stays; only folders the project made, never through a symbolic link,
never the current run's, never after a failed run."""

import shutil
from pathlib import Path

import pytest

from flows.cli import main
from flows.cli.common import EXIT_FAILED, EXIT_OK
from flows.retention import RUN_MARKER, mark_run, prune_crawls
from tests.conftest import REPLAY_FIXTURE

CURRENT = "20261205T120000Z-cccccc"


def _run(work: Path, run_id: str, marked: bool = True) -> Path:
    folder = work / run_id
    (folder / "ny_omh").mkdir(parents=True)
    (folder / "ny_omh" / "items.jsonl").write_text("{}\n", encoding="utf-8")
    if marked:
        mark_run(folder, run_id)
    return folder


def test_older_runs_go_the_newest_stay_and_nothing_else_is_touched(tmp_path: Path) -> None:
    work = tmp_path / "crawls"
    old = [_run(work, f"2026120{d}T030000Z-aaaaa{d}") for d in range(1, 5)]
    legacy = _run(work, "20261130T030000Z-bbbbbb", marked=False)  # a run from before the marker
    current = _run(work, CURRENT)
    newer = _run(work, "20261205T130000Z-dddddd")  # another process's run, started since
    mine = work / "20261101T030000Z-eeeeee"  # named like a run, but not made by one
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere" / "20261001T030000Z-ffffff"
    _run(elsewhere.parent, elsewhere.name)
    link = work / "20261002T030000Z-ffffff"
    link.symlink_to(elsewhere, target_is_directory=True)
    other = work / "exports"
    other.mkdir()
    (other / RUN_MARKER).write_text("", encoding="utf-8")

    removed = prune_crawls(work, 3, CURRENT)

    assert sorted(removed) == sorted([old[0], old[1], legacy])
    assert {p.name for p in work.iterdir()} == {
        old[2].name,
        old[3].name,
        current.name,
        newer.name,
        mine.name,
        link.name,
        other.name,
    }
    assert (elsewhere / "ny_omh" / "items.jsonl").is_file()
    assert prune_crawls(work, 1, CURRENT) == sorted([old[3], old[2]], reverse=True)
    assert current.is_dir() and newer.is_dir()


@pytest.mark.usefixtures("prefect_harness", "no_crawl_retries")
def test_a_successful_run_prunes_and_a_failed_run_does_not(tmp_path: Path) -> None:
    db, work = tmp_path / "iop.duckdb", tmp_path / "crawls"
    old = [_run(work, f"2026110{d}T030000Z-aaaaa{d}") for d in range(1, 4)]
    base = ["run", "--db", str(db), "--work-dir", str(work), "--source", "ny_omh", "--keep-crawls", "2"]
    mirror = tmp_path / "mirror"
    shutil.copytree(REPLAY_FIXTURE, mirror)
    shutil.rmtree(mirror / "ny-omh-programs")  # the source fails: nothing is pruned
    assert main([*base, "--replay", str(mirror)]) == EXIT_FAILED
    assert all(p.is_dir() for p in old)
    assert main([*base, "--replay", str(REPLAY_FIXTURE)]) == EXIT_OK
    runs = sorted(p.name for p in work.iterdir())
    assert len(runs) == 2 and (work / runs[-1] / RUN_MARKER).is_file() and runs[0] > old[-1].name
