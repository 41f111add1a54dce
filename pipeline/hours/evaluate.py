"""Score the hours engine against labelled schedule texts (`../shared/eval/schedules_public.jsonl` format).

An item counts when the predicted min and max are each within 0.5 h of the labels, with null
(open or unknown) matching only null. Records with `"exclude": true` are skipped.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.hours.estimate import estimate_hours
from pipeline.hours.model import HoursEstimate

TOLERANCE_H = 0.5
_PROGRAMS = {"IOP": "iop", "PHP": "php", "OP": "op"}


@dataclass(frozen=True)
class EvalItem:
    """One labelled text."""

    id: str
    text: str
    context: str | None
    program: str | None
    expected: tuple[float | None, float | None]


@dataclass(frozen=True)
class EvalResult:
    """The engine's answer for one item and whether it counts."""

    item: EvalItem
    got: HoursEstimate

    @property
    def ok(self) -> bool:
        """True when both bounds match within the tolerance (null only matches null)."""
        return all(_close(a, b) for a, b in zip((self.got.min, self.got.max), self.item.expected, strict=True))


def _close(got: float | None, expected: float | None) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    return abs(got - expected) <= TOLERANCE_H


def _bound(record: dict[str, Any], key: str, line: int) -> float | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"line {line}: {key} must be a number or null, got {value!r}")
    return float(value)


def read_labelled(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) of a labelled JSON-lines file, skipping `"exclude": true` records.

    Each record gets an `id` (its line when it has none); malformed lines raise ValueError.
    """
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"line {number}: not JSON ({error})") from error
            if not isinstance(record, dict) or not isinstance(record.get("text"), str):
                raise ValueError(f"line {number}: expected an object with a 'text' string")
            if record.get("exclude") is not True:
                record["id"] = str(record.get("id") or f"line{number}")
                yield number, record


def read_items(path: str | Path) -> Iterator[EvalItem]:
    """Labelled items of a JSON-lines file, skipping excluded ones; malformed lines raise ValueError."""
    for number, record in read_labelled(path):
        yield EvalItem(
            id=record["id"],
            text=record["text"],
            context=record.get("context_text") or None,
            program=_PROGRAMS.get(str(record.get("program_label") or "").upper()),
            expected=(_bound(record, "hours_per_week_min", number), _bound(record, "hours_per_week_max", number)),
        )


def evaluate(path: str | Path) -> list[EvalResult]:
    """Run the engine on every item of `path`."""
    return [
        EvalResult(item, estimate_hours(item.text, context=item.context, program=item.program))
        for item in read_items(path)
    ]


def format_range(lo: float | None, hi: float | None) -> str:
    """ "9-19", "20-open", "unknown"."""
    if lo is None and hi is None:
        return "unknown"
    return f"{'open' if lo is None else f'{lo:g}'}-{'open' if hi is None else f'{hi:g}'}"
