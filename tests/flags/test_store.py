"""Flags in the store and maintainers' decisions across runs, through the CLI a maintainer uses."""

import json
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from pipeline.flags.store import ReviewError, compute_flags, record_review
from pipeline.normalize import run as normalize
from tests.helpers import normalize_and_load, program_normalizer, program_records, write_items


@pytest.fixture
def pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)


def _run(tmp_path: Path, db: Path, run_id: str, programs: dict[str, tuple[list[str], str]]) -> None:
    records = program_records({name: (",".join(levels), text) for name, (levels, text) in programs.items()})
    normalize_and_load(write_items(tmp_path / run_id / "items.jsonl", records), db, run_id)
    compute_flags(db, run_id)


def _flags(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["flags", "--db", str(db), "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


PHP_AS_IOP = (["iop"], "The IOP runs Monday through Friday, 9 a.m. to 3 p.m.")
FINE_IOP = (["iop"], "The IOP meets Mondays, Wednesdays and Thursdays, 6-9 p.m.")


def test_dismissed_stays_dismissed_until_the_evidence_changes(
    pages: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.duckdb"
    _run(tmp_path, db, "r1", {"Hope IOP": PHP_AS_IOP, "Fine IOP": FINE_IOP})
    [flag] = _flags(db, capsys)
    assert (flag["rule_id"], flag["status"], flag["name"]) == ("php_as_iop", "open", "Hope IOP")
    assert flag["evidence"]["hours"]["min"] == 30
    assert flag["evidence"]["hours"]["spans"] == ["Monday through Friday, 9 a.m. to 3 p.m."]

    assert (
        main(
            [
                "review",
                flag["flag_id"],
                "--dismiss",
                "--note",
                "Checked: it is a PHP track",
                "--by",
                "ana",
                "--db",
                str(db),
            ]
        )
        == 0
    )
    assert _flags(db, capsys, "--status", "dismissed")[0]["flag_id"] == flag["flag_id"]

    # Same evidence on the next run: still dismissed, same flag.
    _run(tmp_path, db, "r2", {"Hope IOP": PHP_AS_IOP, "Fine IOP": FINE_IOP})
    [again] = _flags(db, capsys)
    assert (again["flag_id"], again["status"], again["reviewer"]) == (flag["flag_id"], "dismissed", "ana")

    # The page changes: the flag reopens with the new evidence; the old decision stays on record.
    changed = (["iop"], "The IOP runs Monday through Friday, 9 a.m. to 4 p.m.")
    _run(tmp_path, db, "r3", {"Hope IOP": changed, "Fine IOP": FINE_IOP})
    [reopened] = _flags(db, capsys)
    assert reopened["flag_id"] != flag["flag_id"]
    assert (reopened["status"], reopened["reopened"], reopened["evidence"]["hours"]["min"]) == ("open", True, 35)
    history = _flags(db, capsys, "--all")
    assert {f["flag_id"]: f["active"] for f in history} == {flag["flag_id"]: False, reopened["flag_id"]: True}
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT decision, note FROM flag_reviews").fetchall() == [
            ("dismissed", "Checked: it is a PHP track")
        ]

    # A confirmation holds too; fixing the listing makes the flag inactive, not deleted.
    record_review(db, reopened["flag_id"], "confirmed", "PHP hours on an IOP listing", "ben")
    _run(tmp_path, db, "r4", {"Hope IOP": changed, "Fine IOP": FINE_IOP})
    assert _flags(db, capsys)[0]["status"] == "confirmed"
    _run(tmp_path, db, "r5", {"Hope IOP": FINE_IOP, "Fine IOP": FINE_IOP})
    assert _flags(db, capsys) == []
    assert len(_flags(db, capsys, "--all")) == 2


def test_flag_filters_and_table(pages: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "f.duckdb"
    _run(tmp_path, db, "r1", {"Hope IOP": PHP_AS_IOP, "Low IOP": (["iop"], "Two days a week, two hours a day.")})
    assert {f["rule_id"] for f in _flags(db, capsys)} == {"php_as_iop", "iop_below_floor"}
    assert [f["rule_id"] for f in _flags(db, capsys, "--rule", "iop_below_floor")] == ["iop_below_floor"]
    assert _flags(db, capsys, "--state", "tx") == []
    assert main(["flags", "--db", str(db)]) == 0
    table = capsys.readouterr().out
    assert "php_as_iop" in table and "high" in table and "(2 rows)" in table


def test_bad_reviews_are_refused(pages: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "f.duckdb"
    _run(tmp_path, db, "r1", {"Hope IOP": PHP_AS_IOP})
    assert main(["review", "no-such-flag", "--confirm", "--note", "x", "--db", str(db)]) == 2
    assert "no flag" in capsys.readouterr().err
    flag_id = _flags(db, capsys)[0]["flag_id"]
    with pytest.raises(ReviewError, match="note"):
        record_review(db, flag_id, "dismissed", "  ", "ana")
    with pytest.raises(ReviewError, match="decision"):
        record_review(db, flag_id, "maybe", "x", "ana")


def _as_made_by_the_version_before_confidence(db: Path) -> None:
    """Rewrite a database as the version before flags had a confidence left it: `flag_records`
    without the column, the `flags` view without it, the rules at version 1."""
    from pipeline.store import schema

    views = (Path(schema.__file__).parent / "views.sql").read_text(encoding="utf-8")
    assert "f.severity, f.confidence," in views
    with duckdb.connect(str(db)) as con:
        con.execute("DROP VIEW flags")
        con.execute("CREATE TABLE old_flags AS SELECT * EXCLUDE (confidence) FROM flag_records")
        con.execute("DROP TABLE flag_records")
        con.execute("ALTER TABLE old_flags RENAME TO flag_records")
        con.execute("UPDATE flag_records SET rule_version = 1")
        con.execute(views.replace("f.severity, f.confidence,", "f.severity,"))


def test_a_database_of_the_version_before_confidence_carries_on_and_keeps_a_dismissal(
    pages: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.duckdb"
    _run(tmp_path, db, "r1", {"Hope IOP": PHP_AS_IOP, "Fine IOP": FINE_IOP})
    [flag] = _flags(db, capsys)
    record_review(db, flag["flag_id"], "dismissed", "Checked: a PHP track", "ana")
    _as_made_by_the_version_before_confidence(db)

    # Read-only, before any run migrates it: listed, of unknown confidence, still dismissed.
    [old] = _flags(db, capsys)
    assert (old["flag_id"], old["status"], old["confidence"]) == (flag["flag_id"], "dismissed", None)
    assert _flags(db, capsys, "--min-confidence", "low") == []
    assert main(["export", "csv", str(tmp_path / "csv"), "--db", str(db)]) == 0

    # The next run adds the column: the same flag, the same decision, now with its confidence.
    _run(tmp_path, db, "r2", {"Hope IOP": PHP_AS_IOP, "Fine IOP": FINE_IOP})
    [again] = _flags(db, capsys)
    assert (again["flag_id"], again["status"], again["reviewer"]) == (flag["flag_id"], "dismissed", "ana")
    assert (again["confidence"], again["severity"], again["rule_version"]) == ("high", "high", 2)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM flag_records").fetchone()[0] == 1


def test_min_confidence_filters_and_orders(pages: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "f.duckdb"
    wording_only = (["iop"], "Our intensive outpatient program is a full-day program; hot lunch is provided.")
    low_hours = (["iop"], "Two days a week, two hours a day.")
    _run(tmp_path, db, "r1", {"Hope IOP": PHP_AS_IOP, "Words IOP": wording_only, "Low IOP": low_hours})
    listed = [(f["name"], f["rule_id"], f["severity"], f["confidence"]) for f in _flags(db, capsys)]
    # Most severe first, then the strongest evidence: PHP wording alone is medium severity.
    assert listed == [
        ("Hope IOP", "php_as_iop", "high", "high"),
        ("Low IOP", "iop_below_floor", "medium", "high"),
        ("Words IOP", "php_as_iop", "medium", "low"),
    ]
    assert [f["name"] for f in _flags(db, capsys, "--min-confidence", "high")] == ["Hope IOP", "Low IOP"]
    assert [f["name"] for f in _flags(db, capsys, "--min-confidence", "medium")] == ["Hope IOP", "Low IOP"]
    assert len(_flags(db, capsys, "--min-confidence", "low")) == 3
    assert main(["flags", "--db", str(db), "--min-confidence", "high"]) == 0
    table = capsys.readouterr().out
    assert "confidence" in table.splitlines()[0] and "(2 rows)" in table
    with pytest.raises(SystemExit):
        main(["flags", "--db", str(db), "--min-confidence", "certain"])
