"""The runs docs/operations.md shows under "1. One run by hand" run as written: `iopdir run --replay
../shared/data` from a copy of the fixture mirror there, and the live ones against the sources'
stand-ins on 127.0.0.1 (tests/flows/live_mirror.py): `iopdir run` crawls every configured source
over HTTP, and `iopdir run --source ny_omh --incremental` adds and updates but marks nothing gone,
not even a program the source no longer lists."""

import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

import flows.refresh
from flows.cli import main
from flows.cli.common import EXIT_OK
from flows.crawl import SPIDER_SOURCES
from tests.conftest import REPLAY_FIXTURE, ROOT
from tests.flows.live_mirror import LOCATOR_PATH, NY_OMH_PATH, LiveMirror, patch_settings

DOC = (ROOT / "docs" / "operations.md").read_text("utf-8")
BLOCK = re.search(r"## 1\. One run by hand\n\n```sh\n(.*?)```", DOC, re.S)
assert BLOCK, "docs/operations.md lost the commands of '1. One run by hand'"
COMMANDS = {line.split("  #")[1].strip(): line.split("  #")[0].strip() for line in BLOCK.group(1).splitlines()}
RUN_REPLAY = COMMANDS["offline, Prefect's temporary server"]
RUN_LIVE = COMMANDS["live: every configured source"]
RUN_INCREMENTAL = COMMANDS["one source; add/update only, mark nothing gone"]

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveMirror]:
    """The sources on 127.0.0.1, every crawl pointed there, and a working folder with the default database."""
    for name in ("IOPDIR_DB", "IOPDIR_CONFIG", "IOPDIR_SOURCES", "IOPDIR_KEEP_CRAWLS", "IOPDIR_ACCEPT_DROP"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    live = LiveMirror(tmp_path)
    plain = flows.refresh.spider_settings
    monkeypatch.setattr(
        flows.refresh, "spider_settings", lambda spider, *args: {**plain(spider, *args), **live.spider_settings(spider)}
    )
    undo = patch_settings(live.crawl_settings())
    try:
        with live.running():
            yield live
    finally:
        undo()


def test_the_offline_run_replays_every_source_from_the_shared_mirror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fixture mirror stands for ../shared/data: the real one takes minutes.
    for name in ("IOPDIR_DB", "IOPDIR_CONFIG", "IOPDIR_SOURCES", "IOPDIR_KEEP_CRAWLS", "IOPDIR_ACCEPT_DROP"):
        monkeypatch.delenv(name, raising=False)
    shutil.copytree(REPLAY_FIXTURE, tmp_path / "shared" / "data")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert main(_iopdir(RUN_REPLAY)) == EXIT_OK, capsys.readouterr()
    every_source = {source for sources in SPIDER_SOURCES.values() for source in sources}
    assert {source for source, _ in _rows("SELECT source, loaded FROM run_sources WHERE status = 'ok'")} == every_source


def _iopdir(command: str) -> list[str]:
    argv = shlex.split(command)
    assert argv[0] == "iopdir"
    return argv[1:]


def _rows(sql: str) -> list[tuple]:
    with duckdb.connect("iop.duckdb", read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_live_runs_crawl_every_source_then_one_without_marking_anything_gone(
    mirror: LiveMirror, capsys: pytest.CaptureFixture[str]
) -> None:
    assert RUN_LIVE == "iopdir run" and "--replay" not in RUN_INCREMENTAL
    assert main(_iopdir(RUN_LIVE)) == EXIT_OK, capsys.readouterr()
    assert ": ok" in capsys.readouterr().out
    # Every source was crawled live, over HTTP, from the stand-ins (no replay: nothing else answers).
    every_source = {source for sources in SPIDER_SOURCES.values() for source in sources}
    loaded = dict(_rows("SELECT source, loaded FROM run_sources WHERE status = 'ok'"))
    assert set(loaded) == every_source and all(loaded.values()), loaded
    assert {NY_OMH_PATH, LOCATOR_PATH, "/", "/iop"} <= set(mirror.requests)
    assert _rows("SELECT count(*) FROM listings WHERE source_url NOT LIKE 'http://127.0.0.1:%'") == [(0,)]
    # ny_omh no longer lists its first program, and renames its second.
    header, dropped, renamed, *rest = mirror.ny_omh_rows
    program = header.index(" Program Name")
    renamed = [*renamed[:program], renamed[program] + " (renamed)", *renamed[program + 1 :]]
    mirror.ny_omh_rows = [header, renamed, *rest]
    active_before = _rows("SELECT source, count(*) FROM listings WHERE active GROUP BY 1 ORDER BY 1")

    assert main(_iopdir(RUN_INCREMENTAL)) == EXIT_OK, capsys.readouterr()
    assert ": ok" in capsys.readouterr().out
    [(source, seen, changed, gone)] = _rows(
        "SELECT source, seen, changed, gone FROM run_sources WHERE run_id = (SELECT max(run_id) FROM runs)"
    )
    assert (source, seen, changed, gone) == ("ny_omh", len(rest) + 1, 1, 0)
    # The dropped program stays active: an incremental run proves nothing gone.
    assert _rows("SELECT source, count(*) FROM listings WHERE active GROUP BY 1 ORDER BY 1") == active_before
    assert _rows(f"SELECT count(*) FROM listings WHERE active AND name = '{dropped[program]}'") == [(1,)]
