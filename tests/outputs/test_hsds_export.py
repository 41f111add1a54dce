"""HSDS 3.0 export: every row validates against the official schemas, ids are stable, one service per level."""

import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from pipeline.flags.store import compute_flags
from pipeline.ids import NAMESPACE
from pipeline.link.store import link_facilities
from pipeline.outputs.hsds import DEFAULT_SCHEMA_DIR, TABLES, export_hsds, hsds_id, validate_hsds
from tests.helpers import normalize_and_load
from tests.outputs.hsds_data import SESSIONS_TEXT, build_db, query, rows

pytestmark = pytest.mark.skipif(not DEFAULT_SCHEMA_DIR.is_dir(), reason="the HSDS 3.0 schemas are not in shared/specs")


def test_the_export_validates(exported: tuple[Path, dict[str, int]]) -> None:
    out, counts = exported
    assert sorted(p.stem for p in out.glob("*.json")) == sorted(TABLES)
    assert validate_hsds(out) == []
    assert validate_hsds(out, fast=False) == []
    assert {t: len(rows(out, t)) for t in TABLES} == counts


def test_counts_follow_the_listings(hsds_db: Path, exported: tuple[Path, dict[str, int]]) -> None:
    out, counts = exported
    listings, levels, phones = query(
        hsds_db, "SELECT count(*), sum(len(levels_of_care)), sum(len(phones)) FROM listings WHERE active"
    )[0]
    facilities = query(hsds_db, "SELECT count(*) FROM facilities")[0][0]
    assert counts["location"] == counts["metadata"] == listings
    assert counts["service"] == counts["service_at_location"] == levels
    assert counts["phone"] == phones
    assert counts["organization"] == counts["organization_identifier"] == facilities
    assert counts["taxonomy"] == 6
    # One level-of-care attribute per service, naming the service's own level.
    terms = {t["id"]: t for t in rows(out, "taxonomy_term")}
    services = {s["id"]: s for s in rows(out, "service")}
    level_attributes = [a for a in rows(out, "attribute") if a["link_type"] == "levels_of_care"]
    on_services = [a for a in level_attributes if a["link_entity"] == "service"]
    assert len(on_services) == levels
    for attribute in on_services:
        assert terms[attribute["taxonomy_term_id"]]["name"] in services[attribute["link_id"]]["name"]


def test_an_iop_and_a_php_are_two_services_with_the_schedule_on_the_level_of_the_hours(
    hsds_db: Path, exported: tuple[Path, dict[str, int]]
) -> None:
    out, _ = exported
    listing_id, hours_level = query(
        hsds_db, "SELECT listing_id, hours_level FROM listings WHERE name = 'Riverside Recovery'"
    )[0]
    assert hours_level == "iop"
    location_id = hsds_id("location", listing_id)
    services = [
        s for s in rows(out, "service") if s["id"] in {hsds_id("service", listing_id, lv) for lv in ("iop", "php")}
    ]
    assert sorted(s["name"] for s in services) == [
        "Riverside Recovery - Intensive Outpatient (IOP)",
        "Riverside Recovery - Partial Hospitalization / Day Treatment (PHP)",
    ]
    assert all(s["status"] == "active" and s["url"] == "https://example.org/program" for s in services)
    links = [r for r in rows(out, "service_at_location") if r["location_id"] == location_id]
    assert sorted(r["service_id"] for r in links) == sorted(s["id"] for s in services)

    schedules = [r for r in rows(out, "schedule") if r.get("service_id") in {s["id"] for s in services}]
    got = {(r["byday"], r["opens_at"], r["closes_at"], r.get("notes", "")[:16]) for r in schedules}
    assert got == {
        ("MO,WE,TH", "09:00", "12:00", ""),
        ("TU,TH", "18:00", "21:00", "Track 'evening':"),
        ("FR", "22:00", "01:00", "Track 'late': an"),
    }
    assert all(r["freq"] == "WEEKLY" and r["description"] == SESSIONS_TEXT for r in schedules)
    assert {r["service_id"] for r in schedules} == {hsds_id("service", listing_id, "iop")}

    (phone,) = [p for p in rows(out, "phone") if p["location_id"] == location_id]
    assert (phone["number"], phone["extension"]) == ("+18045550100", 12)
    (address,) = [a for a in rows(out, "address") if a["location_id"] == location_id]
    assert (address["address_1"], address["postal_code"], address["country"]) == ("1 Main St", "23219", "US")


def test_a_schedule_text_without_sessions_is_kept(hsds_db: Path, exported: tuple[Path, dict[str, int]]) -> None:
    out, _ = exported
    (listing_id,) = query(hsds_db, "SELECT listing_id FROM listings WHERE name = 'Harbor Counseling'")[0]
    (row,) = [r for r in rows(out, "schedule") if r.get("service_id") == hsds_id("service", listing_id, "op")]
    assert row == {
        "id": hsds_id("schedule", listing_id, "text"),
        "service_id": row["service_id"],
        "description": "Call for times.",
    }


def test_open_flags_are_attributes_of_the_service_they_judge(
    hsds_db: Path, exported: tuple[Path, dict[str, int]]
) -> None:
    out, _ = exported
    flags = query(
        hsds_db, "SELECT listing_id, rule_id, message FROM flags WHERE active AND status = 'open' ORDER BY 1, 2"
    )
    assert ("php_as_iop" in {rule for _, rule, _ in flags}) is True
    flag_attributes = [a for a in rows(out, "attribute") if a["link_type"] == "flags"]
    assert len(flag_attributes) >= len(flags)
    for listing_id, rule_id, message in flags:
        if rule_id == "php_as_iop":
            (attribute,) = [
                a
                for a in flag_attributes
                if a["link_id"] == hsds_id("service", listing_id, "iop") and message in a["value"]
            ]
            assert attribute["taxonomy_term_id"] == hsds_id("taxonomy_term", "flags", "php_as_iop")
            assert attribute["value"].startswith(("[high, high confidence] ", "[medium, low confidence] "))


def test_ids_are_uuid5_of_table_and_natural_key() -> None:
    assert hsds_id("service", "abc", "iop") == str(uuid.uuid5(NAMESPACE, "service|abc|iop"))
    assert hsds_id("schedule", "abc", None, 540) == str(uuid.uuid5(NAMESPACE, "schedule|abc||540"))


def test_ids_are_stable_across_exports_and_runs(
    hsds_db: Path, exported: tuple[Path, dict[str, int]], fixture_crawl: Path, tmp_path: Path
) -> None:
    out, _ = exported
    again = tmp_path / "again"
    export_hsds(hsds_db, again, all_facilities=True)
    for table in TABLES:
        assert (again / f"{table}.json").read_bytes() == (out / f"{table}.json").read_bytes(), table
    # A second run over the same data in a new database: same rows, same ids.
    db = build_db(tmp_path / "other.duckdb", tmp_path / "items", fixture_crawl, run_id="r9")
    rebuilt = tmp_path / "rebuilt"
    export_hsds(db, rebuilt, all_facilities=True)
    for table in TABLES:
        assert [r["id"] for r in rows(rebuilt, table)] == [r["id"] for r in rows(out, table)], table


def test_the_state_filter(hsds_db: Path, tmp_path: Path) -> None:
    counts = export_hsds(hsds_db, tmp_path, state="va", all_facilities=True)
    states = {a["state_province"] for a in rows(tmp_path, "address")}
    assert states == {"VA"}
    assert counts["location"] == query(hsds_db, "SELECT count(*) FROM listings WHERE active AND state = 'VA'")[0][0]
    assert validate_hsds(tmp_path) == []


def test_the_national_directories_export_validates(national_crawl: Path, tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    normalize_and_load(national_crawl / "items.jsonl", db, "r1")
    link_facilities(db, "r1")
    compute_flags(db, "r1")
    started = time.monotonic()
    counts = export_hsds(db, tmp_path / "out", all_facilities=True)
    exported_in = time.monotonic() - started
    errors = validate_hsds(tmp_path / "out")
    validated_in = time.monotonic() - exported_in - started
    assert errors == []
    listings, levels = query(db, "SELECT count(*), sum(len(levels_of_care)) FROM listings WHERE active")[0]
    assert (counts["location"], counts["service"], counts["service_at_location"]) == (listings, levels, levels)
    assert counts["organization"] == query(db, "SELECT count(*) FROM facilities")[0][0]
    print(f"HSDS national: {counts}; export {exported_in:.1f} s, validation {validated_in:.1f} s")


def test_named_payers_are_cost_options_of_each_service(hsds_db: Path, exported: tuple[Path, dict[str, int]]) -> None:
    out, counts = exported
    (listing_id,) = query(hsds_db, "SELECT listing_id FROM listings WHERE name = 'Riverside Recovery'")[0]
    services = [
        s for s in rows(out, "service") if s["id"] in {hsds_id("service", listing_id, lv) for lv in ("iop", "php")}
    ]
    assert len(services) == 2
    options = [o for o in rows(out, "cost_option") if o["service_id"] in {s["id"] for s in services}]
    assert sorted((o["service_id"], o["option"]) for o in options) == sorted(
        (s["id"], f"Insurance: {payer}") for s in services for payer in ("Aetna", "Medicaid")
    )
    # Only that listing names payers: every cost option is one of its services'.
    assert counts["cost_option"] == 4
    assert all(
        s["fees_description"] == "Payment accepted: Medicaid, Self pay; Payers named: Aetna, Medicaid" for s in services
    )
    assert all(s["eligibility_description"] == "Populations served: Adults" for s in services)


def test_attributes_are_lean(hsds_db: Path, exported: tuple[Path, dict[str, int]]) -> None:
    """A listing's services terms once on its location; payments, populations and payers only in service fields."""
    out, counts = exported
    attributes = rows(out, "attribute")
    by_kind = Counter((a["link_entity"], a["link_type"]) for a in attributes)
    services, levels, flagged = query(
        hsds_db,
        "SELECT sum(len(services)), sum(len(levels_of_care)), "
        "(SELECT count(*) FROM flags WHERE active AND status = 'open') FROM listings WHERE active",
    )[0]
    assert by_kind[("location", "services")] == services > 0
    assert by_kind[("service", "levels_of_care")] == levels
    assert by_kind[("service", "flags")] >= flagged
    assert set(by_kind) == {
        ("location", "services"),
        ("service", "levels_of_care"),
        ("organization", "levels_of_care"),
        ("service", "flags"),
    }
    (listing_id, terms) = query(
        hsds_db, "SELECT listing_id, services FROM listings WHERE active AND len(services) > 2 ORDER BY 1 LIMIT 1"
    )[0]
    on_location = [a for a in attributes if a["link_id"] == hsds_id("location", listing_id)]
    assert [a["id"] for a in on_location] == [
        hsds_id("attribute", "location", listing_id, "services", t) for t in terms
    ]
    assert len(attributes) == counts["attribute"]
