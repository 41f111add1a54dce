"""Find the pieces a schedule is made of in normalized text (see `textnorm`).

Each `Mention` is one reading with its position: a stated weekly total, hours per day or session,
a count of days or sessions per week, a set of week days, a clock span, or the name of a level of
care. `estimate` combines them; nothing here adds or multiplies.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from pipeline.hours.model import DAY_MINUTES, WEEK_HOURS, Interval

# Upper limits of single readings; larger figures are something else (24/7 lines, annual totals).
MAX_HOURS_PER_DAY = 16.0
MAX_DAYS_PER_WEEK = 7
MAX_SESSIONS_PER_WEEK = 21


class Kind(StrEnum):
    """What a mention says."""

    WEEKLY = "weekly"  # stated hours per week
    PER_DAY = "per_day"  # hours per day or per session
    COUNT = "count"  # days or sessions per week
    DAYS = "days"  # a set of week days
    SPAN = "span"  # a clock span
    PROGRAM = "program"  # a level of care named in the text


@dataclass(frozen=True)
class Mention:
    """One reading at normalized offsets [start, end) of sentence `sentence`."""

    kind: Kind
    start: int
    end: int
    sentence: int = 0
    value: Interval | None = None
    days: frozenset[int] = frozenset()
    span: tuple[int, int] | None = None
    program: str | None = None
    also: tuple[tuple[int, int], ...] = ()  # further evidence, e.g. the start time of a start/end span


_OPEN_MIN = (
    "at least|a minimum of|minimum of|a min of|min of|no less than|not less than|no fewer than|not fewer than"
    "|more than|over|in excess of|upwards of"
)
_OPEN_MAX = "up to|a maximum of|maximum of|max of|no more than|not more than|less than|fewer than|under|as many as"
_POINT = (
    "about|around|approximately|approx|roughly|typically|usually|generally|on average|an average of|average of"
    "|nearly|almost|close to|closer to|some|a total of|total of|totaling|totalling|between|from"
)
_PRE = re.compile(rf"(?:{_OPEN_MIN})$")
_PRE_MAX = re.compile(rf"(?:{_OPEN_MAX})$")


def _q(suffix: str = "") -> str:
    """A quantity: optional hedge, a number or range, optional open-bound suffix."""
    s = suffix
    return (
        rf"(?:(?P<pre{s}>{_OPEN_MIN}|{_OPEN_MAX}|{_POINT})\s+)?(?<![\d.:/-])"
        rf"(?P<a{s}>\d+(?:\.\d+)?)(?:\s*(?:-|to|or|/|and)\s*(?P<b{s}>\d+(?:\.\d+)?))?(?![\d:])"
        rf"(?:\s*(?P<post{s}>or more|or longer|or greater|or above|or less|or fewer|\+|plus))?"
    )


_Q = _q()
_HOURS = r"(?:hours?|hrs?|h)(?![a-z])"
_WEEK_TAIL = r"(?:(?:per|a|each|every|an?|in a|in one|/)\s*(?:week|wk)(?![a-z])|weekly(?![a-z]))"
_NOT_WEEK_AHEAD = rf"(?!\s*(?:[a-z,]+\s+){{0,4}}?{_WEEK_TAIL}|\s*/\s*(?:week|wk))"
_DAY_UNITS = r"(?:days?|evenings?|nights?|mornings?|afternoons?)"
_SESSION_UNITS = r"(?:times?|sessions?|groups?|visits?|classes?|meetings?|x)"
# Words that make "N hours ... per week" a per-day or per-session figure instead of a weekly one.
_NOT_WEEKLY_FILL = re.compile(
    r"\b(?:days?|daily|sessions?|evenings?|nights?|mornings?|afternoons?|blocks?|visits?|classes?|shifts?)\b"
)

_WEEKLY = [
    re.compile(
        rf"{_Q}\s*-?\s*(?:(?!days?\b|sessions?\b|times?\b|evenings?\b|per\b|a\b|each\b)[a-z]+\s+)?{_HOURS}"
        rf"(?P<fill>[^.;:!?\d|]{{0,60}}?)(?:\b|(?=/)){_WEEK_TAIL}"
    ),
    re.compile(rf"{_Q}\s*-?\s*{_HOURS}\s*/\s*(?:week|wk)(?![a-z])"),
    re.compile(rf"\bweekly\s+(?:total|minimum|maximum|commitment|hours)\s*(?:of|is|:|=)?\s*{_Q}\s*{_HOURS}?"),
]

_DAY_WORD = (
    r"(?:mondays?|mon|tuesdays?|tues|tue|wednesdays?|weds|wed|thursdays?|thurs|thur|thu|fridays?|fri|saturdays?|sat"
    r"|sundays?|sun)"
)
_PER_DAY = [
    re.compile(
        rf"{_Q}\s*-?\s*{_HOURS}(?P<fill>[^.;:!?\d|]{{0,25}}?)(?:\b|(?=/))(?:per|a|each|every|an?|/)\s*"
        r"(?:program\s+|treatment\s+|group\s+)?(?:day|session|evening|night|morning|afternoon|meeting|visit|group"
        r"|class|block)(?![a-z])"
    ),
    re.compile(rf"{_Q}\s*-?\s*{_HOURS}\s+daily(?![a-z])"),
    re.compile(
        rf"{_Q}\s*-?\s*{_HOURS}(?:\s+|-)(?:(?!per\b|a\b|each\b|every\b|of\b|in\b|on\b)[a-z-]+\s+){{0,2}}?"
        r"(?:sessions?|blocks?|days?|groups?|classes?|meetings?|shifts?)(?![a-z])"
    ),
    re.compile(rf"\bfor\s+{_Q}\s*-?\s*{_HOURS}{_NOT_WEEK_AHEAD}"),
    re.compile(rf"{_Q}\s*-?\s*{_HOURS}\s+(?:on|each|every)\s+(?={_DAY_WORD}|weekdays?\b)"),
    re.compile(
        r"\b(?:sessions?|groups?|days?|classes?|blocks?|meetings?|programming|program day|treatment day)\s+"
        rf"(?:are|is|last|lasts|run|runs|take|takes|of|consists? of)\s+{_Q}\s*-?\s*{_HOURS}{_NOT_WEEK_AHEAD}"
    ),
    re.compile(rf"\b(?:lasting|that lasts?|which lasts?)\s+{_Q}\s*-?\s*{_HOURS}{_NOT_WEEK_AHEAD}"),
]

_COUNT = re.compile(
    rf"{_Q}\s*(?:(?:\d+(?:\.\d+)?-{_HOURS}|(?!hours?\b|hrs?\b|minutes?\b|weeks?\b)[a-z]+)\s+){{0,2}}?"
    rf"(?P<unit>{_DAY_UNITS}|{_SESSION_UNITS})\s*(?:{_WEEK_TAIL}|/\s*(?:week|wk)(?![a-z]))"
)

_DAY_RANGE = rf"{_DAY_WORD}(?![a-z])(?:\s*(?:-|to|through|thru|till|until)\s*{_DAY_WORD}(?![a-z]))?"
_DAYS = re.compile(
    rf"\b{_DAY_RANGE}(?:\s*(?:,\s*and|,\s*&|,|/|&|\+|and)\s*{_DAY_RANGE})*"
    r"|\b(?:weekdays?|weekends?)(?![a-z])"
    r"|\bm\s*-\s*(?:f|th|r)(?![a-z])"
    r"|\b(?:m|tu|t|w|th|r|f)(?:\s*(?:/|,|&|,?\s*and)\s*(?:m|tu|t|w|th|r|f)(?![a-z]))+(?![a-z])"
    r"|\b(?:mwf|tth|mw)(?![a-z])"
)
_DAY_TOKEN = re.compile(rf"{_DAY_WORD}(?![a-z])|\b(?:m|tu|t|w|th|r|f)\b")
_DAY_SEP = re.compile(r"\s*(?:-|to|through|thru|till|until)\s*$")
_DAY_INDEX = {"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}
_LETTER_INDEX = {"m": 0, "t": 1, "tu": 1, "w": 2, "th": 3, "r": 3, "f": 4}

_TIME = r"(?P<h{n}>\d{{1,2}})(?::(?P<m{n}>\d{{2}}))?\s*(?P<ap{n}>am|pm)?"
_SPAN = re.compile(
    r"(?:\b(?P<lead>from|between(?: the hours of)?)\s+)?(?<![\d.:/$-])"
    + _TIME.format(n=1)
    + r"\s*(?P<sep>-|to|until|till|til|through|thru|and)\s*"
    + _TIME.format(n=2)
    + r"(?![\d:]|\s*(?:days?|hours?|hrs?|weeks?|times?|sessions?|years?|months?|%|-))"
)

_AGES = re.compile(r"\b(?:ages?|aged|grades?|years)\s*$")
_ADJACENT = re.compile(r"^\s*(?:,|:|from|on)?\s*$")
_POINT_TIME = r"(?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?\s*(?P<ap1>am|pm)?(?![\d:])"
_START = re.compile(
    r"\b(?:begins?|starts?|starting|beginning|commences?|arrive|arrival is)\s+"
    rf"(?:at\s+|by\s+)?(?:around\s+)?{_POINT_TIME}"
)
_END = re.compile(
    r"\b(?:ends?|ending|finish(?:es)?|finishing|concludes?|wraps? up|dismissed|dismissal is|leave|out)\s+"
    rf"(?:\w+\s+){{0,2}}?(?:at|by|around)\s+{_POINT_TIME}"
)

_PROGRAM = re.compile(
    r"(?P<php>partial[- ]hospital\w*|\bphps?\b|\bday hospital|\bday treatment|\bhigh[- ]intensity outpatient|\bhiop\b)"
    r"|(?P<iop>\bintensive outpatient|\bintense outpatient|\biops?\b|\bi\.o\.p\b\.?|\beiop\b|\bdiop\b)"
    r"|(?P<op>\boutpatient\b)"
    r"|(?P<residential>\bresidential\b|\binpatient\b)"
)

_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n|\|")


def sentence_bounds(text: str) -> list[int]:
    """Offsets where sentences end (a sentence i covers bounds[i-1]..bounds[i])."""
    bounds = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not bounds or bounds[-1] < len(text):
        bounds.append(len(text))
    return bounds


def _sentence_of(bounds: list[int], position: int) -> int:
    for index, end in enumerate(bounds):
        if position < end:
            return index
    return len(bounds) - 1


def _quantity(match: re.Match[str], suffix: str = "") -> Interval:
    a = float(match["a" + suffix])
    b = float(match["b" + suffix]) if match["b" + suffix] else a
    lo, hi = min(a, b), max(a, b)
    pre = match["pre" + suffix]
    post = match["post" + suffix]
    if (pre and _PRE.match(pre)) or post in {"or more", "or longer", "or greater", "or above", "+", "plus"}:
        return Interval(lo, None)
    if (pre and _PRE_MAX.match(pre)) or post in {"or less", "or fewer"}:
        return Interval(None, hi)
    return Interval(lo, hi)


def day_set(text: str) -> frozenset[int]:
    """Week days (0 = Monday) named by a normalized day expression ("monday-friday", "m/w/f")."""
    if text.startswith("weekday"):
        return frozenset(range(5))
    if text.startswith("weekend"):
        return frozenset({5, 6})
    if text in {"mwf", "tth", "mw"}:
        return frozenset({"mwf": {0, 2, 4}, "tth": {1, 3}, "mw": {0, 2}}[text])
    days: set[int] = set()
    previous: int | None = None
    position = 0
    for token in _DAY_TOKEN.finditer(text):
        word = token.group(0)
        day = _LETTER_INDEX[word] if word in _LETTER_INDEX else _DAY_INDEX[word[:2]]
        if previous is not None and _DAY_SEP.search(text[position : token.start()]):
            # Day ranges are inclusive and may wrap the week end ("Friday through Monday").
            span = (day - previous) % 7
            days.update((previous + i) % 7 for i in range(span + 1))
        else:
            days.add(day)
        previous = day
        position = token.end()
    return frozenset(days)


def _clock(h: int, meridiem: str | None) -> int:
    """Minutes after midnight of an hour:minute in minutes with an am/pm marker."""
    if meridiem == "am":
        return h - 12 * 60 if h >= 12 * 60 else h
    if meridiem == "pm":
        return h if h >= 12 * 60 else h + 12 * 60
    return h


def resolve_span(
    h1: int, m1: int, ap1: str | None, h2: int, m2: int, ap2: str | None, marked: bool
) -> tuple[int, int] | None:
    """Clock span in minutes after midnight from two times with optional am/pm.

    `marked` says whether the text marks the span as clock time (a colon, am/pm, or day names
    next to it); without it "3-5" is a count, not a time. None when not a plausible span.
    """
    if not marked:
        return None
    if h1 > 24 or h2 > 24 or m1 >= 60 or m2 >= 60 or (ap1 and not 1 <= h1 <= 12) or (ap2 and not 1 <= h2 <= 12):
        return None
    t1, t2 = h1 * 60 + m1, h2 * 60 + m2
    if t1 >= DAY_MINUTES or t2 > DAY_MINUTES:
        return None
    if ap1 and ap2:
        start, end = _clock(t1, ap1), _clock(t2, ap2)
    elif ap2:
        # "6 until 9 pm" is 6 pm; "10-1 pm" is 10 am.
        end = _clock(t2, ap2)
        start = _clock(t1, ap2)
        if start >= end:
            start = _clock(t1, "am" if ap2 == "pm" else "pm")
    elif ap1:
        start = _clock(t1, ap1)
        end = _clock(t2, ap1)
        if end <= start:
            end = _clock(t2, "pm" if ap1 == "am" else "am")
    else:
        start, end = t1, t2
        if h1 <= 12 and h2 <= 12 and end <= start:
            end += 12 * 60  # "9:00-3:00" runs from morning to afternoon
    if end <= start:
        end += DAY_MINUTES  # over midnight
    if not 0 < end - start <= MAX_HOURS_PER_DAY * 60:
        return None
    return start, end


def _span(match: re.Match[str], next_to_days: bool) -> tuple[int, int] | None:
    if match["sep"] == "and" and not (match["lead"] or "").startswith("between"):
        return None
    marked = bool(match["m1"] or match["m2"] or match["ap1"] or match["ap2"])
    if not marked:
        # A bare pair is clock time only next to day names, on a 12-hour clock, and not an age range.
        before = match.string[max(0, match.start() - 12) : match.start()]
        marked = next_to_days and int(match["h1"]) <= 12 and int(match["h2"]) <= 12 and not _AGES.search(before)
    return resolve_span(
        int(match["h1"]),
        int(match["m1"] or 0),
        match["ap1"],
        int(match["h2"]),
        int(match["m2"] or 0),
        match["ap2"],
        marked,
    )


def _time_point(match: re.Match[str]) -> tuple[int, int, str | None]:
    return int(match["h1"]), int(match["m1"] or 0), match["ap1"]


def _overlaps(a: Mention, b: Mention) -> bool:
    return a.start < b.end and b.start < a.end


def _start_end_spans(text: str, bounds: list[int], spans: list[Mention]) -> list[Mention]:
    """Spans written as a start and an end ("groups begin at 10 a.m." ... "finish by 1 p.m.")."""
    ends = [m for m in _END.finditer(text) if m["m1"] or m["ap1"]]
    if not ends:
        return []
    starts = [m for m in _START.finditer(text) if m["m1"] or m["ap1"]]
    found: list[Mention] = []
    for end in ends:
        if any(s.start < end.end() and end.start() < s.end for s in spans):
            continue
        start = min(starts, key=lambda s: abs(s.start() - end.start()), default=None)
        if start is None:
            continue
        h1, m1, ap1 = _time_point(start)
        h2, m2, ap2 = _time_point(end)
        span = resolve_span(h1, m1, ap1, h2, m2, ap2, marked=True)
        if span:
            found.append(
                Mention(
                    Kind.SPAN,
                    end.start(),
                    end.end(),
                    _sentence_of(bounds, end.start()),
                    span=span,
                    also=(start.span(),),
                )
            )
    return found


def find_mentions(text: str) -> list[Mention]:
    """All mentions in normalized `text`, ordered by position."""
    bounds = sentence_bounds(text)
    found: list[Mention] = []

    def add(kind: Kind, match: re.Match[str], **values: object) -> None:
        found.append(
            Mention(kind, match.start(), match.end(), _sentence_of(bounds, match.start()), **values)  # type: ignore[arg-type]
        )

    weekly: list[Mention] = []
    for pattern in _WEEKLY:
        for match in pattern.finditer(text):
            fill = match.groupdict().get("fill") or ""
            if _NOT_WEEKLY_FILL.search(fill):
                continue
            value = _quantity(match)
            if value.within(0, WEEK_HOURS):
                mention = Mention(Kind.WEEKLY, match.start(), match.end(), _sentence_of(bounds, match.start()), value)
                if not any(_overlaps(mention, m) for m in weekly):
                    weekly.append(mention)
    found += weekly

    per_day: list[Mention] = []
    for pattern in _PER_DAY:
        for match in pattern.finditer(text):
            fill = match.groupdict().get("fill") or ""
            if "week" in fill:
                continue
            value = _quantity(match)
            mention = Mention(Kind.PER_DAY, match.start(), match.end(), _sentence_of(bounds, match.start()), value)
            if value.within(0, MAX_HOURS_PER_DAY) and not any(_overlaps(mention, m) for m in weekly + per_day):
                per_day.append(mention)
    found += per_day

    for match in _COUNT.finditer(text):
        value = _quantity(match)
        limit = MAX_SESSIONS_PER_WEEK if re.match(_SESSION_UNITS, match["unit"]) else MAX_DAYS_PER_WEEK
        if value.within(0, limit):
            add(Kind.COUNT, match, value=value)

    for match in _DAYS.finditer(text):
        days = day_set(match.group(0))
        if days:
            add(Kind.DAYS, match, days=days)

    day_mentions = [m for m in found if m.kind is Kind.DAYS]
    spans: list[Mention] = []
    for match in _SPAN.finditer(text):
        # A bare "9-12" is clock time only right next to day names ("M-F 9-3", "9-12 Monday").
        next_to_days = any(
            _ADJACENT.match(text[d.end : match.start()]) or _ADJACENT.match(text[match.end() : d.start])
            for d in day_mentions
            if d.end <= match.start() or d.start >= match.end()
        )
        span = _span(match, next_to_days)
        if span:
            spans.append(Mention(Kind.SPAN, match.start(), match.end(), _sentence_of(bounds, match.start()), span=span))
    found += spans
    found += _start_end_spans(text, bounds, spans)

    for match in _PROGRAM.finditer(text):
        add(Kind.PROGRAM, match, program=match.lastgroup)

    found.sort(key=lambda m: (m.start, m.end))
    return found
