"""`iopdir flags` (list level-of-care flags, read-only) and `iopdir review` (a maintainer's decision on one)."""

import argparse
import json
import sys

from flows.cli.common import EXIT_OK, CommandError, print_json, print_rows, read_only, require_database

# The table shows what a reviewer scans; csv and json carry every column.
TABLE_COLUMNS = ["flag_id", "rule_id", "severity", "confidence", "status", "state", "name", "message"]


def cmd_flags(args: argparse.Namespace) -> int:
    """List flags with their evidence, read-only."""
    from flows.cli.checks import flag_filters
    from pipeline.store.queries import list_flags
    from pipeline.store.runs import flags_lag

    with read_only(args.db) as con:
        flags = list_flags(
            con,
            state=args.state,
            rule_id=args.rule,
            status=args.status,
            min_confidence=args.min_confidence,
            include_inactive=args.all,
            **flag_filters(con, args),
        )
        lag = flags_lag(con)
    if lag:
        # On stderr: the listing on stdout keeps its format for scripts.
        print(f"iopdir flags: warning: {lag}", file=sys.stderr)
    if args.format == "table":
        index = [flags.columns.index(k) for k in TABLE_COLUMNS]
        print_rows(TABLE_COLUMNS, [tuple(r[i] for i in index) for r in flags.rows], "table")
    elif args.format == "json":
        records = [dict(zip(flags.columns, r, strict=True)) for r in flags.rows]
        for record in records:
            for key in ("evidence", "thresholds"):
                record[key] = json.loads(record[key]) if record[key] else None
        print_json(records)
    else:
        print_rows(flags.columns, flags.rows, "csv")
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    """Record a maintainer's decision on a flag."""
    import getpass

    from pipeline.flags.store import ReviewError, record_review

    require_database(args.db, suggest_run=False)
    decision = "confirmed" if args.confirm else "dismissed"
    try:
        review_id = record_review(args.db, args.flag_id, decision, args.note, args.by or getpass.getuser())
    except ReviewError as error:
        raise CommandError(str(error)) from error
    print(f"flag {args.flag_id}: {decision} (review {review_id})")
    return EXIT_OK
