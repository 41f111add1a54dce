"""The `iopdir` commands of docs/outputs.md (exports and the report) and README's example questions
run as written, on the small database of tests/cli/conftest.py in the working directory."""

import re
import shlex
import shutil
from pathlib import Path

import pytest

from flows.cli import main
from flows.cli.common import EXIT_OK
from tests.conftest import ROOT
from tests.helpers import work_in

OUTPUTS = (ROOT / "docs" / "outputs.md").read_text("utf-8")
QUESTIONS = re.search(r"Example questions .*?\n\n```sh\n(.*?)```", (ROOT / "README.md").read_text("utf-8"), re.S)
assert QUESTIONS, "README.md lost its example questions"
EXPORTS = [
    line.split("  #")[0].strip()
    for block in re.findall(r"```sh\n(.*?)```", OUTPUTS, re.S)
    for line in block.splitlines()
    if line.startswith("iopdir ")
]
# A question spans lines inside its quotes; `#` lines say what it asks.
WORDS = shlex.split(QUESTIONS.group(1), comments=True)
STARTS = [i for i, word in enumerate(WORDS) if word == "iopdir"]
README_QUERIES = [WORDS[a:b] for a, b in zip(STARTS, [*STARTS[1:], len(WORDS)], strict=True)]


def test_the_commands_are_all_here() -> None:
    assert len(EXPORTS) == 6 and EXPORTS[-1] == "iopdir report out/report.html"
    assert len(README_QUERIES) == 3 and all(argv[1] == "query" for argv in README_QUERIES)


@pytest.mark.parametrize("argv", [shlex.split(c) for c in EXPORTS] + README_QUERIES, ids=lambda argv: " ".join(argv))
def test_documented_command_runs_as_written(
    argv: list[str],
    explain_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copy(explain_db, work_in(tmp_path, monkeypatch))
    assert argv[0] == "iopdir"
    assert main(argv[1:]) == EXIT_OK, capsys.readouterr().err
    if argv[1] == "query":
        assert capsys.readouterr().out
    else:  # the folder or file the command names, under the working directory
        written = tmp_path / argv[3 if argv[1] == "export" else 2]
        assert written.is_file() or any(written.iterdir())
