"""Lenient raw layer: records exactly as a source gave them, plus where they came from.

Spiders write one `RawRecord` per source row to a JSON-lines file. The per-source field models
(`SamhsaFacilityFields`, `ServiceCodeFields`) keep the source's own column names as aliases and
its strings as given (untrimmed); they only insist that the columns exist. Cleaning is the
normalized layer's job.

The envelope is ours, not the source's, so it is strict: every part non-empty, without control
characters or markup, and `fetched_at` a real ISO-8601 time. The cells are the source's, so they are
taken as given, with two limits that protect everything downstream: a cell is text (a string
of valid Unicode, or null) and at most `MAX_FIELD_CHARS` long.
"""

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field, StringConstraints

#: Longest cell a raw record may hold. The longest real one is 4,730 characters (a FindTreatment
#: `all_services` list; SAMHSA rows stay under 1,000, a program page's section under 400): twenty
#: times that still fits any real listing, while a page or a file dumped into one cell (a 10 MB
#: "Name2") is rejected before it reaches a listing, a warning or the database.
MAX_FIELD_CHARS = 100_000
#: Longest envelope value (URL, file name, record id, time) and column name.
MAX_ENVELOPE_CHARS = 4_096
MAX_COLUMN_CHARS = 256

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _envelope_text(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty")
    if _CONTROL.search(value):
        raise ValueError("holds control characters")
    if "<" in value:
        # No tag without "<": a URL (fetched URLs are percent-encoded), file name or id never holds
        # one, and an envelope value is stored as given, in the listing's provenance or a reject.
        raise ValueError("holds '<', the start of markup")
    return value


def _iso_time(value: str) -> str:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("is not an ISO-8601 time") from None
    return value


EnvelopeText = Annotated[str, StringConstraints(max_length=MAX_ENVELOPE_CHARS), AfterValidator(_envelope_text)]
# pydantic's own string check refuses half a surrogate pair ("\ud800" alone in the JSON), which
# no UTF-8 writer downstream could store: such a cell is rejected as "not a valid string".
ColumnName = Annotated[str, StringConstraints(max_length=MAX_COLUMN_CHARS)]
CellText = Annotated[str, StringConstraints(max_length=MAX_FIELD_CHARS)]


class RawRecord(BaseModel):
    """One source row as written by a spider, with provenance."""

    model_config = ConfigDict(extra="forbid")

    record_type: EnvelopeText = Field(description="Shape of `fields`, e.g. `samhsa_facility`.")
    source: EnvelopeText = Field(description="Source name, e.g. `samhsa_su`.")
    source_url: EnvelopeText = Field(description="URL the file or page was fetched from.")
    source_file: EnvelopeText = Field(description="File name at that URL (or the page path).")
    record_id: EnvelopeText = Field(description="Native id, or the row's position such as `Facilities List!2`.")
    fetched_at: Annotated[EnvelopeText, AfterValidator(_iso_time)] = Field(
        description="ISO-8601 UTC time the response was received."
    )
    fields: dict[ColumnName, CellText | None] = Field(description="Column name -> cell text, as given.")


class _RawFields(BaseModel):
    # Sources add columns between editions; keep them (faithful) rather than fail.
    model_config = ConfigDict(extra="allow", populate_by_name=True, str_strip_whitespace=False)


class SamhsaFacilityFields(_RawFields):
    """A row of the "Facilities List" sheet of SAMHSA's national directories."""

    name1: str = Field(alias="Name1")
    name2: str | None = Field(default=None, alias="Name2")
    street1: str | None = Field(default=None, alias="Street1")
    street2: str | None = Field(default=None, alias="Street2")
    city: str | None = Field(default=None, alias="City")
    state: str | None = Field(default=None, alias="State")
    zip: str | None = Field(default=None, alias="Zip")
    phone: str | None = Field(default=None, alias="Phone")
    intake1: str | None = Field(default=None, alias="Intake1")
    intake2: str | None = Field(default=None, alias="Intake2")
    intake1a: str | None = Field(default=None, alias="Intake1a")
    intake2a: str | None = Field(default=None, alias="Intake2a")
    service_code_info: str = Field(alias="Service_code_info")


class ServiceCodeFields(_RawFields):
    """A row of a directory's "Service Code Reference" sheet.

    The SU and MH files spell the headers differently (`category_code` vs `Category_code`);
    both spellings are accepted so the spider can keep headers exactly as given.
    """

    category_code: str = Field(validation_alias=AliasChoices("category_code", "Category_code"))
    category_name: str | None = Field(default=None, validation_alias=AliasChoices("category_name", "Category_name"))
    service_code: str = Field(validation_alias=AliasChoices("service_code", "Service_code"))
    service_name: str | None = Field(default=None, validation_alias=AliasChoices("service_name", "Service_name"))
    service_description: str | None = Field(
        default=None, validation_alias=AliasChoices("service_description", "Service_description")
    )


#: record type -> the model of its fields, for sources whose files have a header row: the header
#: must hold the columns the model requires (`missing_columns`), or every row would be rejected.
FIELD_MODELS: dict[str, type[BaseModel]] = {
    "samhsa_facility": SamhsaFacilityFields,
    "service_code": ServiceCodeFields,
}


def missing_columns(model: type[BaseModel], header: Iterable[str]) -> list[str]:
    """The columns `model` requires that `header` lacks, as the model spells them ("a or b" for alternatives)."""
    present = set(header)
    missing = []
    for name, field in model.model_fields.items():
        if not field.is_required():
            continue
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names = [choice for choice in alias.choices if isinstance(choice, str)]
        else:
            names = [alias if isinstance(alias, str) else field.alias or name]
        if present.isdisjoint(names):
            missing.append(" or ".join(names))
    return missing
