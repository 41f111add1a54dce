"""`iopdir eval hours`: the report format, the scoring rule, and the public acceptance figure."""

import json
from pathlib import Path

import pytest

from flows.cli import main
from tests.conftest import SHARED_DATA

PUBLIC = SHARED_DATA.parent / "eval" / "schedules_public.jsonl"


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_report_lines_and_total(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = _write(
        tmp_path / "e.jsonl",
        [
            {"id": "a", "text": "3 days a week, 3 hours a day", "hours_per_week_min": 9, "hours_per_week_max": 9},
            {"id": "b", "text": "3 days a week, 3 hours a day", "hours_per_week_min": 9.4, "hours_per_week_max": 8.6},
            {"id": "c", "text": "at least 9 hours per week", "hours_per_week_min": 9, "hours_per_week_max": 12},
            {"id": "d", "text": "Call us.", "hours_per_week_min": None, "hours_per_week_max": None},
            {"id": "e", "text": "ambiguous", "exclude": True, "hours_per_week_min": 1, "hours_per_week_max": 1},
        ],
    )
    assert main(["eval", "hours", str(items)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines[:-1]] == ["a", "b", "c", "d"]
    assert [line.split("\t")[-1] for line in lines[:-1]] == ["ok", "ok", "miss", "ok"]
    assert lines[1].split("\t")[1:3] == ["expected 9.4-8.6", "got 9-9 (derived)"]
    # Null matches only null: an open upper bound is not 12.
    assert lines[2].split("\t")[2] == "got 9-open (stated)"
    assert lines[-1] == "hours: 3/4 within 0.5 h"


def test_bad_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x"}\nnot json\n', encoding="utf-8")
    assert main(["eval", "hours", str(bad)]) == 2
    assert "line 2" in capsys.readouterr().err
    assert main(["eval", "hours", str(tmp_path / "missing.jsonl")]) == 2


ISSUE_17 = (
    "Flags a maintainer can trust: an hours reader that generalizes, evidence strength on every flag, "
    "level words read right"
)


def _public_scores(capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, str], int, int]:
    """Each public record's ok/miss, and the last line's K and N."""
    assert main(["eval", "hours", str(PUBLIC)]) == 0
    lines = capsys.readouterr().out.splitlines()
    good, total = map(int, lines[-1].removeprefix("hours: ").removesuffix(" within 0.5 h").split("/"))
    return {line.split("\t")[0]: line.split("\t")[-1] for line in lines[:-1]}, good, total


def _usable(path: Path) -> list[dict]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in records if not r.get("exclude")]


def test_public_set_holds_what_it_held(capsys: pytest.CaptureFixture[str]) -> None:
    # Every usable record is scored; the first set (sx*) is read right, and the share of the whole
    # set does not fall below what the engine reached when the set grew (78 of 87).
    outcome, good, total = _public_scores(capsys)
    usable = _usable(PUBLIC)
    assert total == len(usable) == len(outcome)
    assert [r["id"] for r in usable if r["id"].startswith("sx") and outcome[r["id"]] != "ok"] == []
    assert good / total >= 0.89, f"{good}/{total}"


def test_public_set_meets_the_acceptance_bar(capsys: pytest.CaptureFixture[str]) -> None:
    _, good, total = _public_scores(capsys)
    assert good / total >= 0.95, f"{good}/{total}"


OWN_CASES = Path(__file__).resolve().parents[1] / "fixtures" / "schedules"


@pytest.mark.parametrize(
    ("name", "bar"),
    [
        # The reader was tuned on `dev` only; `holdout` was split off before any tuning and measures
        # how it does on phrasing it was not fitted to (90/120 before issue 17).
        ("dev.jsonl", 0.95),
        ("dev_web.jsonl", 0.95),
        ("holdout.jsonl", 0.85),
    ],
)
def test_own_cases_meet_their_bars(name: str, bar: float, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "hours", str(OWN_CASES / name)]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    good, total = map(int, last.removeprefix("hours: ").removesuffix(" within 0.5 h").split("/"))
    assert total == len(_usable(OWN_CASES / name))
    assert good / total >= bar, last
