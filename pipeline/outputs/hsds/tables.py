"""The HSDS tables the export writes, and the stable id of each row (see docs/hsds.md)."""

import hashlib
import os
from pathlib import Path

from pipeline.ids import NAMESPACE

#: The folder of the official HSDS 3.0 schemas: `IOPDIR_HSDS_SCHEMAS`, else the shared specs beside the repo.
DEFAULT_SCHEMA_DIR = Path(
    os.environ.get(
        "IOPDIR_HSDS_SCHEMAS", Path(__file__).resolve().parents[4] / "shared" / "specs" / "hsds-3.0" / "schema"
    )
)

#: The tables written, in dependency order: a row refers only to rows of the tables before it.
TABLES = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "organization_identifier",
    "location",
    "address",
    "service",
    "cost_option",
    "service_at_location",
    "phone",
    "schedule",
    "attribute",
    "metadata",
)

#: The CSV file of each table in the tabular data package: the `path` HSDS 3.0 gives it
#: (`schema/compiled/tabular.json`; tests/outputs/test_hsds_package.py checks they agree).
CSV_FILES = {
    "taxonomy": "taxonomies.csv",
    "taxonomy_term": "taxonomy_terms.csv",
    "organization": "organizations.csv",
    "organization_identifier": "organization_identifiers.csv",
    "location": "locations.csv",
    "address": "addresses.csv",
    "service": "services.csv",
    "cost_option": "cost_options.csv",
    "service_at_location": "service_at_location.csv",
    "phone": "phones.csv",
    "schedule": "schedules.csv",
    "attribute": "attributes.csv",
    "metadata": "metadata.csv",
}

#: The data package's descriptor, beside the CSV files.
DATAPACKAGE = "datapackage.json"

#: Foreign keys of the tables: table -> field -> table it points into (the HSDS `<table>_id` fields).
#: `attribute.link_id` and `metadata.resource_id` point into the table their row names, so are not here.
FOREIGN_KEYS: dict[str, dict[str, str]] = {
    "taxonomy_term": {"taxonomy_id": "taxonomy", "parent_id": "taxonomy_term"},
    "organization_identifier": {"organization_id": "organization"},
    "location": {"organization_id": "organization"},
    "address": {"location_id": "location"},
    "service": {"organization_id": "organization"},
    "cost_option": {"service_id": "service"},
    "service_at_location": {"service_id": "service", "location_id": "location"},
    "phone": {"location_id": "location", "service_id": "service", "organization_id": "organization"},
    "schedule": {"service_id": "service", "location_id": "location", "service_at_location_id": "service_at_location"},
    "attribute": {"taxonomy_term_id": "taxonomy_term"},
}


def file_names() -> list[str]:
    """Every file an HSDS export may write: the JSON tables, or the CSV tables and their descriptor."""
    return [*(f"{table}.json" for table in TABLES), *CSV_FILES.values(), DATAPACKAGE]


_NAMESPACE_SHA1 = hashlib.sha1(NAMESPACE.bytes, usedforsecurity=False)


def hsds_id(table: str, *key: object) -> str:
    """The stable id of a row: uuid5(NAMESPACE, "<table>|<natural key parts joined by |>")."""
    name = "|".join([table, *("" if k is None else str(k) for k in key)])
    # uuid.uuid5, computed directly: an export mints a million ids, and uuid.UUID objects cost 3x more.
    digest = _NAMESPACE_SHA1.copy()
    digest.update(name.encode("utf-8"))
    raw = bytearray(digest.digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
