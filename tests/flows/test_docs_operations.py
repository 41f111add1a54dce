"""The commands docs/operations.md shows for failing fast, keeping crawl output and registering a
schedule run as written (issue 20): the run without network through a host that does not resolve,
the replayed run from `../shared/data` (a copy of the fixture mirror), the registration on a Prefect
server and, without one, its refusal."""

import re
import shlex
import shutil
import time
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.cli import main
from flows.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from flows.config import Settings
from spiders.fail_fast import OFFLINE_HINT
from tests.conftest import REPLAY_FIXTURE, ROOT

DOC = (ROOT / "docs" / "operations.md").read_text("utf-8")
FAST = re.search(r"### Failing fast, progress, and old crawl output\n\n```sh\n(.*?)```", DOC, re.S)
SERVE = re.search(r"registers and exits:\n\n```sh\n(.*?)```", DOC, re.S)
FAILED_LINE = re.search(r"ends within seconds with\n\n```text\n(.*?)\n```", DOC)
assert FAST and SERVE and FAILED_LINE, "docs/operations.md lost its failing-fast or register-only commands"
RUN_OFFLINE, RUN_KEEP = (line.split("  #")[0].strip() for line in FAST.group(1).splitlines())
[REGISTER] = SERVE.group(1).splitlines()

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with the default database, and the fixture mirror at ../shared/data."""
    for name in ("IOPDIR_DB", "IOPDIR_CONFIG", "IOPDIR_SOURCES", "IOPDIR_KEEP_CRAWLS"):
        monkeypatch.delenv(name, raising=False)
    shutil.copytree(REPLAY_FIXTURE, tmp_path / "shared" / "data")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path / "work"


def _argv(command: str) -> list[str]:
    argv = shlex.split(command)
    assert argv[0] == "iopdir"
    return argv[1:]


def test_the_run_without_network_fails_within_seconds_with_the_hint(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # No network, simulated: the source's host does not resolve.
    plain = Settings.crawl_settings
    unresolvable = {"FINDTREATMENT_BASE_URL": "https://findtreatment.nonexistent.invalid"}
    monkeypatch.setattr(Settings, "crawl_settings", lambda self, replay: {**plain(self, replay), **unresolvable})
    started = time.monotonic()
    assert main(_argv(RUN_OFFLINE)) == EXIT_FAILED
    assert time.monotonic() - started < 60
    out = capsys.readouterr().out
    assert f"(DNS lookup failed): {OFFLINE_HINT}" in out
    # The line the doc quotes, word for word, but for the host that stands in for findtreatment.gov.
    assert FAILED_LINE.group(1).replace("findtreatment.gov", "findtreatment.nonexistent.invalid") in out.splitlines()


def test_the_replayed_run_keeps_the_crawl_output_of_five_runs(workdir: Path) -> None:
    crawls = workdir / "iop_crawls"
    for day in range(1, 7):
        old = crawls / f"2026110{day}T030000Z-aaaaa{day}"
        (old / "ny_omh").mkdir(parents=True)
        (old / ".iopdir-run").write_text(old.name, encoding="utf-8")
    assert main(_argv(RUN_KEEP)) == EXIT_OK
    runs = sorted(p.name for p in crawls.iterdir())
    assert len(runs) == 5 and runs[:4] == [f"2026110{day}T030000Z-aaaaa{day}" for day in range(3, 7)]


def test_register_only_registers_on_the_server_and_refuses_without_one(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_argv(REGISTER)) == EXIT_OK  # on the test harness's Prefect server
    assert "deployment refresh/weekly-refresh" in capsys.readouterr().out
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert main(_argv(REGISTER)) == EXIT_USAGE
    assert "prefect server start" in capsys.readouterr().err
