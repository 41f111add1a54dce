"""`iopdir flags` and `iopdir changes` filters: a spider or a source for `--source`, `--severity`,
`--since`; an unknown rule, state or source is exit 2 with the valid values, never "0 rows"."""

import json
from pathlib import Path

import pytest

from flows.cli import main


def _flags(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["flags", "--db", str(db), "--all", "--format", "json", *args]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_flags_by_source_spider_or_source(explain_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    everything = _flags(capsys, explain_db)
    assert {f["source"] for f in everything} == {"program_pages", "samhsa_mh"}
    assert {f["source"] for f in _flags(capsys, explain_db, "--source", "samhsa_directory")} == {"samhsa_mh"}
    assert {f["source"] for f in _flags(capsys, explain_db, "--source", "samhsa_mh")} == {"samhsa_mh"}
    assert _flags(capsys, explain_db, "--source", "samhsa_su") == []
    assert {f["name"] for f in _flags(capsys, explain_db, "--source", "program_pages")} == {"Hope IOP", "Words IOP"}


def test_flags_by_severity_and_since(explain_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert [f["name"] for f in _flags(capsys, explain_db, "--severity", "high")] == ["Hope IOP"]
    assert {f["severity"] for f in _flags(capsys, explain_db, "--severity", "low")} == {"low"}
    assert len(_flags(capsys, explain_db, "--since", "2000-01-01")) == 3
    assert _flags(capsys, explain_db, "--since", "2999-01-01") == []
    assert _flags(capsys, explain_db, "--since", "r1") == []  # all first raised by r1, none after it


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--rule", "php_as_op"], "--rule 'php_as_op' is not a flag rule; the rules are iop_below_floor, "),
        (["--state", "XX"], "--state 'XX' is not a US state or territory code; give one of AK, AL, "),
        (["--source", "samhsa"], "--source: unknown source 'samhsa'; the sources are samhsa_directory (samhsa_su"),
        (["--since", "last week"], "--since 'last week' is neither a run id nor a date"),
    ],
)
def test_flags_refuse_nonsense(
    args: list[str], says: str, explain_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["flags", "--db", str(explain_db), *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"iopdir flags: {says}") and err.count("\n") == 1


def test_flags_state_in_lower_case_is_a_state(explain_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert {f["state"] for f in _flags(capsys, explain_db, "--state", "va")} == {"VA"}


def test_changes_take_a_spider_or_a_source(explain_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for source in ("samhsa_directory", "samhsa_mh"):
        capsys.readouterr()
        assert main(["changes", "--db", str(explain_db), "--source", source, "--format", "json"]) == 0
        assert [(c["change"], c["source"]) for c in json.loads(capsys.readouterr().out)] == [("gone", "samhsa_mh")]
    assert main(["changes", "--db", str(explain_db), "--source", "nope"]) == 2
    assert "unknown source 'nope'" in capsys.readouterr().err


def test_changes_say_when_nothing_changed(explain_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["changes", "--db", str(explain_db), "--since", "r2"]) == 0
    assert capsys.readouterr().out == "nothing changed since run r2\n"
    assert main(["changes", "--db", str(explain_db), "--source", "program_pages"]) == 0
    assert capsys.readouterr().out == "nothing changed in program_pages in the last run (r2)\n"
    assert main(["changes", "--db", str(explain_db), "--since", "2999-01-01", "--source", "ny_omh"]) == 0
    assert capsys.readouterr().out == "nothing changed in ny_omh since 2999-01-01\n"
    assert main(["changes", "--db", str(explain_db), "--since", "r2", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
