"""Lenient raw fields of a FindTreatment.gov locator row (SAMHSA's online treatment locator).

Three shapes reach the raw layer, all written by the `findtreatment` spider with keys as given:

- the `/locator/listing` rows of 2019 (`frid`, `typeFacility`, `miles`, `services` list);
- the `/locator/exportsAsJson/v2` rows (`type_facility`, `services` list; `frid` may be absent);
- a flattened republication of a v2 export (`name` instead of `name1`, the `f3` labels of all
  services joined with "; " in `all_services`, the categories lost).

`services` arrives as JSON text (the raw envelope holds strings only), with each entry's
`f1`/`f2`/`f3` exactly as the locator gave them. Latitude and longitude are strings in every shape.
"""

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class FindTreatmentFacilityFields(BaseModel):
    """One facility row of the FindTreatment.gov locator, in any of the shapes above."""

    # The locator adds keys between versions (miles, hotline1, _irow); keep them rather than fail.
    model_config = ConfigDict(extra="allow", populate_by_name=True, str_strip_whitespace=False)

    frid: str | None = Field(default=None, description="The locator's facility id (2019 listing), if given.")
    name1: str | None = Field(default=None, validation_alias=AliasChoices("name1", "name"))
    name2: str | None = None
    street1: str | None = Field(default=None, validation_alias=AliasChoices("street1", "address"))
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    phone: str | None = None
    intake1: str | None = None
    intake2: str | None = None
    hotline1: str | None = None
    website: str | None = None
    latitude: str | None = None
    longitude: str | None = None
    type_facility: str | None = Field(default=None, validation_alias=AliasChoices("type_facility", "typeFacility"))
    services: str | None = Field(default=None, description='JSON text: [{"f1": ..., "f2": ..., "f3": ...}, ...].')
    all_services: str | None = Field(default=None, description='Flattened shape: every f3 label, joined with "; ".')
