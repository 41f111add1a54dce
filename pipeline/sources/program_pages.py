"""Normalize program sections of providers' own pages (spider `program_pages`) into listings.

A section is one program: its heading is the listing's name, the organisation (schema.org
JSON-LD `name`, else the site) its second name, the page its website, the level its heading
names its level of care, and its text the schedule text the hours engine reads. Address and
phone come from JSON-LD when the page has them; most pages state no address, so such listings
have no state until linking places them.
"""

import json
from typing import Any

from pipeline.clean import clean_phone, clean_state, clean_text, clean_zip
from pipeline.errors import RejectRow
from pipeline.ids import disambiguated_id, listing_id
from pipeline.samhsa_codes import CodeReference
from pipeline.sources.common import phone_models, provenance
from schemas.listing import Listing
from schemas.raw import RawRecord
from schemas.vocab import LevelOfCare, PhoneKind

_LEVELS = {level.value for level in LevelOfCare}


def _organisation(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    # The first block that describes an organisation or place carries its name and address.
    return next((b for b in blocks if b.get("name")), {})


def normalize_section(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """Turn one program section into a listing, or raise `RejectRow`."""
    fields = record.fields
    name = clean_text(fields.get("program_name"))
    if not name:
        raise RejectRow("program_name", "section has no heading")
    text = clean_text(fields.get("schedule_text"))
    if not text:
        raise RejectRow("schedule_text", "section has no text")
    try:
        blocks = json.loads(fields.get("json_ld") or "[]")
    except json.JSONDecodeError as error:
        raise RejectRow("json_ld", f"not JSON: {error}") from error
    org = _organisation(blocks if isinstance(blocks, list) else [])
    # schema.org allows the address as text; only a PostalAddress object says which part is which.
    address = org.get("address") if isinstance(org.get("address"), dict) else {}
    state = clean_state(address.get("addressRegion")) if address else None
    zip5, warnings = clean_zip(address.get("postalCode"), state) if address.get("postalCode") else (None, [])
    phone, phone_warnings = clean_phone(org.get("telephone"), PhoneKind.MAIN) if org.get("telephone") else (None, [])
    level = fields.get("heading_level")
    base = listing_id(record.source, record.source_url, name)
    return Listing(
        listing_id=base,
        disambiguated_id=disambiguated_id(base, record.record_id),
        source=record.source,
        provenance=provenance(record, run_id),
        name=name,
        name2=clean_text(org.get("name")) or clean_text(fields.get("site")),
        street=clean_text(address.get("streetAddress")) if address else None,
        city=clean_text(address.get("addressLocality")) if address else None,
        state=state,
        zip5=zip5,
        phones=phone_models([phone] if phone else []),
        website=record.source_url,
        levels_of_care={level} if level in _LEVELS else set(),
        schedule_text=text,
        warnings=tuple(warnings + phone_warnings),
    )
