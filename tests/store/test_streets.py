"""Streets are split and parsed when listings are loaded; linking completes a file an older version loaded."""

import json
from pathlib import Path

import duckdb
import pytest

from pipeline.clean.street import parse_street
from pipeline.link.store import link_facilities
from pipeline.store.connection import connect
from pipeline.store.streets import StreetCounts, record_streets
from tests.helpers import normalize_and_load, read_items, write_items

_PARTS = "street_number, street_predirectional, street_name, street_suffix, street_postdirectional, street_unit"


@pytest.fixture
def items(fixture_crawl: Path) -> list[dict]:
    return read_items(fixture_crawl / "items.jsonl")


def _shown(db: Path) -> dict[str, tuple]:
    """listing id -> (street, its components and parser) as the `listings` view shows them."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(f"SELECT listing_id, street, {_PARTS}, street_parser FROM listings").fetchall()
    return {row[0]: row[1:] for row in rows}


def _expected(street: str | None) -> tuple:
    parts = parse_street(street)
    if parts is None:
        return (None,) * 7
    return (
        parts.number,
        parts.predirectional,
        parts.name,
        parts.suffix,
        parts.postdirectional,
        parts.unit,
        parts.parser if parts.name or parts.unit else None,
    )


def _assert_components_match_the_parser(db: Path) -> None:
    shown = _shown(db)
    assert any(row[3] for row in shown.values()), "no street parsed at all"
    for listing_id, (street, *parts) in shown.items():
        expected = _expected(street)
        # A street that is only a house number has no rest to parse: no parser is named.
        assert tuple(parts[:6]) == expected[:6], (listing_id, street)
        if parts[2] or parts[5]:
            assert parts[6] == expected[6], (listing_id, street)


def test_a_load_shows_every_listings_street_components_without_linking(items: list[dict], tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    normalize_and_load(write_items(tmp_path / "a" / "items.jsonl", items), db, "r1")
    _assert_components_match_the_parser(db)
    with connect(db) as con:
        # The load parsed every rest: nothing is left for another pass.
        assert record_streets(con) == StreetCounts(split=0, parsed=0)
        distinct, stored = con.execute(
            "SELECT (SELECT count(DISTINCT street_rest) FROM listing_records WHERE street_rest <> ''), "
            "(SELECT count(*) FROM street_names)"
        ).fetchone()
    assert distinct == stored > 0


def test_a_changed_listing_is_split_and_parsed_again(items: list[dict], tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    normalize_and_load(write_items(tmp_path / "a" / "items.jsonl", items), db, "r1")
    with connect(db) as con:
        # A stale split (as if the splitting rule had changed): a changed listing is written afresh.
        con.execute(
            "UPDATE listing_records SET street_number = '0', street_rest = 'NOWHERE' "
            "WHERE name = 'Shelby County Treatment Center'"
        )
    edited = json.loads(json.dumps(items))
    shelby = next(i for i in edited if i["fields"].get("Name1") == "Shelby County Treatment Center")
    shelby["fields"]["Service_code_info"] = shelby["fields"]["Service_code_info"].replace(" OIT", "")
    counts = normalize_and_load(write_items(tmp_path / "b" / "items.jsonl", edited), db, "r2")
    assert counts["samhsa_su"].changed == 1
    _assert_components_match_the_parser(db)


def test_a_file_an_older_version_loaded_is_split_and_parsed_by_the_next_link(items: list[dict], tmp_path: Path) -> None:
    db, old = tmp_path / "t.duckdb", tmp_path / "old.duckdb"
    normalize_and_load(write_items(tmp_path / "a" / "items.jsonl", items), db, "r1")
    old.write_bytes(db.read_bytes())
    with connect(old) as con:
        # As a file loaded before streets were split on load: no split, no parsed names.
        con.execute("UPDATE listing_records SET street_number = NULL, street_rest = NULL")
        con.execute("DELETE FROM street_names")
    assert all(row[1:] == (None,) * 7 for row in _shown(old).values())
    link_facilities(db, "link")
    link_facilities(old, "link")
    _assert_components_match_the_parser(old)
    with connect(old) as con:
        assert record_streets(con) == StreetCounts(split=0, parsed=0)
    with duckdb.connect(str(db), read_only=True) as a, duckdb.connect(str(old), read_only=True) as b:
        query = "SELECT listing_a, listing_b, reasons FROM facility_links ORDER BY ALL"
        assert b.execute(query).fetchall() == a.execute(query).fetchall()
