"""Weekly program hours from free text and structured sessions.

The semantics are those of `../shared/eval/README.md`:

- clock spans count elapsed time, lunch included; day ranges are inclusive;
- a stated weekly total wins over arithmetic; when both exist and differ the total is kept and the
  basis says `stated_and_derived_disagree`;
- ranges multiply bound by bound; "at least N" / "N or more" leave the upper bound open, "up to N"
  the lower one; "about N" is N;
- alternatives (day vs evening track, school year vs summer, two statements of one program) give
  the smallest and the largest variant, never a sum;
- program length ("6-week", "16 sessions over 4 weeks") is not weekly intensity;
- when a text names several levels of care, only the parts about the requested one count.
"""

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.hours.mentions import Kind, Mention, find_mentions
from pipeline.hours.model import HoursEstimate, Interval, Session, Track, alternatives
from pipeline.hours.textnorm import MappedText, normalize
from schemas.vocab import HoursBasis

# Stated and derived figures closer than this are the same figure written two ways.
AGREEMENT_TOLERANCE_H = 0.5
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Connectors between two names of levels of care that make them one subject ("PHP and IOP").
# The separator runs are possessive: giving their characters back to `[\s,()]*$` only repeats a
# failing match, quadratically in the length of a long run of separators.
_JOINED = re.compile(
    r"^[\s,()/&-]*+(?:(?:programs?|treatment|services?|level)[\s,()/&-]*+)*(?:(?:and|or|&|/)\s*)?"
    r"(?:the\s+|our\s+)?[\s,()]*$"
)
# A level named after these words is a reference ("step down from PHP"), not the subject.
_REFERENCE = re.compile(
    r"\b(?:from|than|to|unlike|after|before|vs|versus|into|towards?|of)\s+(?:an?\s+|the\s+|our\s+)?$"
)
_OFFICE = re.compile(
    r"\b(?:office|business|administrative|front desk|reception|call center|phone lines?|intake)\s+(?:hours|is open)\b"
)
_OFFICE_WORDS = ("office", "business", "administrative", "front desk", "reception", "call center", "phone", "intake")
_EXCEPT = re.compile(r"\bexcept|\bexception\b|\bexcluding\b|\bbut\b")
_OR = re.compile(r"\bor\b|\balternatively\b|\binstead\b")
# "9 a.m. to noon on Saturdays": a day set right after a span, introduced by "on", takes it. Only
# when "on" is all that stands between them: in "Monday 9-12, or on Wednesday 1-4" the first span
# stays with Monday.
_ON = re.compile(r"^[\s(]*(?:on|every|each)\s*$")
_REFINEMENT = re.compile(r"^\s*\(\s*(?:[a-z,]+\s+){0,2}$")


@dataclass
class _Block:
    """Clock span attached to week days."""

    days: frozenset[int]
    span: tuple[int, int]
    mentions: tuple[Mention, ...]
    sentence: int

    @property
    def start(self) -> int:
        return min(m.start for m in self.mentions)

    @property
    def end(self) -> int:
        return max(m.end for m in self.mentions)


def select_program(mentions: Sequence[Mention], text: str, program: str | None) -> list[Mention]:
    """The mentions about `program` when the text names more than one level of care.

    A name starts a segment that runs to the next name of another level; names joined by
    "and"/"or" share one segment; the part before the first name is shared by all.
    """
    names = [m for m in mentions if m.kind is Kind.PROGRAM]
    others = [m for m in mentions if m.kind is not Kind.PROGRAM]
    if program is None or len({m.program for m in names}) < 2 or program not in {m.program for m in names}:
        return others
    # Group names into subjects: (start offset, set of programs).
    subjects: list[tuple[int, set[str]]] = []
    previous: Mention | None = None
    for name in names:
        if previous is not None and _JOINED.match(text[previous.end : name.start]):
            subjects[-1][1].add(name.program or "")
        elif _REFERENCE.search(text[max(0, name.start - 20) : name.start]) and subjects:
            pass
        else:
            subjects.append((name.start, {name.program or ""}))
        previous = name
    if not subjects:
        return others
    # A mention belongs to the last subject that starts at or before it (subjects are in text order).
    subject_starts = [start for start, _ in subjects]
    keep: list[Mention] = []
    for mention in others:
        index = bisect_right(subject_starts, mention.start) - 1
        if index < 0 or program in subjects[index][1]:
            keep.append(mention)
    return keep


def _sentence_start(text: str, position: int) -> int:
    return max(text.rfind(c, 0, position) for c in ".;!?\n|") + 1


def _refine_spans(spans: list[Mention], text: str) -> list[Mention]:
    """Drop a span restated more precisely in parentheses right after it ("9-5 (10-2:30 for programs)")."""
    kept: list[Mention] = []
    for span in spans:
        if kept and kept[-1].sentence == span.sentence and _REFINEMENT.match(text[kept[-1].end : span.start]):
            closing = text.find(")", span.end)
            if closing != -1 and not re.search(r"\b(?:on|every|each)\b", text[span.end : closing]):
                kept[-1] = span
                continue
        kept.append(span)
    return kept


def _blocks(mentions: list[Mention], text: str) -> tuple[list[_Block], list[Mention], list[Mention]]:
    """Attach clock spans to week days, per sentence.

    Returns the blocks, the spans left without days, and the day sets no span took.
    """
    blocks: list[_Block] = []
    loose_spans: list[Mention] = []
    claimed: set[int] = set()
    day_sets = [m for m in mentions if m.kind is Kind.DAYS]
    by_sentence: dict[int, list[Mention]] = {}
    for m in mentions:
        if m.kind is Kind.DAYS or m.kind is Kind.SPAN:
            by_sentence.setdefault(m.sentence, []).append(m)
    if not any(m.kind is Kind.SPAN for m in mentions):
        return blocks, loose_spans, day_sets
    office_words = any(word in text for word in _OFFICE_WORDS)
    for sentence in sorted(by_sentence):
        items = by_sentence[sentence]
        spans = _refine_spans([m for m in items if m.kind is Kind.SPAN], text)
        if spans and office_words and _OFFICE.search(text, _sentence_start(text, spans[0].start), spans[0].start):
            # Office or intake hours say when the phone is answered, not when the programme runs.
            spans = []
        items = sorted([m for m in items if m.kind is Kind.DAYS] + spans, key=lambda m: m.start)
        previous_days: Mention | None = None
        for index, item in enumerate(items):
            if item.kind is not Kind.SPAN:
                continue
            before = items[index - 1] if index > 0 and items[index - 1].kind is Kind.DAYS else None
            after = items[index + 1] if index + 1 < len(items) and items[index + 1].kind is Kind.DAYS else None
            after_on = after is not None and _ON.search(text[item.end : after.start]) is not None
            after_leads_span = (
                after is not None and index + 2 < len(items) and items[index + 2].kind is Kind.SPAN and not after_on
            )
            days: Mention | None = None
            if after is not None and (after_on or before is None or id(before) in claimed):
                if after_on or not after_leads_span:
                    days = after
                elif before is not None and id(before) not in claimed:
                    days = before
                elif previous_days is not None:
                    days = previous_days
                else:
                    days = after
            elif before is not None:
                days = before
            elif previous_days is not None and not re.search(r"[.(]", text[blocks[-1].end : item.start]):
                days = previous_days
            if days is None:
                loose_spans.append(item)
                continue
            claimed.add(id(days))
            previous_days = days
            assert item.span is not None
            blocks.append(_Block(days.days, item.span, (days, item), sentence))
    unclaimed = [m for m in day_sets if id(m) not in claimed]
    return blocks, loose_spans, unclaimed


def _tracks(blocks: list[_Block], text: str) -> list[Track]:
    """Weekly schedules from blocks: same-day blocks add, exceptions replace, alternatives split."""
    tracks: list[Track] = []
    previous: _Block | None = None
    for block in blocks:
        gap = text[previous.end : block.start] if previous is not None else ""
        current = tracks[-1] if tracks else None
        if current is None:
            tracks.append(Track({d: [block.span] for d in block.days}))
        elif _EXCEPT.search(gap):
            for day in block.days:
                current.days[day] = [block.span]
        elif _OR.search(gap):
            tracks.append(Track({d: [block.span] for d in block.days}))
        elif not block.days & current.days.keys():
            for day in block.days:
                current.days[day] = [block.span]
        elif (
            previous is not None
            and previous.sentence == block.sentence
            and not current.overlaps(block.days, block.span)
        ):
            for day in block.days:
                current.days.setdefault(day, []).append(block.span)
        elif block.days >= current.days.keys() or (previous is not None and previous.sentence != block.sentence):
            tracks.append(Track({d: [block.span] for d in block.days}))
        else:
            variant = current.copy()
            for day in block.days:
                variant.days[day] = [block.span]
            tracks.append(variant)
        previous = block
    return tracks


@dataclass
class _Reading:
    interval: Interval | None
    mentions: list[Mention]


def _nearest_days(lengths: list[Mention], day_sets: list[Mention]) -> list[Mention]:
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


def _derive(mentions: list[Mention], text: str) -> _Reading:
    """Hours from days x hours per day, or from a weekly timetable."""
    blocks, loose_spans, loose_days = _blocks(mentions, text)
    tracks = [t for t in _tracks(blocks, text) if t.days]
    counts = [m for m in mentions if m.kind is Kind.COUNT]
    count = alternatives(m.value for m in counts if m.value)
    length_mentions = [m for m in mentions if m.kind is Kind.PER_DAY] + loose_spans
    lengths = [
        m.value if m.value else Interval.point((m.span[1] - m.span[0]) / 60)
        for m in length_mentions
        if m.value or m.span
    ]
    block_mentions = [m for b in blocks for m in b.mentions]

    candidates: list[Interval] = []
    used: list[Mention] = []
    if tracks:
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
                near = _nearest_days(length_mentions, [d for d in loose_days if d.sentence in length_sentences])
                days = (
                    count
                    or alternatives(Interval.point(len(m.days)) for m in near)
                    or alternatives(Interval.point(n) for n in track_days)
                )
                if days is not None:
                    candidates.append(days.times(per_day))
                    used += length_mentions + near
    else:
        near = _nearest_days(length_mentions, loose_days)
        days = count or alternatives(Interval.point(len(m.days)) for m in near)
        per_day = alternatives(lengths)
        if days is not None and per_day is not None:
            candidates.append(days.times(per_day))
            used += (counts or near) + length_mentions
    candidates = [c for c in candidates if not c.empty and c.within(0, 168)]
    return _Reading(alternatives(candidates), used)


def _stated(mentions: list[Mention]) -> _Reading:
    weekly = [m for m in mentions if m.kind is Kind.WEEKLY]
    return _Reading(alternatives(m.value for m in weekly if m.value), weekly)


def _disagree(stated: Interval, derived: Interval) -> bool:
    pairs = [(stated.lo, derived.lo), (stated.hi, derived.hi)]
    return any(a is not None and b is not None and abs(a - b) > AGREEMENT_TOLERANCE_H for a, b in pairs)


def _evidence(mapped: MappedText, mentions: Iterable[Mention]) -> tuple[str, ...]:
    spans = sorted(mapped.original_span(a, b) for m in mentions for a, b in ((m.start, m.end), *m.also))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + 2:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(mapped.original[s:e].strip() for s, e in merged if mapped.original[s:e].strip())


def _session_reading(sessions: Sequence[Session]) -> tuple[Interval | None, tuple[str, ...]]:
    by_track: dict[str | None, Track] = {}
    for session in sessions:
        track = by_track.setdefault(session.track, Track())
        track.days.setdefault(session.day, []).append((session.start, session.end))
    interval = alternatives(Interval.point(t.weekly_hours) for t in by_track.values() if t.days)
    rendered = tuple(
        f"{(s.track + ': ') if s.track else ''}{_DAY_NAMES[s.day]} {s.start // 60:02d}:{s.start % 60:02d}"
        f"-{(s.end // 60) % 24:02d}:{s.end % 60:02d}"
        for s in sessions
    )
    return interval, rendered


def _bounded(interval: Interval | None) -> Interval | None:
    return None if interval is None or interval.empty else interval


def estimate_hours(
    text: str | None = None,
    *,
    context: str | None = None,
    sessions: Sequence[Session] = (),
    program: str | None = None,
    levels: bool | None = None,
) -> HoursEstimate:
    """Weekly hours of a program from its schedule text and/or structured sessions.

    `context` is further text from the same page, read together with `text`. `program` ("iop",
    "php", "op") selects the level of care when the text describes several. `levels` (default:
    when a program is given) also reports the levels the text names and its PHP cues.
    """
    joined = "\n".join(t for t in (text, context) if t and t.strip())
    stated = _Reading(None, [])
    derived = _Reading(None, [])
    mapped: MappedText | None = None
    levels_named: frozenset[str] = frozenset()
    cues: tuple[str, ...] = ()
    if joined:
        mapped = normalize(joined)
        found = find_mentions(mapped.text, levels=program is not None if levels is None else levels)
        levels_named = frozenset(m.program for m in found if m.kind is Kind.PROGRAM and m.program)
        mentions = select_program(found, mapped.text, program)
        cues = _evidence(mapped, [m for m in mentions if m.kind is Kind.CUE])
        stated = _stated(mentions)
        derived = _derive(mentions, mapped.text)
    session_interval, session_evidence = _session_reading(sessions) if sessions else (None, ())
    derived_interval = _bounded(alternatives(i for i in (derived.interval, session_interval) if i is not None))
    # Alternatives open on both sides ("up to 9 hours a week" or "20 or more hours") bound nothing:
    # no reading, rather than a `stated` basis without hours.
    stated.interval = _bounded(stated.interval)

    def quote(reading: _Reading) -> tuple[str, ...]:
        return _evidence(mapped, reading.mentions) if mapped is not None else ()

    if stated.interval is not None:
        basis = HoursBasis.STATED
        evidence = quote(stated)
        if derived_interval is not None and _disagree(stated.interval, derived_interval):
            basis = HoursBasis.STATED_AND_DERIVED_DISAGREE
            evidence += quote(derived) + session_evidence
        return HoursEstimate(
            stated.interval.lo,
            stated.interval.hi,
            basis,
            evidence,
            stated.interval,
            derived_interval,
            levels_named,
            cues,
        )
    if derived_interval is not None:
        return HoursEstimate(
            derived_interval.lo,
            derived_interval.hi,
            HoursBasis.DERIVED,
            quote(derived) + session_evidence,
            None,
            derived_interval,
            levels_named,
            cues,
        )
    return HoursEstimate.unknown(levels_named, cues)
