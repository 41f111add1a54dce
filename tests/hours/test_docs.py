"""`docs/hours.md` shows what the engine gives: its example and its measuring commands are run as written."""

import re
import shlex
from pathlib import Path

import pytest

from flows.cli import main
from pipeline.hours import estimate_hours

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "hours.md").read_text(encoding="utf-8")
EVAL_LINES = re.findall(r"^(iopdir eval hours \S+)\s+# (hours: \d+/\d+ within 0\.5 h)$", DOC, re.MULTILINE)


def test_the_example_gives_what_the_doc_says() -> None:
    estimate = estimate_hours(
        "Programming is Monday- Friday 8:00 a.m.-4:30 p.m. when school is in session and "
        "Monday-Friday 8:00 a.m.-2:30 p.m. when school is closed"
    )
    shown = re.search(r"# HoursEstimate\(min=([\d.]+), max=([\d.]+), basis='(\w+)'", DOC)
    assert shown is not None
    assert (estimate.min, estimate.max, estimate.basis.value) == (float(shown[1]), float(shown[2]), shown[3])


def test_the_doc_shows_two_measuring_commands() -> None:
    assert len(EVAL_LINES) == 2


@pytest.mark.parametrize(("command", "result"), EVAL_LINES)
def test_each_measuring_command_prints_what_the_doc_says(
    command: str, result: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Paths in the doc are relative to the repository root, where the README's commands run.
    monkeypatch.chdir(ROOT)
    assert main(shlex.split(command)[1:]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == result
