"""Value types of the hours engine: open intervals, sessions, weekly tracks, mentions read from text, the estimate.

An `Interval` is a pair of bounds where `None` means "open" (or not known) on that side: "at least 9
hours" is (9, None), "up to 9 hours" is (None, 9). Alternatives (day vs evening track, school year
vs summer, two statements of one program) combine by taking the smallest and the largest variant,
never by adding them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from schemas.vocab import HoursBasis

WEEK_HOURS = 168.0
DAY_MINUTES = 24 * 60


class Interval(NamedTuple):
    """A quantity with optional lower and upper bounds (None = open or unknown)."""

    lo: float | None
    hi: float | None

    @classmethod
    def point(cls, value: float) -> "Interval":
        """An exact value."""
        return cls(value, value)

    @property
    def empty(self) -> bool:
        """True when neither bound is known: such an interval says nothing."""
        return self.lo is None and self.hi is None

    def times(self, other: "Interval") -> "Interval":
        """Bound-by-bound product ("3-5 days x 3-4 h" = 9-20 h)."""
        lo = self.lo * other.lo if self.lo is not None and other.lo is not None else None
        hi = self.hi * other.hi if self.hi is not None and other.hi is not None else None
        return Interval(lo, hi)

    def within(self, lo_limit: float, hi_limit: float) -> bool:
        """True when every known bound lies in (lo_limit, hi_limit]."""
        return all(v is None or lo_limit < v <= hi_limit for v in self)


def alternatives(intervals: Iterable[Interval]) -> Interval | None:
    """Smallest lower and largest upper bound of variants; an open bound stays open."""
    lo: float | None = None
    hi: float | None = None
    open_lo = open_hi = False
    seen = False
    for item in intervals:
        if item.lo is None and item.hi is None:
            continue
        seen = True
        if item.lo is None:
            open_lo = True
        elif lo is None or item.lo < lo:
            lo = item.lo
        if item.hi is None:
            open_hi = True
        elif hi is None or item.hi > hi:
            hi = item.hi
    if not seen:
        return None
    return Interval(None if open_lo else lo, None if open_hi else hi)


@dataclass(frozen=True)
class Session:
    """One weekly block of programming: a day (0 = Monday) and a clock span in minutes.

    `end` may exceed 24 h for sessions that run over midnight. `track` names an alternative
    schedule ("evening", "summer"); sessions of different tracks are never added together.
    """

    day: int
    start: int
    end: int
    track: str | None = None

    @property
    def hours(self) -> float:
        """Elapsed hours, breaks included."""
        return (self.end - self.start) / 60


def day_hours(spans: Iterable[tuple[int, int]]) -> float:
    """Elapsed hours covered by clock spans of one day; overlapping spans count once."""
    total = 0
    current_start = current_end = None
    for start, end in sorted(spans):
        if current_end is None or start > current_end:
            if current_end is not None and current_start is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None and current_start is not None:
        total += current_end - current_start
    return total / 60


@dataclass
class Track:
    """One weekly schedule: day -> clock spans. Alternatives are separate tracks."""

    days: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    def copy(self) -> "Track":
        """An independent copy."""
        return Track({d: list(spans) for d, spans in self.days.items()})

    def overlaps(self, days: Iterable[int], span: tuple[int, int]) -> bool:
        """True when `span` overlaps a span already scheduled on one of `days`."""
        start, end = span
        return any(s < end and start < e for d in days for s, e in self.days.get(d, ()))

    @property
    def weekly_hours(self) -> float:
        """Sum of the days' elapsed hours."""
        return sum(day_hours(spans) for spans in self.days.values())

    def day_lengths(self) -> list[float]:
        """Elapsed hours of each scheduled day."""
        return [day_hours(spans) for spans in self.days.values()]


@dataclass(frozen=True)
class HoursEstimate:
    """Weekly program hours of one program, with how they were obtained.

    `min`/`max` are None when open or unknown; with basis `unknown` both are None (never 0).
    `evidence` holds the spans of the original text the figures rest on (or a rendering of the
    structured sessions). `stated` and `derived` keep both readings when a text has both.
    `levels_named` are the levels of care the whole text names; `cues` the PHP-intensity phrases
    (verbatim) in the part of the text about the requested program.
    """

    min: float | None
    max: float | None
    basis: HoursBasis
    evidence: tuple[str, ...] = ()
    stated: Interval | None = None
    derived: Interval | None = None
    levels_named: frozenset[str] = frozenset()
    cues: tuple[str, ...] = ()

    @classmethod
    def unknown(cls, levels_named: frozenset[str] = frozenset(), cues: tuple[str, ...] = ()) -> "HoursEstimate":
        """No hours could be read (the text may still name levels or carry PHP cues)."""
        return cls(None, None, HoursBasis.UNKNOWN, levels_named=levels_named, cues=cues)


class Kind(StrEnum):
    """What a mention says."""

    WEEKLY = "weekly"  # stated hours per week
    PER_DAY = "per_day"  # hours per day or per session
    COUNT = "count"  # days or sessions per week
    DAYS = "days"  # a set of week days
    SPAN = "span"  # a clock span
    PROGRAM = "program"  # a level of care named in the text
    CUE = "cue"  # a phrase that puts a program at PHP intensity ("hot lunch provided")


@dataclass(slots=True)
class Mention:
    """One reading at normalized offsets [start, end) of sentence `sentence`."""

    kind: Kind
    start: int
    end: int
    sentence: int = 0
    value: Interval | None = None
    days: frozenset[int] = frozenset()
    span: tuple[int, int] | None = None
    program: str | None = None
    also: tuple[tuple[int, int], ...] = ()  # further evidence, e.g. the start time of a start/end span
    window: tuple[int, int] | None = None  # the shortest day of a span given as start/end windows
