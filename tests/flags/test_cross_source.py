"""The cross-source rules, one facility per case: listings of two sources in, flags out (the store's SQL)."""

import json
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from pipeline.flags.rules import FACTS_SCHEMA, RULES, cross_source_sql
from pipeline.thresholds import Thresholds

SCHEMA = FACTS_SCHEMA.append(pa.field("source", pa.string())).append(pa.field("source_url", pa.string()))
# What the codes tables give: SAMHSA's MH directory has no IOP category, FindTreatment has one.
MH_LEVELS = ["inpatient", "op", "php", "residential"]
FT_LEVELS = ["iop", "op", "php", "residential"]


def _listing(listing_id: str, source: str, levels: list[str], **facts: Any) -> dict[str, Any]:
    row: dict[str, Any] = {f.name: [] if pa.types.is_list(f.type) else None for f in SCHEMA}
    return {
        **row,
        "source_levels": None,
        "listing_id": listing_id,
        "name": listing_id,
        "source": source,
        "levels_of_care": levels,
        **facts,
    }


def _cross_flags(listings: list[dict[str, Any]]) -> dict[str, tuple[str, str, str]]:
    """listing_id -> (rule, severity, confidence) of each flag, all listings in one facility."""
    facts = pa.Table.from_pylist(listings, schema=SCHEMA)
    members = pa.table(
        {
            "facility_id": ["f"] * len(listings),
            "listing_id": [r["listing_id"] for r in listings],
            "source": [r["source"] for r in listings],
        }
    )
    ids = sorted(r["listing_id"] for r in listings)
    links = pa.table({"listing_a": ids[:1], "listing_b": ids[1:2], "score": [0.9], "reasons": [["phone"]]})
    with duckdb.connect() as con:
        for name, table in (("facts", facts), ("members", members), ("links", links)):
            con.register(name, table)
        result = con.execute(cross_source_sql("facts", "members", "links", Thresholds()))
        columns = [d[0] for d in result.description]
        rows = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
    for row in rows:
        assert row["rule_version"] == RULES[row["rule_id"]].version
        assert "confidence" not in json.loads(row["evidence"])
    return {r["listing_id"]: (r["rule_id"], r["severity"], r["confidence"]) for r in rows}


def _hours(lo: float | None, hi: float | None, level: str | None) -> dict[str, Any]:
    return {"hours_min": lo, "hours_max": hi, "hours_level": level, "hours_basis": "derived"}


SU_IOP = _listing("su", "samhsa_su", ["iop", "op"])
CONFLICT_MEDIUM = {"su": ("level_conflict_across_sources", "medium", "medium")}
CONFLICT_LOW = {"su": ("level_conflict_across_sources", "medium", "low")}
LINKED = {"su": ("php_as_iop", "high", "medium")}

CASES = [
    # level_conflict_across_sources
    (
        "coded PHP by a directory with an IOP code",
        [SU_IOP, _listing("ft", "ft", ["php"], source_levels=FT_LEVELS)],
        CONFLICT_MEDIUM,
    ),
    ("coded PHP by a source of any level", [SU_IOP, _listing("pg", "pages", ["php"])], CONFLICT_MEDIUM),
    (
        "MH PHDT: a directory without an IOP code",
        [SU_IOP, _listing("mh", "samhsa_mh", ["php"], source_levels=MH_LEVELS)],
        CONFLICT_LOW,
    ),
    ("named day treatment only", [SU_IOP, _listing("mh", "samhsa_mh", ["op"], name_levels=["php"])], CONFLICT_LOW),
    ("the other is coded IOP too", [SU_IOP, _listing("ft", "ft", ["iop", "php"], source_levels=FT_LEVELS)], {}),
    (
        "MH PHDT named IOP",
        [SU_IOP, _listing("mh", "samhsa_mh", ["php"], name_levels=["iop"], source_levels=MH_LEVELS)],
        {},
    ),
    ("the other is coded OP", [SU_IOP, _listing("ft", "ft", ["op"], source_levels=FT_LEVELS)], {}),
    ("the listing is coded PHP too", [_listing("su", "samhsa_su", ["iop", "php"]), _listing("ft", "ft", ["php"])], {}),
    ("both of one source", [SU_IOP, _listing("su2", "samhsa_su", ["php"])], {}),
    # php_as_iop from a linked program page: the page's IOP minimum at, under and over 20 h
    ("a linked IOP page at 20 h", [SU_IOP, _listing("pg", "pages", ["iop"], **_hours(20, 20, "iop"))], LINKED),
    ("a linked IOP page at 20.01 h", [SU_IOP, _listing("pg", "pages", ["iop"], **_hours(20.01, 30, "iop"))], LINKED),
    ("a linked IOP page 20 h or more", [SU_IOP, _listing("pg", "pages", ["iop"], **_hours(20, None, "iop"))], LINKED),
    ("a linked IOP page at 19.99-30 h", [SU_IOP, _listing("pg", "pages", ["iop"], **_hours(19.99, 30, "iop"))], {}),
    ("a linked IOP page up to 30 h", [SU_IOP, _listing("pg", "pages", ["iop"], **_hours(None, 30, "iop"))], {}),
    ("a linked page's PHP hours", [SU_IOP, _listing("pg", "pages", ["iop", "php"], **_hours(30, 30, "php"))], {}),
    (
        "the listing has hours of its own",
        [
            _listing("su", "samhsa_su", ["iop"], **_hours(9, 9, "iop")),
            _listing("pg", "pages", ["iop"], **_hours(30, 30, "iop")),
        ],
        {},
    ),
]


@pytest.mark.parametrize(("case", "listings", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cross_source_rule(case: str, listings: list[dict[str, Any]], expected: dict) -> None:
    assert _cross_flags(listings) == expected


def test_the_strongest_pair_gives_the_confidence() -> None:
    listings = [
        SU_IOP,
        _listing("mh", "samhsa_mh", ["php"], source_levels=MH_LEVELS),
        _listing("ft", "ft", ["php"], source_levels=FT_LEVELS),
    ]
    assert _cross_flags(listings) == CONFLICT_MEDIUM
