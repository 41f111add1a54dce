"""`iopdir query`: read-only, formats, clear errors."""

import json
from pathlib import Path

import pytest

from flows.cli import main
from tests.helpers import normalize_and_load


@pytest.fixture(scope="module")
def db(fixture_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("query") / "q.duckdb"
    normalize_and_load(fixture_crawl / "items.jsonl", path, "r1")
    return path


def test_table_csv_and_json(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = "SELECT source, count(*) AS n FROM listings GROUP BY 1 ORDER BY 1"
    assert main(["query", sql, "--db", str(db)]) == 0
    assert "samhsa_mh  3" in capsys.readouterr().out
    assert main(["query", sql, "--db", str(db), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["source,n", "samhsa_mh,3", "samhsa_su,5"]
    assert main(["query", sql, "--db", str(db), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"source": "samhsa_mh", "n": 3}, {"source": "samhsa_su", "n": 5}]


@pytest.mark.parametrize(
    "sql",
    [
        "create table x(a int)",
        "delete from listing_records",
        "update listing_records set active = false",
        "drop view listings",
        "copy listing_records to '/tmp/iopdir-leak.csv'",
        "attach '/tmp/iopdir-other.duckdb' as other",
    ],
)
def test_statements_that_modify_or_escape_are_refused(db: Path, sql: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", sql, "--db", str(db)]) == 2
    assert "read-only" in capsys.readouterr().err
    assert main(["query", "SELECT count(*) FROM listings", "--db", str(db), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "8"
    assert not Path("/tmp/iopdir-leak.csv").exists()


def test_missing_database_and_bad_sql(tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "SELECT 1", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no database" in capsys.readouterr().err
    assert main(["query", "SELEC 1", "--db", str(db)]) == 2
    assert "syntax" in capsys.readouterr().err.lower()
