"""Which listings of different sources are the same facility (one provider at one site), set-based in DuckDB.

Addresses are parsed (`pipeline.clean.street`: usaddress, USPS Publication 28) into a house number,
a street name with its type and directionals, and a unit. A listing with a house number, a street
name and a ZIP is at a *site*. Candidate pairs come from blocking on six keys: the main phone, the
house number with its ZIP, the street name with its ZIP (listings without a house number), the ZIP
with the first word of the name, the website's host, and a ~500 m grid cell where coordinates
exist. The rules (`pipeline.link.pairs`), each leaving its name as the first reason:

- two listings at sites link only at one site — the same house number and ZIP — when
  - the street names agree (the same name; types and directionals equal or left out on one side)
    and the names are alike (token-set similarity ≥ 0.6), or the phone is the same, or the names
    share a distinctive word ("St. Barnabas Hospital Inpatient Detox" and "St. Barnabas Hospital
    Psychiatric Inpatient Unit"): `same site`;
  - or the street names are spelt alike (a typo, "Route 22-B" / "State Route 22B", another type)
    and the phone is the same and the names alike or sharing a word: `same site, street spelt
    otherwise`;
- a listing without a site links, where no ZIP code or house number says otherwise, by the same
  phone and ZIP, the same name in the ZIP or within 150 m (similarity ≥ 0.85), or the same website
  with names alike or the same ZIP or phone.

No chains across sites: the links between listings at sites form the sites' components, and a
listing without a site joins the one site it links to best, and none when two sites tie (an
operator's phone and name are the same at all its houses; such a listing would otherwise merge
them). Two listings without a site stay linked only while they join no site or the same one. So
two listings with different house numbers or ZIP codes never share a facility.

A listing is linked only to listings of *other* sources: two rows of one directory are two
listings by that directory's own account (often two programs at one site). Linked listings form
facilities (connected components); a facility's id is derived from its smallest member id, so
it stays the same while that member does.

How it runs: `build_links` takes a relation of listings and leaves its results in temporary
tables of the same connection, so `pipeline.link.store` writes them with INSERT ... SELECT
inside its one write transaction. Every rule is one SQL statement over all listings or pairs:

1. `link_keys`: the keys of each listing (`pipeline.link.keys`, with the word lists), with the
   parsed streets in `link_streets` (in the database file, read from `street_names`, where loads
   keep them: `pipeline.store.streets`).
2. `link_candidates`, `link_pairs`, `link_ratios` and `link_links`: the candidate pairs, their
   evidence, name similarity, the rules, the score and the reasons (`pipeline.link.pairs`, with
   the thresholds).
3. `link_joined`: the links that join (sites first, then each listing without a site to its best
   site); `link_members`: connected components by min-label propagation with pointer jumping, one
   UPDATE per round until no label changes; the facility id is the UUID5 of "facility|" and the
   smallest member id, built from DuckDB's sha1 (`pipeline.ids.uuid5_text` in SQL).

The small functions (`score_pair`, `find_links`, `facilities`, `street_key`, ...) run the same
SQL on a throwaway in-memory database, for tests and for looking at one case.
"""

from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from functools import cache

import duckdb
import pyarrow as pa

from pipeline.ids import sha1_sql, uuid5_sql
from pipeline.link.keys import _HAS_POINT_SQL, _create_folds, _create_keys, _fold_words_sql, split_relation
from pipeline.link.pairs import _CANDIDATES_SQL, _distance_sql, _pair_params, _score


@dataclass(frozen=True)
class LinkInput:
    """What linking reads of one listing (the columns `build_links` expects, in this order)."""

    listing_id: str
    source: str
    name: str | None
    name2: str | None = None
    street: str | None = None
    zip5: str | None = None
    phone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None


LINK_INPUT_COLUMNS = tuple(f.name for f in fields(LinkInput))


@dataclass(frozen=True)
class Link:
    """Two listings judged the same facility, with the score and the reasons."""

    listing_a: str
    listing_b: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ListingKeys:
    """The keys linking computes of one listing (a row of `link_keys`)."""

    listing_id: str
    name: str
    core: str
    street: str
    site: str
    cell: tuple[int, int] | None


# --- facilities ------------------------------------------------------------------------------------


def _create_roots(con: duckdb.DuckDBPyConnection, links: str) -> None:
    """`link_roots` (listing_id, root): the smallest listing id of each linked listing's component."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE link_edges AS
        SELECT listing_a AS listing_id, listing_b AS other FROM {links}
        UNION ALL SELECT listing_b, listing_a FROM {links}
        """
    )
    # Each linked listing starts with the smallest id it links to, then takes its neighbours'
    # smallest label and its label's label, until no label changes: the label is then the
    # smallest id of the component, the root union-find would give.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE link_roots AS "
        "SELECT listing_id, least(listing_id, min(other)) AS root FROM link_edges GROUP BY listing_id"
    )
    while True:
        spread = con.execute(
            """
            UPDATE link_roots SET root = n.root
            FROM (SELECT e.listing_id, min(o.root) AS root
                  FROM link_edges e JOIN link_roots o ON o.listing_id = e.other GROUP BY e.listing_id) n
            WHERE link_roots.listing_id = n.listing_id AND n.root < link_roots.root
            """
        ).fetchone()[0]
        jumped = con.execute(
            """
            UPDATE link_roots SET root = o.root FROM link_roots o
            WHERE o.listing_id = link_roots.root AND o.root < link_roots.root
            """
        ).fetchone()[0]
        if spread == 0 and jumped == 0:
            break


def _create_members(con: duckdb.DuckDBPyConnection, listings: str, links: str) -> None:
    """`link_members` (listing_id, source, facility_id): the connected components of `links` over `listings`."""
    _create_roots(con, links)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE link_members AS
        WITH roots AS (
            SELECT l.listing_id, l.source,
                   {sha1_sql("'facility|' || coalesce(r.root, l.listing_id)")} AS digest
            FROM {listings} l LEFT JOIN link_roots r USING (listing_id)
        )
        SELECT listing_id, source, {uuid5_sql("digest")} AS facility_id FROM roots
        """
    )


# A listing without a site (no house number, street or ZIP: many FindTreatment rows, provider
# pages) joins the site it links to best, and none when two sites tie: one operator's phone and
# name are often the same at all its sites, and such a listing would otherwise chain them into one
# facility. Sites are the components of the links between listings that have one, which only ever
# join one house number in one ZIP.
_JOINED_SQL = """
CREATE OR REPLACE TEMP TABLE link_attach AS
WITH crossing AS (
    SELECT CASE WHEN l.a_site THEN l.listing_b ELSE l.listing_a END AS listing_id,
           coalesce(r.root, CASE WHEN l.a_site THEN l.listing_a ELSE l.listing_b END) AS site, l.score
    FROM link_links l
    LEFT JOIN link_roots r ON r.listing_id = CASE WHEN l.a_site THEN l.listing_a ELSE l.listing_b END
    WHERE l.a_site <> l.b_site
),
by_site AS (SELECT listing_id, site, max(score) AS score FROM crossing GROUP BY ALL),
ranked AS (
    SELECT *, rank() OVER (PARTITION BY listing_id ORDER BY score DESC) AS place,
           count(*) OVER (PARTITION BY listing_id, score) AS tied
    FROM by_site
)
SELECT listing_id, site FROM ranked WHERE place = 1 AND tied = 1;

CREATE OR REPLACE TEMP TABLE link_joined AS
SELECT l.listing_a, l.listing_b, l.score, l.reasons
FROM link_links l
LEFT JOIN link_attach xa ON xa.listing_id = l.listing_a
LEFT JOIN link_attach xb ON xb.listing_id = l.listing_b
LEFT JOIN link_roots ra ON ra.listing_id = l.listing_a
LEFT JOIN link_roots rb ON rb.listing_id = l.listing_b
WHERE l.both_sites
   OR (l.a_site AND NOT l.b_site AND xb.site = coalesce(ra.root, l.listing_a))
   OR (l.b_site AND NOT l.a_site AND xa.site = coalesce(rb.root, l.listing_b))
   -- Two listings without a site: linked when neither joins a site, or both join the same one.
   OR (NOT l.a_site AND NOT l.b_site AND xa.site IS NOT DISTINCT FROM xb.site);
"""


def build_links(con: duckdb.DuckDBPyConnection, listings: str, *, stored: bool = False) -> None:
    """Link the listings of the relation `listings` into facilities.

    `listings` has the columns of `LinkInput`, then each street's house number and the rest
    (`number`, `rest`; `pipeline.link.keys.split_relation` adds them to listings from elsewhere).
    `stored`: the relation is the project database's listings, whose streets a load has parsed.

    Leaves `link_joined` (listing_a < listing_b, score, reasons: the links that join facilities),
    `link_links` (every pair a rule links, some of which a listing without a site may not join)
    and `link_members` (listing_id, source, facility_id) as temporary tables of `con`, with their
    helpers (`link_*`); runs in whatever transaction `con` has open.
    """
    _create_keys(con, listings, stored=stored)
    con.execute(_CANDIDATES_SQL, _pair_params("max_block"))
    _score(con)
    # Sites first: the components of the links between listings at sites.
    _create_roots(con, "(SELECT listing_a, listing_b FROM link_links WHERE both_sites)")
    con.execute(_JOINED_SQL)
    _create_members(con, "link_keys", "link_joined")


# --- one case at a time, for tests and a look at a pair ------------------------------------------------

_INPUT_SCHEMA = pa.schema(
    [(column, pa.float64() if column in {"latitude", "longitude"} else pa.string()) for column in LINK_INPUT_COLUMNS]
)


@cache
def _scratch_database() -> duckdb.DuckDBPyConnection:
    # Opening a database costs tens of milliseconds; a cursor of this one is a new connection with
    # temporary tables of its own, at no cost.
    return duckdb.connect()


def _scratch(tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """A fresh connection to an in-memory database, with `tables` as temporary tables."""
    con = _scratch_database().cursor()
    for name, table in tables.items():
        con.register(f"{name}_arrow", table)
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        con.unregister(f"{name}_arrow")
    return con


def _listings_table(items: Iterable[LinkInput]) -> pa.Table:
    rows = [astuple(item) for item in items]
    return pa.table(
        {column: [row[i] for row in rows] for i, column in enumerate(LINK_INPUT_COLUMNS)}, schema=_INPUT_SCHEMA
    )


def _links(con: duckdb.DuckDBPyConnection, table: str = "link_joined") -> list[Link]:
    rows = con.execute(f"SELECT listing_a, listing_b, score, reasons FROM {table} ORDER BY ALL").fetchall()
    return [Link(a, b, score, tuple(reasons)) for a, b, score, reasons in rows]


def listing_keys(items: Sequence[LinkInput]) -> list[ListingKeys]:
    """The keys linking computes of each listing (ids distinct), in the order given."""
    with _scratch({"listings": _listings_table(items)}) as con:
        _create_keys(con, split_relation("listings"))
        rows = con.execute(
            "SELECT listing_id, name, core, lower(concat_ws(' ', nullif(number, ''), street_pre, "
            "nullif(street_name, ''), street_suffix, street_post)), site, cell_row, cell_col FROM link_keys"
        ).fetchall()
    by_id = {row[0]: ListingKeys(*row[:5], None if row[5] is None else (row[5], row[6])) for row in rows}
    return [by_id[item.listing_id] for item in items]


def street_key(street: str | None) -> str:
    """A street address folded so spelling variants meet ("123 N. Main Street Ste 4" = "123 n main st")."""
    return listing_keys([LinkInput("x", "x", None, street=street)])[0].street


def name_key(name: str | None, name2: str | None = None) -> str:
    """Names folded for comparison, without legal-form words."""
    return listing_keys([LinkInput("x", "x", name, name2)])[0].name


def website_site(url: str | None) -> str:
    """The site of a website address: host, lower case, without "www."; "" when there is none."""
    return listing_keys([LinkInput("x", "x", None, website=url)])[0].site


def identity_folds(values: Sequence[str | None]) -> list[str]:
    """Each value folded as `link_keys` folds names and streets: `pipeline.clean.identity_text` in SQL."""
    table = pa.table({"i": pa.array(range(len(values)), pa.int64()), "value": pa.array(values, pa.string())})
    with _scratch({"link_values": table}) as con:
        _create_folds(con, "SELECT value FROM link_values")
        rows = con.execute(
            f"SELECT array_to_string(list_filter({_fold_words_sql('v.value', 'f.folded')}, lambda w: w <> ''), ' ') "
            "FROM link_values v LEFT JOIN link_folds f ON f.value = v.value ORDER BY v.i"
        ).fetchall()
    return [row[0] for row in rows]


def distance_m(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    """The great-circle distance in metres linking computes, or None when a side has no coordinates."""

    def point(side: str) -> str:
        return (
            f"SELECT ${side}_lat::DOUBLE AS latitude, ${side}_lon::DOUBLE AS longitude, {_HAS_POINT_SQL} AS has_point"
        )

    (a_lat, a_lon), (b_lat, b_lon) = a or (None, None), b or (None, None)
    with _scratch({}) as con:
        row = con.execute(
            f"SELECT {_distance_sql('a', 'b')} FROM ({point('a')}) a, ({point('b')}) b",
            {**_pair_params("radius_m"), "a_lat": a_lat, "a_lon": a_lon, "b_lat": b_lat, "b_lon": b_lon},
        ).fetchone()
    return row[0]


def score_pair(a: LinkInput, b: LinkInput) -> Link | None:
    """The link between two listings of different sources, or None when the evidence does not agree.

    The pair is scored as it is, whether blocking would make it a candidate or not.
    """
    with _scratch({"listings": _listings_table([a, b])}) as con:
        _create_keys(con, split_relation("listings"))
        con.execute(
            "CREATE TEMP TABLE link_candidates AS SELECT least($a, $b) AS listing_a, greatest($a, $b) AS listing_b",
            {"a": a.listing_id, "b": b.listing_id},
        )
        _score(con)
        links = _links(con, "link_links")
    return links[0] if links else None


def find_links(items: Iterable[LinkInput]) -> list[Link]:
    """All links between listings of different sources, each pair once, ordered by the pair's ids."""
    with _scratch({"listings": _listings_table(items)}) as con:
        build_links(con, split_relation("listings"))
        return _links(con)


def facilities(listing_ids: Sequence[str], links: Iterable[Link]) -> dict[str, str]:
    """listing id -> facility id: linked listings share one, an unlinked listing is its own facility."""
    links = list(links)
    ids = pa.table(
        {"listing_id": pa.array(listing_ids, pa.string()), "source": pa.nulls(len(listing_ids), pa.string())}
    )
    pairs = pa.table(
        {
            "listing_a": pa.array([link.listing_a for link in links], pa.string()),
            "listing_b": pa.array([link.listing_b for link in links], pa.string()),
        }
    )
    with _scratch({"ids": ids, "given_links": pairs}) as con:
        # As in the store, where links only ever join listings that are there.
        con.execute(
            "CREATE TEMP TABLE known_links AS SELECT * FROM given_links "
            "WHERE listing_a IN (SELECT listing_id FROM ids) AND listing_b IN (SELECT listing_id FROM ids)"
        )
        _create_members(con, "ids", "known_links")
        members = dict(con.execute("SELECT listing_id, facility_id FROM link_members").fetchall())
    return {i: members[i] for i in listing_ids}
