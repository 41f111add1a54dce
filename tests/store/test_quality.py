"""Per-source quality in run_sources, and an empty source counting as failed unless it says so."""

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline.normalize.run import normalize_file
from pipeline.store.load import SourceLoad, load_run
from tests.helpers import normalize_and_load, read_items, write_items


def test_quality_is_recorded_per_source(fixture_crawl: Path, tmp_path: Path) -> None:
    db = tmp_path / "q.duckdb"
    normalize_and_load(write_items(tmp_path / "a" / "items.jsonl", read_items(fixture_crawl / "items.jsonl")), db, "r1")
    with duckdb.connect(str(db), read_only=True) as con:
        quality = dict(con.execute("SELECT source, quality FROM run_sources").fetchall())
    su = json.loads(quality["samhsa_su"])
    assert (su["items"], su["loaded"], su["rejected"], su["duplicates"]) == (5, 5, 0, 0)
    # SAMHSA states no hours and no websites: every row misses them; every row has levels.
    assert su["missing"]["hours_min"] == su["missing"]["website"] == 5
    assert su["missing"]["levels_of_care"] == 0
    assert set(su) >= {"invalid", "rows_with_unknown_codes", "rows_with_warnings", "reject_reasons"}


def _empty_load(tmp_path: Path, stats: dict) -> str:
    items = write_items(tmp_path / "e" / "items.jsonl", [])
    result = normalize_file(items, tmp_path / "e" / "out", "r1")
    load = SourceLoad("empty_src", result.listings_path, result.rejects_path, complete=True, seen=0, crawl_stats=stats)
    [counts] = load_run(tmp_path / "e.duckdb", "r1", datetime.now(UTC), [load], [result.codes_path])
    return counts.status


def test_a_source_with_no_items_fails_unless_it_says_it_may_be_empty(tmp_path: Path) -> None:
    assert _empty_load(tmp_path / "1", {}) == "failed"
    assert _empty_load(tmp_path / "2", {"iopdir/source/empty_src/empty_ok": True}) == "ok"


def test_a_recorded_sample_never_marks_listings_gone(fixture_crawl: Path, tmp_path: Path) -> None:
    items = [i for i in read_items(fixture_crawl / "items.jsonl") if i["source"] == "samhsa_su"]
    facilities = [i for i in items if i["record_type"] == "samhsa_facility"]
    codes = [i for i in items if i["record_type"] != "samhsa_facility"]
    db = tmp_path / "s.duckdb"

    def load(run: str, rows: list[dict], stats: dict) -> int:
        result = normalize_file(write_items(tmp_path / run / "items.jsonl", codes + rows), tmp_path / run / "o", run)
        load = SourceLoad("samhsa_su", result.listings_path, result.rejects_path, True, len(rows), crawl_stats=stats)
        return load_run(db, run, datetime.now(UTC), [load], [result.codes_path])[0].gone

    assert load("r1", facilities, {}) == 0
    assert load("r2", facilities[:2], {"iopdir/source/samhsa_su/sample": True}) == 0
    assert load("r3", facilities[:2], {}) == 3


def test_an_empty_answer_and_unread_pages_mark_nothing_gone(fixture_crawl: Path, tmp_path: Path) -> None:
    items = [i for i in read_items(fixture_crawl / "items.jsonl") if i["source"] == "samhsa_su"]
    facilities = [i for i in items if i["record_type"] == "samhsa_facility"]
    codes = [i for i in items if i["record_type"] != "samhsa_facility"]
    db = tmp_path / "u.duckdb"

    def load(run: str, rows: list[dict], stats: dict) -> tuple[int, str]:
        result = normalize_file(write_items(tmp_path / run / "items.jsonl", codes + rows), tmp_path / run / "o", run)
        load = SourceLoad("samhsa_su", result.listings_path, result.rejects_path, True, len(rows), crawl_stats=stats)
        counts = load_run(db, run, datetime.now(UTC), [load], [result.codes_path])[0]
        return counts.gone, counts.status

    assert load("r1", facilities, {}) == (0, "ok")
    # A "complete" crawl that came back empty is a broken source, not an empty directory.
    assert load("r2", [], {}) == (0, "failed")
    # Listings of a page the crawl may not read (here the one file all rows come from) stay active.
    unread = [facilities[0]["source_url"]]
    assert load("r3", facilities[3:], {"iopdir/source/samhsa_su/unread_urls": unread}) == (0, "ok")
    gone, status = load("r4", facilities[3:], {})
    assert status == "ok" and gone >= 3
