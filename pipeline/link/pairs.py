"""Candidate pairs of listings, their evidence, and the rules that link them, set-based in DuckDB.

1. `link_candidates`: listings of different sources sharing a block of 2..MAX_BLOCK listings
   (the main phone, the street address with its ZIP, the ZIP with the first word of the name,
   the website's host, a ~500 m grid cell where coordinates exist).
2. `link_pairs`: the evidence of each candidate pair; pairs that no rule could link whatever
   their names say are dropped here, before the name comparison.
3. Name similarity is rapidfuzz's token-set ratio (Indel distance, which SQL has no exact
   equivalent of), computed once per distinct pair of name texts, with the C scorer called
   from one Python loop over the Arrow columns, and joined back as a table (`link_ratios`).
4. `link_links`: the rules, the score and the reasons. Numbers are rounded and printed exactly
   as Python's `round` and `format` do (half to even on the binary value), in integer arithmetic.

The thresholds below are the only copy of each rule: they reach the SQL as bound parameters.

Name similarity is rapidfuzz's token-set ratio: it ignores word order and extra words ("Howard
Center / Pine Street Counseling Services" vs "Howard Center"), is implemented in C, and is the
library the Python record-linkage tools build on. Splink (probabilistic linkage on DuckDB) was
measured against these rules on the labelled pairs (docs/linking.md): trained by EM alone it
merged sites (precision 0.72-0.74); with address weights set by hand and one listing per source
and facility it reached precision 1.000 and recall 0.851 (the rules: 0.991, 0.970), 1.000 and
0.933 on the unseen set (the rules: 0.950, 0.923). The rules stay: more recall where it was
designed, no training step, and reasons a maintainer can read.
"""

import duckdb
import pyarrow as pa
from rapidfuzz import fuzz

from pipeline.link.keys import _temp_table

NAME_ALIKE = 0.6
NAME_SAME = 0.85
# Two street names this alike (Jaro-Winkler, letters and digits only) may be one street misspelt.
STREET_ALIKE = 0.9
NEAR_M = 150.0
# A block this large is a shared switchboard or a big campus, not one facility.
MAX_BLOCK = 40
_EARTH_RADIUS_M = 6_371_000


def _pair_params(*names: str) -> dict[str, object]:
    """The constants above as named parameters of a statement (DuckDB refuses unused ones)."""
    everything: dict[str, object] = {
        "max_block": MAX_BLOCK,
        "name_alike": NAME_ALIKE,
        "name_same": NAME_SAME,
        "street_alike": STREET_ALIKE,
        "near_m": NEAR_M,
        "radius_m": float(_EARTH_RADIUS_M),
    }
    return {n: everything[n] for n in names}


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


def _distance_sql(a: str, b: str) -> str:
    """The great-circle distance in metres between the points of two `link_keys` rows (haversine)."""
    return (
        f"CASE WHEN {a}.has_point AND {b}.has_point THEN 2 * $radius_m * asin(sqrt("
        f"pow(sin((radians({b}.latitude) - radians({a}.latitude)) / 2), 2) "
        f"+ cos(radians({a}.latitude)) * cos(radians({b}.latitude)) "
        f"* pow(sin((radians({b}.longitude) - radians({a}.longitude)) / 2), 2))) END"
    )


# Listings of different sources that share a block of 2..MAX_BLOCK listings, each pair once.
# A point joins its grid cell and the eight around it, so two points closer than a cell always
# share a block.
_CANDIDATES_SQL = """
CREATE OR REPLACE TEMP TABLE link_candidates AS
WITH blocks AS MATERIALIZED (
    SELECT listing_id, source, 'phone' AS kind, phone AS value FROM link_keys WHERE phone IS NOT NULL
    UNION ALL
    -- One block per house number and ZIP: "550 First Avenue" meets "550 1st Ave" and "90-27
    -- Supthin Blvd" meets "90-27 Sutphin Blvd"; the rules then compare the street names.
    SELECT listing_id, source, 'address', house || '|' || zip5 FROM link_keys WHERE has_site
    UNION ALL
    SELECT listing_id, source, 'street', street_key || '|' || zip5 FROM link_keys
    WHERE NOT has_site AND street_key <> '' AND zip5 IS NOT NULL
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
           a.has_site AS a_site, b.has_site AS b_site,
           a.has_site AND b.has_site AS both_sites,
           a.has_site AND b.has_site AND a.house = b.house AND a.zip5 = b.zip5 AS same_house,
           -- The street names agree: one name, directionals and types that do not contradict (one
           -- may leave them out: "930 North Memorial St" = "930 Memorial St").
           a.street_key <> '' AND a.street_key = b.street_key
               AND (a.street_pre IS NULL OR b.street_pre IS NULL OR a.street_pre = b.street_pre)
               AND (a.street_post IS NULL OR b.street_post IS NULL OR a.street_post = b.street_post)
               AND (a.street_suffix IS NULL OR b.street_suffix IS NULL OR a.street_suffix = b.street_suffix)
               AS same_street,
           -- Or they are spelt alike: a typo ("Supthin" / "Sutphin"), a word more ("State Route 22B"),
           -- another type ("Monroe Street" / "Monroe Avenue"): the same site only on more evidence.
           a.street_key <> '' AND b.street_key <> ''
               AND (jaro_winkler_similarity(a.street_key, b.street_key) >= $street_alike
                    OR contains(a.street_key, b.street_key) OR contains(b.street_key, a.street_key))
               AS street_alike,
           -- Without a site on both sides, what each does say must not differ: two ZIP codes or two
           -- house numbers are two sites, whatever else agrees.
           (a.zip5 IS NULL OR b.zip5 IS NULL OR a.zip5 = b.zip5)
               AND (a.house = '' OR b.house = '' OR a.house = b.house) AS compatible,
           coalesce(a.phone = b.phone, false) AS same_phone,
           a.site <> '' AND a.site = b.site AS same_site,
           -- A distinctive word both names share ("St. Barnabas Hospital Inpatient Detox" and "St.
           -- Barnabas Hospital Psychiatric Inpatient Unit"): one operator at one address.
           list_filter(list_intersect(string_split(a.core, ' '), string_split(b.core, ' ')),
                       lambda w: strlen(w) >= 3) AS shared_words,
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
SELECT *, coalesce(distance <= $near_m, false) AS near,
       same_house AND same_street AS same_address, len(shared_words) > 0 AS shared_word
FROM evidence
WHERE (both_sites AND same_house AND (same_street OR (street_alike AND same_phone)))
   OR (NOT both_sites AND compatible AND (same_zip OR same_site OR coalesce(distance <= $near_m, false)))
"""

# The rules, the score and the reasons of each pair, with its similarity from `link_ratios`. Two
# listings at sites link only at one site; a listing without a site links by phone, name, place or
# website, and `pipeline.link.build` then joins it to one site at most.
_LINKS_SQL = f"""
CREATE OR REPLACE TEMP TABLE link_links AS
WITH scored AS (
    SELECT p.*, coalesce(r.ratio / 100, 0.0) AS similarity
    FROM link_pairs p LEFT JOIN link_ratios r ON r.text_a = p.text_a AND r.text_b = p.text_b
),
ruled AS (
    SELECT *,
           CASE
               WHEN both_sites AND same_address AND (similarity >= $name_alike OR same_phone OR shared_word)
                   THEN 'same site'
               WHEN both_sites AND same_house AND street_alike AND same_phone
                    AND (similarity >= $name_alike OR shared_word)
                   THEN 'same site, street spelt otherwise'
               WHEN both_sites THEN NULL
               -- Without a site on one side: a phone and ZIP (agencies answer several sites on one
               -- number: the listing then joins one site at most), the name in the ZIP or nearby,
               -- or the website.
               WHEN same_phone AND same_zip THEN 'same phone and ZIP'
               WHEN same_zip AND similarity >= $name_same THEN 'same name in the ZIP'
               WHEN near AND similarity >= $name_same THEN 'same name nearby'
               WHEN same_site AND (similarity >= $name_alike OR same_zip OR same_phone) THEN 'same website'
           END AS rule
    FROM scored
),
linked AS (
    SELECT *,
           least(1.0::DOUBLE, 0.4::DOUBLE * (same_house AND (same_street OR street_alike))::INTEGER
                 + 0.2::DOUBLE * same_phone::INTEGER + 0.1::DOUBLE * near::INTEGER
                 + 0.1::DOUBLE * same_site::INTEGER + 0.4::DOUBLE * similarity) AS raw_score
    FROM ruled WHERE rule IS NOT NULL
),
rounded AS (
    SELECT *, {_round_half_even_sql("similarity", 2)} AS similarity_hundredths FROM linked
)
SELECT listing_a, listing_b,
       {_round_half_even_sql("raw_score", 3)}::DOUBLE / 1000 AS score,
       list_filter([
           'rule: ' || rule,
           CASE WHEN same_address THEN 'same street address and ZIP'
                WHEN same_house AND street_alike THEN 'same house number and ZIP, street spelt alike' END,
           CASE WHEN same_phone THEN 'same phone' END,
           CASE WHEN same_zip AND NOT same_house THEN 'same ZIP' END,
           CASE WHEN near THEN {_round_half_even_sql("distance", 0)}::VARCHAR || ' m apart' END,
           CASE WHEN same_site THEN 'same website ' || site END,
           CASE WHEN shared_word THEN 'shared name word ' || array_to_string(shared_words, ', ') END,
           'name similarity ' || (similarity_hundredths // 100)::VARCHAR || '.'
               || lpad((similarity_hundredths % 100)::VARCHAR, 2, '0')
       ], lambda reason: reason IS NOT NULL) AS reasons,
       both_sites, a_site, b_site
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


def _score(con: duckdb.DuckDBPyConnection) -> None:
    """`link_links` of the pairs in `link_candidates`."""
    con.execute(_PAIRS_SQL, _pair_params("radius_m", "near_m", "street_alike"))
    _create_ratios(con)
    con.execute(_LINKS_SQL, _pair_params("name_alike", "name_same"))
