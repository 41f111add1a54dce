"""Texts for the hours engine: schedule words and soup, and a schedule grammar that knows the hours it writes."""

from itertools import pairwise

from hypothesis import strategies as st

from schemas.vocab import HoursBasis
from tests.strategies import Draw
from tests.strategies.text import ODD, any_text, digit_soup

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

# --- the hours engine: texts from a schedule grammar, with their hours ----------------------------------
#
# Only phrasings docs/hours.md documents, each with one reading: the generator knows the hours.

DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
DAY_ABBREVIATIONS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"]


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
