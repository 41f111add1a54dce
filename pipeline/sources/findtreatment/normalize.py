"""Normalize rows of SAMHSA's FindTreatment.gov locator (source `findtreatment`) into listings.

The locator names services by label, under a category key (`services`: `f1` category name, `f2`
category key, `f3` labels joined with "; "), or, in flattened exports, by label alone
(`all_services`). Labels are read back into SAMHSA codes by `pipeline.sources.findtreatment.labels`, and
codes into the vocabulary by `pipeline.sources.samhsa.codes.CODE_MAP`, as for the national directories.
A label that maps to no code is never dropped: it is kept in `source_codes` as `label:<text>`
and named in the listing's warnings.
"""

import json
from urllib.parse import urlsplit

from pipeline.clean import (
    CleanPhone,
    clean_coordinates,
    clean_state,
    clean_text,
    clean_zip,
    has_markup,
    identity_text,
    plain_text,
    quoted,
    state_problem,
)
from pipeline.errors import RejectRow
from pipeline.ids import disambiguated_id, listing_id
from pipeline.sources.common import (
    collect_phones,
    left_out_fields,
    phone_models,
    provenance,
    require_name,
    text_fields,
)
from pipeline.sources.findtreatment.labels import LABEL_CODES, codes_for_label
from pipeline.sources.samhsa.codes import CodeReference
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
        except RecursionError:
            raise RejectRow("services", "not JSON that can be read: nested too deeply") from None
        if not isinstance(entries, list):
            raise RejectRow("services", "not a list of {f1, f2, f3} entries")
        for entry in entries:
            if not isinstance(entry, dict):
                raise RejectRow("services", f"entry {quoted(entry)} is not an object")
            f2 = entry.get("f2")
            category = plain_text(f2) if isinstance(f2, str) else None
            labels += [(category, label) for label in _split(entry.get("f3"))]
    elif row.all_services is not None:
        labels += [(None, label) for label in _split(row.all_services)]
    return labels


def _split(text: object) -> list[str]:
    if not isinstance(text, str):
        return []
    # Labels are matched, never shown as written: markup around one ("<b>Detox</b>") is dropped.
    return [label for part in text.split(";") if (label := plain_text(part))]


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
    shown = "; ".join(unknown)
    shown = shown if len(shown) <= 1000 else f"{shown[:1000]}… ({len(unknown)} labels)"
    warnings = [f"service labels with no SAMHSA code, kept as labels: {shown}"] if unknown else []
    return codes, unknown, warnings


def website(value: str | None) -> tuple[str | None, list[str]]:
    """The website if it is an http(s) URL with a host name, else None with a warning.

    Scheme-less ("www.x.org"), javascript:, ftp: and mailto: values are dropped, not repaired:
    a link the directory publishes must work as given.
    """
    text = clean_text(value)
    if text is None:
        return None, []
    shown = quoted(text) if not has_markup(text) else "with HTML markup"
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:  # "http://[x" and other unparseable netlocs
        return None, [f"website {shown} is not an http(s) URL; dropped"]
    if parts.scheme.lower() not in {"http", "https"} or any(c.isspace() for c in text):
        return None, [f"website {shown} is not an http(s) URL; dropped"]
    # A host has a dot and no characters a host cannot have ("http://<script>", "http://a b").
    if "." not in host or not all(c.isalnum() or c in ".-" for c in host):
        return None, [f"website {shown} has no valid host name; dropped"]
    return parts.scheme.lower() + text[len(parts.scheme) :], []


def _phones(row: FindTreatmentFacilityFields) -> tuple[list[CleanPhone], list[str]]:
    # hotline1 is a crisis line of the provider, not a way into the program: it stays in the raw layer.
    return collect_phones(
        ((row.phone, PhoneKind.MAIN), (row.intake1, PhoneKind.INTAKE), (row.intake2, PhoneKind.INTAKE))
    )


def normalize_facility(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """Turn one FindTreatment.gov row into a listing, or raise `RejectRow`.

    `codes` (the source's own code reference) is unused: the locator gives labels, read with
    `pipeline.sources.findtreatment.labels` instead. The parameter keeps the signature of every normalizer.
    """
    row = FindTreatmentFacilityFields.model_validate(record.fields)
    text, warnings = text_fields(
        {"name": row.name1, "name2": row.name2, "street": row.street1, "street2": row.street2, "city": row.city}
    )
    name = require_name(text["name"], "name1", "facility name")
    state = clean_state(row.state)
    if not state:
        raise RejectRow("state", state_problem(row.state))
    zip5, zip_warnings = clean_zip(row.zip, state)
    warnings += zip_warnings
    phones, phone_warnings = _phones(row)
    warnings += phone_warnings
    latitude, longitude, coordinate_warnings = clean_coordinates(row.latitude, row.longitude, state)
    warnings += coordinate_warnings
    site, website_warnings = website(row.website)
    warnings += website_warnings
    found, unknown, label_warnings = map_labels(service_labels(row))
    warnings += label_warnings
    mapped = LABEL_CODES.map(" ".join(found))

    name2, street, street2, city = text["name2"], text["street"], text["street2"], text["city"]
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
        website=site,
        latitude=latitude,
        longitude=longitude,
        levels_of_care=frozenset(mapped.terms["levels_of_care"]),
        services=frozenset(mapped.terms["services"]),
        payments=frozenset(mapped.terms["payments"]),
        populations=frozenset(mapped.terms["populations"]),
        source_codes=(*mapped.codes, *(UNKNOWN_LABEL_PREFIX + label for label in unknown)),
        warnings=tuple(warnings),
    )
