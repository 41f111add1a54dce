"""Arrow schemas of the files normalization writes and the loader reads.

Normalization streams batches of rows into Parquet with these schemas; the loader hands the
files to DuckDB in bulk. Keeping the schemas explicit means an empty batch and a full one load the
same way, and a column added here fails loudly until the DuckDB tables follow.
"""

from typing import Any

import pyarrow as pa

from schemas.listing import Listing

_text_list = pa.list_(pa.string())

PHONE_TYPE = pa.struct(
    [("e164", pa.string()), ("extension", pa.string()), ("original", pa.string()), ("kind", pa.string())]
)

SESSION_TYPE = pa.struct(
    [("day", pa.int32()), ("start_minute", pa.int32()), ("end_minute", pa.int32()), ("track", pa.string())]
)

LISTING_SCHEMA = pa.schema(
    [
        ("listing_id", pa.string()),
        ("disambiguated_id", pa.string()),
        ("source", pa.string()),
        ("name", pa.string()),
        ("name2", pa.string()),
        ("street", pa.string()),
        ("street2", pa.string()),
        ("city", pa.string()),
        ("state", pa.string()),
        ("zip5", pa.string()),
        ("phone", pa.string()),
        ("phones", pa.list_(PHONE_TYPE)),
        ("website", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("levels_of_care", _text_list),
        ("services", _text_list),
        ("payments", _text_list),
        ("payers", _text_list),
        ("populations", _text_list),
        ("hours_min", pa.float64()),
        ("hours_max", pa.float64()),
        ("hours_basis", pa.string()),
        ("hours_evidence", _text_list),
        ("schedule_text", pa.string()),
        ("schedule", pa.list_(SESSION_TYPE)),
        ("hours_level", pa.string()),
        ("name_levels", _text_list),
        ("text_levels", _text_list),
        ("php_cues", _text_list),
        ("source_codes", _text_list),
        ("warnings", _text_list),
        ("source_url", pa.string()),
        ("source_file", pa.string()),
        ("source_record_id", pa.string()),
        ("record_seq", pa.int64()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
    ]
)

REJECT_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("record_type", pa.string()),
        ("source_url", pa.string()),
        ("source_file", pa.string()),
        ("source_record_id", pa.string()),
        ("record_seq", pa.int64()),
        ("field", pa.string()),
        ("message", pa.string()),
        ("raw", pa.string()),
    ]
)

CODE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("category_code", pa.string()),
        ("category_name", pa.string()),
        ("code", pa.string()),
        ("label", pa.string()),
        ("description", pa.string()),
        ("vocabulary", _text_list),
    ]
)


def _values(values: frozenset[str]) -> list[str]:
    # Sets are stored as sorted lists, so identical content is always stored identically.
    return sorted(str(v) for v in values)


def listing_row(listing: Listing, record_seq: int) -> dict[str, Any]:
    """Flatten a listing into a row of LISTING_SCHEMA.

    Read straight from the attributes: this runs once per listing and `model_dump` costs more
    than all of it; `tests/test_tables.py` checks it agrees with `model_dump(mode="json")`.
    """
    provenance = listing.provenance
    return {
        "listing_id": listing.listing_id,
        "disambiguated_id": listing.disambiguated_id,
        "source": listing.source,
        "name": listing.name,
        "name2": listing.name2,
        "street": listing.street,
        "street2": listing.street2,
        "city": listing.city,
        "state": listing.state,
        "zip5": listing.zip5,
        "phone": listing.phone,
        "phones": [
            {"e164": p.e164, "extension": p.extension, "original": p.original, "kind": str(p.kind)}
            for p in listing.phones
        ],
        "website": listing.website,
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "levels_of_care": _values(listing.levels_of_care),
        "services": _values(listing.services),
        "payments": _values(listing.payments),
        "payers": list(listing.payers),
        "populations": _values(listing.populations),
        "hours_min": listing.hours_min,
        "hours_max": listing.hours_max,
        "hours_basis": str(listing.hours_basis),
        "hours_evidence": list(listing.hours_evidence),
        "schedule_text": listing.schedule_text,
        "schedule": [
            {"day": s.day, "start_minute": s.start_minute, "end_minute": s.end_minute, "track": s.track}
            for s in listing.schedule
        ],
        "hours_level": str(listing.hours_level) if listing.hours_level is not None else None,
        "name_levels": _values(listing.name_levels),
        "text_levels": _values(listing.text_levels),
        "php_cues": list(listing.php_cues),
        "source_codes": list(listing.source_codes),
        "warnings": list(listing.warnings),
        "source_url": provenance.source_url,
        "source_file": provenance.source_file,
        "source_record_id": provenance.record_id,
        "record_seq": record_seq,
        "fetched_at": provenance.fetched_at,
        "run_id": provenance.run_id,
    }
