"""The HSDS tables the export writes, and the stable id of each row (see docs/hsds.md)."""

import hashlib

from pipeline.ids import NAMESPACE

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
