"""`iopdir flags` (list level-of-care flags, read-only) and `iopdir review` (maintainers' decisions).

`iopdir review ID` takes a full flag id or a unique prefix of one; `iopdir review --from FILE.csv`
records many decisions, checked whole first and then written in one transaction (all or none).
"""

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.flags.store import Review

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


#: Words a decision may be given in (the CSV's `decision` column) -> the decision recorded.
DECISION_WORDS = {"confirm": "confirmed", "confirmed": "confirmed", "dismiss": "dismissed", "dismissed": "dismissed"}
CSV_COLUMNS = ("flag_id", "decision", "note")


def cmd_review(args: argparse.Namespace) -> int:
    """Record a maintainer's decision on a flag, or the decisions of a CSV file (`--from`)."""
    import getpass

    from pipeline.flags.store import Review, ReviewError, record_reviews

    require_database(args.db, suggest_run=False)
    reviewer = args.by or getpass.getuser()
    if args.csv:
        if args.flag_id or args.confirm or args.dismiss or args.note is not None:
            raise CommandError("--from FILE.csv takes the flag ids, decisions and notes from the file; give no others")
        reviews = read_decisions(args.db, Path(args.csv), reviewer)
    else:
        if not args.flag_id or not (args.confirm or args.dismiss) or args.note is None:
            raise CommandError("give FLAG_ID, --confirm or --dismiss, and --note TEXT (or --from FILE.csv)")
        decision = "confirmed" if args.confirm else "dismissed"
        reviews = [Review(resolve_flag_id(args.db, args.flag_id), decision, args.note, reviewer)]
    try:
        review_ids = record_reviews(args.db, reviews)
    except ReviewError as error:
        raise CommandError(str(error)) from error
    if args.csv:
        decided = {d: sum(r.decision == d for r in reviews) for d in DECISION_WORDS.values()}
        print(
            f"{args.csv}: {len(reviews)} decisions recorded ({decided['confirmed']} confirmed, "
            f"{decided['dismissed']} dismissed)"
        )
    else:
        print(f"flag {reviews[0].flag_id}: {reviews[0].decision} (review {review_ids[0]})")
    return EXIT_OK


def resolve_flag_id(db: str, prefix: str) -> str:
    """The one flag id starting with `prefix`; `CommandError` naming the candidates if none or several."""
    import duckdb

    from pipeline.flags.store import flag_ids_starting
    from pipeline.store.connection import DatabaseUnusable

    prefix = prefix.strip()
    if not prefix:
        raise CommandError("an empty flag id")
    try:
        found = flag_ids_starting(db, prefix)
    except duckdb.Error as error:
        if "not a valid DuckDB database file" in str(error):  # said as every command says it (exit 2)
            raise DatabaseUnusable(db, "the file exists but is not a DuckDB database file") from error
        raise CommandError(f"cannot read the flags of {db!r}: {error}") from error
    if prefix in found:
        return prefix
    if len(found) == 1:
        return found[0]
    if not found:
        raise CommandError(f"no flag {prefix!r}; list them with `iopdir flags`")
    more = " …" if len(found) > 10 else ""
    raise CommandError(f"flag id {prefix!r} is ambiguous: {', '.join(found[:10])}{more}; give more of it")


def read_decisions(db: str, path: Path, reviewer: str) -> list["Review"]:
    """Every row of a decisions CSV checked, before anything is written; `CommandError` names a bad row's field."""
    from pipeline.flags.store import Review

    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(f"{path}: missing column(s) {', '.join(missing)} (need {', '.join(CSV_COLUMNS)})")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"cannot read {path}: {error}") from error
    reviews: list[Review] = []
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        where = f"{path} row {number} (line {number + 1})"

        def field(name: str, row: dict[str, str | None] = row) -> str:
            return (row.get(name) or "").strip()

        decision = DECISION_WORDS.get(field("decision").lower())
        if decision is None:
            raise CommandError(f"{where}, field decision: {field('decision')!r} is not confirm or dismiss")
        if not field("note"):
            raise CommandError(f"{where}, field note: empty; a review needs a note saying why")
        try:
            flag_id = resolve_flag_id(db, field("flag_id"))
        except CommandError as error:
            raise CommandError(f"{where}, field flag_id: {error}") from error
        if flag_id in first_row:
            raise CommandError(f"{where}, field flag_id: flag {flag_id} is already decided in row {first_row[flag_id]}")
        first_row[flag_id] = number
        reviews.append(Review(flag_id, decision, field("note"), field("reviewer") or reviewer))
    if not reviews:
        raise CommandError(f"{path}: no decisions in it")
    return reviews
