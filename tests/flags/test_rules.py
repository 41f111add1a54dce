"""Flag rules, one row per case: facts in, rules out (the same SQL the store runs)."""

import pytest

from pipeline.flags.rules import RULES, classify_rows
from pipeline.normalize.facts import with_facts
from pipeline.thresholds import Thresholds
from schemas.listing import Listing
from tests.helpers import make_listing


def _hours(lo: float | None, hi: float | None, level: str) -> dict:
    return {"hours_min": lo, "hours_max": hi, "hours_basis": "derived", "hours_level": level}


FACT_CASES = [
    # php_as_iop
    ("IOP at 43 h", {"levels_of_care": ["iop"], **_hours(43, 43, "iop")}, {"php_as_iop"}),
    ("IOP at exactly 20 h", {"levels_of_care": ["iop"], **_hours(20, 20, "iop")}, {"php_as_iop"}),
    ("IOP named partial hospitalization", {"levels_of_care": ["iop"], "name_levels": ["php"]}, {"php_as_iop"}),
    ("IOP whose text describes a PHP", {"levels_of_care": ["iop"], "text_levels": ["php"]}, {"php_as_iop"}),
    ("IOP with PHP wording, hours unknown", {"levels_of_care": ["iop"], "php_cues": ["hot lunch"]}, {"php_as_iop"}),
    ("PHP wording but 9 h", {"levels_of_care": ["iop"], "php_cues": ["lunch"], **_hours(9, 9, "iop")}, set()),
    # a real two-level facility is not a flag
    ("IOP+PHP named PHP", {"levels_of_care": ["iop", "php"], "name_levels": ["php"]}, set()),
    ("IOP+PHP, 30 h of its PHP", {"levels_of_care": ["iop", "php"], **_hours(30, 30, "php")}, set()),
    ("hours of no known level", {"levels_of_care": ["iop", "php"], **_hours(30, 30, None)}, set()),
    # ranges
    ("IOP 9-25 h", {"levels_of_care": ["iop"], **_hours(9, 25, "iop")}, {"iop_range_reaches_php"}),
    ("IOP up to 30 h", {"levels_of_care": ["iop"], **_hours(None, 30, "iop")}, {"iop_range_reaches_php"}),
    ("IOP 9 h or more", {"levels_of_care": ["iop"], **_hours(9, None, "iop")}, set()),
    ("IOP 9-19 h", {"levels_of_care": ["iop"], **_hours(9, 19, "iop")}, set()),
    # PHP below its floor
    ("PHP 16 h", {"levels_of_care": ["php"], **_hours(16, 16, "php")}, {"php_below_threshold"}),
    ("PHP 12-30 h", {"levels_of_care": ["php"], **_hours(12, 30, "php")}, set()),
    ("PHP 20 h or more", {"levels_of_care": ["php"], **_hours(20, None, "php")}, set()),
    # IOP below its floor, by population
    (
        "adult IOP 6 h",
        {"levels_of_care": ["iop"], "populations": ["adults"], **_hours(6, 6, "iop")},
        {"iop_below_floor"},
    ),
    ("adolescent IOP 6 h", {"levels_of_care": ["iop"], "populations": ["adolescents"], **_hours(6, 6, "iop")}, set()),
    (
        "adolescent IOP 5 h",
        {"levels_of_care": ["iop"], "populations": ["adolescents", "women"], **_hours(5, 5, "iop")},
        {"iop_below_floor"},
    ),
    (
        "adults and adolescents 7 h",
        {"levels_of_care": ["iop"], "populations": ["adolescents", "adults"], **_hours(7, 7, "iop")},
        {"iop_below_floor"},
    ),
    ("IOP 4.5-18 h", {"levels_of_care": ["iop"], **_hours(4.5, 18, "iop")}, set()),
    # label conflicts
    ("named IOP, coded PHP", {"levels_of_care": ["php"], "name_levels": ["iop"]}, {"level_label_conflict"}),
    ("named day treatment, coded OP", {"levels_of_care": ["op"], "name_levels": ["php"]}, {"level_label_conflict"}),
    (
        "named IOP where the source has no IOP code",
        {"levels_of_care": ["op"], "name_levels": ["iop"], "source_levels": ["op", "php"]},
        set(),
    ),
    ("text names IOP, coded OP", {"levels_of_care": ["op"], "text_levels": ["iop"]}, {"level_label_conflict"}),
    ("named IOP, coded IOP", {"levels_of_care": ["iop", "op"], "name_levels": ["iop"]}, set()),
    ("a two-program text on an IOP page", {"levels_of_care": ["iop"], "text_levels": ["iop", "php"]}, set()),
    ("named 'IOP or Day Treatment', coded IOP", {"levels_of_care": ["iop"], "name_levels": ["iop", "php"]}, set()),
    ("named PHP/IOP, coded nothing", {"levels_of_care": [], "name_levels": ["iop", "php"]}, {"level_label_conflict"}),
    ("nothing known", {"levels_of_care": ["iop"]}, set()),
]


@pytest.mark.parametrize(("case", "facts", "rules"), FACT_CASES, ids=[c[0] for c in FACT_CASES])
def test_rule(case: str, facts: dict, rules: set[str]) -> None:
    flags = classify_rows([{"listing_id": "x", "name": case, **facts}])
    assert {f["rule_id"] for f in flags} == rules
    for flag in flags:
        rule = RULES[flag["rule_id"]]
        assert (flag["severity"], flag["rule_version"]) == (rule.severity, rule.version)
        assert flag["message"] and flag["evidence"]["levels_claimed"] == sorted(facts["levels_of_care"])
        assert flag["thresholds"] == {"iop_min_adult": 9.0, "iop_min_adolescent": 6.0, "php_min": 20.0}


def test_thresholds_are_configurable() -> None:
    facts = {"listing_id": "x", "name": "n", "levels_of_care": ["iop"], **_hours(7, 7, "iop")}
    assert [f["rule_id"] for f in classify_rows([facts])] == ["iop_below_floor"]
    assert classify_rows([facts], Thresholds(iop_min_adult=6)) == []


def test_flag_id_depends_on_listing_rule_and_evidence_only() -> None:
    facts = {"listing_id": "x", "name": "n", "levels_of_care": ["iop"], **_hours(30, 30, "iop")}
    first = classify_rows([facts])[0]
    assert classify_rows([facts])[0]["flag_id"] == first["flag_id"]
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
