"""Fuzzing (issue 9): the hours engine, the code-list parsers, the field cleaners and the normalizers.

Each test states one invariant and lets hypothesis look for an input that breaks it: odd Unicode,
control characters, markup, digit soup, very long texts, and texts generated from a small
schedule grammar whose hours the generator knows. Examples are random on every run; the example
database is off, so a run depends on nothing left over from an earlier one.
"""

import json
import os
import re
import string
import time
import unicodedata
from collections.abc import Callable
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import phonenumbers
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from python_calamine import CalamineWorkbook

from pipeline.clean import US_STATES, clean_phone, clean_state, clean_text, clean_zip, identity_text
from pipeline.clean.phone import _nanp_e164
from pipeline.errors import RejectRow
from pipeline.hours import estimate_hours, parse_sessions
from pipeline.hours.structured import parse_time
from pipeline.link.build import LinkInput, distance_m, identity_folds, listing_keys, website_site
from pipeline.normalize.facts import with_facts
from pipeline.normalize.run import normalize_file
from pipeline.sources import ny_omh, program_pages
from pipeline.sources.findtreatment import normalize as findtreatment
from pipeline.sources.findtreatment.labels import ALIASES, LABEL_CODES, REFERENCE_LABELS, codes_for_label, fold
from pipeline.sources.samhsa import normalize as samhsa
from pipeline.sources.samhsa.codes import CODE_MAP, UMBRELLA_CODES, CodeEntry, CodeReference, field_of
from pipeline.tables import LISTING_SCHEMA, listing_row
from schemas.listing import Listing
from schemas.raw import RawRecord
from schemas.vocab import VOCABULARIES, HoursBasis, LevelOfCare, PhoneKind
from tests.conftest import REPLAY_FIXTURE

#: `IOPDIR_FUZZ_SCALE=20 pytest tests/test_fuzz.py` runs twenty times the examples, for a deeper search.
SCALE = float(os.environ.get("IOPDIR_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    """Settings of every property: `examples` random examples (times SCALE), no deadline, no example database."""
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# --- text strategies ------------------------------------------------------------------------------

#: Characters that have broken text handling somewhere: controls, NUL, invisible formatting,
#: characters whose case mapping or normalization changes their length, other scripts' digits,
#: line and paragraph separators, markup, and a lone surrogate (valid in a Python str, not in UTF-8).
ODD = [
    "\x00",
    "\x07",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "\x7f",
    "\x85",
    "\r\n",
    "\t",
    "\u00a0",
    "\u00ad",
    "\u0301",
    "\u0130",  # İ: lower-cases to two characters
    "\u00df",
    "\ufb01",  # ﬁ
    "\u00bd",  # ½
    "\u03a3",
    "\u1e9e",
    "\u200b",
    "\u200f",
    "\u202e",
    "\u2028",
    "\u2029",
    "\u3000",
    "\ufeff",
    "\uff11\uff12",  # full-width digits
    "\u0663",  # Arabic-Indic 3
    "\U0001f600",
    "\u2013",
    "\u2019",
    "<b>",
    "</p>",
    "<br/>",
    "&amp;",
    "&#0;",
    "\ud800",
]
ODD_NO_SURROGATE = [c for c in ODD if not any(0xD800 <= ord(x) <= 0xDFFF for x in c)]

#: Any Python string, plus strings built from the odd characters above.
any_text = (
    st.text(max_size=200)
    | st.lists(st.sampled_from(ODD) | st.text(max_size=4), max_size=25).map("".join)
    | st.text(st.characters(codec="utf-8"), max_size=50)
)
#: What a raw record's cell may hold: valid Unicode (the raw layer refuses half a surrogate pair).
cell_text = st.text(max_size=120) | st.lists(st.sampled_from(ODD_NO_SURROGATE) | st.text(max_size=4), max_size=20).map(
    "".join
)
digit_soup = st.text(alphabet="0123456789 -:/.()+x", max_size=60)


# --- the hours engine: any text ---------------------------------------------------------------------

HOURS_WORDS = [
    "Monday through Friday",
    "Mondays, Wednesdays and Thursdays",
    "Mon/Wed/Thu",
    "weekdays",
    "M-F",
    "Saturdays",
    "three (3) evenings a week",
    "3-5 days/week",
    "twice a week",
    "from 9 a.m. to 5 p.m.",
    "9 a.m. to 12 noon",
    "from 6 until 9 p.m.",
    "8:00 a.m.-3:30 p.m.",
    "9-3",
    "begins at 10 a.m.",
    "finish by 1 p.m.",
    "three-hour sessions",
    "90 minutes",
    "two and a half hours",
    "6/6.5 hours",
    "3 hours per day",
    "nine-hour per week commitment",
    "16-30 hours per week",
    "20 or more hours",
    "weekly total of 9 hours",
    "about",
    "up to",
    "at least",
    "6-week",
    "24 sessions over 6 weeks",
    "office hours",
    "except",
    "IOP",
    "PHP",
    "partial hospitalization",
    "intensive outpatient",
    "step down from",
    "hot lunch provided",
    "or",
    "and",
    "on",
    ",",
    ".",
    "(",
    ")",
    "|",
    ";",
    "\n",
    "12",
    "3",
    "pm",
    "am",
    "-",
    "hours",
    "days",
    "a week",
]
schedule_soup = st.lists(st.sampled_from(HOURS_WORDS) | st.sampled_from(ODD), max_size=30).map(" ".join)
hours_text = schedule_soup | any_text | digit_soup
programs = st.sampled_from([None, "iop", "php", "op"])


def check_estimate(text: str | None, context: str | None = None, program: str | None = None) -> Any:
    """Estimate the hours of a text and check the invariants every estimate keeps; returns it."""
    estimate = estimate_hours(text, context=context, program=program)
    for bound in (estimate.min, estimate.max):
        assert bound is None or 0 <= bound <= 168
    if estimate.min is not None and estimate.max is not None:
        assert estimate.min <= estimate.max
    assert (estimate.basis is HoursBasis.UNKNOWN) == (estimate.min is None and estimate.max is None)
    # Evidence is quoted verbatim from what was read: the text, then the context on a new line.
    source = "\n".join(t for t in (text, context) if t and t.strip())
    if estimate.basis is not HoursBasis.UNKNOWN:
        assert estimate.evidence, "an estimate must quote what it rests on"
    for piece in (*estimate.evidence, *estimate.cues):
        assert piece and piece == piece.strip() and piece in source
    return estimate


@fuzz(220)
@given(hours_text, st.none() | hours_text, programs)
def test_hours_of_any_text_are_bounded_consistent_quoted_and_deterministic(
    text: str, context: str | None, program: str | None
) -> None:
    """Never raises; 0 <= min <= max <= 168; unknown <=> no hours; evidence verbatim; same input, same output."""
    estimate = check_estimate(text, context, program)
    assert estimate_hours(text, context=context, program=program) == estimate


# --- the hours engine: texts from a schedule grammar, with their hours ----------------------------------
#
# Only phrasings docs/hours.md documents, each with one reading: the generator knows the hours.

DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DAY_ABBREVIATIONS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"]

Draw = Callable[[st.SearchStrategy[Any]], Any]


def number(draw: Draw, value: float) -> str:
    """A number as digits, as a word, or as "three (3)"."""
    if value == int(value) and value < len(NUMBER_WORDS) and draw(st.booleans()):
        word = NUMBER_WORDS[int(value)]
        return draw(st.sampled_from([word, f"{word} ({int(value)})"]))
    return f"{value:g}"


@st.composite
def day_phrase(draw: Draw) -> tuple[str, int]:
    """A set of week days and how many days it names."""
    kind = draw(st.sampled_from(["range", "list", "weekdays", "weekends", "M-F"]))
    if kind == "weekdays":
        return draw(st.sampled_from(["weekdays", "on weekdays"])), 5
    if kind == "weekends":
        return "weekends", 2
    if kind == "M-F":
        return "M-F", 5
    if kind == "range":
        first = draw(st.integers(0, 5))
        last = draw(st.integers(first + 1, 6))
        names = draw(st.sampled_from([DAY_NAMES, DAY_ABBREVIATIONS]))
        separator = draw(st.sampled_from([" through ", " thru ", "-", " - ", " to ", "\u2013"]))
        plural = "s" if names is DAY_NAMES and separator == " through " and draw(st.booleans()) else ""
        return f"{names[first]}{plural}{separator}{names[last]}{plural}", last - first + 1
    days = sorted(draw(st.sets(st.integers(0, 6), min_size=1, max_size=4)))
    if len(days) == 1:
        return draw(st.sampled_from([DAY_NAMES[days[0]], DAY_NAMES[days[0]] + "s"])), 1
    style = draw(st.sampled_from(["and", "oxford", "slash", "comma"]))
    words = [(DAY_NAMES if style == "and" else draw(st.sampled_from([DAY_NAMES, DAY_ABBREVIATIONS])))[d] for d in days]
    text = {
        "slash": "/".join(words),
        "comma": ", ".join(words),
        "oxford": ", ".join(words[:-1]) + ", and " + words[-1],
        "and": ", ".join(words[:-1]) + " and " + words[-1],
    }[style]
    return text, len(days)


def clock(minutes: int, style: str) -> str:
    hour, minute = divmod(minutes, 60)
    meridiem = "am" if hour < 12 else "pm"
    digits = f"{hour % 12 or 12}" + (f":{minute:02d}" if minute or style == "colon" else "")
    if style == "dotted":
        return f"{digits} {meridiem[0]}.m."
    if style == "upper":
        return f"{digits} {meridiem.upper()}"
    return digits + meridiem


@st.composite
def clock_span(draw: Draw) -> tuple[str, float]:
    """A span of clock time between 7 a.m. and 10 p.m. and its length in hours."""
    start = draw(st.integers(14, 36)) * 30
    end = min(start + draw(st.integers(2, 12)) * 30, 22 * 60)
    style = draw(st.sampled_from(["dotted", "upper", "colon", "plain"]))
    first, second = clock(start, style), clock(end, style)
    if end == 12 * 60 and draw(st.booleans()):
        second = draw(st.sampled_from(["noon", "12 noon"]))
    form = draw(
        st.sampled_from(
            ["{a} to {b}", "{a}-{b}", "{a} - {b}", "from {a} to {b}", "from {a} until {b}", "between {a} and {b}"]
        )
    )
    return form.format(a=first, b=second), (end - start) / 60


@st.composite
def timetable(draw: Draw) -> tuple[str, float, float]:
    """Days and a clock span ("Mon/Wed/Thu 9am-12pm"): days x hours."""
    (days, count), (span, hours) = draw(day_phrase()), draw(clock_span())
    order = draw(st.sampled_from(["{d} {s}", "{d}, {s}", "{s} {d}", "{s} on {d}"]))
    if order.startswith("{s}"):
        days = days.removeprefix("on ")
    lead = draw(st.sampled_from(["", "Groups meet ", "The program meets ", "IOP: ", "Hours: "]))
    return lead + order.format(d=days, s=span), count * hours, count * hours


@st.composite
def blocks_on_other_days(draw: Draw) -> tuple[str, float, float]:
    """Two or three timetables on days of their own: their hours add up."""
    days = draw(st.permutations(range(7)))
    cuts = sorted(draw(st.sets(st.integers(1, 6), min_size=1, max_size=2)))
    groups = [sorted(days[a:b]) for a, b in zip([0, *cuts], [*cuts, 7], strict=True)]
    parts: list[str] = []
    total = 0.0
    for group in groups:
        group = group[: draw(st.integers(1, len(group)))]
        span, hours = draw(clock_span())
        names = [DAY_NAMES[d] for d in group]
        named = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        parts.append(draw(st.sampled_from(["{d} {s}", "{d}, {s}", "{s} on {d}"])).format(d=named, s=span))
        total += len(group) * hours
    text = parts[0]
    for before, part in pairwise(parts):
        separators = [". ", "; ", " | ", ".\n"]
        if not before.endswith(tuple(DAY_NAMES)):  # else "..., Wednesday 9-12" would extend the day list
            separators += [", ", " and ", ", and ", " and on ", ", also "]
        text += draw(st.sampled_from(separators)) + part
    return text, total, total


@st.composite
def day_count_and_length(draw: Draw) -> tuple[str, float, float]:
    """A day count and hours a day ("3 days a week, 3 hours a day"): days x hours."""
    days = draw(st.integers(1, 7))
    hours = draw(st.integers(2, 32)) / 2
    units = ["days", "evenings", "times", "sessions"] if days > 1 else ["day", "evening", "time", "session"]
    per_week = draw(st.sampled_from(["a week", "per week", "/week", "each week"]))
    count = f"{number(draw, days)} {draw(st.sampled_from(units))} {per_week}"
    h = f"{number(draw, hours)} {'hour' if hours == 1 else 'hours'}"
    length = draw(st.sampled_from([f"{h} a day", f"{h} per day", f"{h} per session", f"{h} each day", f"for {h}"]))
    form = draw(st.sampled_from(["{c}, {l}", "{c} {l}", "{l}, {c}"]))
    if length.startswith("for"):
        form = "{c} {l}"
    return form.format(c=count, l=length), days * hours, days * hours


@st.composite
def ranges(draw: Draw) -> tuple[str, float, float]:
    """Ranges ("3-5 days a week, 3-4 hours a day"), multiplied bound by bound."""
    d1 = draw(st.integers(1, 6))
    d2 = draw(st.integers(d1 + 1, 7))
    h1 = draw(st.integers(1, 8))
    h2 = draw(st.integers(h1 + 1, 10))
    days = draw(st.sampled_from([f"{d1}-{d2}", f"{d1} to {d2}", f"{number(draw, d1)} to {number(draw, d2)}"]))
    hours = draw(st.sampled_from([f"{h1}-{h2}", f"{h1} to {h2}"]))
    form = draw(
        st.sampled_from(
            [
                "{d} days per week, {h} hours per day",
                "{d} days a week, {h} hours a day",
                "{h} hours a day, {d} days a week",
            ]
        )
    )
    return form.format(d=days, h=hours), d1 * h1, d2 * h2


@st.composite
def weekly_total(draw: Draw) -> tuple[str, float, float]:
    """A stated weekly total ("9 hours per week"), with the open bound a hedge leaves."""
    n = draw(st.integers(1, 80)) / 2
    unit = draw(
        st.sampled_from(["hours per week", "hours a week", "hrs/wk", "hours of group therapy per week", "hours weekly"])
    )
    hedge, lo, hi = draw(
        st.sampled_from(
            [
                ("{n}", n, n),
                ("about {n}", n, n),
                ("approximately {n}", n, n),
                ("at least {n}", n, None),
                ("a minimum of {n}", n, None),
                ("{n} or more", n, None),
                ("up to {n}", None, n),
                ("no more than {n}", None, n),
            ]
        )
    )
    lead = draw(st.sampled_from(["", "Patients attend ", "The program provides "]))
    return f"{lead}{hedge.format(n=number(draw, n))} {unit}", lo, hi


@st.composite
def other_phrasings(draw: Draw) -> tuple[str, float, float]:
    """Minutes, "twice a week", "3x per week", bare "M-F 9-3", colon times and alternative tracks."""
    kind = draw(st.sampled_from(["minutes", "times", "x", "bare", "colon", "tracks"]))
    if kind == "minutes":
        minutes = draw(st.sampled_from([30, 45, 60, 90, 120, 150, 180, 210, 240]))
        days = draw(st.integers(1, 7))
        return f"{minutes}-minute sessions, {number(draw, days)} days a week", days * minutes / 60, days * minutes / 60
    if kind == "times":
        word, times = draw(st.sampled_from([("once", 1), ("twice", 2), ("thrice", 3)]))
        hours = draw(st.integers(1, 6))
        return f"{word} a week for {hours} hours", times * hours, times * hours
    if kind == "x":
        times, hours = draw(st.integers(1, 7)), draw(st.integers(1, 6))
        return f"Clients attend {times}x per week for {hours} hours.", times * hours, times * hours
    if kind == "bare":  # a bare "9-3" right next to day names is clock time
        start, end = draw(st.integers(7, 11)), draw(st.integers(1, 5))
        days, count = draw(st.sampled_from([("M-F", 5), ("Monday through Thursday", 4), ("Mon-Fri", 5)]))
        return f"{days} {start}-{end}", count * (end + 12 - start), count * (end + 12 - start)
    if kind == "colon":
        start, end, minute = draw(st.integers(7, 11)), draw(st.integers(1, 5)), draw(st.sampled_from([0, 30]))
        days, count = draw(day_phrase())
        hours = end + 12 - start + minute / 60
        return f"{days} {start}:00-{end}:{minute:02d}", count * hours, count * hours
    # Alternative tracks on the same days: the smaller and the larger, never the sum.
    (days, count), (first, h1), (second, h2) = draw(day_phrase()), draw(clock_span()), draw(clock_span())
    text = draw(
        st.sampled_from(
            [f"Day track: {days} {first}. Evening track: {days} {second}.", f"{days} {first}, or {days} {second}"]
        )
    )
    return text, count * min(h1, h2), count * max(h1, h2)


@st.composite
def schedule(draw: Draw) -> tuple[str, float | None, float | None, HoursBasis]:
    """A schedule text, its weekly hours (min, max) and basis; sometimes with a program length."""
    derived = st.one_of(timetable(), blocks_on_other_days(), day_count_and_length(), ranges(), other_phrasings())
    kind = draw(st.sampled_from(["derived", "stated", "both"]))
    if kind == "derived":
        text, lo, hi = draw(derived)
        basis = HoursBasis.DERIVED
    elif kind == "stated":
        text, lo, hi = draw(weekly_total())
        basis = HoursBasis.STATED
    else:
        (stated, n, _), (arithmetic, d, _) = draw(weekly_total().filter(lambda t: t[1] == t[2])), draw(timetable())
        text = draw(st.sampled_from([f"{stated}; {arithmetic}", f"{arithmetic}. {stated}"]))
        # The stated total wins; the basis says whether the arithmetic agrees with it.
        lo = hi = n
        basis = HoursBasis.STATED if abs(n - d) <= 0.5 else HoursBasis.STATED_AND_DERIVED_DISAGREE
    if draw(st.booleans()):  # program length is not weekly intensity
        weeks = draw(st.integers(2, 16))
        length = draw(
            st.sampled_from([f"The program lasts {weeks} weeks.", f"It is a {weeks}-week program.", "Call us today."])
        )
        text = draw(st.sampled_from([f"{text}. {length}", f"{length} {text}."]))
    return text, lo, hi, basis


def close(got: float | None, expected: float | None) -> bool:
    return (got is None and expected is None) or (
        got is not None and expected is not None and abs(got - expected) <= 0.01
    )


@fuzz(190)
@given(schedule())
def test_hours_of_a_generated_schedule_are_the_generators(
    item: tuple[str, float | None, float | None, HoursBasis],
) -> None:
    """A schedule written in the documented phrasings gives the hours it was generated with (within 0.01)."""
    text, lo, hi, basis = item
    estimate = check_estimate(text)
    assert close(estimate.min, lo) and close(estimate.max, hi), (estimate.min, estimate.max)
    assert estimate.basis is basis


#: Sentences without a number, a day name or a level of care.
IRRELEVANT = [
    "Our caring team welcomes families.",
    "Insurance is accepted.",
    "Located downtown near the park.",
    "We believe recovery is possible.",
    "Parking is free!",
    "Call us today.",
    "Ask about our alumni group.",
]


@fuzz(110)
@given(
    schedule(),
    st.lists(st.sampled_from(IRRELEVANT), max_size=40),
    st.lists(st.sampled_from(IRRELEVANT), max_size=40),
    programs,
)
def test_irrelevant_text_far_away_changes_nothing(
    item: tuple[str, float | None, float | None, HoursBasis], before: list[str], after: list[str], program: str | None
) -> None:
    """Sentences without schedule words, before or after a schedule, leave its hours and basis alone."""
    text = item[0]
    padded = "\n".join(part for part in (" ".join(before), text, " ".join(after)) if part)
    plain, noisy = estimate_hours(text, program=program), check_estimate(padded, program=program)
    assert (noisy.min, noisy.max, noisy.basis, noisy.evidence) == (plain.min, plain.max, plain.basis, plain.evidence)


@fuzz(60)
@given(schedule(), hours_text)
def test_any_text_far_away_breaks_nothing(item: tuple[str, float | None, float | None, HoursBasis], noise: str) -> None:
    """A schedule with any text a long way after it still gives a consistent estimate."""
    check_estimate(item[0] + "\n" + "Our team. " * 300 + noise)


# --- the hours engine: long texts ----------------------------------------------------------------

#: Each of these took from 5 s to many minutes before the engine was made linear in them (the last
#: one excepted: it checks the offset map on characters whose lower case is longer); now well under
#: a second each. The limit is loose so that a slow machine does not fail the test.
LONG_TEXT_SECONDS = 5.0
PATHOLOGICAL = {
    "digits before a parenthesis": "1" * 100_000 + " (",
    "separators between two levels": "IOP" + " ," * 50_000 + "x PHP",
    "hours per day and days": "3 hours a day Monday " * 5_000,
    "start and end times": "begins at 9am " * 8_000 + "ends at 12pm " * 8_000,
    "bare spans beside days": "M-F 9-3. |, " * 8_000,
    "weekly totals": "weekly total 9 hours " * 10_000,
    "bare session lengths": "2-3 hours, 3 days a week; " * 8_000,
    "a run of line breaks in a span": "9" + "\n" * 50_000 + "-" + "\n" * 50_000 + "x",
    "a run of line breaks after hours": "3" + "\r\n" * 50_000 + "hours",
    "line breaks in a day list": "monday" + "\n" * 50_000 + "," + "\n" * 50_000 + "tuesday 9am-12pm",
    "spaces after a number": "9" + "\u2003" * 100_000 + "mix",
    "case-changing letters": "\u0130\u00bd" * 50_000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_a_long_text_is_read_in_linear_time(text: str) -> None:
    """100,000 to 200,000 characters of any shape take well under `LONG_TEXT_SECONDS`."""
    started = time.perf_counter()
    check_estimate(text, program="iop")
    assert time.perf_counter() - started < LONG_TEXT_SECONDS


@fuzz(15)
@given(st.lists(st.sampled_from(HOURS_WORDS) | st.sampled_from(ODD_NO_SURROGATE), min_size=1, max_size=6))
def test_a_piece_repeated_over_a_long_text_is_read_in_linear_time(words: list[str]) -> None:
    """Any short piece repeated to ~30,000 characters is read quickly (a quadratic pattern would not be)."""
    piece = " ".join(words) + " "
    started = time.perf_counter()
    check_estimate(piece * (30_000 // len(piece) + 1), program="iop")
    assert time.perf_counter() - started < LONG_TEXT_SECONDS


# --- the hours engine: structured sessions ----------------------------------------------------------

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


# --- code lists ---------------------------------------------------------------------------------------


@cache
def reference(kind: str) -> CodeReference:
    """The code reference of a 2023 national directory ("su" or "mh"), or the FindTreatment labels' ("labels")."""
    if kind == "labels":
        return LABEL_CODES
    path = REPLAY_FIXTURE / "samhsa-national-directory-2023" / f"national-directory-{kind}-facilities-2023.xlsx"
    rows = CalamineWorkbook.from_path(path).get_sheet_by_name("Service Code Reference").to_python()[1:]
    return CodeReference(CodeEntry(*(str(cell).strip() for cell in row[:5])) for row in rows)


KNOWN_CODES = sorted({code for _, code in CODE_MAP} | {e.code for e in reference("su").entries.values()})
WHITESPACE = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\x1f"]
code_tokens = st.sampled_from(KNOWN_CODES) | st.just("*") | st.text(string.ascii_uppercase + string.digits, max_size=5)
code_lists = st.lists(code_tokens, max_size=40)
references = st.sampled_from(["su", "mh", "labels"])


@st.composite
def spaced(draw: Draw, tokens: list[str]) -> str:
    """Tokens joined by any run of whitespace, with whitespace around them."""
    separators = st.lists(st.sampled_from(WHITESPACE), min_size=1, max_size=3).map("".join)
    return "".join(draw(separators) + token for token in tokens) + draw(st.sampled_from(["", " ", "\n"]))


def naive_terms(codes: CodeReference, present: list[str]) -> dict[str, set[str]]:
    """What a code list means, one code at a time: the oracle for `CodeReference.map`."""
    terms: dict[str, set[str]] = {field: set() for field in VOCABULARIES}
    for code in present:
        if code in UMBRELLA_CODES and UMBRELLA_CODES[code] & set(present):
            continue
        for term in codes.terms_for(code):
            terms[field_of(term)].add(term.value)
    return terms


@fuzz(190)
@given(references, code_lists.flatmap(spaced) | any_text)
def test_a_code_list_reads_into_its_codes_and_vocabulary_terms(kind: str, code_info: str) -> None:
    """Never raises; codes are the distinct tokens but "*" in order; unknown = codes not in the reference;
    every term is a vocabulary value; the terms are those of the codes one by one, umbrella rule applied."""
    codes = reference(kind)
    mapped = codes.map(code_info)
    tokens = [t for t in dict.fromkeys(code_info.split()) if t != "*"]
    assert mapped.codes == tokens
    assert mapped.unknown == [c for c in tokens if c not in codes.entries]
    assert set(mapped.terms) == set(VOCABULARIES)
    for field, values in mapped.terms.items():
        assert values <= {v.value for v in VOCABULARIES[field]}
    assert mapped.terms == naive_terms(codes, tokens)


@fuzz(80)
@given(references, code_lists, st.randoms(use_true_random=False), st.data())
def test_order_duplicates_and_spacing_of_a_code_list_do_not_matter(
    kind: str, tokens: list[str], random: Any, data: st.DataObject
) -> None:
    """The same codes in another order, repeated, with other whitespace, mean the same terms."""
    shuffled = tokens + random.sample(tokens, k=len(tokens) // 2)
    random.shuffle(shuffled)
    a, b = reference(kind).map(data.draw(spaced(tokens))), reference(kind).map(data.draw(spaced(shuffled)))
    assert a.terms == b.terms
    assert set(a.codes) == set(b.codes) and set(a.unknown) == set(b.unknown)


OUTPATIENT_SIBLINGS = sorted(UMBRELLA_CODES["OP"])


@fuzz(150)
@given(
    st.lists(st.sampled_from([*OUTPATIENT_SIBLINGS, "SA", "MH", "*", "CBT", "MD", "ADLT"]), max_size=8), st.booleans()
)
def test_outpatient_umbrella_code_means_regular_outpatient_only_alone(others: list[str], with_op: bool) -> None:
    """The umbrella code OP means regular outpatient only without a more specific setting (OIT, ODT, ORT, OMB, OD)."""
    present = set(others) | ({"OP"} if with_op else set())
    levels = reference("su").map(" ".join([*others, "OP"] if with_op else others)).terms["levels_of_care"]
    regular = (with_op and not present & UMBRELLA_CODES["OP"]) or bool(present & {"ORT", "OMB"})
    assert ("op" in levels) == regular
    assert ("iop" in levels) == ("OIT" in present)


code_rows = st.fixed_dictionaries(
    {},
    optional={
        "category_code": st.none() | st.sampled_from(["SET", "PAY", " set "]) | cell_text,
        "Category_code": st.none() | cell_text,
        "category_name": st.none() | cell_text,
        "service_code": st.none() | st.sampled_from(["OIT", " oit ", "<b>OP</b>", "O P", ""]) | cell_text,
        "Service_code": st.none() | cell_text,
        "service_name": st.none() | cell_text,
        "service_description": st.none() | cell_text,
        "extra": st.none() | cell_text,
    },
)


def raw_record(
    record_type: str, source: str, fields: dict[str, str | None], url: str = "https://example.org/directory.xlsx"
) -> RawRecord:
    """A raw record of `fields` with a made-up envelope (the raw layer may refuse a cell: ValidationError)."""
    return RawRecord(
        record_type=record_type,
        source=source,
        source_url=url,
        source_file="directory.xlsx",
        record_id="Sheet!2",
        fetched_at="2026-11-27T00:00:00+00:00",
        fields=fields,
    )


@fuzz(150)
@given(code_rows)
def test_a_code_reference_row_is_read_or_rejected(fields: dict[str, str | None]) -> None:
    """Only RejectRow or ValidationError escape; a code read is one upper-case token, the category upper-case."""
    try:
        entry = samhsa.code_entry(raw_record("service_code", "samhsa_su", fields))  # either may refuse the row
    except (RejectRow, ValidationError):
        return
    assert entry.code and entry.code == entry.code.upper() and entry.code.split() == [entry.code]
    assert entry.category_code == entry.category_code.upper()
    CodeReference([entry]).map(entry.code)


KNOWN_LABELS = sorted(set(REFERENCE_LABELS) | set(ALIASES))
KNOWN_PAIRS = {pair for pairs in REFERENCE_LABELS.values() for pair in pairs} | set(ALIASES.values())
categories = st.none() | st.sampled_from(["SET", "AGE", "SG", "TC", "edu", "AS", ""]) | st.text(max_size=6)


@fuzz(220)
@given(st.sampled_from(KNOWN_LABELS) | any_text, categories)
def test_a_service_label_reads_into_known_codes(label: str, category: str | None) -> None:
    """Never raises; every (category, code) found is one of the label tables'."""
    assert set(codes_for_label(label, category)) <= KNOWN_PAIRS


#: Folded label -> every (category, code) of the labels that fold to it.
PAIRS_BY_FOLDED: dict[str, set[tuple[str, str]]] = {}
for _label, _pairs in [*REFERENCE_LABELS.items(), *((label, (pair,)) for label, pair in ALIASES.items())]:
    PAIRS_BY_FOLDED.setdefault(fold(_label), set()).update(_pairs)


@fuzz(110)
@given(st.sampled_from(KNOWN_LABELS), categories, st.data(), st.randoms(use_true_random=False))
def test_a_service_label_is_read_whatever_its_spacing_and_case(
    label: str, category: str | None, data: st.DataObject, random: Any
) -> None:
    """Runs of whitespace do not change what a label means; a change of case still finds codes of the same label."""
    respaced = data.draw(spaced(label.split(" ")))
    assert codes_for_label(respaced, category) == codes_for_label(label, category)
    recased = "".join(c.swapcase() if random.random() < 0.5 else c for c in label)
    found = codes_for_label(recased, category)
    assert found and set(found) <= PAIRS_BY_FOLDED[fold(label)]


@fuzz(90)
@given(st.lists(st.tuples(categories, st.sampled_from(KNOWN_LABELS) | cell_text), max_size=12))
def test_service_labels_map_to_distinct_codes_and_keep_unknown_labels(labels: list[tuple[str | None, str]]) -> None:
    """Codes come out once each; a label with no code is kept (once) and named in one warning."""
    codes, unknown, warnings = findtreatment.map_labels(labels)
    assert len(codes) == len(set(codes)) and len(unknown) == len(set(unknown))
    assert set(unknown) == {label for category, label in labels if not codes_for_label(label, category)}
    assert len(warnings) == (1 if unknown else 0)


# --- field cleaners -----------------------------------------------------------------------------------

maybe_text = st.none() | any_text


@fuzz(380)
@given(maybe_text)
def test_clean_text_is_clean_and_idempotent(value: str | None) -> None:
    """None or non-empty; no control characters; single inner spaces only; NFC; clean(clean(x)) == clean(x)."""
    text = clean_text(value)
    if text is None:
        return
    assert text and text == text.strip() and "  " not in text
    assert not re.search(r"[\x00-\x1f\x7f]", text)
    assert all(c == " " or not c.isspace() for c in text)
    assert unicodedata.is_normalized("NFC", text)
    assert clean_text(text) == text


@fuzz(220)
@given(maybe_text | st.sampled_from([*US_STATES, "va", " Va. ", "D.C.", "XX", "Virginia", "\uff36\uff21"]))
def test_clean_state_is_a_state_or_none(value: str | None) -> None:
    """None or a USPS code of a state or territory."""
    state = clean_state(value)
    assert state is None or state in US_STATES


zip_texts = st.from_regex(r"\A[0-9]{4,9}\Z") | st.from_regex(r"\A[0-9]{5}-[0-9]{4}\Z") | digit_soup | maybe_text


@fuzz(220)
@given(zip_texts, st.none() | st.sampled_from(sorted(US_STATES)))
def test_clean_zip_is_five_ascii_digits_or_none_with_a_warning(value: str | None, state: str | None) -> None:
    """None or 5 ASCII digits; 5 digits and ZIP+4 keep their first 5; what is dropped is warned about."""
    zip5, warnings = clean_zip(value, state)
    assert zip5 is None or re.fullmatch(r"[0-9]{5}", zip5)
    if value is not None and re.fullmatch(r"[0-9]{5}(-?[0-9]{4})?", value):
        assert (zip5, warnings) == (value[:5], [])
    assert len(warnings) <= 1
    if zip5 is None and clean_text(value) is not None and not re.search("[<&]", value or ""):
        assert len(warnings) == 1  # only markup may vanish without a word


E164 = re.compile(r"\+[1-9][0-9]{6,14}")
PLACEHOLDER_PHONES = ["(999) 999-9999", "000-000-0000", "999-999-9999", "Not Available", "N/A", "n/a", "none", "---"]


@fuzz(380)
@given(maybe_text | digit_soup, st.sampled_from(PhoneKind))
def test_clean_phone_is_e164_or_none_with_one_warning(value: str | None, kind: PhoneKind) -> None:
    """Never raises; a phone is E.164 with an ASCII-digit extension; a dropped non-blank value has one warning."""
    phone, warnings = clean_phone(value, kind)
    if phone is None:
        assert len(warnings) <= 1
        if clean_text(value) is not None and not re.search("[<&]", value or ""):
            assert len(warnings) == 1  # only markup may vanish without a word
        return
    assert warnings == [] and phone.kind is kind and phone.original
    assert E164.fullmatch(phone.e164)
    assert phone.extension is None or re.fullmatch(r"[0-9]{1,10}", phone.extension)


@fuzz(300)
@given(maybe_text | digit_soup | st.from_regex(r"\A\+?[0-9 ().-]{7,20}(?: ?x[0-9]{1,4})?\Z"))
def test_a_phone_read_from_any_text_is_the_number_phonenumbers_reads(value: str | None) -> None:
    """Whichever way clean_phone reads a number (shortcut or parser), phonenumbers finds that valid number in it."""
    phone, _ = clean_phone(value, PhoneKind.MAIN)
    if phone is None:
        return
    number_text = re.sub(r"\s*(?:x|ext\.?|extension)\s*[0-9]{1,10}\s*$", "", phone.original, flags=re.IGNORECASE)
    number = phonenumbers.parse(number_text, "US")
    assert phonenumbers.is_valid_number(number)
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone.e164


@pytest.mark.parametrize("text", PLACEHOLDER_PHONES)
def test_placeholder_phones_are_dropped_with_a_warning(text: str) -> None:
    phone, warnings = clean_phone(text, PhoneKind.MAIN)
    assert phone is None and len(warnings) == 1


AREA_CODES = ["205", "212", "415", "907", "808", "787", "671", "340", "684", "416", "800", "888", "555", "911", "123"]


@st.composite
def nanp_phone(draw: Draw) -> tuple[str, str, str | None]:
    """A ten-digit North American number in one of the usual spellings: (text, digits, extension)."""
    area = draw(st.sampled_from(AREA_CODES) | st.from_regex(r"\A[0-9]{3}\Z"))
    exchange, line = draw(st.from_regex(r"\A[0-9]{3}\Z")), draw(st.from_regex(r"\A[0-9]{4}\Z"))
    form = draw(
        st.sampled_from(
            [
                "({a}) {e}-{l}",
                "({a}){e}-{l}",
                "{a}-{e}-{l}",
                "{a}.{e}.{l}",
                "{a} {e} {l}",
                "{a}{e}{l}",
                "+1 {a} {e} {l}",
                "+1-{a}-{e}-{l}",
                "+1 ({a}) {e}-{l}",
                "1-{a}-{e}-{l}",
                "1 ({a}) {e}-{l}",
                "1{a}{e}{l}",
            ]
        )
    )
    extension = draw(st.none() | st.from_regex(r"\A[0-9]{1,6}\Z"))
    spelled = draw(st.sampled_from([" x{x}", " ext. {x}", " ext {x}", " Ext.{x}", " extension {x}", "x{x}", " X {x}"]))
    text = form.format(a=area, e=exchange, l=line) + (spelled.format(x=extension) if extension else "")
    return text, area + exchange + line, extension


def general_verdict(digits: str) -> str | None:
    """E.164 of a ten-digit NANP number by phonenumbers' general parser, or None when it is not valid."""
    try:
        number = phonenumbers.parse(f"+1{digits}", None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@fuzz(110)
@given(nanp_phone())
def test_phone_spellings_agree_with_phonenumbers(item: tuple[str, str, str | None]) -> None:
    """Every spelling of a number reads as phonenumbers' parse + is_valid_number reads its digits, extension kept."""
    text, digits, extension = item
    phone, _ = clean_phone(text, PhoneKind.MAIN)
    expected = general_verdict(digits)
    assert (phone.e164 if phone else None) == expected
    if phone is not None:
        assert phone.extension == extension
        number = phonenumbers.parse(re.sub(r"\s*(?:x|ext\.?|extension)\s*[0-9]+$", "", text, flags=re.IGNORECASE), "US")
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone.e164


@fuzz(220)
@given(st.from_regex(r"\A[0-9]{10}\Z"))
def test_the_fast_path_for_ten_digits_agrees_with_the_general_parser(digits: str) -> None:
    """`_nanp_e164` (the shortcut for plain numbers) gives the general parser's verdict."""
    assert _nanp_e164(digits) == general_verdict(digits)


ACCENTED = {
    "a": "áàâäåÁ",
    "c": "çÇ",
    "e": "éèêëÉ",
    "i": "íïÎ",
    "n": "ñÑ",
    "o": "óôöÖ",
    "u": "úüÜ",
}
words = st.lists(st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8), min_size=1, max_size=6)


@st.composite
def disguised(draw: Draw, parts: list[str]) -> str:
    """Words with other case, accents, apostrophes inside, and punctuation and spacing between them."""
    out = []
    for word in parts:
        letters = []
        for c in word:
            if c in ACCENTED and draw(st.integers(0, 3)) == 0:
                c = draw(st.sampled_from(ACCENTED[c]))
            elif draw(st.booleans()):
                c = c.upper()
            letters.append(c)
        if len(letters) > 1 and draw(st.integers(0, 4)) == 0:
            letters.insert(draw(st.integers(1, len(letters) - 1)), draw(st.sampled_from(["'", "\u2019"])))
        out.append("".join(letters))
    separators = st.sampled_from([" ", "  ", ", ", " - ", ". ", " / ", " & ", "\t", "\u00a0", " (", ") "])
    return (
        draw(st.sampled_from(["", " ", "("]))
        + "".join(w + (draw(separators) if i < len(out) - 1 else "") for i, w in enumerate(out))
        + draw(st.sampled_from(["", ".", " ", ")"]))
    )


@fuzz(300)
@given(maybe_text)
def test_identity_text_is_lower_case_ascii_and_idempotent(value: str | None) -> None:
    """Lower-case ASCII letters, digits and single inner spaces; folding twice changes nothing."""
    folded = identity_text(value)
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", folded)
    assert identity_text(folded) == folded


@fuzz(110)
@given(words.flatmap(lambda parts: st.tuples(st.just(parts), disguised(parts))))
def test_identity_text_ignores_case_accents_punctuation_and_spacing(item: tuple[list[str], str]) -> None:
    """Two spellings that differ only in case, accents, punctuation and spacing fold to the same text."""
    parts, variant = item
    assert identity_text(variant) == " ".join(parts)


# --- link keys: the SQL of pipeline.link.build on any stored text ----------------------------------------


def is_utf8(text: str | None) -> bool:
    """Whether DuckDB can store the text: every stored listing's text is valid UTF-8."""
    return text is None or not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


stored_text = st.none() | cell_text


@fuzz(300)
@given(st.lists(stored_text, min_size=1, max_size=8))
def test_sql_folding_is_identity_text(values: list[str | None]) -> None:
    """The keys' folding in SQL (ASCII in SQL, the rest through identity_text) equals identity_text."""
    assert identity_folds(values) == [identity_text(v) for v in values]


@fuzz(150)
@given(stored_text)
def test_link_keys_of_any_text(value: str | None) -> None:
    """street_key and name_key are folded text and idempotent; website_site is a lower-case host or ""."""
    [keys] = listing_keys([LinkInput("x", "x", value, street=value, website=value)])
    for key in (keys.street, keys.name):
        assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", key)
    [again] = listing_keys([LinkInput("x", "x", keys.name, street=keys.street)])
    assert (again.street, again.name) == (keys.street, keys.name)
    assert keys.site == keys.site.lower()


@fuzz(80)
@given(words.flatmap(lambda parts: st.tuples(st.just(parts), disguised(parts))))
def test_link_keys_ignore_case_accents_punctuation_and_spacing(item: tuple[list[str], str]) -> None:
    """Street and name keys of two spellings of one address or name are equal."""
    parts, variant = item
    plain = " ".join(parts)
    disguised_keys, plain_keys = listing_keys(
        [LinkInput("a", "x", variant, street=variant), LinkInput("b", "x", plain, street=plain)]
    )
    assert (disguised_keys.street, disguised_keys.name) == (plain_keys.street, plain_keys.name)


urls = st.sampled_from(
    [
        "http://[x",
        "https://[::1",
        "//[",
        "http://a:b@[",
        "http://x:99999999",
        "WWW.Example.ORG/iop",
        "https://www.x.org",
    ]
) | st.builds("{}://{}".format, st.sampled_from(["http", "https", "HTTP", "ftp"]), any_text)


@fuzz(220)
@given(urls.filter(is_utf8))
def test_website_site_of_any_url_is_a_lower_case_host_or_empty(url: str) -> None:
    """Never raises, even on a host no URL parser can read ("http://[x")."""
    site = website_site(url)
    assert site == site.lower()
    assert not any(c in site for c in "/?#@:[]")
    if site.startswith("www."):
        assert "www.www." in url.lower()  # only one "www." is taken off


latitudes, longitudes = st.floats(-90, 90), st.floats(-180, 180)


@fuzz(380)
@given(st.tuples(latitudes, longitudes), st.tuples(latitudes, longitudes))
def test_distance_is_a_symmetric_length_on_the_globe(a: tuple[float, float], b: tuple[float, float]) -> None:
    """Never raises for real coordinates; 0 <= d <= half the circumference; d(a, b) == d(b, a); d(a, a) == 0."""
    d = distance_m(a, b)
    assert d is not None and 0 <= d <= 3.1416 * 6_371_000
    assert d == pytest.approx(distance_m(b, a), abs=1e-6)
    assert distance_m(a, a) == 0
    assert distance_m(None, b) is None and distance_m(a, None) is None


# --- normalizers, end to end ----------------------------------------------------------------------------

NO_CODES = CodeReference(())
phone_cells = st.none() | nanp_phone().map(lambda p: p[0]) | st.sampled_from(PLACEHOLDER_PHONES) | cell_text
state_cells = (
    st.none() | st.sampled_from(["VA", "ny", " Ca ", "D.C.", "PR", "XX", "", "<b>VA</b>", "\uff36\uff21"]) | cell_text
)
zip_cells = (
    st.none()
    | st.from_regex(r"\A[0-9]{4,5}(-[0-9]{4})?\Z")
    | st.sampled_from(["\u0662\u0662\u0669\u0660\u0662", "\uff12\uff12\uff19\uff10\uff12"])
    | cell_text
)
name_cells = (
    st.none()
    | st.sampled_from(["Region Ten IOP", "<b>Acme</b> Recovery", "---", "\u200b", "<br>", "A" * 400, "Caf\u00e9 IOP"])
    | cell_text
)
code_info_cells = st.none() | code_lists.flatmap(spaced) | cell_text
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def check_listing(listing: Listing) -> None:
    """A returned listing must survive facts and the Parquet row, and hold only clean values."""
    facts = with_facts(listing)
    row = listing_row(facts, 1)
    assert set(row) == set(LISTING_SCHEMA.names)
    pa.Table.from_pylist([row], schema=LISTING_SCHEMA)  # what normalization writes; fails on bad text
    assert listing.state is None or listing.state in US_STATES
    assert listing.zip5 is None or re.fullmatch(r"[0-9]{5}", listing.zip5)
    assert all(E164.fullmatch(p.e164) for p in listing.phones)
    for text in (listing.name, listing.name2, listing.street, listing.street2, listing.city):
        assert text is None or clean_text(text) == text


Normalizer = Callable[[RawRecord, CodeReference, str], Listing]


def normalized(normalizer: Normalizer, codes: CodeReference, record: Callable[[], RawRecord]) -> None:
    """Read a row as the pipeline does: only RejectRow and ValidationError may escape; a listing must check out."""
    try:
        listing = normalizer(record(), codes, "run-1")
    except (RejectRow, ValidationError):
        return
    check_listing(listing)


def present(fields: dict[str, Any]) -> dict[str, str | None]:
    """The row without its missing cells."""
    return {k: v for k, v in fields.items() if v is not ...}


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A cell that is sometimes missing from the row (`...`)."""
    return st.just(...) | strategy


samhsa_rows = st.fixed_dictionaries(
    {
        "Name1": optional(name_cells),
        "Name2": optional(name_cells),
        "Street1": optional(cell_text),
        "Street2": optional(st.none() | cell_text),
        "City": optional(cell_text),
        "State": optional(state_cells),
        "Zip": optional(zip_cells),
        "Phone": optional(phone_cells),
        "Intake1": optional(phone_cells),
        "Intake1a": optional(phone_cells),
        "Intake2": optional(phone_cells),
        "Service_code_info": optional(code_info_cells),
        "extra column": optional(cell_text),
    }
).map(present)


@fuzz(80)
@given(samhsa_rows, st.sampled_from(["su", "mh"]))
def test_samhsa_rows_become_listings_or_rejects(fields: dict[str, str | None], kind: str) -> None:
    """A SAMHSA directory row of any content is a checked listing, or RejectRow / ValidationError."""
    normalized(
        samhsa.normalize_facility, reference(kind), lambda: raw_record("samhsa_facility", f"samhsa_{kind}", fields)
    )


OMH_CATEGORIES = ["Outpatient", "Residential", "Inpatient", "Support", "Emergency"]
OMH_SUBCATEGORIES = ["Partial Hospitalization", "Day Treatment", "Clinic Treatment", "Crisis  Intervention"]
ny_omh_rows = st.fixed_dictionaries(
    {
        " Facility Code": optional(st.none() | st.sampled_from(["1001", " 7 "]) | cell_text),
        " Program Code": optional(st.none() | st.sampled_from(["20", "x"]) | cell_text),
        " Program Name": optional(name_cells),
        "facility_name": optional(name_cells),
        " Agency Name": optional(name_cells),
        "Program Address 1": optional(cell_text),
        " Program City": optional(cell_text),
        " Program State": optional(state_cells),
        " Program Zip": optional(zip_cells),
        " Program Phone": optional(phone_cells),
        "agency_phone": optional(phone_cells),
        " Populations Served": optional(
            st.none() | st.sampled_from(["Children Adolescents Adults", "Adults & Children", "Seniors"]) | cell_text
        ),
        " Program Category Description": optional(st.none() | st.sampled_from(OMH_CATEGORIES) | cell_text),
        " Program Subcategory Description": optional(st.none() | st.sampled_from(OMH_SUBCATEGORIES) | cell_text),
        " Program Type Description": optional(st.none() | st.sampled_from(["Geriatric Clinic"]) | cell_text),
        " Georeference": optional(
            st.none()
            | st.builds("POINT ({} {})".format, st.floats(allow_nan=True), st.floats(allow_nan=True))
            | st.sampled_from(["POINT (-75.59655 42.921241)", "POINT (-73.9 40.7)", "POINT(1e400 5)"])
            | cell_text
        ),
        "program_name": optional(name_cells),  # the same column again, under its API name
    }
).map(present)


@fuzz(80)
@given(ny_omh_rows)
def test_ny_omh_rows_become_listings_or_rejects(fields: dict[str, str | None]) -> None:
    """A NY OMH program row of any content is a checked listing, or RejectRow / ValidationError."""
    normalized(ny_omh.normalize_program, NO_CODES, lambda: raw_record(ny_omh.RECORD_TYPE, "ny_omh", fields))


service_entries = st.lists(
    st.fixed_dictionaries(
        {"f1": json_values, "f2": categories | json_values},
        optional={
            "f3": st.lists(st.sampled_from(KNOWN_LABELS) | st.text(max_size=20), max_size=5).map("; ".join)
            | json_values
        },
    ),
    max_size=6,
)
findtreatment_rows = st.fixed_dictionaries(
    {
        "frid": optional(st.none() | st.sampled_from(["811a908f", ""]) | cell_text),
        "name1": optional(name_cells),
        "name": optional(name_cells),
        "name2": optional(name_cells),
        "street1": optional(cell_text),
        "city": optional(cell_text),
        "state": optional(state_cells),
        "zip": optional(zip_cells),
        "phone": optional(phone_cells),
        "intake1": optional(phone_cells),
        "website": optional(st.none() | urls | cell_text),
        "latitude": optional(
            st.none() | st.floats().map(str) | st.sampled_from(["38.03", "nan", "1e400", "٣٨"]) | cell_text
        ),
        "longitude": optional(
            st.none() | st.floats().map(str) | st.sampled_from(["-78.47", "-inf", "78.47"]) | cell_text
        ),
        "services": optional(st.none() | service_entries.map(json.dumps) | json_values.map(json.dumps) | cell_text),
        "all_services": optional(
            st.none() | st.lists(st.sampled_from(KNOWN_LABELS), max_size=5).map("; ".join) | cell_text
        ),
        "miles": optional(cell_text),
    }
).map(present)


@fuzz(80)
@given(findtreatment_rows)
def test_findtreatment_rows_become_listings_or_rejects(fields: dict[str, str | None]) -> None:
    """A FindTreatment.gov row of any content is a checked listing, or RejectRow / ValidationError."""
    normalized(
        findtreatment.normalize_facility,
        NO_CODES,
        lambda: raw_record("findtreatment_facility", "findtreatment", fields),
    )


organisations = st.fixed_dictionaries(
    {},
    optional={
        "@type": st.just("MedicalClinic"),
        "name": st.sampled_from(["Alpha Health", ""]) | json_values,
        "telephone": phone_cells | json_values,
        "address": json_values
        | st.fixed_dictionaries(
            {},
            optional={
                "streetAddress": cell_text | json_values,
                "addressLocality": cell_text | json_values,
                "addressRegion": state_cells | json_values,
                "postalCode": zip_cells | st.integers(0, 99_999) | json_values,
            },
        ),
    },
)
program_page_rows = st.fixed_dictionaries(
    {
        "site": optional(st.none() | cell_text),
        "program_name": optional(name_cells),
        "heading_level": optional(st.none() | st.sampled_from([level.value for level in LevelOfCare]) | cell_text),
        "schedule_text": optional(
            st.none() | schedule().map(lambda s: s[0]) | hours_text.filter(lambda t: "\ud800" not in t)
        ),
        "json_ld": optional(
            st.none() | st.lists(organisations, max_size=3).map(json.dumps) | json_values.map(json.dumps) | cell_text
        ),
    }
).map(present)


PAGE = ("program_section", "program_pages")


@fuzz(80)
@given(program_page_rows)
def test_program_page_sections_become_listings_or_rejects(fields: dict[str, str | None]) -> None:
    """A program section of any content is a checked listing, or RejectRow / ValidationError."""
    normalized(
        program_pages.normalize_section, NO_CODES, lambda: raw_record(*PAGE, fields, "https://alpha.example/iop")
    )


# --- JSON that Python's json module cannot load ------------------------------------------------------------

#: json.loads raises ValueError, but not JSONDecodeError, for an integer of more than 4,300 digits,
#: and RecursionError, no ValueError at all, for deep nesting. Both fit in a raw cell.
JSON_TRAPS = {"huge integer": "[" + "1" * 5_000 + "]", "deep nesting": "[" * 5_000 + "]" * 5_000}
#: The huge integer once escaped the readers that caught only JSONDecodeError and stopped the
#: whole normalization; they catch ValueError, its base class, now.


@pytest.mark.parametrize(
    "json_ld",
    [
        pytest.param(JSON_TRAPS["huge integer"], id="huge integer"),
        pytest.param(JSON_TRAPS["deep nesting"], id="deep nesting"),
    ],
)
def test_program_page_json_ld_that_python_cannot_load_is_rejected(json_ld: str) -> None:
    fields = {"program_name": "IOP", "schedule_text": "3 days a week", "json_ld": json_ld}
    normalized(program_pages.normalize_section, NO_CODES, lambda: raw_record(*PAGE, fields))


@pytest.mark.parametrize("services", JSON_TRAPS.values(), ids=JSON_TRAPS.keys())
def test_findtreatment_services_that_python_cannot_load_are_rejected(services: str) -> None:
    fields = {"name1": "A", "state": "VA", "services": services}
    normalized(
        findtreatment.normalize_facility,
        NO_CODES,
        lambda: raw_record("findtreatment_facility", "findtreatment", fields),
    )


def test_a_crawl_line_with_a_huge_integer_is_rejected_not_fatal(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"record_type": "x", "n": ' + "1" * 5_000 + "}\n", encoding="utf-8")
    result = normalize_file(items, tmp_path / "out", "run-1")
    assert result.counts["unknown"].seen == 1
