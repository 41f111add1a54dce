"""A corpus of malformed crawl output: each kind of bad input with the outcome a maintainer wants.

Every `Kind` is a few lines of an items.jsonl as a spider would write them (or as a broken spider,
a cut file or a strange source would), each with its expected outcome:

- `loaded`: the listing is still trustworthy; it is loaded cleaned, and `expect` gives values of
  its columns in the `listings` view (a callable checks a value instead), `warning` a pattern one
  of its warnings must match;
- `rejected`: it is not; it lands in `rejects` with `field` and a message matching `message`.

Rows are found again by source and `source_record_id` (`line N` for a row without a usable id).
`tests/test_bad_input.py` loads the whole corpus in one run and checks every row and the counts.
The rule: clean and load, with a warning, what is still a trustworthy listing; reject, with a
precise reason, what is not; never crash, and never store a NUL byte, an HTML tag or a cell past
the length limit.
"""

import dataclasses
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from schemas.raw import MAX_FIELD_CHARS

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


# -- the corpus --------------------------------------------------------------------------------

_dup = samhsa(Name1="Twice Written Recovery")
_dup_moved = samhsa(Name1="Repeated Row Recovery")
_dup_moved_copy = {**_dup_moved, "record_id": _dup_moved["record_id"] + "0"}
_twin_a = samhsa(Name1="Twin Programs Center", Service_code_info="SA * OP OIT")
_twin_b = {
    **_twin_a,
    "record_id": _twin_a["record_id"] + "0",
    "fields": {**_twin_a["fields"], "Service_code_info": "SA * OP * CBT"},
}
_omh_dup = omh(program_name="Corpus Duplicate Program")
_omh_twin_a = omh(program_name="Corpus Twin Program")
_omh_twin_b = {
    **_omh_twin_a,
    "record_id": _omh_twin_a["record_id"] + "0",
    "fields": {**_omh_twin_a["fields"], "program_city": "Ballston Spa"},
}
_ft_dup = findtreatment(name1="Paged Twice Services")
_ft_twin_a = findtreatment(name1="Corpus Twin Services")
_ft_twin_b = {
    **_ft_twin_a,
    "record_id": _ft_twin_a["record_id"] + "b",
    "fields": {**_ft_twin_a["fields"], "phone": "434-555-0143"},
}
_huge_line = samhsa(**{f"Extra{i}": "x" * (MAX_FIELD_CHARS - 10) for i in range(170)})

KINDS: list[Kind] = [
    # -- lines that are no record at all -------------------------------------------------------
    Kind(
        "not_json",
        "unknown",
        (rejected("Facilities List!5 was here", "record", r"^line is not JSON: Expecting value \(column 1\)$"),),
        "no record can be read from it",
    ),
    Kind(
        "truncated_json",
        "unknown",
        (rejected('{"record_type": "samhsa_facility", "source": "samhsa_su", "fie', "record", r"truncated"),),
        "a crawl killed mid-write: the rest of the record is gone",
    ),
    Kind(
        "json_array",
        "unknown",
        (rejected(json.dumps([samhsa()]), "record", r"JSON list, not a record object"),),
        "a record is a JSON object; a list of them is another format",
    ),
    Kind("json_scalar", "unknown", (rejected("42", "record", r"JSON int, not a record object"),), "not a record"),
    Kind(
        "invalid_utf8",
        "unknown",
        (rejected(b'{"record_type": "samhsa_facility", "Name1": "Caf\xe9"}', "record", r"not valid UTF-8"),),
        "Latin-1 bytes in a UTF-8 file: no text can be trusted",
    ),
    Kind(
        "raw_nul_byte_in_line",
        "unknown",
        (
            rejected(
                json.dumps(samhsa()).replace("Richmond", "Rich\x00mond"),
                "record",
                r"Invalid control character at \(column \d+\)",
            ),
        ),
        "a literal NUL byte is not JSON; the reject stores it escaped",
    ),
    Kind(
        "json_nested_too_deeply",
        "unknown",
        (rejected('{"fields": ' + "[" * 100_000 + "]" * 100_000 + "}", "record", r"nested too deeply"),),
        "Python's json gives up on it with a RecursionError, which once stopped the whole normalization",
    ),
    Kind(
        "line_over_16_mib",
        "samhsa_su",
        (rejected(_huge_line, "record", r"line is [0-9,]+ bytes long, over the limit of 16,777,216; not read"),),
        "a 17 MB line is no listing; it is skipped in chunks, never held whole, and named by its head",
    ),
    # -- the envelope the spider writes --------------------------------------------------------
    Kind(
        "missing_fields",
        "samhsa_su",
        (rejected(envelope(samhsa(), fields=...), "fields", r"^fields: Field required$"),),
        "a record without cells has nothing to list",
    ),
    Kind(
        "fields_not_an_object",
        "samhsa_su",
        (rejected(envelope(samhsa(), fields="Name1=Acme"), "fields", r"valid dictionary"),),
        "the spider wrote the wrong shape",
    ),
    Kind(
        "cell_is_a_number",
        "samhsa_su",
        (rejected(samhsa(Zip=23219), "fields.Zip", r"^fields\.Zip: Input should be a valid string$"),),
        "the raw layer holds text as given; a number means the spider converted it (06810 -> 6810)",
    ),
    Kind(
        "cell_is_a_list",
        "samhsa_su",
        (rejected(samhsa(Phone=["804-555-0100", "804-555-0101"]), "fields.Phone", r"valid string"),),
        "the spider wrote the wrong type; which number is the main one is unknown",
    ),
    Kind(
        "cell_is_an_object",
        "samhsa_mh",
        (rejected(samhsa("samhsa_mh", Street1={"line": "1 Main St"}), "fields.Street1", r"valid string"),),
        "the spider wrote the wrong type",
    ),
    Kind(
        "unknown_record_type",
        "samhsa_su",
        (rejected(envelope(samhsa(), record_type="samhsa_facilty"), "record_type", r"no normalizer for record type"),),
        "no normalizer knows the shape",
    ),
    Kind(
        "unknown_source",
        "samhsa_xx",
        (rejected(samhsa("samhsa_xx"), "source", r"'samhsa_xx' is not a source of samhsa_facility records"),),
        "the flow loads only a crawl's own sources: accepted, this listing would vanish uncounted",
    ),
    Kind(
        "missing_record_id",
        "samhsa_su",
        (rejected(envelope(samhsa(), record_id=...), "record_id", r"record_id: Field required"),),
        "provenance must find the source row again",
    ),
    Kind(
        "blank_record_id",
        "samhsa_su",
        (rejected(envelope(samhsa(), record_id="   "), "record_id", r"record_id: Value error, is empty"),),
        "provenance must find the source row again",
    ),
    Kind(
        "record_id_with_nul",
        "samhsa_su",
        (rejected(envelope(samhsa(), record_id="Facilities List!9\x00"), "record_id", r"control characters"),),
        "an id is stored as given, so it must be clean",
    ),
    Kind(
        "fetched_at_not_a_time",
        "samhsa_su",
        (rejected(envelope(samhsa(), fetched_at="yesterday"), "fetched_at", r"not an ISO-8601 time"),),
        "provenance needs the fetch time",
    ),
    Kind(
        "extra_envelope_key",
        "samhsa_su",
        (rejected(envelope(samhsa(), spider="x"), "spider", r"Extra inputs are not permitted"),),
        "an envelope we do not know is a spider we do not know",
    ),
    Kind(
        "unpaired_surrogate",
        "samhsa_su",
        (
            rejected(
                samhsa(Name1="Acme \ud800 Center"), "fields.Name1", r"unable to parse raw data as a unicode string"
            ),
        ),
        "half a UTF-16 pair is no character, and no UTF-8 writer downstream could store it",
    ),
    Kind(
        "ten_mb_cell",
        "samhsa_su",
        (rejected(samhsa(Name2="A" * 10_000_000), "fields.Name2", r"at most 100000 characters"),),
        "a page or a file dumped into one cell: rejected before it reaches a listing, a message or the DB",
    ),
    Kind(
        "missing_required_column",
        "samhsa_su",
        (rejected(samhsa(Service_code_info=...), "Service_code_info", r"Field required"),),
        "without the code list, nothing says what the facility offers",
    ),
    Kind(
        "null_name_cell",
        "samhsa_mh",
        (rejected(samhsa("samhsa_mh", Name1=None), "Name1", r"valid string"),),
        "a facility without a name cell",
    ),
    # -- names -----------------------------------------------------------------------------------
    Kind("empty_name", "samhsa_su", (rejected(samhsa(Name1=""), "Name1", r"facility name is empty"),), "nameless"),
    Kind(
        "whitespace_name",
        "samhsa_su",
        (rejected(samhsa(Name1=" \t\u00a0\u3000 "), "Name1", r"facility name is empty"),),
        "spaces of every kind name nothing",
    ),
    Kind(
        "invisible_name",
        "samhsa_su",
        (rejected(samhsa(Name1="\u200b\u200e\ufeff"), "Name1", r"facility name is empty"),),
        "zero-width characters name nothing",
    ),
    Kind(
        "punctuation_name",
        "samhsa_mh",
        (rejected(samhsa("samhsa_mh", Name1="---"), "Name1", r"'---' has no letter or digit"),),
        "a placeholder, not a name",
    ),
    Kind(
        "markup_only_name",
        "samhsa_su",
        (rejected(samhsa(Name1="<br/><hr>"), "Name1", r"facility name is empty"),),
        "nothing is left once the tags go",
    ),
    Kind(
        "name_over_300_characters",
        "samhsa_su",
        (rejected(samhsa(Name1="Recovery " * 45), "name", r"at most 300 characters"),),
        "a paragraph in the name column: the columns are shifted, so no cell can be trusted",
    ),
    Kind(
        "html_in_name",
        "samhsa_su",
        (
            loaded(
                samhsa(Name1="<b>Acme</b> &amp; Sons Recovery"),
                r"^name: HTML tags removed and character references decoded$",
                name="Acme & Sons Recovery",
            ),
        ),
        "formatting around a good name; the warning does not repeat the markup",
    ),
    Kind(
        "script_in_name",
        "samhsa_su",
        (
            loaded(
                samhsa(Name1="Acme<script>alert('x')</script> Recovery"),
                r"^name: HTML tags removed$",
                name="Acme Recovery",
            ),
        ),
        "script elements go with their content",
    ),
    Kind(
        "escaped_markup_in_name",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", Name1="&lt;i&gt;Hope&lt;/i&gt; House"), r"^name: HTML", name="Hope House"),),
        "markup escaped once is decoded, then removed",
    ),
    Kind(
        "entity_in_street",
        "samhsa_su",
        (loaded(samhsa(Street1="12 Main St &#35;4"), r"^street: HTML character references", street="12 Main St #4"),),
        "a numeric character reference is a character",
    ),
    Kind(
        "html_in_second_name",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", Name2="<p>Adolescent<br>Program</p>"), r"^name2:", name2="Adolescent Program"),),
        "block tags separate words",
    ),
    Kind(
        "nul_in_name",
        "samhsa_su",
        (loaded(samhsa(Name1="Acme\u0000 Recovery"), name="Acme Recovery"),),
        "a NUL inside a value is dropped; the value is otherwise fine",
    ),
    Kind(
        "control_characters",
        "samhsa_su",
        (loaded(samhsa(Name1="Acme\u0007\u0008 Recovery\u001b", City="Rich\u007fmond"), name="Acme Recovery"),),
        "bell, backspace, escape and delete carry no text",
    ),
    Kind(
        "bidi_marks",
        "samhsa_su",
        (loaded(samhsa(Name1="\u202eAcme\u202c Recovery\u200f"), name="Acme Recovery"),),
        "direction marks are invisible and would make two equal names differ",
    ),
    Kind(
        "zero_width_space",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", Name1="Acme\u200b Recovery\u2060"), name="Acme Recovery"),),
        "invisible, and would make two equal names differ",
    ),
    Kind(
        "combining_accents",
        "samhsa_su",
        (loaded(samhsa(Name1="Cafe\u0301 Recovery"), name="Caf\u00e9 Recovery"),),
        "NFC: one spelling of the same letter",
    ),
    Kind(
        "non_breaking_spaces",
        "samhsa_su",
        (loaded(samhsa(Name1="Acme\u00a0\u00a0Recovery\u2003Center"), name="Acme Recovery Center"),),
        "a space is a space",
    ),
    Kind(
        "emoji_in_name",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", Name1="Sunrise \U0001f305 Recovery"), name="Sunrise \U0001f305 Recovery"),),
        "odd but legible: kept as written",
    ),
    # -- states and ZIPs -----------------------------------------------------------------------
    Kind("state_xx", "samhsa_su", (rejected(samhsa(State="XX"), "State", r"^'XX' is not a US state"),), "no place"),
    Kind(
        "state_abbreviated_name",
        "samhsa_su",
        (rejected(samhsa(State="Calif."), "State", r"^'Calif\.' is not a US state"),),
        "directories give USPS codes; a guessed state would misplace the listing",
    ),
    Kind(
        "state_full_name",
        "samhsa_mh",
        (rejected(samhsa("samhsa_mh", State="Virginia"), "State", r"^'Virginia' is not a US state"),),
        "as above: only USPS codes are read",
    ),
    Kind("state_empty", "samhsa_su", (rejected(samhsa(State=""), "State", r"^state is empty$"),), "no place"),
    Kind("state_lower_case", "samhsa_su", (loaded(samhsa(State=" va "), state="VA"),), "case and spaces only"),
    Kind(
        "state_in_markup",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", State="<b>VA</b>"), state="VA"),),
        "markup is never a code",
    ),
    Kind(
        "zip_lost_leading_zero",
        "samhsa_su",
        (loaded(samhsa(State="CT", Zip="6810"), r"zip '6810' padded to 06810", zip5="06810"),),
        "a spreadsheet dropped the zero; only states whose ZIPs start with 0 are padded",
    ),
    Kind(
        "zip_four_digits_elsewhere",
        "samhsa_su",
        (loaded(samhsa(State="TX", Zip="7501"), r"zip '7501' is not a US ZIP code", zip5=None),),
        "no way to know the missing digit; the rest of the listing is fine",
    ),
    Kind(
        "zip_letters",
        "samhsa_su",
        (loaded(samhsa(Zip="ABCDE"), r"zip 'ABCDE' is not a US ZIP code", zip5=None),),
        "not a ZIP; dropped",
    ),
    Kind("zip_plus_four", "samhsa_su", (loaded(samhsa(Zip="23219-1234"), zip5="23219"),), "ZIP+4 is cut to 5"),
    Kind("zip_nine_digits", "samhsa_mh", (loaded(samhsa("samhsa_mh", Zip="232191234"), zip5="23219"),), "ZIP+4"),
    Kind(
        "zip_full_width_digits",
        "samhsa_su",
        (loaded(samhsa(Zip="\uff12\uff13\uff12\uff11\uff19"), zip5="23219"),),
        "full-width digits are digits (NFKC)",
    ),
    Kind(
        "zip_arabic_indic_digits",
        "samhsa_su",
        (loaded(samhsa(Zip="\u0662\u0663\u0662\u0661\u0669"), r"is not a US ZIP code", zip5=None),),
        "not ASCII digits even after NFKC; a ZIP column never holds them",
    ),
    Kind(
        "zip_too_long",
        "samhsa_su",
        (loaded(samhsa(Zip="232191234567"), r"is not a US ZIP code", zip5=None),),
        "twelve digits are no ZIP",
    ),
    # -- phones ----------------------------------------------------------------------------------
    Kind(
        "phone_all_nines",
        "samhsa_su",
        (loaded(samhsa(Phone="(999) 999-9999"), r"main phone '\(999\) 999-9999' is not a valid number", phone=None),),
        "a filler; the listing is fine without a number",
    ),
    Kind(
        "phone_all_zeros",
        "samhsa_su",
        (loaded(samhsa(Phone="000-000-0000"), r"is not a valid number", phone=None),),
        "a filler",
    ),
    Kind(
        "phone_not_available",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", Phone="Not Available"), r"'Not Available' is a placeholder", phone=None),),
        "a placeholder",
    ),
    Kind(
        "phone_n_a",
        "samhsa_su",
        (loaded(samhsa(Phone="N/A"), r"'N/A' is a placeholder", phone=None),),
        "a placeholder",
    ),
    Kind(
        "phone_tbd",
        "samhsa_su",
        (loaded(samhsa(Phone="TBD"), r"'TBD' is a placeholder", phone=None),),
        "a placeholder",
    ),
    Kind(
        "phone_vanity_letters",
        "samhsa_su",
        (loaded(samhsa(Phone="1-800-FLOWERS"), phone="+18003569377"),),
        "letters on the keypad dial a real number",
    ),
    Kind(
        "phone_too_short",
        "samhsa_su",
        (loaded(samhsa(Phone="555-0142"), r"'555-0142' is not a valid number", phone=None),),
        "seven digits: the area code is unknown",
    ),
    Kind(
        "phone_with_extension",
        "samhsa_mh",
        (
            loaded(
                samhsa("samhsa_mh", Phone="804-555-0100 ext. 204"),
                phone="+18045550100",
                phones=lambda p: p[0]["extension"] == "204",
            ),
        ),
        "the extension is kept apart",
    ),
    Kind(
        "phone_is_an_email",
        "samhsa_su",
        (loaded(samhsa(Phone="intake@example.org"), r"'intake@example.org' is not a phone number", phone=None),),
        "wrong column; the listing is otherwise fine",
    ),
    Kind(
        "phone_full_width_digits",
        "samhsa_su",
        (
            loaded(
                samhsa(Phone="\uff08\uff18\uff10\uff14\uff09\uff15\uff15\uff15-\uff10\uff11\uff10\uff10"),
                phone="+18045550100",
            ),
        ),
        "full-width digits are digits (NFKC)",
    ),
    Kind(
        "phone_in_tel_link",
        "samhsa_su",
        (loaded(samhsa(Phone='<a href="tel:+18045550100">804-555-0100</a>'), phone="+18045550100"),),
        "a number inside a link is still the number",
    ),
    Kind(
        "phone_is_a_paragraph",
        "samhsa_mh",
        (
            loaded(
                samhsa("samhsa_mh", Phone="Call us any time. " * 300),
                r"^main phone 'Call us any time\. .*… \(\d+ characters\) is not a phone number; dropped$",
                phone=None,
                warnings=lambda w: all(len(x) < 300 for x in w),
            ),
        ),
        "prose in the phone column; the warning quotes it cut short",
    ),
    # -- codes -----------------------------------------------------------------------------------
    Kind(
        "unknown_service_codes",
        "samhsa_su",
        (
            loaded(
                samhsa(Service_code_info="SA * OP OIT ZZZ * QQQ9"),
                r"codes not in the directory's code reference: ZZZ QQQ9",
                source_codes=has("ZZZ", "QQQ9", "OIT"),
                levels_of_care=["iop"],
            ),
        ),
        "unknown codes are kept and named; the known ones still count",
    ),
    Kind(
        "nul_and_markup_in_codes",
        "samhsa_mh",
        (
            loaded(
                samhsa("samhsa_mh", Service_code_info="SA * <b>OIT</b>\u0000 OP"),
                source_codes=["SA", "OIT", "OP"],
                levels_of_care=["iop"],
            ),
        ),
        "codes are letters and digits: the rest is noise",
    ),
    Kind(
        "code_reference_empty_code",
        "samhsa_su",
        (
            rejected(
                {**code("  ", "SET", "Nothing"), "record_id": "Service Code Reference!blank"}, "service_code", r"empty"
            ),
        ),
        "a reference row without a code defines nothing (counted with the codes, not the listings)",
    ),
    # -- duplicates ----------------------------------------------------------------------------
    Kind(
        "duplicate_row",
        "samhsa_su",
        (
            loaded(_dup, name="Twice Written Recovery"),
            rejected(_dup, "record", r"^duplicate of Facilities List!\d+ \(same listing, same content\)$"),
        ),
        "the same row written twice: one listing, the copy rejected",
    ),
    Kind(
        "duplicate_content_other_row",
        "samhsa_su",
        (
            loaded(_dup_moved),
            rejected(_dup_moved_copy, "record", r"^duplicate of " + _dup_moved["record_id"] + " "),
        ),
        "the same facility on two rows of the sheet: one listing",
    ),
    Kind(
        "same_identity_other_content",
        "samhsa_su",
        (loaded(_twin_a, levels_of_care=["iop"]), loaded(_twin_b, levels_of_care=["op"])),
        "two programs at one address and phone: both kept, with content-derived ids",
    ),
    # -- NY OMH ----------------------------------------------------------------------------------
    Kind(
        "omh_empty_program_name",
        "ny_omh",
        (rejected(omh(program_name="  "), "Program Name", r"program name is empty"),),
        "nameless",
    ),
    Kind(
        "omh_missing_program_code_column",
        "ny_omh",
        (rejected(omh(program_code=...), "program_code", r"Field required"),),
        "the native id is missing: the file changed format",
    ),
    Kind(
        "omh_blank_program_code",
        "ny_omh",
        (rejected(omh(program_code=" "), "Program Code", r"no id"),),
        "the program has no id",
    ),
    Kind(
        "omh_state_full_name",
        "ny_omh",
        (rejected(omh(program_state="New York"), "Program State", r"'New York' is not a US state"),),
        "only USPS codes are read",
    ),
    Kind(
        "omh_columns_collide",
        "ny_omh",
        (rejected(omh(**{" Program Name": "Other Name"}), "record", r"both read as 'program_name'"),),
        "two spellings of one column disagree: which one is right is unknown",
    ),
    Kind(
        "omh_phone_not_available",
        "ny_omh",
        (loaded(omh(program_phone="Not Available"), r"'Not Available' is a placeholder", phone=None),),
        "a placeholder",
    ),
    Kind(
        "omh_point_swapped",
        "ny_omh",
        (
            loaded(
                omh(georeference="POINT (43.058364 -73.783423)"),
                r"swapped; read as \(43\.0584, -73\.7834\)",
                latitude=43.058364,
                longitude=-73.783423,
            ),
        ),
        "latitude and longitude swapped: read back, since the swapped point lies in the state",
    ),
    Kind(
        "omh_point_lost_minus_sign",
        "ny_omh",
        (
            loaded(
                omh(georeference="POINT (73.783423 43.058364)"),
                r"lacks its minus sign",
                latitude=43.058364,
                longitude=-73.783423,
            ),
        ),
        "a lost minus sign: read back, since the point then lies in the state",
    ),
    Kind(
        "omh_point_not_a_point",
        "ny_omh",
        (loaded(omh(georeference="43.05, -73.78"), r"is not a point", latitude=None),),
        "unreadable; the listing is fine without coordinates",
    ),
    Kind(
        "omh_markup_in_address",
        "ny_omh",
        (loaded(omh(program_address_1="<p>211 Church Street</p>"), r"^street: HTML", street="211 Church Street"),),
        "formatting around a good address",
    ),
    Kind(
        "omh_duplicate_row",
        "ny_omh",
        (loaded(_omh_dup), rejected(_omh_dup, "record", r"^duplicate of ")),
        "the same program row twice (pages overlapping): one listing",
    ),
    Kind(
        "omh_same_code_other_content",
        "ny_omh",
        (loaded(_omh_twin_a, city="Saratoga Springs"), loaded(_omh_twin_b, city="Ballston Spa")),
        "one native id, two contents: both kept, with content-derived ids, for a maintainer to look at",
    ),
    # -- FindTreatment -------------------------------------------------------------------------
    Kind(
        "ft_coordinates_swapped",
        "findtreatment",
        (
            loaded(
                findtreatment(latitude="-78.4725231", longitude="38.0282239"),
                r"swapped",
                latitude=38.0282239,
                longitude=-78.4725231,
            ),
        ),
        "a Virginia row at (-78, 38) is in Antarctica; read the other way round it is in Virginia",
    ),
    Kind(
        "ft_coordinates_out_of_range",
        "findtreatment",
        (loaded(findtreatment(latitude="95", longitude="-78.47"), r"out of range", latitude=None, longitude=None),),
        "no such place; dropped",
    ),
    Kind(
        "ft_coordinates_not_numbers",
        "findtreatment",
        (loaded(findtreatment(latitude="N/A", longitude="N/A"), r"are not numbers", latitude=None),),
        "placeholders; dropped",
    ),
    Kind(
        "ft_coordinates_null_island",
        "findtreatment",
        (loaded(findtreatment(latitude="0", longitude="0"), r"\(0, 0\) are a placeholder", latitude=None),),
        "0,0 is in the Gulf of Guinea",
    ),
    Kind(
        "ft_coordinates_nan",
        "findtreatment",
        (loaded(findtreatment(latitude="nan", longitude="-78.47"), r"out of range", latitude=None),),
        "not a number",
    ),
    Kind(
        "ft_coordinates_in_another_place",
        "findtreatment",
        (loaded(findtreatment(latitude="13.44", longitude="144.79"), r"are not in VA; dropped", latitude=None),),
        "a Virginia row placed on Guam: neither swapping nor a sign explains it",
    ),
    Kind(
        "ft_coordinates_one_missing",
        "findtreatment",
        (loaded(findtreatment(latitude="38.03", longitude=""), r"are not numbers", latitude=None, longitude=None),),
        "one coordinate alone places nothing",
    ),
    Kind(
        "ft_website_javascript",
        "findtreatment",
        (loaded(findtreatment(website="javascript:alert(1)"), r"not an http\(s\) URL", website=None),),
        "never a link to publish",
    ),
    Kind(
        "ft_website_ftp",
        "findtreatment",
        (loaded(findtreatment(website="ftp://files.example.org/"), r"not an http\(s\) URL", website=None),),
        "not a web page",
    ),
    Kind(
        "ft_website_without_scheme",
        "findtreatment",
        (loaded(findtreatment(website="www.example.org"), r"not an http\(s\) URL", website=None),),
        "a link must work as published; guessing the scheme is left to the source",
    ),
    Kind(
        "ft_website_is_markup",
        "findtreatment",
        (
            loaded(
                findtreatment(website='<a href="http://x.example.org">x</a>'),
                r"^website with HTML markup is not an http\(s\) URL",
                website=None,
            ),
        ),
        "an anchor, not a URL; the warning does not repeat the markup",
    ),
    Kind(
        "ft_website_without_host",
        "findtreatment",
        (loaded(findtreatment(website="http://"), r"no valid host name", website=None),),
        "a scheme alone",
    ),
    Kind(
        "ft_website_upper_case_scheme",
        "findtreatment",
        (loaded(findtreatment(website="HTTP://Corpus.example.org/IOP"), website="http://Corpus.example.org/IOP"),),
        "the scheme's case means nothing",
    ),
    Kind(
        "ft_services_not_json",
        "findtreatment",
        (rejected(findtreatment(services='[{"f1": "Type'), "services", r"not JSON"),),
        "the service list is the listing's substance; half of it is none",
    ),
    Kind(
        "ft_services_nested_too_deeply",
        "findtreatment",
        (rejected(findtreatment(services="[" * 50_000 + "]" * 50_000), "services", r"nested too deeply"),),
        "unreadable without a RecursionError; the row is rejected, the run goes on",
    ),
    Kind(
        "ft_services_not_a_list",
        "findtreatment",
        (rejected(findtreatment(services='{"f3": "Detoxification"}'), "services", r"not a list"),),
        "the spider wrote the wrong shape",
    ),
    Kind(
        "ft_services_entry_not_an_object",
        "findtreatment",
        (rejected(findtreatment(services='["Detoxification"]'), "services", r"'Detoxification' is not an object"),),
        "the spider wrote the wrong shape",
    ),
    Kind(
        "ft_unknown_service_label",
        "findtreatment",
        (
            loaded(
                findtreatment(services=services("Substance use treatment", "<b>Equine therapy</b>")),
                r"kept as labels: Equine therapy$",
                source_codes=has("label:Equine therapy"),
            ),
        ),
        "an unknown label is kept, without its markup, and named",
    ),
    Kind(
        "ft_blank_name",
        "findtreatment",
        (rejected(findtreatment(name1="   "), "name1", r"facility name is empty"),),
        "nameless",
    ),
    Kind(
        "ft_duplicate_row",
        "findtreatment",
        (loaded(_ft_dup), rejected(_ft_dup, "record", r"^duplicate of ")),
        "the same row on two pages of the answer: one listing",
    ),
    Kind(
        "ft_same_frid_other_content",
        "findtreatment",
        (loaded(_ft_twin_a, phone="+14345550142"), loaded(_ft_twin_b, phone="+14345550143")),
        "one native id, two contents: both kept, with content-derived ids",
    ),
    # -- program pages ---------------------------------------------------------------------------
    Kind(
        "pp_no_heading",
        "program_pages",
        (rejected(section(program_name=" "), "program_name", r"section heading is empty"),),
        "nameless",
    ),
    Kind(
        "pp_no_text",
        "program_pages",
        (rejected(section(schedule_text=None), "schedule_text", r"section has no text"),),
        "a section with no words says nothing about the program",
    ),
    Kind(
        "pp_markup_only_text",
        "program_pages",
        (rejected(section(schedule_text="<script>track()</script>"), "schedule_text", r"section has no text"),),
        "a script is not text",
    ),
    Kind(
        "pp_json_ld_not_json",
        "program_pages",
        (rejected(section(json_ld="[{"), "json_ld", r"not JSON"),),
        "the spider wrote a broken block",
    ),
    Kind(
        "pp_json_ld_nested_too_deeply",
        "program_pages",
        (rejected(section(json_ld="[" * 40_000 + "]" * 40_000), "json_ld", r"nested too deeply"),),
        "unreadable without a RecursionError; the row is rejected, the run goes on",
    ),
    Kind(
        "pp_json_ld_odd_types",
        "program_pages",
        (
            loaded(
                section(
                    json_ld=json.dumps(
                        [
                            "stray",
                            7,
                            {
                                "name": ["Alpha Health"],
                                "telephone": ["434-555-0142", "x"],
                                "address": {"addressRegion": 5, "postalCode": 22902, "streetAddress": {"a": 1}},
                            },
                        ]
                    )
                ),
                r"address region: '5' is not a US state",
                name2="Alpha Health",
                phone="+14345550142",
                zip5="22902",
                state=None,
                street=None,
            ),
        ),
        "pages write numbers, lists and objects where text is expected: read what is text, skip the rest",
    ),
    Kind(
        "pp_json_ld_name_is_a_paragraph",
        "program_pages",
        (
            loaded(
                section(json_ld=json.dumps([{"name": "We care. " * 60, "address": {"addressRegion": "VA"}}])),
                r"^organisation: 539 characters, too long for one line; dropped$",
                name2=lambda n: n.startswith("corpus"),
                state="VA",
            ),
        ),
        "JSON-LD is optional detail: the paragraph is dropped, the program is kept",
    ),
    Kind(
        "pp_json_ld_single_object",
        "program_pages",
        (
            loaded(
                section(json_ld=json.dumps({"name": "Beta Clinic", "address": {"addressRegion": "va"}})),
                name2="Beta Clinic",
                state="VA",
            ),
        ),
        "a lone block instead of a list of blocks",
    ),
    Kind(
        "pp_address_region_full_name",
        "program_pages",
        (
            loaded(
                section(json_ld=json.dumps([{"name": "Gamma", "address": {"addressRegion": "Virginia"}}])),
                r"address region: 'Virginia' is not a US state or territory; dropped",
                state=None,
            ),
        ),
        "a page's listing may have no state; the region is named in a warning",
    ),
    Kind(
        "pp_heading_in_markup",
        "program_pages",
        (
            loaded(
                section(program_name="<h2>Intensive <em>Outpatient</em> Program</h2>"),
                r"^name: HTML tags removed$",
                name="Intensive Outpatient Program",
            ),
        ),
        "formatting around a good heading",
    ),
    Kind(
        "pp_angle_brackets_kept",
        "program_pages",
        (
            loaded(
                section(schedule_text="IOP: < 20 hours a week, <Adults only>, groups 6 to 9 p.m. (a<b)"),
                schedule_text="IOP: < 20 hours a week, <Adults only>, groups 6 to 9 p.m. (a<b)",
                warnings=[],
            ),
        ),
        "angle brackets that are no tag are text",
    ),
    Kind(
        "pp_entities_in_text",
        "program_pages",
        (
            loaded(
                section(schedule_text="Groups meet Mon&ndash;Fri, 9&nbsp;a.m. to noon &amp; lunch"),
                r"^schedule text: HTML character references decoded$",
                schedule_text="Groups meet Mon\u2013Fri, 9 a.m. to noon & lunch",
            ),
        ),
        "character references are characters",
    ),
    Kind(
        "pp_schedule_text_of_2_mb",
        "program_pages",
        (rejected(section(schedule_text="We meet daily. " * 140_000), "fields.schedule_text", r"at most 100000"),),
        "a whole site in one section",
    ),
    Kind(
        "pp_long_schedule_text_under_the_limit",
        "program_pages",
        (
            loaded(
                section(schedule_text=("IOP groups meet Mondays and Thursdays from 6 to 9 p.m. " * 1700)[:90_000]),
                schedule_text=lambda t: len(t) <= 90_000,
                hours_max=6.0,
            ),
        ),
        "long but within the limit: loaded, and the hours engine reads it",
    ),
    Kind(
        "pp_source_url_not_http",
        "program_pages",
        (rejected(section(url="file:///tmp/iop.html"), "website", r"should match pattern"),),
        "a page's listing links to the page; a local file is no page",
    ),
]
