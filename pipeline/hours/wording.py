"""How weekly program hours are written for people: flag messages, the report, HSDS, the evaluator.

One wording, in Python and as SQL (the flag rules word their messages inside DuckDB): a point
value `9 h/week`, a range `9-25 h/week`, open bounds `up to 30 h/week` and `20 or more h/week`.
The unit varies by audience (`h/week` in flags and the report, `hours per week` in HSDS).
"""

UNIT = " h/week"
UNIT_LONG = " hours per week"
UNKNOWN = "unknown"
_UP_TO = "up to "
_OR_MORE = " or more"


def _num(value: float) -> str:
    return f"{value:g}"


def weekly_hours_text(low: float | None, high: float | None, unit: str = UNIT) -> str | None:
    """`9 h/week`, `9-25 h/week`, `up to 30 h/week`, `20 or more h/week`; None when both are unknown."""
    if low is None and high is None:
        return None
    if low is None:
        return f"{_UP_TO}{_num(high)}{unit}"  # type: ignore[arg-type]
    if high is None:
        return f"{_num(low)}{_OR_MORE}{unit}"
    if low == high:
        return f"{_num(low)}{unit}"
    return f"{_num(low)}-{_num(high)}{unit}"


def weekly_hours_sql(low: str = "hours_min", high: str = "hours_max", unit: str = UNIT) -> str:
    """The same wording as a DuckDB expression over the columns `low` and `high` (NULL when both are)."""
    return (
        f"CASE WHEN {low} IS NULL AND {high} IS NULL THEN NULL"
        f" WHEN {low} IS NULL THEN '{_UP_TO}' || printf('%g', {high}) || '{unit}'"
        f" WHEN {high} IS NULL THEN printf('%g', {low}) || '{_OR_MORE}{unit}'"
        f" WHEN {low} = {high} THEN printf('%g', {low}) || '{unit}'"
        f" ELSE printf('%g', {low}) || '-' || printf('%g', {high}) || '{unit}' END"
    )


def range_notation(low: float | None, high: float | None) -> str:
    """The evaluator's compact range: `9-19`, `20-open`, `open-30`, `unknown`."""
    if low is None and high is None:
        return UNKNOWN
    return f"{'open' if low is None else _num(low)}-{'open' if high is None else _num(high)}"
