"""Structured schedules -> `Session`s.

Accepts the shapes APIs give: HSDS 3.0 `schedule` rows (`byday` "MO,WE,TH", `opens_at` "09:00",
`closes_at` "12:00+05:00") and plain day + start/end fields ("Monday", "9:00 AM", "12 PM"), with
an optional `track` naming an alternative schedule. Rows that cannot be read are reported, not
guessed.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.hours.days import day_set
from pipeline.hours.model import DAY_MINUTES, Session
from pipeline.hours.textnorm import normalize

_ICAL_DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
_DAY_KEYS = ("byday", "day", "days", "weekday", "day_of_week")
_START_KEYS = ("opens_at", "start", "start_time", "open", "opens", "from", "starts_at")
_END_KEYS = ("closes_at", "end", "end_time", "close", "closes", "to", "ends_at")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?(?::\d{2}(?:\.\d+)?)?\s*([ap])?\.?\s*m?\.?$", re.IGNORECASE)
_ZONE = re.compile(r"(?:z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


def _first(row: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    return next((row[k] for k in keys if row.get(k) not in (None, "")), None)


def _days(value: Any) -> frozenset[int]:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return frozenset({value})
    text = str(value).strip()
    codes = [c.strip().upper()[-2:] for c in text.split(",")]
    if codes and all(c in _ICAL_DAYS for c in codes) and all(len(c.strip()) <= 4 for c in text.split(",")):
        return frozenset(_ICAL_DAYS[c] for c in codes)
    return day_set(normalize(text).text.strip())


def parse_time(value: Any) -> int | None:
    """Minutes after midnight of "09:00", "9:00 AM", "9am", "17:30:00", "12:00+05:00"; None if unreadable."""
    # One space at most between the parts: `_TIME` backtracks quadratically over a long run.
    text = " ".join(_ZONE.sub("", str(value).strip()).lower().split())
    if text in {"noon", "12 noon"}:
        return 12 * 60
    if text == "midnight":
        return 0
    match = _TIME.match(text)
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    if minute >= 60 or hour > 24 or (match[3] and not 1 <= hour <= 12):
        return None
    if match[3] == "p" and hour != 12:
        hour += 12
    elif match[3] == "a" and hour == 12:
        hour = 0
    return (hour * 60 + minute) % DAY_MINUTES


def parse_sessions(rows: Iterable[Mapping[str, Any]]) -> tuple[tuple[Session, ...], list[str]]:
    """Sessions from structured rows, plus one problem message per row that could not be read."""
    sessions: list[Session] = []
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        days_value = _first(row, _DAY_KEYS)
        start_value, end_value = _first(row, _START_KEYS), _first(row, _END_KEYS)
        days = _days(days_value) if days_value is not None else frozenset()
        start = parse_time(start_value) if start_value is not None else None
        end = parse_time(end_value) if end_value is not None else None
        if not days or start is None or end is None:
            problems.append(
                f"schedule row {number}: cannot read days {days_value!r} / opens {start_value!r} / closes {end_value!r}"
            )
            continue
        if end <= start:
            end += DAY_MINUTES  # closes after midnight
        track = row.get("track") or None
        sessions += [Session(day, start, end, str(track) if track else None) for day in sorted(days)]
    return tuple(sessions), problems
