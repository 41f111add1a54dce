"""`iopdir query` (the user's SQL, read-only) and `iopdir changes` (what runs did to listings)."""

import argparse
import json
import sys
from typing import Any

from flows.cli.checks import listing_sources_of, parse_since
from flows.cli.common import EXIT_OK, CommandError, print_json, print_rows, read_only

CHANGE_COLUMNS = ["run_id", "change", "source", "state", "name", "fields", "listing_id"]


#: Exit code after Ctrl-C, as shells report a program stopped by SIGINT (128 + 2).
EXIT_INTERRUPTED = 130


def cmd_query(args: argparse.Namespace) -> int:
    """Run SQL on a read-only connection and print the result as it comes (see `flows.cli.stream`).

    `--timeout` seconds (0: none) and Ctrl-C interrupt the query: a one-line message, exit 2 for
    the timeout and 130 for Ctrl-C. `--limit N` prints at most N rows.
    """
    import duckdb

    from flows.cli.stream import QueryStopped, run_interruptible

    if not args.sql.strip():
        raise CommandError('no SQL given; e.g. iopdir query "SELECT count(*) FROM listings"')
    if args.limit is not None and args.limit < 0:
        raise CommandError(f"--limit {args.limit} is negative; give a number of rows, 0 or more")
    if args.timeout < 0:
        raise CommandError(f"--timeout {args.timeout:g} is negative; give seconds, or 0 for no limit")
    with read_only(args.db) as con:
        try:
            run_interruptible(con, args.sql, args.format, args.limit, args.timeout)
        except (duckdb.InvalidInputException, duckdb.PermissionException) as error:
            raise CommandError(
                "the database is opened read-only, without access to other files and with its settings locked; "
                f"this statement would modify it, reach outside it or change a setting: {error}"
            ) from error
        except QueryStopped as stopped:
            if stopped.reason == "interrupt":
                print("iopdir query: interrupted (Ctrl-C); the query was stopped", file=sys.stderr)
                return EXIT_INTERRUPTED
            raise CommandError(
                f"the query ran longer than --timeout {args.timeout:g} s and was stopped; "
                "give a longer --timeout, or 0 for none"
            ) from None
    return EXIT_OK


def cmd_changes(args: argparse.Namespace) -> int:
    """List what runs did to listings: new, changed (with the fields), returned and gone.

    `--source` is a spider (all its sources) or a source; a table with nothing in it says so instead.
    """
    from pipeline.store.queries import list_changes, run_ids

    sources = listing_sources_of(args.source)
    with read_only(args.db) as con:
        runs = run_ids(con)
        if not runs:
            raise CommandError("no run yet")
        if args.since is None:
            changes, since = list_changes(con, run_id=runs[-1], sources=sources), f"the last run ({runs[-1]})"
        elif args.since in runs:
            changes, since = list_changes(con, after_run=args.since, sources=sources), f"run {args.since}"
        else:
            changes, since = list_changes(con, since=parse_since(args.since), sources=sources), args.since
    if args.format == "table" and not changes.rows:
        of = f" in {', '.join(sources)}" if sources else ""
        print(f"nothing changed{of} since {since}" if args.since else f"nothing changed{of} in {since}")
        return EXIT_OK
    if args.format == "json":
        print_json([_change_record(*row) for row in changes.rows])
        return EXIT_OK
    table = [(r[0], r[1], r[2], r[4], r[3], ", ".join(r[6] or []), r[5]) for r in changes.rows]
    print_rows(CHANGE_COLUMNS, table, args.format)
    return EXIT_OK


def _change_record(
    run_id: str,
    change: str,
    source: str,
    name: str | None,
    state: str | None,
    listing_id: str,
    fields: list[str],
    before: str | None,
    after: str | None,
) -> dict[str, Any]:
    """One change for `--format json`; a changed or returned listing also gets each field's before and after."""
    old, new = json.loads(before) if before else None, json.loads(after) if after else None
    record: dict[str, Any] = {
        "run_id": run_id,
        "change": change,
        "source": source,
        "name": name,
        "state": state,
        "listing_id": listing_id,
        "fields": fields,
    }
    if change in {"changed", "returned"} and old is not None and new is not None:
        record["diff"] = {f: {"before": old.get(f), "after": new.get(f)} for f in fields}
    return record
