"""Read queries behind `iopdir show`, `iopdir runs` and `iopdir sources`: one listing or facility
with its history, flags and reviews; recent runs with their sources; listings and runs per source.

Like `queries`, each takes a connection the caller opened (read-only for the command line), never
writes, and binds every value a user typed as a parameter.
"""

import duckdb

from pipeline.store.queries import Rows, flags_relation


def _rows(result: duckdb.DuckDBPyConnection) -> Rows:
    return Rows([d[0] for d in result.description or []], result.fetchall())


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the database has a table or view `name` (a file made by an older version may lack one)."""
    found = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()
    return bool(found and found[0])


_MATCH_SQL = """
SELECT DISTINCT 'listing' AS kind, listing_id AS id FROM listing_records WHERE starts_with(listing_id, $prefix)
UNION
SELECT DISTINCT 'facility', facility_id FROM facility_members WHERE starts_with(facility_id, $prefix)
ORDER BY kind, id
"""


def match_ids(con: duckdb.DuckDBPyConnection, prefix: str) -> list[tuple[str, str]]:
    """The listings and facilities whose id starts with `prefix` (case-insensitive), as (kind, id);
    an id equal to `prefix` alone when there is one."""
    prefix = prefix.strip().lower()
    if not prefix:
        return []
    found = [(kind, found_id) for kind, found_id in con.execute(_MATCH_SQL, {"prefix": prefix}).fetchall()]
    exact = [match for match in found if match[1] == prefix]
    return exact or found


def facility_listing_ids(con: duckdb.DuckDBPyConnection, facility_id: str) -> list[str]:
    """The member listings of a facility, by id."""
    rows = con.execute(
        "SELECT listing_id FROM facility_members WHERE facility_id = ? ORDER BY source, listing_id", [facility_id]
    ).fetchall()
    return [row[0] for row in rows]


def facility_of(con: duckdb.DuckDBPyConnection, listing_id: str) -> str | None:
    """The facility a listing belongs to (None for a listing no run linked, e.g. an inactive one)."""
    row = con.execute("SELECT facility_id FROM facility_members WHERE listing_id = ?", [listing_id]).fetchone()
    return row[0] if row else None


_LISTING_COLUMNS = (
    "listing_id, source, active, name, name2, street, street2, city, state, zip5, phone, website, "
    "levels_of_care, services, payments, payers, populations, hours_min, hours_max, hours_basis, schedule_text, "
    "warnings, source_url, source_file, source_record_id, first_seen, last_seen, last_changed"
)


def listing_details(con: duckdb.DuckDBPyConnection, listing_ids: list[str]) -> Rows:
    """Each listing's record as its source gave it (active or not), by source."""
    return _rows(
        con.execute(
            f"SELECT {_LISTING_COLUMNS} FROM listings WHERE list_contains($ids, listing_id) "
            "ORDER BY source, listing_id",
            {"ids": listing_ids},
        )
    )


def listing_history(con: duckdb.DuckDBPyConnection, listing_ids: list[str]) -> Rows:
    """What runs did to these listings (`listing_changes`), oldest first."""
    return _rows(
        con.execute(
            "SELECT run_id, changed_at, change, source, listing_id, fields FROM listing_changes "
            "WHERE list_contains($ids, listing_id) ORDER BY run_id, changed_at, source, listing_id",
            {"ids": listing_ids},
        )
    )


def listing_flags(con: duckdb.DuckDBPyConnection, listing_ids: list[str]) -> Rows:
    """Every flag ever raised on these listings, raised or not any more, the latest first."""
    return _rows(
        con.execute(
            "SELECT flag_id, rule_id, severity, confidence, status, active, first_seen, last_seen, source, "
            f"listing_id, message FROM {flags_relation(con)} WHERE list_contains($ids, listing_id) "
            "ORDER BY active DESC, last_seen DESC, rule_id",
            {"ids": listing_ids},
        )
    )


def listing_reviews(con: duckdb.DuckDBPyConnection, listing_ids: list[str]) -> Rows:
    """Every review of a flag of these listings, oldest first."""
    return _rows(
        con.execute(
            "SELECT reviewed_at, flag_id, rule_id, decision, reviewer, note FROM flag_reviews "
            "WHERE list_contains($ids, listing_id) ORDER BY reviewed_at, review_id",
            {"ids": listing_ids},
        )
    )


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int) -> Rows:
    """The last `limit` runs, the latest first."""
    return _rows(
        con.execute(
            "SELECT run_id, status, started_at, finished_at, seen, loaded, rejected, new, changed, unchanged, gone, "
            "message FROM runs ORDER BY run_id DESC LIMIT $limit",
            {"limit": limit},
        )
    )


def run_source_rows(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> Rows:
    """The per-source rows of these runs (`run_sources`), by run and source."""
    return _rows(
        con.execute(
            "SELECT run_id, source, status, complete, seen, loaded, rejected, new, changed, unchanged, gone, message "
            "FROM run_sources WHERE list_contains($ids, run_id) ORDER BY run_id DESC, source",
            {"ids": run_ids},
        )
    )


def active_listings_by_source(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """How many active listings each source has."""
    rows = con.execute("SELECT source, count(*) FROM listing_records WHERE active GROUP BY source").fetchall()
    return {source: count for source, count in rows}


def last_runs_by_source(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """Each source's (or failed spider's) latest run and its status there, as (run_id, status)."""
    rows = con.execute(
        "SELECT source, arg_max(run_id, run_id), arg_max(status, run_id) FROM run_sources GROUP BY source"
    ).fetchall()
    return {source: (run_id, status) for source, run_id, status in rows}
