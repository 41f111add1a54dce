"""File exports: Parquet read back with equal counts, CSV safe from formula injection."""

import csv
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from pipeline.flags.store import compute_flags
from pipeline.normalize import run as normalize
from pipeline.outputs import tabular
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
    with duckdb.connect() as con:
        flags = con.execute(
            "SELECT rule_id, severity, confidence FROM read_parquet(?)", [str(tmp_path / "out" / "flags.parquet")]
        ).fetchall()
    # Every flag with its confidence, most severe and strongest first, as `iopdir flags` lists them.
    assert flags[0][:2] == ("php_as_iop", "high") and all(c in {"high", "medium", "low"} for _, _, c in flags)


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


# --- symbolic links in the export folder (issue 16, defect 4) ------------------------------------

STAND_IN = b"a stand-in for the database: must never be overwritten\n"


@pytest.mark.parametrize(
    ("fmt", "linked"), [("csv", "listings.csv"), ("parquet", "flags.parquet"), ("hsds", "service.json")]
)
def test_export_never_writes_through_a_symlink(
    db: Path, tmp_path: Path, fmt: str, linked: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A marked export folder whose export file links elsewhere: refused even with --force, target untouched."""
    out = tmp_path / "out"
    assert main(["export", fmt, str(out), "--db", str(db)]) == 0
    target = tmp_path / "elsewhere" / "precious.duckdb"
    target.parent.mkdir()
    target.write_bytes(STAND_IN)
    (out / linked).unlink()
    (out / linked).symlink_to(target)
    capsys.readouterr()
    assert main(["export", fmt, str(out), "--db", str(db), "--force"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("iopdir export: ") and "symbolic link" in err and linked in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert target.read_bytes() == STAND_IN
    assert (out / linked).is_symlink()


def test_export_files_replace_a_link_made_after_the_check(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link that appears between the folder check and the write is replaced, never written through."""
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "precious.duckdb"
    target.write_bytes(STAND_IN)
    real_check = tabular.check_out_dir

    def check_then_link(*args: object, **kwargs: object) -> Path:
        checked = real_check(*args, **kwargs)  # type: ignore[arg-type]
        for name in ("listings.parquet", "facilities.parquet", tabular.EXPORT_MARKER):
            (out / name).symlink_to(target)
        return checked

    monkeypatch.setattr(tabular, "check_out_dir", check_then_link)
    counts = tabular.export_files(db, out, "parquet")
    assert target.read_bytes() == STAND_IN
    assert not any(p.is_symlink() for p in out.iterdir())
    with duckdb.connect() as con:
        path = str(out / "listings.parquet")
        assert con.execute("SELECT count(*) FROM read_parquet(?)", [path]).fetchone()[0] == counts["listings"]
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_csv_export_keeps_e164_phone_numbers() -> None:
    """`+15551234567` is a number to a spreadsheet, not a formula: left as is; `+1 Recovery` is not."""
    assert neutralize("+15551234567") == "+15551234567"
    assert neutralize("+1 555 123 4567") == "'+1 555 123 4567"
    assert neutralize("+1555123456\u0667") == "'+1555123456\u0667"  # an Arabic-Indic digit is no phone digit
    assert neutralize("+") == "'+"
