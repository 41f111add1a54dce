"""Weekly timetables from clock spans and week days: spans attach to days, blocks add up or split into tracks."""

import re
from bisect import bisect_right
from dataclasses import dataclass

from pipeline.hours.clock import resolve_end
from pipeline.hours.days import DAYS, day_set
from pipeline.hours.model import Kind, Mention, Track
from pipeline.hours.positions import clause_start, sentence_of

# Hours that say when the phone is answered or admissions are open, not when the programme runs.
# Such a clause runs from these words to the end of its sentence, or to the first word about the
# programme ("Call to schedule an assessment ... our IOP meets ...").
_OFFICE = re.compile(
    r"\b(?:(?:office|business|administrative|clinic)\s+(?:hours|is open)|front desk|reception|call center"
    r"|phone lines?|phones? (?:are |is )?answered|intake|admissions?|admisiones|hours of operation|operating hours"
    r"|visiting hours|visitation|call|llame)\b"
)
_OFFICE_WORDS = ("office", "business", "administrative", "clinic", "front desk", "reception", "call", "phone")
_OFFICE_WORDS += ("intake", "admis", "operat", "llame", "visit")
_PROGRAMME_WORDS = re.compile(
    r"\b(?:groups?|programs?|programming|programa|sessions?|iop|php|treatment|clients|patients|participants"
    r"|meets?|held|attend|runs?)\b"
)
_EXCEPT = re.compile(r"\bexcept|\bexception\b|\bexcluding\b|\bbut\b")
# Words between two blocks that make the second an alternative schedule, never added to the first:
# another track or option, another season ("during the school year ... in summer").
_OR = re.compile(
    r"\b(?:or|alternatively|instead|track|option|summer|winter|school[- ]year|school is|during school|semester"
    r"|holidays?|school breaks?"
    r"|(?:day|daytime|morning|afternoon|evening|night)\s+(?:[a-z]+\s+)?(?:schedule|program|hours|group))\b"
)
# "9 a.m. to noon on Saturdays": a day set right after a span, introduced by "on", takes it. Only
# when "on" is all that stands between them: in "Monday 9-12, or on Wednesday 1-4" the first span
# stays with Monday.
_ON = re.compile(r"^[\s(]*(?:on|every|each)\s*$")
_REFINEMENT = re.compile(r"^\s*\(\s*(?:[a-z,]+\s+){0,2}$")


@dataclass
class Block:
    """Clock span attached to week days."""

    days: frozenset[int]
    span: tuple[int, int]
    mentions: tuple[Mention, ...]
    sentence: int
    window: tuple[int, int] | None = None  # the shortest day, when start and end are windows

    @property
    def start(self) -> int:
        return min(m.start for m in self.mentions)

    @property
    def end(self) -> int:
        return max(m.end for m in self.mentions)


# "..., except Wednesdays, when group ends at 1 p.m.": those days end earlier.
_EARLY_END = re.compile(
    rf"\b(?:except|but|excluding|however)\s+(?:on\s+)?(?P<days>{DAYS.pattern})\s*,?\s*(?:when|where)?\s*"
    r"(?:[a-z]+\s+){0,3}?(?:ends?|finish(?:es)?|concludes?|runs? until|goes until|lets? out|is over|wraps? up)\s+"
    r"(?:at\s+|by\s+)?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ap>am|pm)?(?![\d:])"
)


def early_ends(tracks: list[Track], text: str) -> None:
    """Shorten the days an exception ends earlier ("except Fridays, when the program ends at noon")."""
    if "except" not in text and "but" not in text and "however" not in text:
        return
    for match in _EARLY_END.finditer(text):
        minutes = int(match["h"]) * 60 + int(match["m"] or 0)
        for track in tracks:
            for day in day_set(match["days"]) & track.days.keys():
                shortened = []
                for start, end in track.days[day]:
                    stop = resolve_end(start, minutes, match["ap"])
                    shortened.append((start, min(end, stop)) if stop > start else (start, end))
                track.days[day] = shortened


def office_hours(mentions: list[Mention], text: str, bounds: list[int]) -> list[Mention]:
    """The mentions of `mentions` that lie in a clause about office, intake or admissions hours."""
    if not any(word in text for word in _OFFICE_WORDS):
        return []
    regions: list[list[int]] = []
    for match in _OFFICE.finditer(text):
        end = bounds[sentence_of(bounds, match.start())]
        programme = _PROGRAMME_WORDS.search(text, match.end(), end)
        stop = programme.start() if programme else end
        # Matches come in text order: a region that starts inside the last one extends it.
        if regions and match.start() <= regions[-1][1]:
            regions[-1][1] = max(regions[-1][1], stop)
        else:
            regions.append([match.start(), stop])
    starts = [start for start, _ in regions]
    inside = []
    for m in mentions:
        index = bisect_right(starts, m.start) - 1
        if index >= 0 and m.start < regions[index][1]:
            inside.append(m)
    return inside


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


def timetable_blocks(mentions: list[Mention], text: str) -> tuple[list[Block], list[Mention], list[Mention]]:
    """Attach clock spans to week days, per sentence.

    Returns the blocks, the spans left without days, and the day sets no span took.
    """
    blocks: list[Block] = []
    loose_spans: list[Mention] = []
    claimed: set[int] = set()
    day_sets = [m for m in mentions if m.kind is Kind.DAYS]
    by_sentence: dict[int, list[Mention]] = {}
    for m in mentions:
        if m.kind is Kind.DAYS or m.kind is Kind.SPAN:
            by_sentence.setdefault(m.sentence, []).append(m)
    if not any(m.kind is Kind.SPAN for m in mentions):
        return blocks, loose_spans, day_sets
    for sentence in sorted(by_sentence):
        items = by_sentence[sentence]
        spans = _refine_spans([m for m in items if m.kind is Kind.SPAN], text)
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
            blocks.append(Block(days.days, item.span, (days, item), sentence, item.window))
    unclaimed = [m for m in day_sets if id(m) not in claimed]
    return blocks, loose_spans, unclaimed


def _restates_week(track: Track, block: Block) -> bool:
    # A block on every day of a week of several days schedules that week again; a second session
    # on the one day scheduled so far ("Monday | 9:00-10:30" ... "Monday | 10:30-12:00") does not.
    return len(track.days) > 1 and block.days >= track.days.keys()


def _same_slot(track: Track, block: Block) -> bool:
    return all(block.span in track.days.get(day, ()) for day in block.days)


def timetable_tracks(blocks: list[Block], text: str) -> list[Track]:
    """Weekly schedules from blocks: sessions of one week add, exceptions replace, alternatives split.

    Sessions on other days, or at other times of a day already scheduled, add up (a group Monday
    and Thursday 4-6 pm plus another Tuesday 4-5 pm); the same slot named twice counts once. A
    block after "or", a track or a season, one that restates every day of the week in a new
    sentence, or one that overlaps a scheduled session starts an alternative.
    """
    tracks: list[Track] = []
    previous: Block | None = None
    for block in blocks:
        gap = text[previous.end : block.start] if previous is not None else ""
        if previous is not None and previous.sentence != block.sentence:
            # Only the words that lead into the block's own sentence join it to the last one: an
            # "or" in a sentence about something else ("family, work, or financial problems")
            # says nothing about the schedule.
            gap = gap[clause_start(gap, 0, len(gap)) :]
        current = tracks[-1] if tracks else None
        new_sentence = previous is not None and previous.sentence != block.sentence
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
        elif _same_slot(current, block):
            pass
        elif not current.overlaps(block.days, block.span) and not (new_sentence and _restates_week(current, block)):
            for day in block.days:
                current.days.setdefault(day, []).append(block.span)
        elif _restates_week(current, block) or new_sentence:
            tracks.append(Track({d: [block.span] for d in block.days}))
        else:
            variant = current.copy()
            for day in block.days:
                variant.days[day] = [block.span]
            tracks.append(variant)
        previous = block
    return tracks
