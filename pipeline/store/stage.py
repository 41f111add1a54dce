"""The rows a run loads, staged in temp tables, and whether each listing is new, changed or unchanged.

`staged_all` holds every source's rows of the run with their content hash, `staged_duplicates`
the rows that repeat a listing, the view `staged` one source's rows, and `staged_status` the
verdict on each of them against `listing_records`.
"""

from collections.abc import Iterable

import duckdb

from pipeline.tables import LISTING_COLUMNS

#: Columns a run writes from the staged rows: what a listing says (but its id) and its content hash.
DATA_COLUMNS = [*(c for c in LISTING_COLUMNS if c != "listing_id"), "content_hash"]

#: What a listing says (its content hash covers these); provenance and bookkeeping are left out.
CONTENT_COLUMNS = [
    c
    for c in DATA_COLUMNS
    if c not in {"source", "source_url", "source_file", "source_record_id", "fetched_at", "content_hash"}
]
#: What else a run writes: which crawl row a listing was read from, and when.
PROVENANCE_COLUMNS = [c for c in DATA_COLUMNS if c not in CONTENT_COLUMNS]


# A quick fingerprint of a listing's content, computed by DuckDB in bulk: 64 bits of DuckDB's own
# hash, fast but only comparable within one DuckDB version. An equal hash is taken for equal
# content (that a listing's new content collides with its own old one is a 1-in-2^64 chance);
# a different hash is only a reason to compare column by column (see _DIFFERS_SQL), so a
# change in how the hash is computed never passes for a change in a listing.
_CONTENT_HASH_SQL = "printf('%016x', hash(" + ", ".join(CONTENT_COLUMNS) + "))"
# Whether a stored row and a staged one say different things. Compared column by column, so a
# change in how the hash is computed never passes for a change in the listing.
_DIFFERS_SQL = "(" + " OR ".join(f"r.{c} IS DISTINCT FROM s.{c}" for c in CONTENT_COLUMNS) + ")"


def stage_run(con: duckdb.DuckDBPyConnection, listings_paths: Iterable[str], sources: Iterable[str]) -> None:
    """Read the sources' normalized rows once, into the temp table `staged_all`, with their content hash.

    One pass over the files. Rows sharing a base id (`listing_id`) keep it if they all say the
    same (exact repeats); otherwise its holder keeps it and each other row takes its
    content-derived `disambiguated_id` (see `_assign_shared_ids`). Rows then sharing an id are the
    same listing listed twice: the first in file order is kept and the others go to
    `staged_duplicates`, to be rejected. So a repeated row never changes the id of the row it
    repeats (see "How listing ids are assigned" in docs/reliability.md).
    """
    paths = sorted(set(listings_paths))
    sources = sorted(set(sources))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE staged_all AS
        SELECT *, {_CONTENT_HASH_SQL} AS content_hash
        FROM read_parquet($paths::VARCHAR[]) WHERE list_contains($sources::VARCHAR[], source)
        """,
        {"paths": paths, "sources": sources},
    )
    _assign_shared_ids(con)
    # Window functions would carry every column (long code lists) through a sort; the repeated ids
    # are few, so they are found by narrow GROUP BYs over the id column alone.
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


def _assign_shared_ids(con: duckdb.DuckDBPyConnection) -> None:
    """Of staged rows sharing a base id but not their content, give the plain id to its holder, if any.

    The plain id stays with the listing that has it: rows that only repeat one content (exact
    repeats) all keep it, and the first is loaded. Among distinct rows, the holder is the row whose
    content the database stores under the plain id; if none is (the holder's content changed), the
    first in file order of the rows not already stored under their own content-derived id. Rows
    of an identity the database does not hold under its plain id (a first load, or rows that
    came together) have no holder. Every other row takes its `disambiguated_id`, which depends on
    its content alone. Only the few shared ids are read, then updated in place.
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE staged_holders AS
        WITH shared AS (
            SELECT listing_id FROM staged_all GROUP BY listing_id HAVING count(DISTINCT disambiguated_id) > 1
        ),
        candidates AS (
            SELECT s.listing_id, s.disambiguated_id, s.record_seq,
                   r.listing_id IS NOT NULL AS plain_stored,
                   coalesce(r.content_hash = s.content_hash, false) AS same_content,
                   o.listing_id IS NOT NULL AS own_stored
            FROM staged_all s
            LEFT JOIN listing_records r ON r.listing_id = s.listing_id
            LEFT JOIN listing_records o ON o.listing_id = s.disambiguated_id
            WHERE s.listing_id IN (SELECT listing_id FROM shared)
        )
        SELECT listing_id,
               arg_min(disambiguated_id, (NOT same_content, record_seq))
                   FILTER (WHERE same_content OR (plain_stored AND NOT own_stored)) AS holder
        FROM candidates GROUP BY listing_id
        """
    )
    con.execute(
        "UPDATE staged_all AS s SET listing_id = s.disambiguated_id FROM staged_holders AS h "
        "WHERE s.listing_id = h.listing_id AND s.disambiguated_id IS DISTINCT FROM h.holder"
    )


def _sql_text(value: str) -> str:
    """A SQL string literal (quotes doubled; DuckDB strings have no backslash escapes)."""
    return "'" + value.replace("'", "''") + "'"


def stage_source(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Point the view `staged` at one source's rows of `staged_all`."""
    # A view, not a copy: at a million listings every copy of the rows costs seconds.
    con.execute(f"CREATE OR REPLACE TEMP VIEW staged AS SELECT * FROM staged_all WHERE source = {_sql_text(source)}")


def stage_status(con: duckdb.DuckDBPyConnection) -> None:
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
