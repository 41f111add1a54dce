"""Flag rules, one row per case: facts in, rules out (the same SQL the store runs)."""

import pytest

from pipeline.flags.rules import RULES, classify_rows
from pipeline.normalize.facts import with_facts
from pipeline.thresholds import Thresholds
from schemas.listing import Listing
from tests.helpers import make_listing


def _hours(lo: float | None, hi: float | None, level: str) -> dict:
    return {"hours_min": lo, "hours_max": hi, "hours_basis": "derived", "hours_level": level}


IOP = {"levels_of_care": ["iop"]}
PHP = {"levels_of_care": ["php"]}
ADULTS = {"populations": ["adults"]}
TEENS = {"populations": ["adolescents"]}
# Expected flags: rule -> (severity, confidence).
HOURS_HIGH = ("medium", "high")
PHP_AS_IOP_HIGH = {"php_as_iop": ("high", "high")}
RANGE = {"iop_range_reaches_php": HOURS_HIGH}
PHP_RANGE = {"php_range_below_floor": HOURS_HIGH}
PHP_BELOW = {"php_below_threshold": HOURS_HIGH}
IOP_BELOW = {"iop_below_floor": HOURS_HIGH}
# A name or wording alone: never a high-severity php_as_iop.
PHP_AS_IOP_WEAK = {"php_as_iop": ("medium", "low")}
CONFLICT = {"level_label_conflict": ("low", "low")}

FACT_CASES = [
    # php_as_iop by hours: the minimum at, just under and just over the PHP floor (20 h), adult
    # and adolescent (the PHP floor does not depend on age), open maximum.
    ("IOP at 43 h", {**IOP, **_hours(43, 43, "iop")}, PHP_AS_IOP_HIGH),
    ("IOP at exactly 20 h", {**IOP, **_hours(20, 20, "iop")}, PHP_AS_IOP_HIGH),
    ("adolescent IOP at exactly 20 h", {**IOP, **TEENS, **_hours(20, 20, "iop")}, PHP_AS_IOP_HIGH),
    ("IOP at 20.01 h", {**IOP, **_hours(20.01, 20.01, "iop")}, PHP_AS_IOP_HIGH),
    ("IOP at 19.99-20 h", {**IOP, **_hours(19.99, 20, "iop")}, RANGE),
    ("IOP at 19.99 h", {**IOP, **_hours(19.99, 19.99, "iop")}, {}),
    ("IOP 20 h or more", {**IOP, **_hours(20, None, "iop")}, PHP_AS_IOP_HIGH),
    ("IOP 19.99 h or more", {**IOP, **_hours(19.99, None, "iop")}, {}),
    # the open minimum: a range reaching PHP, never php_as_iop
    ("IOP up to 30 h", {**IOP, **_hours(None, 30, "iop")}, RANGE),
    ("IOP up to 30 h with PHP wording", {**IOP, "php_cues": ["hot lunch"], **_hours(None, 30, "iop")}, RANGE),
    ("IOP 9-30 h with PHP wording", {**IOP, "php_cues": ["hot lunch"], **_hours(9, 30, "iop")}, RANGE),
    ("IOP 9 h or more with PHP wording", {**IOP, "php_cues": ["lunch"], **_hours(9, None, "iop")}, PHP_AS_IOP_WEAK),
    ("IOP 30 h with PHP wording", {**IOP, "php_cues": ["lunch"], **_hours(30, 30, "iop")}, PHP_AS_IOP_HIGH),
    # php_as_iop by name or wording alone
    ("IOP named partial hospitalization", {**IOP, "name_levels": ["php"]}, PHP_AS_IOP_WEAK),
    ("IOP whose text describes a PHP", {**IOP, "text_levels": ["php"]}, PHP_AS_IOP_WEAK),
    ("IOP with PHP wording, hours unknown", {**IOP, "php_cues": ["hot lunch"]}, PHP_AS_IOP_WEAK),
    ("PHP wording but 9 h", {**IOP, "php_cues": ["lunch"], **_hours(9, 9, "iop")}, {}),
    ("IOP named PHP, 30 h", {**IOP, "name_levels": ["php"], **_hours(30, 30, "iop")}, PHP_AS_IOP_HIGH),
    (
        "IOP named PHP where the source has no PHP code",
        {**IOP, "name_levels": ["php"], "source_levels": ["iop", "op"]},
        {},
    ),
    # a real two-level facility is not a flag
    ("IOP+PHP named PHP", {"levels_of_care": ["iop", "php"], "name_levels": ["php"]}, {}),
    ("IOP+PHP, 30 h of its PHP", {"levels_of_care": ["iop", "php"], **_hours(30, 30, "php")}, {}),
    ("hours of no known level", {"levels_of_care": ["iop", "php"], **_hours(30, 30, None)}, {}),
    # iop_range_reaches_php: the maximum at, just under and just over the PHP floor
    ("IOP 9-25 h", {**IOP, **_hours(9, 25, "iop")}, RANGE),
    ("IOP 9-20 h", {**IOP, **_hours(9, 20, "iop")}, RANGE),
    ("adolescent IOP 6-20 h", {**IOP, **TEENS, **_hours(6, 20, "iop")}, RANGE),
    ("IOP 9-20.01 h", {**IOP, **_hours(9, 20.01, "iop")}, RANGE),
    ("IOP 9-19.99 h", {**IOP, **_hours(9, 19.99, "iop")}, {}),
    ("IOP up to 20 h", {**IOP, **_hours(None, 20, "iop")}, RANGE),
    ("IOP up to 19.99 h", {**IOP, **_hours(None, 19.99, "iop")}, {}),
    ("IOP 9 h or more", {**IOP, **_hours(9, None, "iop")}, {}),
    ("IOP 9-19 h", {**IOP, **_hours(9, 19, "iop")}, {}),
    ("IOP+PHP, 9-25 h of its PHP", {"levels_of_care": ["iop", "php"], **_hours(9, 25, "php")}, PHP_RANGE),
    # php_below_threshold: the maximum at, just under and just over the PHP floor
    ("PHP 16 h", {**PHP, **_hours(16, 16, "php")}, PHP_BELOW),
    ("PHP 19.99 h", {**PHP, **_hours(19.99, 19.99, "php")}, PHP_BELOW),
    ("PHP 20 h", {**PHP, **_hours(20, 20, "php")}, {}),
    ("adolescent PHP 20 h", {**PHP, **TEENS, **_hours(20, 20, "php")}, {}),
    ("PHP 20.01 h", {**PHP, **_hours(20.01, 20.01, "php")}, {}),
    ("PHP up to 19.99 h", {**PHP, **_hours(None, 19.99, "php")}, PHP_BELOW),
    ("adolescent PHP 12-19.99 h", {**PHP, **TEENS, **_hours(12, 19.99, "php")}, PHP_BELOW),
    # php_range_below_floor: a PHP whose range dips below the floor but reaches it
    ("PHP 15-25 h", {**PHP, **_hours(15, 25, "php")}, PHP_RANGE),
    ("PHP 12-30 h", {**PHP, **_hours(12, 30, "php")}, PHP_RANGE),
    ("PHP 19.99-25 h", {**PHP, **_hours(19.99, 25, "php")}, PHP_RANGE),
    ("adolescent PHP 19.99-20 h", {**PHP, **TEENS, **_hours(19.99, 20, "php")}, PHP_RANGE),
    ("PHP 20-25 h", {**PHP, **_hours(20, 25, "php")}, {}),
    ("PHP 20.01-25 h", {**PHP, **_hours(20.01, 25, "php")}, {}),
    ("PHP up to 30 h", {**PHP, **_hours(None, 30, "php")}, PHP_RANGE),
    ("PHP up to 20 h", {**PHP, **_hours(None, 20, "php")}, PHP_RANGE),
    ("PHP 15 h or more", {**PHP, **_hours(15, None, "php")}, PHP_RANGE),
    ("PHP 20 h or more", {**PHP, **_hours(20, None, "php")}, {}),
    ("PHP 15-25 h of its IOP", {"levels_of_care": ["iop", "php"], **_hours(15, 25, "iop")}, RANGE),
    # iop_below_floor, by population: at, just under and just over 9 h (adults) and 6 h (youth)
    ("adult IOP 6 h", {**IOP, **ADULTS, **_hours(6, 6, "iop")}, IOP_BELOW),
    ("adult IOP 8.99 h", {**IOP, **ADULTS, **_hours(8.99, 8.99, "iop")}, IOP_BELOW),
    ("adult IOP 9 h", {**IOP, **ADULTS, **_hours(9, 9, "iop")}, {}),
    ("adult IOP 9.01 h", {**IOP, **ADULTS, **_hours(9.01, 9.01, "iop")}, {}),
    ("adult IOP up to 8.99 h", {**IOP, **ADULTS, **_hours(None, 8.99, "iop")}, IOP_BELOW),
    ("adult IOP 6 h or more", {**IOP, **ADULTS, **_hours(6, None, "iop")}, {}),
    ("IOP of no stated population 8.99 h", {**IOP, **_hours(8.99, 8.99, "iop")}, IOP_BELOW),
    ("adolescent IOP 6 h", {**IOP, **TEENS, **_hours(6, 6, "iop")}, {}),
    ("adolescent IOP 5.99 h", {**IOP, **TEENS, **_hours(5.99, 5.99, "iop")}, IOP_BELOW),
    ("adolescent IOP 6.01 h", {**IOP, **TEENS, **_hours(6.01, 6.01, "iop")}, {}),
    ("children's IOP 5.99 h", {**IOP, "populations": ["children"], **_hours(5.99, 5.99, "iop")}, IOP_BELOW),
    ("adolescent IOP up to 5.99 h", {**IOP, **TEENS, **_hours(None, 5.99, "iop")}, IOP_BELOW),
    (
        "adolescent IOP 5 h",
        {**IOP, "populations": ["adolescents", "women"], **_hours(5, 5, "iop")},
        IOP_BELOW,
    ),
    (
        "adults and adolescents 7 h",
        {**IOP, "populations": ["adolescents", "adults"], **_hours(7, 7, "iop")},
        IOP_BELOW,
    ),
    ("IOP 4.5-18 h", {**IOP, **_hours(4.5, 18, "iop")}, {}),
    # confidence of the hours: a structured schedule alone is medium, the program's words high
    (
        "IOP at 30 h from sessions alone",
        {**IOP, **_hours(30, 30, "iop"), "schedule_sessions": 5},
        {"php_as_iop": ("high", "medium")},
    ),
    (
        "IOP at 30 h from sessions and text",
        {**IOP, **_hours(30, 30, "iop"), "schedule_sessions": 5, "schedule_text": "Mon-Fri 9-3"},
        PHP_AS_IOP_HIGH,
    ),
    (
        "PHP 15-25 h from sessions alone",
        {**PHP, **_hours(15, 25, "php"), "schedule_sessions": 4, "schedule_text": " "},
        {"php_range_below_floor": ("medium", "medium")},
    ),
    # label conflicts
    ("named IOP, coded PHP", {**PHP, "name_levels": ["iop"]}, CONFLICT),
    ("named day treatment, coded OP", {"levels_of_care": ["op"], "name_levels": ["php"]}, CONFLICT),
    (
        "named IOP where the source has no IOP code",
        {"levels_of_care": ["op"], "name_levels": ["iop"], "source_levels": ["op", "php"]},
        {},
    ),
    (
        "named IOP, coded nothing, in a directory without an IOP category",
        {"levels_of_care": [], "name_levels": ["iop"], "source_levels": ["inpatient", "op", "php", "residential"]},
        {},
    ),
    ("text names IOP, coded OP", {"levels_of_care": ["op"], "text_levels": ["iop"]}, CONFLICT),
    ("named IOP, coded IOP", {"levels_of_care": ["iop", "op"], "name_levels": ["iop"]}, {}),
    ("a two-program text on an IOP page", {**IOP, "text_levels": ["iop", "php"]}, {}),
    ("named 'IOP or Day Treatment', coded IOP", {**IOP, "name_levels": ["iop", "php"]}, {}),
    ("named PHP/IOP, coded nothing", {"levels_of_care": [], "name_levels": ["iop", "php"]}, CONFLICT),
    ("nothing known", {**IOP}, {}),
]


@pytest.mark.parametrize(("case", "facts", "expected"), FACT_CASES, ids=[c[0] for c in FACT_CASES])
def test_rule(case: str, facts: dict, expected: dict[str, tuple[str, str]]) -> None:
    flags = classify_rows([{"listing_id": "x", "name": case, **facts}])
    assert {f["rule_id"]: (f["severity"], f["confidence"]) for f in flags} == expected
    for flag in flags:
        rule = RULES[flag["rule_id"]]
        assert flag["rule_version"] == rule.version
        assert flag["message"] and flag["evidence"]["levels_claimed"] == sorted(facts["levels_of_care"])
        assert flag["thresholds"] == {"iop_min_adult": 9.0, "iop_min_adolescent": 6.0, "php_min": 20.0}
        # Confidence and severity are outside the evidence: they never change a flag's id.
        assert "confidence" not in flag["evidence"] and "severity" not in flag["evidence"]


def test_every_rule_has_a_table_case() -> None:
    raised = {rule for _, _, expected in FACT_CASES for rule in expected}
    assert raised == set(RULES) - {"level_conflict_across_sources"}  # that one: test_cross_source.py


def test_thresholds_are_configurable() -> None:
    facts = {"listing_id": "x", "name": "n", "levels_of_care": ["iop"], **_hours(7, 7, "iop")}
    assert [f["rule_id"] for f in classify_rows([facts])] == ["iop_below_floor"]
    assert classify_rows([facts], Thresholds(iop_min_adult=6)) == []


def test_flag_id_depends_on_listing_rule_and_evidence_only() -> None:
    facts = {"listing_id": "x", "name": "n", "levels_of_care": ["iop"], **_hours(30, 30, "iop")}
    first = classify_rows([facts])[0]
    assert classify_rows([facts])[0]["flag_id"] == first["flag_id"]
    # The same evidence from a structured schedule: another confidence, the same flag.
    structured = classify_rows([{**facts, "schedule_sessions": 5}])[0]
    assert (structured["confidence"], structured["flag_id"]) == ("medium", first["flag_id"])
    assert classify_rows([{**facts, "hours_max": 31}])[0]["flag_id"] != first["flag_id"]
    assert classify_rows([{**facts, "listing_id": "y"}])[0]["flag_id"] != first["flag_id"]


def _listing(name: str, levels: set[str], text: str | None, populations: frozenset[str] = frozenset()) -> Listing:
    return make_listing(name, levels_of_care=levels, populations=populations, schedule_text=text)


def _flags(listing: Listing) -> set[str]:
    facts = with_facts(listing).model_dump(mode="json")
    return {f["rule_id"] for f in classify_rows([facts])}


LISTING_CASES = [
    (
        "a PHP schedule listed as IOP",
        _listing("Hope IOP", {"iop"}, "The program runs Monday through Friday, 9 a.m. to 3 p.m."),
        {"php_as_iop"},
    ),
    (
        "the office-hours trap",
        _listing(
            "Hope IOP",
            {"iop"},
            "Office hours are Monday through Friday, 8 a.m. to 5 p.m. The IOP meets Mon/Wed/Thu 6-9 p.m.",
        ),
        set(),
    ),
    (
        "a two-program page read for the IOP",
        _listing(
            "Hope Behavioral",
            {"iop", "php"},
            "Our PHP meets Monday through Friday 9 a.m. to 3 p.m.; our IOP meets Mon/Wed/Thu 9 a.m. to noon.",
        ),
        set(),
    ),
    (
        "a two-program page whose IOP is at PHP intensity",
        _listing(
            "Hope Behavioral",
            {"iop", "php"},
            "Our PHP meets Monday through Friday 9 a.m. to 3 p.m. Our IOP meets Monday through Friday 9 a.m. to 2 p.m.",
        ),
        {"php_as_iop"},
    ),
    (
        "a PHP page of a two-level facility",
        _listing("Hope Behavioral", {"iop", "php"}, "Partial hospitalization runs five days a week, six hours a day."),
        set(),
    ),
    (
        "adolescent IOP at 6 h",
        _listing("Teen IOP", {"iop"}, "Two evenings a week for three hours.", {"adolescents"}),
        set(),
    ),
    (
        "adult IOP at 6 h",
        _listing("Adult IOP", {"iop"}, "Two evenings a week for three hours.", {"adults"}),
        {"iop_below_floor"},
    ),
    (
        "an IOP range reaching PHP",
        _listing("Hope IOP", {"iop"}, "Three to five days a week, three to five hours a day."),
        {"iop_range_reaches_php"},
    ),
    (
        "a PHP below its floor",
        _listing("Hope PHP", {"php"}, "Four days per week for four hours a day."),
        {"php_below_threshold"},
    ),
    (
        "PHP wording on an IOP page",
        _listing("Hope IOP", {"iop"}, "Our intensive outpatient program is a full-day program; hot lunch is provided."),
        {"php_as_iop"},
    ),
]


@pytest.mark.parametrize(("case", "listing", "rules"), LISTING_CASES, ids=[c[0] for c in LISTING_CASES])
def test_listing_end_to_end(case: str, listing: Listing, rules: set[str]) -> None:
    assert _flags(listing) == rules
