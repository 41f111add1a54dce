"""Which listings of different sources are the same facility, decided set-based in DuckDB.

Candidate pairs come from blocking on five keys: the main phone, the street address with its
ZIP, the ZIP with the first word of the name, the website's host, and a ~500 m grid cell where
coordinates exist.
Each candidate pair is scored and linked only when the evidence agrees:

- same street address and ZIP, and names alike (token-set similarity ≥ 0.6) or the same phone;
- same phone and ZIP, names alike (≥ 0.6), and no street on one side to say otherwise — a shared
  phone is often an agency's central line for several sites;
- within 150 m of each other, and names very alike (≥ 0.85);
- the same website (host), and names alike, or the same ZIP or phone — how a provider's own
  program page meets its directory listings.

A listing is linked only to listings of *other* sources: two rows of one directory are two
listings by that directory's own account (often two programs at one site). Linked listings form
facilities (connected components); a facility's id is derived from its smallest member id, so
it stays the same while that member does.

How it runs: `build_links` takes a relation of listings and leaves its results in temporary
tables of the same connection, so `pipeline.link.store` writes them with INSERT ... SELECT
inside its one write transaction. Every rule is one SQL statement over all listings or pairs:

1. `link_keys`: the keys of each listing. Text is folded as `pipeline.clean.text.identity_text` does;
   an ASCII value is folded by SQL string functions, and the few distinct non-ASCII values (which
   need Unicode decomposition) are folded by `identity_text` itself into a small table first.
   The word lists and thresholds below are the only copy of each rule: they reach the SQL as
   bound parameters (the unit-word pattern is built from `_STREET_WORDS`).
2. `link_candidates`: listings of different sources sharing a block of 2..MAX_BLOCK listings.
3. `link_pairs`: the evidence of each candidate pair; pairs that no rule could link whatever
   their names say are dropped here, before the name comparison.
4. Name similarity is rapidfuzz's token-set ratio (Indel distance, which SQL has no exact
   equivalent of), computed once per distinct pair of name texts, with the C scorer called
   from one Python loop over the Arrow columns, and joined back as a table.
5. `link_links`: the rules, the score and the reasons. Numbers are rounded and printed exactly
   as Python's `round` and `format` do (half to even on the binary value), in integer arithmetic.
6. `link_members`: connected components by min-label propagation with pointer jumping, one
   UPDATE per round until no label changes; the facility id is the UUID5 of "facility|" and the
   smallest member id, built from DuckDB's sha1 (`pipeline.ids.uuid5_text` in SQL).

The small functions (`score_pair`, `find_links`, `facilities`, `street_key`, ...) run the same
SQL on a throwaway in-memory database, for tests and for looking at one case.

Name similarity is rapidfuzz's token-set ratio: it ignores word order and extra words ("Howard
Center / Pine Street Counseling Services" vs "Howard Center"), is implemented in C, and is the
library the Python record-linkage tools build on. Splink would add a probabilistic model and a
training step; with a handful of deterministic keys and no labelled pairs, explicit rules whose
reasons a maintainer can read are the better fit.
"""

from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from functools import cache

import duckdb
import pyarrow as pa
from rapidfuzz import fuzz

from pipeline.clean import identity_text
from pipeline.ids import sha1_sql, uuid5_sql

NAME_ALIKE = 0.6
NAME_SAME = 0.85
NEAR_M = 150.0
_CELL_DEG = 0.005
# A block this large is a shared switchboard or a big campus, not one facility.
MAX_BLOCK = 40
_EARTH_RADIUS_M = 6_371_000

# A word mapped to "" is a unit word: it and the word after it (the unit number) are left out,
# since the unit does not tell sites apart.
_STREET_WORDS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "drive": "dr",
    "boulevard": "blvd",
    "highway": "hwy",
    "lane": "ln",
    "place": "pl",
    "court": "ct",
    "parkway": "pkwy",
    "suite": "",
    "ste": "",
    "floor": "",
    "fl": "",
    "unit": "",
    "room": "",
    "rm": "",
    "building": "",
    "bldg": "",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
}
_NAME_NOISE = {"inc", "llc", "corp", "corporation", "co", "the", "of", "and", "pc", "pllc", "ltd", "dba"}
# Words every other provider has: two names that share only these are not alike
# ("Englewood Mental Health Center" vs "Howard Brown Health Center" in one building).
_GENERIC = {
    "health",
    "healthcare",
    "center",
    "centers",
    "ctr",
    "services",
    "service",
    "servs",
    "behavioral",
    "mental",
    "counseling",
    "clinic",
    "treatment",
    "trt",
    "recovery",
    "program",
    "programs",
    "care",
    "community",
    "hospital",
    "medical",
    "family",
    "wellness",
    "outpatient",
    "systems",
    "system",
    "network",
    "substance",
    "abuse",
    "addiction",
}


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


def _params(*names: str) -> dict[str, object]:
    """The constants above as named parameters of a statement (DuckDB refuses unused ones)."""
    units = sorted(w for w, mapped in _STREET_WORDS.items() if mapped == "")
    assert all(w.isascii() and w.isalpha() for w in units)  # they go into a regular expression
    everything: dict[str, object] = {
        "name_noise": sorted(_NAME_NOISE),
        "generic": sorted(_GENERIC),
        "street_from": [w for w, mapped in _STREET_WORDS.items() if mapped],
        "street_to": [mapped for mapped in _STREET_WORDS.values() if mapped],
        # Each word stands between two spaces of its own (see _KEYS_SQL), so a unit word is matched
        # whole, together with the word after it, and the next match starts at the next word.
        "unit_words": units,
        "unit_pattern": " (?:" + "|".join(units) + ") (?: [a-z0-9]+ )?",
        "cell_deg": _CELL_DEG,
        "max_block": MAX_BLOCK,
        "name_alike": NAME_ALIKE,
        "name_same": NAME_SAME,
        "near_m": NEAR_M,
        "radius_m": float(_EARTH_RADIUS_M),
    }
    return {n: everything[n] for n in names}


# --- SQL building blocks ---------------------------------------------------------------------------


def _fold_words_sql(value: str, non_ascii_folded: str) -> str:
    """The words of `identity_text(value)`, as a list with empty strings among them to filter out.

    An ASCII value (as many bytes as characters) is folded here: lower case, apostrophes join
    ("St. John's" = "St Johns"), and every other run of non-alphanumerics separates words. A
    non-ASCII value needs Unicode decomposition and comes folded from `link_folds`.
    """
    return (
        f"CASE WHEN {value} IS NULL OR {value} = '' THEN []::VARCHAR[] "
        f"WHEN strlen({value}) = length({value}) "
        f"THEN regexp_split_to_array(replace(lower({value}), '''', ''), '[^a-z0-9]+') "
        f"ELSE string_split({non_ascii_folded}, ' ') END"
    )


def _round_half_even_sql(x: str, digits: int) -> str:
    """The integer round(x * 10**digits), half to even on the exact binary value of x >= 0.

    Python's round() and format() round the exact value of a float, where DuckDB's round()
    rounds x * 10**digits after that product was itself rounded. Here x * 2**80 is an exact
    integer (any x >= 2**-28, and smaller ones are nowhere near a half), so the rounding is done
    in HUGEINT arithmetic without error.
    """
    scaled = f"((({x}) * 1208925819614629174706176.0::DOUBLE)::HUGEINT * {10**digits})"
    one = "(1::HUGEINT << 80)"
    quotient, twice_rest = f"({scaled} // {one})", f"(2 * ({scaled} % {one}))"
    return (
        f"({quotient} + CASE WHEN {twice_rest} > {one} OR ({twice_rest} = {one} AND {quotient} % 2 = 1) "
        f"THEN 1 ELSE 0 END)"
    )


# Whether a listing has a point to measure from.
_HAS_POINT_SQL = "(latitude IS NOT NULL AND longitude IS NOT NULL AND isfinite(latitude) AND isfinite(longitude))"


def _distance_sql(a: str, b: str) -> str:
    """The great-circle distance in metres between the points of two `link_keys` rows (haversine)."""
    return (
        f"CASE WHEN {a}.has_point AND {b}.has_point THEN 2 * $radius_m * asin(sqrt("
        f"pow(sin((radians({b}.latitude) - radians({a}.latitude)) / 2), 2) "
        f"+ cos(radians({a}.latitude)) * cos(radians({b}.latitude)) "
        f"* pow(sin((radians({b}.longitude) - radians({a}.longitude)) / 2), 2))) END"
    )


def _create_folds(con: duckdb.DuckDBPyConnection, values_sql: str) -> None:
    """`link_folds`: the distinct non-ASCII values of `values_sql` (one column), folded by identity_text."""
    rows = con.execute(
        f"SELECT DISTINCT v FROM ({values_sql}) AS t(v) WHERE v IS NOT NULL AND strlen(v) <> length(v)"
    ).fetchall()
    # NFKD decomposition has no SQL equivalent; these values are few (accented names).
    values = [row[0] for row in rows]
    table = pa.table({"value": pa.array(values, pa.string()), "folded": [identity_text(v) for v in values]})
    _temp_table(con, "link_folds", "value VARCHAR, folded VARCHAR", table)


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, columns: str, table: pa.Table) -> None:
    """Create the temp table `name` (`columns`, SQL) holding the rows of an Arrow table."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
    con.register(f"{name}_arrow", table)
    try:
        con.execute(f"INSERT INTO {name} SELECT * FROM {name}_arrow")
    finally:
        con.unregister(f"{name}_arrow")


# The host in a URL's netloc, lower case: after any user, before any port. A host in brackets (an
# IP address, or no valid URL at all) is no site. DuckDB's lower() differs from Python's only for
# a few non-ASCII letters ("İ", a final "Σ"); both sides of a comparison are folded alike.
_SITE_SQL = """
    lower(CASE WHEN contains(netloc, '[') OR contains(netloc, ']') THEN ''
               ELSE split_part(string_split(netloc, '@')[-1], ':', 1) END)
"""

# The keys of each listing of `link_input`. When a street has a unit word, its words are put
# between spaces of their own (" 123  main  st  suite  4 ") so that one regexp_replace drops each
# unit word with the word after it, left to right, as a reader skips "Suite 4".
_KEYS_SQL = rf"""
CREATE OR REPLACE TEMP TABLE link_keys AS
WITH consts AS (SELECT map($street_from, $street_to) AS street_map),
folded AS (
    SELECT i.listing_id, i.source, i.zip5, i.phone, i.latitude, i.longitude,
           {_fold_words_sql("i.name", "fn.folded")} AS name_parts,
           list_filter({_fold_words_sql("i.street", "fs.folded")}, lambda w: w <> '') AS street_parts,
           -- A website without "//" is read as a host: "www.x.org/iop" is x.org.
           regexp_replace(CASE WHEN contains(i.website, '//') THEN i.website ELSE 'http://' || i.website END,
                          '^[\x00- ]+|[\t\r\n]', '', 'g') AS url
    FROM link_input i
    LEFT JOIN link_folds fn ON fn.value = i.name
    LEFT JOIN link_folds fs ON fs.value = i.street
),
parts AS (
    SELECT *,
           list_filter(name_parts, lambda w: w <> '' AND NOT list_contains($name_noise, w)) AS name_words,
           CASE WHEN list_has_any(street_parts, $unit_words) THEN
               list_filter(string_split(regexp_replace(' ' || array_to_string(street_parts, '  ') || ' ',
                                                       $unit_pattern, '', 'g'), ' '), lambda w: w <> '')
           ELSE street_parts END AS street_words,
           -- The netloc: after the scheme's "//" (or a leading "//"), up to the path.
           coalesce(regexp_extract(url, '^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#]*)', 1), '') AS netloc,
           {_HAS_POINT_SQL} AS has_point
    FROM folded
),
sites AS (SELECT *, {_SITE_SQL} AS host FROM parts)
SELECT listing_id, source, zip5, phone,
       array_to_string(name_words, ' ') AS name,
       array_to_string(list_filter(name_words, lambda w: NOT list_contains($generic, w)), ' ') AS core,
       name_words[1] AS first_word,
       array_to_string(list_transform(street_words, lambda w: coalesce(street_map[w], w)), ' ') AS street,
       CASE WHEN starts_with(host, 'www.') THEN substr(host, 5) ELSE host END AS site,
       has_point,
       CASE WHEN has_point THEN latitude END AS latitude,
       CASE WHEN has_point THEN longitude END AS longitude,
       CASE WHEN has_point THEN floor(latitude / $cell_deg)::BIGINT END AS cell_row,
       CASE WHEN has_point THEN floor(longitude / $cell_deg)::BIGINT END AS cell_col
FROM sites, consts
"""

# Listings of different sources that share a block of 2..MAX_BLOCK listings, each pair once.
# A point joins its grid cell and the eight around it, so two points closer than a cell always
# share a block.
_CANDIDATES_SQL = """
CREATE OR REPLACE TEMP TABLE link_candidates AS
WITH blocks AS MATERIALIZED (
    SELECT listing_id, source, 'phone' AS kind, phone AS value FROM link_keys WHERE phone IS NOT NULL
    UNION ALL
    SELECT listing_id, source, 'address', street || '|' || zip5 FROM link_keys
    WHERE street <> '' AND zip5 IS NOT NULL
    UNION ALL
    SELECT listing_id, source, 'name', first_word || '|' || zip5 FROM link_keys
    WHERE name <> '' AND zip5 IS NOT NULL
    UNION ALL
    SELECT listing_id, source, 'site', site FROM link_keys WHERE site <> ''
    UNION ALL
    SELECT listing_id, source, 'cell', (cell_row + dr)::VARCHAR || '|' || (cell_col + dc)::VARCHAR
    FROM link_keys, (SELECT unnest([-1, 0, 1]) AS dr), (SELECT unnest([-1, 0, 1]) AS dc)
    WHERE has_point
),
sized AS (
    SELECT kind, value FROM blocks GROUP BY kind, value HAVING count(*) BETWEEN 2 AND $max_block
),
kept AS (SELECT * FROM blocks SEMI JOIN sized USING (kind, value))
SELECT DISTINCT a.listing_id AS listing_a, b.listing_id AS listing_b
FROM kept a JOIN kept b
  ON a.kind = b.kind AND a.value = b.value AND a.listing_id < b.listing_id AND a.source <> b.source
"""

# The evidence of each candidate pair; a pair no rule could link, whatever the names, is left out.
_PAIRS_SQL = f"""
CREATE OR REPLACE TEMP TABLE link_pairs AS
WITH evidence AS (
    SELECT c.listing_a, c.listing_b, a.site,
           coalesce(a.zip5 = b.zip5, false) AS same_zip,
           coalesce(a.zip5 = b.zip5, false) AND a.street <> '' AND a.street = b.street AS same_address,
           coalesce(a.phone = b.phone, false) AS same_phone,
           a.site <> '' AND a.site = b.site AS same_site,
           a.street <> '' AND b.street <> '' AS both_streets,
           {_distance_sql("a", "b")} AS distance,
           -- The distinctive words of both names, or all words when one has none; no names, no text.
           CASE WHEN a.name = '' OR b.name = '' THEN NULL
                WHEN a.core <> '' AND b.core <> '' THEN a.core ELSE a.name END AS text_a,
           CASE WHEN a.name = '' OR b.name = '' THEN NULL
                WHEN a.core <> '' AND b.core <> '' THEN b.core ELSE b.name END AS text_b
    FROM link_candidates c
    JOIN link_keys a ON a.listing_id = c.listing_a
    JOIN link_keys b ON b.listing_id = c.listing_b
    WHERE a.source <> b.source
)
SELECT *, coalesce(distance <= $near_m, false) AS near
FROM evidence
WHERE same_address OR (same_phone AND same_zip AND NOT both_streets) OR coalesce(distance <= $near_m, false)
   OR same_site
"""

# The rules, the score and the reasons of each pair, with its similarity from `link_ratios`.
_LINKS_SQL = f"""
CREATE OR REPLACE TEMP TABLE link_links AS
WITH scored AS (
    SELECT p.*, coalesce(r.ratio / 100, 0.0) AS similarity
    FROM link_pairs p LEFT JOIN link_ratios r ON r.text_a = p.text_a AND r.text_b = p.text_b
),
linked AS (
    SELECT *,
           least(1.0::DOUBLE, 0.4::DOUBLE * same_address::INTEGER + 0.2::DOUBLE * same_phone::INTEGER
                 + 0.1::DOUBLE * near::INTEGER + 0.1::DOUBLE * same_site::INTEGER
                 + 0.4::DOUBLE * similarity) AS raw_score
    FROM scored
    WHERE (same_address AND (similarity >= $name_alike OR same_phone))
       -- A shared phone and ZIP are one site only when an address does not say otherwise:
       -- agencies answer several sites on one number.
       OR (same_phone AND same_zip AND similarity >= $name_alike AND NOT both_streets)
       OR (near AND similarity >= $name_same)
       -- A provider's own page and a directory listing of that provider share its website.
       OR (same_site AND (similarity >= $name_alike OR same_zip OR same_phone))
),
rounded AS (
    SELECT *, {_round_half_even_sql("similarity", 2)} AS similarity_hundredths FROM linked
)
SELECT listing_a, listing_b,
       {_round_half_even_sql("raw_score", 3)}::DOUBLE / 1000 AS score,
       list_filter([
           CASE WHEN same_address THEN 'same street address and ZIP' END,
           CASE WHEN same_phone THEN 'same phone' END,
           CASE WHEN near THEN {_round_half_even_sql("distance", 0)}::VARCHAR || ' m apart' END,
           CASE WHEN same_site THEN 'same website ' || site END,
           'name similarity ' || (similarity_hundredths // 100)::VARCHAR || '.'
               || lpad((similarity_hundredths % 100)::VARCHAR, 2, '0')
       ], lambda reason: reason IS NOT NULL) AS reasons
FROM rounded
"""


def _create_ratios(con: duckdb.DuckDBPyConnection) -> None:
    """`link_ratios`: rapidfuzz's token-set ratio (0..100) of each distinct pair of name texts."""
    pairs = con.sql(
        "SELECT DISTINCT text_a, text_b FROM link_pairs WHERE text_a IS NOT NULL AND text_b IS NOT NULL"
    ).to_arrow_table()
    texts_a, texts_b = pairs.column("text_a").to_pylist(), pairs.column("text_b").to_pylist()
    # One call of the C scorer per distinct pair; process.cpdist would do the loop in C, but it
    # needs numpy, which the project does not otherwise depend on.
    ratios = [fuzz.token_set_ratio(a, b) for a, b in zip(texts_a, texts_b, strict=True)]
    table = pa.table({"text_a": pairs.column("text_a"), "text_b": pairs.column("text_b"), "ratio": ratios})
    _temp_table(con, "link_ratios", "text_a VARCHAR, text_b VARCHAR, ratio DOUBLE", table)


def _create_keys(con: duckdb.DuckDBPyConnection, listings: str) -> None:
    """`link_input` (name and name2 joined as one name) and `link_keys` of the relation `listings`."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE link_input AS
        SELECT listing_id, source, concat_ws(' ', nullif(name, ''), nullif(name2, '')) AS name, street,
               nullif(zip5, '') AS zip5, nullif(phone, '') AS phone, latitude, longitude, website
        FROM {listings}
        """
    )
    _create_folds(con, "SELECT name FROM link_input UNION ALL SELECT street FROM link_input")
    con.execute(
        _KEYS_SQL,
        _params("street_from", "street_to", "name_noise", "unit_words", "unit_pattern", "generic", "cell_deg"),
    )


def _score(con: duckdb.DuckDBPyConnection) -> None:
    """`link_links` of the pairs in `link_candidates`."""
    con.execute(_PAIRS_SQL, _params("radius_m", "near_m"))
    _create_ratios(con)
    con.execute(_LINKS_SQL, _params("name_alike", "name_same"))


def _create_members(con: duckdb.DuckDBPyConnection, listings: str, links: str) -> None:
    """`link_members` (listing_id, source, facility_id): the connected components of `links` over `listings`."""
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


def build_links(con: duckdb.DuckDBPyConnection, listings: str) -> None:
    """Link the listings of the relation `listings` (the columns of `LinkInput`) into facilities.

    Leaves `link_links` (listing_a < listing_b, score, reasons) and `link_members` (listing_id,
    source, facility_id) as temporary tables of `con`, with their helpers (`link_*`); runs in
    whatever transaction `con` has open.
    """
    _create_keys(con, listings)
    con.execute(_CANDIDATES_SQL, _params("max_block"))
    _score(con)
    _create_members(con, "link_keys", "link_links")


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


def _links(con: duckdb.DuckDBPyConnection) -> list[Link]:
    rows = con.execute("SELECT listing_a, listing_b, score, reasons FROM link_links ORDER BY ALL").fetchall()
    return [Link(a, b, score, tuple(reasons)) for a, b, score, reasons in rows]


def listing_keys(items: Sequence[LinkInput]) -> list[ListingKeys]:
    """The keys linking computes of each listing (ids distinct), in the order given."""
    with _scratch({"listings": _listings_table(items)}) as con:
        _create_keys(con, "listings")
        rows = con.execute("SELECT listing_id, name, core, street, site, cell_row, cell_col FROM link_keys").fetchall()
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
    """Each value folded as `link_keys` folds names and streets: `pipeline.clean.text.identity_text` in SQL."""
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
            {**_params("radius_m"), "a_lat": a_lat, "a_lon": a_lon, "b_lat": b_lat, "b_lon": b_lon},
        ).fetchone()
    return row[0]


def score_pair(a: LinkInput, b: LinkInput) -> Link | None:
    """The link between two listings of different sources, or None when the evidence does not agree.

    The pair is scored as it is, whether blocking would make it a candidate or not.
    """
    with _scratch({"listings": _listings_table([a, b])}) as con:
        _create_keys(con, "listings")
        con.execute(
            "CREATE TEMP TABLE link_candidates AS SELECT least($a, $b) AS listing_a, greatest($a, $b) AS listing_b",
            {"a": a.listing_id, "b": b.listing_id},
        )
        _score(con)
        links = _links(con)
    return links[0] if links else None


def find_links(items: Iterable[LinkInput]) -> list[Link]:
    """All links between listings of different sources, each pair once, ordered by the pair's ids."""
    with _scratch({"listings": _listings_table(items)}) as con:
        build_links(con, "listings")
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
