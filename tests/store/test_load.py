"""Normalize + load on the real fixture rows: ids, idempotence, changes, gone, rejects, counts."""

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.helpers import normalize_and_load, read_items, write_items


@pytest.fixture
def items(fixture_crawl: Path, tmp_path: Path) -> list[dict]:
    return read_items(fixture_crawl / "items.jsonl")


def _ids(db: Path) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(con.execute("SELECT source_record_id || '@' || source, listing_id FROM listings").fetchall())


def test_first_load_counts_and_levels(items: list[dict], tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    counts = normalize_and_load(write_items(tmp_path / "a" / "items.jsonl", items), db, "r1")
    assert (counts["samhsa_su"].seen, counts["samhsa_su"].loaded, counts["samhsa_su"].new) == (5, 5, 5)
    assert (counts["samhsa_mh"].seen, counts["samhsa_mh"].loaded, counts["samhsa_mh"].new) == (3, 3, 3)
    with duckdb.connect(str(db), read_only=True) as con:
        shelby = con.execute(
            "SELECT listing_id, levels_of_care, phone, zip5, state, hours_basis, payments FROM listings "
            "WHERE name = 'Shelby County Treatment Center'"
        ).fetchone()
        assert shelby[1] == ["detox", "iop", "op"]
        assert shelby[2:6] == ("+12052160200", "35007", "AL", "unknown")
        assert "medicaid" in shelby[6]
        # The id is a pure function of source + identity: pinned so an accidental change fails here.
        assert shelby[0] == "bfcd94b0-14b5-5395-8354-32fa7b633b16"
        ryc = con.execute("SELECT levels_of_care FROM listings WHERE name = 'RYC Annex Facility'").fetchone()
        assert ryc[0] == ["op", "php"]
        assert con.execute("SELECT count(*) FROM codes").fetchone()[0] == 224 + 176


def test_rows_sharing_name_address_and_phone_both_survive_with_order_independent_ids(
    items: list[dict], tmp_path: Path
) -> None:
    forward, backward = tmp_path / "f.duckdb", tmp_path / "b.duckdb"
    normalize_and_load(write_items(tmp_path / "f" / "items.jsonl", items), forward, "r1")
    normalize_and_load(write_items(tmp_path / "b" / "items.jsonl", list(reversed(items))), backward, "r1")
    with duckdb.connect(str(forward), read_only=True) as con:
        pair = con.execute(
            "SELECT listing_id FROM listings WHERE name = 'Saint Johns Program for Real Change'"
        ).fetchall()
    assert len({p[0] for p in pair}) == 2
    with duckdb.connect(str(backward), read_only=True) as con:
        assert {r[0] for r in pair} <= {r[0] for r in con.execute("SELECT listing_id FROM listings").fetchall()}
    assert sorted(_ids(forward).values()) == sorted(_ids(backward).values())


def test_reloading_the_same_crawl_changes_nothing(items: list[dict], tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    path = write_items(tmp_path / "a" / "items.jsonl", items)
    normalize_and_load(path, db, "r1")
    before = _ids(db)
    counts = normalize_and_load(path, db, "r2")
    assert all((c.new, c.changed, c.gone) == (0, 0, 0) for c in counts.values())
    assert counts["samhsa_su"].unchanged == 5
    assert _ids(db) == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
        assert con.execute("SELECT new, changed FROM runs WHERE run_id = 'r2'").fetchone() == (0, 0)
        assert con.execute("SELECT count(*) FROM codes").fetchone()[0] == 400  # replaced, not appended


def test_changed_content_keeps_the_id_and_counts_as_changed(items: list[dict], tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    normalize_and_load(write_items(tmp_path / "a" / "items.jsonl", items), db, "r1")
    edited = json.loads(json.dumps(items))
    shelby = next(i for i in edited if i["fields"].get("Name1") == "Shelby County Treatment Center")
    shelby["fields"]["Service_code_info"] = shelby["fields"]["Service_code_info"].replace(" OIT", "")
    counts = normalize_and_load(write_items(tmp_path / "b" / "items.jsonl", edited), db, "r2")
    assert (counts["samhsa_su"].changed, counts["samhsa_su"].new) == (1, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        levels = con.execute(
            "SELECT levels_of_care FROM listings WHERE name = 'Shelby County Treatment Center'"
        ).fetchone()[0]
    assert "iop" not in levels


def test_a_stored_hash_that_differs_is_checked_column_by_column(items: list[dict], tmp_path: Path) -> None:
    # As after a change in how the hash is computed: equal content is unchanged, and no change is
    # recorded; the stored hash is brought up to date.
    db = tmp_path / "t.duckdb"
    path = write_items(tmp_path / "a" / "items.jsonl", items)
    normalize_and_load(path, db, "r1")
    with duckdb.connect(str(db)) as con:
        hashes = dict(con.execute("SELECT listing_id, content_hash FROM listing_records").fetchall())
        con.execute("UPDATE listing_records SET content_hash = 'old-formula'")
    counts = normalize_and_load(path, db, "r2")
    assert (counts["samhsa_su"].unchanged, counts["samhsa_su"].changed) == (5, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        assert dict(con.execute("SELECT listing_id, content_hash FROM listing_records").fetchall()) == hashes
        assert con.execute("SELECT count(*) FROM listing_changes WHERE run_id = 'r2'").fetchone()[0] == 0
        assert con.execute("SELECT bool_and(last_run_id = 'r2') FROM listing_records").fetchone()[0] is True


def test_missing_listing_goes_inactive_only_after_a_complete_crawl(items: list[dict], tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    normalize_and_load(write_items(tmp_path / "a" / "items.jsonl", items), db, "r1")
    fewer = [i for i in items if i["fields"].get("Name1") != "State Line Medical LLC"]
    partial = normalize_and_load(
        write_items(tmp_path / "b" / "items.jsonl", fewer), db, "r2", complete={"samhsa_su": False}
    )
    assert partial["samhsa_su"].gone == 0
    complete = normalize_and_load(write_items(tmp_path / "c" / "items.jsonl", fewer), db, "r3")
    assert complete["samhsa_su"].gone == 1
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT active, last_run_id FROM listings WHERE name = 'State Line Medical LLC'").fetchone()
        assert row == (False, "r1")  # kept, not deleted
    back = normalize_and_load(write_items(tmp_path / "d" / "items.jsonl", items), db, "r4")
    assert back["samhsa_su"].unchanged == 5
    with duckdb.connect(str(db), read_only=True) as con:
        kinds = con.execute("SELECT change, count(*) FROM listing_changes WHERE run_id = 'r4' GROUP BY 1").fetchall()
        assert kinds == [("returned", 1)]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT bool_and(active) FROM listings").fetchone()[0] is True


def test_bad_rows_are_rejected_with_field_and_row_and_counts_reconcile(items: list[dict], tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    su_row = next(i for i in items if i["record_type"] == "samhsa_facility" and i["source"] == "samhsa_su")

    def variant(record_id: str, **fields: str | None) -> dict:
        record = json.loads(json.dumps(su_row))
        record["record_id"] = record_id
        for key, value in fields.items():
            if value is None:
                record["fields"].pop(key)
            else:
                record["fields"][key] = value
        return record

    bad = [
        variant("Facilities List!900", Name1="   "),
        variant("Facilities List!901", Name1="Somewhere", State="ZZ"),
        variant("Facilities List!902", Name1="No codes", Service_code_info=None),
        json.loads(json.dumps(su_row)),  # the same row twice: one listing, one duplicate
    ]
    path = write_items(tmp_path / "a" / "items.jsonl", [*items, *bad, '{"record_type": "samhsa_fac'])
    counts = normalize_and_load(path, db, "r1")
    su = counts["samhsa_su"]
    assert (su.seen, su.loaded, su.rejected) == (9, 5, 4)
    with duckdb.connect(str(db), read_only=True) as con:
        rejects = {
            r[0]: (r[1], r[2])
            for r in con.execute(
                "SELECT source_record_id, field, message FROM rejects WHERE source = 'samhsa_su'"
            ).fetchall()
        }
        assert rejects["Facilities List!900"][0] == "Name1"
        assert rejects["Facilities List!901"] == ("State", "'ZZ' is not a US state or territory")
        assert rejects["Facilities List!902"][0] == "Service_code_info"
        assert rejects["Facilities List!2"][1] == "duplicate of Facilities List!2 (same listing, same content)"
        unknown = con.execute("SELECT field, message FROM rejects WHERE source = 'unknown'").fetchall()
        assert unknown == [("record", "line is not a JSON object (truncated crawl output?)")]
        for seen, loaded, rejected in con.execute("SELECT seen, loaded, rejected FROM run_sources").fetchall():
            assert seen == loaded + rejected


def test_the_whole_run_rolls_back_when_a_load_fails(items: list[dict], tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    path = write_items(tmp_path / "a" / "items.jsonl", items)
    normalize_and_load(path, db, "r1")
    shutil.copy(db, tmp_path / "before.duckdb")
    from pipeline.store.load import SourceLoad, load_run

    broken = SourceLoad("samhsa_su", str(tmp_path / "missing.parquet"), str(tmp_path / "missing.parquet"), True, 5)
    with pytest.raises(duckdb.Error):
        load_run(db, "r2", __import__("datetime").datetime.now(), [broken])
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_bad_code_reference_rows_are_rejected_apart_from_listings(items: list[dict], tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    code_row = json.loads(json.dumps(next(i for i in items if i["record_type"] == "service_code")))
    code_row["record_id"] = "Service Code Reference!999"
    code_row["fields"]["service_code"] = "  "
    counts = normalize_and_load(write_items(tmp_path / "a" / "items.jsonl", [*items, code_row]), db, "r1")
    assert (counts["samhsa_su"].seen, counts["samhsa_su"].loaded, counts["samhsa_su"].rejected) == (5, 5, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT source_record_id, field FROM rejects").fetchall() == [
            ("Service Code Reference!999", "service_code")
        ]
