"""Normalizing NY OMH program rows: levels, phones, coordinates, populations, ids, rejects, and the real file."""

import csv
import io
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pydantic import ValidationError
from scrapy.http import Response
from scrapy.utils.test import get_crawler

import pipeline.normalize.run
from pipeline.errors import RejectRow
from pipeline.sources.ny_omh import RECORD_TYPE, coordinates, levels_of_care, normalize_program, populations
from pipeline.sources.samhsa.codes import CodeReference
from schemas.listing import Listing
from schemas.raw import RawRecord
from schemas.raw_ny_omh import column_key
from schemas.vocab import Population
from spiders.ny_omh import NyOmhSpider
from tests.conftest import REPLAY_FIXTURE, SHARED_DATA
from tests.helpers import normalize_and_load, write_items

FILE_NAME = "Local_Mental_Health_Programs_2022-05.csv"
FIXTURE_FILE = REPLAY_FIXTURE / "ny-omh-programs" / FILE_NAME
REAL_FILE = SHARED_DATA / "ny-omh-programs" / FILE_NAME
NO_CODES = CodeReference(())


def _rows() -> dict[str, dict[str, str]]:
    """Fixture rows by program name, with the file's own headers (leading spaces and all)."""
    reader = csv.DictReader(io.StringIO(FIXTURE_FILE.read_text(encoding="utf-8")))
    return {row[" Program Name"]: row for row in reader}


ROWS = _rows()


def _record(program: str = "FW-Saratoga Adult Partial Hospital Program", **changes: str) -> RawRecord:
    """A raw record of a fixture row; `changes` maps a column's stripped name to a new value."""
    fields = dict(ROWS[program])
    for name, value in changes.items():
        header = next(h for h in fields if h.strip() == name)
        fields[header] = value
    return RawRecord(
        record_type=RECORD_TYPE,
        source="ny_omh",
        source_url="https://data.ny.gov/resource/6nvr-tbv8.csv?$limit=50000&$offset=0&$order=:id",
        source_file="6nvr-tbv8.csv",
        record_id="6nvr-tbv8!2",
        fetched_at="2026-11-27T00:00:00+00:00",
        fields=fields,
    )


def _listing(program: str = "FW-Saratoga Adult Partial Hospital Program", **changes: str) -> Listing:
    return normalize_program(_record(program, **changes), NO_CODES, "run-1")


@pytest.mark.parametrize(
    ("program", "levels"),
    [
        ("FW-Saratoga Adult Partial Hospital Program", {"php"}),
        ("Children's Partial Hospital Program (CPHP)", {"php"}),
        ("NYCCC Bronx Day Treatment (BDT)", {"php"}),
        ("Harlem Rehabilitation Community Support Systems", {"php"}),  # Continuing Day Treatment
        ("East New York Diagnostic & Tx Center Depart of Behav Health", {"op"}),  # Clinic Treatment
        ("Southern Tier ACT Team", {"op"}),
        ("Program for Self Discovery: Change Happens", {"op"}),  # PROS
        ("Psychiatric Inpatient Unit", {"inpatient"}),
        ("Astor Home for Children", {"inpatient"}),  # children's RTF, filed under Inpatient by OMH
        ("H.A.V.E.N. House", {"residential"}),
        ("Bright Corner Respite", set()),  # Emergency
        ("Advocacy", set()),  # Support
        ("OnTrackNY Coordinated Specialty Care First Ep Psychosis Pgm", set()),
    ],
)
def test_levels_of_care_of_fixture_rows(program: str, levels: set[str]) -> None:
    listing = _listing(program)
    assert {str(level) for level in listing.levels_of_care} == levels
    # The raw kind of program is kept, mapped or not.
    assert [code.split(":")[0] for code in listing.source_codes] == ["category", "subcategory", "type"]


@pytest.mark.parametrize(
    ("category", "subcategory", "levels"),
    [
        ("Outpatient", "Partial Hospitalization", {"php"}),
        (" outpatient ", "partial  hospitalization", {"php"}),  # spacing and case do not count
        ("Outpatient", "Day Treatment", {"php"}),
        ("Outpatient", "Continuing Day Treatment", {"php"}),
        ("Outpatient", "Clinic Treatment", {"op"}),
        ("Outpatient", "Assertive Community Treatment", {"op"}),
        ("Outpatient", "Personalized Recovery-Oriented Services", {"op"}),
        ("Outpatient", "Something New", set()),
        ("Inpatient", "State Psychiatric Center Inpatient", {"inpatient"}),
        ("Residential", "Unlicensed Housing", {"residential"}),
        ("Emergency", "Crisis", set()),
        ("Support", "Care Coordination", set()),
        (None, None, set()),
    ],
)
def test_levels_table(category: str | None, subcategory: str | None, levels: set[str]) -> None:
    assert {str(level) for level in levels_of_care(category, subcategory)} == levels


@pytest.mark.parametrize(
    ("program_phone", "agency_phone", "phones", "warning"),
    [
        ("(518)584-3600x3190", "(518)584-3600", [("+15185843600", "3190"), ("+15185843600", None)], None),
        ("(518)584-3600", "(518)584-3600", [("+15185843600", None)], None),  # the same number once
        ("Not Available", "(718)931-0600", [("+17189310600", None)], "'Not Available' is a placeholder"),
        ("", "(718)931-0600", [("+17189310600", None)], None),
        ("(585)111-1111", "(585)335-6001", [("+15853356001", None)], "'(585)111-1111' is not a valid number"),
        ("Not Available", "", [], "'Not Available' is a placeholder"),
    ],
)
def test_phones(program_phone: str, agency_phone: str, phones: list[tuple[str, str | None]], warning: str) -> None:
    listing = _listing(**{"Program Phone": program_phone, "Agency Phone": agency_phone})
    assert [(p.e164, p.extension) for p in listing.phones] == phones
    assert all(p.kind == "main" for p in listing.phones)
    # The program's own line is the listing's number whenever it has a valid one.
    assert listing.phone == (phones[0][0] if phones else None)
    phone_warnings = [w for w in listing.warnings if "phone" in w]
    assert phone_warnings == ([f"main phone {warning}; dropped"] if warning else [])


@pytest.mark.parametrize(
    ("text", "lat", "lon", "warning"),
    [
        ("POINT (-73.783423 43.058364)", 43.058364, -73.783423, None),
        ("POINT (-75.59655 42.921241)", None, None, "placeholder"),
        ("", None, None, None),
        (None, None, None, None),
        ("POINT (-73.7 )", None, None, "is not a point"),
        ("POINT (-73.7 143.0)", None, None, "out of range"),
    ],
)
def test_coordinates(text: str | None, lat: float | None, lon: float | None, warning: str | None) -> None:
    latitude, longitude, warnings = coordinates(text)
    assert (latitude, longitude) == (lat, lon)
    assert (warning in warnings[0]) if warning else warnings == []


def test_placeholder_point_and_blank_address_of_a_residence() -> None:
    listing = _listing("H.A.V.E.N. House")
    assert (listing.latitude, listing.longitude) == (None, None)
    assert (listing.street, listing.city, listing.zip5) == (None, None, None)
    assert listing.state == "NY"
    assert listing.phone == "+17189310600"  # the agency's number stands in for the missing program line
    assert any("placeholder for a missing location" in w for w in listing.warnings)


@pytest.mark.parametrize(
    ("served", "program_type", "expected", "warned"),
    [
        ("Adults", "Clinic Treatment", {"adults"}, False),
        ("Children Adolescents Adults", None, {"children", "adolescents", "adults"}, False),
        ("Children & Adolescents", None, {"children", "adolescents"}, False),
        ("", None, set(), False),
        ("Adults Seniors", None, {"adults"}, True),
        ("Adolescents Adults", "OnTrackNY Coordinated Specialty Care First Episode Psychosis Program",
         {"adolescents", "adults", "first_episode_psychosis"}, False),
        ("Adults", "Community Residence for Eating Disorder Integrated Treatment Program",
         {"adults", "eating_disorders"}, False),
    ],
)  # fmt: skip
def test_populations(served: str, program_type: str | None, expected: set[str], warned: bool) -> None:
    found, warnings = populations(served, program_type)
    assert {str(p) for p in found} == expected
    assert bool(warnings) is warned


def test_a_full_listing() -> None:
    listing = _listing()
    assert listing.source == "ny_omh"
    assert listing.name == "FW-Saratoga Adult Partial Hospital Program"
    assert listing.name2 == "FW of Saratoga Inc."
    assert (listing.street, listing.street2, listing.city) == (
        "30 Crescent Avenue",
        "Building #9 - Algonquin",
        "Saratoga Springs",
    )
    assert (listing.state, listing.zip5) == ("NY", "12866")
    assert (listing.latitude, listing.longitude) == (43.058364, -73.783423)
    assert listing.populations == {Population.ADULTS}
    assert listing.source_codes == (
        "category:Outpatient",
        "subcategory:Partial Hospitalization",
        "type:Partial Hospitalization",
    )
    assert listing.website is None
    assert listing.hours_basis == "unknown" and listing.schedule_text is None
    assert listing.warnings == ()
    assert listing.provenance.record_id == "6nvr-tbv8!2"


def test_a_program_outside_new_york_keeps_its_state_and_zip() -> None:
    listing = _listing("Academy of Peer Services")
    assert (listing.state, listing.zip5) == ("NJ", "08854")
    assert listing.populations == frozenset()
    assert listing.name2 == "Rutgers University"


def test_the_id_is_the_native_program_id() -> None:
    listing = _listing()
    # Name, address and phones do not make the id: OMH's facility and program codes do.
    assert _listing(**{"Program Name": "Renamed", "Program Phone": "(518)000-0000"}).listing_id == listing.listing_id
    assert _listing(**{"Program Code": "301"}).listing_id != listing.listing_id
    assert _listing(**{"Facility Code": "7345"}).listing_id != listing.listing_id
    assert _listing(**{"Program Name": "Renamed"}).disambiguated_id != listing.disambiguated_id


def test_api_field_names_give_the_same_listing() -> None:
    """Live pages use Socrata field names (`program_name`); the recorded export uses display names."""
    record = _record()
    api = record.model_copy(update={"fields": {column_key(k): v for k, v in record.fields.items()}})
    assert "program_address_1" in api.fields and "operating_certificate_required" in api.fields
    assert normalize_program(api, NO_CODES, "run-1") == normalize_program(record, NO_CODES, "run-1")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"Program Name": "  "}, "Program Name", "program name is empty"),
        ({"Program Code": ""}, "Program Code", "no id"),
        ({"Facility Code": " "}, "Program Code", "no id"),
        ({"Program State": "ZZ"}, "Program State", "not a US state"),
    ],
)
def test_rejects(changes: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(RejectRow) as error:
        _listing(**changes)
    assert error.value.field == field
    assert message in error.value.message


def test_a_row_without_the_program_name_column_fails_validation() -> None:
    record = _record()
    fields = {k: v for k, v in record.fields.items() if k.strip() != "Program Name"}
    with pytest.raises(ValidationError, match="program_name"):
        normalize_program(record.model_copy(update={"fields": fields}), NO_CODES, "run-1")


def _crawl_items(path: Path, out: Path) -> Path:
    """The spider's records for a whole CSV file (as page 1), written as a crawl's items.jsonl."""
    crawler = get_crawler(NyOmhSpider)
    crawler.spider = crawler._create_spider()
    crawler.stats.open_spider()
    spider = crawler.spider
    response = Response(url=spider.page_url(0), body=path.read_bytes())
    items = list(spider.parse_page(response, source="ny_omh", offset=0))
    assert crawler.stats.get_value("iopdir/source/ny_omh/complete") is True
    return write_items(out / "items.jsonl", items)


def _load(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, duckdb.DuckDBPyConnection]:
    monkeypatch.setitem(pipeline.normalize.run.LISTING_NORMALIZERS, RECORD_TYPE, normalize_program)
    items = _crawl_items(path, tmp_path)
    counts = normalize_and_load(items, tmp_path / "iop.duckdb", "run-1")["ny_omh"]
    return counts, duckdb.connect(str(tmp_path / "iop.duckdb"), read_only=True)


def test_the_fixture_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counts, con = _load(FIXTURE_FILE, tmp_path, monkeypatch)
    assert (counts.seen, counts.loaded, counts.rejected) == (15, 15, 0)
    levels = dict(
        con.execute("SELECT l, count(*) FROM (SELECT unnest(levels_of_care) l FROM listings) GROUP BY 1").fetchall()
    )
    assert levels == {"php": 4, "op": 4, "inpatient": 2, "residential": 1}
    # Names that call a program day treatment or partial hospitalization agree with its level.
    named = con.execute("SELECT name FROM listings WHERE list_contains(name_levels, 'php') ORDER BY 1").fetchall()
    assert [n for (n,) in named] == [
        "Children's Partial Hospital Program (CPHP)",
        "FW-Saratoga Adult Partial Hospital Program",
        "NYCCC Bronx Day Treatment (BDT)",
    ]


def test_the_full_real_file_loads_or_rejects_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert REAL_FILE.is_file(), f"the shared data file is missing: {REAL_FILE}"
    counts, con = _load(REAL_FILE, tmp_path, monkeypatch)
    assert counts.seen == 5450
    assert counts.seen == counts.loaded + counts.rejected
    (listings,) = con.execute("SELECT count(*) FROM listings WHERE source = 'ny_omh'").fetchone()
    assert listings == counts.loaded
    # Facility Code + Program Code is unique in this snapshot: nothing collides, nothing is rejected.
    assert counts.rejected == 0
    reasons = con.execute("SELECT count(*) FROM rejects WHERE coalesce(message, '') = ''").fetchone()
    assert reasons == (0,)
    levels = dict(
        con.execute(
            "SELECT l, count(*) FROM (SELECT unnest(levels_of_care) l FROM listings WHERE source = 'ny_omh') GROUP BY 1"
        ).fetchall()
    )
    # PHP: 35 Partial Hospitalization + 45 Day Treatment + 12 Continuing Day Treatment.
    # OP: 490 clinics + 111 ACT teams + 79 PROS. No IOPs: NY licenses those through OASAS.
    assert levels == {"php": 92, "op": 680, "inpatient": 138, "residential": 1603}
    (placeholders,) = con.execute(
        "SELECT count(*) FROM listings WHERE list_contains(warnings, "
        "'georeference ''POINT (-75.59655 42.921241)'' is OMH''s placeholder for a missing location; dropped')"
    ).fetchone()
    assert placeholders == 1657
    (located,) = con.execute("SELECT count(*) FROM listings WHERE latitude IS NOT NULL").fetchone()
    assert located == 5450 - 1657 - 137  # the rest have an empty Georeference
    (state_count,) = con.execute("SELECT count(DISTINCT state) FROM listings").fetchone()
    assert state_count == 4  # NY plus one program each in NJ, PA and two in NC
