"""The argument parser of `iopdir`: one small function per command adds its subparser.

iopdir run [--db PATH] [--source NAME ...] [--replay DIR] [--accept-drop SOURCE ...]
iopdir query "SQL" [--db PATH] [--format table|csv|json] [--timeout S] [--limit N]
iopdir serve [--cron "0 3 * * 1"] [--timezone TZ] [--db PATH] [--source ...] [--register-only]
iopdir eval hours FILE.jsonl
iopdir eval flags FILE.jsonl
iopdir eval links FILE.jsonl [--db PATH]
iopdir changes [--since RUN_ID|DATE] [--source NAME] [--format table|csv|json]
iopdir export hsds|parquet|csv OUT_DIR [--state XX] [--validate] [--force]
iopdir report OUT.html
iopdir flags [--state XX] [--rule ID] [--status open|confirmed|dismissed] [--min-confidence high|medium|low]
             [--all] [--format ...]
iopdir review FLAG_ID --confirm|--dismiss --note TEXT [--by NAME]
"""

import argparse
from collections.abc import Callable
from typing import Any, TypeAlias

from flows.cli.evaluate import cmd_eval_flags, cmd_eval_hours, cmd_eval_links
from flows.cli.export import cmd_export, cmd_report
from flows.cli.query import cmd_changes, cmd_query
from flows.cli.review import cmd_flags, cmd_review
from flows.cli.run import cmd_run, cmd_serve
from schemas.vocab import Confidence

# What `add_subparsers` returns: argparse keeps its class private.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

FORMATS = ("table", "csv", "json")
#: `iopdir query --timeout`'s default: five minutes.
QUERY_TIMEOUT_SECONDS = 300


def build_parser(settings: Any = None) -> argparse.ArgumentParser:
    """The argument parser of `iopdir`; defaults come from the configuration (flows/config.py)."""
    if settings is None:
        from flows.config import Settings

        settings = Settings.model_construct()
    parser = argparse.ArgumentParser(prog="iopdir", description="US intensive outpatient program directory.")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(commands, settings.db)
    return parser


def _add_run(commands: Commands, db_default: str) -> None:
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
    run.add_argument(
        "--accept-drop",
        action="append",
        metavar="SOURCE",
        help="take this source's drop past the guard's limits on purpose, this run (repeatable), e.g. samhsa_su",
    )
    run.add_argument("--replay", metavar="DIR", help="answer requests from this mirror, e.g. ../shared/data")
    run.add_argument("--work-dir", metavar="DIR", help="where crawl output goes (default: next to the DB)")
    run.add_argument("--summary-json", metavar="FILE", help="also write the run's summary (counts, step times) as JSON")
    run.add_argument(
        "--thresholds", metavar="FILE.toml", help="IOP/PHP hour thresholds (default: $IOPDIR_THRESHOLDS or built-in)"
    )
    run.set_defaults(func=cmd_run)


def _add_serve(commands: Commands, db_default: str) -> None:
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


def _add_query(commands: Commands, db_default: str) -> None:
    query = commands.add_parser("query", help="run SQL on the database, read-only")
    query.add_argument("sql")
    query.add_argument("--db", default=db_default)
    query.add_argument("--format", choices=FORMATS, default="table")
    query.add_argument(
        "--timeout",
        type=float,
        default=QUERY_TIMEOUT_SECONDS,
        metavar="S",
        help=f"stop the query after S seconds (default {QUERY_TIMEOUT_SECONDS}; 0: no limit)",
    )
    query.add_argument("--limit", type=int, metavar="N", help="print at most N rows")
    query.set_defaults(func=cmd_query)


def _add_eval(commands: Commands, db_default: str) -> None:
    evaluate = commands.add_parser("eval", help="measure the pipeline against labelled data")
    targets = evaluate.add_subparsers(dest="target", required=True)
    hours = targets.add_parser("hours", help="weekly hours on a schedules_public.jsonl-style file")
    hours.add_argument("file", metavar="FILE.jsonl")
    hours.add_argument("-v", "--verbose", action="store_true", help="also print the evidence of each answer")
    hours.set_defaults(func=cmd_eval_hours)
    flags = targets.add_parser("flags", help="level flags on a schedules_public.jsonl-style file")
    flags.add_argument("file", metavar="FILE.jsonl")
    flags.add_argument("-v", "--verbose", action="store_true", help="also print each raised flag's message")
    flags.add_argument("--thresholds", metavar="FILE.toml", help="IOP/PHP hour thresholds")
    flags.set_defaults(func=cmd_eval_flags)
    links = targets.add_parser("links", help="facilities on hand-labelled pairs of listings")
    links.add_argument("file", metavar="FILE.jsonl")
    links.add_argument("--db", default=db_default, help=f"DuckDB file to score (default {db_default})")
    links.add_argument("-v", "--verbose", action="store_true", help="also print each label's reason")
    links.set_defaults(func=cmd_eval_links)


def _add_changes(commands: Commands, db_default: str) -> None:
    changes = commands.add_parser("changes", help="new, changed, returned and gone listings, run by run")
    changes.add_argument("--since", metavar="RUN_ID|DATE", help="after this run, or from this date (default: last run)")
    changes.add_argument("--source", help="only this source")
    changes.add_argument("--db", default=db_default)
    changes.add_argument("--format", choices=FORMATS, default="table")
    changes.set_defaults(func=cmd_changes)


def _add_export(commands: Commands, db_default: str) -> None:
    export = commands.add_parser("export", help="export the database: HSDS 3.0 JSON, Parquet or CSV")
    export.add_argument("format", choices=("hsds", "parquet", "csv"))
    export.add_argument("out_dir", metavar="OUT_DIR")
    export.add_argument("--state", metavar="XX", help="only this state")
    export.add_argument("--validate", action="store_true", help="hsds: validate against the HSDS 3.0 schemas")
    export.add_argument(
        "--format",
        dest="hsds_format",
        choices=("json", "csv"),
        default="json",
        help="hsds: JSON tables (default), or the tabular data package (CSV files and datapackage.json)",
    )
    export.add_argument(
        "--force", action="store_true", help="write into OUT_DIR even if it holds other files than an earlier export"
    )
    export.add_argument("--db", default=db_default)
    export.set_defaults(func=cmd_export)


def _add_report(commands: Commands, db_default: str) -> None:
    report = commands.add_parser("report", help="write a self-contained HTML review report")
    report.add_argument("out", metavar="OUT.html")
    report.add_argument("--db", default=db_default)
    report.set_defaults(func=cmd_report)


def _add_flags(commands: Commands, db_default: str) -> None:
    flags = commands.add_parser("flags", help="list level-of-care flags with their evidence (read-only)")
    flags.add_argument("--db", default=db_default)
    flags.add_argument("--state", metavar="XX", help="two-letter state")
    flags.add_argument("--rule", metavar="ID", help="e.g. php_as_iop")
    flags.add_argument("--status", choices=("open", "confirmed", "dismissed"))
    flags.add_argument(
        "--min-confidence",
        choices=[str(c) for c in Confidence],
        help="only flags whose evidence is at least this strong (high: the program's own hours)",
    )
    flags.add_argument("--all", action="store_true", help="include flags no longer raised")
    flags.add_argument("--format", choices=FORMATS, default="table")
    flags.set_defaults(func=cmd_flags)


def _add_review(commands: Commands, db_default: str) -> None:
    review = commands.add_parser("review", help="confirm or dismiss a flag")
    review.add_argument("flag_id")
    decision = review.add_mutually_exclusive_group(required=True)
    decision.add_argument("--confirm", action="store_true")
    decision.add_argument("--dismiss", action="store_true")
    review.add_argument("--note", required=True, help="why (kept with the decision)")
    review.add_argument("--by", metavar="NAME", help="reviewer (default: your login)")
    review.add_argument("--db", default=db_default)
    review.set_defaults(func=cmd_review)


# The commands, in the order `iopdir --help` lists them.
COMMANDS: tuple[Callable[[Commands, str], None], ...] = (
    _add_run,
    _add_serve,
    _add_query,
    _add_eval,
    _add_changes,
    _add_export,
    _add_report,
    _add_flags,
    _add_review,
)
