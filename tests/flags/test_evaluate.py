"""`iopdir eval flags`: expected flags from level_check, the confusion table, the php_as_iop line."""

import json
from pathlib import Path

import pytest

from flows.cli import main
from tests.conftest import SHARED_DATA

PUBLIC = SHARED_DATA.parent / "eval" / "schedules_public.jsonl"


def _last_line(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.rstrip("\n").splitlines()[-1]


def _score_lines(out: list[str]) -> dict[str, tuple[float, float]]:
    """`rule R:` and `min confidence C:` lines -> (precision, recall)."""
    scores = {}
    for line in out:
        if line.startswith(("rule ", "min confidence ")):
            key, figures = line.split(":", 1)
            words = figures.split()
            scores[key] = (float(words[1]), float(words[3]))
    return scores


def test_public_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "flags", str(PUBLIC)]) == 0
    out = capsys.readouterr().out.splitlines()
    # The acceptance bars of the flag rules, whatever the size of the set.
    figures = out[-1].removeprefix("php_as_iop: ").split()
    precision, recall = float(figures[1]), float(figures[3])
    assert precision >= 0.95 and recall >= 0.9, out[-1]
    assert any(line.startswith("expected \\ raised") for line in out)
    # No consistent case raised php_as_iop.
    assert not [line for line in out if "\texpected none\tgot php_as_iop" in line]
    scores = _score_lines(out)
    assert scores["rule php_as_iop"] == (precision, recall)
    assert {key.split()[-1] for key in scores if key.startswith("min confidence")} == {"high", "medium", "low"}
    # The reverse rule is scored against its label, `range_below_PHP_minimum_20`.
    assert "rule php_range_below_floor" in scores


def test_rules_and_confidences_are_scored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = [
        # an IOP whose minimum is open and maximum reaches PHP, with PHP wording: a range
        {
            "id": "open",
            "program_label": "IOP",
            "text": "Up to 30 hours per week. Hot lunch is provided.",
            "level_check": "range_reaches_PHP_level_20plus",
        },
        {
            "id": "dips",
            "program_label": "PHP",
            "text": "The program meets 15 to 25 hours per week.",
            "level_check": "range_below_PHP_minimum_20",
        },
        # PHP wording alone: a php_as_iop of low confidence, which a filter on confidence drops
        {"id": "words", "program_label": "IOP", "text": "Hot lunch is provided.", "level_check": "consistent"},
    ]
    assert main(["eval", "flags", str(_write(tmp_path / "r.jsonl", records))]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "open\texpected iop_range_reaches_php\tgot iop_range_reaches_php\tok\tconfidence high" in out
    assert "dips\texpected php_range_below_floor\tgot php_range_below_floor\tok\tconfidence high" in out
    assert "words\texpected none\tgot php_as_iop\tmiss\tconfidence low" in out
    scores = _score_lines(out)
    assert scores["rule iop_range_reaches_php"] == scores["rule php_range_below_floor"] == (1.0, 1.0)
    assert scores["rule php_as_iop"] == (0.0, 1.0)
    assert scores["min confidence low"] == (0.67, 1.0)  # printed to two places
    assert scores["min confidence medium"] == scores["min confidence high"] == (1.0, 1.0)
    assert out[-1] == "php_as_iop: precision 0.00 recall 1.00 (tp 0 fp 1 fn 0)"


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_counts_and_the_empty_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = [
        {
            "id": "a",
            "program_label": "IOP",
            "text": "Monday through Friday 9 a.m. to 3 p.m.",
            "level_check": "label_IOP_but_hours_ge_20",
        },
        {
            "id": "b",
            "program_label": "IOP",
            "text": "Monday through Friday 9 a.m. to 2 p.m.",
            "level_check": "consistent",
        },
        {
            "id": "c",
            "program_label": "IOP",
            "text": "Three days a week, three hours a day.",
            "level_check": "label_IOP_but_hours_ge_20",
        },
        {"id": "d", "program_label": "IOP", "text": "x", "level_check": "consistent", "exclude": True},
    ]
    assert main(["eval", "flags", str(_write(tmp_path / "e.jsonl", records))]) == 0
    assert _last_line(capsys) == "php_as_iop: precision 0.50 recall 0.50 (tp 1 fp 1 fn 1)"
    quiet = [
        {
            "id": "a",
            "program_label": "IOP",
            "text": "Three days a week, three hours a day.",
            "level_check": "consistent",
        }
    ]
    assert main(["eval", "flags", str(_write(tmp_path / "q.jsonl", quiet))]) == 0
    assert _last_line(capsys) == "php_as_iop: precision 1.00 recall 1.00 (tp 0 fp 0 fn 0)"
