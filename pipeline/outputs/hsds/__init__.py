"""Open Referral HSDS 3.0 export of the listings, and its validation against the official schemas.
`export` reads the database and writes the files, `mapping` builds the rows of each table,
`vocabularies` the taxonomies, `tables` names the tables and files and mints row ids, `package`
writes and reads the CSV data package, `validate` checks files against the schemas; docs/hsds.md is
the mapping. Imports `store`, `flags`, `hours.wording`, `outputs.cells` and `ids`.
"""

from typing import TYPE_CHECKING, Any

from pipeline.outputs.hsds.export import export_hsds
from pipeline.outputs.hsds.mapping import build_tables
from pipeline.outputs.hsds.tables import DEFAULT_SCHEMA_DIR, FOREIGN_KEYS, TABLES, hsds_id

if TYPE_CHECKING:
    from pipeline.outputs.hsds.validate import validate_hsds

__all__ = ["DEFAULT_SCHEMA_DIR", "FOREIGN_KEYS", "TABLES", "build_tables", "export_hsds", "hsds_id", "validate_hsds"]

_VALIDATION_NAMES = {"validate_hsds"}


def __getattr__(name: str) -> Any:
    # jsonschema is slow to import and only validation needs it: an export, or the list of HSDS
    # files `outputs.tabular` checks before every export, loads it only when validation is asked for.
    if name in _VALIDATION_NAMES:
        from pipeline.outputs.hsds import validate

        return getattr(validate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
