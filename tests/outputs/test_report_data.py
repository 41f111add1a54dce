"""The report's data shaping: which record ids it shows, its severity order, its counts."""

from collections import Counter
from typing import Any

from pipeline.outputs.report.data import (
    NO_STATE,
    RuleCount,
    SourceCount,
    StateCount,
    counts_by_source,
    counts_by_state,
    flag_rank,
    flags_by_rule,
    record_id_to_show,
    reviewed_text,
    severity_rank,
    state_options,
)


def _flag(**values: Any) -> dict[str, Any]:
    return {"severity": "low", "rule_id": "r", "state": None, "source_url": None, "source_record_id": None} | values


def test_a_record_id_that_only_repeats_the_linked_url_is_not_shown() -> None:
    page = "https://example.org/iop/"
    # Sources that read pages name a record by its page and a fragment: the link says as much.
    assert record_id_to_show(_flag(source_url=page, source_record_id=f"{page}#2")) is None
    assert record_id_to_show(_flag(source_url=page, source_record_id=page)) is None
    # Whatever source it comes from: the rule reads the data, not the source's name.
    assert record_id_to_show(_flag(source="new_pages", source_url=page, source_record_id=f"{page}#1")) is None
    # A spreadsheet row or an API id helps find the record.
    assert record_id_to_show(_flag(source_url="https://x.example/f.xlsx", source_record_id="Sheet!9")) == "Sheet!9"
    assert record_id_to_show(_flag(source_url=None, source_record_id="123")) == "123"
    assert record_id_to_show(_flag(source_url=page, source_record_id=f"{page}x#1")) == f"{page}x#1"
    assert record_id_to_show(_flag(source_url="", source_record_id="#2")) == "#2"
    assert record_id_to_show(_flag(source_url=page, source_record_id=None)) is None


def test_severities_sort_high_first_and_unknown_last() -> None:
    assert sorted(["low", "odd", "high", "medium"], key=severity_rank) == ["high", "medium", "low", "odd"]
    flags = [_flag(rule_id="b"), _flag(rule_id="a"), _flag(severity="high", rule_id="z"), _flag(rule_id="a")]
    assert flags_by_rule(flags) == [RuleCount("high", "z", 1), RuleCount("low", "a", 2), RuleCount("low", "b", 1)]


def test_flags_sort_by_severity_then_confidence_unknown_last() -> None:
    flags = [
        _flag(severity="medium", confidence="low"),
        _flag(severity="medium", confidence=None),
        _flag(severity="high", confidence="medium"),
        _flag(severity="medium", confidence="high"),
    ]
    assert [(f["severity"], f["confidence"]) for f in sorted(flags, key=flag_rank)] == [
        ("high", "medium"),
        ("medium", "high"),
        ("medium", "low"),
        ("medium", None),
    ]


def test_counts_by_source_and_state() -> None:
    counts = [("a", "VA", 2), ("a", None, 1), ("b", "NY", 5), ("b", "VA", 1)]
    assert counts_by_source(counts) == [SourceCount("b", 2, 6), SourceCount("a", 1, 3)]  # most listings first
    assert counts_by_state(counts) == [
        StateCount("NY", (5, 0), 5),
        StateCount("VA", (1, 2), 3),
        StateCount(None, (0, 1), 1),  # no state last
    ]


def test_filter_options_and_reviewed_text() -> None:
    flags = [_flag(state="VA"), _flag(state=None), _flag(state="AK"), _flag(state="VA")]
    assert state_options(flags) == [("AK", 1), ("VA", 2), (NO_STATE, 1)]
    assert reviewed_text(Counter({"dismissed": 2, "confirmed": 1})) == "1 confirmed, 2 dismissed"
    assert reviewed_text(Counter()) == ""
