"""What the commands share: printing rows, stopping with a message, the busy database, the parser's order."""

from pathlib import Path

import duckdb
import pytest

from flows.cli.common import EXIT_BUSY, EXIT_USAGE, CommandError, print_rows, read_only, run_command
from flows.cli.parser import build_parser
from pipeline.store.connection import DatabaseBusy


def test_table_cuts_cells_at_60_characters_with_an_ellipsis_and_counts_rows(capsys: pytest.CaptureFixture[str]) -> None:
    # More in tests/cli/test_tables.py.
    print_rows(["a", "long"], [(1, "x" * 70), (None, "y")], "table")
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["a  long", "─" * 63, "1  " + "x" * 59 + "…", "   y", "(2 rows)"]


def test_csv_and_json_keep_every_character(capsys: pytest.CaptureFixture[str]) -> None:
    print_rows(["a", "b"], [("x" * 70, None)], "csv")
    assert capsys.readouterr().out.splitlines() == ["a,b", "x" * 70 + ","]
    print_rows(["a"], [], "csv")
    assert capsys.readouterr().out.splitlines() == ["a"]
    print_rows(["a", "b"], [(1, None)], "json")
    assert capsys.readouterr().out == '[\n {\n  "a": 1,\n  "b": null\n }\n]\n'


def test_a_command_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    def fails() -> int:
        raise CommandError("no such thing")

    assert run_command("eval hours", fails) == EXIT_USAGE
    assert capsys.readouterr().err == "iopdir eval hours: no such thing\n"


def test_a_busy_database_is_exit_3_and_other_errors_stay_errors(capsys: pytest.CaptureFixture[str]) -> None:
    def busy() -> int:
        raise DatabaseBusy("/x.duckdb", True, "Conflicting lock is held in python (PID 7)")

    assert run_command("flags", busy) == EXIT_BUSY
    assert capsys.readouterr().err.startswith("iopdir flags: the database /x.duckdb is busy: another process (PID 7)")

    def broken() -> int:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        run_command("flags", broken)


def test_read_only_says_why_there_is_no_connection(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    with (
        pytest.raises(CommandError, match=r"^no database at '.*none.duckdb'; run `iopdir run` first$"),
        read_only(str(missing)),
    ):
        pass
    text = tmp_path / "text.duckdb"
    text.write_text("not a database\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"^cannot open '.*text.duckdb': "), read_only(str(text)):
        pass


def test_read_only_turns_duckdb_errors_into_the_message(tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(CommandError, match=r"^Catalog Error"), read_only(str(db)) as con:
        con.execute("SELECT * FROM nowhere")


def test_help_lists_the_commands_in_their_order() -> None:
    usage = build_parser().format_usage()
    assert "{run,serve,query,eval,changes,export,report,flags,review,ui,show,runs,sources,completion}" in usage
