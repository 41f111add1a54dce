"""Program sections of providers' pages -> listings, and their hours and flags on the real texts."""

import json

import pytest

from pipeline.errors import RejectRow
from pipeline.normalize.facts import with_facts
from pipeline.sources.program_pages import normalize_section
from pipeline.sources.samhsa.codes import CodeReference
from schemas.listing import Listing
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
    # Without a provider name the site names the provider; the heading is the program.
    assert (listing.name, listing.name2, listing.website) == (
        "alpha.example",
        "Intensive Outpatient Program (IOP)",
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
    assert (listing.name, listing.street, listing.city, listing.state, listing.zip5) == (
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


def _listing(**fields: str | None) -> Listing:
    return normalize_section(_record(**fields), CodeReference(()), "r1")


def test_the_provider_names_the_listing_and_the_heading_is_its_second_name() -> None:
    listing = _listing(provider_name="Skyline Recovery", provider_name_from="og_site_name")
    assert (listing.name, listing.name2) == ("Skyline Recovery", "Intensive Outpatient Program (IOP)")
    # The id rests on the page and the heading: naming the provider does not move it.
    assert listing.listing_id == _listing().listing_id


@pytest.mark.parametrize(
    ("fields", "place"),
    [
        (
            {"location_text": "Skyline Recovery\n55 Elm Street\nAustin, TX 78701\n(512) 555-0100"},
            ("55 Elm Street", "Austin", "TX", "78701"),
        ),
        ({"location_text": "Atlanta, Georgia"}, (None, "Atlanta", "GA", None)),
        (
            {
                "site_json_ld": json.dumps({"name": "Skyline", "address": {"addressRegion": "Georgia"}}),
                "location_text": "1 Peachtree St, Atlanta, GA 30303",
            },
            ("1 Peachtree St", "Atlanta", "GA", "30303"),
        ),
        (
            {
                "site_json_ld": json.dumps(
                    {"name": "Skyline", "address": {"streetAddress": "9 Oak Rd", "addressRegion": "TX"}}
                ),
                "location_text": "1 Peachtree St, Atlanta, GA 30303",
            },
            ("9 Oak Rd", None, "TX", None),
        ),
    ],
    ids=["footer text", "city and state", "text has more than a region", "the site's JSON-LD first"],
)
def test_the_site_places_its_programs(fields: dict, place: tuple) -> None:
    listing = _listing(**fields)
    assert (listing.street, listing.city, listing.state, listing.zip5) == place


def test_a_site_json_ld_that_is_no_json_is_dropped_with_a_warning() -> None:
    listing = _listing(site_json_ld="{")
    assert any(w.startswith("site_json_ld: not JSON") for w in listing.warnings)


def _insurance(*texts: str) -> str:
    return json.dumps([{"url": "https://alpha.example/insurance", "placement": "page", "text": t} for t in texts])


def test_the_sites_insurance_texts_give_its_named_payers_with_evidence() -> None:
    text = "We are in network with:\nAetna\nBCBS\nMedicare and Medicaid do not cover our services."
    listing = _listing(insurance_texts=_insurance(text))
    assert listing.payers == ("Aetna", "Blue Cross Blue Shield")
    assert set(listing.payer_evidence) <= set(text.splitlines()) and listing.payer_evidence
    assert any("Medicare" in note and "Medicaid" in note for note in listing.payer_notes)


def test_a_payer_one_text_accepts_and_another_excludes_is_accepted_with_a_note() -> None:
    listing = _listing(insurance_texts=_insurance("We accept Aetna and Cigna.", "We do not accept Cigna or Humana."))
    assert listing.payers == ("Aetna", "Cigna")
    assert "not accepted: Humana" in listing.payer_notes
    assert "partly excluded: Cigna" in listing.payer_notes


def test_most_major_insurance_names_no_payer() -> None:
    listing = _listing(insurance_texts=_insurance("We accept most major insurance. Call us to verify your benefits."))
    assert listing.payers == ()
    assert listing.payer_notes


def test_insurance_texts_that_cannot_be_read_are_dropped_with_a_warning() -> None:
    listing = _listing(insurance_texts="[{")
    assert listing.payers == ()
    assert "insurance_texts: not JSON; dropped" in listing.warnings


def test_services_come_from_what_the_section_names() -> None:
    text = "IOP meets 3 days a week: DBT skills groups, individual therapy and medication management."
    listing = _listing(schedule_text=text)
    assert {"dbt", "individual_therapy", "psychiatry"} <= set(listing.services)
    assert all(span in text for span in listing.service_evidence) and listing.service_evidence
