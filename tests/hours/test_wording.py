"""Weekly hours as people read them: one wording, the same in Python and in the flags' SQL."""

import duckdb
import pytest

from pipeline.hours.wording import UNIT_LONG, range_notation, weekly_hours_sql, weekly_hours_text

CASES = [
    (9.0, 9.0, "9 h/week"),
    (9.0, 25.0, "9-25 h/week"),
    (None, 30.0, "up to 30 h/week"),
    (20.0, None, "20 or more h/week"),
    (7.5, 12.25, "7.5-12.25 h/week"),
    (None, None, None),
]


@pytest.mark.parametrize(("low", "high", "text"), CASES)
def test_python_wording(low: float | None, high: float | None, text: str | None) -> None:
    assert weekly_hours_text(low, high) == text


@pytest.mark.parametrize(("low", "high", "text"), CASES)
def test_sql_wording_is_the_python_wording(low: float | None, high: float | None, text: str | None) -> None:
    sql = f"SELECT {weekly_hours_sql('lo', 'hi')} FROM (SELECT ?::DOUBLE AS lo, ?::DOUBLE AS hi)"
    assert duckdb.connect().execute(sql, [low, high]).fetchone()[0] == text


def test_the_unit_is_the_callers() -> None:
    assert weekly_hours_text(9, 12, UNIT_LONG) == "9-12 hours per week"


@pytest.mark.parametrize(
    ("low", "high", "text"), [(9, 19, "9-19"), (20, None, "20-open"), (None, 30, "open-30"), (None, None, "unknown")]
)
def test_range_notation(low: float | None, high: float | None, text: str) -> None:
    assert range_notation(low, high) == text
