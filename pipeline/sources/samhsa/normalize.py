"""Normalize rows of SAMHSA's national directories (SU and MH) into listings."""

from pipeline.clean import CleanPhone, clean_state, clean_zip, identity_text, plain_text, quoted, state_problem
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
from pipeline.sources.samhsa.codes import CodeEntry, CodeReference
from schemas.listing import Listing
from schemas.raw import RawRecord, SamhsaFacilityFields, ServiceCodeFields
from schemas.vocab import PhoneKind

#: The row's phone columns, in the order its numbers are listed: the main number, then intake lines.
PHONE_COLUMNS = (
    ("Phone", PhoneKind.MAIN),
    ("Intake1", PhoneKind.INTAKE),
    ("Intake2", PhoneKind.INTAKE),
    ("Intake1a", PhoneKind.INTAKE),
    ("Intake2a", PhoneKind.INTAKE),
)
#: The columns a row's identity is built from; the others tell apart distinct rows that share it.
IDENTITY_COLUMNS = ("Name1", "Name2", "Street1", "Street2", "City", "State", "Zip", "Phone")
_ATTRIBUTE = {field.alias: name for name, field in SamhsaFacilityFields.model_fields.items()}


def code_entry(record: RawRecord) -> CodeEntry:
    """Read one row of a "Service Code Reference" sheet."""
    row = ServiceCodeFields.model_validate(record.fields)
    # plain_text: the reference is shown to maintainers as it is; markup would only be in the way.
    code = (plain_text(row.service_code) or "").upper()
    if not code:
        raise RejectRow("service_code", "empty code")
    if len(code.split()) != 1:
        raise RejectRow("service_code", f"{quoted(code)} is not one code")
    return CodeEntry(
        category_code=(plain_text(row.category_code) or "").upper(),
        category_name=plain_text(row.category_name) or "",
        code=code,
        label=plain_text(row.service_name) or "",
        description=plain_text(row.service_description) or "",
    )


def _phones(row: SamhsaFacilityFields) -> tuple[list[CleanPhone], list[str]]:
    candidates = [(getattr(row, _ATTRIBUTE[column]), kind) for column, kind in PHONE_COLUMNS]
    return collect_phones(candidates)


def normalize_facility(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """Turn one "Facilities List" row into a listing, or raise `RejectRow`."""
    row = SamhsaFacilityFields.model_validate(record.fields)
    text, warnings = text_fields(
        {"name": row.name1, "name2": row.name2, "street": row.street1, "street2": row.street2, "city": row.city}
    )
    name = require_name(text["name"], "Name1", "facility name")
    state = clean_state(row.state)
    if not state:
        raise RejectRow("State", state_problem(row.state))
    zip5, zip_warnings = clean_zip(row.zip, state)
    warnings += zip_warnings
    phones, phone_warnings = _phones(row)
    warnings += phone_warnings
    # Codes are letters and digits: markup around them ("<b>OP</b>") and control characters
    # inside them are not part of any code.
    mapped = codes.map(plain_text(row.service_code_info) or "")
    if mapped.unknown:
        unknown = " ".join(mapped.unknown)
        if len(unknown) > 300:  # a row of garbage "codes" makes one bounded warning
            unknown = f"{unknown[:300]}… ({len(mapped.unknown)} codes)"
        warnings.append(f"codes not in the directory's code reference: {unknown}")

    name2, street, street2, city = text["name2"], text["street"], text["street2"], text["city"]
    main_phone = next((p.e164 for p in phones if p.kind is PhoneKind.MAIN), "")
    base_id = listing_id(
        record.source,
        *(identity_text(v) for v in (name, name2, street, street2, city)),
        state,
        zip5 or "",
        main_phone,
    )
    # What the identity leaves out; tells apart distinct rows that share name, address and phone.
    rest = left_out_fields(record.fields, IDENTITY_COLUMNS)
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
        levels_of_care=frozenset(mapped.terms["levels_of_care"]),
        services=frozenset(mapped.terms["services"]),
        payments=frozenset(mapped.terms["payments"]),
        populations=frozenset(mapped.terms["populations"]),
        source_codes=tuple(mapped.codes),
        warnings=tuple(warnings),
    )
