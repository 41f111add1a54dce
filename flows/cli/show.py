"""`iopdir show` (one listing or facility: its records, history, flags and reviews), `iopdir runs`
(recent runs with their sources) and `iopdir sources` (spiders, their sources, listings and last runs).

All read-only; `sources` reads the database only when there is one.
"""

import argparse
import os
from typing import Any

from flows.cli.common import EXIT_OK, CommandError, print_json, print_rows, read_only

# The fields of a listing `show` prints, in this order (json carries every column).
SHOWN_FIELDS = (
    "source",
    "active",
    "name",
    "name2",
    "street",
    "street2",
    "city",
    "state",
    "zip5",
    "phone",
    "website",
    "levels_of_care",
    "services",
    "payments",
    "payers",
    "populations",
    "hours_min",
    "hours_max",
    "hours_basis",
    "schedule_text",
    "source_url",
    "source_record_id",
    "first_seen",
    "last_seen",
    "last_changed",
)


def _records(rows: Any) -> list[dict[str, Any]]:
    return [dict(zip(rows.columns, row, strict=True)) for row in rows.rows]


def _resolve(con: Any, wanted: str) -> tuple[str, str]:
    """The (kind, id) of the one listing or facility whose id is or starts with `wanted`."""
    from pipeline.store.lookups import match_ids

    found = match_ids(con, wanted)
    if not found:
        raise CommandError(f"no listing or facility id starts with {wanted!r}")
    if len(found) > 1:
        shown = "; ".join(f"{kind} {found_id}" for kind, found_id in found[:20])
        more = f" and {len(found) - 20} more" if len(found) > 20 else ""
        raise CommandError(f"{wanted!r} is ambiguous: {len(found)} ids start with it: {shown}{more}; give more of it")
    return found[0]


def cmd_show(args: argparse.Namespace) -> int:
    """Print a listing or a facility: every source's record of it, its history, its flags and their reviews."""
    from pipeline.store import lookups

    with read_only(args.db) as con:
        kind, found_id = _resolve(con, args.id)
        if kind == "facility":
            facility_id, ids = found_id, lookups.facility_listing_ids(con, found_id)
        else:
            facility_id, ids = lookups.facility_of(con, found_id), [found_id]
        listings = lookups.listing_details(con, ids)
        history = lookups.listing_history(con, ids)
        flags = lookups.listing_flags(con, ids)
        reviews = lookups.listing_reviews(con, ids)
    if args.format == "json":
        print_json(
            {
                "kind": kind,
                "id": found_id,
                "facility_id": facility_id,
                "listings": _records(listings),
                "history": _records(history),
                "flags": _records(flags),
                "reviews": _records(reviews),
            }
        )
        return EXIT_OK
    title = f"{kind} {found_id}"
    if kind == "listing" and facility_id:
        title += f" (facility {facility_id})"
    print(title)
    for record in _records(listings):
        print(f"\n== {record['source']} listing {record['listing_id']}")
        for field in SHOWN_FIELDS[1:]:
            value = record.get(field)
            if value not in (None, [], ""):
                shown = ", ".join(map(str, value)) if isinstance(value, list) else value
                print(f"  {field + ':':<17} {shown}")
    for heading, rows in (("history", history), ("flags", flags), ("reviews", reviews)):
        print(f"\n== {heading}")
        if rows.rows:
            print_rows(rows.columns, rows.rows, "table")
        else:
            print(f"  no {heading}")
    return EXIT_OK


RUN_COLUMNS = ["run_id", "status", "started_at", "finished_at", "seen", "loaded", "new", "changed", "gone", "sources"]


def cmd_runs(args: argparse.Namespace) -> int:
    """List the recent runs, the latest first, with each source's status and counts."""
    from pipeline.store.lookups import recent_runs, run_source_rows

    if args.limit < 1:
        raise CommandError(f"--limit {args.limit}: give a number of runs, 1 or more")
    with read_only(args.db) as con:
        runs = _records(recent_runs(con, args.limit))
        per_source = _records(run_source_rows(con, [run["run_id"] for run in runs]))
    for run in runs:
        run["sources"] = [
            {k: v for k, v in s.items() if k != "run_id"} for s in per_source if s["run_id"] == run["run_id"]
        ]
    if args.format == "json":
        print_json(runs)
        return EXIT_OK
    rows = [
        (
            *(run[c] for c in RUN_COLUMNS[:-1]),
            ", ".join(f"{s['source']} {s['status']} {s['loaded'] or 0}/{s['seen'] or 0}" for s in run["sources"]),
        )
        for run in runs
    ]
    print_rows(RUN_COLUMNS, rows, args.format)
    if args.format == "table" and any(run["message"] for run in runs):
        for run in runs:
            if run["message"]:
                print(f"{run['run_id']}: {run['message']}")
    return EXIT_OK


SOURCE_COLUMNS = ["spider", "source", "active_listings", "last_run", "last_status"]


def cmd_sources(args: argparse.Namespace) -> int:
    """List each spider with its listing sources; with a database, active listings and each source's last run."""
    from flows.crawl import SPIDER_SOURCES

    active: dict[str, int] = {}
    last: dict[str, tuple[str, str]] = {}
    have_db = os.path.isfile(args.db)
    if have_db:
        from pipeline.store.lookups import active_listings_by_source, last_runs_by_source

        with read_only(args.db) as con:
            active, last = active_listings_by_source(con), last_runs_by_source(con)
    rows = []
    for spider, sources in SPIDER_SOURCES.items():
        for source in sources:
            # A failed crawl is recorded under its spider's name: the later of the two is the last word.
            run_id, status = max((last[k] for k in (source, spider) if k in last), default=(None, None))
            rows.append((spider, source, active.get(source, 0) if have_db else None, run_id, status))
    columns = SOURCE_COLUMNS if have_db else SOURCE_COLUMNS[:2]
    print_rows(columns, [row[: len(columns)] for row in rows], args.format)
    if not have_db and args.format == "table":
        print(f"(no database at {args.db}: listings and runs not shown)")
    return EXIT_OK
