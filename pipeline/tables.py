"""Arrow schemas of the files normalization writes and the loader reads.

Normalization streams batches of rows into Parquet with these schemas; the loader hands the
files to DuckDB in bulk. Keeping the schemas fixed, not inferred from the rows, means an empty
batch and a full one load the same way. The listing's columns are derived from the `Listing`
model, once: the Parquet schema, the columns the store loads and its `listings` view, and the
order of the bulk path's output all come from here, and a field added to the model fails tests
until `listing_row` and the `listing_records` table follow.
"""

from datetime import datetime
from enum import Enum
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import pyarrow as pa
from pydantic import BaseModel

from schemas.listing import Listing, Phone, Provenance, ScheduleSession

_text_list = pa.list_(pa.string())

# The Arrow type of each scalar a model field may hold. Integers are the small counts of a
# schedule (days, minutes), so 32 bits; enums are stored as their text.
_SCALARS: dict[type, pa.DataType] = {
    str: pa.string(),
    float: pa.float64(),
    int: pa.int32(),
    bool: pa.bool_(),
    datetime: pa.timestamp("us", tz="UTC"),
}


def arrow_type(annotation: Any) -> pa.DataType:
    """The Arrow type of a model field's annotation.

    Constraints (`Annotated`) and optionality are looked through; tuples and frozensets become
    lists, nested models structs of their fields, enums text.
    """
    origin = get_origin(annotation)
    if origin is Annotated:
        return arrow_type(get_args(annotation)[0])
    if origin in (Union, UnionType):
        kinds = [a for a in get_args(annotation) if a is not type(None)]
        if len(kinds) != 1:
            raise TypeError(f"no single Arrow type for {annotation!r}")
        return arrow_type(kinds[0])
    if origin in (tuple, frozenset):
        return pa.list_(arrow_type(get_args(annotation)[0]))
    if origin is not None:
        raise TypeError(f"no Arrow type for {annotation!r}")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct([(name, arrow_type(info.annotation)) for name, info in annotation.model_fields.items()])
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return pa.string()
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise TypeError(f"no Arrow type for {annotation!r}")


PHONE_TYPE = arrow_type(Phone)
SESSION_TYPE = arrow_type(ScheduleSession)


def _listing_fields() -> list[tuple[str, pa.DataType]]:
    """The columns of a listing's row, in order, from the `Listing` model's fields.

    The model's fields in its order, with the main number (the model's `phone` property) just
    before the list of phones; then the provenance, flattened, its `record_id` named
    `source_record_id` and followed by the row's place in its file (`record_seq`).
    """
    columns: list[tuple[str, pa.DataType]] = []
    for name, info in Listing.model_fields.items():
        if name == "provenance":
            continue
        if name == "phones":
            columns.append(("phone", arrow_type(get_type_hints(Listing.phone.fget)["return"])))
        columns.append((name, arrow_type(info.annotation)))
    for name, info in Provenance.model_fields.items():
        if name == "record_id":
            columns += [("source_record_id", arrow_type(info.annotation)), ("record_seq", pa.int64())]
        else:
            columns.append((name, arrow_type(info.annotation)))
    return columns


#: The Parquet row of a listing: the `Listing` model's fields (see `_listing_fields`).
LISTING_SCHEMA = pa.schema(_listing_fields())

#: Columns of the row only the load reads on the way in: the id to use where rows share a base id,
#: the row's place in its file, and the normalizing run (the store records its own runs).
STAGING_COLUMNS = ("disambiguated_id", "record_seq", "run_id")

#: What a stored listing says, in the order of the `listing_records` table and the `listings` view.
LISTING_COLUMNS = tuple(name for name in LISTING_SCHEMA.names if name not in STAGING_COLUMNS)

#: The components of each listing's street address (`pipeline.clean.street`), last in the
#: `listings` view (`pipeline.store.schema`); NULL on rows an older version wrote until the next
#: load or link has split and parsed them.
STREET_COLUMNS = (
    "street_number",
    "street_predirectional",
    "street_name",
    "street_suffix",
    "street_postdirectional",
    "street_unit",
    "street_parser",
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
        "payer_evidence": list(listing.payer_evidence),
        "payer_notes": list(listing.payer_notes),
        "populations": _values(listing.populations),
        "service_evidence": list(listing.service_evidence),
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
