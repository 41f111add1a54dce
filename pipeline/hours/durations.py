"""Hours and counts in schedule text: weekly totals, hours per day or session, days or sessions per week."""

import re

from pipeline.hours.days import DAY_WORD
from pipeline.hours.positions import clause_start, phrase_before
from pipeline.hours.quantities import CORE, hedged_quantity

FOR = ("for ",)

_Q = hedged_quantity()
_HOURS = r"(?:hours?|hrs?|h)(?![a-z])"
_WEEK_TAIL = r"(?:(?:per|a|each|every|an?|in a|in one|in the|of the|/)[\s-]*(?:week|wk)(?![a-z])|weekly(?![a-z]))"
_NOT_WEEK_AHEAD = rf"(?!\s*(?:[a-z,]+\s+){{0,4}}?{_WEEK_TAIL}|\s*/\s*(?:week|wk))"
_DAY_UNITS = r"(?:days?|evenings?|nights?|mornings?|afternoons?)"
DAY_UNIT_STEMS = ("day", "evening", "night", "morning", "afternoon")
_SESSION_UNITS = r"(?:times?|sessions?|groups?|visits?|classes?|meetings?|x)"
# Words that make "N hours ... per week" a per-day or per-session figure instead of a weekly one.
NOT_WEEKLY_FILL = re.compile(
    r"\b(?:days?|daily|sessions?|evenings?|nights?|mornings?|afternoons?|blocks?|visits?|classes?|shifts?)\b"
)

# "weekly total of 9 hours", "Weekly hours: 9-11", "Program hours: 10 per week": the unit comes first.
WEEKLY = [
    re.compile(rf"\bweekly\s+(?:total|minimum|maximum|commitment|hours)\s*(?:of|is|are|:|=)?\s*{_Q}(?:\s*{_HOURS})?"),
    re.compile(
        rf"\bhours\s*(?:of|is|are|:|=)?\s*{_Q}\s*(?:{_HOURS}\s*)?(?:(?:per|a|each|every|/)\s*(?:week|wk)(?![a-z])|weekly)"
    ),
]

# "N hours" is read once per number; the tails below then say what the hours are per.
HOURS_HEAD = re.compile(
    rf"{CORE}\s*-?\s*(?P<adj>(?!days?\b|sessions?\b|times?\b|evenings?\b|per\b|a\b|each\b)[a-z]+\s+)?{_HOURS}"
)
WEEKLY_TAIL = re.compile(rf"(?P<fill>[^.;:!?\d|]{{0,60}}?)(?:\b|(?=/)){_WEEK_TAIL}")
# (tail, needs "for" in front of the number)
PER_DAY_TAILS = [
    (
        re.compile(
            r"(?P<fill>[^.;:!?\d|]{0,25}?)(?:\b|(?=/))(?:per|a|each|every|an?|/)\s*"
            r"(?:program\s+|treatment\s+|group\s+)?(?:day|weekday|week day|session|evening|night|morning|afternoon"
            r"|meeting|visit|group|class|block)(?![a-z])"
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
    (re.compile(rf"\s+(?:on|each|every)\s+(?={DAY_WORD}|weekdays?\b)"), False),
    (re.compile(_NOT_WEEK_AHEAD), True),
]
NOT_WEEK = PER_DAY_TAILS[-1][0]

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
# "each day 4 to 6 hours", "per session: 3 hours", "daily, 3 hours".
_EACH_NOUNS = ("day", "session", "group", "evening", "morning")
_EACH_UNIT = ("daily", *(f"{det} {noun}" for det in ("each", "every", "per", "a") for noun in _EACH_NOUNS))
_EACH_JOIN = (" ", ", ", ": ", " for ", ", for ", " is ", " lasts ", " runs ", " of ")
UNITS_BEFORE = tuple(
    sorted(
        {f"{noun} {verb} " for noun in _UNIT_NOUNS for verb in _UNIT_VERBS}
        | {f"{unit}{join}" for unit in _EACH_UNIT for join in _EACH_JOIN}
        | {f"{unit} {sign} " for unit in ("days", "evenings", "sessions") for sign in ("x", "\u00d7", "*")}
        | {"lasting ", "that lasts ", "that last ", "which lasts ", "which last "},
        key=len,
        reverse=True,
    )
)

COUNT = re.compile(
    rf"{CORE}\s*(?:(?:\d+(?:\.\d+)?-{_HOURS}|(?!hours?\b|hrs?\b|minutes?\b|weeks?\b)[a-z]+)[\s-]+){{0,2}}?"
    rf"(?P<unit>{_DAY_UNITS}|{_SESSION_UNITS})(?:\s*(?:{_WEEK_TAIL}|/\s*(?:week|wk)(?![a-z]))"
    # "3 days x 3 hrs": a count multiplied by hours.
    r"|(?<=s)(?=\s*[x\u00d7*]\s*\d))"
)

# The unit named first, as in a list of program facts: "Sessions per week: 3", "Hours per day: 6".
_FACT = r"\s*(?::|=|-|is|are)?\s*"
COUNT_FIRST = re.compile(
    rf"\b(?:days|sessions|evenings|groups|times|visits)\s+(?:per|a|each|/)\s*(?:week|wk)\b{_FACT}{_Q}"
    rf"(?!\s*-?\s*{_HOURS})"
)
PER_DAY_FIRST = re.compile(rf"\bhours\s+(?:per|a|each|/)\s*(?:day|session|group)\b{_FACT}{_Q}(?!\s*(?:days?|per))")
# A figure for another population after a weekly one, with its unit left out: "9 or more hours of
# service a week for adults, 6 or more for adolescents".
_POPULATION = r"(?:the\s+)?(?:adolescents?|adults?|youth|teens?|teenagers|children|minors|young adults)\b"
POPULATION_FIGURE = re.compile(
    rf"(?:\s+for\s+{_POPULATION})?\s*(?:,|;|and|while)\s*(?:and\s+)?{_Q}(?:\s*{_HOURS})?"
    rf"\s+(?:(?:a|per)\s+week\s+|weekly\s+)?for\s+{_POPULATION}"
)

# A count right after another activity belongs to it: "attend school two days a week", "keep
# working three days a week", "tutoring two afternoons a week".
OTHER_ACTIVITY = re.compile(
    r"\b(?:school|work|works|working|job|jobs|tutoring|sports|practice|volunteering|employment|shifts?|classroom"
    r"|instruction|academics|schooling|homework|classes)\s+"
    r"(?:[a-z]+\s+)?$"
)

_SERVICE_AFTER = re.compile(
    r"\s+of\s+(?:[a-z-]+\s+){0,2}?(?:treatment|therapy|therapies|programming|programs?|services?|care|groups?"
    r"|counseling|structured)\b"
)
_WEEKS_AFTER = re.compile(r"[^.;!?\n|]{0,40}?\b(?:over|across|in|during|within|for)\s+(?:the\s+)?(?:\d+|first|course)")
_PROGRAM_LENGTH = re.compile(r"\b\d+(?:\s*-\s*\d+)?[- ]weeks?\b|\bweeks? long\b")
_HOUR_ADJECTIVE = re.compile(r"\d-h")  # "24-hour line"
_NOT_WEEKLY_BEFORE = ("within ", "every ", "after ", "before ", "total of ", "a total of ", "up to ")


_WEEK_WORD = re.compile(r"\b(?:(?:each|every|per|a|one|in a) week|weekly)\b")
_WEEK_PAREN = re.compile(r"(?:week|wk|weekly)\s*\(\s*$")
_COUNT_BEFORE = re.compile(r"\d\s*(?:[a-z-]+\s+){0,2}$")
_DIGIT = re.compile(r"\d")


def week_beside(text: str, begin: int, end: int, sentence_start: int, next_sentence_end: int) -> bool:
    """A figure of hours with no unit after it is weekly when the week is named beside it.

    Before it in its sentence ("Each week, clients complete 16 hours"; "3 evenings a week (9
    hours)"), unless the week belongs to a count ("3 days a week for 3 hours" is per day); or after
    it, with no other figure, up to the end of the next sentence ("offers 9-12 hours of services.
    That's each week").
    """
    window = text[max(sentence_start, begin - 60) : begin]
    if _WEEK_PAREN.search(window):
        return True
    weeks = list(_WEEK_WORD.finditer(window))
    if weeks:
        gap = window[weeks[-1].end() :]
        counted = _COUNT_BEFORE.search(window, 0, weeks[-1].start())
        if not _DIGIT.search(gap) and not NOT_WEEKLY_FILL.search(gap) and not counted:
            return True
    after = text[end : min(next_sentence_end, end + 160)]  # bounded: long pages stay linear
    week = _WEEK_WORD.search(after)
    return week is not None and not _DIGIT.search(after) and not NOT_WEEKLY_FILL.search(after, 0, week.start())


def bare_weekly(text: str, begin: int, head: re.Match[str], hedge: str | None) -> bool:
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
    # "This 8-week program ... totaling 72 hours": a total over the program named before it.
    sentence = text[clause_start(text, max(0, begin - 160), begin) : begin]
    return _WEEKS_AFTER.match(text, head.end()) is None and _PROGRAM_LENGTH.search(sentence) is None
