"""Acceptance on the real 2023 national directories (../shared/data), crawled offline."""

from pathlib import Path

import duckdb

from pipeline.flags.store import compute_flags
from tests.helpers import normalize_and_load


def test_national_directories_load_completely_and_reload_idempotently(national_crawl: Path, tmp_path: Path) -> None:
    db = tmp_path / "national.duckdb"
    items = national_crawl / "items.jsonl"
    first = normalize_and_load(items, db, "r1")
    assert (first["samhsa_su"].loaded, first["samhsa_mh"].loaded) == (12_744, 8_707)
    assert first["samhsa_su"].rejected == first["samhsa_mh"].rejected == 0
    with duckdb.connect(str(db), read_only=True) as con:

        def count(where: str) -> int:
            return con.execute(f"SELECT count(*) FROM listings WHERE {where}").fetchone()[0]

        assert count("source = 'samhsa_su' AND list_contains(levels_of_care, 'iop')") == 5_736
        assert count("source = 'samhsa_su' AND list_contains(levels_of_care, 'php')") == 1_874
        assert count("source = 'samhsa_mh' AND list_contains(levels_of_care, 'php')") == 1_314
        assert count("source = 'samhsa_mh' AND list_contains(levels_of_care, 'iop')") == 0
        assert count("true") == con.execute("SELECT count(DISTINCT listing_id) FROM listings").fetchone()[0]
        assert count("phone IS NULL") < 25
        ids = dict(con.execute("SELECT source || source_record_id, listing_id FROM listings").fetchall())
    second = normalize_and_load(items, db, "r2")
    assert all((c.new, c.changed, c.gone, c.rejected) == (0, 0, 0, 0) for c in second.values())
    with duckdb.connect(str(db), read_only=True) as con:
        assert dict(con.execute("SELECT source || source_record_id, listing_id FROM listings").fetchall()) == ids
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2


def test_national_flags_in_one_pass(national_crawl: Path, tmp_path: Path) -> None:
    # No hours in the directories: only the name and code rules can fire.
    db = tmp_path / "flags.duckdb"
    normalize_and_load(national_crawl / "items.jsonl", db, "r1")
    counts = compute_flags(db, "r1")
    assert counts.by_rule == {
        "php_as_iop": 3,
        "iop_range_reaches_php": 0,
        "php_below_threshold": 0,
        "php_range_below_floor": 0,
        "iop_below_floor": 0,
        # Brand names ("New Day Treatment Center", "Clear Day Treatment") are none; "Adult Partial
        # Care" and "Hospitalizacion Parcial" are read as PHP.
        "level_label_conflict": 14,
        "level_conflict_across_sources": 0,  # needs the link step (tests/test_link.py)
    }
    with duckdb.connect(str(db), read_only=True) as con:
        # The MH directory has no IOP code: an MH program named "Intensive Outpatient" is no conflict.
        assert (
            con.execute(
                "SELECT count(*) FROM flags WHERE source = 'samhsa_mh' AND list_contains("
                "CAST(json_extract(evidence, '$.name_levels') AS VARCHAR[]), 'iop')"
            ).fetchone()[0]
            == 0
        )
        names = [r[0] for r in con.execute("SELECT name2 FROM flags WHERE rule_id = 'php_as_iop'").fetchall()]
        # A name alone is weak evidence, never a high-severity php_as_iop (php_as_iop at medium,
        # level_label_conflict at low severity).
        severities = set(con.execute("SELECT DISTINCT severity, confidence FROM flags").fetchall())
        assert severities == {("medium", "low"), ("low", "low")}
        full_name = "lower(name || ' ' || coalesce(name2, ''))"
        brands = f"SELECT count(*) FROM flags WHERE regexp_matches({full_name}, 'new day|clear day')"
        assert con.execute(brands).fetchone()[0] == 0
    assert "Perinatal Day Treatment" in names
    again = compute_flags(db, "r2")
    assert (again.new, again.gone, again.total) == (0, 0, counts.total)
