"""The keys linking compares listings by: folded names, parsed street addresses, websites, a grid cell.

`link_keys` holds the keys of each listing. Text is folded as `pipeline.clean.identity_text`
does; an ASCII value is folded by SQL string functions, and the few distinct non-ASCII values
(which need Unicode decomposition) are folded by `identity_text` itself into a small table first
(`link_folds`). Street addresses are split into a house number (in SQL) and the rest, and each
distinct rest is parsed once by `pipeline.clean.street` (usaddress, USPS Publication 28) into
`link_streets`; in the DuckDB file a load has split each listing's street and parsed each rest
into `street_names` already (`pipeline.store.streets`), so linking parses nothing there. The
word lists below are the only copy of each rule: they reach the SQL as bound parameters.
"""

import duckdb
import pyarrow as pa

from pipeline.clean import identity_text
from pipeline.clean.street import PARSED_REST_COLUMNS, parsed_rests, split_columns_sql, split_sql

_CELL_DEG = 0.005

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


def _key_params(*names: str) -> dict[str, object]:
    """The constants above as named parameters of a statement (DuckDB refuses unused ones)."""
    everything: dict[str, object] = {
        "name_noise": sorted(_NAME_NOISE),
        "generic": sorted(_GENERIC),
        "cell_deg": _CELL_DEG,
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


# Whether a listing has a point to measure from.
_HAS_POINT_SQL = "(latitude IS NOT NULL AND longitude IS NOT NULL AND isfinite(latitude) AND isfinite(longitude))"


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

# The keys of each listing of `link_input`: name words, the parsed street address (house number,
# street name and its USPS type and directionals; units are left out, since a suite does not tell
# sites apart), the website's host and a grid cell.
_KEYS_SQL = rf"""
CREATE OR REPLACE TEMP TABLE link_keys AS
WITH folded AS (
    SELECT i.listing_id, i.source, i.zip5, i.phone, i.latitude, i.longitude,
           {_fold_words_sql("i.name", "fn.folded")} AS name_parts,
           coalesce(i.number, '') AS number,
           s.name AS street_name, s.key AS street_key, s.suffix AS street_suffix,
           s.predirectional AS street_pre, s.postdirectional AS street_post,
           -- A website without "//" is read as a host: "www.x.org/iop" is x.org.
           regexp_replace(CASE WHEN contains(i.website, '//') THEN i.website ELSE 'http://' || i.website END,
                          '^[\x00- ]+|[\t\r\n]', '', 'g') AS url
    FROM link_input i
    LEFT JOIN link_folds fn ON fn.value = i.name
    LEFT JOIN link_streets s ON s.rest = i.rest
),
parts AS (
    SELECT *,
           list_filter(name_parts, lambda w: w <> '' AND NOT list_contains($name_noise, w)) AS name_words,
           -- "506B" and "506" are one house; "90-27" stays whole.
           rtrim(number, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') AS house,
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
       number,
       house, coalesce(street_name, '') AS street_name, coalesce(street_key, '') AS street_key,
       street_suffix, street_pre, street_post,
       -- A site: a house number on a named street in a ZIP. Listings with one are linked only
       -- to listings at the same site; a listing without one joins at most one site.
       house <> '' AND coalesce(street_name, '') <> '' AND zip5 IS NOT NULL AS has_site,
       CASE WHEN starts_with(host, 'www.') THEN substr(host, 5) ELSE host END AS site,
       has_point,
       CASE WHEN has_point THEN latitude END AS latitude,
       CASE WHEN has_point THEN longitude END AS longitude,
       CASE WHEN has_point THEN floor(latitude / $cell_deg)::BIGINT END AS cell_row,
       CASE WHEN has_point THEN floor(longitude / $cell_deg)::BIGINT END AS cell_col
FROM sites
"""


def _create_streets(con: duckdb.DuckDBPyConnection, persistent: bool) -> None:
    """`link_streets`: the parsed components and key of each distinct street (without its number) of `link_input`.

    In the project database a load has parsed them into `street_names` already
    (`pipeline.store.streets`); elsewhere (tests, `score_pair`) every distinct rest is parsed here.
    """
    if persistent:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE link_streets AS "
            "SELECT s.* FROM street_names s SEMI JOIN link_input USING (rest)"
        )
    else:
        rests = [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT rest FROM link_input WHERE rest IS NOT NULL AND rest <> ''"
            ).fetchall()
        ]
        _temp_table(con, "link_streets", PARSED_REST_COLUMNS, parsed_rests(rests))
    # The street name's letters and digits only ("ROUTE 22 B" = "ROUTE22B"), once per street.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE link_streets AS "
        "SELECT *, regexp_replace(coalesce(name, ''), '[^A-Z0-9]', '', 'g') AS key FROM link_streets"
    )


def split_relation(listings: str) -> str:
    """The relation `listings` (the columns of `LinkInput`) with each street split: `number`, `rest`.

    For listings outside the store; the store's rows carry their split (`street_number`, `street_rest`).
    """
    columns = split_columns_sql("street", "street_split")
    return (
        f"(SELECT * EXCLUDE (street_split), {columns['street_number']} AS number, {columns['street_rest']} AS rest "
        f"FROM (SELECT *, {split_sql('street')} AS street_split FROM {listings}))"
    )


def _create_keys(con: duckdb.DuckDBPyConnection, listings: str, *, stored: bool = False) -> None:
    """`link_input` (name and name2 joined as one name) and `link_keys` of the relation `listings`.

    `listings` has the columns of `LinkInput`, then each street's house number and the rest
    (`number`, `rest`: the store's split, or `split_relation`'s). `stored`: the relation is the
    project database's, whose `street_names` hold its parsed streets.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE link_input AS
        SELECT listing_id, source, concat_ws(' ', nullif(name, ''), nullif(name2, '')) AS name, street,
               nullif(zip5, '') AS zip5, nullif(phone, '') AS phone, latitude, longitude, website, number, rest
        FROM {listings}
        """
    )
    _create_folds(con, "SELECT name FROM link_input")
    _create_streets(con, stored)
    con.execute(_KEYS_SQL, _key_params("name_noise", "generic", "cell_deg"))
