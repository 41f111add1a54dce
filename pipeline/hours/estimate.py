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

The pieces: `mentions` reads the text, `levels` keeps the parts about the requested level of
care, `timetable` and `readings` combine the pieces into a stated and a derived reading; this
module weighs the two and quotes the evidence.
"""

from collections.abc import Iterable, Sequence

from pipeline.hours.levels import select_program
from pipeline.hours.mentions import find_mentions
from pipeline.hours.model import HoursEstimate, Interval, Kind, Mention, Session, Track, alternatives
from pipeline.hours.readings import Reading, derived_reading, stated_reading
from pipeline.hours.textnorm import MappedText, normalize
from schemas.vocab import HoursBasis

# Stated and derived figures closer than this are the same figure written two ways.
AGREEMENT_TOLERANCE_H = 0.5
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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
    stated = Reading(None, [])
    derived = Reading(None, [])
    mapped: MappedText | None = None
    levels_named: frozenset[str] = frozenset()
    cues: tuple[str, ...] = ()
    if joined:
        mapped = normalize(joined)
        found = find_mentions(mapped.text, levels=program is not None if levels is None else levels)
        levels_named = frozenset(m.program for m in found if m.kind is Kind.PROGRAM and m.program)
        mentions = select_program(found, mapped.text, program)
        cues = _evidence(mapped, [m for m in mentions if m.kind is Kind.CUE])
        stated = stated_reading(mentions)
        derived = derived_reading(mentions, mapped.text)
    session_interval, session_evidence = _session_reading(sessions) if sessions else (None, ())
    derived_interval = _bounded(alternatives(i for i in (derived.interval, session_interval) if i is not None))
    # Alternatives open on both sides ("up to 9 hours a week" or "20 or more hours") bound nothing:
    # no reading, rather than a `stated` basis without hours.
    stated.interval = _bounded(stated.interval)

    def quote(reading: Reading) -> tuple[str, ...]:
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
