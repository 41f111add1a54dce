"""`iopdir query`'s execution: a time limit, Ctrl-C, and results printed as they come.

The statement runs in a worker thread while the main thread waits: DuckDB does not return to
Python while it computes, so a signal handler in the main thread would never run (Ctrl-C was
ignored). The waiting main thread gets Ctrl-C (KeyboardInterrupt) or sees the deadline pass, and
calls the connection's `interrupt()`, which stops DuckDB at its next check; the worker then ends.

Rows are fetched `CHUNK_ROWS` at a time (DuckDB streams a result) and printed as they come: CSV
(formula cells neutralized, `pipeline.outputs.cells`) and JSON (the same indented array as
`print_json`, written element by element). The table format aligns its columns, so it holds its
rows first, at most `TABLE_MAX_ROWS` of them; past that it stops and says so. `limit` stops
after that many rows in every format.
"""

import csv
import json
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from flows.cli.common import csv_row, print_rows

if TYPE_CHECKING:
    import duckdb

CHUNK_ROWS = 10_000
TABLE_MAX_ROWS = 10_000
# How often the waiting main thread wakes to check the deadline (it wakes at once for Ctrl-C).
_TICK_SECONDS = 0.1
# How long to wait for DuckDB to stop after `interrupt()` before leaving the worker behind.
_STOP_GRACE_SECONDS = 10.0


class QueryStopped(Exception):
    """The query was interrupted: `reason` is "timeout" or "interrupt" (Ctrl-C)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def run_interruptible(con: "duckdb.DuckDBPyConnection", sql: str, fmt: str, limit: int | None, timeout: float) -> None:
    """Run `sql` and print its result as `fmt`; raise QueryStopped on the timeout (0: none) or Ctrl-C.

    DuckDB's own errors are raised as they are, from the worker.
    """
    stop, done = threading.Event(), threading.Event()
    outcome: dict[str, BaseException] = {}

    def work() -> None:
        try:
            result = con.execute(sql)
            columns = [d[0] for d in result.description] if result is not None and result.description else []
            if columns:
                print_streamed(columns, _chunks(result, limit, stop), fmt)
        except BaseException as error:  # handed to the main thread, which raises it
            outcome["error"] = error
        finally:
            done.set()

    worker = threading.Thread(target=work, name="iopdir-query", daemon=True)
    deadline = time.monotonic() + timeout if timeout > 0 else None
    reason = None
    worker.start()
    try:
        # An Event, not Thread.join: a join that Ctrl-C interrupts can leave the thread looking finished.
        while not done.wait(_TICK_SECONDS):
            if deadline is not None and time.monotonic() > deadline:
                reason = "timeout"
                break
    except KeyboardInterrupt:
        reason = "interrupt"
    if reason is not None:
        stop.set()
        con.interrupt()
        done.wait(_STOP_GRACE_SECONDS)
        raise QueryStopped(reason)
    if "error" in outcome:
        raise outcome["error"]


def _chunks(result: "duckdb.DuckDBPyConnection", limit: int | None, stop: threading.Event) -> Iterator[list[tuple]]:
    """The result's rows, a chunk at a time, up to `limit` rows, until `stop` is set."""
    left = limit
    while not stop.is_set() and (left is None or left > 0):
        rows = result.fetchmany(CHUNK_ROWS if left is None else min(CHUNK_ROWS, left))
        if not rows:
            return
        if left is not None:
            left -= len(rows)
        yield rows


def print_streamed(columns: list[str], chunks: Iterator[list[tuple[Any, ...]]], fmt: str) -> None:
    """Print rows chunk by chunk as CSV or JSON; as a table, up to `TABLE_MAX_ROWS` of them."""
    out = sys.stdout
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        for rows in chunks:
            writer.writerows(csv_row(r) for r in rows)
        return
    if fmt == "json":
        # Exactly what `print_json` prints for the whole list, one element at a time.
        first = True
        for rows in chunks:
            for r in rows:
                element = json.dumps(dict(zip(columns, r, strict=True)), default=str, indent=1)
                out.write(("[\n" if first else ",\n") + " " + element.replace("\n", "\n "))
                first = False
        out.write("[]\n" if first else "\n]\n")
        return
    shown: list[tuple[Any, ...]] = []
    for rows in chunks:
        shown += rows[: TABLE_MAX_ROWS + 1 - len(shown)]
        if len(shown) > TABLE_MAX_ROWS:
            break
    more = len(shown) > TABLE_MAX_ROWS
    print_rows(columns, shown[:TABLE_MAX_ROWS], "table")
    if more:
        print(f"(stopped after {TABLE_MAX_ROWS:,} rows: use --limit, or --format csv or json for all of them)")
