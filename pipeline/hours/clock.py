"""Clock times in schedule text: spans ("9 a.m. to 12 noon", "M-F 9-3") and a start with an end ("begin at 10")."""

import re
from bisect import bisect_left

from pipeline.hours.days import DayIndex
from pipeline.hours.model import DAY_MINUTES, Interval, Kind, Mention
from pipeline.hours.positions import Overlap, phrases, sentence_of
from pipeline.hours.quantities import MAX_HOURS_PER_DAY

LEADS = phrases("from|between|between the hours of")

_TIME = r"(?P<h{n}>\d{{1,2}})(?::(?P<m{n}>\d{{2}}))?\s*(?P<ap{n}>am|pm)?"
SPAN = re.compile(
    _TIME.format(n=1)
    + r"\s*(?P<sep>-|to|until|till|til|through|thru|and)\s*"
    + _TIME.format(n=2)
    + r"(?![\d:]|\s*(?:days?|hours?|hrs?|weeks?|times?|sessions?|years?|months?|%|-\s*\d))"
)

_AGES = re.compile(r"\b(?:ages?|aged|grades?|years)\s*$")

_POINT_TIME = r"(?P<h1>\d{1,2})(?::(?P<m1>\d{2}))?\s*(?P<ap1>am|pm)?(?![\d:])"
# A start and an end written as verbs: "groups begin at 10 a.m." ... "finish by 1 p.m.", "starts at
# 9 and runs until 3 p.m.", "arrive at 8:30 am and leave at 2:30 pm".
_START_VERB = (
    r"(?:begins?|starts?|starting|beginning|commences?|arrives?|arriving|arrival(?: times?)?(?: is| are)?"
    r"|check-?in(?: is)?|checks? in|kicks? off|kicking off|convenes?|convening|start times?(?: vary| are| is)?)"
)
_END_VERB = (
    r"(?:ends?|ending|finish(?:es)?|finishing|concludes?|wraps? up|dismissed|dismissal(?: is)?|leaves?|leaving|out"
    r"|departs?|departure is|pick-?up is|adjourns?|adjourning|check-?out(?: is)?|checks? out)"
)
# Verbs of duration take "until"/"to": "runs until 3 p.m.", "lasts till noon".
_UNTIL_VERB = r"(?:runs?|running|goes|going|lasts?|lasting|continues?|continuing|goes on|stays?|staying)"
_START = re.compile(rf"\b{_START_VERB}\s+(?:at\s+|by\s+)?(?:around\s+)?{_POINT_TIME}")
_END = re.compile(
    rf"\b(?:{_END_VERB}\s+(?:\w+\s+){{0,2}}?(?:at|by|around)|{_UNTIL_VERB}\s+(?:\w+\s+){{0,2}}?(?:until|till|til|to))"
    rf"\s+{_POINT_TIME}"
)
# Start and end given as windows: "start between 8:30 and 9:00 a.m. and end between 3:30 and
# 4:00 p.m." The day is longest from the earliest start to the latest end, shortest from the
# latest start to the earliest end; one side may be a single time ("... and finish at 3 p.m.").
_T = r"(?P<h{n}>\d{{1,2}})(?::(?P<m{n}>\d{{2}}))?\s*(?P<ap{n}>am|pm)?(?![\d:])"
_WINDOW_SIDE = r"(?:(?:between|at|by|around|from)\s+)?{a}(?:\s*(?:and|-|to)\s*{b})?"
_WINDOW = re.compile(
    rf"\b{_START_VERB}\s+(?:[a-z]+\s+){{0,2}}?"
    + _WINDOW_SIDE.format(a=_T.format(n=1), b=_T.format(n=2))
    + rf"[^.!?\n|]{{0,40}}?\b(?:{_END_VERB}|{_UNTIL_VERB})\s+(?:[a-z]+\s+){{0,2}}?"
    + _WINDOW_SIDE.format(a=_T.format(n=3), b=_T.format(n=4))
)


def _clock(h: int, meridiem: str | None) -> int:
    """Minutes after midnight of an hour:minute in minutes with an am/pm marker."""
    if meridiem == "am":
        return h - 12 * 60 if h >= 12 * 60 else h
    if meridiem == "pm":
        return h if h >= 12 * 60 else h + 12 * 60
    return h


def resolve_end(start: int, minutes: int, meridiem: str | None) -> int:
    """Minutes after midnight of an end time given after a known start ("ends at 1" after 9 am is 1 pm)."""
    end = _clock(minutes, meridiem)
    if meridiem is None and end <= start and minutes < 12 * 60:
        end += 12 * 60
    return end


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


def clock_span(match: re.Match[str], lead: str | None, day_index: DayIndex) -> tuple[int, int] | None:
    """The clock span a `SPAN` match states, after `lead` ("from", "between"), or None when it is no clock time."""
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


_END_WORDS = (
    "end",
    "adjourn",
    "check-out",
    "checkout",
    "checks out",
    "finish",
    "conclu",
    "wrap",
    "dismiss",
    "leav",
    "out at",
    "out by",
    "depart",
    "pick",
    "until",
    "till",
    "til ",
    " to ",
)


_START_WORDS = ("start", "begin", "arriv", "check", "kick", "conven", "commenc")


def _window_time(match: re.Match[str], n: int, other: int) -> tuple[int, int, str | None]:
    # A window's marker covers both of its times: "between 8:30 and 9:00 a.m.".
    hour = match[f"h{n}"] or match[f"h{other}"]
    minutes = match[f"m{n}"] if match[f"h{n}"] else match[f"m{other}"]
    return int(hour), int(minutes or 0), match[f"ap{n}"] or match[f"ap{other}"]


def window_spans(text: str, bounds: list[int]) -> list[Mention]:
    """Days that start and end within windows: the span of the longest day, `value` its hours range."""
    if not any(word in text for word in _START_WORDS):
        return []
    found: list[Mention] = []
    for match in _WINDOW.finditer(text):
        if not (match["h2"] or match["h4"]):
            continue  # no window: a plain start and end, read by `start_end_spans`
        if not all(any(match[g] for g in side) for side in (("m1", "m2", "ap1", "ap2"), ("m3", "m4", "ap3", "ap4"))):
            continue  # each side must read as clock time, not "starts 3-4 times a week"
        earliest, latest = _window_time(match, 1, 2), _window_time(match, 2, 1)
        first_end, last_end = _window_time(match, 3, 4), _window_time(match, 4, 3)
        longest = resolve_span(*earliest, *last_end, marked=True)
        shortest = resolve_span(*latest, *first_end, marked=True)
        if longest is None or shortest is None or shortest[1] - shortest[0] > longest[1] - longest[0]:
            continue
        found.append(
            Mention(
                Kind.SPAN,
                match.start(),
                match.end(),
                sentence_of(bounds, match.start()),
                value=Interval((shortest[1] - shortest[0]) / 60, (longest[1] - longest[0]) / 60),
                span=longest,
                window=shortest,
            )
        )
    return found


def start_end_spans(text: str, bounds: list[int], spans: list[Mention]) -> list[Mention]:
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
    overlap = Overlap(spans)
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
                    sentence_of(bounds, end.start()),
                    span=span,
                    also=(start.span(),),
                )
            )
    return found
