"""The argument parser of `iopdir`: one small function per command adds its subparser.

iopdir run [--wide] [--db PATH] [--source NAME ...] [--replay DIR] [--accept-drop SOURCE ...]
iopdir query "SQL" [--db PATH] [--format table|csv|json] [--timeout S] [--limit N] [--wide]
iopdir serve [--cron "0 3 * * 1"] [--timezone TZ] [--db PATH] [--source ...] [--register-only]
iopdir eval hours FILE.jsonl
iopdir eval flags FILE.jsonl
iopdir eval links FILE.jsonl [--db PATH]
iopdir changes [--since RUN_ID|DATE] [--source NAME] [--format table|csv|json] [--wide]
iopdir export hsds|parquet|csv OUT_DIR [--state XX] [--validate] [--force] [--format json|csv] [--all-facilities]
iopdir report OUT.html
iopdir flags [--state XX] [--rule ID] [--source NAME] [--severity high|medium|low] [--since RUN_ID|DATE]
             [--status open|confirmed|dismissed] [--min-confidence high|medium|low] [--all] [--format ...] [--wide]
iopdir review FLAG_ID --confirm|--dismiss --note TEXT [--by NAME]
iopdir review --from FILE.csv [--by NAME]
iopdir ui [--db PATH] [--host 127.0.0.1] [--port 8765] [--by NAME]
iopdir show ID [--db PATH] [--format table|json] [--wide]
iopdir runs [--db PATH] [--limit N] [--format table|csv|json] [--wide]
iopdir sources [--db PATH] [--format table|csv|json] [--wide]
iopdir completion bash|zsh
iopdir --version

A `--source NAME` is a spider (`samhsa_directory`) or one of its sources (`samhsa_su`). Tables cut
a cell at 60 characters, ending it in "…"; `--wide` cuts nothing. Every command's `--help` ends
with examples (`EXAMPLES`), which tests/cli/test_help.py parses, so they stay true.
"""

import argparse
from collections.abc import Callable
from typing import Any, TypeAlias

from flows.cli.completion import SHELLS, cmd_completion, package_version
from flows.cli.evaluate import cmd_eval_flags, cmd_eval_hours, cmd_eval_links
from flows.cli.export import cmd_export, cmd_report
from flows.cli.query import cmd_changes, cmd_query
from flows.cli.review import cmd_flags, cmd_review
from flows.cli.run import cmd_run, cmd_serve
from flows.cli.show import cmd_runs, cmd_show, cmd_sources
from flows.cli.ui import cmd_ui
from schemas.vocab import Confidence, Severity

# What `add_subparsers` returns: argparse keeps its class private.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

FORMATS = ("table", "csv", "json")
SOURCE_HELP = "only this source: a spider (all its sources, e.g. samhsa_directory) or a source (e.g. samhsa_su)"
#: `iopdir query --timeout`'s default: five minutes.
QUERY_TIMEOUT_SECONDS = 300


def build_parser(settings: Any = None) -> argparse.ArgumentParser:
    """The argument parser of `iopdir`; defaults come from the configuration (flows/config.py)."""
    if settings is None:
        from flows.config import Settings

        settings = Settings.model_construct()
    parser = argparse.ArgumentParser(prog="iopdir", description="US intensive outpatient program directory.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(commands, settings.db)
    return parser


def _add_run(commands: Commands, db_default: str) -> None:
    def at_least_one(value: str) -> int:
        if not value.strip().isdigit() or int(value) < 1:
            raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {value!r}")
        return int(value)

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
    run.add_argument(
        "--keep-crawls",
        type=at_least_one,
        metavar="N",
        help="after a successful run, keep the crawl output of the last N runs (default: keep_crawls, 3)",
    )
    run.add_argument("--summary-json", metavar="FILE", help="also write the run's summary (counts, step times) as JSON")
    run.add_argument(
        "--thresholds", metavar="FILE.toml", help="IOP/PHP hour thresholds (default: $IOPDIR_THRESHOLDS or built-in)"
    )
    _add_wide(run)
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
    _add_wide(query)
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
    changes.add_argument("--source", metavar="NAME", help=SOURCE_HELP)
    changes.add_argument("--db", default=db_default)
    changes.add_argument("--format", choices=FORMATS, default="table")
    _add_wide(changes)
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
        "--all-facilities",
        action="store_true",
        help="hsds: every facility, not only those with an IOP or PHP listing or an open flag",
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
    flags.add_argument("--source", metavar="NAME", help=SOURCE_HELP)
    flags.add_argument("--severity", choices=[str(s) for s in Severity])
    flags.add_argument(
        "--since", metavar="RUN_ID|DATE", help="only flags first raised after this run, or from this date on"
    )
    flags.add_argument("--status", choices=("open", "confirmed", "dismissed"))
    flags.add_argument(
        "--min-confidence",
        choices=[str(c) for c in Confidence],
        help="only flags whose evidence is at least this strong (high: the program's own hours)",
    )
    flags.add_argument("--all", action="store_true", help="include flags no longer raised")
    flags.add_argument("--format", choices=FORMATS, default="table")
    _add_wide(flags)
    flags.set_defaults(func=cmd_flags)


def _add_review(commands: Commands, db_default: str) -> None:
    review = commands.add_parser("review", help="confirm or dismiss a flag, or many from a CSV file")
    review.add_argument("flag_id", nargs="?", help="a flag id, or a unique prefix of one")
    decision = review.add_mutually_exclusive_group()
    decision.add_argument("--confirm", action="store_true")
    decision.add_argument("--dismiss", action="store_true")
    review.add_argument("--note", help="why (kept with the decision)")
    review.add_argument(
        "--from", dest="csv", metavar="FILE.csv", help="decisions from a CSV file: flag_id, decision, note[, reviewer]"
    )
    review.add_argument("--by", metavar="NAME", help="reviewer (default: your login)")
    review.add_argument("--db", default=db_default)
    review.set_defaults(func=cmd_review)


def _add_ui(commands: Commands, db_default: str) -> None:
    ui = commands.add_parser("ui", help="review flags in the browser: the report served locally, with decisions")
    ui.add_argument("--db", default=db_default)
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    ui.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    ui.add_argument("--by", metavar="NAME", help="reviewer the decisions are recorded as (default: your login)")
    ui.set_defaults(func=cmd_ui)


def _add_wide(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wide", action="store_true", help="tables: show every cell whole (default: cut at 60, …)")


def _add_show(commands: Commands, db_default: str) -> None:
    show = commands.add_parser("show", help="one listing or facility: records, history, flags, reviews (read-only)")
    show.add_argument("id", metavar="ID", help="a listing or facility id, or a prefix of one that no other id has")
    show.add_argument("--db", default=db_default)
    show.add_argument("--format", choices=("table", "json"), default="table")
    _add_wide(show)
    show.set_defaults(func=cmd_show)


def _add_runs(commands: Commands, db_default: str) -> None:
    runs = commands.add_parser("runs", help="recent runs: status, start and end, counts per source (read-only)")
    runs.add_argument("--db", default=db_default)
    runs.add_argument("--limit", type=int, default=10, metavar="N", help="the last N runs (default 10)")
    runs.add_argument("--format", choices=FORMATS, default="table")
    _add_wide(runs)
    runs.set_defaults(func=cmd_runs)


def _add_sources(commands: Commands, db_default: str) -> None:
    sources = commands.add_parser(
        "sources", help="spiders and their listing sources; with a database, active listings and last runs"
    )
    sources.add_argument("--db", default=db_default, help=f"DuckDB file, if there is one (default {db_default})")
    sources.add_argument("--format", choices=FORMATS, default="table")
    _add_wide(sources)
    sources.set_defaults(func=cmd_sources)


def _add_completion(commands: Commands, db_default: str) -> None:
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script (bash or zsh)",
        description="Print a completion script for the shell; e.g. save bash's as "
        '~/.local/share/bash-completion/completions/iopdir, or add `eval "$(iopdir completion zsh)"` to ~/.zshrc.',
    )
    completion.add_argument("shell", choices=SHELLS)
    completion.set_defaults(func=cmd_completion)


#: Each command's examples, shown at the end of its `--help` (tests/cli/test_help.py parses each one).
EXAMPLES: dict[str, tuple[str, ...]] = {
    "run": ("iopdir run --replay ../shared/data", "iopdir run --source samhsa_directory --incremental"),
    "serve": ('iopdir serve --cron "0 3 * * 1" --timezone America/New_York',),
    "query": ('iopdir query "SELECT state, count(*) FROM listings WHERE active GROUP BY 1" --format csv',),
    "eval hours": ("iopdir eval hours tests/fixtures/schedules/holdout.jsonl",),
    "eval flags": ("iopdir eval flags tests/fixtures/schedules/holdout.jsonl -v",),
    "eval links": ("iopdir eval links tests/fixtures/links/pairs.jsonl",),
    "eval": ("iopdir eval hours tests/fixtures/schedules/holdout.jsonl",),
    "changes": ("iopdir changes", "iopdir changes --since 2026-11-01 --source samhsa_directory --format json"),
    "export": (
        "iopdir export hsds out/hsds --validate",
        "iopdir export hsds out/hsds-package --format csv --validate",
        "iopdir export hsds out/hsds-all --all-facilities",
        "iopdir export csv out/csv --state OH",
    ),
    "report": ("iopdir report out/report.html",),
    "flags": (
        "iopdir flags --severity high --source samhsa_directory",
        "iopdir flags --rule php_as_iop --state CA --since 2026-11-01 --wide",
    ),
    "review": (
        'iopdir review 9c0e5b1a --dismiss --note "Checked the page: separate PHP track" --by ana',
        "iopdir review --from decisions.csv --by ana",
    ),
    "ui": ("iopdir ui", "iopdir ui --db iop.duckdb --port 8800"),
    "show": ("iopdir show 3f2a9c", "iopdir show 3f2a9c --format json"),
    "runs": ("iopdir runs --limit 5", "iopdir runs --format json"),
    "sources": ("iopdir sources", "iopdir sources --db iop.duckdb --format csv"),
    "completion": ("iopdir completion bash", "iopdir completion zsh"),
}


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """A parser's subcommands by name, its subcommands' own ones as "eval hours"."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found.update({f"{name} {k}": v for k, v in subcommands(sub).items()})
    return found


def _add_examples(commands: Commands, db_default: str) -> None:
    """Last: end every command's `--help` (those added above) with its `EXAMPLES`."""
    for name, sub in commands.choices.items():
        for path, parser in {name: sub, **{f"{name} {k}": v for k, v in subcommands(sub).items()}}.items():
            parser.formatter_class = argparse.RawDescriptionHelpFormatter
            parser.epilog = "Example:\n" + "\n".join(f"  {line}" for line in EXAMPLES.get(path, ()))


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
    _add_ui,
    _add_show,
    _add_runs,
    _add_sources,
    _add_completion,
    _add_examples,
)
