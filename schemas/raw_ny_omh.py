"""Lenient raw fields of New York OMH's "Local Mental Health Programs" (data.ny.gov dataset 6nvr-tbv8).

The dataset reaches us under two spellings of its column names: the portal's CSV export uses the
display names, most with a leading space (`" Program Name"`, `"  Program Address 1"`), while the
Socrata API (`/resource/6nvr-tbv8.csv`) uses field names (`program_name`, `program_address_1`).
Socrata derives a field name from the display name by lower-casing it and joining its words with
`_`, so both spellings fold to the same key with `column_key`; the model is written in those keys.
Values stay exactly as given (untrimmed); cleaning is the normalized layer's job.
"""

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

_NON_WORD = re.compile(r"[^a-z0-9]+")


def column_key(name: str) -> str:
    """Fold a column name to Socrata's field-name form: `"  Program Address 1"` -> `program_address_1`."""
    return _NON_WORD.sub("_", name.strip().lower()).strip("_")


class NyOmhProgramFields(BaseModel):
    """One row of the dataset: a program of a facility of an agency licensed or funded by OMH.

    Facility Code + Program Code identify a program (unique in the 2022-05 snapshot). Columns
    the model does not name are kept (extra="allow") so a new edition's columns are not lost.
    """

    model_config = ConfigDict(extra="allow", str_strip_whitespace=False)

    row_created_date_time: str | None = None
    sponsor_name: str | None = None
    sponsor_code: str | None = None
    agency_name: str | None = None
    agency_code: str | None = None
    facility_name: str | None = None
    facility_code: str
    program_name: str
    program_code: str
    populations_served: str | None = None
    agency_phone: str | None = None
    program_phone: str | None = None
    program_address_1: str | None = None
    program_address_2: str | None = None
    program_city: str | None = None
    program_state: str | None = None
    program_zip: str | None = None
    operating_certificate_required: str | None = None
    program_tier: str | None = None
    operating_certificate_duration: str | None = None
    program_county: str | None = None
    program_region: str | None = None
    program_type_description: str | None = None
    program_category_description: str | None = None
    program_subcategory_description: str | None = None
    georeference: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _fold_column_names(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        folded: dict[str, Any] = {}
        for name, value in data.items():
            key = column_key(str(name))
            # Two columns folding to one key would make one of them silently win: refuse instead.
            if key in folded and folded[key] != value:
                raise ValueError(f"columns {name!r} and another one both read as {key!r}")
            folded[key] = value
        return folded


#: Folded names of the columns a row cannot do without; a file lacking one has changed format.
REQUIRED_COLUMNS = frozenset(name for name, field in NyOmhProgramFields.model_fields.items() if field.is_required())
