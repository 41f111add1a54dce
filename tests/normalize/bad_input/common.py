"""What the corpus is made of: a `Row` and its outcome, a `Kind` of bad input, and records as the spiders write them."""

import dataclasses
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

LOADED, REJECTED = "loaded", "rejected"
FETCHED_AT = "2026-11-27T12:00:00+00:00"
SU_URL = "https://www.samhsa.gov/data/sites/default/files/reports/national-directory-su-facilities-2023.xlsx"
MH_URL = "https://www.samhsa.gov/data/sites/default/files/reports/national-directory-mh-facilities-2023.xlsx"
OMH_URL = "https://data.ny.gov/resource/6nvr-tbv8.csv?$limit=50000&$offset=0&$order=:id"
FT_URL = "https://findtreatment.gov/locator/exportsAsJson/v2?page=1"

#: A value of `expect`: the column's value, or a check of it.
Expected = Any | Callable[[Any], bool]


@dataclass(frozen=True)
class Row:
    """One line of the corpus and what must become of it."""

    line: str | bytes
    outcome: str
    source: str
    record_id: str | None  # None: the row has no usable id and is found as `line N`
    field: str | None = None
    message: str | None = None
    expect: Mapping[str, Expected] = dataclasses.field(default_factory=dict)
    warning: str | None = None
    is_code: bool = False  # a code-reference row: counted apart from the listings


@dataclass(frozen=True)
class Kind:
    """A kind of bad input: its id, the source it is about, its rows, and why the outcome is right."""

    id: str
    source: str
    rows: tuple[Row, ...]
    why: str


_numbers = itertools.count(100)


def _line(record: dict[str, Any] | str | bytes) -> str | bytes:
    # ensure_ascii, as the spiders' exporter writes: non-ASCII text reaches the file escaped.
    return record if isinstance(record, (str, bytes)) else json.dumps(record)


def _identity(record: dict[str, Any] | str | bytes) -> tuple[str, str | None]:
    if not isinstance(record, dict):
        return "unknown", None
    record_id = record.get("record_id")
    usable = isinstance(record_id, str) and record_id.strip() and record_id.isprintable()
    return str(record.get("source") or "unknown"), record_id if usable else None


def loaded(record: dict[str, Any], warning: str | None = None, **expect: Expected) -> Row:
    """A row that must be loaded, with `expect`ed column values and a `warning` pattern."""
    source, record_id = _identity(record)
    return Row(_line(record), LOADED, source, record_id, expect=expect, warning=warning)


def rejected(
    record: dict[str, Any] | str | bytes,
    field_name: str,
    message: str,
    source: str | None = None,
    record_id: str | None = None,
) -> Row:
    """A row that must be rejected on `field_name` with a message matching `message`."""
    found_source, found_id = _identity(record)
    is_code = isinstance(record, dict) and record.get("record_type") == "service_code"
    return Row(
        _line(record), REJECTED, source or found_source, record_id or found_id, field_name, message, is_code=is_code
    )


# -- records as the spiders write them -------------------------------------------------------


def code(code_value: str, category: str, name: str, source: str = "samhsa_su") -> dict[str, Any]:
    """A "Service Code Reference" row."""
    return {
        "record_type": "service_code",
        "source": source,
        "source_url": SU_URL if source == "samhsa_su" else MH_URL,
        "source_file": f"national-directory-{source[-2:]}-facilities-2023.xlsx",
        "record_id": f"Service Code Reference!{code_value}",
        "fetched_at": FETCHED_AT,
        "fields": {
            "category_code": category,
            "category_name": "Service Setting",
            "service_code": code_value,
            "service_name": name,
            "service_description": "",
        },
    }


def references(*entries: tuple[str, str, str]) -> list[dict[str, Any]]:
    """Code reference rows of both directories for (code, category, name) entries."""
    return [code(c, cat, name, source) for source in ("samhsa_su", "samhsa_mh") for c, cat, name in entries]


#: The code references the facility rows are read with (both directories know the same codes).
REFERENCES = references(
    ("SA", "TC", "Substance use treatment"),
    ("MH", "TC", "Mental health treatment"),
    ("OP", "SET", "Outpatient"),
    ("OIT", "SET", "Intensive outpatient treatment"),
    ("CBT", "TAP", "Cognitive behavioral therapy"),
)


def samhsa(source: str = "samhsa_su", **cells: Any) -> dict[str, Any]:
    """A "Facilities List" row of a national directory, unique by its street number; `cells` change it."""
    n = next(_numbers)
    fields: dict[str, Any] = {
        "Name1": "Corpus Recovery Center",
        "Name2": "",
        "Street1": f"{n} Main Street",
        "Street2": "",
        "City": "Richmond",
        "State": "VA",
        "Zip": "23219",
        "Phone": "804-555-0100",
        "Intake1": "",
        "Intake2": "",
        "Intake1a": "",
        "Intake2a": "",
        "Service_code_info": "SA * OP OIT * CBT",
    }
    fields.update(cells)
    return {
        "record_type": "samhsa_facility",
        "source": source,
        "source_url": SU_URL if source == "samhsa_su" else MH_URL,
        "source_file": "national-directory-su-facilities-2023.xlsx",
        "record_id": f"Facilities List!{n}",
        "fetched_at": FETCHED_AT,
        "fields": {k: v for k, v in fields.items() if v is not ...},
    }


def omh(**cells: Any) -> dict[str, Any]:
    """A NY OMH program row (API field names), unique by its program code."""
    n = next(_numbers)
    fields: dict[str, Any] = {
        "agency_name": "Corpus Behavioral Health",
        "facility_name": "Corpus Clinic",
        "facility_code": "9000",
        "program_name": "Corpus Partial Hospital Program",
        "program_code": str(n),
        "populations_served": "Adults",
        "program_phone": "(518) 555-0123",
        "agency_phone": "",
        "program_address_1": "211 Church Street",
        "program_address_2": "",
        "program_city": "Saratoga Springs",
        "program_state": "NY",
        "program_zip": "12866",
        "program_category_description": "Outpatient",
        "program_subcategory_description": "Partial Hospitalization",
        "program_type_description": "Partial Hospitalization",
        "georeference": "POINT (-73.783423 43.058364)",
    }
    fields.update(cells)
    return {
        "record_type": "ny_omh_program",
        "source": "ny_omh",
        "source_url": OMH_URL,
        "source_file": "6nvr-tbv8.csv",
        "record_id": f"6nvr-tbv8!{n}",
        "fetched_at": FETCHED_AT,
        "fields": {k: v for k, v in fields.items() if v is not ...},
    }


def services(*labels: str) -> str:
    """The `services` cell: one category of labels, as JSON text."""
    return json.dumps([{"f1": "Type of Care", "f2": "TC", "f3": "; ".join(labels)}])


def findtreatment(**cells: Any) -> dict[str, Any]:
    """A FindTreatment.gov locator row, unique by its frid."""
    n = next(_numbers)
    fields: dict[str, Any] = {
        "frid": f"corpus{n:04d}",
        "name1": "Corpus Community Services Board",
        "name2": "",
        "street1": f"{n} East Market Street",
        "city": "Charlottesville",
        "state": "VA",
        "zip": "22902",
        "phone": "434-555-0142",
        "intake1": "",
        "website": "http://www.corpus.example.org",
        "latitude": "38.0282239",
        "longitude": "-78.4725231",
        "type_facility": "SA",
        "services": services("Substance use treatment"),
    }
    fields.update(cells)
    return {
        "record_type": "findtreatment_facility",
        "source": "findtreatment",
        "source_url": FT_URL,
        "source_file": "locator/exportsAsJson/v2",
        "record_id": f"corpus{n:04d}",
        "fetched_at": FETCHED_AT,
        "fields": {k: v for k, v in fields.items() if v is not ...},
    }


def section(url: str | None = None, **cells: Any) -> dict[str, Any]:
    """A program section of a provider's page, unique by its URL."""
    n = next(_numbers)
    url = url or f"https://corpus{n}.example.org/iop"
    fields: dict[str, Any] = {
        "site": f"corpus{n}.example.org",
        "page_title": "Programs",
        "program_name": "Intensive Outpatient Program (IOP)",
        "heading_level": "iop",
        "schedule_text": "IOP groups meet Mondays, Wednesdays and Thursdays from 6 to 9 p.m.",
        "json_ld": None,
    }
    fields.update(cells)
    return {
        "record_type": "program_section",
        "source": "program_pages",
        "source_url": url,
        "source_file": "/iop",
        "record_id": f"{url}#1",
        "fetched_at": FETCHED_AT,
        "fields": {k: v for k, v in fields.items() if v is not ...},
    }


def envelope(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The record with envelope keys changed (`...` removes one)."""
    out = {**record, **changes}
    return {k: v for k, v in out.items() if v is not ...}


def has(*items: str) -> Callable[[Any], bool]:
    """Check that a list column holds `items`."""
    return lambda values: set(items) <= set(values or [])
