"""The Parquet row of a listing: read from attributes, it must say what the model's own dump says."""

from datetime import UTC, datetime

from pipeline.tables import LISTING_SCHEMA, listing_row
from schemas.listing import Listing, Phone, Provenance, ScheduleSession
from schemas.vocab import HoursBasis, LevelOfCare, Payment, PhoneKind, Population, Service
from tests.helpers import make_listing


def _full_listing() -> Listing:  # every field set, so a field the row forgets shows up
    return make_listing(
        name="Harbor IOP",
        name2="Adult Program",
        street="1 Main St",
        street2="Suite 2",
        city="Springfield",
        state="MA",
        zip5="01103",
        phones=(Phone(e164="+14135550100", extension="12", original="(413) 555-0100 x12", kind=PhoneKind.MAIN),),
        website="https://harbor.example/iop",
        latitude=42.1,
        longitude=-72.6,
        levels_of_care=frozenset({LevelOfCare.IOP, LevelOfCare.OP}),
        services=frozenset({Service.CBT, Service.GROUP_THERAPY}),
        payments=frozenset({Payment.MEDICAID}),
        payers=("Aetna",),
        populations=frozenset({Population.ADULTS}),
        hours_min=9.0,
        hours_max=12.0,
        hours_basis=HoursBasis.DERIVED,
        hours_evidence=("3 days a week, 3 to 4 hours",),
        schedule_text="3 days a week, 3 to 4 hours",
        schedule=(ScheduleSession(day=0, start_minute=540, end_minute=720, track="day"),),
        hours_level=LevelOfCare.IOP,
        name_levels=frozenset({LevelOfCare.IOP}),
        text_levels=frozenset({LevelOfCare.IOP}),
        php_cues=("full day",),
        source_codes=("OP", "OIT"),
        warnings=("zip padded",),
        provenance=Provenance(
            source_url="https://harbor.example/iop",
            source_file="iop.html",
            record_id="r1",
            fetched_at=datetime(2026, 11, 27, tzinfo=UTC),
            run_id="run-1",
        ),
    )


def test_row_matches_the_model_dump() -> None:
    listing = _full_listing()
    row = listing_row(listing, 7)
    dumped = listing.model_dump(mode="json")
    provenance = dumped.pop("provenance")
    assert set(row) == set(LISTING_SCHEMA.names)
    for key, value in dumped.items():
        assert row[key] == value, key
    assert row["phone"] == "+14135550100"
    assert (row["source_url"], row["source_file"], row["source_record_id"], row["run_id"]) == (
        provenance["source_url"],
        provenance["source_file"],
        provenance["record_id"],
        provenance["run_id"],
    )
    assert row["fetched_at"] == datetime(2026, 11, 27, tzinfo=UTC)
    assert row["record_seq"] == 7


def test_a_bare_listing_has_empty_lists_and_no_hours() -> None:
    row = listing_row(make_listing(), 1)
    assert row["levels_of_care"] == [] and row["schedule"] == [] and row["hours_level"] is None
    assert row["hours_basis"] == "unknown"
