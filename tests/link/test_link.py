"""Linking listings of different sources into facilities: known same and different pairs.

Every helper used here (`score_pair`, `find_links`, `facilities`, the keys) runs the one SQL
implementation in `pipeline.link` (keys, pairs, build) on a small in-memory DuckDB table.
"""

import itertools
import json
import random
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pipeline.clean import identity_text
from pipeline.flags.store import compute_flags
from pipeline.ids import sha1_sql, uuid5_sql, uuid5_text
from pipeline.link.build import (
    Link,
    LinkInput,
    facilities,
    find_links,
    identity_folds,
    listing_keys,
    name_key,
    score_pair,
    street_key,
    website_site,
)
from pipeline.link.pairs import _round_half_even_sql
from pipeline.link.store import link_facilities


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


def test_reasons_and_scores_read_as_before() -> None:
    """The reasons and the score to the character: reviewers and the flags' evidence read them."""
    assert find_links(PAIRS[5][1:3]) == [
        Link("a", "b", 0.5, ("rule: same name nearby", "38 m apart", "shared name word hope", "name similarity 1.00"))
    ]
    renamed = score_pair(*PAIRS[2][1:3])
    assert renamed == Link(
        "a", "b", 0.67, ("rule: same site", "same street address and ZIP", "same phone", "name similarity 0.17")
    )
    page = find_links(
        [
            LinkInput("p", "pages", "Arroyos Recovery IOP", website="https://arroyos.org/iop"),
            LinkInput("d", "directory", "Arroyos Recovery", website="https://www.arroyos.org/"),
        ]
    )
    assert page == [
        Link(
            "d",
            "p",
            0.5,
            ("rule: same website", "same website arroyos.org", "shared name word arroyos", "name similarity 1.00"),
        )
    ]


@pytest.mark.parametrize(
    ("street", "key"),
    [
        # parsed by usaddress, standardized to USPS Publication 28; units left out
        ("123 N. Main Street, Suite 4B", "123 n main st"),
        ("855 Pine St.", "855 pine st"),
        ("O'Hara Street, Bldg. B, Rm 5", "ohara st"),
        ("123 Main St Suite", "123 main st"),
        ("Route 9 West", "route 9 w"),
        ("Café Street", "cafe st"),
        # ordinals as numbers, directionals as letters, the house number kept whole
        ("550 First Avenue", "550 1 ave"),
        ("550 1st Ave.", "550 1 ave"),
        ("1140 West 500 South Street", "1140 w 500 s st"),
        ("123 Hazelbrand Road NE", "123 hazelbrand rd ne"),
        ("90-27 Sutphin Boulevard", "90-27 sutphin blvd"),
        ("506b Stewart Avenue", "506b stewart ave"),
        ("728 1/2 Freeman Avenue", "728 freeman ave"),
        ("", ""),
        (None, ""),
    ],
)
def test_street_key(street: str | None, key: str) -> None:
    assert street_key(street) == key


def test_name_keys() -> None:
    assert name_key("The Howard Center, Inc.") == "howard center"
    assert name_key("Howard Center", "Pine Street Counseling") == "howard center pine street counseling"
    assert name_key(None, "Co. of St. John\u2019s") == "st johns"
    [keys] = listing_keys([LinkInput("x", "su", "Englewood Mental Health Center")])
    assert (keys.name, keys.core) == ("englewood mental health center", "englewood")


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("https://www.arroyos.org/iop", "arroyos.org"),
        ("WWW.Example.ORG/iop", "example.org"),
        ("https://user:pw@WWW.X.org:8080/a?b#c", "x.org"),
        ("www.www.x.org", "www.x.org"),
        ("//x.org/a", "x.org"),
        ("x.org?a=//b", ""),
        # A host in brackets is an IP address or no host at all: no site to block on.
        ("http://[::1]/", ""),
        ("http://[x", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_website_site(url: str | None, site: str) -> None:
    assert website_site(url) == site


def test_grid_cells() -> None:
    a, b, c = listing_keys(
        [
            LinkInput("a", "su", "x", latitude=38.0300, longitude=-78.4800),
            LinkInput("b", "su", "x", latitude=-0.001, longitude=0.0),
            LinkInput("c", "su", "x", latitude=float("nan"), longitude=0.0),
        ]
    )
    # floor(degrees / 0.005) in floating point, as Python's math.floor(38.03 / 0.005) = 7606 too.
    assert a.cell == (7606, -15696) and b.cell == (-1, 0) and c.cell is None


TRICKY = [
    "St. John's",
    "St. John\u2019s",
    "ST JOHNS",
    "Café Müller",
    "CAFÉ  MÜLLER",
    "\uff26\uff55\uff4c\uff4c\uff0d\uff57\uff49\uff44\uff54\uff48 \uff11\uff12",  # full width
    "\ufb01ne \ufb02ow",  # ligatures
    "Œuvre, Æsir & Straße",
    "\u0130stanbul",
    "ΣΟΦΙΑ",
    "\u00bd-way",
    "a\u0301b\u0308",
    "Howard Center / Pine Street (Counseling) - Services, Inc.",
    "  lots   of\tspace\n",
    "'",
    "x\u00a0y\u2009z",
    "\x00\x07tab\x7f",
    "---",
    " ",
    "",
    None,
]


def test_sql_folding_equals_identity_text() -> None:
    assert identity_folds(TRICKY) == [identity_text(v) for v in TRICKY]
    # The keys fold the same way: a name key is identity_text's words less the legal-form words.
    keys = listing_keys([LinkInput(str(i), "s", v) for i, v in enumerate(TRICKY)])
    assert [k.name for k in keys] == [
        " ".join(w for w in identity_text(v).split() if w not in {"inc", "the", "of", "and"}) for v in TRICKY
    ]


def test_rounding_is_pythons() -> None:
    """Scores round as round(x, 3), reasons print as f"{x:.2f}" and f"{x:.0f}": half to even, exactly."""
    rng = random.Random(7)
    values = [k / 16 for k in range(17)] + [k / 2000 for k in range(2001)] + [rng.random() for _ in range(5000)]
    values += [k + 0.5 for k in range(151)] + [rng.uniform(0, 150) for _ in range(2000)]
    with duckdb.connect() as con:
        con.register("v", pa.table({"i": range(len(values)), "x": values}))
        got = con.execute(
            f"SELECT {_round_half_even_sql('x', 0)}, {_round_half_even_sql('x', 2)}, "
            f"{_round_half_even_sql('x', 3)}::DOUBLE / 1000 FROM v ORDER BY i"
        ).fetchall()
    assert [g[0] for g in got] == [int(f"{x:.0f}") for x in values]
    assert [g[1] for g in got] == [int(f"{x:.2f}".replace(".", "")) for x in values]
    assert [g[2] for g in got] == [round(x, 3) for x in values]
    assert round(0.0625, 3) == 0.062  # where DuckDB's own round() says 0.063


def test_ids_minted_in_sql_are_uuid5() -> None:
    rng = random.Random(5)
    names = ["facility|"] + [
        "facility|" + "".join(rng.choice("0123456789abcdef-é€😀| '") for _ in range(rng.randint(1, 60)))
        for _ in range(3000)
    ]
    with duckdb.connect() as con:
        con.register("n", pa.table({"i": range(len(names)), "name": names}))
        got = con.execute(
            f"SELECT {uuid5_sql('h')} FROM (SELECT i, {sha1_sql('name')} AS h FROM n) ORDER BY i"
        ).fetchall()
    assert [g[0] for g in got] == [uuid5_text(n) for n in names]


def test_components_of_a_long_chain() -> None:
    """Labels spread over several rounds: a chain whose smallest id is at one end, links in any order."""
    ids = [f"{i:03d}" for i in range(60)]
    links = [Link(x, y, 1.0, ()) for x, y in itertools.pairwise(ids)]
    random.Random(3).shuffle(links)
    members = facilities([*ids[::-1], "lone"], links)
    assert set(members.values()) == {uuid5_text("facility|000"), uuid5_text("facility|lone")}
    assert members["059"] == uuid5_text("facility|000")


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
    from pipeline.normalize import run as normalize
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
