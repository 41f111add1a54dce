"""Each stored listing's street address, split and parsed once, when it is loaded.

A listing's street is split into its house number and the rest as the listing is written
(`listing_records.street_number`, `street_rest`; the same SQL as `pipeline.clean.street`), and
each distinct rest is parsed by `pipeline.clean.street` (usaddress, USPS Publication 28) into
`street_names` the first time any listing has it. So the `listings` view shows every listing's
components as soon as it is loaded, and linking only joins: it parses nothing a load has parsed.

`record_streets` also completes what an older version left: rows written before the split
columns existed are split, and rests no run has parsed yet are parsed. Both run inside the
caller's write transaction.
"""

from dataclasses import dataclass

import duckdb

from pipeline.clean.street import parsed_rests, split_columns_sql, split_sql


@dataclass(frozen=True)
class StreetCounts:
    """What one `record_streets` pass did."""

    split: int
    parsed: int


def split_assignments_sql(row: str) -> str:
    """`street_number = ..., street_rest = ...` for an UPDATE whose source row `row` has a
    `street_split` column (`split_sql` of its street)."""
    columns = split_columns_sql(f"{row}.street", f"{row}.street_split")
    return ", ".join(f"{column} = {value}" for column, value in columns.items())


def with_split_sql(relation: str) -> str:
    """The rows of `relation` (a table or view with a `street` column) with their `street_split`."""
    return f"(SELECT *, {split_sql('street')} AS street_split FROM {relation})"


def record_streets(con: duckdb.DuckDBPyConnection) -> StreetCounts:
    """Split the streets of stored listings not split yet and parse the rests not parsed yet."""
    # Only rows an older version wrote, or none: a load writes the split with the listing.
    unsplit = "street IS NOT NULL AND street_rest IS NULL"
    split = con.execute(f"SELECT count(*) FROM listing_records WHERE {unsplit}").fetchone()[0]
    if split:
        columns = split_columns_sql("street", split_sql("street"))
        assignments = ", ".join(f"{column} = {value}" for column, value in columns.items())
        con.execute(f"UPDATE listing_records SET {assignments} WHERE {unsplit}")
    rests = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT r.street_rest FROM listing_records r "
            "ANTI JOIN street_names s ON s.rest = r.street_rest WHERE r.street_rest <> ''"
        ).fetchall()
    ]
    if rests:
        con.register("new_street_names", parsed_rests(rests))
        try:
            con.execute("INSERT INTO street_names SELECT * FROM new_street_names")
        finally:
            con.unregister("new_street_names")
    return StreetCounts(split=split, parsed=len(rests))
