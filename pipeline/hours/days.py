"""Week days in schedule text: day names, ranges and letter codes ("Mon-Fri", "M/W/F", "weekdays")."""

import re
from bisect import bisect_left, bisect_right

from pipeline.hours.model import Mention

DAY_WORD = (
    r"(?:mondays?|mon|tuesdays?|tues|tue|wednesdays?|weds|wed|thursdays?|thurs|thur|thu|fridays?|fri|saturdays?|sat"
    r"|sundays?|sun)"
)

_DAY_RANGE = rf"{DAY_WORD}\.?(?![a-z])(?:\s*(?:-|to|through|thru|till|until)\s*{DAY_WORD}\.?(?![a-z]))?"
DAYS = re.compile(
    rf"\b(?=mon|tue|wed|thu|fri|sat|sun|weekday|weekend|m\s*-\s*(?:f|th|r)\b|(?:[mtwrf]|th|tu)\s*[/,&]|mwf|tth|mw\b)"
    rf"(?:{_DAY_RANGE}(?:\s*(?:,\s*and|,\s*&|,|/|&|\+|and)\s*{_DAY_RANGE})*"
    r"|(?:weekdays?|weekends?)(?![a-z])"
    r"|m\s*-\s*(?:f|th|r)(?![a-z])"
    r"|(?:m|tu|t|w|th|r|f)(?:\s*(?:/|,|&|,?\s*and)\s*(?:m|tu|t|w|th|r|f)(?![a-z]))+(?![a-z])"
    r"|(?:mwf|tth|mw)(?![a-z]))"
)
_DAY_TOKEN = re.compile(rf"{DAY_WORD}(?![a-z])|\b(?:m|tu|t|w|th|r|f)\b")
_DAY_SEP = re.compile(r"\s*(?:-|to|through|thru|till|until)\s*$")
_DAY_INDEX = {"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}
_LETTER_INDEX = {"m": 0, "t": 1, "tu": 1, "w": 2, "th": 3, "r": 3, "f": 4}

# The whole gap between a span and day names: "Monday-Friday, roughly from 9 to 4".
_ADJACENT = re.compile(
    r"\s*(?:(?:mornings?|afternoons?|evenings?|nights?)\s*)?(?:[,:]\s*)?"
    r"(?:(?:roughly|about|around|approximately|approx\.?|usually|typically|generally|normally)\s+)?"
    r"(?:from|on)?\s*"
)


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


class DayIndex:
    """Day-name mentions (disjoint, in text order), to tell whether a span is right next to one."""

    def __init__(self, days: list[Mention]) -> None:
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
