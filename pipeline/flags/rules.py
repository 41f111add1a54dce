"""Level-of-care flags: the rules, as one set-based SQL pass over listing facts.

A listing's facts come from normalization (`pipeline.normalize.facts`): the levels its codes claim
(`levels_of_care`), the levels its name and schedule text call it (`name_levels`, `text_levels`),
weekly hours with the level they describe (`hours_level`) and their spans, PHP-intensity cues,
and populations. The rules compare them, with the thresholds of `pipeline.thresholds`:

- `php_as_iop` (high): labelled IOP, but the IOP's minimum weekly hours reach the PHP floor (a
  5-day schedule of 4+ hours a day does), or the listing's own name or schedule text calls it
  PHP and its codes claim no PHP, or its schedule text has PHP-intensity wording ("hot lunch
  provided", "in lieu of inpatient") and no maximum of its hours rules PHP in or out.
- `iop_range_reaches_php` (medium): labelled IOP; the hour range only reaches the PHP floor (an
  open minimum counts as below it).
- `php_below_threshold` (medium): labelled PHP; at most fewer hours than the PHP floor.
- `php_range_below_floor` (medium): labelled PHP; the hour range dips below the PHP floor but
  reaches it (15-25 h; "up to 30 hours").
- `iop_below_floor` (medium): labelled IOP; at most fewer hours than the IOP floor (6 h for
  programs serving only adolescents or children, else 9 h).
- `level_label_conflict` (low): the name (or the schedule text) names IOP/PHP levels, none of which
  the codes claim, and the source's vocabulary has a code for one of them (and `php_as_iop` does
  not already say so).

Every flag carries a `confidence` (`schemas.vocab.Confidence`): `high` when it rests on the
program's own stated or derived weekly hours, `medium` on a structured schedule or on the codes of
two sources for one facility, `low` on a name or wording alone. A high-severity rule raised on
low-confidence evidence is raised at medium severity: a name alone never makes a high-severity
flag. Confidence and severity are not part of the evidence, so they never change a flag's id.

Hours only count for the level they describe, so a facility that runs both an IOP and a PHP is
never judged on the other program's hours; office hours never become program hours (the hours
engine ignores them).
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from pipeline.hours.wording import weekly_hours_sql
from pipeline.thresholds import Thresholds
from schemas.vocab import Confidence, Severity


@dataclass(frozen=True)
class Rule:
    """A flag rule: stable id, version (bump when its logic changes), severity, one-line meaning."""

    rule_id: str
    version: int
    severity: Severity
    summary: str


RULES: dict[str, Rule] = {
    r.rule_id: r
    for r in (
        Rule("php_as_iop", 2, Severity.HIGH, "labelled IOP, but hours or wording put the program at PHP intensity"),
        Rule("iop_range_reaches_php", 2, Severity.MEDIUM, "labelled IOP; the weekly hour range reaches PHP intensity"),
        Rule("php_below_threshold", 1, Severity.MEDIUM, "labelled PHP with fewer weekly hours than the PHP floor"),
        Rule(
            "php_range_below_floor", 1, Severity.MEDIUM, "labelled PHP; the weekly hour range dips below the PHP floor"
        ),
        Rule("iop_below_floor", 1, Severity.MEDIUM, "labelled IOP with fewer weekly hours than the IOP floor"),
        Rule("level_label_conflict", 2, Severity.LOW, "the name or schedule text and the codes name different levels"),
        Rule(
            "level_conflict_across_sources",
            2,
            Severity.MEDIUM,
            "coded IOP only, while another source lists the same facility as a PHP / day treatment",
        ),
    )
}


def severity_sql(rule: Rule, confidence: str) -> str:
    """SQL for the severity of a flag of `rule` whose confidence is the SQL expression `confidence`:
    the rule's, except that low-confidence evidence never makes a high-severity flag."""
    if rule.severity is not Severity.HIGH:
        return f"'{rule.severity}'"
    return f"CASE WHEN {confidence} = '{Confidence.LOW}' THEN '{Severity.MEDIUM}' ELSE '{rule.severity}' END"


_texts = pa.list_(pa.string())
#: The columns a relation must have for `flag_sql` to classify it.
FACTS_SCHEMA = pa.schema(
    [
        ("listing_id", pa.string()),
        ("name", pa.string()),
        ("name2", pa.string()),
        ("levels_of_care", _texts),
        ("populations", _texts),
        ("hours_min", pa.float64()),
        ("hours_max", pa.float64()),
        ("hours_basis", pa.string()),
        ("hours_evidence", _texts),
        ("hours_level", pa.string()),
        ("name_levels", _texts),
        ("text_levels", _texts),
        ("php_cues", _texts),
        # Levels the source's vocabulary can express (NULL: any). SAMHSA's MH directory has no IOP
        # code, so its "Intensive Outpatient" programs cannot be coded IOP: not a conflict.
        ("source_levels", _texts),
        # Where the hours come from: a structured schedule alone (sessions, no schedule text) is
        # weaker evidence than the program's own words (see `Confidence`).
        ("schedule_text", pa.string()),
        ("schedule_sessions", pa.int64()),
    ]
)


def _rule_select(rule_id: str, condition: str, message: str, confidence: str) -> tuple[str, str]:
    rule = RULES[rule_id]
    select = f"""
    SELECT listing_id, '{rule.rule_id}' AS rule_id, {rule.version} AS rule_version,
           {severity_sql(rule, confidence)} AS severity, {confidence} AS confidence, {message} AS message, evidence
    FROM judged WHERE {condition}"""
    return select, condition


def flag_sql(facts: str, thresholds: Thresholds) -> str:
    """SQL that returns one row per raised flag for every listing of the relation `facts`.

    Columns: flag_id, listing_id, rule_id, rule_version, severity, confidence, message, evidence
    (JSON), evidence_hash, thresholds (JSON). `flag_id` depends only on listing, rule and evidence.
    """
    php = float(thresholds.php_min)
    hours = weekly_hours_sql("hours_min", "hours_max")
    thresholds_json = (
        f"json_object('iop_min_adult', {float(thresholds.iop_min_adult)}, "
        f"'iop_min_adolescent', {float(thresholds.iop_min_adolescent)}, 'php_min', {php})"
    )
    php_as_iop_message = (
        "'Listed as IOP, but ' || array_to_string(list_transform(reasons, lambda r: CASE r"
        f" WHEN 'hours' THEN 'its schedule gives ' || {hours} || ' (PHP from {php:g})'"
        " WHEN 'name' THEN 'its name calls it PHP (' || full_name || ')'"
        " WHEN 'text_level' THEN 'its schedule text describes a PHP'"
        " WHEN 'wording' THEN 'its schedule text has PHP wording: ' || array_to_string(php_cues, '; ')"
        " END), '; ')"
    )
    # The hours rules rest on the hours: the program's own words, or a structured schedule.
    by_hours = "hours_confidence"
    selects = [
        _rule_select(
            "php_as_iop",
            "len(reasons) > 0",
            php_as_iop_message,
            f"CASE WHEN list_contains(reasons, 'hours') THEN hours_confidence ELSE '{Confidence.LOW}' END",
        ),
        _rule_select(
            "iop_range_reaches_php",
            # An open minimum may be anything below the maximum: a range, never PHP hours.
            f"claims_iop AND hours_level = 'iop' AND hours_max >= {php} AND coalesce(hours_min, 0) < {php}",
            f"'Listed as IOP with ' || {hours} || ': the range reaches PHP intensity ({php:g} h)'",
            by_hours,
        ),
        _rule_select(
            "php_below_threshold",
            f"claims_php AND hours_level = 'php' AND hours_max < {php}",
            f"'Listed as PHP with ' || {hours} || ', below the PHP floor of {php:g} h'",
            by_hours,
        ),
        _rule_select(
            "php_range_below_floor",
            # The mirror of `iop_range_reaches_php`: an open minimum counts as below the floor, an
            # open maximum as above it.
            f"claims_php AND hours_level = 'php' AND coalesce(hours_min, 0) < {php}"
            f" AND (hours_max IS NULL OR hours_max >= {php})",
            f"'Listed as PHP with ' || {hours} || ': the range dips below the PHP floor ({php:g} h)'",
            by_hours,
        ),
        _rule_select(
            "iop_below_floor",
            "claims_iop AND hours_level = 'iop' AND hours_max < iop_floor",
            f"'Listed as IOP with ' || {hours} || ', below the IOP floor of ' || printf('%g', iop_floor) || ' h'",
            by_hours,
        ),
        _rule_select(
            "level_label_conflict",
            # A name or text that names any claimed level agrees with the codes: a page about an
            # IOP that mentions the PHP next door is not a conflict.
            "NOT list_contains(reasons, 'name') AND NOT list_contains(reasons, 'text_level') AND ("
            "(len(list_intersect(name_levels, levels_of_care)) = 0 AND len(list_filter(name_levels, "
            "lambda x: source_levels IS NULL OR list_contains(source_levels, x))) > 0)"
            " OR (len(list_intersect(text_levels, levels_of_care)) = 0 AND len(list_filter(text_levels, "
            "lambda x: source_levels IS NULL OR list_contains(source_levels, x))) > 0))",
            "'Codes say ' || CASE WHEN len(levels_of_care) = 0 THEN 'no level'"
            " ELSE array_to_string(levels_of_care, ', ') END"
            " || CASE WHEN len(name_levels) > 0"
            " THEN '; the name says ' || array_to_string(name_levels, ', ') || ' (' || full_name || ')' ELSE '' END"
            " || CASE WHEN len(text_levels) > 0"
            " THEN '; the schedule text names ' || array_to_string(text_levels, ', ') ELSE '' END",
            f"'{Confidence.LOW}'",
        ),
    ]
    return f"""
WITH base AS (
    -- Files loaded before a column existed hold NULL there; NULL lists read as empty.
    SELECT * REPLACE (
               coalesce(levels_of_care, []) AS levels_of_care, coalesce(populations, []) AS populations,
               coalesce(name_levels, []) AS name_levels, coalesce(text_levels, []) AS text_levels,
               coalesce(php_cues, []) AS php_cues, coalesce(hours_evidence, []) AS hours_evidence),
           list_contains(levels_of_care, 'iop') AS claims_iop,
           list_contains(levels_of_care, 'php') AS claims_php,
           {thresholds.sql_iop_floor("populations")} AS iop_floor,
           name || coalesce(' / ' || name2, '') AS full_name,
           CASE WHEN coalesce(schedule_sessions, 0) > 0 AND nullif(trim(schedule_text), '') IS NULL
                THEN '{Confidence.MEDIUM}' ELSE '{Confidence.HIGH}' END AS hours_confidence
    FROM {facts}
    -- Every rule needs hours about a level, a level in the name or text, or PHP wording; most
    -- listings have none of these, and are dropped before any rule is worked out.
    WHERE hours_level IS NOT NULL OR len(name_levels) > 0 OR len(text_levels) > 0 OR len(php_cues) > 0
),
reasoned AS (
    SELECT *, CASE WHEN claims_iop THEN list_filter([
        CASE WHEN hours_level = 'iop' AND hours_min >= {php} THEN 'hours' END,
        CASE WHEN NOT claims_php AND list_contains(name_levels, 'php') AND NOT list_contains(name_levels, 'iop')
              AND (source_levels IS NULL OR list_contains(source_levels, 'php')) THEN 'name' END,
        CASE WHEN NOT claims_php AND text_levels = ['php'] THEN 'text_level' END,
        -- PHP wording counts while the hours do not rule PHP out, unless they are the IOP's range
        -- that only reaches PHP: that is `iop_range_reaches_php`, never a PHP listed as an IOP.
        CASE WHEN len(php_cues) > 0 AND coalesce(hours_max, {php}) >= {php}
              AND NOT (hours_level = 'iop' AND hours_max IS NOT NULL AND coalesce(hours_min, 0) < {php})
              AND (list_contains(text_levels, 'iop') OR (len(text_levels) = 0 AND NOT claims_php))
             THEN 'wording' END
    ], lambda r: r IS NOT NULL) ELSE [] END AS reasons
    FROM base
),
-- Materialized: each rule reads it, and would otherwise work out reasons and evidence again.
judged AS MATERIALIZED (
    SELECT *, json_object(
        'levels_claimed', levels_of_care,
        'name', full_name,
        'name_levels', name_levels,
        'text_levels', text_levels,
        'hours', json_object('min', hours_min, 'max', hours_max, 'basis', hours_basis, 'level', hours_level,
                             'spans', hours_evidence),
        'php_cues', php_cues,
        'populations', populations,
        'iop_floor', iop_floor,
        'reasons', reasons
    ) AS evidence
    FROM reasoned
    -- Evidence is built only for listings some rule raises: a few in a hundred.
    WHERE {" OR ".join(f"({condition})" for _, condition in selects)}
),
raised AS ({" UNION ALL ".join(select for select, _ in selects)})
{_finish(thresholds_json)}"""


def _finish(thresholds_json: str, hashed: str = "evidence") -> str:
    # The id of a flag is a function of listing, rule and evidence only; `hashed` is the part of
    # the evidence a review rests on (the cross-source rules leave out how the link was explained,
    # so rewording a link's reasons reopens no review).
    extra = "" if hashed == "evidence" else f" EXCLUDE ({hashed})"
    return f"""SELECT *{extra}, {thresholds_json} AS thresholds,
       regexp_replace(md5(listing_id || '|' || rule_id || '|' || evidence_hash),
                      '^(.{{8}})(.{{4}})(.{{4}})(.{{4}})(.{{12}})$', '\\1-\\2-\\3-\\4-\\5') AS flag_id
FROM (SELECT *, md5({hashed}::VARCHAR) AS evidence_hash FROM raised)"""


def cross_source_sql(facts: str, members: str, links: str, thresholds: Thresholds) -> str:
    """SQL raising the rules that need a facility's other listings. Same columns as `flag_sql`.

    - `level_conflict_across_sources`: one flag per listing coded IOP only whose facility has a
      listing of another source coded (or named) PHP and neither coded nor named IOP. Confidence
      `medium` when that listing's codes say PHP in a vocabulary that also has IOP; `low` when only
      its name says PHP, or its source has no IOP category (SAMHSA's MH directory codes day
      programs, IOPs included, as PHP / day treatment);
    - `php_as_iop` with reason `linked_hours`: a listing coded IOP only, with no hours of its
      own, whose facility has a listing of another source (a provider's program page) giving the
      IOP a minimum of PHP hours. Confidence `medium`: the hours are the program's, the link
      between the two listings is an inference.

    `facts` are the listings (as for `flag_sql`), `members` maps listing_id -> facility_id and
    `links` holds the direct links (listing_a < listing_b, score, reasons).
    """
    conflict = RULES["level_conflict_across_sources"]
    php_as_iop = RULES["php_as_iop"]
    php = float(thresholds.php_min)
    ranks = "[" + ", ".join(f"'{c}'" for c in Confidence) + "]"
    # The strongest confidence among a listing's pairs: the lowest rank.
    strongest = f"{ranks}[min(array_position({ranks}, confidence))]"
    return f"""
WITH multi AS (
    -- Only facilities listed by two sources or more can disagree across sources.
    SELECT facility_id FROM {members} GROUP BY facility_id HAVING count(DISTINCT source) > 1
),
m AS (
    SELECT fm.facility_id, f.listing_id, f.source, f.name || coalesce(' / ' || f.name2, '') AS full_name,
           coalesce(f.levels_of_care, []) AS levels, coalesce(f.name_levels, []) AS name_levels,
           f.hours_min, f.hours_max, f.hours_level, coalesce(f.hours_evidence, []) AS hours_evidence,
           f.source_url, f.source_levels
    FROM {members} fm SEMI JOIN multi USING (facility_id) JOIN {facts} f USING (listing_id)
),
pairs AS (
    SELECT a.listing_id, a.full_name, a.levels, a.source, a.hours_level AS own_hours_level,
           b.listing_id AS other_id, b.source AS other_source, b.full_name AS other_name,
           b.levels AS other_levels, b.name_levels AS other_name_levels, b.hours_min AS other_min,
           b.hours_max AS other_max, b.hours_level AS other_hours_level, b.hours_evidence AS other_spans,
           b.source_url AS other_url, b.source_levels AS other_source_levels
    FROM m a JOIN m b ON a.facility_id = b.facility_id AND a.source <> b.source
    WHERE list_contains(a.levels, 'iop') AND NOT list_contains(a.levels, 'php')
),
conflicts AS (
    SELECT *,
           CASE WHEN list_contains(other_levels, 'php')
                     AND (other_source_levels IS NULL OR list_contains(other_source_levels, 'iop'))
                THEN '{Confidence.MEDIUM}' ELSE '{Confidence.LOW}' END AS confidence
    FROM pairs
    WHERE (list_contains(other_levels, 'php') OR list_contains(other_name_levels, 'php'))
      -- A listing coded or named IOP as well describes the IOP too ("… IOP" coded PHP / day
      -- treatment by a directory without an IOP code): no disagreement.
      AND NOT list_contains(other_levels, 'iop')
      AND NOT list_contains(other_name_levels, 'iop')
),
linked_hours AS (
    SELECT *, '{Confidence.MEDIUM}' AS confidence FROM pairs
    WHERE own_hours_level IS NULL AND other_hours_level = 'iop' AND other_min >= {php}
),
-- The other listing, as evidence: built only for the pairs a rule raises.
described AS (
    SELECT c.*, 'conflict' AS kind FROM conflicts c
    UNION ALL
    SELECT h.*, 'linked_hours' FROM linked_hours h
),
evidenced AS (
    SELECT d.*,
           json_object('listing_id', other_id, 'source', other_source, 'name', other_name,
                       'levels_claimed', other_levels, 'name_levels', other_name_levels, 'url', other_url,
                       'hours', json_object('min', other_min, 'max', other_max, 'level', other_hours_level,
                                            'spans', other_spans),
                       'link', CASE WHEN l.score IS NULL THEN NULL
                                    ELSE json_object('score', l.score, 'reasons', l.reasons) END) AS other,
           json_object('listing_id', other_id, 'source', other_source, 'name', other_name,
                       'levels_claimed', other_levels, 'name_levels', other_name_levels, 'url', other_url,
                       'hours', json_object('min', other_min, 'max', other_max, 'level', other_hours_level,
                                            'spans', other_spans)) AS other_identity,
           other_source || ': ' || other_name AS other_label
    FROM described d
    LEFT JOIN {links} l ON l.listing_a = least(d.listing_id, d.other_id)
                       AND l.listing_b = greatest(d.listing_id, d.other_id)
),
raised AS (
    SELECT listing_id, '{conflict.rule_id}' AS rule_id, {conflict.version} AS rule_version,
           {severity_sql(conflict, strongest)} AS severity, {strongest} AS confidence,
           'Listed as IOP only (' || any_value(source) || '), while '
           || string_agg(other_label, '; ' ORDER BY other_label)
           || ' lists the same facility as PHP / day treatment' AS message,
           json_object('levels_claimed', any_value(levels), 'name', any_value(full_name),
                       'other_listings', list(other ORDER BY other::VARCHAR)) AS evidence,
           json_object('levels_claimed', any_value(levels), 'name', any_value(full_name),
                       'other_listings', list(other_identity ORDER BY other_identity::VARCHAR)) AS hashed
    FROM evidenced WHERE kind = 'conflict' GROUP BY listing_id
    UNION ALL
    SELECT listing_id, '{php_as_iop.rule_id}', {php_as_iop.version}, {severity_sql(php_as_iop, strongest)},
           {strongest},
           'Listed as IOP (' || any_value(source) || '), but '
           || string_agg(other_label, '; ' ORDER BY other_label) || ' gives the same facility''s IOP '
           || {weekly_hours_sql("min(other_min)", "NULL")} || ' (PHP from {php:g})',
           json_object('levels_claimed', any_value(levels), 'name', any_value(full_name),
                       'reasons', ['linked_hours'], 'other_listings', list(other ORDER BY other::VARCHAR)),
           json_object('levels_claimed', any_value(levels), 'name', any_value(full_name),
                       'reasons', ['linked_hours'],
                       'other_listings', list(other_identity ORDER BY other_identity::VARCHAR))
    FROM evidenced WHERE kind = 'linked_hours' GROUP BY listing_id
)
{_finish("NULL::JSON", "hashed")}"""


def classify_rows(rows: Iterable[Mapping[str, Any]], thresholds: Thresholds | None = None) -> list[dict[str, Any]]:
    """Flags for listing facts given as dicts (missing columns empty), with the same SQL as the store.

    For evaluation and tests; the pipeline runs `flag_sql` on the DuckDB file directly.
    """
    defaults: dict[str, Any] = {
        f.name: [] if pa.types.is_list(f.type) and f.name != "source_levels" else None for f in FACTS_SCHEMA
    }
    table = pa.Table.from_pylist([{**defaults, **row} for row in rows], schema=FACTS_SCHEMA)
    con = duckdb.connect()
    try:
        con.register("facts", table)
        result = con.execute(flag_sql("facts", thresholds or Thresholds()) + " ORDER BY listing_id, rule_id")
        columns = [d[0] for d in result.description or []]
        flags = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()
    for flag in flags:
        flag["evidence"] = json.loads(flag["evidence"])
        flag["thresholds"] = json.loads(flag["thresholds"])
    return flags
