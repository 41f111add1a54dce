"""The DuckDB store: schema, the bulk load of a run, and read-only queries.

One process at a time writes, each writing step (load, link, flags) in one transaction, so a
step killed at any point leaves the previous complete state. DuckDB locks the file per process:
while a writer has it open no other process may open it, and while readers have it open
(read-only, `connect(..., read_only=True)`) no process may write; either case raises
`DatabaseBusy`. Listings are never deleted: a listing missing from a *complete* crawl of its
source becomes inactive, and comes back to life if it reappears.
"""

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import duckdb

from schemas.crawl_stats import EMPTY_OK, SAMPLE, UNREAD_URLS, source_key

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS listing_records (
    listing_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    name2 VARCHAR,
    street VARCHAR,
    street2 VARCHAR,
    city VARCHAR,
    state VARCHAR,
    zip5 VARCHAR,
    phone VARCHAR,
    phones STRUCT(e164 VARCHAR, extension VARCHAR, original VARCHAR, kind VARCHAR)[],
    website VARCHAR,
    latitude DOUBLE,
    longitude DOUBLE,
    levels_of_care VARCHAR[],
    services VARCHAR[],
    payments VARCHAR[],
    payers VARCHAR[],
    populations VARCHAR[],
    hours_min DOUBLE,
    hours_max DOUBLE,
    hours_basis VARCHAR,
    hours_evidence VARCHAR[],
    schedule_text VARCHAR,
    schedule STRUCT(day INTEGER, start_minute INTEGER, end_minute INTEGER, track VARCHAR)[],
    hours_level VARCHAR,
    name_levels VARCHAR[],
    text_levels VARCHAR[],
    php_cues VARCHAR[],
    source_codes VARCHAR[],
    warnings VARCHAR[],
    source_url VARCHAR,
    source_file VARCHAR,
    source_record_id VARCHAR,
    fetched_at TIMESTAMPTZ,
    content_hash VARCHAR NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    last_changed TIMESTAMPTZ NOT NULL,
    first_run_id VARCHAR NOT NULL,
    last_run_id VARCHAR NOT NULL,
    active BOOLEAN NOT NULL
);
-- Columns added after the first release; files made before them gain them on open.
ALTER TABLE listing_records ALTER COLUMN state DROP NOT NULL;
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS hours_evidence VARCHAR[];
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS schedule_text VARCHAR;
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS
    schedule STRUCT(day INTEGER, start_minute INTEGER, end_minute INTEGER, track VARCHAR)[];
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS hours_level VARCHAR;
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS name_levels VARCHAR[];
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS text_levels VARCHAR[];
ALTER TABLE listing_records ADD COLUMN IF NOT EXISTS php_cues VARCHAR[];
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR NOT NULL,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    status VARCHAR,
    sources VARCHAR[],
    seen BIGINT, loaded BIGINT, rejected BIGINT,
    new BIGINT, changed BIGINT, unchanged BIGINT, gone BIGINT,
    message VARCHAR
);
CREATE TABLE IF NOT EXISTS run_sources (
    run_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    complete BOOLEAN,
    status VARCHAR,
    seen BIGINT, loaded BIGINT, rejected BIGINT,
    new BIGINT, changed BIGINT, unchanged BIGINT, gone BIGINT,
    warnings BIGINT,
    crawl_stats JSON,
    message VARCHAR
);
ALTER TABLE run_sources ADD COLUMN IF NOT EXISTS quality JSON;
CREATE TABLE IF NOT EXISTS rejects (
    run_id VARCHAR NOT NULL,
    source VARCHAR,
    source_url VARCHAR,
    source_file VARCHAR,
    source_record_id VARCHAR,
    field VARCHAR,
    message VARCHAR,
    raw VARCHAR
);
CREATE TABLE IF NOT EXISTS codes (
    source VARCHAR NOT NULL,
    category_code VARCHAR,
    category_name VARCHAR,
    code VARCHAR NOT NULL,
    label VARCHAR,
    description VARCHAR,
    vocabulary VARCHAR[],
    run_id VARCHAR
);
CREATE TABLE IF NOT EXISTS listing_changes (
    run_id VARCHAR NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    listing_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    change VARCHAR NOT NULL,
    fields VARCHAR[],
    before JSON,
    after JSON
);
CREATE TABLE IF NOT EXISTS facility_links (
    listing_a VARCHAR NOT NULL,
    listing_b VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    reasons VARCHAR[],
    run_id VARCHAR
);
CREATE TABLE IF NOT EXISTS facility_members (
    facility_id VARCHAR NOT NULL,
    listing_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    run_id VARCHAR
);
CREATE TABLE IF NOT EXISTS flag_records (
    flag_id VARCHAR NOT NULL,
    listing_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    rule_version INTEGER NOT NULL,
    severity VARCHAR NOT NULL,
    message VARCHAR,
    evidence JSON,
    evidence_hash VARCHAR NOT NULL,
    thresholds JSON,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    first_run_id VARCHAR,
    last_run_id VARCHAR,
    active BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS flag_reviews (
    review_id VARCHAR NOT NULL,
    flag_id VARCHAR NOT NULL,
    listing_id VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL,
    evidence_hash VARCHAR NOT NULL,
    decision VARCHAR NOT NULL,
    note VARCHAR,
    reviewer VARCHAR,
    reviewed_at TIMESTAMPTZ NOT NULL
);
CREATE OR REPLACE VIEW listings AS
SELECT listing_id, source, name, name2, street, street2, city, state, zip5, phone, phones, website,
       latitude, longitude, levels_of_care, services, payments, payers, populations,
       hours_min, hours_max, hours_basis, hours_evidence, schedule_text, schedule,
       hours_level, name_levels, text_levels, php_cues, source_codes, warnings,
       source_url, source_file, source_record_id, fetched_at,
       first_seen, last_seen, last_changed, first_run_id, last_run_id, active
FROM listing_records;
-- One row per facility (a group of linked listings of different sources, or a lone listing),
-- with what its listings say merged: every value with the sources that give it.
CREATE OR REPLACE VIEW facilities AS
WITH m AS (
    SELECT fm.facility_id, l.*
    FROM facility_members fm JOIN listing_records l USING (listing_id)
    WHERE l.active
),
vals AS (
    SELECT facility_id, 'levels_of_care' AS field, unnest(levels_of_care) AS value, source FROM m
    UNION ALL SELECT facility_id, 'services', unnest(services), source FROM m
    UNION ALL SELECT facility_id, 'payments', unnest(payments), source FROM m
    UNION ALL SELECT facility_id, 'populations', unnest(populations), source FROM m
),
merged AS (
    SELECT facility_id, field,
           list({'value': value, 'sources': sources} ORDER BY value) AS values
    FROM (SELECT facility_id, field, value, list(DISTINCT source ORDER BY source) AS sources
          FROM vals GROUP BY ALL)
    GROUP BY ALL
)
SELECT m.facility_id,
       count(*) AS listings,
       list(m.listing_id ORDER BY m.listing_id) AS listing_ids,
       list(DISTINCT m.source ORDER BY m.source) AS sources,
       arg_min(m.name, m.listing_id) AS name,
       arg_min(m.street, m.listing_id) AS street,
       arg_min(m.city, m.listing_id) AS city,
       arg_min(m.state, m.listing_id) AS state,
       arg_min(m.zip5, m.listing_id) AS zip5,
       list(DISTINCT m.phone ORDER BY m.phone) FILTER (WHERE m.phone IS NOT NULL) AS phones,
       any_value(lv.values) AS levels_of_care,
       any_value(sv.values) AS services,
       any_value(pv.values) AS payments,
       any_value(po.values) AS populations
FROM m
LEFT JOIN merged lv ON lv.facility_id = m.facility_id AND lv.field = 'levels_of_care'
LEFT JOIN merged sv ON sv.facility_id = m.facility_id AND sv.field = 'services'
LEFT JOIN merged pv ON pv.facility_id = m.facility_id AND pv.field = 'payments'
LEFT JOIN merged po ON po.facility_id = m.facility_id AND po.field = 'populations'
GROUP BY m.facility_id;
-- A decision holds while the evidence it was made on is unchanged: a review is keyed by listing
-- and rule, and the flag's status is the latest decision only if that decision saw this evidence.
CREATE OR REPLACE VIEW flags AS
WITH latest AS (
    SELECT listing_id, rule_id,
           arg_max(decision, reviewed_at) AS decision,
           arg_max(evidence_hash, reviewed_at) AS reviewed_hash,
           arg_max(note, reviewed_at) AS review_note,
           arg_max(reviewer, reviewed_at) AS reviewer,
           max(reviewed_at) AS reviewed_at,
           count(*) AS reviews
    FROM flag_reviews GROUP BY listing_id, rule_id
)
SELECT f.flag_id, f.listing_id, l.source, l.name, l.name2, l.city, l.state, f.rule_id, f.rule_version,
       f.severity,
       CASE WHEN r.reviewed_hash = f.evidence_hash THEN r.decision ELSE 'open' END AS status,
       coalesce(r.reviewed_hash <> f.evidence_hash, false) AS reopened,
       f.message, f.evidence, f.evidence_hash, f.thresholds, f.active, f.first_seen, f.last_seen,
       f.first_run_id, f.last_run_id, r.review_note, r.reviewer, r.reviewed_at, coalesce(r.reviews, 0) AS reviews,
       l.source_record_id, l.source_url, l.source_codes
FROM flag_records f
JOIN listing_records l USING (listing_id)
LEFT JOIN latest r ON r.listing_id = f.listing_id AND r.rule_id = f.rule_id;
"""

# Columns a run writes from the staged rows (everything but the bookkeeping ones).
_DATA_COLUMNS = [
    "source",
    "name",
    "name2",
    "street",
    "street2",
    "city",
    "state",
    "zip5",
    "phone",
    "phones",
    "website",
    "latitude",
    "longitude",
    "levels_of_care",
    "services",
    "payments",
    "payers",
    "populations",
    "hours_min",
    "hours_max",
    "hours_basis",
    "hours_evidence",
    "schedule_text",
    "schedule",
    "hours_level",
    "name_levels",
    "text_levels",
    "php_cues",
    "source_codes",
    "warnings",
    "source_url",
    "source_file",
    "source_record_id",
    "fetched_at",
    "content_hash",
]


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


#: DuckDB's memory budget for a writing connection (`IOPDIR_DUCKDB_MEMORY_LIMIT`, e.g. "4GB").
#: DuckDB's own default is 80% of the machine; a load of a million listings then holds gigabytes
#: it does not need, where with a budget it spills to `<db>.tmp/` and stays within it.
DEFAULT_MEMORY_LIMIT = "1GB"


class DatabaseBusy(RuntimeError):
    """Another process holds the database file, so this one cannot open it as asked.

    DuckDB locks the file per process: one process may open it for writing and then no other
    process may open it at all; several processes may open it read-only and then none may write.
    Raised instead of DuckDB's IO error so callers can tell "try again later" from a broken file
    and say so plainly (the CLI prints the message and exits with 3).
    """

    def __init__(self, path: str | Path, read_only: bool, reason: str) -> None:
        self.path = str(path)
        self.read_only = read_only
        self.reason = reason
        pid = re.search(r"\(PID (\d+)\)", reason)
        self.holder_pid = int(pid.group(1)) if pid else None
        holder = f"another process (PID {self.holder_pid})" if self.holder_pid else "another process"
        if read_only:
            # Read-only opens share the file; only a writer shuts them out.
            what = f"{holder} holds it for writing (a run loading it?)"
        else:
            what = (
                f"{holder} has it open (a run loading it, or a reader such as `iopdir query`, "
                "an export or the report); DuckDB lets a process write only while no other process has the file open"
            )
        super().__init__(f"the database {self.path} is busy: {what}; try again when it finishes")


# DuckDB 2.0's message when another process holds the file's lock ("IO Error: Could not set lock
# on file ...: Conflicting lock is held in <program> (PID n)").
_LOCK_ERRORS = ("Could not set lock on file", "Conflicting lock is held")

# The settings of a read-only session (`iopdir query`, exports, the report):
# - no access to other files: no ATTACH, COPY TO, EXPORT DATABASE, read_csv('/etc/passwd');
# - the configuration locked, so a query cannot SET it back (nor raise the memory limit, or
#   point profiling or logging output at a file);
# - no extension installed or loaded on the fly: what DuckDB is built with is all there is.
READ_ONLY_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


def connect(db_path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database; read-only connections cannot reach other files or change settings either.

    Raises `DatabaseBusy` when another process holds the file (see there).
    """
    try:
        if read_only:
            return duckdb.connect(str(db_path), read_only=True, config=READ_ONLY_CONFIG)
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        limit = os.environ.get("IOPDIR_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
        return duckdb.connect(str(db_path), config={"memory_limit": limit})
    except duckdb.IOException as error:
        if any(marker in str(error) for marker in _LOCK_ERRORS):
            raise DatabaseBusy(db_path, read_only, str(error)) from error
        raise


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables and views that do not exist yet."""
    con.execute(SCHEMA_SQL)


# What a listing says (its content hash covers these); provenance and bookkeeping are left out.
_CONTENT_COLUMNS = [
    c
    for c in _DATA_COLUMNS
    if c not in {"source", "source_url", "source_file", "source_record_id", "fetched_at", "content_hash"}
]


# What else a run writes: which crawl row a listing was read from, and when.
_PROVENANCE_COLUMNS = [c for c in _DATA_COLUMNS if c not in _CONTENT_COLUMNS]
# A quick fingerprint of a listing's content, computed by DuckDB in bulk: 64 bits of DuckDB's own
# hash, fast but only comparable within one DuckDB version. An equal hash is taken for equal
# content (that a listing's new content collides with its own old one is a 1-in-2^64 chance);
# a different hash is only a reason to compare column by column (see _DIFFERS_SQL), so a
# change in how the hash is computed never passes for a change in a listing.
_CONTENT_HASH_SQL = "printf('%016x', hash(" + ", ".join(_CONTENT_COLUMNS) + "))"
# Whether a stored row and a staged one say different things. Compared column by column, so a
# change in how the hash is computed never passes for a change in the listing.
_DIFFERS_SQL = "(" + " OR ".join(f"r.{c} IS DISTINCT FROM s.{c}" for c in _CONTENT_COLUMNS) + ")"


def _stage(con: duckdb.DuckDBPyConnection, loads: list[SourceLoad]) -> None:
    """Read every loaded source's normalized rows once, into the temp table `staged_all`.

    One pass over the files: rows sharing a base id but differing elsewhere each take their
    content-derived id; rows then sharing an id are the same listing listed twice, numbered by
    file order so the first is kept (`copy_no` 1) and the others rejected as duplicates.
    """
    paths = sorted({load.listings_path for load in loads})
    sources = sorted({load.source for load in loads})
    # Window functions would carry every column (long code lists) through a sort; the repeated ids
    # are few, so they are found by narrow GROUP BYs over the id column alone.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE staged_all AS
        WITH raw AS (
            SELECT * FROM read_parquet($paths::VARCHAR[]) WHERE list_contains($sources::VARCHAR[], source)
        ),
        shared AS (SELECT listing_id FROM raw GROUP BY listing_id HAVING count(*) > 1)
        SELECT * REPLACE (
                   CASE WHEN listing_id IN (SELECT listing_id FROM shared) THEN disambiguated_id
                        ELSE listing_id END AS listing_id),
               {_CONTENT_HASH_SQL} AS content_hash
        FROM raw
        """,
        {"paths": paths, "sources": sources},
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE staged_duplicates AS
        WITH repeated AS (
            SELECT listing_id, min(record_seq) AS first_seq, arg_min(source_record_id, record_seq) AS first_record
            FROM staged_all GROUP BY listing_id HAVING count(*) > 1
        )
        SELECT s.source, s.source_url, s.source_file, s.source_record_id, s.record_seq,
               'duplicate of ' || r.first_record || ' (same listing, same content)' AS message
        FROM staged_all s JOIN repeated r ON s.listing_id = r.listing_id AND s.record_seq > r.first_seq
        """
    )
    con.execute(
        "DELETE FROM staged_all AS s USING staged_duplicates AS d "
        "WHERE s.source = d.source AND s.record_seq = d.record_seq"
    )


def _sql_text(value: str) -> str:
    """A SQL string literal (quotes doubled; DuckDB strings have no backslash escapes)."""
    return "'" + value.replace("'", "''") + "'"


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


def _load_source(con: duckdb.DuckDBPyConnection, load: SourceLoad, run_id: str, now: datetime) -> LoadCounts:
    counts = LoadCounts(source=load.source, seen=load.seen, complete=load.complete)
    # A view, not a copy: at a million listings every copy of the rows costs seconds.
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW staged AS SELECT * FROM staged_all WHERE source = {_sql_text(load.source)}"
    )
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

    _stage_status(con)
    new, changed, unchanged = con.execute(
        "SELECT count(*) FILTER (WHERE status = 'new'), count(*) FILTER (WHERE status = 'changed'), "
        "count(*) FILTER (WHERE status = 'unchanged') FROM staged_status"
    ).fetchone()
    _record_changes(con, load, run_id, now)
    # Unchanged listings: only what says they were seen again, and where (the provenance of
    # this crawl); rewriting their lists of codes and phones would change nothing.
    assignments = ", ".join(f"{c} = s.{c}" for c in _PROVENANCE_COLUMNS)
    con.execute(
        f"""
        UPDATE listing_records AS r SET {assignments}, last_seen = ?, last_run_id = ?, active = true
        FROM (SELECT * FROM staged
              SEMI JOIN (SELECT listing_id FROM staged_status WHERE status = 'unchanged') USING (listing_id)) AS s
        WHERE r.listing_id = s.listing_id
        """,
        [now, run_id],
    )
    assignments = ", ".join(f"{c} = s.{c}" for c in _DATA_COLUMNS)
    con.execute(
        f"""
        UPDATE listing_records AS r SET {assignments},
            last_seen = ?, last_run_id = ?, active = true, last_changed = ?
        FROM (SELECT * FROM staged
              SEMI JOIN (SELECT listing_id FROM staged_status WHERE status = 'changed') USING (listing_id)) AS s
        WHERE r.listing_id = s.listing_id
        """,
        [now, run_id, now],
    )
    columns = ", ".join(_DATA_COLUMNS)
    con.execute(
        f"""
        INSERT INTO listing_records (listing_id, {columns},
            first_seen, last_seen, last_changed, first_run_id, last_run_id, active)
        SELECT s.listing_id, {", ".join("s." + c for c in _DATA_COLUMNS)}, ?, ?, ?, ?, ?, true
        FROM staged s SEMI JOIN staged_status t ON t.listing_id = s.listing_id AND t.status = 'new'
        """,
        [now, now, now, run_id, run_id],
    )
    gone = 0
    if _proves_gone(load):
        gone = con.execute(
            """
            UPDATE listing_records SET active = false
            WHERE source = ? AND active AND listing_id NOT IN (SELECT listing_id FROM staged)
              AND NOT list_contains(?::VARCHAR[], source_url)
            """,
            [load.source, _unread_urls(load)],
        ).fetchone()[0]
    loaded = con.execute("SELECT count(*) FROM staged").fetchone()[0]
    counts.loaded = loaded
    counts.rejected = rejected_in_normalize + duplicates
    counts.new, counts.changed, counts.unchanged, counts.gone = new, changed, unchanged, gone
    # Rows of an incomplete crawl are loaded (nothing is lost) but the source counts as failed.
    counts.status = "ok" if load.complete else "failed"
    counts.message = load.message
    if load.complete and counts.seen == 0 and not load.crawl_stats.get(source_key(load.source, EMPTY_OK)):
        # An empty answer is far more often a broken site or query than an empty directory.
        counts.status = "failed"
        counts.message = load.message or "the source returned no items (and did not say it may be empty)"
    quality = _quality(con, load, counts, duplicates, run_id)
    if counts.seen != counts.loaded + counts.rejected:
        raise RuntimeError(
            f"{load.source}: counts do not reconcile: seen {counts.seen} != "
            f"loaded {counts.loaded} + rejected {counts.rejected}"
        )
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
            new,
            changed,
            unchanged,
            gone,
            load.warnings,
            json.dumps(load.crawl_stats, default=str),
            counts.message,
            json.dumps(quality),
        ],
    )
    return counts


def _stage_status(con: duckdb.DuckDBPyConnection) -> None:
    """Say of each staged listing whether it is new, changed or unchanged, in `staged_status`.

    One narrow join on id, content hash and active flag decides nearly every row; only rows whose
    hash differs are compared column by column, so a change in how the hash is computed never
    passes for a change in a listing. A returned listing (stored, but gone) is flagged apart.
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE staged_status AS
        SELECT s.listing_id, r.listing_id IS NOT NULL AND NOT r.active AS returned,
               CASE WHEN r.listing_id IS NULL THEN 'new'
                    WHEN r.content_hash = s.content_hash THEN 'unchanged' ELSE 'compare' END AS status
        FROM staged s LEFT JOIN (SELECT listing_id, content_hash, active FROM listing_records) r USING (listing_id)
        """
    )
    con.execute(
        f"""
        UPDATE staged_status AS t SET status = CASE WHEN {_DIFFERS_SQL} THEN 'changed' ELSE 'unchanged' END
        FROM staged s JOIN listing_records r USING (listing_id)
        WHERE t.status = 'compare' AND t.listing_id = s.listing_id
        """
    )


def _record_changes(con: duckdb.DuckDBPyConnection, load: SourceLoad, run_id: str, now: datetime) -> None:
    """Write what this load does to each listing into `listing_changes`, before the tables change.

    New listings, listings whose content changed (with the changed fields, before and after),
    listings that come back after being gone, and listings a complete crawl no longer has.
    """
    differs = ", ".join(f"CASE WHEN r.{c} IS DISTINCT FROM s.{c} THEN '{c}' END" for c in _CONTENT_COLUMNS)

    def snapshot(alias: str) -> str:
        return "json_object(" + ", ".join(f"'{c}', {alias}.{c}" for c in _CONTENT_COLUMNS) + ")"

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
    if _proves_gone(load):
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


# Fields whose coverage a maintainer watches per source; lists count as missing when empty.
_COVERAGE_FIELDS = (
    "street",
    "city",
    "zip5",
    "phone",
    "website",
    "latitude",
    "levels_of_care",
    "services",
    "payments",
    "populations",
    "hours_min",
)


def _quality(
    con: duckdb.DuckDBPyConnection, load: SourceLoad, counts: LoadCounts, duplicates: int, run_id: str
) -> dict[str, Any]:
    """Per-source quality of one run: items, missing and invalid values per field, unknown codes, rejects."""
    missing_sql = ", ".join(
        f"count(*) FILTER (WHERE {c} IS NULL OR len({c}::VARCHAR) = 0 OR {c}::VARCHAR = '[]') AS {c}"
        for c in _COVERAGE_FIELDS
    )
    row = con.execute(
        f"SELECT {missing_sql}, "
        "count(*) FILTER (WHERE len(list_filter(warnings, lambda w: w ILIKE '%unknown%' "
        "OR w ILIKE '%not in the%' OR w ILIKE '%no samhsa code%')) > 0) AS unknown_codes FROM staged"
    ).fetchone()
    # Warnings start with the field they are about ("main phone '…' is not a valid number").
    invalid = con.execute(
        "SELECT regexp_extract(w, '^([a-z_]+(?: phone| labels)?)', 1) AS field, count(*) "
        "FROM (SELECT unnest(warnings) AS w FROM staged) GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
    reasons = con.execute(
        "SELECT field, count(*) FROM rejects WHERE run_id = ? AND source = ? GROUP BY 1 ORDER BY 2 DESC, 1",
        [run_id, load.source],
    ).fetchall()
    return {
        "items": counts.seen,
        "loaded": counts.loaded,
        "rejected": counts.rejected,
        "duplicates": duplicates,
        "missing": dict(zip(_COVERAGE_FIELDS, row[: len(_COVERAGE_FIELDS)], strict=True)) if row else {},
        "invalid": {field or "other": n for field, n in invalid},
        "rows_with_unknown_codes": row[-1] if row else 0,
        "rows_with_warnings": con.execute("SELECT count(*) FROM staged WHERE len(warnings) > 0").fetchone()[0],
        "reject_reasons": dict(reasons),
    }


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


def load_run(
    db_path: str | Path,
    run_id: str,
    started_at: datetime,
    loads: Iterable[SourceLoad],
    codes_paths: Iterable[str] = (),
    failed_sources: dict[str, str] | None = None,
) -> list[LoadCounts]:
    """Load a run's normalized files into the database in one transaction.

    `failed_sources` (source -> reason) records sources whose crawl failed: they get a
    `run_sources` row with status `failed` and their listings are left exactly as they were.
    """
    failed_sources = failed_sources or {}
    loads = list(loads)
    now = datetime.now(UTC)
    con = connect(db_path)
    try:
        # One transaction from the schema to the `runs` row: a run killed at any point (even
        # kill -9) leaves the file as the previous run left it, and the next run starts from there.
        con.begin()
        try:
            ensure_schema(con)
            if loads:
                _stage(con, loads)
            results = [_load_source(con, load, run_id, now) for load in loads]
            orphans = _load_orphan_rejects(con, loads, run_id)
            if orphans:
                results.append(orphans)
            for path in codes_paths:
                con.execute("DELETE FROM codes WHERE source IN (SELECT DISTINCT source FROM read_parquet(?))", [path])
                con.execute("INSERT INTO codes SELECT *, ? FROM read_parquet(?)", [run_id, path])
            for source, reason in sorted(failed_sources.items()):
                con.execute(
                    "INSERT INTO run_sources (run_id, source, complete, status, seen, loaded, rejected, new, changed, "
                    "unchanged, gone, warnings, message) VALUES (?, ?, false, 'failed', 0, 0, 0, 0, 0, 0, 0, 0, ?)",
                    [run_id, source, reason],
                )
                results.append(LoadCounts(source=source, status="failed", message=reason))
            totals = {
                k: sum(getattr(r, k) for r in results)
                for k in ("seen", "loaded", "rejected", "new", "changed", "unchanged", "gone")
            }
            problems = {**{r.source: r.message for r in results if r.status == "failed"}, **failed_sources}
            status = "failed" if problems else "ok"
            message = "; ".join(f"{s}: {m}" for s, m in sorted(problems.items()))
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    started_at,
                    datetime.now(UTC),
                    status,
                    sorted(r.source for r in results),
                    totals["seen"],
                    totals["loaded"],
                    totals["rejected"],
                    totals["new"],
                    totals["changed"],
                    totals["unchanged"],
                    totals["gone"],
                    message,
                ],
            )
            con.commit()
        except BaseException:
            con.rollback()
            raise
        return results
    finally:
        con.close()


def website_roots(db_path: str | Path, exclude_source: str | None = None) -> list[str]:
    """The home page (scheme://host/) of every website the active listings give, one per host.

    Read-only; an absent database has none. Seeds the crawl of providers' own program pages.
    """
    if not Path(db_path).is_file():
        return []
    con = connect(db_path, read_only=True)
    try:
        if not con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'listing_records'"
        ).fetchone()[0]:
            return []
        rows = con.execute(
            "SELECT DISTINCT website FROM listing_records "
            "WHERE active AND website IS NOT NULL AND source IS DISTINCT FROM ?",
            [exclude_source],
        ).fetchall()
    finally:
        con.close()
    roots: dict[str, str] = {}
    # https first, then in text order: the same database always gives the same seeds.
    for (website,) in sorted(rows, key=lambda r: (not r[0].startswith("https:"), r[0])):
        parts = urlparse(website)
        if parts.scheme in {"http", "https"} and parts.hostname:
            roots.setdefault(parts.hostname.lower().removeprefix("www."), f"{parts.scheme}://{parts.netloc}/")
    return sorted(roots.values())
