"""Lenient raw layer: records exactly as a source gave them, plus where they came from.

Spiders write one `RawRecord` per source row to a JSON-lines file. The per-source field models
(`SamhsaFacilityFields`, `ServiceCodeFields`) keep the source's own column names as aliases and
its strings as given (untrimmed); they only insist that the columns exist. Cleaning is the
normalized layer's job.
"""

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class RawRecord(BaseModel):
    """One source row as written by a spider, with provenance."""

    model_config = ConfigDict(extra="forbid")

    record_type: str = Field(description="Shape of `fields`, e.g. `samhsa_facility`.")
    source: str = Field(description="Source name, e.g. `samhsa_su`.")
    source_url: str = Field(description="URL the file or page was fetched from.")
    source_file: str = Field(description="File name at that URL (or the page path).")
    record_id: str = Field(description="Native id, or the row's position such as `Facilities List!2`.")
    fetched_at: str = Field(description="ISO-8601 UTC time the response was received.")
    fields: dict[str, str | None] = Field(description="Column name -> cell text, as given.")


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
