"""Level words in names and texts: the Python reader and its SQL twin (the SAMHSA bulk path) agree."""

import duckdb
import pytest

from pipeline.flags.rules import classify_rows
from pipeline.sources.samhsa.bulk_sql import literal, name_levels_sql
from schemas.level_names import FLAGGED_LEVELS, named_levels

NAME_CASES = [
    # PHP, as directories abbreviate it and in Spanish
    ("Adult Partial Hospitalization Program", {"php"}),
    ("Acenda Adult Partial Care", {"php"}),
    ("Psychiatric Acute Partial Hosp. Newark", {"php"}),
    ("Adolescent Partial Hosp Program", {"php"}),
    ("Lehigh Valley Partial Hospitilization", {"php"}),
    ("Gracepoint Partial Program", {"php"}),
    ("Chartiers Partial Prog for Child", {"php"}),
    ("Hospitalización Parcial San Juan", {"php"}),
    ("Hospitalizacion Parcial CIMA", {"php"}),
    ("HOSPITALIZACIÓN PARCIAL", {"php"}),
    ("Programa Hospitalizacion Parcial / Guayama", {"php"}),
    ("Hospital de Día Infantil", {"php"}),
    ("Outpatient Clinic and Day Rehab", {"php"}),
    ("MidPointe Day Rehabilitation", {"php"}),
    ("Childrens Day Hospital", {"php"}),
    ("Perinatal Day Treatment", {"php"}),
    ("Dale County/Clinic and Day Treatment", {"php"}),
    # brand names in which "Day" belongs to a proper name
    ("A New Day Treatment Center", set()),
    ("New Day Treatment Center", set()),
    ("New Day Rehab Center Inc", set()),
    ("Clear Day Treatment of Westmoreland", set()),
    ("A Brighter Day Behav Health Center", set()),
    ("Day by Day Program", set()),
    ("A New Day IOP", {"iop"}),
    ("A New Day IOP and Day Treatment", {"iop", "php"}),
    # a half day is an IOP's schedule, not day treatment; IOP in Spanish
    ("Intensive Outpatient Program (Half-Day Treatment)", {"iop"}),
    ("Half Day Treatment Program", set()),
    ("Programa Intensivo Ambulatorio", {"iop"}),
    ("Programa Ambulatorio Intensivo para Adolescentes", {"iop"}),
    # words that only look like it
    ("Project Hospitality Inc", set()),
    ("partial programming", set()),
    ("Intensive Outpatient Program (IOP)", {"iop"}),
]


@pytest.mark.parametrize(("name", "levels"), NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_level_words(name: str, levels: set[str]) -> None:
    assert named_levels(name) & set(FLAGGED_LEVELS) == levels
    with duckdb.connect() as con:
        (in_sql,) = con.execute(f"SELECT {name_levels_sql(f'lower({literal(name)})')}").fetchone()
    assert set(in_sql) == levels


def test_a_brand_name_raises_no_label_conflict() -> None:
    rows = [
        {
            "listing_id": name,
            "name": name,
            "levels_of_care": ["op"],
            "name_levels": sorted(named_levels(name) & {"php"}),
        }
        for name in ("New Day Treatment Center", "Clear Day Treatment of Westmoreland", "Aspen Day Treatment")
    ]
    assert [f["listing_id"] for f in classify_rows(rows)] == ["Aspen Day Treatment"]
