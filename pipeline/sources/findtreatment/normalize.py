"""Normalize rows of SAMHSA's FindTreatment.gov locator (source `findtreatment`) into listings.

The locator names services by label, under a category key (`services`: `f1` category name, `f2`
category key, `f3` labels joined with "; "), or, in flattened exports, by label alone
(`all_services`). Labels are read back into SAMHSA codes by `pipeline.sources.findtreatment.labels`, and
codes into the vocabulary by `pipeline.sources.samhsa.codes.CODE_MAP`, as for the national directories.
A label that maps to no code is never dropped: it is kept in `source_codes` as `label:<text>`
and named in the listing's warnings.
"""

import json

from pipeline.clean import clean_text, plain_text, quoted
from pipeline.errors import RejectRow
from pipeline.sources.common import left_out_fields
from pipeline.sources.findtreatment.labels import LABEL_CODES, codes_for_label
from pipeline.sources.samhsa.codes import CodeReference
from pipeline.sources.skeleton import Draft, Identity, SourceFields, SourceNormalizer, Terms, address_key
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


class FindTreatmentNormalizer(SourceNormalizer[FindTreatmentFacilityFields]):
    """A locator row, in any of its shapes (`schemas.raw_findtreatment`)."""

    name_column = "name1"
    state_column = "state"
    raw_model = FindTreatmentFacilityFields

    def fields(self, row: FindTreatmentFacilityFields) -> SourceFields:
        """Name, address, phones, coordinates and website, in the listing's terms."""
        return SourceFields(
            text={
                "name": row.name1,
                "name2": row.name2,
                "street": row.street1,
                "street2": row.street2,
                "city": row.city,
            },
            state=row.state,
            zip=row.zip,
            # hotline1 is a crisis line of the provider, not a way into the program: it stays in the raw layer.
            phones=((row.phone, PhoneKind.MAIN), (row.intake1, PhoneKind.INTAKE), (row.intake2, PhoneKind.INTAKE)),
            latitude=row.latitude,
            longitude=row.longitude,
            website=row.website,
        )

    def terms(self, row: FindTreatmentFacilityFields, draft: Draft, codes: CodeReference) -> Terms:
        """Service labels read back into codes; unknown labels are kept as `label:<text>` and named in a warning.

        `codes` (the source's own code reference) is unused: the locator gives labels, read with
        `pipeline.sources.findtreatment.labels` instead.
        """
        found, unknown, warnings = map_labels(service_labels(row))
        mapped = LABEL_CODES.map(" ".join(found))
        source_codes = (*mapped.codes, *(UNKNOWN_LABEL_PREFIX + label for label in unknown))
        return Terms.from_codes(mapped, source_codes=source_codes, warnings=warnings)

    def identity(self, row: FindTreatmentFacilityFields, draft: Draft) -> Identity:
        """The frid when the row has one, else name, address and main phone; never the query's own keys."""
        frid = clean_text(row.frid)
        key = (frid,) if frid else address_key(draft)
        # What the base id leaves out; tells apart distinct rows that share it.
        left_out = ({"frid"} if frid else _IDENTITY_KEYS) | _QUERY_KEYS
        return Identity(key, left_out_fields(draft.record.fields, left_out))


_NORMALIZER = FindTreatmentNormalizer()


def normalize_facility(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """Turn one FindTreatment.gov row into a listing, or raise `RejectRow`.

    `codes` is unused (see `FindTreatmentNormalizer.terms`); the parameter keeps the signature of
    every normalizer.
    """
    return _NORMALIZER.normalize(record, codes, run_id)
