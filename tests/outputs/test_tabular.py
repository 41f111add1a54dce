"""File exports: Parquet read back with equal counts, CSV safe from formula injection."""

import csv
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from pipeline.flags.store import compute_flags
from pipeline.normalize import run as normalize
from pipeline.outputs.tabular import neutralize
from tests.helpers import normalize_and_load, program_normalizer, program_records, read_items, write_items


@pytest.fixture
def db(tmp_path: Path, fixture_crawl: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
    pages = program_records(
        {
            '=HYPERLINK("http://evil.example","click")': ("iop", "Monday through Friday, 9 a.m. to 3 p.m."),
            "+1 Recovery": ("iop", "Two evenings a week for two hours."),
            "@SUM(A1:A9) Clinic": ("php", "Three days a week, three hours a day."),
        }
    )
    items = read_items(fixture_crawl / "items.jsonl") + pages
    path = tmp_path / "e.duckdb"
    normalize_and_load(write_items(tmp_path / "i" / "items.jsonl", items), path, "r1")
    compute_flags(path, "r1")
    return path


def test_parquet_round_trip(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "parquet", str(tmp_path / "out"), "--db", str(db)]) == 0
    with duckdb.connect(str(db), read_only=True) as con:
        expected = {
            "listings": con.execute("SELECT count(*) FROM listings WHERE active").fetchone()[0],
            "facilities": con.execute("SELECT count(*) FROM facilities").fetchone()[0],
            "flags": con.execute("SELECT count(*) FROM flags WHERE active").fetchone()[0],
        }
    assert expected["flags"] >= 3  # php_as_iop, iop_below_floor, php_below_threshold
    with duckdb.connect() as con:
        for name, count in expected.items():
            path = tmp_path / "out" / f"{name}.parquet"
            assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0] == count
        names = {
            r[0]
            for r in con.execute(
                "SELECT name FROM read_parquet(?)", [str(tmp_path / "out" / "listings.parquet")]
            ).fetchall()
        }
    assert '=HYPERLINK("http://evil.example","click")' in names  # Parquet keeps the value as stored


def test_csv_cells_never_become_formulas(db: Path, tmp_path: Path) -> None:
    assert main(["export", "csv", str(tmp_path / "csv"), "--db", str(db)]) == 0
    with (tmp_path / "csv" / "listings.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = {r["name"] for r in rows}
    assert '\'=HYPERLINK("http://evil.example","click")' in names
    assert {"'+1 Recovery", "'@SUM(A1:A9) Clinic"} <= names
    dangerous = [c for r in rows for c in r.values() if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    # Only numbers may start with a minus (a longitude), and they are not text cells.
    assert all(_is_number(c) for c in dangerous)
    with (tmp_path / "csv" / "flags.csv").open(encoding="utf-8", newline="") as handle:
        assert any(r["name"].startswith("'=HYPERLINK") for r in csv.DictReader(handle))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-x", "'-x"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Hope IOP", "Hope IOP"),
        ("", ""),
    ],
)
def test_neutralize(value: str, safe: str) -> None:
    assert neutralize(value) == safe


def test_state_filter_and_missing_db(db: Path, tmp_path: Path) -> None:
    assert main(["export", "csv", str(tmp_path / "va"), "--db", str(db), "--state", "va"]) == 0
    with (tmp_path / "va" / "listings.csv").open(encoding="utf-8", newline="") as handle:
        assert {r["state"] for r in csv.DictReader(handle)} == {"VA"}
    assert main(["export", "csv", str(tmp_path / "x"), "--db", str(tmp_path / "none.duckdb")]) == 2
