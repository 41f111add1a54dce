"""SAMHSA "Facilities List" rows -> listings (`normalize_facility`), and code reference rows (`code_entry`).

Table-driven, on small made-up rows and a made-up code reference: what each column becomes, which
rows are rejected and on which column, which values are dropped or repaired with a warning, and
ids that stay the same across runs and file orders.
"""

import random
from typing import Any

import pytest

from pipeline.clean import identity_text
from pipeline.errors import RejectRow
from pipeline.ids import disambiguated_id, listing_id
from pipeline.sources.common import left_out_fields
from pipeline.sources.samhsa.codes import CodeEntry, CodeReference
from pipeline.sources.samhsa.normalize import IDENTITY_COLUMNS, code_entry, normalize_facility
from schemas.listing import Listing
from schemas.raw import RawRecord

URL = "https://www.samhsa.gov/data/example/national-directory-su-facilities.xlsx"


def _entry(category: str, code: str, label: str) -> CodeEntry:
    return CodeEntry(category_code=category, category_name="", code=code, label=label, description="")


#: A made-up reference with a few codes of each kind; "ZZ" is a code of it that maps to no term.
CODES = CodeReference(
    [
        _entry("TC", "SA", "Substance use treatment"),
        _entry("SET", "OP", "Outpatient"),
        _entry("SET", "ORT", "Regular outpatient treatment"),
        _entry("SET", "OIT", "Intensive outpatient treatment"),
        _entry("SET", "ODT", "Outpatient day treatment or partial hospitalization"),
        _entry("SET", "RES", "Residential"),
        _entry("ECS", "ICO", "Individual counseling"),
        _entry("TAP", "CBT", "Cognitive behavioral therapy"),
        _entry("PAY", "MD", "Medicaid"),
        _entry("PAY", "SF", "Cash or self-payment"),
        _entry("AGE", "ADLT", "Adults"),
        _entry("SG", "VET", "Veterans"),
        _entry("OTHR", "ZZ", "Something the vocabulary does not name"),
    ]
)

ROW: dict[str, str | None] = {
    "Name1": "Harbor Light Recovery",
    "Name2": "Evening Program",
    "Street1": "12 Mill Road",
    "Street2": "Suite 3",
    "City": "Hartford",
    "State": "CT",
    "Zip": "06103",
    "Phone": "860-555-0142",
    "Intake1": "860-555-0199",
    "Intake2": None,
    "Intake1a": None,
    "Intake2a": None,
    "Service_code_info": "SA * OP OIT * ICO CBT * MD SF * ADLT",
}


def _record(row_number: int = 2, source: str = "samhsa_su", **cells: str | None) -> RawRecord:
    return RawRecord(
        record_type="samhsa_facility",
        source=source,
        source_url=URL,
        source_file="national-directory-su-facilities.xlsx",
        record_id=f"Facilities List!{row_number}",
        fetched_at="2026-11-27T12:00:00+00:00",
        fields={**ROW, **cells},
    )


def _listing(**cells: str | None) -> Listing:
    return normalize_facility(_record(**cells), CODES, "run-1")


def test_a_plain_row_becomes_a_listing() -> None:
    listing = _listing()
    assert (listing.source, listing.name, listing.name2) == ("samhsa_su", "Harbor Light Recovery", "Evening Program")
    assert (listing.street, listing.street2, listing.city, listing.state, listing.zip5) == (
        "12 Mill Road",
        "Suite 3",
        "Hartford",
        "CT",
        "06103",
    )
    assert [(p.e164, p.kind.value, p.original) for p in listing.phones] == [
        ("+18605550142", "main", "860-555-0142"),
        ("+18605550199", "intake", "860-555-0199"),
    ]
    assert listing.levels_of_care == {"iop"}  # OP is the umbrella: OIT makes it an IOP, not IOP + OP
    assert listing.services == {"individual_therapy", "cbt", "behavioral_therapy"}
    assert listing.payments == {"medicaid", "self_pay"}
    assert listing.populations == {"adults"}
    assert listing.source_codes == ("SA", "OP", "OIT", "ICO", "CBT", "MD", "SF", "ADLT")
    assert listing.warnings == ()
    assert (listing.website, listing.latitude, listing.longitude, listing.schedule_text) == (None, None, None, None)
    assert (listing.provenance.record_id, listing.provenance.run_id) == ("Facilities List!2", "run-1")


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ("SA * OP", {"levels_of_care": {"op"}}),
        ("SA * OP ORT", {"levels_of_care": {"op"}}),
        ("SA * OP OIT ODT", {"levels_of_care": {"iop", "php"}}),
        ("SA * OP ODT", {"levels_of_care": {"php"}}),
        ("SA * RES", {"levels_of_care": {"residential"}}),
        ("SA * ICO", {"services": {"individual_therapy"}}),
        ("SA * CBT", {"services": {"cbt", "behavioral_therapy"}}),
        ("SA * MD", {"payments": {"medicaid"}}),
        ("SA * SF MD", {"payments": {"self_pay", "medicaid"}}),
        ("SA * ADLT VET", {"populations": {"adults", "veterans"}}),
        # A code of the reference that the vocabulary does not name: kept, no term, no warning.
        ("SA * ZZ", {"source_codes": ("SA", "ZZ")}),
        # Markup around codes and repeated codes are not codes of their own.
        ("<b>SA</b> * OP OIT OIT", {"levels_of_care": {"iop"}, "source_codes": ("SA", "OP", "OIT")}),
        ("", {"levels_of_care": set(), "source_codes": ()}),
    ],
)
def test_codes_become_levels_services_payments_and_populations(codes: str, expected: dict[str, Any]) -> None:
    listing = _listing(Service_code_info=codes)
    for field, value in expected.items():
        assert getattr(listing, field) == value, field
    for field in {"levels_of_care", "services", "payments", "populations"} - set(expected):
        assert getattr(listing, field) == set(), field
    assert listing.warnings == ()


def test_codes_not_in_the_reference_are_kept_and_named_in_one_bounded_warning() -> None:
    listing = _listing(Service_code_info="SA * OP OIT * QQ XX9")
    assert listing.levels_of_care == {"iop"}
    assert listing.source_codes == ("SA", "OP", "OIT", "QQ", "XX9")
    assert listing.warnings == ("codes not in the directory's code reference: QQ XX9",)
    garbage = " ".join(f"Q{i}" for i in range(200))
    (warning,) = _listing(Service_code_info=garbage).warnings
    assert warning.endswith("… (200 codes)")
    assert len(warning) < 400


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        ({"Name1": ""}, "Name1", "facility name is empty"),
        ({"Name1": "   "}, "Name1", "facility name is empty"),
        ({"Name1": "\u200b"}, "Name1", "facility name is empty"),  # invisible only
        ({"Name1": "<br>"}, "Name1", "facility name is empty"),  # markup only
        ({"Name1": "---"}, "Name1", "facility name '---' has no letter or digit"),
        ({"State": None}, "State", "state is empty"),
        ({"State": " "}, "State", "state is empty"),
        ({"State": "Calif"}, "State", "'Calif' is not a US state or territory"),
        ({"State": "Connecticut"}, "State", "'Connecticut' is not a US state or territory"),
        # The name is checked before the state: a row with neither is rejected for its name.
        ({"Name1": "", "State": "Calif"}, "Name1", "facility name is empty"),
    ],
)
def test_rows_that_cannot_be_listings_are_rejected_on_their_column(
    cells: dict[str, str | None], field: str, message: str
) -> None:
    with pytest.raises(RejectRow) as error:
        _listing(**cells)
    assert (error.value.field, error.value.message) == (field, message)


@pytest.mark.parametrize(
    ("cells", "expected", "warnings"),
    [
        # States: any case, dots and markup around the code are read.
        ({"State": "ct"}, {"state": "CT"}, ()),
        ({"State": "C.T."}, {"state": "CT"}, ()),
        ({"State": "<b>CT</b>"}, {"state": "CT"}, ()),
        # ZIPs: ZIP+4 is cut, a lost leading zero is put back where ZIPs start with 0, else dropped.
        ({"Zip": "06103-2211"}, {"zip5": "06103"}, ()),
        ({"Zip": "6103"}, {"zip5": "06103"}, ("zip '6103' padded to 06103",)),
        ({"Zip": "6103", "State": "TX"}, {"zip5": None}, ("zip '6103' is not a US ZIP code; dropped",)),
        ({"Zip": "ABCDE"}, {"zip5": None}, ("zip 'ABCDE' is not a US ZIP code; dropped",)),
        ({"Zip": None}, {"zip5": None}, ()),
        # Phones: placeholders and invalid numbers are dropped; a number listed twice is kept once.
        ({"Phone": "N/A"}, {"phones": 1}, ("main phone 'N/A' is a placeholder; dropped",)),
        ({"Phone": "555-0142"}, {"phones": 1}, ("main phone '555-0142' is not a valid number; dropped",)),
        ({"Intake1": "860-555-0142"}, {"phones": 1}, ()),
        ({"Intake2": "(860) 555-0177 x12"}, {"phones": 3}, ()),
        # Markup in free text is removed, and named.
        ({"Name2": "<i>Evening</i> Program"}, {"name2": "Evening Program"}, ("name2: HTML tags removed",)),
    ],
)
def test_values_that_are_repaired_or_dropped_are_named_in_warnings(
    cells: dict[str, str | None], expected: dict[str, Any], warnings: tuple[str, ...]
) -> None:
    listing = _listing(**cells)
    for field, value in expected.items():
        actual = len(listing.phones) if field == "phones" else getattr(listing, field)
        assert actual == value, field
    assert listing.warnings == warnings


def test_warnings_keep_the_order_of_the_steps() -> None:
    listing = _listing(Name2="<i>Evening</i>", Zip="ABCDE", Phone="N/A", Service_code_info="SA * QQ")
    assert listing.warnings == (
        "name2: HTML tags removed",
        "zip 'ABCDE' is not a US ZIP code; dropped",
        "main phone 'N/A' is a placeholder; dropped",
        "codes not in the directory's code reference: QQ",
    )


def test_the_id_is_the_source_and_the_folded_name_address_and_main_phone() -> None:
    listing = _listing()
    parts = ("Harbor Light Recovery", "Evening Program", "12 Mill Road", "Suite 3", "Hartford")
    expected = listing_id("samhsa_su", *(identity_text(p) for p in parts), "CT", "06103", "+18605550142")
    assert listing.listing_id == expected
    rest = left_out_fields(_record().fields, IDENTITY_COLUMNS)
    assert listing.disambiguated_id == disambiguated_id(expected, rest)


def test_ids_are_stable_across_runs_and_file_order() -> None:
    rows = [
        {"Name1": "Harbor Light Recovery"},
        {"Name1": "Northside Counseling", "Phone": "860-555-0300"},
        {"Name1": "Riverbend Day Program", "Street1": "400 Elm St"},
    ]
    first = {r["Name1"]: _listing(**r) for r in rows}
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    # Another run, another order: each row at another position in the sheet.
    second = {
        r["Name1"]: normalize_facility(_record(row_number=10 + i, **r), CODES, "run-2") for i, r in enumerate(shuffled)
    }
    for name, listing in first.items():
        assert (second[name].listing_id, second[name].disambiguated_id) == (
            listing.listing_id,
            listing.disambiguated_id,
        )
    assert len({listing.listing_id for listing in first.values()}) == 3


@pytest.mark.parametrize(
    ("cells", "same_id"),
    [
        # Case, punctuation and spacing of the identity columns do not count.
        ({"Name1": "HARBOR LIGHT  RECOVERY", "Street1": "12 Mill Road."}, True),
        ({"Phone": "(860) 555-0142"}, True),
        # Another name, address or main phone is another facility.
        ({"Name1": "Harbor Light Recovery South"}, False),
        ({"Zip": "06105"}, False),
        ({"Phone": "860-555-0143"}, False),
        # Intake lines and codes are not identity: they only tell apart rows sharing it.
        ({"Intake1": "860-555-0100"}, True),
        ({"Service_code_info": "SA * OP"}, True),
    ],
)
def test_what_the_id_depends_on(cells: dict[str, str | None], same_id: bool) -> None:
    plain, other = _listing(), _listing(**cells)
    assert (other.listing_id == plain.listing_id) is same_id
    if same_id and set(cells) - set(IDENTITY_COLUMNS):
        assert other.disambiguated_id != plain.disambiguated_id


def test_the_same_row_in_the_su_and_mh_directories_gets_two_ids() -> None:
    su = normalize_facility(_record(source="samhsa_su"), CODES, "run")
    mh = normalize_facility(_record(source="samhsa_mh"), CODES, "run")
    assert su.listing_id != mh.listing_id


def _code_record(**cells: str | None) -> RawRecord:
    base = {"category_code": "set", "category_name": "Service setting", "service_code": "oit"}
    return RawRecord(
        record_type="service_code",
        source="samhsa_su",
        source_url=URL,
        source_file="national-directory-su-facilities.xlsx",
        record_id="Service Code Reference!2",
        fetched_at="2026-11-27T12:00:00+00:00",
        fields={**base, "service_name": "Intensive <b>outpatient</b>", **cells},
    )


def test_a_code_reference_row_becomes_an_entry() -> None:
    assert code_entry(_code_record()) == CodeEntry(
        category_code="SET", category_name="Service setting", code="OIT", label="Intensive outpatient", description=""
    )


@pytest.mark.parametrize(
    ("code", "message"),
    [("", "empty code"), ("<b></b>", "empty code"), ("OP OIT", "'OP OIT' is not one code")],
)
def test_code_reference_rows_without_one_code_are_rejected(code: str, message: str) -> None:
    with pytest.raises(RejectRow) as error:
        code_entry(_code_record(service_code=code))
    assert (error.value.field, error.value.message) == ("service_code", message)
