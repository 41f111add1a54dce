"""Properties of structured sessions (HSDS `byday`/`opens_at`/`closes_at` rows, day/start/end rows) and `parse_time`."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pipeline.hours import estimate_hours, parse_sessions
from pipeline.hours.structured import parse_time
from schemas.vocab import HoursBasis
from tests.strategies import Draw, fuzz
from tests.strategies.schedules import DAY_NAMES, clock, close
from tests.strategies.text import any_text, digit_soup

ICAL = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def structured_rows(draw: Draw) -> tuple[list[dict[str, Any]], float, float]:
    """HSDS `byday`/`opens_at`/`closes_at` rows or day/start/end rows, in tracks: the hours per track."""
    hours_by_track: dict[str | None, float] = {}
    rows: list[dict[str, Any]] = []
    for track in draw(st.lists(st.sampled_from([None, "day", "evening"]), min_size=1, max_size=3, unique=True)):
        days = sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)))
        # One row per group of days, so no day of a track is scheduled twice.
        cut = draw(st.integers(1, len(days)))
        for group in (days[:cut], days[cut:]):
            if not group:
                continue
            start = draw(st.integers(0, 47)) * 30
            length = draw(st.integers(1, 24)) * 30  # may run past midnight
            end = (start + length) % 1440
            if draw(st.booleans()):
                zone = draw(st.sampled_from(["", "Z", "+05:00", "-0400"]))
                row: dict[str, Any] = {
                    "byday": ",".join(ICAL[d] for d in group),
                    "opens_at": f"{start // 60:02d}:{start % 60:02d}{zone}",
                    "closes_at": f"{end // 60:02d}:{end % 60:02d}:00{zone}",
                }
                rows.append({**row, "track": track} if track else row)
            else:
                for day in group:
                    row = {"day": DAY_NAMES[day], "start": clock(start, "upper"), "end": clock(end, "colon")}
                    rows.append({**row, "track": track} if track else row)
            hours_by_track[track] = hours_by_track.get(track, 0) + len(group) * length / 60
    return rows, min(hours_by_track.values()), max(hours_by_track.values())


@fuzz(110)
@given(structured_rows())
def test_structured_rows_give_the_hours_of_their_sessions(item: tuple[list[dict[str, Any]], float, float]) -> None:
    """Rows in the documented shapes are all read; tracks are alternatives (min and max, never a sum)."""
    rows, lo, hi = item
    sessions, problems = parse_sessions(rows)
    assert problems == []
    estimate = estimate_hours(sessions=sessions)
    assert close(estimate.min, lo) and close(estimate.max, hi)
    assert estimate.basis is HoursBasis.DERIVED and estimate.evidence


row_values = st.none() | any_text | st.integers(-10, 10) | st.booleans() | st.floats() | digit_soup
row_keys = st.sampled_from(["byday", "day", "days", "opens_at", "start", "closes_at", "end", "to", "track", "x"])


@fuzz(110)
@given(st.lists(st.dictionaries(row_keys, row_values, max_size=5), max_size=5))
def test_any_structured_rows_are_read_or_reported(rows: list[dict[str, Any]]) -> None:
    """Never raises; every row gives sessions or one problem; sessions are one week day and under a day long."""
    sessions, problems = parse_sessions(rows)
    assert len(problems) <= len(rows)
    for session in sessions:
        assert (
            0 <= session.day <= 6 and 0 <= session.start < 1440 and session.start < session.end <= session.start + 1440
        )
    estimate = estimate_hours(sessions=sessions)
    assert (estimate.basis is HoursBasis.UNKNOWN) == (not sessions)


@fuzz(220)
@given(st.integers(0, 23), st.integers(0, 59), st.sampled_from(["24h", "seconds", "zone", "12h", "compact", "dotted"]))
def test_parse_time_reads_every_documented_spelling(hour: int, minute: int, style: str) -> None:
    """Times written "09:00", "17:30:00", "12:00-05:00", "9:00 AM", "9:00am", "9:00 a.m." are the minutes they say."""
    h12, meridiem = hour % 12 or 12, "am" if hour < 12 else "pm"
    text = {
        "24h": f"{hour:02d}:{minute:02d}",
        "seconds": f"{hour:02d}:{minute:02d}:00",
        "zone": f"{hour:02d}:{minute:02d}-05:00",
        "12h": f"{h12}:{minute:02d} {meridiem.upper()}",
        "compact": f"{h12}:{minute:02d}{meridiem}",
        "dotted": f"{h12}:{minute:02d} {meridiem[0]}.m.",
    }[style]
    assert parse_time(text) == hour * 60 + minute


@fuzz(220)
@given(any_text | digit_soup)
def test_parse_time_of_any_text_is_none_or_a_minute_of_the_day(text: str) -> None:
    """Never raises; returns None or 0 <= minutes < 1440."""
    minutes = parse_time(text)
    assert minutes is None or 0 <= minutes < 1440
