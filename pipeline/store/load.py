"""Loading a run into the store: every source's normalized files, in one transaction.

One process at a time writes, each writing step (load, link, flags) in one transaction, so a
step killed at any point leaves the previous complete state (see `pipeline.store.connection`
for who may open the file when). Listings are never deleted: a listing missing from a *complete*
crawl of its source becomes inactive, and comes back to life if it reappears.

A run's rows are staged once (`staged_all`), then each source in turn is read through the view
`staged`: its rejects recorded, each listing said new, changed or unchanged, the changes
written to `listing_changes`, the listings written, the ones a complete crawl no longer has
marked gone, and its counts and quality written to `run_sources`.
"""

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipeline.clean.street import split_columns_sql
from pipeline.store.connection import connect
from pipeline.store.guard import Guard
from pipeline.store.quality import source_quality
from pipeline.store.runs import record_loaded, run_outcome
from pipeline.store.schema import ensure_schema
from pipeline.store.stage import (
    CONTENT_COLUMNS,
    DATA_COLUMNS,
    PROVENANCE_COLUMNS,
    stage_run,
    stage_source,
    stage_status,
)
from pipeline.store.streets import record_streets, split_assignments_sql, with_split_sql
from schemas.crawl_stats import EMPTY_OK, SAMPLE, UNREAD_URLS, source_key


@dataclass
class SourceLoad:
    """What one source contributes to a run: its normalized files and crawl outcome."""

    source: str
    listings_path: str
    rejects_path: str
    complete: bool
    seen: int
    crawl_stats: dict[str, Any] = field(default_factory=dict)
    warnings: int = 0
    message: str = ""


@dataclass
class LoadCounts:
    """Counts of one source in one run; `seen == loaded + rejected` always holds."""

    source: str
    seen: int = 0
    loaded: int = 0
    rejected: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    complete: bool = False
    status: str = "ok"
    message: str = ""


def load_run(
    db_path: str | Path,
    run_id: str,
    started_at: datetime,
    loads: Iterable[SourceLoad],
    codes_paths: Iterable[str] = (),
    failed_sources: dict[str, str] | None = None,
    guard: Guard | None = None,
) -> list[LoadCounts]:
    """Load a run's normalized files into the database in one transaction.

    `failed_sources` (source -> reason) records sources whose crawl failed: they get a
    `run_sources` row with status `failed` and their listings are left exactly as they were.
    `guard` holds the sources past its limits (`pipeline.store.guard`; its defaults when None).
    """
    failed_sources = failed_sources or {}
    loads = list(loads)
    now = datetime.now(UTC)
    con = connect(db_path)
    try:
        # One transaction from the schema to the `runs` row (`loaded`): a run killed at any point
        # (even kill -9) leaves the file as the previous run left it, and the next run starts from there.
        con.begin()
        try:
            ensure_schema(con)
            results = _load_sources(con, loads, run_id, now, guard or Guard())
            record_streets(con)
            _load_codes(con, codes_paths, run_id)
            results += _record_failed_sources(con, failed_sources, run_id)
            _record_run(con, run_id, started_at, results)
            con.commit()
        except BaseException:
            # A failed commit (full disk) ended it: "cannot rollback" would hide why.
            with contextlib.suppress(duckdb.Error):
                con.rollback()
            raise
        return results
    finally:
        con.close()


def _load_sources(
    con: duckdb.DuckDBPyConnection, loads: list[SourceLoad], run_id: str, now: datetime, guard: Guard
) -> list[LoadCounts]:
    """Stage every source's rows once, then load each source; rejects of no source last."""
    if loads:
        stage_run(con, (load.listings_path for load in loads), (load.source for load in loads))
    results = [_load_source(con, load, run_id, now, guard) for load in loads]
    orphans = _load_orphan_rejects(con, loads, run_id)
    if orphans:
        results.append(orphans)
    return results


def _load_source(
    con: duckdb.DuckDBPyConnection, load: SourceLoad, run_id: str, now: datetime, guard: Guard
) -> LoadCounts:
    """Load one source's staged rows (past the guard's limits: held, none retired); its `run_sources` row and counts."""
    counts = LoadCounts(source=load.source, seen=load.seen, complete=load.complete)
    stage_source(con, load.source)
    duplicates, rejected_in_normalize = _record_rejects(con, load, run_id)
    # Decided before anything is written: a held source's gone listings are not even recorded as gone.
    rejected = rejected_in_normalize + duplicates
    held = guard.check(con, load.source, load.seen, rejected, _unread_urls(load)) if _proves_gone(load) else []
    retire = not held or load.source in guard.accept_drop
    stage_status(con)
    counts.new, counts.changed, counts.unchanged = con.execute(
        "SELECT count(*) FILTER (WHERE status = 'new'), count(*) FILTER (WHERE status = 'changed'), "
        "count(*) FILTER (WHERE status = 'unchanged') FROM staged_status"
    ).fetchone()
    _record_changes(con, load, run_id, now, retire)
    _write_listings(con, run_id, now)
    counts.gone = _mark_gone(con, load, retire)
    counts.loaded = con.execute("SELECT count(*) FROM staged").fetchone()[0]
    counts.rejected = rejected
    counts.status, counts.message = _source_status(load)
    if held and counts.status == "ok":
        counts.status, counts.message = guard.status(load.source, held)
    quality = source_quality(
        con,
        load.source,
        run_id,
        seen=counts.seen,
        loaded=counts.loaded,
        rejected=counts.rejected,
        duplicates=duplicates,
    )
    if counts.seen != counts.loaded + counts.rejected:
        raise RuntimeError(
            f"{load.source}: counts do not reconcile: seen {counts.seen} != "
            f"loaded {counts.loaded} + rejected {counts.rejected}"
        )
    _record_source(con, load, counts, quality, run_id)
    return counts


def _record_rejects(con: duckdb.DuckDBPyConnection, load: SourceLoad, run_id: str) -> tuple[int, int]:
    """Copy the source's duplicates and normalization rejects into `rejects`; how many of each were listings."""
    duplicates = con.execute(
        "INSERT INTO rejects SELECT ?, source, source_url, source_file, source_record_id, 'record', message, NULL "
        "FROM staged_duplicates WHERE source = ?",
        [run_id, load.source],
    ).fetchone()[0]
    con.execute(
        """
        INSERT INTO rejects
        SELECT ?, source, source_url, source_file, source_record_id, field, message, raw
        FROM read_parquet(?) WHERE source = ?
        """,
        [run_id, load.rejects_path, load.source],
    )
    rejected_in_normalize = con.execute(
        "SELECT count(*) FROM read_parquet(?) WHERE source = ? AND record_type = 'listing'",
        [load.rejects_path, load.source],
    ).fetchone()[0]
    return duplicates, rejected_in_normalize


def _record_changes(
    con: duckdb.DuckDBPyConnection, load: SourceLoad, run_id: str, now: datetime, retire: bool = True
) -> None:
    """Write what this load does to each listing into `listing_changes`, before the tables change.

    New listings, listings whose content changed (with the changed fields, before and after),
    listings that come back after being gone, and listings a complete crawl no longer has.
    """
    differs = ", ".join(f"CASE WHEN r.{c} IS DISTINCT FROM s.{c} THEN '{c}' END" for c in CONTENT_COLUMNS)

    def snapshot(alias: str) -> str:
        return "json_object(" + ", ".join(f"'{c}', {alias}.{c}" for c in CONTENT_COLUMNS) + ")"

    # A new listing's content is its row in listing_records; later changes keep the full before
    # and after. Here only what names it, so a first national run does not write every listing twice.
    con.execute(
        """
        INSERT INTO listing_changes
        SELECT $run, $now, s.listing_id, s.source, 'new', [], NULL,
               json_object('name', s.name, 'city', s.city, 'state', s.state, 'zip5', s.zip5)
        FROM staged s SEMI JOIN (SELECT listing_id FROM staged_status WHERE status = 'new') USING (listing_id)
        """,
        {"run": run_id, "now": now},
    )
    # Changed and returned listings are few: only their stored rows are read whole.
    con.execute(
        f"""
        INSERT INTO listing_changes
        SELECT $run, $now, s.listing_id, s.source, CASE WHEN NOT r.active THEN 'returned' ELSE 'changed' END,
               list_filter([{differs}], lambda f: f IS NOT NULL), {snapshot("r")}, {snapshot("s")}
        FROM (SELECT listing_id FROM staged_status WHERE status = 'changed' OR returned) t
        JOIN staged s USING (listing_id)
        JOIN listing_records r USING (listing_id)
        """,
        {"run": run_id, "now": now},
    )
    if retire and _proves_gone(load):
        con.execute(
            f"""
            INSERT INTO listing_changes
            SELECT $run, $now, r.listing_id, r.source, 'gone', [], {snapshot("r")}, NULL
            FROM listing_records r
            WHERE r.source = $source AND r.active AND r.listing_id NOT IN (SELECT listing_id FROM staged)
              AND NOT list_contains($unread::VARCHAR[], r.source_url)
            """,
            {"run": run_id, "now": now, "source": load.source, "unread": _unread_urls(load)},
        )


def _write_listings(con: duckdb.DuckDBPyConnection, run_id: str, now: datetime) -> None:
    """Write the staged listings: unchanged ones seen again, changed ones rewritten, new ones added."""
    # Unchanged listings: only what says they were seen again, and where (the provenance of
    # this crawl); rewriting their lists of codes and phones would change nothing.
    assignments = ", ".join(f"{c} = s.{c}" for c in PROVENANCE_COLUMNS)
    con.execute(
        f"""
        UPDATE listing_records AS r SET {assignments}, last_seen = ?, last_run_id = ?, active = true
        FROM (SELECT * FROM staged
              SEMI JOIN (SELECT listing_id FROM staged_status WHERE status = 'unchanged') USING (listing_id)) AS s
        WHERE r.listing_id = s.listing_id
        """,
        [now, run_id],
    )
    # Changed and new listings are written with their street split (`pipeline.store.streets`).
    assignments = ", ".join(f"{c} = s.{c}" for c in DATA_COLUMNS)
    con.execute(
        f"""
        UPDATE listing_records AS r SET {assignments}, {split_assignments_sql("s")},
            last_seen = ?, last_run_id = ?, active = true, last_changed = ?
        FROM (SELECT * FROM {with_split_sql("staged")}
              SEMI JOIN (SELECT listing_id FROM staged_status WHERE status = 'changed') USING (listing_id)) AS s
        WHERE r.listing_id = s.listing_id
        """,
        [now, run_id, now],
    )
    columns = ", ".join(DATA_COLUMNS)
    split = split_columns_sql("s.street", "s.street_split")
    con.execute(
        f"""
        INSERT INTO listing_records (listing_id, {columns},
            first_seen, last_seen, last_changed, first_run_id, last_run_id, active, {", ".join(split)})
        SELECT s.listing_id, {", ".join("s." + c for c in DATA_COLUMNS)}, ?, ?, ?, ?, ?, true,
               {", ".join(split.values())}
        FROM {with_split_sql("staged")} s SEMI JOIN staged_status t ON t.listing_id = s.listing_id AND t.status = 'new'
        """,
        [now, now, now, run_id, run_id],
    )


def _mark_gone(con: duckdb.DuckDBPyConnection, load: SourceLoad, retire: bool = True) -> int:
    """Mark inactive the source's listings a complete crawl no longer has; how many (none unless `retire`)."""
    if not (retire and _proves_gone(load)):
        return 0
    return con.execute(
        """
        UPDATE listing_records SET active = false
        WHERE source = ? AND active AND listing_id NOT IN (SELECT listing_id FROM staged)
          AND NOT list_contains(?::VARCHAR[], source_url)
        """,
        [load.source, _unread_urls(load)],
    ).fetchone()[0]


def _proves_gone(load: SourceLoad) -> bool:
    """Whether this load may mark the source's missing listings gone.

    Only a complete crawl of the whole source proves a listing is gone: not a partial crawl, not
    a recorded sample or a shard, and not a crawl that came back empty without saying it may.
    """
    stats = load.crawl_stats
    if not load.complete or stats.get(source_key(load.source, SAMPLE)):
        return False
    return load.seen > 0 or bool(stats.get(source_key(load.source, EMPTY_OK)))


def _unread_urls(load: SourceLoad) -> list[str]:
    """Pages the crawl was not allowed to read (robots.txt, a redirect away): their listings stay as they were."""
    return [str(u) for u in load.crawl_stats.get(source_key(load.source, UNREAD_URLS)) or []]


def _source_status(load: SourceLoad) -> tuple[str, str]:
    """The source's status in this run (`ok` or `failed`) and what to say about it."""
    # Rows of an incomplete crawl are loaded (nothing is lost) but the source counts as failed.
    if load.complete and load.seen == 0 and not load.crawl_stats.get(source_key(load.source, EMPTY_OK)):
        # An empty answer is far more often a broken site or query than an empty directory.
        return "failed", load.message or "the source returned no items (and did not say it may be empty)"
    return ("ok" if load.complete else "failed"), load.message


def _record_source(
    con: duckdb.DuckDBPyConnection, load: SourceLoad, counts: LoadCounts, quality: dict[str, Any], run_id: str
) -> None:
    """Write the source's `run_sources` row."""
    con.execute(
        "INSERT INTO run_sources (run_id, source, complete, status, seen, loaded, rejected, new, changed, unchanged, "
        "gone, warnings, crawl_stats, message, quality) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            load.source,
            load.complete,
            counts.status,
            counts.seen,
            counts.loaded,
            counts.rejected,
            counts.new,
            counts.changed,
            counts.unchanged,
            counts.gone,
            load.warnings,
            json.dumps(load.crawl_stats, default=str),
            counts.message,
            json.dumps(quality),
        ],
    )


def _load_orphan_rejects(con: duckdb.DuckDBPyConnection, loads: list[SourceLoad], run_id: str) -> LoadCounts | None:
    """Keep rejects that belong to no loaded source (e.g. a truncated line of crawl output)."""
    paths = sorted({load.rejects_path for load in loads})
    if not paths:
        return None
    sources = sorted({load.source for load in loads})
    orphan_filter = "FROM read_parquet(?) WHERE record_type = 'listing' AND source NOT IN (SELECT unnest(?::VARCHAR[]))"
    count, names = con.execute(
        f"SELECT count(*), string_agg(DISTINCT source, ', ' ORDER BY source) {orphan_filter}", [paths, sources]
    ).fetchone()
    if not count:
        return None
    con.execute(
        f"INSERT INTO rejects SELECT ?, source, source_url, source_file, source_record_id, field, message, raw "
        f"{orphan_filter}",
        [run_id, paths, sources],
    )
    message = f"{count} record(s) of no known source ({names}) rejected"
    con.execute(
        "INSERT INTO run_sources (run_id, source, complete, status, seen, loaded, rejected, new, changed, "
        "unchanged, gone, warnings, message) VALUES (?, 'unknown', false, 'rejected', ?, 0, ?, 0, 0, 0, 0, 0, ?)",
        [run_id, count, count, message],
    )
    return LoadCounts(source="unknown", seen=count, rejected=count, complete=True, status="rejected", message=message)


def _load_codes(con: duckdb.DuckDBPyConnection, codes_paths: Iterable[str], run_id: str) -> None:
    """Replace each source's code reference by the one this run read."""
    for path in codes_paths:
        con.execute("DELETE FROM codes WHERE source IN (SELECT DISTINCT source FROM read_parquet(?))", [path])
        con.execute("INSERT INTO codes SELECT *, ? FROM read_parquet(?)", [run_id, path])


def _record_failed_sources(
    con: duckdb.DuckDBPyConnection, failed_sources: dict[str, str], run_id: str
) -> list[LoadCounts]:
    """A `run_sources` row for each source whose crawl failed; their listings stay as they were."""
    results = []
    for source, reason in sorted(failed_sources.items()):
        con.execute(
            "INSERT INTO run_sources (run_id, source, complete, status, seen, loaded, rejected, new, changed, "
            "unchanged, gone, warnings, message) VALUES (?, ?, false, 'failed', 0, 0, 0, 0, 0, 0, 0, 0, ?)",
            [run_id, source, reason],
        )
        results.append(LoadCounts(source=source, status="failed", message=reason))
    return results


def _record_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    started_at: datetime,
    results: list[LoadCounts],
) -> None:
    """Write the run's `loaded` row: the totals of every source, and what failed (see `pipeline.store.runs`)."""
    totals = {
        k: sum(getattr(r, k) for r in results)
        for k in ("seen", "loaded", "rejected", "new", "changed", "unchanged", "gone")
    }
    # The run ends ok or failed only after link and flag (`finish_run`); the message says already what failed.
    _, message = run_outcome([(r.source, r.status, r.message) for r in results])
    record_loaded(con, run_id, started_at, sorted(r.source for r in results), totals, message)
