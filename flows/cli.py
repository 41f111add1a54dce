"""`iopdir`: the command line. The top layer: nothing imports it.

iopdir run [--db PATH] [--source NAME ...] [--replay DIR]
iopdir query "SQL" [--db PATH] [--format table|csv|json]
iopdir eval hours FILE.jsonl
"""

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

DEFAULT_DB = "iop.duckdb"


def _print_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str, indent=1))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        text = [[("" if v is None else str(v)) for v in r] for r in rows]
        widths = [max([len(c)] + [min(len(r[i]), 60) for r in text]) for i, c in enumerate(columns)]
        print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
        print("  ".join("-" * w for w in widths))
        for r in text:
            print("  ".join(v[:60].ljust(w) for v, w in zip(r, widths, strict=True)))
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


def cmd_run(args: argparse.Namespace) -> int:
    """Run the refresh flow and print a per-source summary; non-zero when a source failed."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    started = time.perf_counter()
    from flows.refresh import refresh  # Prefect is slow to import; only `run` needs it.

    if args.replay and not os.path.isdir(args.replay):
        print(f"iopdir run: replay folder {args.replay!r} does not exist", file=sys.stderr)
        return 2
    summary = refresh(db_path=args.db, spiders=args.source, replay_dir=args.replay, work_dir=args.work_dir)
    wall = time.perf_counter() - started
    columns = ["source", "status", "seen", "loaded", "rejected", "new", "changed", "unchanged", "gone", "message"]
    rows = [tuple(getattr(c, k) for k in columns) for c in summary.sources]
    print(f"run {summary.run_id} -> {summary.db_path}: {summary.status}")
    _print_rows(columns, rows, "table")
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in summary.steps_s.items())
    print(f"wall {wall:.1f} s; steps without Prefect start-up: {sum(summary.steps_s.values()):.1f} s ({steps})")
    return 0 if summary.status == "ok" else 1


def cmd_query(args: argparse.Namespace) -> int:
    """Run SQL on a read-only connection and print the result."""
    import duckdb

    from pipeline.store import connect

    if not os.path.isfile(args.db):
        print(f"iopdir query: no database at {args.db!r}; run `iopdir run` first", file=sys.stderr)
        return 2
    try:
        con = connect(args.db, read_only=True)
    except duckdb.IOException as error:
        print(f"iopdir query: cannot open {args.db!r} (is a load running?): {error}", file=sys.stderr)
        return 2
    try:
        result = con.execute(args.sql)
        columns = [d[0] for d in result.description or []]
        rows = result.fetchall() if columns else []
    except (duckdb.InvalidInputException, duckdb.PermissionException) as error:
        print(
            "iopdir query: the database is opened read-only and without access to other files; "
            f"this statement would modify it or reach outside it: {error}",
            file=sys.stderr,
        )
        return 2
    except duckdb.Error as error:
        print(f"iopdir query: {error}", file=sys.stderr)
        return 2
    finally:
        con.close()
    _print_rows(columns, rows, args.format)
    return 0


def cmd_eval_hours(args: argparse.Namespace) -> int:
    """Score the hours engine on a labelled JSON-lines file; one line per item, then the total."""
    from pipeline.hours.evaluate import evaluate, format_range

    if not os.path.isfile(args.file):
        print(f"iopdir eval hours: no file {args.file!r}", file=sys.stderr)
        return 2
    try:
        results = evaluate(args.file)
    except ValueError as error:
        print(f"iopdir eval hours: {args.file}: {error}", file=sys.stderr)
        return 2
    for result in results:
        got = result.got
        print(
            f"{result.item.id}\texpected {format_range(*result.item.expected)}"
            f"\tgot {format_range(got.min, got.max)} ({got.basis})\t{'ok' if result.ok else 'miss'}"
        )
        if args.verbose:
            for piece in got.evidence:
                print(f"\t  evidence: {piece}")
    good = sum(r.ok for r in results)
    print(f"hours: {good}/{len(results)} within 0.5 h")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `iopdir`."""
    parser = argparse.ArgumentParser(prog="iopdir", description="US intensive outpatient program directory.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="crawl, normalize and load sources into the DuckDB file")
    run.add_argument("--db", default=DEFAULT_DB, help=f"DuckDB file (default {DEFAULT_DB})")
    run.add_argument(
        "--source",
        nargs="+",
        action="extend",
        metavar="NAME",
        help="spider(s) to run (default: all), e.g. samhsa_directory",
    )
    run.add_argument("--replay", metavar="DIR", help="answer requests from this mirror, e.g. ../shared/data")
    run.add_argument("--work-dir", metavar="DIR", help="where crawl output goes (default: next to the DB)")
    run.set_defaults(func=cmd_run)

    query = commands.add_parser("query", help="run SQL on the database, read-only")
    query.add_argument("sql")
    query.add_argument("--db", default=DEFAULT_DB)
    query.add_argument("--format", choices=("table", "csv", "json"), default="table")
    query.set_defaults(func=cmd_query)

    evaluate = commands.add_parser("eval", help="measure the pipeline against labelled data")
    targets = evaluate.add_subparsers(dest="target", required=True)
    hours = targets.add_parser("hours", help="weekly hours on a schedules_public.jsonl-style file")
    hours.add_argument("file", metavar="FILE.jsonl")
    hours.add_argument("-v", "--verbose", action="store_true", help="also print the evidence of each answer")
    hours.set_defaults(func=cmd_eval_hours)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `iopdir` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
