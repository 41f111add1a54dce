"""Figures in schedule text: numbers and ranges, the hedges around them ("at least", "up to", "about"), limits."""

import re
from collections.abc import Iterator

from pipeline.hours.model import Interval
from pipeline.hours.positions import phrase_before, phrases

# Upper limits of single readings; larger figures are something else (24/7 lines, annual totals).
MAX_HOURS_PER_DAY = 16.0
MAX_DAYS_PER_WEEK = 7
MAX_SESSIONS_PER_WEEK = 21
# A bare "2-3 hours" beside days or a day count is a session length only up to this; larger bare
# figures could as well be weekly totals.
MAX_BARE_SESSION_HOURS = 5.0
# ... and above it when, read as a weekly total, it would leave less than this many hours a day.
BARE_DAY_SHARE = 1.5

_OPEN_MIN = (
    "at least|a minimum of|minimum of|a min of|min of|no less than|not less than|no fewer than|not fewer than"
    "|more than|over|in excess of|upwards of|at a minimum|at minimum|minimum|a minimum"
)
_OPEN_MAX = (
    "up to|a maximum of|maximum of|max of|no more than|not more than|less than|fewer than|under|as many as"
    "|at most|maximum|a maximum|not to exceed|not exceeding|does not exceed|do not exceed|cannot exceed"
    "|can not exceed|will not exceed|never exceeds|never exceed|no longer than|not longer than|as long as|as much as"
    "|not exceed"
)
_POINT = (
    "about|around|approximately|approx|roughly|typically|usually|generally|on average|an average of|average of"
    "|nearly|almost|close to|closer to|some|a total of|total of|totaling|totalling|between|from|approx\\."
)
_PRE = re.compile(rf"(?:{_OPEN_MIN})$")
_PRE_MAX = re.compile(rf"(?:{_OPEN_MAX})$")
# "does not require more than 11 hours": a negation a few words before a comparison flips it.
_COMPARISONS = {"more than": "no more than", "over": "no more than", "in excess of": "no more than"}
_COMPARISONS |= {"less than": "no less than", "fewer than": "no fewer than", "under": "no less than"}
# "The minimum scheduled intensity for Level 2.5 is 20 hours": the bound is named farther back.
_FAR_BOUND = re.compile(
    r"\b(?:(?P<min>minimum)|(?P<max>maximum))\b(?:[^.;!?]|(?<=\d)\.(?=\d)){0,50}?\b(?:is|are|of|be)\s+$"
)
# "adds up to 8 hours" totals; it does not bound.
_TOTALS_UP_TO = re.compile(r"\b(?:adds?|adding|comes?|coming|amounts?|amounting|sums?|summing|totals?)\s+$")
_NEGATION = re.compile(r"(?:\bnot|n't|\bnever)\s+(?:[a-z]+\s+){0,3}$")
# An open bound written after the unit: "9 hours per week or more", "12 hours a week minimally".
_BOUND_AFTER = re.compile(
    r"\s*,?\s*(?:(?P<min>or more|or longer|or greater|or above|\+|plus|at (?:a |the )?minimum|minimum|minimally"
    r"|at least)|(?P<max>or less|or fewer|at (?:the )?most|at (?:a |the )?maximum|maximum))(?![a-z])"
)


def hedged_quantity(suffix: str = "") -> str:
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
CORE = (
    r"(?P<a>\d+(?:\.\d+)?)(?:\s*(?:-|to|or|/|and)\s*(?P<b>\d+(?:\.\d+)?))?(?![\d:])"
    r"(?:\s*(?P<post>or more|or longer|or greater|or above|or less|or fewer|\+|plus))?"
)

_HEDGES = phrases(_OPEN_MIN, _OPEN_MAX, _POINT)

NUMBER = re.compile(r"\d+")
NOT_NUMBER_START = frozenset(".:/$-")


def quantity(match: re.Match[str], pre: str | None = None) -> Interval:
    """The interval a matched figure states: "at least"/"or more" open above, "up to"/"or less" open below."""
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


def bound_after(text: str, position: int, value: Interval) -> tuple[Interval, int]:
    """`value` opened by a bound written after its unit at `position`, and where the bound ends."""
    if value.lo != value.hi:
        return value, position
    match = _BOUND_AFTER.match(text, position)
    if match is None:
        return value, position
    return (Interval(value.lo, None) if match["min"] else Interval(None, value.hi)), match.end()


def at_numbers(
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
        if not hedge:
            far = _FAR_BOUND.search(text, max(0, position - 70), position) if "imum" in text else None
            yield match, position, ("minimum" if far["min"] else "maximum") if far else None
            continue
        begin = position - len(hedge)
        flipped = _COMPARISONS.get(hedge[:-1])
        if flipped and _NEGATION.search(text, max(0, begin - 40), begin):
            yield match, begin, flipped
        elif hedge == "up to " and _TOTALS_UP_TO.search(text, max(0, begin - 12), begin):
            yield match, begin, "a total of"
        else:
            yield match, begin, hedge[:-1]
