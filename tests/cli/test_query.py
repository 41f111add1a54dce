"""`iopdir query`: read-only, formats, clear errors."""

import csv
import json
import shutil
import signal
import threading
import time
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


# --- time limit, Ctrl-C, streaming, empty SQL, no writable folder (issue 16, defect 5) ------------

ENDLESS = "SELECT count(*) FROM range(10000000000000)"


def test_timeout_stops_a_long_query(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    assert main(["query", ENDLESS, "--db", str(db), "--timeout", "1"]) == 2
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert err.startswith("iopdir query: ") and "--timeout 1 s" in err and len(err.strip().splitlines()) == 1


def test_ctrl_c_stops_a_long_query(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C (SIGINT to the process) interrupts DuckDB: exit 130 with one line, not a hang."""
    main_thread = threading.main_thread().ident

    def press_ctrl_c() -> None:
        deadline = time.monotonic() + 30
        while not any(t.name == "iopdir-query" for t in threading.enumerate()) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # DuckDB is counting by now
        signal.pthread_kill(main_thread, signal.SIGINT)

    presser = threading.Thread(target=press_ctrl_c)
    presser.start()
    started = time.monotonic()
    try:
        assert main(["query", ENDLESS, "--db", str(db), "--timeout", "60"]) == 130
    finally:
        presser.join()
    assert time.monotonic() - started < 15
    err = capsys.readouterr().err
    assert err.strip() == "iopdir query: interrupted (Ctrl-C); the query was stopped"


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_big_results_stream_and_stop_at_the_limit(db: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    """100 million rows: --limit 5 prints 5 at once, without fetching (or holding) the rest."""
    started = time.monotonic()
    assert (
        main(["query", "SELECT range AS n FROM range(100000000)", "--db", str(db), "--format", fmt, "--limit", "5"])
        == 0
    )
    assert time.monotonic() - started < 10
    out = capsys.readouterr().out
    if fmt == "csv":
        assert out.splitlines() == ["n", "0", "1", "2", "3", "4"]
    elif fmt == "json":
        assert json.loads(out) == [{"n": i} for i in range(5)]
    else:
        assert out.splitlines()[-1] == "(5 rows)"


def test_the_table_stops_at_its_cap_and_csv_streams_everything(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from flows.cli.stream import TABLE_MAX_ROWS

    sql = f"SELECT range AS n FROM range({TABLE_MAX_ROWS + 5})"
    assert main(["query", sql, "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2] == f"({TABLE_MAX_ROWS} rows)" and lines[-1].startswith("(stopped after")
    assert main(["query", sql, "--db", str(db), "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == TABLE_MAX_ROWS + 6
    assert main(["query", "SELECT 1 AS a WHERE false", "--db", str(db), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("sql", ["", "   ", "\n\t"])
def test_empty_sql_is_a_message(db: Path, sql: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", sql, "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("iopdir query: no SQL given") and "Traceback" not in err


def test_a_comment_alone_prints_nothing(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "-- nothing to run", "--db", str(db)]) == 0
    assert capsys.readouterr().out == ""


def test_copy_into_the_spill_folder_is_refused(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """DuckDB allows its temp directory (`<db>.tmp/`) even without external access: the reader has none."""
    copy = tmp_path / "q.duckdb"
    shutil.copyfile(db, copy)
    spill = Path(f"{copy}.tmp")
    spill.mkdir()
    for sql in (
        f"COPY (SELECT * FROM listings) TO '{spill}/x.parquet' (FORMAT parquet)",
        f"COPY listing_records TO '{spill}/x.csv'",
    ):
        assert main(["query", sql, "--db", str(copy)]) == 2
        assert "disabled by configuration" in capsys.readouterr().err
    assert list(spill.iterdir()) == []


def test_query_csv_neutralizes_formulas_but_keeps_phone_numbers(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sql = """SELECT '=HYPERLINK("http://evil.example","x")' AS a, '+15551234567' AS phone, -1.5 AS n, '@x' AS b"""
    assert main(["query", sql, "--db", str(db), "--format", "csv"]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[1] == ['\'=HYPERLINK("http://evil.example","x")', "+15551234567", "-1.5", "'@x"]
