"""Where things are in normalized schedule text: sentences, the phrase before a position, overlaps."""

import re
from bisect import bisect_left, bisect_right
from itertools import accumulate

from pipeline.hours.model import Mention


def phrases(*alternations: str) -> tuple[str, ...]:
    """The words of "a|b|c" alternations, longest first, each with the space that follows it."""
    words = {w.replace("\\", "") for alternation in alternations for w in alternation.split("|")}
    return tuple(sorted((w + " " for w in words), key=len, reverse=True))


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
# A "|" separates the cells of a flattened table or menu, but not a row's day from its time
# ("Monday | 9:00 AM - 12:00 PM").
_SENTENCE_END = re.compile(
    r"[.!?;]" + "".join(rf"(?<!\b{re.escape(a)}\.)" for a in _ABBREVIATIONS) + r"(?=\s|$)|\n|\|(?!\s*\d)"
)


def sentence_bounds(text: str) -> list[int]:
    """Offsets where sentences end (a sentence i covers bounds[i-1]..bounds[i])."""
    bounds = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not bounds or bounds[-1] < len(text):
        bounds.append(len(text))
    return bounds


def clause_start(text: str, start: int, end: int) -> int:
    """Where the stretch of text[start:end] after its last sentence-ending mark begins.

    A plain look back for ".;!?", a line break or "|", for short stretches where the finer
    `sentence_bounds` (abbreviations) would cost more than it tells.
    """
    return max(text.rfind(c, start, end) for c in ".;!?\n|") + 1 or start


def sentence_of(bounds: list[int], position: int) -> int:
    """The index of the sentence (of `sentence_bounds`) that holds `position`."""
    return min(bisect_right(bounds, position), len(bounds) - 1)


class Overlap:
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
