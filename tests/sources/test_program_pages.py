"""Program sections of providers' pages -> listings, and their hours and flags on the real texts."""

import json

import pytest

from pipeline.errors import RejectRow
from pipeline.normalize.facts import with_facts
from pipeline.sources.program_pages import normalize_section
from pipeline.sources.samhsa.codes import CodeReference
from schemas.raw import RawRecord


def _record(**fields: str | None) -> RawRecord:
    base = {
        "site": "alpha.example",
        "page_title": "Programs",
        "program_name": "Intensive Outpatient Program (IOP)",
        "heading_level": "iop",
        "schedule_text": "IOP groups meet Mondays, Wednesdays and Thursdays from 6 to 9 p.m.",
        "json_ld": None,
    }
    return RawRecord(
        record_type="program_section",
        source="program_pages",
        source_url="https://alpha.example/iop",
        source_file="/iop",
        record_id="https://alpha.example/iop#2",
        fetched_at="2026-11-27T00:00:00+00:00",
        fields={**base, **fields},
    )


def test_a_section_becomes_a_listing_with_its_hours() -> None:
    listing = with_facts(normalize_section(_record(), CodeReference(()), "r1"))
    assert (listing.name, listing.name2, listing.website) == (
        "Intensive Outpatient Program (IOP)",
        "alpha.example",
        "https://alpha.example/iop",
    )
    assert listing.levels_of_care == {"iop"}
    assert (listing.state, listing.phones) == (None, ())
    assert (listing.hours_min, listing.hours_max, listing.hours_level) == (9, 9, "iop")


def test_json_ld_gives_organisation_address_and_phone() -> None:
    ld = {
        "@type": "MedicalClinic",
        "name": "Alpha Health",
        "telephone": "(434) 555-0142",
        "address": {
            "streetAddress": "12 Main Street",
            "addressLocality": "Charlottesville",
            "addressRegion": "VA",
            "postalCode": "22902-1234",
        },
    }
    listing = normalize_section(_record(json_ld=json.dumps([ld])), CodeReference(()), "r1")
    assert (listing.name2, listing.street, listing.city, listing.state, listing.zip5) == (
        "Alpha Health",
        "12 Main Street",
        "Charlottesville",
        "VA",
        "22902",
    )
    assert listing.phone == "+14345550142"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"program_name": " "}, "program_name"),
        ({"schedule_text": None}, "schedule_text"),
        ({"json_ld": "{"}, "json_ld"),
    ],
)
def test_rejects(fields: dict, field: str) -> None:
    with pytest.raises(RejectRow) as error:
        normalize_section(_record(**fields), CodeReference(()), "r1")
    assert error.value.field == field


def test_two_sections_of_one_page_are_two_listings() -> None:
    iop = normalize_section(_record(), CodeReference(()), "r1")
    php = normalize_section(
        _record(program_name="Partial Hospitalization Program (PHP)", heading_level="php"), CodeReference(()), "r1"
    )
    assert iop.listing_id != php.listing_id
