"""The Parquet row of a listing: its columns derived from the model, its values what the model's own dump says."""

from datetime import UTC, datetime
from typing import Annotated

import pyarrow as pa
import pytest
from pydantic import Field

from pipeline.tables import LISTING_COLUMNS, LISTING_SCHEMA, STAGING_COLUMNS, arrow_type, listing_row
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
        payer_evidence=("We accept Aetna.",),
        payer_notes=("not accepted: Medicare",),
        populations=frozenset({Population.ADULTS}),
        service_evidence=("cognitive behavioral therapy",),
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


def test_the_columns_are_the_models_fields_in_its_order() -> None:
    fields = [name for name in Listing.model_fields if name != "provenance"]
    assert [name for name in LISTING_SCHEMA.names if name in Listing.model_fields] == fields
    # The main number just before the phones; the provenance last, flattened, with the row's place.
    assert LISTING_SCHEMA.names.index("phone") == LISTING_SCHEMA.names.index("phones") - 1
    assert LISTING_SCHEMA.names[-6:] == [
        "source_url",
        "source_file",
        "source_record_id",
        "record_seq",
        "fetched_at",
        "run_id",
    ]
    assert set(LISTING_SCHEMA.names) == {*fields, "phone", "source_record_id", "record_seq"} | (
        set(Provenance.model_fields) - {"record_id"}
    )


def test_the_stored_columns_are_the_rows_but_the_staging_ones() -> None:
    assert set(STAGING_COLUMNS) < set(LISTING_SCHEMA.names)
    assert list(LISTING_COLUMNS) == [c for c in LISTING_SCHEMA.names if c not in STAGING_COLUMNS]
    assert LISTING_COLUMNS[:2] == ("listing_id", "source") and LISTING_COLUMNS[-1] == "fetched_at"


def test_types_follow_the_annotations() -> None:
    # What the files have always held: a change here changes every Parquet file and DuckDB column.
    assert LISTING_SCHEMA.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    assert LISTING_SCHEMA.field("record_seq").type == pa.int64()
    assert LISTING_SCHEMA.field("latitude").type == pa.float64()
    assert LISTING_SCHEMA.field("levels_of_care").type == pa.list_(pa.string())
    assert LISTING_SCHEMA.field("hours_level").type == pa.string()
    assert LISTING_SCHEMA.field("phones").type == pa.list_(
        pa.struct([("e164", pa.string()), ("extension", pa.string()), ("original", pa.string()), ("kind", pa.string())])
    )
    assert LISTING_SCHEMA.field("schedule").type == pa.list_(
        pa.struct(
            [("day", pa.int32()), ("start_minute", pa.int32()), ("end_minute", pa.int32()), ("track", pa.string())]
        )
    )
    assert arrow_type(Annotated[float, Field(ge=0)] | None) == pa.float64()
    with pytest.raises(TypeError):
        arrow_type(dict[str, str])
    with pytest.raises(TypeError):
        arrow_type(int | str)


def test_a_full_row_fits_the_schema() -> None:
    table = pa.Table.from_pylist([listing_row(_full_listing(), 1)], schema=LISTING_SCHEMA)
    assert table.num_rows == 1 and table.schema.equals(LISTING_SCHEMA)
