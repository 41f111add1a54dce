"""The hours engine, one surface form per row (`../shared/docs/domain.md` §6.1), plus properties."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.hours import Session, estimate_hours, parse_sessions
from pipeline.hours.structured import parse_time
from schemas.vocab import HoursBasis

D, S, X, U = HoursBasis.DERIVED, HoursBasis.STATED, HoursBasis.STATED_AND_DERIVED_DISAGREE, HoursBasis.UNKNOWN

CASES = [
    # day sets with clock spans
    ("Groups meet Mondays, Tuesdays and Thursdays from 6 to 9 p.m.", 9, 9, D),
    ("Monday, Wednesday, and Friday, 9am-12pm", 9, 9, D),
    ("Mondays through Fridays 9 a.m. to 12 p.m.", 15, 15, D),
    ("Monday thru Friday 1-4 pm", 15, 15, D),
    ("Monday- Friday, 9:00 a.m. - 12:00 p.m.", 15, 15, D),
    ("Monday \u2013 Friday 9am \u2013 12pm", 15, 15, D),
    ("Mon - Fri 9am-12pm", 15, 15, D),
    ("Mon/Wed/Thu 5:30-8:30 pm", 9, 9, D),
    ("M-F 9am-12pm", 15, 15, D),
    ("weekdays from 9 a.m. to 3 p.m.", 30, 30, D),
    ("The group meets on weekdays, 8:30 AM to 12:30 PM.", 20, 20, D),
    ("Monday through Thursday, 6-9 PM", 12, 12, D),
    ("Tuesday and Thursday from 5:30 - 9 PM", 7, 7, D),
    ("Monday through Friday between the hours of 8:30 AM and 12:30 PM", 20, 20, D),
    ("Monday-Friday 9:00 a.m. \u2013 3:30 p.m.", 32.5, 32.5, D),
    ("Monday through Friday 9 a.m. to 12 noon", 15, 15, D),
    ("weekdays 9 a.m. to noon", 15, 15, D),
    ("Mon, Wed, Fri from 10 a.m. until 1 p.m.", 9, 9, D),
    ("Tuesday 9am to 2pm | Thursday 9am to 12pm", 8, 8, D),
    ("9am to 12pm Monday and Wednesday, 1pm to 3pm Friday", 8, 8, D),
    ("Fridays 9 pm to 1 am", 4, 4, D),
    ("Monday through Friday 9 a.m. to 12 p.m. and 1 p.m. to 3 p.m.", 25, 25, D),
    ("The program meets Monday through Friday, 9 a.m. to 5 p.m. The program also meets Saturdays 9-12 pm.", 43, 43, D),
    ("Hours: M, W, Th 9:00-12:00", 9, 9, D),
    ("Groups meet Mon., Wed. and Fri. from 9am-12pm.", 9, 9, D),
    ("Mon. - Thu. 9am-12pm, approx. 3 hrs. per day.", 12, 12, D),
    ("Sessions run approx. 3 hours a day, 3 days a week (e.g., Mon., Wed. and Fri.).", 9, 9, D),
    ("M-F 9-3", 30, 30, D),
    ("Monday through Thursday 6-9", 12, 12, D),
    ("Groups begin at 6 p.m. and end at 9 p.m., Monday, Tuesday and Thursday.", 9, 9, D),
    ("Group starts at 9:30 am. It meets three days a week and finishes by 12:30 pm.", 9, 9, D),
    # day counts
    ("three (3) evenings a week for three hours", 9, 9, D),
    ("three times per week, 3 hours per session", 9, 9, D),
    ("3 days/week, 3 hours/day", 9, 9, D),
    ("3-5 days per week, 3 hours per day", 9, 15, D),
    ("three to five days a week, 4 hours a day", 12, 20, D),
    ("from three to seven days a week for 6 hours", 18, 42, D),
    ("four days per week, four hours a day", 16, 16, D),
    ("two to five times per week for 3 hours", 6, 15, D),
    ("2 to 3 days a week, for 3 hours a day", 6, 9, D),
    ("Clients attend 3x per week for 3 hours.", 9, 9, D),
    ("once or twice a week for 2 hours", 2, 4, D),
    ("twice weekly 3-hour groups", 6, 6, D),
    # hours per day or session
    ("3 days a week, three-hour blocks", 9, 9, D),
    ("6/6.5 hours on weekdays", 30, 32.5, D),
    ("An average day is about four hours, five days a week.", 20, 20, D),
    ("Sessions are 2-3 hours, three days a week.", 6, 9, D),
    ("IOP: 3 days/week, 2-3 hours", 6, 9, D),
    ("Mon/Wed/Thu, 3 hours", 9, 9, D),
    ("IOP: 3 days/week, 9 hours", None, None, U),
    ("Fees start at 3 hours of pay.", None, None, U),
    ("90-minute sessions, twice a week", 3, 3, D),
    ("Clients attend 3 groups per week, each lasting 3 hours.", 9, 9, D),
    ("Each day consists of 6 hours of programming, 5 days a week.", 30, 30, D),
    ("Groups are three hours long and are held three times per week.", 9, 9, D),
    ("3 days a week for two and a half hours", 7.5, 7.5, D),
    ("four days a week, 3 1/2 hours per day", 14, 14, D),
    # stated weekly totals
    ("nine (9) hours of group therapy per week", 9, 9, S),
    ("up to 9 hours per week", None, 9, S),
    ("9 or more hours of treatment, per week", 9, None, S),
    ("at least 6 hours of services weekly", 6, None, S),
    ("more than 20-30 hours per week", 20, None, S),
    ("a minimum of 9 hours per week", 9, None, S),
    ("9+ hours per week", 9, None, S),
    ("12 hrs/wk of programming", 12, 12, S),
    ("The IOP requires a nine-hour per week commitment.", 9, 9, S),
    ("Patients attend 16-30 hours per week of therapy.", 16, 30, S),
    ("provides 20 or more hours of clinically intensive programming per week", 20, None, S),
    ("typically 9 to 19 structured hours a week", 9, 19, S),
    ("Partial hospitalization provides 20 or more hours of programming.", 20, None, S),
    ("PHP clients receive 25 hours of treatment.", 25, 25, S),
    ("Expect 20-30 hours of group therapy.", 20, 30, S),
    ("A total of 36 hours of treatment over 12 weeks.", None, None, U),
    ("Our 24-hour crisis line; staff available 24 hours of every day.", None, None, U),
    ("We respond within 48 hours of your call.", None, None, U),
    # stated and derived together
    ("Mondays, Wednesdays and Thursdays 10am-2:30pm, totaling 15 hours each week", 15, 15, X),
    ("9-20 hours per week; 2-5 days a week, 3 hours a day", 9, 20, X),
    ("9 hours per week: three 3-hour sessions per week", 9, 9, S),
    # tracks and variants: min and max, never a sum
    ("Day track: Monday-Friday 9am-12pm. Evening track: Monday-Thursday 6pm-9pm.", 12, 15, D),
    ("Mon-Fri 9am-3pm during the school year, or 9am-12pm in the summer", 15, 30, D),
    ("Monday through Friday 9 a.m. to 3 p.m. (with the exception of Wednesdays, 9 a.m. to 12 p.m.)", 27, 27, D),
    ("9-19 hours per week for adults and 6-19 hours per week for adolescents", 6, 19, S),
    # program length is not intensity
    ("A 6-week outpatient evening program meeting 3 evenings a week for 3 hours.", 9, 9, D),
    ("For 3 to 4 weeks, 5 days a week, 6 hours a day.", 30, 30, D),
    ("The IOP is a 6-12 week program.", None, None, U),
    ("24 sessions over 6 weeks", None, None, U),
    ("16 daily sessions offered Monday through Thursday over the span of 4 consecutive weeks", None, None, U),
    # hedges
    ("about 3 hours a day, 3 days a week", 9, 9, D),
    ("up to 4 hours a day, 5 days a week", None, 20, D),
    ("at least 3 hours a day, at least 3 days a week", 9, None, D),
    ("six or more hours per day, five days a week", 30, None, D),
    # nothing to read
    ("", None, None, U),
    ("Call us for more information.", None, None, U),
    ("Our crisis line is open 24 hours a day, 7 days a week.", None, None, U),
    ("Serving ages 13-17 since 1998. Call 555-123-4567.", None, None, U),
    ("Adolescents ages 12-17, Monday through Friday.", None, None, U),
    ("Office hours are Monday through Friday, 8 a.m. to 5 p.m.", None, None, U),
]


@pytest.mark.parametrize(("text", "lo", "hi", "basis"), CASES, ids=[c[0][:50] for c in CASES])
def test_surface_form(text: str, lo: float | None, hi: float | None, basis: HoursBasis) -> None:
    estimate = estimate_hours(text)
    assert (estimate.min, estimate.max, estimate.basis) == (lo, hi, basis)
    if basis is not U:
        assert estimate.evidence, "an estimate must quote what it rests on"
        assert all(piece in text for piece in estimate.evidence)


PROGRAMS = [("iop", 9, 9), ("php", 16, 16), ("op", None, None)]
TWO_PROGRAMS = (
    "The partial hospital program is four days per week for four hours a day, intensive outpatient group therapy "
    "is three times per week for three hours a day and outpatient therapy begins at once or twice a week."
)


@pytest.mark.parametrize(("program", "lo", "hi"), PROGRAMS)
def test_program_selects_its_part_of_the_text(program: str, lo: float | None, hi: float | None) -> None:
    estimate = estimate_hours(TWO_PROGRAMS, program=program)
    assert (estimate.min, estimate.max) == (lo, hi)


def test_a_level_named_as_a_reference_does_not_take_the_text() -> None:
    text = "Our IOP, a step down from PHP, meets three days a week for three hours."
    assert (estimate_hours(text, program="iop").min, estimate_hours(text, program="iop").max) == (9, 9)


def test_context_is_read_with_the_text() -> None:
    estimate = estimate_hours(
        "Patients usually attend one to four days a week.",
        context="Hours are Monday through Friday, 9:00am to 5:00pm (10:00am to 2:30pm for programs)",
    )
    assert (estimate.min, estimate.max, estimate.basis) == (4.5, 18, D)


def test_stated_and_derived_are_both_kept() -> None:
    estimate = estimate_hours("Mon, Wed, Thu 10am-2:30pm, totaling 15 hours each week")
    assert estimate.stated == (15, 15)
    assert estimate.derived == (13.5, 13.5)


STRUCTURED = [
    ([{"byday": "MO,WE,TH", "opens_at": "09:00", "closes_at": "12:00"}], 9, 9),
    (
        [{"day": "Monday", "start": "9:00 AM", "end": "12 PM"}, {"day": "Friday", "start": "1pm", "end": "4:30pm"}],
        6.5,
        6.5,
    ),
    ([{"day": "Mon-Fri", "start": "09:00-05:00", "end": "15:00-05:00"}], 30, 30),
    ([{"byday": "FR", "opens_at": "21:00", "closes_at": "01:00"}], 4, 4),
    (
        [
            {"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "12:00", "track": "day"},
            {"byday": "MO,TU,WE,TH", "opens_at": "18:00", "closes_at": "21:00", "track": "evening"},
        ],
        12,
        15,
    ),
]


@pytest.mark.parametrize(("rows", "lo", "hi"), STRUCTURED)
def test_structured_sessions(rows: list[dict[str, str]], lo: float, hi: float) -> None:
    sessions, problems = parse_sessions(rows)
    assert problems == []
    estimate = estimate_hours(sessions=sessions)
    assert (estimate.min, estimate.max, estimate.basis) == (lo, hi, D)
    assert estimate.evidence


def test_structured_rows_that_cannot_be_read_are_reported() -> None:
    sessions, problems = parse_sessions([{"day": "someday", "start": "9", "end": "12"}, {"byday": "MO"}])
    assert sessions == ()
    assert len(problems) == 2 and "row 1" in problems[0]


def test_stated_text_wins_over_structured_sessions() -> None:
    sessions = (Session(0, 9 * 60, 12 * 60), Session(2, 9 * 60, 12 * 60))
    estimate = estimate_hours("9 hours per week", sessions=sessions)
    assert (estimate.min, estimate.max, estimate.basis) == (9, 9, X)


@pytest.mark.parametrize(
    ("value", "minutes"),
    [
        ("09:00", 540),
        ("9:00 AM", 540),
        ("9am", 540),
        ("12 PM", 720),
        ("12:30 a.m.", 30),
        ("17:30:00", 1050),
        ("12:00+05:00", 720),
        ("noon", 720),
        ("25:00", None),
        ("soon", None),
    ],
)
def test_parse_time(value: str, minutes: int | None) -> None:
    assert parse_time(value) == minutes


# --- properties -------------------------------------------------------------------------------

FRAGMENTS = [
    "Monday through Friday",
    "Mon/Wed/Thu",
    "weekdays",
    "M-F",
    "three (3) evenings a week",
    "3-5 days/week",
    "two to five times per week",
    "from 9 a.m. to 5 p.m.",
    "9 a.m. to 12 noon",
    "from 6 until 9 p.m.",
    "8:00 a.m.-3:30 p.m.",
    "three-hour sessions",
    "6/6.5 hours",
    "nine-hour per week commitment",
    "16-30 hours per week",
    "20 or more hours",
    "about",
    "up to",
    "at least",
    "6-week",
    "24 sessions over 6 weeks",
    "IOP",
    "PHP",
    "or",
    "and",
    ",",
    ".",
    "(",
    ")",
    "|",
    ";",
    "12",
    "3",
    "pm",
    "am",
    "-",
    "hours",
    "days",
    "a week",
]
IRRELEVANT = [
    "Our caring team welcomes families.",
    "Insurance accepted.",
    "Located downtown near the park.",
    "We believe recovery is possible",
    "Parking is free",
    "Call us today!",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=25).map(" ".join) | st.text(max_size=300))
def test_any_text_gives_bounded_hours(text: str) -> None:
    estimate = estimate_hours(text)
    for bound in (estimate.min, estimate.max):
        assert bound is None or 0 <= bound <= 168
    if estimate.min is not None and estimate.max is not None:
        assert estimate.min <= estimate.max
    if estimate.basis is U:
        assert estimate.min is None and estimate.max is None


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([c[0] for c in CASES if c[0]]),
    st.lists(st.sampled_from(IRRELEVANT), max_size=3),
    st.lists(st.sampled_from(IRRELEVANT), max_size=3),
)
def test_irrelevant_sentences_change_nothing(text: str, before: list[str], after: list[str]) -> None:
    padded = " ".join([*(s + "." for s in before), text, *(s + "." for s in after)])
    plain, noisy = estimate_hours(text), estimate_hours(padded)
    assert (noisy.min, noisy.max, noisy.basis) == (plain.min, plain.max, plain.basis)
