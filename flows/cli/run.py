"""`iopdir run` and `iopdir serve`: the refresh flow, once now or on a schedule."""

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

from flows.cli.common import EXIT_FAILED, EXIT_OK, CommandError, print_rows

SUMMARY_COLUMNS = ["source", "status", "seen", "loaded", "rejected", "new", "changed", "unchanged", "gone", "message"]


def check_run_arguments(args: argparse.Namespace) -> None:
    """Refuse unknown source names with `CommandError`, before start-up and before any database is made."""
    from flows.crawl import check_spiders

    try:
        # A source's name stands for its spider ("samhsa_su" is crawled by samhsa_directory).
        args.source = check_spiders(args.source) if args.source else args.source
    except ValueError as error:
        raise CommandError(str(error)) from None


def cmd_run(args: argparse.Namespace) -> int:
    """Run the refresh flow and print a per-source summary; non-zero when a source failed."""
    check_run_arguments(args)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    started = time.perf_counter()
    from flows.lifetime import stop_on_signals, temporary_server_dies_with_us
    from flows.progress import LiveProgress
    from flows.refresh import run_refresh, work_root  # Prefect is slow to import; only `run` needs it.
    from pipeline.store.connection import connect

    settings = args.settings
    if args.replay and not os.path.isdir(args.replay):
        raise CommandError(f"replay folder {args.replay!r} does not exist")
    # The database is opened (and made) now: a file that cannot be one fails before start-up.
    connect(args.db).close()
    # Ctrl-C or SIGTERM ends the run at once, and no process of it outlives it (flows/lifetime.py);
    # installed after the checks above, so a refused command leaves the handlers as they were.
    stopping = stop_on_signals("run")
    with stopping, temporary_server_dies_with_us(), LiveProgress(work_root(args.db, args.work_dir)):
        summary = run_refresh(
            thresholds=None if args.thresholds else settings.thresholds.model_dump(),
            crawl_settings=settings.crawl_settings(replay=bool(args.replay)),
            full=not args.incremental,
            db_path=args.db,
            spiders=args.source,
            replay_dir=args.replay,
            work_dir=args.work_dir,
            thresholds_path=args.thresholds,
            guard=settings.guard.model_dump(),
            accept_drop=sorted({*settings.accept_drop, *(args.accept_drop or ())}),
            keep_crawls=args.keep_crawls or settings.keep_crawls,
        )
    wall = time.perf_counter() - started
    unmatched = sorted(set(args.accept_drop or ()) - {c.source for c in summary.sources})
    if unmatched:
        print(f"iopdir run: --accept-drop names no source of this run: {', '.join(unmatched)}", file=sys.stderr)
    rows = [tuple(getattr(c, k) for k in SUMMARY_COLUMNS) for c in summary.sources]
    print(f"run {summary.run_id} -> {summary.db_path}: {summary.status}")
    print_rows(SUMMARY_COLUMNS, rows, "table")
    for counts in summary.sources:  # the table cuts messages short; why a source failed is worth a whole line
        if counts.status != "ok" and counts.message and len(counts.message) > 60:
            print(f"{counts.source} {counts.status}: {counts.message}")
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
    return EXIT_OK if summary.status == "ok" else EXIT_FAILED


#: What `serve --register-only` asks for when no Prefect server is configured.
START_A_SERVER = (
    "serve --register-only needs a Prefect server that outlives it (without one the deployment would "
    "go to a temporary server that stops with this command): start one with `prefect server start` "
    "and point at it with `prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api`"
)


def check_timezone(name: str | None) -> None:
    """Refuse a time zone zoneinfo does not know with `CommandError` naming it (not the cron)."""
    if name is None:
        return
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CommandError(f"unknown time zone {name!r}: use an IANA name such as America/New_York or UTC") from None


def cmd_serve(args: argparse.Namespace) -> int:
    """Register the scheduled refresh deployment, then run its flow runs until stopped."""
    check_run_arguments(args)
    check_timezone(args.timezone)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.settings import PREFECT_API_URL
    from pydantic import ValidationError

    from flows.deploy import refresh_deployment, register, serve_forever

    try:
        CronSchedule(cron=args.cron, timezone=args.timezone)
    except ValidationError:
        raise CommandError(f"{args.cron!r} is not a valid cron schedule, e.g. '0 3 * * 1' (Mondays 03:00)") from None
    if args.register_only and not PREFECT_API_URL.value():
        raise CommandError(START_A_SERVER)
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
            "guard": args.settings.guard.model_dump(),
            "keep_crawls": args.settings.keep_crawls,
        },
    )
    if args.register_only:
        deployment_id = register(deployment)
        print(f"deployment refresh/{args.name} ({deployment_id}) scheduled '{args.cron}'")
        return EXIT_OK
    serve_forever(deployment)
    return EXIT_OK
