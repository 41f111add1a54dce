"""`iopdir show` (a listing or facility by id or unique prefix), `iopdir runs` and `iopdir sources`."""

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from flows.cli import main

HOPE = "ad8eed10"  # the listing id of the program page "Hope IOP" starts so (ids are content-derived)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_a_listing_by_prefix(explain_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "show", HOPE, "--db", str(explain_db))
    assert code == 0, err
    assert out.startswith(f"listing {HOPE}")
    assert "== program_pages listing " in out and "name:             Hope IOP" in out
    assert "levels_of_care:   iop" in out
    for section in ("== history", "== flags", "== reviews"):
        assert section in out
    assert "php_as_iop" in out and "Checked the page: separate PHP track" in out and "new" in out


def test_show_json_has_every_section(explain_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "show", HOPE.upper(), "--db", str(explain_db), "--format", "json")
    shown = json.loads(out)
    assert code == 0 and shown["kind"] == "listing" and shown["id"].startswith(HOPE)
    assert [r["name"] for r in shown["listings"]] == ["Hope IOP"]
    assert [h["change"] for h in shown["history"]] == ["new"]
    assert [f["rule_id"] for f in shown["flags"]] == ["php_as_iop"]
    assert [(r["decision"], r["reviewer"]) for r in shown["reviews"]] == [("dismissed", "ana")]
    assert shown["facility_id"]


def test_show_a_facility_lists_its_members(explain_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with duckdb.connect(str(explain_db), read_only=True) as con:
        facility_id, members = con.execute(
            "SELECT facility_id, list(listing_id ORDER BY listing_id) FROM facility_members "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()
    code, out, err = _run(capsys, "show", facility_id, "--db", str(explain_db), "--format", "json")
    shown = json.loads(out)
    assert code == 0, err
    assert shown["kind"] == "facility" and sorted(r["listing_id"] for r in shown["listings"]) == members


def test_a_facility_of_several_listings_shows_all_of_them(
    explain_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.duckdb"
    shutil.copy(explain_db, db)
    with duckdb.connect(str(db)) as con:  # as if a run had linked the two program pages
        con.execute(
            "UPDATE facility_members SET facility_id = 'ff9' WHERE listing_id IN "
            "(SELECT listing_id FROM listing_records WHERE source = 'program_pages')"
        )
    code, out, err = _run(capsys, "show", "ff", "--db", str(db))
    assert code == 0, err
    assert out.startswith("facility ff9\n")
    assert out.count("== program_pages listing ") == 2 and "Hope IOP" in out and "Words IOP" in out
    assert _run(capsys, "show", HOPE, "--db", str(db))[1].startswith(f"listing {HOPE}")
    assert "(facility ff9)" in _run(capsys, "show", HOPE, "--db", str(db))[1].splitlines()[0]
    code, _, err = _run(capsys, "show", "zz", "--db", str(db))
    assert code == 2 and err == "iopdir show: no listing or facility id starts with 'zz'\n"


def test_an_ambiguous_prefix_lists_the_candidates(explain_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with duckdb.connect(str(explain_db), read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT listing_id FROM listing_records").fetchall()]
    prefix = next(p for p in "0123456789abcdef" if sum(i.startswith(p) for i in ids) > 1)
    code, out, err = _run(capsys, "show", prefix, "--db", str(explain_db))
    assert code == 2 and out == ""
    assert err.startswith(f"iopdir show: '{prefix}' is ambiguous: ") and err.endswith("give more of it\n")
    assert all(i in err for i in ids if i.startswith(prefix))


def test_runs_latest_first_with_each_source(explain_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "runs", "--db", str(explain_db), "--format", "json")
    runs = json.loads(out)
    assert code == 0 and [r["run_id"] for r in runs] == ["r2", "r1"]
    assert [(s["source"], s["status"], s["gone"]) for s in runs[0]["sources"]] == [
        ("program_pages", "ok", 0),
        ("samhsa_mh", "ok", 1),
        ("samhsa_su", "ok", 0),
    ]
    code, out, _ = _run(capsys, "runs", "--db", str(explain_db), "--limit", "1")
    lines = out.splitlines()
    assert lines[0].split() == [
        "run_id",
        "status",
        "started_at",
        "finished_at",
        "seen",
        "loaded",
        "new",
        "changed",
        "gone",
        "sources",
    ]
    assert lines[2].startswith("r2 ") and "samhsa_mh ok 2/2" in lines[2] and lines[-1] == "(1 row)"
    assert _run(capsys, "runs", "--db", str(explain_db), "--limit", "0")[0] == 2


def test_sources_with_and_without_a_database(
    explain_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "sources", "--db", str(explain_db), "--format", "csv")
    assert code == 0
    assert out.splitlines() == [
        "spider,source,active_listings,last_run,last_status",
        "samhsa_directory,samhsa_su,5,r2,ok",
        "samhsa_directory,samhsa_mh,2,r2,ok",
        "findtreatment,findtreatment,0,,",
        "ny_omh,ny_omh,0,,",
        "program_pages,program_pages,2,r2,ok",
    ]
    code, out, _ = _run(capsys, "sources", "--db", str(tmp_path / "none.duckdb"))
    assert code == 0 and out.splitlines()[0].split() == ["spider", "source"]
    assert "samhsa_directory  samhsa_mh" in out and out.splitlines()[-1].startswith("(no database at ")
    assert not (tmp_path / "none.duckdb").exists()


def test_a_failed_crawl_under_its_spider_is_the_sources_last_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE listing_records (source VARCHAR, active BOOLEAN)")
        con.execute("CREATE TABLE run_sources (run_id VARCHAR, source VARCHAR, status VARCHAR)")
        con.execute("INSERT INTO run_sources VALUES ('r1', 'samhsa_su', 'ok'), ('r2', 'samhsa_directory', 'failed')")
    code, out, _ = _run(capsys, "sources", "--db", str(db), "--format", "csv")
    assert code == 0 and "samhsa_directory,samhsa_su,0,r2,failed" in out.splitlines()
