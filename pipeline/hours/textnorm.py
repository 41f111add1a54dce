"""Rewrite schedule text into one canonical spelling, remembering where each character came from.

The patterns of `mentions` only have to know one spelling: lower case, ASCII dashes, digits
("three (3)" -> "3", "twice" -> "2 times"), "am"/"pm", noon as "12pm", minutes as hours. Each
output character keeps the span of the original text it came from, so evidence can quote the
page verbatim.
"""

import re
from bisect import bisect_right
from collections.abc import Callable

from pipeline.hours import spanish
from pipeline.hours.spanish import looks_spanish

_TRANSLATE = str.maketrans(
    {
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2012": "-",
        "\u2011": "-",
        "\u2010": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00bd": ".5",
        "\t": " ",
    }
)

_UNITS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60}
_SMALL = "|".join(sorted(_UNITS, key=len, reverse=True))
_SMALL_UNITS = "one|two|three|four|five|six|seven|eight|nine"

# "a.m." / "p.m." with or without dots and spaces; the trailing dot is kept as a sentence end when
# a capital letter follows ("... until 3 p.m. The evening group ...").
# Only dotted forms need rewriting: "9 AM" and "9 am" are read as they are once lower-cased.
_MERIDIEM = re.compile(r"(\d)\s?([ap])\.\s?m\.?(?![a-z])", re.IGNORECASE)

# A capital after "p.m." starts a sentence, unless it is a day name ("9 a.m. Mondays through ...").
_NEW_SENTENCE = re.compile(r"\s+(?!(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b)[A-Z]")

# Phrase rewrites, each tried only when a cheap substring test says it can match.
_CLOCK_WORDS = re.compile(r"\b(?:(?P<noon>12\s*noon|noon|12\s*midday|midday)|(?P<midnight>12\s*midnight|midnight))\b")
_TIMES_WORDS = re.compile(r"\b(?:(?P<once_twice>once or twice)|(?P<once>once)|(?P<twice>twice)|(?P<thrice>thrice))\b")
_HOUR_WORDS = re.compile(
    r"\b(?:(?P<half_hour>half an hour|a half hour|half-hour|half hour)"
    r"|(?P<hour_half>an hour and a half|one and a half hours?|one and one-half hours?)"
    r"|(?P<an_hour>an hour))(?![a-z])"
)

_NUMBER_WORDS = re.compile(
    r"\b(?=one|two|thr|fou|fiv|six|sev|eig|nin|ten|ele|twe|thi|fif|for)"
    rf"(?:(?P<tens>twenty|thirty|forty|fifty|sixty)(?:[- ](?P<tu>{_SMALL_UNITS}))?|(?P<unit>{_SMALL}))"
    r"(?P<half> and (?:a|one)[- ]half)?(?![a-z])(?:\s*\((?P<paren>\d+(?:\.\d+)?)\))?"
)
_FRACTION = re.compile(r"(?<![\d.])(\d+)(?:\s+|-)1/2(?![\d/])|(?<![\d./])1/2(?![\d/])")
_MINUTES = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(\s*-?\s*)(?:minutes?|mins?)(?![a-z])")
# "9.00am - 2.30pm": a full stop between hour and minutes, only where a meridiem marks the time (a
# bare "2.30" could be a decimal); "9.30 - 12.30pm" takes its marker from the other end.
_DOT_MINUTES = re.compile(
    r"(?<![\d.])(\d{1,2})\.([0-5]\d)(?=\s*(?:[ap]\.?\s?m(?![a-z])|(?:-|to|until)\s*\d{1,2}[.:][0-5]\d\s*[ap]\.?\s?m(?![a-z])))"
)
# 24-hour times "0900-1500" or "1300 to 1600 hrs": four digits on both sides, the first with a
# leading zero or the unit after (dropped: "hours" after a span reads as a duration), so year
# ranges ("2019-2020") are left alone.
_HHMM = r"([01]\d|2[0-3])([0-5]\d)"
_MILITARY = re.compile(
    rf"(?<![\d.:/$]){_HHMM}(\s*(?:-|to|until)\s*){_HHMM}(?![\d.:/])\s*(?:hrs?|hours)\b"
    rf"|(?<![\d.:/$])(0\d)([0-5]\d)(\s*(?:-|to|until)\s*){_HHMM}(?![\d.:/])"
)
# "10a-1p": a single letter right after the hour, on both ends of a span.
_LETTER_MERIDIEM = re.compile(
    r"(?<![\d.:])(\d{1,2}(?::[0-5]\d)?)([ap])\s*(-|to)\s*(\d{1,2}(?::[0-5]\d)?)([ap])(?![a-z])"
)
# "9 in the morning", "3 in the afternoon": the part of the day is the time's meridiem.
_DAY_PART_TIME = re.compile(
    r"(?<![\d.:])(\d{1,2}(?::[0-5]\d)?)\s+(?:(?P<am>in the morning)|in the (?:afternoon|evening)|at night)\b"
)
# A question that names the unit, and its answer: "How many days a week? Three days." -> "3 days a
# week." The answer's figure is read with the question's unit.
_QUESTION = re.compile(
    r"\bhow many (?P<unit>days|hours|evenings|sessions|groups) (?P<per>(?:a|per|each) (?:week|day))\s*\?\s*"
    r"(?:[a-z]+\s+){0,3}?(?P<n>\d+(?:\.\d+)?(?:\s*(?:-|to)\s*\d+(?:\.\d+)?)?)(?:\s+(?P=unit))?(?!\d|\.\d)"
)
_SPACES = re.compile(r" {2,}")
# Runs of whitespace (and single tabs, returns, form feeds...) become one space, or one line break
# when they hold one: the patterns then never see a long run, which `\s*x?\s*` would backtrack
# over in quadratic time. Line breaks are kept because they end sentences.
_WHITESPACE = re.compile(r"\s{2,}|[^\S \n]")
# Not inside a longer number ("19 (9)"), and tried only where a number starts: `\d+` backtracking
# from every digit of a long digit run is quadratic.
_DIGITS_PAREN = re.compile(r"(?<![\d.])(\d+)\s*\((\1)\)")


def _number_word(match: re.Match[str]) -> str:
    if match["tens"]:
        value: float = _TENS[match["tens"]] + (_UNITS[match["tu"]] if match["tu"] else 0)
    else:
        value = _UNITS[match["unit"]]
    if match["half"]:
        value += 0.5
    return f"{value:g}"


def _phrase(match: re.Match[str]) -> str:
    return {
        "noon": "12pm",
        "midnight": "12am",
        "once_twice": "1 or 2 times",
        "once": "1 times",
        "twice": "2 times",
        "thrice": "3 times",
        "half_hour": "0.5 hour",
        "hour_half": "1.5 hours",
        "an_hour": "1 hour",
    }[match.lastgroup or ""]


def _digits_paren(match: re.Match[str]) -> str:
    # "9 (9)" -> "9".
    return match[1]


def _dot_minutes(match: re.Match[str]) -> str:
    return f"{match[1]}:{match[2]}"


def _military(match: re.Match[str]) -> str:
    groups = match.groups()
    h1, m1, sep, h2, m2 = groups[:5] if groups[0] is not None else groups[5:]
    return f"{h1}:{m1}{sep}{h2}:{m2}"


def _whitespace(match: re.Match[str]) -> str:
    return "\n" if "\n" in match.group(0) else " "


def _fraction(match: re.Match[str]) -> str:
    return f"{int(match[1]) + 0.5:g}" if match[1] else "0.5"


def _minutes(match: re.Match[str]) -> str:
    return f"{float(match[1]) / 60:.4g}{match[2]}hour"


def _meridiem(match: re.Match[str]) -> str:
    text = match.group(0)
    end = match.end()
    rest = match.string[end : end + 12]
    keep_stop = text.endswith(".") and _NEW_SENTENCE.match(rest) is not None
    return match[1] + match[2].lower() + "m" + ("." if keep_stop else "")


class MappedText:
    """Text plus the edits that made it, to find the original span behind any normalized span.

    Each `sub` pass records its replacements as (new start, new end, old start, old end); offsets
    are mapped back through the passes only for the few spans quoted as evidence.
    """

    __slots__ = ("original", "passes", "text")

    def __init__(self, original: str) -> None:
        self.original = original
        self.text = original
        self.passes: list[tuple[list[int], list[tuple[int, int, int, int]]]] = []

    def sub(self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]) -> None:
        """Replace every match of `pattern`; replaced characters map to the whole original match."""
        edits: list[tuple[int, int, int, int]] = []
        shift = 0  # how much longer the output is than the input so far

        def record(match: re.Match[str]) -> str:
            nonlocal shift
            new = replace(match)
            begin, finish = match.span()
            if new != match.group(0):
                edits.append((begin + shift, begin + shift + len(new), begin, finish))
                shift += len(new) - (finish - begin)
            return new

        text = pattern.sub(record, self.text)
        if edits:
            self.text = text
            self.passes.append(([e[0] for e in edits], edits))

    def lower(self) -> None:
        """Lower-case, keeping the map even where lower-casing changes a character's length."""
        lowered = self.text.lower()
        if len(lowered) != len(self.text):
            self.sub(re.compile(r"[^\x00-\x7f]"), lambda m: m.group(0).lower())
            lowered = self.text.lower()
        self.text = lowered

    def _back(self, char: int, last: bool) -> int:
        # Map a character index of the output back through the passes to the original.
        for new_starts, edits in reversed(self.passes):
            index = bisect_right(new_starts, char) - 1
            if index < 0:
                continue
            _, new_end, old_start, old_end = edits[index]
            inside = char < new_end
            char = (old_end - 1 if last else old_start) if inside else char - new_end + old_end
        return char

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The [start, end) of the original text behind normalized [start, end)."""
        if end <= start:
            origin = self._back(start, last=False)
            return origin, origin
        return self._back(start, last=False), self._back(end - 1, last=True) + 1


def normalize(text: str) -> MappedText:
    """Canonical spelling of a schedule text (see the module docstring)."""
    mapped = MappedText(text)
    # str.translate is slow with a dict table; ASCII text only ever needs its tabs replaced.
    translated = text.replace("\t", " ") if text.isascii() else text.translate(_TRANSLATE)
    if translated != text:
        # Only the one-to-two-character replacement ("½" -> ".5") changes length; redo it mapped.
        if len(translated) == len(text):
            mapped.text = translated
        else:
            mapped.sub(
                re.compile(r"[\u2010-\u2014\u2212\u00a0\u2009\u202f\u2018\u2019\u201c\u201d\u00bd\t]"),
                lambda m: m.group(0).translate(_TRANSLATE),
            )
    mapped.sub(_WHITESPACE, _whitespace)
    if "." in mapped.text:
        mapped.sub(_DOT_MINUTES, _dot_minutes)
    mapped.sub(_MERIDIEM, _meridiem)
    mapped.sub(_LETTER_MERIDIEM, lambda m: f"{m[1]}{m[2]}m{m[3]}{m[4]}{m[5]}m")
    if "0" in mapped.text:
        mapped.sub(_MILITARY, _military)
    mapped.lower()
    if looks_spanish(mapped.text):
        for pattern, replace in spanish.REWRITES:
            mapped.sub(pattern, replace)
    lowered = mapped.text
    if "noon" in lowered or "mid" in lowered:
        mapped.sub(_CLOCK_WORDS, _phrase)
    if "once" in lowered or "twice" in lowered or "thrice" in lowered:
        mapped.sub(_TIMES_WORDS, _phrase)
    if "hour" in lowered and ("half" in lowered or "an hour" in lowered):
        mapped.sub(_HOUR_WORDS, _phrase)
    mapped.sub(_NUMBER_WORDS, _number_word)
    if "how many" in mapped.text:
        mapped.sub(_QUESTION, lambda m: f"{m['n']} {m['unit']} {m['per']}")
    if " in the " in mapped.text or " at night" in mapped.text:
        mapped.sub(_DAY_PART_TIME, lambda m: m[1] + ("am" if m["am"] else "pm"))
    if "/2" in mapped.text:
        mapped.sub(_FRACTION, _fraction)
    if "min" in mapped.text:
        mapped.sub(_MINUTES, _minutes)
    if "  " in mapped.text:
        # Single spaces let later steps compare phrases with plain string tests.
        mapped.sub(_SPACES, lambda m: " ")
    if "(" in mapped.text:
        mapped.sub(_DIGITS_PAREN, _digits_paren)
    return mapped
