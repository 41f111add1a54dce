"""Normalize program sections of providers' own pages (spider `program_pages`) into listings.

A section is one program: its heading is the listing's name, the organisation (schema.org
JSON-LD `name`, else the site) its second name, the page its website, the level its heading
names its level of care, and its text the schedule text the hours engine reads. Address and
phone come from JSON-LD when the page has them; most pages state no address, so such listings
have no state until linking places them.
"""

import json
from typing import Any

from pipeline.clean import clean_phone, clean_state, clean_zip, state_problem
from pipeline.errors import RejectRow
from pipeline.ids import disambiguated_id, listing_id
from pipeline.sources.common import phone_models, provenance, require_name, text_fields
from pipeline.sources.samhsa.codes import CodeReference
from schemas.listing import MAX_LINE_CHARS, Listing
from schemas.raw import RawRecord
from schemas.vocab import LevelOfCare, PhoneKind

_LEVELS = {level.value for level in LevelOfCare}


def _ld_text(value: Any) -> str | None:
    """A JSON-LD value as text: pages write numbers ("postalCode": 22902) and lists of phones too."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return next((text for item in value if (text := _ld_text(item)) is not None), None)
    return None  # objects, booleans, null: no text


def _blocks(json_ld: str | None) -> list[dict[str, Any]]:
    """The page's JSON-LD blocks (the spider writes a list; a lone object counts as one block)."""
    try:
        blocks = json.loads(json_ld or "[]")
    except ValueError as error:  # not JSON, or an integer too long for Python to read
        raise RejectRow("json_ld", f"not JSON: {error}") from error
    except RecursionError:
        raise RejectRow("json_ld", "not JSON that can be read: nested too deeply") from None
    if isinstance(blocks, dict):
        blocks = [blocks]
    return [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []


def _organisation(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    # The first block that describes an organisation or place carries its name and address.
    return next((b for b in blocks if _ld_text(b.get("name"))), {})


def normalize_section(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """Turn one program section into a listing, or raise `RejectRow`."""
    fields = record.fields
    org = _organisation(_blocks(fields.get("json_ld")))
    # schema.org allows the address as text; only a PostalAddress object says which part is which.
    address = org.get("address") if isinstance(org.get("address"), dict) else {}
    text, warnings = text_fields(
        {
            "name": fields.get("program_name"),
            "schedule text": fields.get("schedule_text"),
            "organisation": _ld_text(org.get("name")),
            "site": fields.get("site"),
            "street": _ld_text(address.get("streetAddress")),
            "city": _ld_text(address.get("addressLocality")),
        }
    )
    name = require_name(text["name"], "program_name", "section heading")
    for label in ("organisation", "street", "city"):
        # JSON-LD is optional detail: a "name" that is a paragraph is dropped, not the program.
        if (value := text[label]) and len(value) > MAX_LINE_CHARS:
            warnings.append(f"{label}: {len(value):,} characters, too long for one line; dropped")
            text[label] = None
    schedule = text["schedule text"]
    if not schedule:
        raise RejectRow("schedule_text", "section has no text")
    region = _ld_text(address.get("addressRegion"))
    state = clean_state(region)
    if region is not None and state is None:
        warnings.append(f"address region: {state_problem(region)}; dropped")
    postal_code = _ld_text(address.get("postalCode"))
    zip5, zip_warnings = clean_zip(postal_code, state) if postal_code else (None, [])
    telephone = _ld_text(org.get("telephone"))
    phone, phone_warnings = clean_phone(telephone, PhoneKind.MAIN) if telephone else (None, [])
    level = fields.get("heading_level")
    base = listing_id(record.source, record.source_url, name)
    return Listing(
        listing_id=base,
        disambiguated_id=disambiguated_id(base, record.record_id),
        source=record.source,
        provenance=provenance(record, run_id),
        name=name,
        name2=text["organisation"] or text["site"],
        street=text["street"],
        city=text["city"],
        state=state,
        zip5=zip5,
        phones=phone_models([phone] if phone else []),
        website=record.source_url,
        levels_of_care={level} if level in _LEVELS else set(),
        schedule_text=schedule,
        warnings=tuple(warnings + zip_warnings + phone_warnings),
    )
