"""Acceptance on the real 2023 national directories (../shared/data), crawled offline."""

from pathlib import Path

import duckdb

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
