"""Facilities in the DuckDB file: link the active listings of all sources, in one pass per run.

Linking runs inside DuckDB (`pipeline.link.build.build_links`, set-based SQL over all active
listings), and `facility_links` and `facility_members` are replaced with INSERT ... SELECT from
its temporary tables, in the same write transaction.
"""

from dataclasses import dataclass
from pathlib import Path

from pipeline.link.build import LINK_INPUT_COLUMNS, build_links
from pipeline.store.connection import connect
from pipeline.store.schema import ensure_schema
from pipeline.store.streets import record_streets


@dataclass
class LinkCounts:
    """What a linking pass found."""

    listings: int
    links: int
    facilities: int
    multi_source_facilities: int
    pairs_by_sources: dict[str, int]


def link_facilities(db_path: str | Path, run_id: str) -> LinkCounts:
    """Link the active listings of different sources into facilities and store the result."""
    con = connect(db_path)
    try:
        # The schema and the new links commit together or not at all, as the other writing steps do.
        con.execute("BEGIN TRANSACTION")
        try:
            ensure_schema(con)
            # Nothing to do after a load of this version; a file an older version loaded gets its
            # streets split and parsed here once.
            record_streets(con)
            columns = ", ".join(LINK_INPUT_COLUMNS)
            build_links(
                con,
                f"(SELECT {columns}, street_number AS number, street_rest AS rest "
                "FROM listing_records WHERE active) AS active_listings",
                stored=True,
            )
            con.execute("DELETE FROM facility_links")
            con.execute("DELETE FROM facility_members")
            con.execute(
                "INSERT INTO facility_links SELECT listing_a, listing_b, score, reasons, $run_id "
                "FROM link_joined ORDER BY listing_a, listing_b",
                {"run_id": run_id},
            )
            con.execute(
                # No ORDER BY: sorting a million members costs more than half a second, and every
                # reader orders what it shows.
                "INSERT INTO facility_members SELECT facility_id, listing_id, source, $run_id FROM link_members",
                {"run_id": run_id},
            )
            listings, links, facilities = con.execute(
                "SELECT (SELECT count(*) FROM link_members), (SELECT count(*) FROM link_joined), "
                "(SELECT count(DISTINCT facility_id) FROM link_members)"
            ).fetchone()
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        multi = con.execute(
            "SELECT count(*) FROM (SELECT facility_id FROM facility_members "
            "GROUP BY 1 HAVING count(DISTINCT source) > 1)"
        ).fetchone()
        pairs = con.execute(
            """
            SELECT least(a.source, b.source) || '~' || greatest(a.source, b.source), count(*)
            FROM facility_links l
            JOIN facility_members a ON a.listing_id = l.listing_a
            JOIN facility_members b ON b.listing_id = l.listing_b
            GROUP BY 1 ORDER BY 1
            """
        ).fetchall()
    finally:
        con.close()
    return LinkCounts(
        listings=listings,
        links=links,
        facilities=facilities,
        multi_source_facilities=int(multi[0]) if multi else 0,
        pairs_by_sources=dict(pairs),
    )
