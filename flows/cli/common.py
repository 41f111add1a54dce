"""What every command shares: exit codes, stopping with a message, the read-only database, printing rows.

Imports only the standard library at module level: DuckDB and the store are imported when a
command opens the database, so commands that never do (`eval`, `--help`) start fast.
"""

import csv
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

#: Exit codes: 0 done; 1 a run with a failed source, or an export that fails validation; 2 a
#: usage or input error (no database, bad SQL, a refused statement, a refused export path, bad
#: settings, an unknown source, a database file that cannot be used, a full or read-only disk);
#: 3 the database is busy (another process holds it), so trying again later may succeed.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3


class CommandError(Exception):
    """Stops a command: `run_command` prints `iopdir COMMAND: <message>` on stderr and exits with 2."""


def run_command(name: str, command: Callable[[], int]) -> int:
    """Run a command and return its exit code; the errors `known_failure` knows become a one-line message."""
    try:
        return int(command())
    except CommandError as error:
        print(f"iopdir {name}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        raise  # the reader stopped reading: `flows.cli.commands.main` ends quietly
    except Exception as error:
        known = known_failure(error)
        if known is None:
            raise  # a bug: its traceback is what is needed to fix it
        message, code = known
        print(f"iopdir {name}: {message}", file=sys.stderr)
        return code


def known_failure(error: BaseException) -> tuple[str, int] | None:
    """The message and exit code for an error a user can act on; None for anything else (a bug).

    The one place errors become messages: a busy database is exit 3 (try again later); a
    database that cannot be used (not a DuckDB file, read-only or full file system) and any
    failure the operating system gave a reason for (a full disk under a commit, even when
    DuckDB's last word is "cannot rollback") are exit 2, with the OS's reason.
    """
    # Imported here, not above: commands that never open the database skip DuckDB's import.
    from pipeline.store.connection import DatabaseBusy, DatabaseUnusable, os_failure

    if isinstance(error, DatabaseBusy):
        # Not a failure of this command: another process has the file (DuckDB locks it per
        # process). A plain message and its own exit code, so a script can wait and retry.
        return str(error), EXIT_BUSY
    if isinstance(error, DatabaseUnusable):
        return str(error), EXIT_USAGE
    reason = os_failure(error)
    if reason is not None:
        return f"failed: {reason}", EXIT_USAGE
    return None


def require_database(db: str, suggest_run: bool = True) -> None:
    """Raise `CommandError` when there is no database file at `db`."""
    if not os.path.isfile(db):
        raise CommandError(f"no database at {db!r}" + ("; run `iopdir run` first" if suggest_run else ""))


@contextmanager
def read_only(db: str) -> Iterator["duckdb.DuckDBPyConnection"]:
    """A read-only connection to the database for the block, closed after it.

    A missing or unreadable file, and any DuckDB error inside the block, raise `CommandError`
    with DuckDB's words. A database another process holds for writing raises
    `pipeline.store.connection.DatabaseBusy`, which `run_command` reports with its own exit code.
    """
    import duckdb

    from pipeline.store.connection import connect

    require_database(db)
    try:
        con = connect(db, read_only=True)
    except duckdb.Error as error:
        raise CommandError(f"cannot open {db!r}: {error}") from error
    try:
        yield con
    except duckdb.Error as error:
        raise CommandError(str(error)) from error
    finally:
        con.close()


def print_json(value: Any) -> None:
    """Print `value` as indented JSON; dates and other values JSON lacks as their text."""
    print(json.dumps(value, default=str, indent=1))


def csv_row(row: tuple[Any, ...]) -> list[Any]:
    """A row as every CSV the CLI prints writes it: text that a spreadsheet would run as a formula neutralized."""
    from pipeline.outputs.cells import csv_value  # the exports' rule, one for every CSV

    return [csv_value(v) for v in row]


#: A table cell longer than this is cut, and ends in `ELLIPSIS` to show it was; `--wide` cuts nothing.
CELL_WIDTH = 60
ELLIPSIS = "…"
# Whether tables cut cells: set once per command from its `--wide` (`set_wide`), read by `print_rows`.
_table = {"wide": False}


def set_wide(wide: bool) -> None:
    """Make every table the command prints show cells whole (`--wide`) or cut at `CELL_WIDTH`."""
    _table["wide"] = bool(wide)


def cell_text(value: Any, wide: bool = False) -> str:
    """A value as a table cell: one line, cut at `CELL_WIDTH` with an ellipsis unless `wide`."""
    text = "" if value is None else str(value).replace("\r\n", " ").replace("\n", " ")
    if wide or len(text) <= CELL_WIDTH:
        return text
    return text[: CELL_WIDTH - 1] + ELLIPSIS


def print_table(columns: list[str], rows: list[tuple[Any, ...]], wide: bool | None = None) -> None:
    """Print rows as a `rich` table, then a row count: a line under the headers, cells cut with an ellipsis
    (see `cell_text`), no colour unless stdout is a terminal, lines without trailing spaces."""
    from io import StringIO

    from rich import box
    from rich.console import Console
    from rich.table import Table

    wide = _table["wide"] if wide is None else wide
    # Two spaces between columns (one of padding, one of the box), none at the edges.
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), highlight=False)
    for column in columns:
        table.add_column(column, no_wrap=True, overflow="ignore")
    for row in rows:
        table.add_row(*(cell_text(v, wide) for v in row))
    buffer = StringIO()
    terminal = sys.stdout.isatty()
    # As wide as the table needs: a cell is never wrapped or cut by rich, only by `cell_text`.
    width = sum(max([len(c)] + [len(cell_text(r[i], wide)) for r in rows]) + 2 for i, c in enumerate(columns))
    console = Console(
        file=buffer, width=max(width, 20), force_terminal=terminal, no_color=not terminal, markup=False, emoji=False
    )
    console.print(table)
    for line in buffer.getvalue().splitlines():
        print(line.rstrip())
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def print_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    """Print rows as a table (`print_table`), CSV (see `csv_row`) or JSON; CSV and JSON keep every character."""
    if fmt == "json":
        print_json([dict(zip(columns, r, strict=True)) for r in rows])
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(csv_row(r) for r in rows)
    else:
        print_table(columns, rows)
