"""HSDS 3.0 export: every row validates against the official schemas, ids are stable, one service per level."""

import json
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.flags.store import compute_flags
from pipeline.ids import NAMESPACE
from pipeline.link.store import link_facilities
from pipeline.normalize import run as normalize
from pipeline.outputs.hsds.build import DEFAULT_SCHEMA_DIR, TABLES, export_hsds, hsds_id, validate_hsds
from pipeline.sources.common import provenance
from pipeline.sources.samhsa.codes import CodeReference
from schemas.listing import Listing, Phone, ScheduleSession
from schemas.raw import RawRecord
from tests.helpers import make_listing, normalize_and_load, program_normalizer, program_records, read_items, write_items

pytestmark = pytest.mark.skipif(not DEFAULT_SCHEMA_DIR.is_dir(), reason="the HSDS 3.0 schemas are not in shared/specs")

SESSIONS_TEXT = "Our IOP meets Monday, Wednesday and Thursday 9:00-12:00; evening track Tuesday and Thursday 6-9 p.m."


def _sessions_normalizer(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """A program with an address, a phone, IOP and PHP, schedule text and structured sessions."""
    sessions = []
    for part in (record.fields["sessions"] or "").split(","):
        day, times, track = [*part.split(":"), ""][:3]
        start, end = times.split("-")
        sessions.append(
            ScheduleSession(day=int(day), start_minute=int(start), end_minute=int(end), track=track or None)
        )
    return make_listing(
        record.fields["name"] or "",
        source=record.source,
        provenance=provenance(record, run_id),
        street="1 Main St",
        city="Richmond",
        state="VA",
        zip5="23219",
        phones=(Phone(e164="+18045550100", extension="012", original="804-555-0100 x012", kind="main"),),
        website="https://example.org/program",
        levels_of_care={"iop", "php"},
        payments={"medicaid", "self_pay"},
        populations={"adults"},
        schedule_text=record.fields["schedule"],
        schedule=tuple(sessions),
    )


def _sessions_record() -> dict[str, Any]:
    return {
        "record_type": "program_sessions",
        "source": "pages",
        "source_url": "https://example.org/program",
        "source_file": "program.html",
        "record_id": "sessions",
        "fetched_at": "2026-11-27T00:00:00Z",
        # day:start-end[:track]; 18:00-21:00 on the evening track, one session past midnight.
        "fields": {
            "name": "Riverside Recovery",
            "schedule": SESSIONS_TEXT,
            "sessions": "0:540-720,2:540-720,3:540-720,1:1080-1260:evening,3:1080-1260:evening,4:1320-1500:late",
        },
    }


def _build(db: Path, items_dir: Path, fixture_crawl: Path, run_id: str = "r1") -> Path:
    items = read_items(fixture_crawl / "items.jsonl")
    items += program_records(
        {
            # A "day treatment" coded IOP, running 30 h a week: raises php_as_iop.
            "Sunrise Day Treatment": ("iop", "Monday through Friday, 9 a.m. to 3 p.m."),
            "Harbor Counseling": ("op", "Call for times."),
        }
    )
    items.append(_sessions_record())
    normalize_and_load(write_items(items_dir / "items.jsonl", items), db, run_id)
    link_facilities(db, run_id)
    compute_flags(db, run_id)
    return db


@pytest.fixture(scope="module")
def hsds_db(fixture_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
        patch.setitem(normalize.LISTING_NORMALIZERS, "program_sessions", _sessions_normalizer)
        root = tmp_path_factory.mktemp("hsds")
        return _build(root / "h.duckdb", root / "items", fixture_crawl)


@pytest.fixture(scope="module")
def exported(hsds_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("hsds_out")
    return out, export_hsds(hsds_db, out)


def _rows(out: Path, table: str) -> list[dict[str, Any]]:
    return json.loads((out / f"{table}.json").read_text(encoding="utf-8"))


def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_export_validates(exported: tuple[Path, dict[str, int]]) -> None:
    out, counts = exported
    assert sorted(p.stem for p in out.glob("*.json")) == sorted(TABLES)
    assert validate_hsds(out) == []
    assert validate_hsds(out, fast=False) == []
    assert {t: len(_rows(out, t)) for t in TABLES} == counts


def test_counts_follow_the_listings(hsds_db: Path, exported: tuple[Path, dict[str, int]]) -> None:
    out, counts = exported
    listings, levels, phones = _query(
        hsds_db, "SELECT count(*), sum(len(levels_of_care)), sum(len(phones)) FROM listings WHERE active"
    )[0]
    facilities = _query(hsds_db, "SELECT count(*) FROM facilities")[0][0]
    assert counts["location"] == counts["metadata"] == listings
    assert counts["service"] == counts["service_at_location"] == levels
    assert counts["phone"] == phones
    assert counts["organization"] == counts["organization_identifier"] == facilities
    assert counts["taxonomy"] == 5
    # One level-of-care attribute per service, naming the service's own level.
    terms = {t["id"]: t for t in _rows(out, "taxonomy_term")}
    services = {s["id"]: s for s in _rows(out, "service")}
    level_attributes = [a for a in _rows(out, "attribute") if a["link_type"] == "levels_of_care"]
    on_services = [a for a in level_attributes if a["link_entity"] == "service"]
    assert len(on_services) == levels
    for attribute in on_services:
        assert terms[attribute["taxonomy_term_id"]]["name"] in services[attribute["link_id"]]["name"]


def test_an_iop_and_a_php_are_two_services_with_the_schedule_on_the_level_of_the_hours(
    hsds_db: Path, exported: tuple[Path, dict[str, int]]
) -> None:
    out, _ = exported
    listing_id, hours_level = _query(
        hsds_db, "SELECT listing_id, hours_level FROM listings WHERE name = 'Riverside Recovery'"
    )[0]
    assert hours_level == "iop"
    location_id = hsds_id("location", listing_id)
    services = [
        s for s in _rows(out, "service") if s["id"] in {hsds_id("service", listing_id, lv) for lv in ("iop", "php")}
    ]
    assert sorted(s["name"] for s in services) == [
        "Riverside Recovery - Intensive Outpatient (IOP)",
        "Riverside Recovery - Partial Hospitalization / Day Treatment (PHP)",
    ]
    assert all(s["status"] == "active" and s["url"] == "https://example.org/program" for s in services)
    links = [r for r in _rows(out, "service_at_location") if r["location_id"] == location_id]
    assert sorted(r["service_id"] for r in links) == sorted(s["id"] for s in services)

    schedules = [r for r in _rows(out, "schedule") if r.get("service_id") in {s["id"] for s in services}]
    got = {(r["byday"], r["opens_at"], r["closes_at"], r.get("notes", "")[:16]) for r in schedules}
    assert got == {
        ("MO,WE,TH", "09:00", "12:00", ""),
        ("TU,TH", "18:00", "21:00", "Track 'evening':"),
        ("FR", "22:00", "01:00", "Track 'late': an"),
    }
    assert all(r["freq"] == "WEEKLY" and r["description"] == SESSIONS_TEXT for r in schedules)
    assert {r["service_id"] for r in schedules} == {hsds_id("service", listing_id, "iop")}

    (phone,) = [p for p in _rows(out, "phone") if p["location_id"] == location_id]
    assert (phone["number"], phone["extension"]) == ("+18045550100", 12)
    (address,) = [a for a in _rows(out, "address") if a["location_id"] == location_id]
    assert (address["address_1"], address["postal_code"], address["country"]) == ("1 Main St", "23219", "US")


def test_a_schedule_text_without_sessions_is_kept(hsds_db: Path, exported: tuple[Path, dict[str, int]]) -> None:
    out, _ = exported
    (listing_id,) = _query(hsds_db, "SELECT listing_id FROM listings WHERE name = 'Harbor Counseling'")[0]
    (row,) = [r for r in _rows(out, "schedule") if r.get("service_id") == hsds_id("service", listing_id, "op")]
    assert row == {
        "id": hsds_id("schedule", listing_id, "text"),
        "service_id": row["service_id"],
        "description": "Call for times.",
    }


def test_open_flags_are_attributes_of_the_service_they_judge(
    hsds_db: Path, exported: tuple[Path, dict[str, int]]
) -> None:
    out, _ = exported
    flags = _query(
        hsds_db, "SELECT listing_id, rule_id, message FROM flags WHERE active AND status = 'open' ORDER BY 1, 2"
    )
    assert ("php_as_iop" in {rule for _, rule, _ in flags}) is True
    flag_attributes = [a for a in _rows(out, "attribute") if a["link_type"] == "flags"]
    assert len(flag_attributes) >= len(flags)
    for listing_id, rule_id, message in flags:
        if rule_id == "php_as_iop":
            (attribute,) = [
                a
                for a in flag_attributes
                if a["link_id"] == hsds_id("service", listing_id, "iop") and message in a["value"]
            ]
            assert attribute["taxonomy_term_id"] == hsds_id("taxonomy_term", "flags", "php_as_iop")


def test_ids_are_uuid5_of_table_and_natural_key() -> None:
    assert hsds_id("service", "abc", "iop") == str(uuid.uuid5(NAMESPACE, "service|abc|iop"))
    assert hsds_id("schedule", "abc", None, 540) == str(uuid.uuid5(NAMESPACE, "schedule|abc||540"))


def test_ids_are_stable_across_exports_and_runs(
    hsds_db: Path, exported: tuple[Path, dict[str, int]], fixture_crawl: Path, tmp_path: Path
) -> None:
    out, _ = exported
    again = tmp_path / "again"
    export_hsds(hsds_db, again)
    for table in TABLES:
        assert (again / f"{table}.json").read_bytes() == (out / f"{table}.json").read_bytes(), table
    # A second run over the same data in a new database: same rows, same ids.
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
        patch.setitem(normalize.LISTING_NORMALIZERS, "program_sessions", _sessions_normalizer)
        db = _build(tmp_path / "other.duckdb", tmp_path / "items", fixture_crawl, run_id="r9")
    rebuilt = tmp_path / "rebuilt"
    export_hsds(db, rebuilt)
    for table in TABLES:
        assert [r["id"] for r in _rows(rebuilt, table)] == [r["id"] for r in _rows(out, table)], table


def test_the_state_filter(hsds_db: Path, tmp_path: Path) -> None:
    counts = export_hsds(hsds_db, tmp_path, state="va")
    states = {a["state_province"] for a in _rows(tmp_path, "address")}
    assert states == {"VA"}
    assert counts["location"] == _query(hsds_db, "SELECT count(*) FROM listings WHERE active AND state = 'VA'")[0][0]
    assert validate_hsds(tmp_path) == []


def test_invalid_rows_are_reported_with_file_index_and_field(
    exported: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    out, _ = exported
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)

    def corrupt(table: str, index: int, **changes: Any) -> None:
        rows = _rows(broken, table)
        rows[index].update(changes)
        rows[index] = {k: v for k, v in rows[index].items() if v is not None}
        (broken / f"{table}.json").write_text(json.dumps(rows), encoding="utf-8")

    corrupt("service", 1, status="open", url="not a url")
    corrupt("phone", 0, extension="12")
    corrupt("address", 0, city=None)
    corrupt("location", 2, latitude=True, colour="blue")
    corrupt("schedule", 0, freq="DAILY")
    corrupt("service_at_location", 0, location_id=str(uuid.uuid4()))
    corrupt("metadata", 1, id=_rows(broken, "metadata")[0]["id"])
    corrupt("service_at_location", 1, id="zz")
    corrupt("phone", 1, id=_rows(broken, "phone")[1]["id"].upper())  # not canonical, still a uuid
    errors = validate_hsds(broken)
    expected = [
        "service.json[1].status: 'open' is not one of ['active', 'inactive', 'defunct', 'temporarily closed']",
        "service.json[1].url: 'not a url' is not a 'uri'",
        "phone.json[0].extension: '12' is not of type 'number'",
        "address.json[0]: 'city' is a required property",
        "location.json[2].latitude: True is not of type 'number'",
        "location.json[2].colour: not a field of the HSDS location table",
        "schedule.json[0].freq: 'DAILY' is not one of ['WEEKLY', 'MONTHLY']",
        "metadata.json[1].id: duplicate id " + _rows(broken, "metadata")[0]["id"],
        "service_at_location.json[1].id: 'zz' is not a 'uuid'",
    ]
    for message in expected:
        assert message in errors, (message, errors)
    assert any(
        e.startswith("service_at_location.json[0].location_id: ") and "no id of location.json" in e for e in errors
    )
    assert len(errors) == len(expected) + 1
    # The fast path and full validation of each row give the same schema verdicts.
    assert sorted(validate_hsds(broken, fast=False)) == sorted(errors)


def test_a_file_that_is_no_array_is_reported(tmp_path: Path) -> None:
    (tmp_path / "service.json").write_text('{"id": "x"}', encoding="utf-8")
    assert validate_hsds(tmp_path) == ["service.json: not a JSON array of service rows"]
    assert validate_hsds(tmp_path / "empty") == [f"{tmp_path / 'empty'}: no HSDS table files (<table>.json)"]


def test_the_national_directories_export_validates(national_crawl: Path, tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    normalize_and_load(national_crawl / "items.jsonl", db, "r1")
    link_facilities(db, "r1")
    compute_flags(db, "r1")
    started = time.monotonic()
    counts = export_hsds(db, tmp_path / "out")
    exported_in = time.monotonic() - started
    errors = validate_hsds(tmp_path / "out")
    validated_in = time.monotonic() - exported_in - started
    assert errors == []
    listings, levels = _query(db, "SELECT count(*), sum(len(levels_of_care)) FROM listings WHERE active")[0]
    assert (counts["location"], counts["service"], counts["service_at_location"]) == (listings, levels, levels)
    assert counts["organization"] == _query(db, "SELECT count(*) FROM facilities")[0][0]
    print(f"HSDS national: {counts}; export {exported_in:.1f} s, validation {validated_in:.1f} s")
