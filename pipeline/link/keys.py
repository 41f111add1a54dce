"""The keys linking compares listings by: folded names, streets and websites, and a grid cell.

`link_keys` holds the keys of each listing. Text is folded as `pipeline.clean.identity_text`
does; an ASCII value is folded by SQL string functions, and the few distinct non-ASCII values
(which need Unicode decomposition) are folded by `identity_text` itself into a small table first
(`link_folds`). The word lists below are the only copy of each rule: they reach the SQL as bound
parameters (the unit-word pattern is built from `_STREET_WORDS`).
"""

import duckdb
import pyarrow as pa

from pipeline.clean import identity_text

_CELL_DEG = 0.005

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


def _key_params(*names: str) -> dict[str, object]:
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
        _key_params("street_from", "street_to", "name_noise", "unit_words", "unit_pattern", "generic", "cell_deg"),
    )
