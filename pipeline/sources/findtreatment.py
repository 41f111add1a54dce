"""Normalize rows of SAMHSA's FindTreatment.gov locator (source `findtreatment`) into listings.

The locator names services by label, under a category key (`services`: `f1` category name, `f2`
category key, `f3` labels joined with "; "), or, in flattened exports, by label alone
(`all_services`). Labels are read back into SAMHSA codes by `pipeline.findtreatment_labels`, and
codes into the vocabulary by `pipeline.samhsa_codes.CODE_MAP`, as for the national directories.
A label that maps to no code is never dropped: it is kept in `source_codes` as `label:<text>`
and named in the listing's warnings.
"""

import json
import math
import re

from pipeline.clean import CleanPhone, clean_state, clean_text, clean_zip, identity_text
from pipeline.errors import RejectRow
from pipeline.findtreatment_labels import LABEL_CODES, codes_for_label
from pipeline.ids import disambiguated_id, listing_id
from pipeline.samhsa_codes import CodeReference
from pipeline.sources.common import collect_phones, left_out_fields, phone_models, provenance
from schemas.listing import Listing
from schemas.raw import RawRecord
from schemas.raw_findtreatment import FindTreatmentFacilityFields
from schemas.vocab import PhoneKind

#: Prefix of a `source_codes` entry that is a label no code could be found for.
UNKNOWN_LABEL_PREFIX = "label:"

#: Row keys that make up the identity when there is no frid, and keys that depend on the query,
#: not the facility (`_irow` is the position in the answer, `miles` the distance from the searched
#: address), which must never tell two rows apart.
_IDENTITY_KEYS = frozenset({"name1", "name", "name2", "street1", "address", "street2", "city", "state", "zip", "phone"})
_QUERY_KEYS = frozenset({"_irow", "miles"})
_WEBSITE = re.compile(r"^https?://\S+$", re.IGNORECASE)


def service_labels(row: FindTreatmentFacilityFields) -> list[tuple[str | None, str]]:
    """(category key or None, label) for every service label of a row, in row order.

    Raises `RejectRow` when `services` is not the JSON list the spider writes.
    """
    labels: list[tuple[str | None, str]] = []
    if row.services is not None:
        try:
            entries = json.loads(row.services)
        except ValueError as error:
            raise RejectRow("services", f"not JSON: {error}") from error
        if not isinstance(entries, list):
            raise RejectRow("services", "not a list of {f1, f2, f3} entries")
        for entry in entries:
            if not isinstance(entry, dict):
                raise RejectRow("services", f"entry {entry!r} is not an object")
            category = clean_text(str(entry.get("f2") or "")) or None
            labels += [(category, label) for label in _split(entry.get("f3"))]
    elif row.all_services is not None:
        labels += [(None, label) for label in _split(row.all_services)]
    return labels


def _split(text: object) -> list[str]:
    if not isinstance(text, str):
        return []
    return [label for part in text.split(";") if (label := clean_text(part))]


def map_labels(labels: list[tuple[str | None, str]]) -> tuple[list[str], list[str], list[str]]:
    """Codes (in row order, deduplicated), the unknown labels, and warnings about them."""
    codes: list[str] = []
    unknown: list[str] = []
    for category, label in labels:
        pairs = codes_for_label(label, category)
        if not pairs:
            if label not in unknown:
                unknown.append(label)
            continue
        for _, code in pairs:
            if code not in codes:
                codes.append(code)
    warnings = [f"service labels with no SAMHSA code, kept as labels: {'; '.join(unknown)}"] if unknown else []
    return codes, unknown, warnings


def _coordinates(row: FindTreatmentFacilityFields) -> tuple[float | None, float | None, list[str]]:
    """Latitude and longitude from their strings; both or neither, since one alone places nothing."""
    lat_text, lon_text = clean_text(row.latitude), clean_text(row.longitude)
    if lat_text is None and lon_text is None:
        return None, None, []
    try:
        lat, lon = float(lat_text or ""), float(lon_text or "")
    except ValueError:
        return None, None, [f"coordinates ({row.latitude!r}, {row.longitude!r}) are not numbers; dropped"]
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None, [f"coordinates ({lat_text}, {lon_text}) are out of range; dropped"]
    if lat == 0 and lon == 0:
        # 0,0 is in the Gulf of Guinea: a placeholder, not a US facility.
        return None, None, ["coordinates (0, 0) are a placeholder; dropped"]
    return lat, lon, []


def _website(value: str | None) -> tuple[str | None, list[str]]:
    text = clean_text(value)
    if text is None:
        return None, []
    if _WEBSITE.match(text):
        return text, []
    return None, [f"website {text!r} is not an http(s) URL; dropped"]


def _phones(row: FindTreatmentFacilityFields) -> tuple[list[CleanPhone], list[str]]:
    # hotline1 is a crisis line of the provider, not a way into the program: it stays in the raw layer.
    return collect_phones(
        ((row.phone, PhoneKind.MAIN), (row.intake1, PhoneKind.INTAKE), (row.intake2, PhoneKind.INTAKE))
    )


def normalize_facility(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """Turn one FindTreatment.gov row into a listing, or raise `RejectRow`.

    `codes` (the source's own code reference) is unused: the locator gives labels, read with
    `pipeline.findtreatment_labels` instead. The parameter keeps the signature of every normalizer.
    """
    row = FindTreatmentFacilityFields.model_validate(record.fields)
    name = clean_text(row.name1)
    if not name:
        raise RejectRow("name1", "facility name is empty")
    state = clean_state(row.state)
    if not state:
        raise RejectRow("state", f"{row.state!r} is not a US state or territory")
    zip5, warnings = clean_zip(row.zip, state)
    phones, phone_warnings = _phones(row)
    warnings += phone_warnings
    latitude, longitude, coordinate_warnings = _coordinates(row)
    warnings += coordinate_warnings
    website, website_warnings = _website(row.website)
    warnings += website_warnings
    found, unknown, label_warnings = map_labels(service_labels(row))
    warnings += label_warnings
    mapped = LABEL_CODES.map(" ".join(found))

    name2, street, street2, city = (clean_text(v) for v in (row.name2, row.street1, row.street2, row.city))
    frid = clean_text(row.frid)
    if frid:
        base_id = listing_id(record.source, frid)
    else:
        main_phone = next((p.e164 for p in phones if p.kind is PhoneKind.MAIN), "")
        base_id = listing_id(
            record.source,
            *(identity_text(v) for v in (name, name2, street, street2, city)),
            state,
            zip5 or "",
            main_phone,
        )
    # What the base id leaves out; tells apart distinct rows that share it.
    left_out = ({"frid"} if frid else _IDENTITY_KEYS) | _QUERY_KEYS
    rest = left_out_fields(record.fields, left_out)
    return Listing(
        listing_id=base_id,
        disambiguated_id=disambiguated_id(base_id, rest),
        source=record.source,
        provenance=provenance(record, run_id),
        name=name,
        name2=name2,
        street=street,
        street2=street2,
        city=city,
        state=state,
        zip5=zip5,
        phones=phone_models(phones),
        website=website,
        latitude=latitude,
        longitude=longitude,
        levels_of_care=frozenset(mapped.terms["levels_of_care"]),
        services=frozenset(mapped.terms["services"]),
        payments=frozenset(mapped.terms["payments"]),
        populations=frozenset(mapped.terms["populations"]),
        source_codes=(*mapped.codes, *(UNKNOWN_LABEL_PREFIX + label for label in unknown)),
        warnings=tuple(warnings),
    )
