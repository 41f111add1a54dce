"""The commands docs/operations.md shows under "Watch it" and "What changed" run as written, on a small database."""

import re
import shlex
import shutil
from pathlib import Path

import pytest

from flows.cli import main
from tests.conftest import ROOT
from tests.helpers import work_in

TEXT = (ROOT / "docs" / "operations.md").read_text("utf-8")
SECTIONS = [re.search(rf"## {title}\n(.*?)\n## ", TEXT, re.S) for title in (r"5\. Watch it", r"6\. What changed")]
assert all(SECTIONS), "docs/operations.md lacks a section these tests read"
COMMANDS = [
    line.split("  #")[0].strip()
    for section in SECTIONS
    if section
    for block in re.findall(r"```sh\n(.*?)```", section.group(1), re.S)
    for line in block.splitlines()
    if line.startswith("iopdir ")
]


def test_the_documented_commands_are_all_here() -> None:
    for command in ("iopdir runs --limit 5", "iopdir sources", "iopdir show bfcd94b0", "iopdir changes"):
        assert command in COMMANDS
    assert len(COMMANDS) >= 8


@pytest.mark.parametrize("command", COMMANDS)
def test_documented_command_runs_as_written(
    command: str, explain_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(explain_db, work_in(tmp_path, monkeypatch))
    argv = shlex.split(command)
    assert argv[0] == "iopdir"
    assert main(argv[1:]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out
    if command.startswith("iopdir show bfcd94b0"):
        # The fixture's Shelby County listing: the SAMHSA rows are real, so is its id.
        assert "Shelby County Treatment Center" in out
