"""Find the pieces a schedule is made of in normalized text (see `textnorm`).

Each `Mention` is one reading with its position: a stated weekly total, hours per day or session,
a count of days or sessions per week, a set of week days, a clock span, or the name of a level of
care. `estimate` combines them; nothing here adds or multiplies.
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate

from pipeline.hours.model import DAY_MINUTES, WEEK_HOURS, Interval
from schemas.level_names import LEVEL_NAMES, PHP_CUES

# Upper limits of single readings; larger figures are something else (24/7 lines, annual totals).
MAX_HOURS_PER_DAY = 16.0
MAX_DAYS_PER_WEEK = 7
MAX_SESSIONS_PER_WEEK = 21
# A bare "2-3 hours" beside days or a day count is a session length only up to this; larger bare
# figures could as well be weekly totals.
MAX_BARE_SESSION_HOURS = 5.0


class Kind(StrEnum):
    """What a mention says."""

    WEEKLY = "weekly"  # stated hours per week
    PER_DAY = "per_day"  # hours per day or per session
    COUNT = "count"  # days or sessions per week
    DAYS = "days"  # a set of week days
    SPAN = "span"  # a clock span
    PROGRAM = "program"  # a level of care named in the text
    CUE = "cue"  # a phrase that puts a program at PHP intensity ("hot lunch provided")


@dataclass(slots=True)
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
    "|nearly|almost|close to|closer to|some|a total of|total of|totaling|totalling|between|from|approx\\."
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


# Most patterns start at a number. They are tried only where a number starts (see
# `find_mentions`), and the hedge in front ("at least", "about") is read backwards from there: a
# scan of every position for an optional hedge costs several times more.
_CORE = (
    r"(?P<a>\d+(?:\.\d+)?)(?:\s*(?:-|to|or|/|and)\s*(?P<b>\d+(?:\.\d+)?))?(?![\d:])"
    r"(?:\s*(?P<post>or more|or longer|or greater|or above|or less|or fewer|\+|plus))?"
)


def _phrases(*alternations: str) -> tuple[str, ...]:
    """The words of "a|b|c" alternations, longest first, each with the space that follows it."""
    words = {w.replace("\\", "") for alternation in alternations for w in alternation.split("|")}
    return tuple(sorted((w + " " for w in words), key=len, reverse=True))


_HEDGES = _phrases(_OPEN_MIN, _OPEN_MAX, _POINT)
_FOR = ("for ",)
_LEADS = _phrases("from|between|between the hours of")


def phrase_before(text: str, position: int, phrases: tuple[str, ...]) -> str | None:
    """The phrase of `phrases` (each ending in a space) that ends at `position` on a word boundary.

    A backwards regex search costs a scan of every start in its window; `str.endswith` with a
    tuple does the same test in C. Normalized text has single spaces, so one form per phrase works.
    """
    if not text.endswith(phrases, 0, position):
        return None
    for phrase in phrases:
        start = position - len(phrase)
        if text.endswith(phrase, 0, position) and (start == 0 or not text[start - 1].isalnum()):
            return phrase
    return None


_NUMBER = re.compile(r"\d+")
_NOT_NUMBER_START = frozenset(".:/$-")

_Q = _q()
_HOURS = r"(?:hours?|hrs?|h)(?![a-z])"
_WEEK_TAIL = r"(?:(?:per|a|each|every|an?|in a|in one|/)\s*(?:week|wk)(?![a-z])|weekly(?![a-z]))"
_NOT_WEEK_AHEAD = rf"(?!\s*(?:[a-z,]+\s+){{0,4}}?{_WEEK_TAIL}|\s*/\s*(?:week|wk))"
_DAY_UNITS = r"(?:days?|evenings?|nights?|mornings?|afternoons?)"
_DAY_UNIT_STEMS = ("day", "evening", "night", "morning", "afternoon")
_SESSION_UNITS = r"(?:times?|sessions?|groups?|visits?|classes?|meetings?|x)"
# Words that make "N hours ... per week" a per-day or per-session figure instead of a weekly one.
_NOT_WEEKLY_FILL = re.compile(
    r"\b(?:days?|daily|sessions?|evenings?|nights?|mornings?|afternoons?|blocks?|visits?|classes?|shifts?)\b"
)

_WEEKLY = [re.compile(rf"\bweekly\s+(?:total|minimum|maximum|commitment|hours)\s*(?:of|is|:|=)?\s*{_Q}\s*{_HOURS}?")]

_DAY_WORD = (
    r"(?:mondays?|mon|tuesdays?|tues|tue|wednesdays?|weds|wed|thursdays?|thurs|thur|thu|fridays?|fri|saturdays?|sat"
    r"|sundays?|sun)"
)
# "N hours" is read once per number; the tails below then say what the hours are per.
_HOURS_HEAD = re.compile(
    rf"{_CORE}\s*-?\s*(?P<adj>(?!days?\b|sessions?\b|times?\b|evenings?\b|per\b|a\b|each\b)[a-z]+\s+)?{_HOURS}"
)
_WEEKLY_TAIL = re.compile(rf"(?P<fill>[^.;:!?\d|]{{0,60}}?)(?:\b|(?=/)){_WEEK_TAIL}")
# (tail, needs "for" in front of the number)
_PER_DAY_TAILS = [
    (
        re.compile(
            r"(?P<fill>[^.;:!?\d|]{0,25}?)(?:\b|(?=/))(?:per|a|each|every|an?|/)\s*"
            r"(?:program\s+|treatment\s+|group\s+)?(?:day|session|evening|night|morning|afternoon|meeting|visit"
            r"|group|class|block)(?![a-z])"
        ),
        False,
    ),
    (re.compile(r"\s+daily(?![a-z])"), False),
    (
        re.compile(
            r"(?:\s+|-)(?:(?!per\b|a\b|each\b|every\b|of\b|in\b|on\b)[a-z-]+\s+){0,2}?"
            r"(?:sessions?|blocks?|days?|groups?|classes?|meetings?|shifts?)(?![a-z])"
        ),
        False,
    ),
    (re.compile(rf"\s+(?:on|each|every)\s+(?={_DAY_WORD}|weekdays?\b)"), False),
    (re.compile(_NOT_WEEK_AHEAD), True),
]
_NOT_WEEK = _PER_DAY_TAILS[-1][0]
# "groups are 3 hours", "each lasting 3 hours": the unit is named before the number.
# "groups are 3 hours", "each lasting 3 hours": the unit is named before the number.
_UNIT_NOUNS = (
    "session",
    "sessions",
    "group",
    "groups",
    "day",
    "days",
    "class",
    "classes",
    "block",
    "blocks",
    "meeting",
    "meetings",
    "programming",
    "program day",
    "treatment day",
)
_UNIT_VERBS = ("are", "is", "last", "lasts", "run", "runs", "take", "takes", "of", "consist of", "consists of")
_UNITS_BEFORE = tuple(
    sorted(
        {f"{noun} {verb} " for noun in _UNIT_NOUNS for verb in _UNIT_VERBS}
        | {"lasting ", "that lasts ", "that last ", "which lasts ", "which last "},
        key=len,
        reverse=True,
    )
)

_COUNT = re.compile(
    rf"{_CORE}\s*(?:(?:\d+(?:\.\d+)?-{_HOURS}|(?!hours?\b|hrs?\b|minutes?\b|weeks?\b)[a-z]+)\s+){{0,2}}?"
    rf"(?P<unit>{_DAY_UNITS}|{_SESSION_UNITS})\s*(?:{_WEEK_TAIL}|/\s*(?:week|wk)(?![a-z]))"
)

_DAY_RANGE = rf"{_DAY_WORD}\.?(?![a-z])(?:\s*(?:-|to|through|thru|till|until)\s*{_DAY_WORD}\.?(?![a-z]))?"
_DAYS = re.compile(
    rf"\b(?=mon|tue|wed|thu|fri|sat|sun|weekday|weekend|m\s*-\s*[ftr]\b|(?:[mtwrf]|th|tu)\s*[/,&]|mwf|tth|mw\b)"
    rf"(?:{_DAY_RANGE}(?:\s*(?:,\s*and|,\s*&|,|/|&|\+|and)\s*{_DAY_RANGE})*"
    r"|(?:weekdays?|weekends?)(?![a-z])"
    r"|m\s*-\s*(?:f|th|r)(?![a-z])"
    r"|(?:m|tu|t|w|th|r|f)(?:\s*(?:/|,|&|,?\s*and)\s*(?:m|tu|t|w|th|r|f)(?![a-z]))+(?![a-z])"
    r"|(?:mwf|tth|mw)(?![a-z]))"
)
_DAY_TOKEN = re.compile(rf"{_DAY_WORD}(?![a-z])|\b(?:m|tu|t|w|th|r|f)\b")
_DAY_SEP = re.compile(r"\s*(?:-|to|through|thru|till|until)\s*$")
_DAY_INDEX = {"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}
_LETTER_INDEX = {"m": 0, "t": 1, "tu": 1, "w": 2, "th": 3, "r": 3, "f": 4}

_TIME = r"(?P<h{n}>\d{{1,2}})(?::(?P<m{n}>\d{{2}}))?\s*(?P<ap{n}>am|pm)?"
_SPAN = re.compile(
    _TIME.format(n=1)
    + r"\s*(?P<sep>-|to|until|till|til|through|thru|and)\s*"
    + _TIME.format(n=2)
    + r"(?![\d:]|\s*(?:days?|hours?|hrs?|weeks?|times?|sessions?|years?|months?|%|-))"
)

_AGES = re.compile(r"\b(?:ages?|aged|grades?|years)\s*$")
_ADJACENT = re.compile(r"\s*(?:,|:|from|on)?\s*")  # the whole gap between a span and day names
_POINT_TIME = r"(?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?\s*(?P<ap1>am|pm)?(?![\d:])"
_START = re.compile(
    r"\b(?:begins?|starts?|starting|beginning|commences?|arrive|arrival is)\s+"
    rf"(?:at\s+|by\s+)?(?:around\s+)?{_POINT_TIME}"
)
_END = re.compile(
    r"\b(?:ends?|ending|finish(?:es)?|finishing|concludes?|wraps? up|dismissed|dismissal is|leave|out)\s+"
    rf"(?:\w+\s+){{0,2}}?(?:at|by|around)\s+{_POINT_TIME}"
)

# A full stop after an abbreviation ("approx.", "Mon.", "e.g.") does not end a sentence.
_ABBREVIATIONS = (
    "e.g",
    "i.e",
    "approx",
    "hrs",
    "hr",
    "mins",
    "min",
    "vs",
    "wks",
    "wk",
    "mon",
    "tues",
    "tue",
    "weds",
    "wed",
    "thurs",
    "thur",
    "thu",
    "fri",
    "sat",
    "sun",
)
_SENTENCE_END = re.compile(r"[.!?;]" + "".join(rf"(?<!\b{re.escape(a)}\.)" for a in _ABBREVIATIONS) + r"(?=\s|$)|\n|\|")


def sentence_bounds(text: str) -> list[int]:
    """Offsets where sentences end (a sentence i covers bounds[i-1]..bounds[i])."""
    bounds = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not bounds or bounds[-1] < len(text):
        bounds.append(len(text))
    return bounds


def _sentence_of(bounds: list[int], position: int) -> int:
    return min(bisect_right(bounds, position), len(bounds) - 1)


def _quantity(match: re.Match[str], pre: str | None = None) -> Interval:
    a = float(match["a"])
    b = float(match["b"]) if match["b"] else a
    lo, hi = min(a, b), max(a, b)
    pre = pre or match.groupdict().get("pre")
    post = match["post"]
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


class _DayIndex:
    """Day-name mentions (disjoint, in text order), to tell whether a span is right next to one."""

    def __init__(self, days: list["Mention"]) -> None:
        self.days = days
        self.starts = [d.start for d in days]
        self.ends = [d.end for d in days]

    def adjacent(self, text: str, start: int, end: int) -> bool:
        """True when only a comma, colon, "from" or "on" separates text[start:end] from day names.

        Only the day names nearest on either side can qualify: a farther one has the nearer one
        in between. Finding them by bisection keeps long pages linear.
        """
        before = bisect_right(self.ends, start) - 1
        if before >= 0 and _ADJACENT.fullmatch(text, self.ends[before], start):
            return True
        after = bisect_left(self.starts, end)
        return after < len(self.days) and _ADJACENT.fullmatch(text, end, self.starts[after]) is not None


def _span(match: re.Match[str], lead: str | None, day_index: _DayIndex) -> tuple[int, int] | None:
    if match["sep"] == "and" and not (lead or "").startswith("between"):
        return None
    marked = bool(match["m1"] or match["m2"] or match["ap1"] or match["ap2"])
    if not marked:
        # A bare "9-12" is clock time only right next to day names ("M-F 9-3", "9-12 Monday"), on a
        # 12-hour clock, and not an age range.
        text, start, end = match.string, match.start(), match.end()
        marked = (
            int(match["h1"]) <= 12
            and int(match["h2"]) <= 12
            and not _AGES.search(text, max(0, start - 12), start)
            and day_index.adjacent(text, start, end)
        )
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


class _Overlap:
    """Whether a span overlaps any of some mentions, by bisection (a scan per span is quadratic)."""

    def __init__(self, mentions: list[Mention]) -> None:
        ordered = sorted(mentions, key=lambda m: m.start)
        self.starts = [m.start for m in ordered]
        # The largest end among the mentions up to each one.
        self.reach = list(accumulate((m.end for m in ordered), max))

    def any(self, start: int, end: int) -> bool:
        """True when some mention has start < `end` and end > `start`."""
        index = bisect_left(self.starts, end)
        return index > 0 and self.reach[index - 1] > start


_END_WORDS = ("ends ", "end at", "end by", "ending", "finish", "conclu", "wrap", "dismiss", "leave", "out at", "out by")


def _start_end_spans(text: str, bounds: list[int], spans: list[Mention]) -> list[Mention]:
    """Spans written as a start and an end ("groups begin at 10 a.m." ... "finish by 1 p.m.")."""
    if not any(word in text for word in _END_WORDS):
        return []
    ends = [m for m in _END.finditer(text) if m["m1"] or m["ap1"]]
    if not ends:
        return []
    starts = [m for m in _START.finditer(text) if m["m1"] or m["ap1"]]
    if not starts:
        return []
    # Both are in text order: the nearest start is at the end's insertion point (the earlier one
    # on a tie), found by bisection rather than a scan of all starts for each end.
    start_positions = [s.start() for s in starts]
    overlap = _Overlap(spans)
    found: list[Mention] = []
    for end in ends:
        if overlap.any(end.start(), end.end()):
            continue
        index = bisect_left(start_positions, end.start())
        nearby = starts[max(0, index - 1) : index + 1]
        start = min(nearby, key=lambda s: abs(s.start() - end.start()))
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


def _at_numbers(
    pattern: re.Pattern[str], text: str, starts: list[int]
) -> Iterator[tuple[re.Match[str], int, str | None]]:
    """Non-overlapping matches of `pattern` at number starts, with the hedge in front (start, hedge)."""
    last_end = -1
    for position in starts:
        if position < last_end:
            continue
        match = pattern.match(text, position)
        if match is None:
            continue
        last_end = match.end()
        hedge = phrase_before(text, position, _HEDGES)
        yield (match, position - len(hedge), hedge[:-1]) if hedge else (match, position, None)


_SERVICE_AFTER = re.compile(
    r"\s+of\s+(?:[a-z-]+\s+){0,2}?(?:treatment|therapy|therapies|programming|programs?|services?|care|groups?"
    r"|counseling|structured)\b"
)
_WEEKS_AFTER = re.compile(r"[^.;!?\n|]{0,40}?\b(?:over|across|in|during|within|for)\s+(?:the\s+)?(?:\d+|first|course)")
_HOUR_ADJECTIVE = re.compile(r"\d-h")  # "24-hour line"
_NOT_WEEKLY_BEFORE = ("within ", "every ", "after ", "before ", "total of ", "a total of ", "up to ")


def _bare_weekly(text: str, begin: int, head: re.Match[str], hedge: str | None) -> bool:
    """A figure of hours too large for one day, with no unit: weekly, unless it reads as a duration.

    Whole days (24, 48, 72 h) are durations ("open 24 hours", "within 48 hours"); so is a total
    over a program ("36 hours of treatment over 12 weeks").
    """
    hedged = bool(hedge or head["post"])
    if not hedged and _SERVICE_AFTER.match(text, head.end()) is None:
        return False
    if phrase_before(text, begin, _NOT_WEEKLY_BEFORE) is not None or _HOUR_ADJECTIVE.search(head.group(0)):
        return False
    if not hedged and float(head["a"]) % 24 == 0:
        return False
    return _WEEKS_AFTER.match(text, head.end()) is None


def find_mentions(text: str, levels: bool = True) -> list[Mention]:
    """All mentions in normalized `text`, ordered by position.

    With `levels`, also the names of levels of care and the PHP-intensity cues (`schemas.level_names`).
    """
    bounds = sentence_bounds(text)
    starts = [
        m.start() for m in _NUMBER.finditer(text) if m.start() == 0 or text[m.start() - 1] not in _NOT_NUMBER_START
    ]
    found: list[Mention] = []

    def mention(kind: Kind, start: int, end: int, **values: object) -> Mention:
        return Mention(kind, start, end, _sentence_of(bounds, start), **values)  # type: ignore[arg-type]

    # Cheap substring tests skip patterns that cannot match; most texts lack most words.
    has_week = "week" in text or "wk" in text
    weekly: list[Mention] = []
    per_day: list[Mention] = []
    bare: list[Mention] = []  # "2-3 hours" with no unit: per session if days are named beside it
    for head, begin, pre in _at_numbers(_HOURS_HEAD, text, starts):
        value = _quantity(head, pre)
        tail = _WEEKLY_TAIL.match(text, head.end()) if has_week else None
        if tail is not None and not _NOT_WEEKLY_FILL.search(tail["fill"]):
            if value.within(0, WEEK_HOURS):
                weekly.append(mention(Kind.WEEKLY, begin, tail.end(), value=value))
            continue
        if value.lo is not None and value.lo > MAX_HOURS_PER_DAY:
            # Too many hours for one day: "20 or more hours", "25 hours of treatment" are weekly.
            if _bare_weekly(text, begin, head, pre):
                weekly.append(mention(Kind.WEEKLY, begin, head.end(), value=value))
            continue
        if head["adj"] or not value.within(0, MAX_HOURS_PER_DAY):
            continue
        unit = phrase_before(text, begin, _UNITS_BEFORE)
        if unit is not None:
            if _NOT_WEEK.match(text, head.end()):
                per_day.append(mention(Kind.PER_DAY, begin - len(unit), head.end(), value=value))
            continue
        for pattern, needs_for in _PER_DAY_TAILS:
            tail = pattern.match(text, head.end())
            if tail is None or "week" in (tail.groupdict().get("fill") or ""):
                continue
            if needs_for:
                if phrase_before(text, begin, _FOR) is None:
                    if value.hi is not None and value.hi <= MAX_BARE_SESSION_HOURS:
                        bare.append(mention(Kind.PER_DAY, begin, head.end(), value=value))
                    break
                begin -= len("for ")
            per_day.append(mention(Kind.PER_DAY, begin, max(tail.end(), head.end()), value=value))
            break
    if "weekly " in text:
        # "weekly total of 9 hours" once, not again where "9 hours" was read (these matches are
        # disjoint from one another).
        read = _Overlap(weekly)
        for match in _WEEKLY[0].finditer(text):
            item = mention(Kind.WEEKLY, match.start(), match.end(), value=_quantity(match))
            if item.value and item.value.within(0, WEEK_HOURS) and not read.any(item.start, item.end):
                weekly.append(item)
    found += weekly
    found += per_day

    for match, begin, pre in _at_numbers(_COUNT, text, starts) if has_week else ():
        value = _quantity(match, pre)
        limit = MAX_DAYS_PER_WEEK if match["unit"].startswith(_DAY_UNIT_STEMS) else MAX_SESSIONS_PER_WEEK
        if value.within(0, limit):
            found.append(mention(Kind.COUNT, begin, match.end(), value=value))

    day_mentions = [mention(Kind.DAYS, m.start(), m.end(), days=day_set(m.group(0))) for m in _DAYS.finditer(text)]
    day_mentions = [m for m in day_mentions if m.days]
    found += day_mentions
    day_index = _DayIndex(day_mentions)

    spans: list[Mention] = []
    last_end = -1
    for position in starts:
        match = _SPAN.match(text, position) if position >= last_end else None
        if match is None:
            continue
        lead = phrase_before(text, position, _LEADS)
        span = _span(match, lead, day_index)
        if span:
            last_end = match.end()
            spans.append(mention(Kind.SPAN, position - len(lead) if lead else position, match.end(), span=span))
    found += spans
    found += _start_end_spans(text, bounds, spans)
    if bare:
        with_days = {m.sentence for m in found if m.kind is Kind.COUNT or m.kind is Kind.DAYS}
        taken = _Overlap(found)
        found += [m for m in bare if m.sentence in with_days and not taken.any(m.start, m.end)]

    if levels:
        found += [mention(Kind.PROGRAM, m.start(), m.end(), program=m.lastgroup) for m in LEVEL_NAMES.finditer(text)]
        found += [mention(Kind.CUE, m.start(), m.end()) for m in PHP_CUES.finditer(text)]
    found.sort(key=lambda m: (m.start, m.end))
    return found
