"""Tables through `rich`: a cut cell ends in an ellipsis, `--wide` cuts nothing, no colour off a terminal;
and a reader that stops reading (`iopdir flags | head -1`) ends the command quietly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.cli import main
from flows.cli.common import ELLIPSIS, print_rows, set_wide
from tests.conftest import ROOT


def test_a_cut_cell_ends_in_an_ellipsis_and_rows_are_counted(capsys: pytest.CaptureFixture[str]) -> None:
    print_rows(["a", "long"], [(1, "x" * 70), (None, "y [b]z\nnext")], "table")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "a  long"
    assert set(lines[1].replace(" ", "")) == {"─"}
    assert lines[2] == "1  " + "x" * 59 + ELLIPSIS  # 60 characters, the last one saying it was cut
    assert lines[3] == "   y [b]z next"  # markup-like text is text; one line per row
    assert lines[4] == "(2 rows)"
    assert "\x1b[" not in "".join(lines)  # not a terminal: no colour
    print_rows(["n"], [(1,)], "table")
    assert capsys.readouterr().out.splitlines()[-1] == "(1 row)"


def test_wide_cuts_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    set_wide(True)
    try:
        print_rows(["long"], [("x" * 70,)], "table")
    finally:
        set_wide(False)
    assert capsys.readouterr().out.splitlines()[2] == "x" * 70


def test_csv_and_json_are_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    print_rows(["a", "b"], [("x" * 70, None)], "csv")
    assert capsys.readouterr().out.splitlines() == ["a,b", "x" * 70 + ","]


def test_flags_table_cuts_messages_visibly_and_wide_shows_them_whole(
    explain_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["flags", "--db", str(explain_db)]) == 0
    cut = capsys.readouterr().out
    assert ELLIPSIS in cut and "(PHP from 2" in cut
    assert main(["flags", "--db", str(explain_db), "--wide"]) == 0
    whole = capsys.readouterr().out
    assert ELLIPSIS not in whole and "30 h/week (PHP from 2" in whole and len(max(whole.splitlines(), key=len)) > 200


def test_a_closed_pipe_ends_quietly(explain_db: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("IOPDIR_CONFIG", None)
    # Many rows, each a pipe buffer's worth: the reader is gone long before the writer is done.
    sql = "SELECT repeat('x', 5000) AS x FROM range(2000)"
    for argv in (["flags", "--all", "--wide"], ["query", sql, "--format", "csv"], ["query", sql, "--wide"]):
        writer = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", *argv, "--db", str(explain_db)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert writer.stdout is not None
        first = writer.stdout.readline()
        writer.stdout.close()  # as `head -1` does
        _, err = writer.communicate(timeout=120)
        assert first and writer.returncode == 0, err.decode()
        assert err == b"", err.decode()
