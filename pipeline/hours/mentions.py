"""Find the pieces a schedule is made of in normalized text (see `textnorm`).

Each `Mention` is one reading with its position: a stated weekly total, hours per day or session,
a count of days or sessions per week, a set of week days, a clock span, or the name of a level of
care. `estimate` combines them; nothing here adds or multiplies.

Each kind of piece is read by its own module: `quantities` (figures and hedges), `durations`
(weekly totals, hours per day, counts), `days` (week days), `clock` (clock spans); `positions`
has sentences and overlaps. This module finds all of them in one text, in order.
"""

from pipeline.hours.clock import LEADS, SPAN, clock_span, start_end_spans, window_spans
from pipeline.hours.days import DAYS, DayIndex, day_set
from pipeline.hours.durations import (
    COUNT,
    COUNT_FIRST,
    DAY_UNIT_STEMS,
    FOR,
    HOURS_HEAD,
    NOT_WEEK,
    NOT_WEEKLY_FILL,
    OTHER_ACTIVITY,
    PER_DAY_FIRST,
    PER_DAY_TAILS,
    POPULATION_FIGURE,
    UNITS_BEFORE,
    WEEKLY,
    WEEKLY_TAIL,
    bare_weekly,
    week_beside,
)
from pipeline.hours.model import WEEK_HOURS, Kind, Mention
from pipeline.hours.positions import Overlap, phrase_before, sentence_bounds, sentence_of
from pipeline.hours.quantities import (
    BARE_DAY_SHARE,
    MAX_BARE_SESSION_HOURS,
    MAX_DAYS_PER_WEEK,
    MAX_HOURS_PER_DAY,
    MAX_SESSIONS_PER_WEEK,
    NOT_NUMBER_START,
    NUMBER,
    at_numbers,
    bound_after,
    quantity,
)
from schemas.level_names import LEVEL_NAMES, PHP_CUES


def find_mentions(text: str, levels: bool = True) -> list[Mention]:
    """All mentions in normalized `text`, ordered by position.

    With `levels`, also the names of levels of care and the PHP-intensity cues (`schemas.level_names`).
    """
    bounds = sentence_bounds(text)
    starts = [m.start() for m in NUMBER.finditer(text) if m.start() == 0 or text[m.start() - 1] not in NOT_NUMBER_START]
    found: list[Mention] = []

    def mention(kind: Kind, start: int, end: int, **values: object) -> Mention:
        return Mention(kind, start, end, sentence_of(bounds, start), **values)  # type: ignore[arg-type]

    # Cheap substring tests skip patterns that cannot match; most texts lack most words.
    has_week = "week" in text or "wk" in text
    weekly: list[Mention] = []
    per_day: list[Mention] = []
    bare: list[Mention] = []  # "2-3 hours" with no unit: per session if days are named beside it
    for head, begin, pre in at_numbers(HOURS_HEAD, text, starts):
        value = quantity(head, pre)
        tail = WEEKLY_TAIL.match(text, head.end()) if has_week else None
        if tail is not None and not NOT_WEEKLY_FILL.search(tail["fill"]):
            # The bound may follow the unit ("9 hours or more per week") or the week ("... or more").
            value, _ = bound_after(text, head.end(), value)
            value, end = bound_after(text, tail.end(), value)
            if value.within(0, WEEK_HOURS):
                weekly.append(mention(Kind.WEEKLY, begin, end, value=value))
            continue
        if value.lo is not None and value.lo > MAX_HOURS_PER_DAY:
            # Too many hours for one day: "20 or more hours", "25 hours of treatment" are weekly.
            if bare_weekly(text, begin, head, pre):
                weekly.append(mention(Kind.WEEKLY, begin, head.end(), value=value))
            continue
        if head["adj"] or not value.within(0, MAX_HOURS_PER_DAY):
            continue
        unit = phrase_before(text, begin, UNITS_BEFORE)
        if unit is not None:
            if NOT_WEEK.match(text, head.end()):
                per_day.append(mention(Kind.PER_DAY, begin - len(unit), head.end(), value=value))
            continue
        for pattern, needs_for in PER_DAY_TAILS:
            tail = pattern.match(text, head.end())
            if tail is None or "week" in (tail.groupdict().get("fill") or ""):
                continue
            if needs_for:
                index = sentence_of(bounds, begin)
                sentence_start = bounds[index - 1] if index else 0
                if week_beside(text, begin, head.end(), sentence_start, bounds[min(index + 1, len(bounds) - 1)]):
                    weekly.append(mention(Kind.WEEKLY, begin, head.end(), value=value))
                    break
                if phrase_before(text, begin, FOR) is None:
                    if value.hi is not None:
                        bare.append(mention(Kind.PER_DAY, begin, head.end(), value=value))
                    break
                begin -= len("for ")
            per_day.append(mention(Kind.PER_DAY, begin, max(tail.end(), head.end()), value=value))
            break
    # The unit before the figure ("weekly total of 9 hours", "Program hours: 10 per week"), once,
    # not again where "9 hours" was read.
    for pattern, word in zip(WEEKLY, ("weekly ", "hours"), strict=True):
        if word not in text or not has_week:
            continue
        read = Overlap(weekly)
        for match in pattern.finditer(text):
            item = mention(Kind.WEEKLY, match.start(), match.end(), value=quantity(match))
            if item.value and item.value.within(0, WEEK_HOURS) and not read.any(item.start, item.end):
                weekly.append(item)
    if weekly and " for " in text:
        # "... a week for adults, 6 or more for adolescents": the second figure is weekly too (an
        # alternative, as figures for two populations are).
        for item in list(weekly):
            extra = POPULATION_FIGURE.match(text, item.end)
            if extra is not None and (value := quantity(extra)).within(0, WEEK_HOURS):
                weekly.append(mention(Kind.WEEKLY, extra.start("a"), extra.end(), value=value))
    first: list[Mention] = []  # "Sessions per week: 3", "Hours per day: 6"
    if "per " in text or "a week" in text or "/" in text:
        for pattern, kind in ((COUNT_FIRST, Kind.COUNT), (PER_DAY_FIRST, Kind.PER_DAY)):
            for match in pattern.finditer(text):
                first.append(mention(kind, match.start(), match.end(), value=quantity(match)))
        taken = Overlap(per_day)
        per_day += [m for m in first if m.kind is Kind.PER_DAY and not taken.any(m.start, m.end)]
    found += weekly
    found += per_day

    has_times = " x " in text or "\u00d7" in text or " * " in text  # "3 days x 3 hrs"
    for match, begin, pre in at_numbers(COUNT, text, starts) if has_week or has_times else ():
        if OTHER_ACTIVITY.search(text, max(0, begin - 30), begin):
            continue  # "attend school two days a week": not the program's days (rule 11)
        value = quantity(match, pre)
        limit = MAX_DAYS_PER_WEEK if match["unit"].startswith(DAY_UNIT_STEMS) else MAX_SESSIONS_PER_WEEK
        if value.within(0, limit):
            found.append(mention(Kind.COUNT, begin, match.end(), value=value))

    if first:
        taken = Overlap([m for m in found if m.kind is Kind.COUNT])
        found += [m for m in first if m.kind is Kind.COUNT and not taken.any(m.start, m.end)]
    day_mentions = [mention(Kind.DAYS, m.start(), m.end(), days=day_set(m.group(0))) for m in DAYS.finditer(text)]
    day_mentions = [m for m in day_mentions if m.days]
    found += day_mentions
    day_index = DayIndex(day_mentions)

    windows = window_spans(text, bounds)
    in_window = Overlap(windows)
    spans: list[Mention] = []
    last_end = -1
    for position in starts:
        match = SPAN.match(text, position) if position >= last_end else None
        if match is None or (windows and in_window.any(position, match.end())):
            continue
        lead = phrase_before(text, position, LEADS)
        span = clock_span(match, lead, day_index)
        if span:
            last_end = match.end()
            spans.append(mention(Kind.SPAN, position - len(lead) if lead else position, match.end(), span=span))
    spans += windows
    found += spans
    found += start_end_spans(text, bounds, spans)
    if bare:
        # A figure with no unit beside days is per day when it is small, or when as a weekly total
        # it would leave under 1.5 hours a day ("Tuesday through Saturday ... 6 hours of
        # counseling"); otherwise ("3 days a week, 9 hours") it could be either and is left out.
        days_in: dict[int, float] = {}
        for m in found:
            days = len(m.days) if m.kind is Kind.DAYS else m.value.hi if m.kind is Kind.COUNT and m.value else None
            if days:
                days_in[m.sentence] = max(days_in.get(m.sentence, 0), days)
        taken = Overlap(found)
        found += [
            m
            for m in bare
            if m.sentence in days_in
            and m.value
            and m.value.hi is not None
            and (m.value.hi <= MAX_BARE_SESSION_HOURS or m.value.hi < BARE_DAY_SHARE * days_in[m.sentence])
            and not taken.any(m.start, m.end)
        ]

    if levels:
        # A brand name ("A New Day Treatment Center") matches with no level: not a program's name.
        found += [
            mention(Kind.PROGRAM, m.start(), m.end(), program=m.lastgroup)
            for m in LEVEL_NAMES.finditer(text)
            if m.lastgroup
        ]
        found += [mention(Kind.CUE, m.start(), m.end()) for m in PHP_CUES.finditer(text)]
    found.sort(key=lambda m: (m.start, m.end))
    return found
