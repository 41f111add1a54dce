"""The schema: its listing columns are the model's, and a file made by an older version is brought up to date."""

import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.store.schema import BOOKKEEPING_COLUMNS, STREET_SPLIT_COLUMNS, ensure_schema, migration_names
from pipeline.tables import LISTING_COLUMNS, LISTING_SCHEMA, STREET_COLUMNS

# `listing_records` and `run_sources` as the first release created them: before hours, levels,
# quality, and with a state required. Such a file must still open and gain what it lacks.
FIRST_RELEASE_DDL = """
CREATE TABLE listing_records (
    listing_id VARCHAR NOT NULL, source VARCHAR NOT NULL, name VARCHAR NOT NULL, name2 VARCHAR,
    street VARCHAR, street2 VARCHAR, city VARCHAR, state VARCHAR NOT NULL, zip5 VARCHAR, phone VARCHAR,
    phones STRUCT(e164 VARCHAR, extension VARCHAR, original VARCHAR, kind VARCHAR)[],
    website VARCHAR, latitude DOUBLE, longitude DOUBLE,
    levels_of_care VARCHAR[], services VARCHAR[], payments VARCHAR[], payers VARCHAR[], populations VARCHAR[],
    hours_min DOUBLE, hours_max DOUBLE, hours_basis VARCHAR, source_codes VARCHAR[], warnings VARCHAR[],
    source_url VARCHAR, source_file VARCHAR, source_record_id VARCHAR, fetched_at TIMESTAMPTZ,
    content_hash VARCHAR NOT NULL, first_seen TIMESTAMPTZ NOT NULL, last_seen TIMESTAMPTZ NOT NULL,
    last_changed TIMESTAMPTZ NOT NULL, first_run_id VARCHAR NOT NULL, last_run_id VARCHAR NOT NULL,
    active BOOLEAN NOT NULL
);
CREATE TABLE run_sources (
    run_id VARCHAR NOT NULL, source VARCHAR NOT NULL, complete BOOLEAN, status VARCHAR,
    seen BIGINT, loaded BIGINT, rejected BIGINT, new BIGINT, changed BIGINT, unchanged BIGINT, gone BIGINT,
    warnings BIGINT, crawl_stats JSON, message VARCHAR
);
INSERT INTO listing_records (listing_id, source, name, state, content_hash, first_seen, last_seen, last_changed,
                             first_run_id, last_run_id, active)
VALUES ('l1', 'samhsa_su', 'Harbor', 'MA', 'h', now(), now(), now(), 'r0', 'r0', true);
"""


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str, str]]:
    return con.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()


def _schema(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str, str]]:
    """Every table's and view's columns with type and nullability, whatever their position."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
    ).fetchall()
    return set(rows)


def test_listing_records_columns_are_the_models_then_the_stores(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "t.duckdb")) as con:
        ensure_schema(con)
        names = [name for name, _, _ in _columns(con, "listing_records")]
    assert names == [*LISTING_COLUMNS, "content_hash", *BOOKKEEPING_COLUMNS, *STREET_SPLIT_COLUMNS]


def test_listing_records_types_are_what_the_parquet_rows_give(tmp_path: Path) -> None:
    # A column typed differently in the DDL than in the Parquet rows would be cast on every load.
    empty = tmp_path / "listings.parquet"
    pq.write_table(pa.Table.from_pylist([], schema=LISTING_SCHEMA), empty)
    with duckdb.connect() as con:
        ensure_schema(con)
        stored = {name: data_type for name, data_type, _ in _columns(con, "listing_records")}
        read = dict(
            con.execute(
                "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))", [str(empty)]
            ).fetchall()
        )
    assert {c: stored[c] for c in LISTING_COLUMNS} == {c: read[c] for c in LISTING_COLUMNS}


def test_the_listings_view_shows_what_a_listing_says_then_its_bookkeeping() -> None:
    with duckdb.connect() as con:
        ensure_schema(con)
        names = [name for name, _, _ in _columns(con, "listings")]
    assert names == [*LISTING_COLUMNS, *BOOKKEEPING_COLUMNS, *STREET_COLUMNS]
    assert "content_hash" not in names


def test_migrations_are_numbered_in_order() -> None:
    names = migration_names()
    assert names, "no migrations shipped"
    assert all(re.fullmatch(r"\d{3}_[a-z0-9_]+\.sql", name) for name in names), names
    assert [int(name[:3]) for name in names] == list(range(1, len(names) + 1))


def test_a_first_release_file_gains_every_column_and_keeps_its_rows(tmp_path: Path) -> None:
    with duckdb.connect() as fresh:
        ensure_schema(fresh)
        expected = _schema(fresh)
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(FIRST_RELEASE_DDL)
    with duckdb.connect(str(db)) as con:
        ensure_schema(con)
        assert _schema(con) == expected
        ensure_schema(con)  # every open applies the migrations again: a file up to date stays as it is
        assert _schema(con) == expected
        # Added columns come last in the table, but the view shows them in the model's order.
        assert [name for name, _, _ in _columns(con, "listings")] == [
            *LISTING_COLUMNS,
            *BOOKKEEPING_COLUMNS,
            *STREET_COLUMNS,
        ]
        row = con.execute("SELECT listing_id, state, hours_evidence, php_cues FROM listings").fetchall()
    assert row == [("l1", "MA", None, None)]


def test_the_schema_is_applied_inside_the_callers_transaction() -> None:
    with duckdb.connect() as con:
        con.begin()
        ensure_schema(con)
        con.rollback()
        assert con.execute("SELECT count(*) FROM information_schema.tables").fetchone()[0] == 0
