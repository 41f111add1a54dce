"""Normalize rows of SAMHSA's national directories (SU and MH) into listings.

What is SAMHSA's own: the columns (`SamhsaFacilityFields`), the service codes read through the
directory's code reference, and the identity built from name, address and main phone. The steps
every source shares are `pipeline.sources.skeleton`.
"""

from pipeline.clean import plain_text, quoted
from pipeline.errors import RejectRow
from pipeline.sources.common import left_out_fields
from pipeline.sources.samhsa.codes import CodeEntry, CodeReference
from pipeline.sources.skeleton import Draft, Identity, SourceFields, SourceNormalizer, Terms, address_key
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


class SamhsaNormalizer(SourceNormalizer[SamhsaFacilityFields]):
    """A "Facilities List" row: one facility of the SU or MH directory."""

    name_column = "Name1"
    state_column = "State"
    raw_model = SamhsaFacilityFields

    def fields(self, row: SamhsaFacilityFields) -> SourceFields:
        """Name, address and phone columns, in the listing's terms."""
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
            phones=[(getattr(row, _ATTRIBUTE[column]), kind) for column, kind in PHONE_COLUMNS],
        )

    def terms(self, row: SamhsaFacilityFields, draft: Draft, codes: CodeReference) -> Terms:
        """`Service_code_info` read through the directory's code reference; unknown codes make one warning."""
        # Codes are letters and digits: markup around them ("<b>OP</b>") and control characters
        # inside them are not part of any code.
        mapped = codes.map(plain_text(row.service_code_info) or "")
        warnings = []
        if mapped.unknown:
            unknown = " ".join(mapped.unknown)
            if len(unknown) > 300:  # a row of garbage "codes" makes one bounded warning
                unknown = f"{unknown[:300]}… ({len(mapped.unknown)} codes)"
            warnings.append(f"codes not in the directory's code reference: {unknown}")
        return Terms.from_codes(mapped, warnings=warnings)

    def identity(self, row: SamhsaFacilityFields, draft: Draft) -> Identity:
        """Name, address and main phone (the directory has no facility id); the other columns tell rows apart."""
        return Identity(address_key(draft), left_out_fields(draft.record.fields, IDENTITY_COLUMNS))


_NORMALIZER = SamhsaNormalizer()


def normalize_facility(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """Turn one "Facilities List" row into a listing, or raise `RejectRow`."""
    return _NORMALIZER.normalize(record, codes, run_id)
