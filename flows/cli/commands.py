"""`iopdir`: the command line. The top layer: nothing imports it.

iopdir run [--db PATH] [--source NAME ...] [--replay DIR]
iopdir query "SQL" [--db PATH] [--format table|csv|json]
iopdir serve [--cron "0 3 * * 1"] [--timezone TZ] [--db PATH] [--source ...] [--register-only]
iopdir eval hours FILE.jsonl
iopdir eval flags FILE.jsonl
iopdir changes [--since RUN_ID|DATE] [--source NAME] [--format table|csv|json]
iopdir export hsds|parquet|csv OUT_DIR [--state XX] [--validate] [--force]
iopdir report OUT.html
iopdir flags [--state XX] [--rule ID] [--status open|confirmed|dismissed] [--all] [--format ...]
iopdir review FLAG_ID --confirm|--dismiss --note TEXT [--by NAME]
"""

import argparse
import csv
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


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
    from flows.progress import LiveProgress
    from flows.refresh import run_refresh, work_root  # Prefect is slow to import; only `run` needs it.

    settings = args.settings
    if args.replay and not os.path.isdir(args.replay):
        print(f"iopdir run: replay folder {args.replay!r} does not exist", file=sys.stderr)
        return 2
    with LiveProgress(work_root(args.db, args.work_dir)):
        summary = run_refresh(
            thresholds=None if args.thresholds else settings.thresholds.model_dump(),
            crawl_settings=settings.crawl_settings(replay=bool(args.replay)),
            full=not args.incremental,
            db_path=args.db,
            spiders=args.source,
            replay_dir=args.replay,
            work_dir=args.work_dir,
            thresholds_path=args.thresholds,
        )
    wall = time.perf_counter() - started
    columns = ["source", "status", "seen", "loaded", "rejected", "new", "changed", "unchanged", "gone", "message"]
    rows = [tuple(getattr(c, k) for k in columns) for c in summary.sources]
    print(f"run {summary.run_id} -> {summary.db_path}: {summary.status}")
    _print_rows(columns, rows, "table")
    if summary.links is not None:
        pairs = ", ".join(f"{k} {v}" for k, v in summary.links.pairs_by_sources.items()) or "none"
        print(
            f"facilities: {summary.links.facilities} from {summary.links.listings} listings; "
            f"{summary.links.multi_source_facilities} in more than one source; links {summary.links.links} ({pairs})"
        )
    if summary.flags is not None:
        per_rule = ", ".join(f"{rule} {n}" for rule, n in summary.flags.by_rule.items())
        print(f"flags: {summary.flags.total} active ({per_rule}); {summary.flags.new} new, {summary.flags.gone} gone")
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in summary.steps_s.items())
    print(f"wall {wall:.1f} s; flow without Prefect start-up: {summary.flow_s:.1f} s ({steps})")
    if args.summary_json:
        record = {**dataclasses.asdict(summary), "wall_s": wall}
        Path(args.summary_json).write_text(json.dumps(record, indent=1, default=str) + "\n", encoding="utf-8")
    return 0 if summary.status == "ok" else 1


#: Exit codes: 0 done; 1 a run with a failed source, or an export that fails validation; 2 a
#: usage or input error (no database, bad SQL, a refused statement, a refused export path);
#: 3 the database is busy (another process holds it), so trying again later may succeed.
EXIT_BUSY = 3


def _open_read_only(command: str, db: str) -> Any:
    """A read-only connection to the database, or None after saying on stderr why there is none.

    A database another process holds for writing raises `pipeline.store.load.DatabaseBusy`, which
    `main` reports with its own exit code.
    """
    import duckdb

    from pipeline.store.connection import connect

    if not os.path.isfile(db):
        print(f"iopdir {command}: no database at {db!r}; run `iopdir run` first", file=sys.stderr)
        return None
    try:
        return connect(db, read_only=True)
    except duckdb.Error as error:
        print(f"iopdir {command}: cannot open {db!r}: {error}", file=sys.stderr)
        return None


def cmd_query(args: argparse.Namespace) -> int:
    """Run SQL on a read-only connection and print the result."""
    import duckdb

    con = _open_read_only("query", args.db)
    if con is None:
        return 2
    try:
        result = con.execute(args.sql)
        columns = [d[0] for d in result.description or []]
        rows = result.fetchall() if columns else []
    except (duckdb.InvalidInputException, duckdb.PermissionException) as error:
        print(
            "iopdir query: the database is opened read-only, without access to other files and with its "
            f"settings locked; this statement would modify it, reach outside it or change a setting: {error}",
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


def _run_evaluation(target: str, path: str, evaluate: Callable[[str], list[Any]]) -> list[Any] | None:
    """Results of `evaluate(path)`, or None after saying on stderr why there are none."""
    if not os.path.isfile(path):
        print(f"iopdir eval {target}: no file {path!r}", file=sys.stderr)
        return None
    try:
        return evaluate(path)
    except (ValueError, OSError) as error:
        print(f"iopdir eval {target}: {path}: {error}", file=sys.stderr)
        return None


def cmd_eval_hours(args: argparse.Namespace) -> int:
    """Score the hours engine on a labelled JSON-lines file; one line per item, then the total."""
    from pipeline.hours.evaluate import evaluate, format_range

    results = _run_evaluation("hours", args.file, evaluate)
    if results is None:
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


def cmd_eval_flags(args: argparse.Namespace) -> int:
    """Score the flag rules on a labelled JSON-lines file: items, confusion table, php_as_iop line."""
    from pipeline.flags.evaluate import confusion, evaluate_flags, precision_recall
    from pipeline.thresholds import load_thresholds

    results = _run_evaluation("flags", args.file, lambda path: evaluate_flags(path, load_thresholds(args.thresholds)))
    if results is None:
        return 2
    for result in results:
        verdict = "ok" if result.expected == result.got else "miss"
        print(f"{result.id}\texpected {result.expected}\tgot {result.got}\t{verdict}")
        if args.verbose:
            for message in result.messages:
                print(f"\t  {message}")
    labels, counts = confusion(results)
    width = max(len(label) for label in labels) + 2
    print()
    print("expected \\ raised".ljust(width) + "".join(label.rjust(width) for label in labels))
    for expected in labels:
        print(expected.ljust(width) + "".join(str(counts[(expected, got)]).rjust(width) for got in labels))
    print()
    precision, recall, tp, fp, fn = precision_recall(results)
    print(f"php_as_iop: precision {precision:.2f} recall {recall:.2f} (tp {tp} fp {fp} fn {fn})")
    return 0


def cmd_flags(args: argparse.Namespace) -> int:
    """List flags with their evidence, read-only."""
    import duckdb

    where, params = [], []
    if not args.all:
        where.append("active")
    for column, value in (("state", args.state), ("rule_id", args.rule), ("status", args.status)):
        if value:
            where.append(f"{column} = ?")
            params.append(value.upper() if column == "state" else value)
    columns = (
        "flag_id, rule_id, severity, status, state, name, name2, message, evidence, thresholds, rule_version, "
        "reopened, review_note, reviewer, active, first_seen, last_seen, source, source_record_id, listing_id"
    )
    sql = (
        f"SELECT {columns} FROM flags {'WHERE ' + ' AND '.join(where) if where else ''} "
        "ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, rule_id, state, name"
    )
    con = _open_read_only("flags", args.db)
    if con is None:
        return 2
    try:
        result = con.execute(sql, params)
        names = [d[0] for d in result.description or []]
        rows = result.fetchall()
    except duckdb.Error as error:
        print(f"iopdir flags: {error}", file=sys.stderr)
        return 2
    finally:
        con.close()
    if args.format == "table":
        keep = ["flag_id", "rule_id", "severity", "status", "state", "name", "message"]
        index = [names.index(k) for k in keep]
        _print_rows(keep, [tuple(r[i] for i in index) for r in rows], "table")
    elif args.format == "json":
        records = [dict(zip(names, r, strict=True)) for r in rows]
        for record in records:
            for key in ("evidence", "thresholds"):
                record[key] = json.loads(record[key]) if record[key] else None
        print(json.dumps(records, default=str, indent=1))
    else:
        _print_rows(names, rows, "csv")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """Record a maintainer's decision on a flag."""
    import getpass

    from pipeline.flags.store import ReviewError, record_review

    if not os.path.isfile(args.db):
        print(f"iopdir review: no database at {args.db!r}", file=sys.stderr)
        return 2
    decision = "confirmed" if args.confirm else "dismissed"
    try:
        review_id = record_review(args.db, args.flag_id, decision, args.note, args.by or getpass.getuser())
    except ReviewError as error:
        print(f"iopdir review: {error}", file=sys.stderr)
        return 2
    print(f"flag {args.flag_id}: {decision} (review {review_id})")
    return 0


def cmd_changes(args: argparse.Namespace) -> int:
    """List what runs did to listings: new, changed (with the fields), returned and gone."""
    import duckdb

    con = _open_read_only("changes", args.db)
    if con is None:
        return 2
    try:
        runs = [r[0] for r in con.execute("SELECT run_id FROM runs ORDER BY run_id").fetchall()]
        if not runs:
            print("iopdir changes: no run yet", file=sys.stderr)
            return 2
        if args.since is None:
            where, params = "run_id = ?", [runs[-1]]
        elif args.since in runs:
            where, params = "run_id > ?", [args.since]
        else:
            try:
                since = datetime.fromisoformat(args.since)
            except ValueError:
                print(f"iopdir changes: --since {args.since!r} is neither a run id nor a date", file=sys.stderr)
                return 2
            where, params = "changed_at >= ?", [since if since.tzinfo else since.replace(tzinfo=UTC)]
        if args.source:
            where += " AND source = ?"
            params.append(args.source)
        rows = con.execute(
            f"""
            SELECT run_id, change, source, coalesce(after ->> 'name', before ->> 'name') AS name,
                   coalesce(after ->> 'state', before ->> 'state') AS state, listing_id, fields, before, after
            FROM listing_changes WHERE {where}
            ORDER BY run_id, CASE change WHEN 'new' THEN 0 WHEN 'changed' THEN 1 WHEN 'returned' THEN 2 ELSE 3 END,
                     source, name, listing_id
            """,
            params,
        ).fetchall()
    except duckdb.Error as error:
        print(f"iopdir changes: {error}", file=sys.stderr)
        return 2
    finally:
        con.close()
    if args.format == "json":
        records = []
        for run_id, change, source, name, state, listing_id, fields, before, after in rows:
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
            records.append(record)
        print(json.dumps(records, default=str, indent=1))
        return 0
    columns = ["run_id", "change", "source", "state", "name", "fields", "listing_id"]
    table = [(r[0], r[1], r[2], r[4], r[3], ", ".join(r[6] or []), r[5]) for r in rows]
    _print_rows(columns, table, args.format)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Register the scheduled refresh deployment, then run its flow runs until stopped."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    from flows.deploy import refresh_deployment, register, serve_forever

    try:
        CronSchedule(cron=args.cron, timezone=args.timezone)
    except ValidationError:
        print(f"iopdir serve: {args.cron!r} / {args.timezone!r} is not a valid cron schedule", file=sys.stderr)
        return 2
    deployment = refresh_deployment(
        cron=args.cron,
        db_path=os.path.abspath(args.db),
        spiders=args.source,
        replay_dir=os.path.abspath(args.replay) if args.replay else None,
        thresholds_path=args.thresholds,
        name=args.name,
        timezone=args.timezone,
        extra={
            "crawl_settings": args.settings.crawl_settings(replay=bool(args.replay)),
            **({} if args.thresholds else {"thresholds": args.settings.thresholds.model_dump()}),
        },
    )
    if args.register_only:
        deployment_id = register(deployment)
        print(f"deployment refresh/{args.name} ({deployment_id}) scheduled '{args.cron}'")
        return 0
    serve_forever(deployment)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export the database as HSDS 3.0 JSON, Parquet or CSV files."""
    from pipeline.outputs.tabular import ExportPathError, check_out_dir, mark_export

    if not os.path.isfile(args.db):
        print(f"iopdir export: no database at {args.db!r}; run `iopdir run` first", file=sys.stderr)
        return 2
    try:
        # Before any work: a refused folder costs nothing, and nothing is half-written.
        check_out_dir(args.db, args.out_dir, args.format, force=args.force)
    except ExportPathError as error:
        print(f"iopdir export: {error}", file=sys.stderr)
        return 2
    if args.format == "hsds":
        from pipeline.outputs.hsds import export_hsds, validate_hsds

        counts = export_hsds(args.db, args.out_dir, state=args.state)
        mark_export(args.out_dir, "hsds", args.state)
        print(", ".join(f"{name} {n}" for name, n in counts.items()) + f" -> {args.out_dir}")
        if args.validate:
            errors = validate_hsds(args.out_dir)
            for error in errors[:50]:
                print(f"invalid: {error}", file=sys.stderr)
            print(f"HSDS 3.0 validation: {len(errors)} error(s)")
            return 1 if errors else 0
        return 0
    from pipeline.outputs.tabular import export_files

    counts = export_files(args.db, args.out_dir, args.format, state=args.state, force=args.force)
    print(", ".join(f"{name} {n}" for name, n in counts.items()) + f" -> {args.out_dir}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the self-contained HTML review report."""
    from pipeline.outputs.report.build import write_report
    from pipeline.thresholds import Thresholds

    if not os.path.isfile(args.db):
        print(f"iopdir report: no database at {args.db!r}; run `iopdir run` first", file=sys.stderr)
        return 2
    counts = write_report(args.db, args.out, Thresholds(**args.settings.thresholds.model_dump()))
    print(f"report -> {args.out} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    return 0


def build_parser(settings: Any = None) -> argparse.ArgumentParser:
    """The argument parser of `iopdir`; defaults come from the configuration (flows/config.py)."""
    if settings is None:
        from flows.config import Settings

        settings = Settings.model_construct()
    db_default = settings.db
    parser = argparse.ArgumentParser(prog="iopdir", description="US intensive outpatient program directory.")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="crawl, normalize and load sources into the DuckDB file")
    run.add_argument("--db", default=db_default, help=f"DuckDB file (default {db_default})")
    run.add_argument(
        "--source",
        nargs="+",
        action="extend",
        metavar="NAME",
        help="spider(s) to run (default: all configured), e.g. samhsa_directory",
    )
    run.add_argument("--incremental", action="store_true", help="add and update listings, but mark none gone")
    run.add_argument("--replay", metavar="DIR", help="answer requests from this mirror, e.g. ../shared/data")
    run.add_argument("--work-dir", metavar="DIR", help="where crawl output goes (default: next to the DB)")
    run.add_argument("--summary-json", metavar="FILE", help="also write the run's summary (counts, step times) as JSON")
    run.add_argument(
        "--thresholds", metavar="FILE.toml", help="IOP/PHP hour thresholds (default: $IOPDIR_THRESHOLDS or built-in)"
    )
    run.set_defaults(func=cmd_run)

    serve = commands.add_parser("serve", help="run the refresh flow on a cron schedule (Prefect serve)")
    serve.add_argument("--cron", default="0 3 * * 1", help="cron schedule (default: Mondays 03:00)")
    serve.add_argument("--timezone", help="time zone of the schedule, e.g. America/New_York (default: UTC)")
    serve.add_argument("--name", default="weekly-refresh", help="deployment name")
    serve.add_argument("--db", default=db_default)
    serve.add_argument("--source", nargs="+", action="extend", metavar="NAME", help="spider(s) (default: all)")
    serve.add_argument("--replay", metavar="DIR", help="answer requests from this mirror instead of the network")
    serve.add_argument("--thresholds", metavar="FILE.toml")
    serve.add_argument("--register-only", action="store_true", help="register the deployment and exit")
    serve.set_defaults(func=cmd_serve)

    query = commands.add_parser("query", help="run SQL on the database, read-only")
    query.add_argument("sql")
    query.add_argument("--db", default=db_default)
    query.add_argument("--format", choices=("table", "csv", "json"), default="table")
    query.set_defaults(func=cmd_query)

    evaluate = commands.add_parser("eval", help="measure the pipeline against labelled data")
    targets = evaluate.add_subparsers(dest="target", required=True)
    hours = targets.add_parser("hours", help="weekly hours on a schedules_public.jsonl-style file")
    hours.add_argument("file", metavar="FILE.jsonl")
    hours.add_argument("-v", "--verbose", action="store_true", help="also print the evidence of each answer")
    hours.set_defaults(func=cmd_eval_hours)
    flag_eval = targets.add_parser("flags", help="level flags on a schedules_public.jsonl-style file")
    flag_eval.add_argument("file", metavar="FILE.jsonl")
    flag_eval.add_argument("-v", "--verbose", action="store_true", help="also print each raised flag's message")
    flag_eval.add_argument("--thresholds", metavar="FILE.toml", help="IOP/PHP hour thresholds")
    flag_eval.set_defaults(func=cmd_eval_flags)

    changes = commands.add_parser("changes", help="new, changed, returned and gone listings, run by run")
    changes.add_argument("--since", metavar="RUN_ID|DATE", help="after this run, or from this date (default: last run)")
    changes.add_argument("--source", help="only this source")
    changes.add_argument("--db", default=db_default)
    changes.add_argument("--format", choices=("table", "csv", "json"), default="table")
    changes.set_defaults(func=cmd_changes)

    export = commands.add_parser("export", help="export the database: HSDS 3.0 JSON, Parquet or CSV")
    export.add_argument("format", choices=("hsds", "parquet", "csv"))
    export.add_argument("out_dir", metavar="OUT_DIR")
    export.add_argument("--state", metavar="XX", help="only this state")
    export.add_argument("--validate", action="store_true", help="hsds: validate against the HSDS 3.0 schemas")
    export.add_argument(
        "--force", action="store_true", help="write into OUT_DIR even if it holds other files than an earlier export"
    )
    export.add_argument("--db", default=db_default)
    export.set_defaults(func=cmd_export)

    report = commands.add_parser("report", help="write a self-contained HTML review report")
    report.add_argument("out", metavar="OUT.html")
    report.add_argument("--db", default=db_default)
    report.set_defaults(func=cmd_report)

    flags = commands.add_parser("flags", help="list level-of-care flags with their evidence (read-only)")
    flags.add_argument("--db", default=db_default)
    flags.add_argument("--state", metavar="XX", help="two-letter state")
    flags.add_argument("--rule", metavar="ID", help="e.g. php_as_iop")
    flags.add_argument("--status", choices=("open", "confirmed", "dismissed"))
    flags.add_argument("--all", action="store_true", help="include flags no longer raised")
    flags.add_argument("--format", choices=("table", "csv", "json"), default="table")
    flags.set_defaults(func=cmd_flags)

    review = commands.add_parser("review", help="confirm or dismiss a flag")
    review.add_argument("flag_id")
    decision = review.add_mutually_exclusive_group(required=True)
    decision.add_argument("--confirm", action="store_true")
    decision.add_argument("--dismiss", action="store_true")
    review.add_argument("--note", required=True, help="why (kept with the decision)")
    review.add_argument("--by", metavar="NAME", help="reviewer (default: your login)")
    review.add_argument("--db", default=db_default)
    review.set_defaults(func=cmd_review)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `iopdir` console script."""
    from pydantic import ValidationError

    from flows.config import config_path, load_settings

    try:
        settings = load_settings()
    except ValidationError as error:
        print(f"iopdir: configuration ({config_path() or 'environment'}) is invalid: {error}", file=sys.stderr)
        return 2
    args = build_parser(settings).parse_args(argv)
    args.settings = settings
    if getattr(args, "command", None) in {"run", "serve"} and not args.source:
        args.source = list(settings.sources)
    try:
        return int(args.func(args))
    except RuntimeError as error:
        # Imported here, not above: commands that never open the database skip DuckDB's import.
        from pipeline.store.connection import DatabaseBusy

        if not isinstance(error, DatabaseBusy):
            raise
        # Not a failure of this command: another process has the file (DuckDB locks it per
        # process). A plain message and its own exit code, so a script can wait and retry.
        print(f"iopdir {args.command}: {error}", file=sys.stderr)
        return EXIT_BUSY


if __name__ == "__main__":
    sys.exit(main())
