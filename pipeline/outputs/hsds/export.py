"""Export the directory as HSDS 3.0 (Open Referral): read the database, write a JSON or CSV file per table.

The mapping from listings to HSDS rows is in `mapping`; docs/hsds.md describes the files and every field.
"""

import json
from pathlib import Path
from typing import Any

from pipeline.outputs.files import safe_file
from pipeline.outputs.hsds.mapping import build_tables
from pipeline.outputs.hsds.package import write_package
from pipeline.outputs.hsds.tables import DEFAULT_SCHEMA_DIR
from pipeline.store.connection import connect
from pipeline.store.queries import flags_relation
from schemas.vocab import INTENSIVE_LEVELS

# A listing's facility is its smallest facility id, else itself (unlinked), as `mapping` makes organizations.
# Unless $all, only facilities with a listing at an intensive level or an open flag are read, with all
# of their listings: the other source's listing of a facility is the evidence of a cross-source flag.
_LISTINGS_SQL = """
WITH member AS (
    SELECT l.*, fm.facility_id, coalesce(fm.facility_id, 'listing:' || l.listing_id) AS org_key
    FROM listings l
    LEFT JOIN (SELECT listing_id, min(facility_id) AS facility_id FROM facility_members GROUP BY 1) fm
        USING (listing_id)
    WHERE l.active
), intensive AS (
    SELECT DISTINCT org_key FROM member
    WHERE list_has_any(levels_of_care, $intensive)
       OR listing_id IN (SELECT listing_id FROM {flags} WHERE active AND status = 'open')
)
SELECT l.listing_id, l.facility_id, l.source, l.name, l.name2, l.street, l.street2, l.city, l.state, l.zip5,
       l.phones, l.website, l.latitude, l.longitude, l.levels_of_care, l.services, l.payments, l.payers,
       l.populations, l.hours_min, l.hours_max, l.hours_basis, l.schedule_text, l.schedule, l.hours_level,
       l.source_url, l.source_file, l.source_record_id, l.first_seen, l.last_seen, l.last_changed
FROM member l
WHERE ($all OR l.org_key IN (SELECT org_key FROM intensive)) AND ($state IS NULL OR l.state = $state)
ORDER BY l.listing_id
"""

_FLAGS_SQL = """
SELECT f.flag_id, f.listing_id, f.rule_id, f.severity, f.confidence, f.message
FROM {flags} f JOIN listings l USING (listing_id)
WHERE f.active AND f.status = 'open' AND l.active AND ($state IS NULL OR l.state = $state)
ORDER BY f.listing_id, f.rule_id, f.flag_id
"""


def _read(
    db_path: str | Path, state: str | None, all_facilities: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    con = connect(db_path, read_only=True)
    try:
        params = {"state": state.upper() if state else None}
        flags_table = flags_relation(con)
        scope = {"all": all_facilities, "intensive": [str(level) for level in INTENSIVE_LEVELS]}
        cursor = con.execute(_LISTINGS_SQL.format(flags=flags_table), params | scope)
        columns = [d[0] for d in cursor.description]
        listings = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        cursor = con.execute(_FLAGS_SQL.format(flags=flags_table), params)
        columns = [d[0] for d in cursor.description]
        flags = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
    return listings, flags


def active_listing_count(db_path: str | Path, state: str | None = None) -> int:
    """The number of active listings (of one state, if given): what an export of every facility writes."""
    con = connect(db_path, read_only=True)
    try:
        sql = "SELECT count(*) FROM listings WHERE active AND ($state IS NULL OR state = $state)"
        row = con.execute(sql, {"state": state.upper() if state else None}).fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def _write_table(path: Path, rows: list[dict[str, Any]]) -> None:
    # One row per line: the files diff and grep well, and stay plain JSON arrays. One encoder for
    # all rows: json.dumps with options builds a new one per call, a third of the export's time.
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # Never through a link at `path`, never half a file (see `files`).
    with safe_file(path) as out:
        out.write("[\n" + ",\n".join(map(encoder.encode, rows)) + "\n]\n" if rows else "[]\n")


def export_hsds(
    db_path: str | Path,
    out_dir: str | Path,
    state: str | None = None,
    fmt: str = "json",
    all_facilities: bool = False,
) -> dict[str, int]:
    """Write the active listings of the database (of one state, if given) as HSDS 3.0 tables.

    Only the listings of facilities with an intensive program (a listing at a level of
    `INTENSIVE_LEVELS`) or an open flag are written, unless `all_facilities`: the directory's
    subject, and a third of the national data. The database is opened read-only and read in two
    bulk queries. `out_dir` receives one JSON array per HSDS table (`fmt` "json"), or the tabular
    data package (`fmt` "csv": one CSV file per table and `datapackage.json`, whose fields come
    from the HSDS 3.0 schemas in `DEFAULT_SCHEMA_DIR`); see docs/hsds.md. Returns the number of
    rows per table.
    """
    if fmt not in {"json", "csv"}:
        raise ValueError(f"unknown HSDS format {fmt!r}; use json or csv")
    listings, flags = _read(db_path, state, all_facilities)
    tables = build_tables(listings, flags)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        write_package(out, tables, DEFAULT_SCHEMA_DIR)
    else:
        for table, rows in tables.items():
            _write_table(out / f"{table}.json", rows)
    return {table: len(rows) for table, rows in tables.items()}
