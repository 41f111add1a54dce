"""The two readings of weekly hours from mentions: stated (weekly totals) and derived (days x hours per day).

A derived reading comes from a timetable, or from hours per day times a day count or the nearest
day set; the alternatives it finds give its smallest and largest variant, never a sum.
"""

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace

from pipeline.hours.model import Interval, Kind, Mention, alternatives
from pipeline.hours.positions import Overlap, sentence_bounds
from pipeline.hours.timetable import early_ends, office_hours, timetable_blocks, timetable_tracks


@dataclass
class Reading:
    """Weekly hours read one way, and the mentions they were read from (the evidence)."""

    interval: Interval | None
    mentions: list[Mention]


def nearest_days(lengths: list[Mention], day_sets: list[Mention]) -> list[Mention]:
    """For each hours-per-day figure, the day set it most likely goes with: same sentence, then nearest."""
    chosen: list[Mention] = []
    if not day_sets:
        return chosen
    # Day sets come from one scan, so they are disjoint and in text order, and so are their
    # sentences: the ones of a sentence are a slice, and the nearest to a figure lies at the
    # figure's insertion point (a scan of all of them per figure is quadratic on long pages).
    day_sets = sorted(day_sets, key=lambda d: d.start)
    sentences = [d.sentence for d in day_sets]
    starts = [d.start for d in day_sets]
    chosen_ids: set[int] = set()
    for length in lengths:
        low, high = bisect_left(sentences, length.sentence), bisect_right(sentences, length.sentence)
        if low == high:
            low, high = 0, len(day_sets)
        best = _nearest(day_sets, starts, low, high, length)
        if id(best) not in chosen_ids:
            chosen_ids.add(id(best))
            chosen.append(best)
    return chosen


def _nearest(day_sets: list[Mention], starts: list[int], low: int, high: int, length: Mention) -> Mention:
    """The first of `day_sets[low:high]` (disjoint, in text order) nearest to `length`."""

    def distance(d: Mention) -> int:
        return min(abs(d.start - length.end), abs(length.start - d.end))

    # Day sets ending before the figure get farther going back, those starting after it farther
    # going on; only the last one before, those overlapping it and the first one after compete.
    # At most one day set starts before the figure and overlaps it, hence the two steps back.
    first = max(low, bisect_left(starts, length.start, low, high) - 2)
    last = min(high, bisect_right(starts, length.end, low, high) + 1)
    return min(day_sets[first:last], key=distance)


def _length(m: Mention) -> Interval:
    """Hours a day or session of a figure or a clock span without days."""
    if m.value:
        return m.value
    assert m.span is not None
    return Interval.point((m.span[1] - m.span[0]) / 60)


# Clauses of one sentence: after "or" an alternative format, after ", and" / "plus" another part
# of the same week.
_SCHEDULE_KINDS = (Kind.SPAN, Kind.DAYS, Kind.COUNT, Kind.PER_DAY)
_OR = re.compile(r"\bor\b")
_AND = re.compile(r",\s*and\b|\band also\b|\bplus\b|\bas well as\b|\bin addition\b")
_ASIDE = re.compile(r"\([^()]*\)")


def _separators(text: str, taken: list[Mention]) -> tuple[list[int], list[int]]:
    """Where "or" and where ", and" / "plus" join clauses: not inside parentheses ("(mornings or
    afternoons)") nor a figure ("3 or 4 days a week")."""
    has_or, has_and = " or " in text, "and" in text or "plus" in text
    if not has_or and not has_and:
        return [], []
    asides = [m.span() for m in _ASIDE.finditer(text)] if "(" in text else []
    aside_starts = [a for a, _ in asides]
    inside_figure = Overlap(taken)

    def inside(position: int) -> bool:
        index = bisect_right(aside_starts, position) - 1  # asides are disjoint and in order
        return (index >= 0 and position < asides[index][1]) or inside_figure.any(position, position + 1)

    def where(pattern: re.Pattern[str], present: bool) -> list[int]:
        return [m.start() for m in pattern.finditer(text) if not inside(m.start())] if present else []

    return where(_OR, has_or), where(_AND, has_and)


def _sum(intervals: list[Interval]) -> Interval:
    lo = None if any(i.lo is None for i in intervals) else sum(i.lo for i in intervals if i.lo is not None)
    hi = None if any(i.hi is None for i in intervals) else sum(i.hi for i in intervals if i.hi is not None)
    return Interval(lo, hi)


def _paired_by_clause(counts: list[Mention], lengths: list[Mention], text: str, least: int = 2) -> list[Interval]:
    """Each count times the hours of its own clause, when counts stand in several clauses.

    Formats stated one per sentence or "or" clause ("Three days per week, 3-4 hours per day." ...
    "Five days per week, 2-3 hours per day.") are alternatives; parts joined by ", and" or "plus"
    ("counseling once a week for an hour, and group 3 days a week for 3 hours") add up (rule 10).
    A count with no hours in its clause is an untimed part and adds nothing. Empty (no pairing)
    unless counts stand in `least` clauses or more and one of them has hours.
    """
    ors, ands = _separators(text, counts + lengths)

    def clause(m: Mention) -> tuple[int, int, int]:
        return m.sentence, bisect_right(ors, m.start), bisect_right(ands, m.start)

    # One pass over each list: a scan of all lengths per clause is quadratic on long pages.
    days_of: dict[tuple[int, int, int], list[Interval]] = {}
    for m in counts:
        days_of.setdefault(clause(m), []).extend([m.value] if m.value else [])
    hours_of: dict[tuple[int, int, int], list[Interval]] = {}
    for m in lengths:
        if (m.value or m.span) and clause(m) in days_of:
            hours_of.setdefault(clause(m), []).append(_length(m))
    if len(days_of) < least or not hours_of:
        return []
    weeks: dict[tuple[int, int], list[Interval]] = {}
    for key, clause_hours in hours_of.items():
        days, per_day = alternatives(days_of[key]), alternatives(clause_hours)
        if days is not None and per_day is not None:
            weeks.setdefault(key[:2], []).append(days.times(per_day))
    return [_sum(parts) for parts in weeks.values()]


def derived_reading(mentions: list[Mention], text: str) -> Reading:
    """Hours from days x hours per day, or from a weekly timetable."""
    office = office_hours([m for m in mentions if m.kind in _SCHEDULE_KINDS], text, sentence_bounds(text))
    if office:
        dropped = {id(m) for m in office}
        mentions = [m for m in mentions if id(m) not in dropped]
    blocks, loose_spans, loose_days = timetable_blocks(mentions, text)
    tracks = [t for t in timetable_tracks(blocks, text) if t.days]
    early_ends(tracks, text)
    if any(b.window for b in blocks):
        # Days that start and end within windows: the shortest days are a variant of the week.
        shortest = [replace(b, span=b.window) if b.window else b for b in blocks]
        tracks += [t for t in timetable_tracks(shortest, text) if t.days]
    counts = [m for m in mentions if m.kind is Kind.COUNT]
    count = alternatives(m.value for m in counts if m.value)
    length_mentions = [m for m in mentions if m.kind is Kind.PER_DAY] + loose_spans
    lengths = [_length(m) for m in length_mentions if m.value or m.span]
    block_mentions = [m for b in blocks for m in b.mentions]

    candidates: list[Interval] = []
    used: list[Mention] = []
    if tracks and (own := _paired_by_clause(counts, loose_spans, text, least=1)):
        # A count with a clock span of its own ("Evening IOP: three nights a week, 5:30-8:30") is
        # another format beside the timetable ("Daytime option 10am to 1pm Monday-Thursday").
        candidates += [Interval.point(t.weekly_hours) for t in tracks] + own
        used += block_mentions + counts + loose_spans
    elif tracks:
        track_days = [len(t.days) for t in tracks]
        if count is not None and (count.lo, count.hi) != (min(track_days), max(track_days)):
            # Patients attend fewer (or more) days than the programme is open: count x programme day.
            day_lengths = lengths + [Interval.point(h) for t in tracks for h in t.day_lengths()]
            per_day = alternatives(day_lengths)
            if per_day is not None:
                candidates.append(count.times(per_day))
                used += counts + block_mentions + length_mentions
        else:
            candidates += [Interval.point(t.weekly_hours) for t in tracks]
            used += block_mentions + counts
            per_day = alternatives(lengths)
            if per_day is not None:
                # With a timetable, only day sets in a length's own sentence compete with it.
                length_sentences = {m.sentence for m in length_mentions}
                near = nearest_days(length_mentions, [d for d in loose_days if d.sentence in length_sentences])
                days = (
                    count
                    or alternatives(Interval.point(len(m.days)) for m in near)
                    or alternatives(Interval.point(n) for n in track_days)
                )
                if days is not None:
                    candidates.append(days.times(per_day))
                    used += length_mentions + near
    elif paired := _paired_by_clause(counts, length_mentions, text):
        candidates += paired
        used += counts + length_mentions
    else:
        near = nearest_days(length_mentions, loose_days)
        days = count or alternatives(Interval.point(len(m.days)) for m in near)
        per_day = alternatives(lengths)
        if days is not None and per_day is not None:
            candidates.append(days.times(per_day))
            used += (counts or near) + length_mentions
    candidates = [c for c in candidates if not c.empty and c.within(0, 168)]
    return Reading(alternatives(candidates), used)


def stated_reading(mentions: list[Mention]) -> Reading:
    """The weekly totals the text states; several are alternatives."""
    weekly = [m for m in mentions if m.kind is Kind.WEEKLY]
    return Reading(alternatives(m.value for m in weekly if m.value), weekly)
