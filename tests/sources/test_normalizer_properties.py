"""The four normalizers end to end: a row of any content is a checked listing or a reject, never a crash."""

import json
import re
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pipeline.clean import US_STATES, clean_text
from pipeline.errors import RejectRow
from pipeline.normalize.facts import with_facts
from pipeline.sources import ny_omh, program_pages
from pipeline.sources.findtreatment import normalize as findtreatment
from pipeline.sources.samhsa import normalize as samhsa
from pipeline.sources.samhsa.codes import CodeReference
from pipeline.tables import LISTING_SCHEMA, listing_row
from schemas.listing import Listing
from schemas.raw import RawRecord
from schemas.vocab import LevelOfCare
from tests.strategies import fuzz
from tests.strategies.codes import KNOWN_LABELS, categories, code_lists, reference, spaced
from tests.strategies.phones import E164, PLACEHOLDER_PHONES, nanp_phone
from tests.strategies.records import raw_record
from tests.strategies.schedules import hours_text, schedule
from tests.strategies.text import cell_text, urls

NO_CODES = CodeReference(())
phone_cells = st.none() | nanp_phone().map(lambda p: p[0]) | st.sampled_from(PLACEHOLDER_PHONES) | cell_text
state_cells = (
    st.none() | st.sampled_from(["VA", "ny", " Ca ", "D.C.", "PR", "XX", "", "<b>VA</b>", "\uff36\uff21"]) | cell_text
)
zip_cells = (
    st.none()
    | st.from_regex(r"\A[0-9]{4,5}(-[0-9]{4})?\Z")
    | st.sampled_from(["\u0662\u0662\u0669\u0660\u0662", "\uff12\uff12\uff19\uff10\uff12"])
    | cell_text
)
name_cells = (
    st.none()
    | st.sampled_from(["Region Ten IOP", "<b>Acme</b> Recovery", "---", "\u200b", "<br>", "A" * 400, "Caf\u00e9 IOP"])
    | cell_text
)
code_info_cells = st.none() | code_lists.flatmap(spaced) | cell_text
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def check_listing(listing: Listing) -> None:
    """A returned listing must survive facts and the Parquet row, and hold only clean values."""
    facts = with_facts(listing)
    row = listing_row(facts, 1)
    assert set(row) == set(LISTING_SCHEMA.names)
    pa.Table.from_pylist([row], schema=LISTING_SCHEMA)  # what normalization writes; fails on bad text
    assert listing.state is None or listing.state in US_STATES
    assert listing.zip5 is None or re.fullmatch(r"[0-9]{5}", listing.zip5)
    assert all(E164.fullmatch(p.e164) for p in listing.phones)
    for text in (listing.name, listing.name2, listing.street, listing.street2, listing.city):
        assert text is None or clean_text(text) == text


Normalizer = Callable[[RawRecord, CodeReference, str], Listing]


def normalized(normalizer: Normalizer, codes: CodeReference, record: Callable[[], RawRecord]) -> None:
    """Read a row as the pipeline does: only RejectRow and ValidationError may escape; a listing must check out."""
    try:
        listing = normalizer(record(), codes, "run-1")
    except (RejectRow, ValidationError):
        return
    check_listing(listing)


def present(fields: dict[str, Any]) -> dict[str, str | None]:
    """The row without its missing cells."""
    return {k: v for k, v in fields.items() if v is not ...}


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A cell that is sometimes missing from the row (`...`)."""
    return st.just(...) | strategy


samhsa_rows = st.fixed_dictionaries(
    {
        "Name1": optional(name_cells),
        "Name2": optional(name_cells),
        "Street1": optional(cell_text),
        "Street2": optional(st.none() | cell_text),
        "City": optional(cell_text),
        "State": optional(state_cells),
        "Zip": optional(zip_cells),
        "Phone": optional(phone_cells),
        "Intake1": optional(phone_cells),
        "Intake1a": optional(phone_cells),
        "Intake2": optional(phone_cells),
        "Service_code_info": optional(code_info_cells),
        "extra column": optional(cell_text),
    }
).map(present)


@fuzz(80)
@given(samhsa_rows, st.sampled_from(["su", "mh"]))
def test_samhsa_rows_become_listings_or_rejects(fields: dict[str, str | None], kind: str) -> None:
    """A SAMHSA directory row of any content is a checked listing, or RejectRow / ValidationError."""
    normalized(
        samhsa.normalize_facility, reference(kind), lambda: raw_record("samhsa_facility", f"samhsa_{kind}", fields)
    )


OMH_CATEGORIES = ["Outpatient", "Residential", "Inpatient", "Support", "Emergency"]
OMH_SUBCATEGORIES = ["Partial Hospitalization", "Day Treatment", "Clinic Treatment", "Crisis  Intervention"]
ny_omh_rows = st.fixed_dictionaries(
    {
        " Facility Code": optional(st.none() | st.sampled_from(["1001", " 7 "]) | cell_text),
        " Program Code": optional(st.none() | st.sampled_from(["20", "x"]) | cell_text),
        " Program Name": optional(name_cells),
        "facility_name": optional(name_cells),
        " Agency Name": optional(name_cells),
        "Program Address 1": optional(cell_text),
        " Program City": optional(cell_text),
        " Program State": optional(state_cells),
        " Program Zip": optional(zip_cells),
        " Program Phone": optional(phone_cells),
        "agency_phone": optional(phone_cells),
        " Populations Served": optional(
            st.none() | st.sampled_from(["Children Adolescents Adults", "Adults & Children", "Seniors"]) | cell_text
        ),
        " Program Category Description": optional(st.none() | st.sampled_from(OMH_CATEGORIES) | cell_text),
        " Program Subcategory Description": optional(st.none() | st.sampled_from(OMH_SUBCATEGORIES) | cell_text),
        " Program Type Description": optional(st.none() | st.sampled_from(["Geriatric Clinic"]) | cell_text),
        " Georeference": optional(
            st.none()
            | st.builds("POINT ({} {})".format, st.floats(allow_nan=True), st.floats(allow_nan=True))
            | st.sampled_from(["POINT (-75.59655 42.921241)", "POINT (-73.9 40.7)", "POINT(1e400 5)"])
            | cell_text
        ),
        "program_name": optional(name_cells),  # the same column again, under its API name
    }
).map(present)


@fuzz(80)
@given(ny_omh_rows)
def test_ny_omh_rows_become_listings_or_rejects(fields: dict[str, str | None]) -> None:
    """A NY OMH program row of any content is a checked listing, or RejectRow / ValidationError."""
    normalized(ny_omh.normalize_program, NO_CODES, lambda: raw_record(ny_omh.RECORD_TYPE, "ny_omh", fields))


service_entries = st.lists(
    st.fixed_dictionaries(
        {"f1": json_values, "f2": categories | json_values},
        optional={
            "f3": st.lists(st.sampled_from(KNOWN_LABELS) | st.text(max_size=20), max_size=5).map("; ".join)
            | json_values
        },
    ),
    max_size=6,
)
findtreatment_rows = st.fixed_dictionaries(
    {
        "frid": optional(st.none() | st.sampled_from(["811a908f", ""]) | cell_text),
        "name1": optional(name_cells),
        "name": optional(name_cells),
        "name2": optional(name_cells),
        "street1": optional(cell_text),
        "city": optional(cell_text),
        "state": optional(state_cells),
        "zip": optional(zip_cells),
        "phone": optional(phone_cells),
        "intake1": optional(phone_cells),
        "website": optional(st.none() | urls | cell_text),
        "latitude": optional(
            st.none() | st.floats().map(str) | st.sampled_from(["38.03", "nan", "1e400", "٣٨"]) | cell_text
        ),
        "longitude": optional(
            st.none() | st.floats().map(str) | st.sampled_from(["-78.47", "-inf", "78.47"]) | cell_text
        ),
        "services": optional(st.none() | service_entries.map(json.dumps) | json_values.map(json.dumps) | cell_text),
        "all_services": optional(
            st.none() | st.lists(st.sampled_from(KNOWN_LABELS), max_size=5).map("; ".join) | cell_text
        ),
        "miles": optional(cell_text),
    }
).map(present)


@fuzz(80)
@given(findtreatment_rows)
def test_findtreatment_rows_become_listings_or_rejects(fields: dict[str, str | None]) -> None:
    """A FindTreatment.gov row of any content is a checked listing, or RejectRow / ValidationError."""
    normalized(
        findtreatment.normalize_facility,
        NO_CODES,
        lambda: raw_record("findtreatment_facility", "findtreatment", fields),
    )


organisations = st.fixed_dictionaries(
    {},
    optional={
        "@type": st.just("MedicalClinic"),
        "name": st.sampled_from(["Alpha Health", ""]) | json_values,
        "telephone": phone_cells | json_values,
        "address": json_values
        | st.fixed_dictionaries(
            {},
            optional={
                "streetAddress": cell_text | json_values,
                "addressLocality": cell_text | json_values,
                "addressRegion": state_cells | json_values,
                "postalCode": zip_cells | st.integers(0, 99_999) | json_values,
            },
        ),
    },
)
program_page_rows = st.fixed_dictionaries(
    {
        "site": optional(st.none() | cell_text),
        "program_name": optional(name_cells),
        "heading_level": optional(st.none() | st.sampled_from([level.value for level in LevelOfCare]) | cell_text),
        "schedule_text": optional(
            st.none() | schedule().map(lambda s: s[0]) | hours_text.filter(lambda t: "\ud800" not in t)
        ),
        "json_ld": optional(
            st.none() | st.lists(organisations, max_size=3).map(json.dumps) | json_values.map(json.dumps) | cell_text
        ),
    }
).map(present)


PAGE = ("program_section", "program_pages")


@fuzz(80)
@given(program_page_rows)
def test_program_page_sections_become_listings_or_rejects(fields: dict[str, str | None]) -> None:
    """A program section of any content is a checked listing, or RejectRow / ValidationError."""
    normalized(
        program_pages.normalize_section, NO_CODES, lambda: raw_record(*PAGE, fields, "https://alpha.example/iop")
    )


# --- JSON that Python's json module cannot load ------------------------------------------------------------

#: json.loads raises ValueError, but not JSONDecodeError, for an integer of more than 4,300 digits,
#: and RecursionError, no ValueError at all, for deep nesting. Both fit in a raw cell.
JSON_TRAPS = {"huge integer": "[" + "1" * 5_000 + "]", "deep nesting": "[" * 5_000 + "]" * 5_000}
#: The huge integer once escaped the readers that caught only JSONDecodeError and stopped the
#: whole normalization; they catch ValueError, its base class, now.


@pytest.mark.parametrize(
    "json_ld",
    [
        pytest.param(JSON_TRAPS["huge integer"], id="huge integer"),
        pytest.param(JSON_TRAPS["deep nesting"], id="deep nesting"),
    ],
)
def test_program_page_json_ld_that_python_cannot_load_is_rejected(json_ld: str) -> None:
    fields = {"program_name": "IOP", "schedule_text": "3 days a week", "json_ld": json_ld}
    normalized(program_pages.normalize_section, NO_CODES, lambda: raw_record(*PAGE, fields))


@pytest.mark.parametrize("services", JSON_TRAPS.values(), ids=JSON_TRAPS.keys())
def test_findtreatment_services_that_python_cannot_load_are_rejected(services: str) -> None:
    fields = {"name1": "A", "state": "VA", "services": services}
    normalized(
        findtreatment.normalize_facility,
        NO_CODES,
        lambda: raw_record("findtreatment_facility", "findtreatment", fields),
    )
