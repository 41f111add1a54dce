"""Facilities in the DuckDB file: link the active listings of all sources, in one pass per run.

Reads what linking needs of every active listing in one query, links in memory
(`pipeline.link`), and replaces `facility_links` and `facility_members` in bulk from Arrow.
"""

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pipeline.link import LinkInput, facilities, find_links
from pipeline.store import connect, ensure_schema


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
        ensure_schema(con)
        rows = con.execute(
            "SELECT listing_id, source, name, name2, street, zip5, phone, latitude, longitude, website "
            "FROM listing_records WHERE active ORDER BY listing_id"
        ).fetchall()
        items = [LinkInput(*row) for row in rows]
        links = find_links(items)
        members = facilities([i.listing_id for i in items], links)
        source_of = {i.listing_id: i.source for i in items}
        links_table = pa.table(
            {
                "listing_a": [link.listing_a for link in links],
                "listing_b": [link.listing_b for link in links],
                "score": pa.array([link.score for link in links], pa.float64()),
                "reasons": pa.array([list(link.reasons) for link in links], pa.list_(pa.string())),
                "run_id": [run_id] * len(links),
            }
        )
        members_table = pa.table(
            {
                "facility_id": list(members.values()),
                "listing_id": list(members),
                "source": [source_of[i] for i in members],
                "run_id": [run_id] * len(members),
            }
        )
        try:
            con.execute("DELETE FROM facility_links")
            con.execute("DELETE FROM facility_members")
            con.register("new_links", links_table)
            con.register("new_members", members_table)
            con.execute("INSERT INTO facility_links SELECT * FROM new_links")
            con.execute("INSERT INTO facility_members SELECT * FROM new_members")
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
        listings=len(items),
        links=len(links),
        facilities=len(set(members.values())),
        multi_source_facilities=int(multi[0]) if multi else 0,
        pairs_by_sources=dict(pairs),
    )
