"""Linking listings of different sources into facilities: known same and different pairs."""

import json
from pathlib import Path

import duckdb
import pytest

from pipeline.facility_store import link_facilities
from pipeline.flag_store import compute_flags
from pipeline.link import LinkInput, facilities, find_links, name_key, score_pair, street_key


def _listing(
    lid: str,
    source: str,
    name: str,
    street: str | None,
    zip5: str | None,
    phone: str | None,
    name2: str | None = None,
    point: tuple[float, float] | None = None,
) -> LinkInput:
    lat, lon = point if point else (None, None)
    return LinkInput(lid, source, name, name2, street, zip5, phone, lat, lon)


PAIRS = [
    # same facility
    (
        "same row in both directories",
        _listing("a", "su", "Howard Center", "855 Pine Street", "05401", "+18024887000", "Pine Street Counseling"),
        _listing("b", "mh", "Howard Center", "855 Pine St.", "05401", "+18024887000", "Pine Street Counseling"),
        True,
    ),
    (
        "abbreviated name and street",
        _listing("a", "su", "Outreach Community Health Center Inc", "210 West Capitol Drive", "53212", None),
        _listing("b", "mh", "Outreach Community Health Ctr Inc", "210 W Capitol Dr", "53212", None),
        True,
    ),
    (
        "renamed, same address and phone",
        _listing("a", "su", "South Metro Human Services", "166 4th Street East", "55101", "+16512911979"),
        _listing("b", "mh", "Radius Health", "166 4th St East", "55101", "+16512911979"),
        True,
    ),
    (
        "suite number differs",
        _listing("a", "su", "Balanced Living Therapy", "7500 212th Street SW Suite 100", "98026", None),
        _listing("b", "ny", "Balanced Living Therapy LLC", "7500 212th Street SW", "98026", None),
        True,
    ),
    (
        "no street on one side, same phone and ZIP",
        _listing("a", "su", "WestBridge Residential", None, "03104", "+16036344446"),
        _listing("b", "mh", "WestBridge", "660 Chestnut Street", "03104", "+16036344446"),
        True,
    ),
    (
        "coordinates 40 m apart",
        _listing("a", "su", "Hope Recovery Center", None, None, None, point=(38.0300, -78.4800)),
        _listing("b", "ft", "Hope Recovery Center", "1 Main St", "22902", None, point=(38.0303, -78.4802)),
        True,
    ),
    # different facilities
    (
        "two providers in one building",
        _listing("a", "su", "Englewood Mental Health Center", "641 West 63rd Street", "60621", "+13127477496"),
        _listing("b", "mh", "Howard Brown Health Center", "641 West 63rd Street", "60621", "+17733881600"),
        False,
    ),
    (
        "one agency phone, two sites",
        _listing("a", "su", "Center for Emotional Health", "2700 Coltsgate Road", "28211", "+17042374240"),
        _listing("b", "mh", "Center for Emotional Health", "330 Billingsley Road", "28211", "+17042374240"),
        False,
    ),
    (
        "same name, other town",
        _listing("a", "su", "New Vista", "1060 Glensboro Road", "40342", None),
        _listing("b", "mh", "New Vista", "4223 Lexington Road", "40361", None),
        False,
    ),
    (
        "same source is never linked",
        _listing("a", "su", "Howard Center", "855 Pine Street", "05401", None),
        _listing("b", "su", "Howard Center", "855 Pine Street", "05401", None),
        False,
    ),
    (
        "far apart despite the name",
        _listing("a", "su", "Hope Recovery Center", None, None, None, point=(38.03, -78.48)),
        _listing("b", "ft", "Hope Recovery Center", None, None, None, point=(38.10, -78.48)),
        False,
    ),
]


@pytest.mark.parametrize(("case", "a", "b", "same"), PAIRS, ids=[p[0] for p in PAIRS])
def test_pair(case: str, a: LinkInput, b: LinkInput, same: bool) -> None:
    link = score_pair(a, b)
    assert (link is not None) == same
    if link is not None:
        assert 0 < link.score <= 1 and link.reasons
        assert (link.listing_a, link.listing_b) == ("a", "b")
    # Blocking finds every pair the scorer accepts.
    assert [(lk.listing_a, lk.listing_b) for lk in find_links([a, b])] == ([("a", "b")] if same else [])


def test_keys() -> None:
    assert street_key("123 N. Main Street, Suite 4B") == "123 n main st"
    assert name_key("The Howard Center, Inc.") == "howard center"


def test_facilities_group_transitively_with_stable_ids() -> None:
    items = [
        _listing("1", "su", "Howard Center", "855 Pine Street", "05401", None),
        _listing("2", "mh", "Howard Center", "855 Pine St", "05401", None),
        _listing("3", "ny", "Howard Center", "855 Pine Street", "05401", None),
        _listing("4", "mh", "Other Place", "1 Elm Street", "05401", None),
    ]
    members = facilities([i.listing_id for i in items], find_links(items))
    assert members["1"] == members["2"] == members["3"] != members["4"]
    again = facilities([i.listing_id for i in reversed(items)], reversed(find_links(items)))
    assert again == members


def test_facilities_and_cross_source_flag_on_the_national_directories(national_crawl: Path, tmp_path: Path) -> None:
    from tests.helpers import normalize_and_load

    db = tmp_path / "n.duckdb"
    normalize_and_load(national_crawl / "items.jsonl", db, "r1")
    counts = link_facilities(db, "r1")
    assert counts.pairs_by_sources == {"samhsa_mh~samhsa_su": counts.links}
    assert 2_800 <= counts.links <= 3_300
    flags = compute_flags(db, "r1")
    assert 80 <= flags.by_rule["level_conflict_across_sources"] <= 120
    with duckdb.connect(str(db), read_only=True) as con:
        levels = con.execute(
            "SELECT levels_of_care FROM facilities WHERE list_contains(sources, 'samhsa_su') "
            "AND list_contains(sources, 'samhsa_mh') AND listings = 2 LIMIT 1"
        ).fetchone()[0]
        assert all(set(v["sources"]) <= {"samhsa_su", "samhsa_mh"} for v in levels)
        other = con.execute(
            "SELECT json_extract(evidence, '$.other_listings[0].source') FROM flags "
            "WHERE rule_id = 'level_conflict_across_sources' LIMIT 1"
        ).fetchone()[0]
        assert other == '"samhsa_mh"'


def test_a_linked_program_page_feeds_php_as_iop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import normalize
    from tests.helpers import normalize_and_load, program_normalizer, write_items

    monkeypatch.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
    directory = {
        "record_type": "program_text",
        "source": "directory",
        "source_url": "https://example.org/d",
        "source_file": "d.json",
        "record_id": "1",
        "fetched_at": "2026-11-27T00:00:00Z",
        "fields": {"name": "Arroyos Recovery", "state": "CA", "levels": "iop", "website": "https://www.arroyos.org/"},
    }
    page = {
        "record_type": "program_section",
        "source": "program_pages",
        "source_url": "https://arroyos.org/iop",
        "source_file": "/iop",
        "record_id": "https://arroyos.org/iop#1",
        "fetched_at": "2026-11-27T00:00:00Z",
        "fields": {
            "site": "arroyos.org",
            "page_title": "IOP",
            "program_name": "Intensive Outpatient Program (IOP)",
            "heading_level": "iop",
            "schedule_text": "The IOP runs Monday through Friday, 9 a.m. to 3 p.m.",
            "json_ld": '[{"@type": "MedicalClinic", "name": "Arroyos Recovery"}]',
        },
    }
    db = tmp_path / "p.duckdb"
    normalize_and_load(write_items(tmp_path / "i" / "items.jsonl", [directory, page]), db, "r1")
    assert link_facilities(db, "r1").links == 1
    compute_flags(db, "r1")
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT source, rule_id, evidence FROM flags ORDER BY source").fetchall()
    by_source = {(source, rule) for source, rule, _ in rows}
    # The page's own listing is flagged by its hours; the directory listing through the link.
    assert by_source == {("directory", "php_as_iop"), ("program_pages", "php_as_iop")}
    evidence = next(json.loads(e) for s, _, e in rows if s == "directory")
    assert evidence["reasons"] == ["linked_hours"]
    assert evidence["other_listings"][0]["url"] == "https://arroyos.org/iop"
    assert evidence["other_listings"][0]["hours"]["min"] == 30
