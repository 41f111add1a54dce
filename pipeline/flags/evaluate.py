"""Score the flag rules on labelled schedule texts (`../shared/eval/schedules_public.jsonl` format).

Each record becomes the facts of a one-program listing: the level its page calls it
(`program_label`), its population, and what the hours engine reads from `text` + `context_text`.
The same SQL as the store then raises flags. `level_check` gives the expected flag.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.flags.rules import classify_rows
from pipeline.hours import estimate_hours
from pipeline.hours.evaluate import read_labelled
from pipeline.normalize.facts import hours_level
from pipeline.thresholds import Thresholds
from schemas.level_names import FLAGGED_LEVELS
from schemas.vocab import CONFIDENCE_RANK, Confidence

EXPECTED_FLAG = {
    "label_IOP_but_hours_ge_20": "php_as_iop",
    "range_reaches_PHP_level_20plus": "iop_range_reaches_php",
    "label_IOP_but_hours_below_IOP_minimum": "iop_below_floor",
    "label_PHP_but_hours_lt_20": "php_below_threshold",
    "range_below_PHP_minimum_20": "php_range_below_floor",
}
#: The hours rules, in the order that picks one answer per item.
HOURS_RULES = (
    "php_as_iop",
    "iop_range_reaches_php",
    "iop_below_floor",
    "php_below_threshold",
    "php_range_below_floor",
)
NONE = "none"
_POPULATIONS = {
    "adult": ["adults"],
    "adults": ["adults"],
    "adolescent": ["adolescents"],
    "adolescents": ["adolescents"],
    "child": ["children"],
    "children": ["children"],
    "adolescent_young_adult": ["adolescents", "young_adults"],
    "adult_and_adolescent": ["adults", "adolescents"],
    "young_adult": ["young_adults"],
}


@dataclass(frozen=True)
class FlagResult:
    """Expected and raised flag of one labelled text, with the confidence of the raised one (None: none)."""

    id: str
    expected: str
    got: str
    messages: tuple[str, ...]
    confidence: str | None = None


def _facts(record: dict[str, Any]) -> dict[str, Any]:
    label = str(record.get("program_label") or "").lower()
    program = label if label in FLAGGED_LEVELS else None
    claimed = {program} if program else set()
    estimate = estimate_hours(record["text"], context=record.get("context_text") or None, program=program, levels=True)
    text_levels = estimate.levels_named & set(FLAGGED_LEVELS)
    known = estimate.min is not None or estimate.max is not None
    return {
        "listing_id": str(record.get("id")),
        "name": str(record.get("self_label") or record.get("id")),
        "levels_of_care": sorted(claimed),
        "populations": _POPULATIONS.get(str(record.get("population") or ""), []),
        "hours_min": estimate.min,
        "hours_max": estimate.max,
        "hours_basis": str(estimate.basis),
        "hours_evidence": list(estimate.evidence),
        "hours_level": hours_level(program, claimed, text_levels) if known else None,
        "text_levels": sorted(text_levels),
        "php_cues": list(estimate.cues),
    }


def evaluate_flags(path: str | Path, thresholds: Thresholds | None = None) -> list[FlagResult]:
    """Raise flags for every non-excluded record of `path` and pair them with the expected one."""
    records = [record for _, record in read_labelled(path)]
    flags = classify_rows([_facts(r) for r in records], thresholds)
    raised: dict[str, list[dict[str, Any]]] = {}
    for flag in flags:
        raised.setdefault(flag["listing_id"], []).append(flag)
    results = []
    for record in records:
        mine = raised.get(str(record["id"]), [])
        rules = {f["rule_id"] for f in mine}
        got = next((rule for rule in HOURS_RULES if rule in rules), NONE)
        confidence = next((f["confidence"] for f in mine if f["rule_id"] == got), None)
        expected = EXPECTED_FLAG.get(str(record.get("level_check")), NONE)
        results.append(FlagResult(str(record["id"]), expected, got, tuple(f["message"] for f in mine), confidence))
    return results


def confusion(results: list[FlagResult]) -> tuple[list[str], Counter[tuple[str, str]]]:
    """Labels (rows = expected, columns = raised) and the counts of each pair."""
    labels = [*HOURS_RULES, NONE]
    return labels, Counter((r.expected, r.got) for r in results)


@dataclass(frozen=True)
class Score:
    """Precision and recall of some raised flags against the expected ones."""

    precision: float
    recall: float
    tp: int
    fp: int
    fn: int


def _score(results: list[FlagResult], rules: set[str], kept: Callable[[FlagResult], bool]) -> Score:
    # A raised flag counts only when `kept` keeps it (a confidence filter); one not kept is not raised.
    def raised(r: FlagResult) -> bool:
        return r.got in rules and kept(r)

    tp = sum(raised(r) and r.expected == r.got for r in results)
    fp = sum(raised(r) and r.expected != r.got for r in results)
    fn = sum(r.expected in rules and not (raised(r) and r.expected == r.got) for r in results)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return Score(precision, recall, tp, fp, fn)


def precision_recall(results: list[FlagResult], rule: str = "php_as_iop") -> tuple[float, float, int, int, int]:
    """Precision, recall, tp, fp, fn of one rule; 1.0 where nothing was raised or expected."""
    score = _score(results, {rule}, lambda _: True)
    return score.precision, score.recall, score.tp, score.fp, score.fn


def scores_by_rule(results: list[FlagResult]) -> dict[str, Score]:
    """The score of each hours rule on its own."""
    return {rule: _score(results, {rule}, lambda _: True) for rule in HOURS_RULES}


def scores_by_confidence(results: list[FlagResult]) -> dict[str, Score]:
    """The score of all hours rules together, keeping only flags of at least each confidence, as
    `iopdir flags --min-confidence` would: what a maintainer gains and misses by filtering."""
    return {
        str(level): _score(
            results,
            set(HOURS_RULES),
            lambda r, rank=CONFIDENCE_RANK[level]: (
                CONFIDENCE_RANK.get(r.confidence or "", len(CONFIDENCE_RANK)) <= rank
            ),
        )
        for level in Confidence
    }
