"""Deterministic listing ids.

An id is a UUID5 of the source and the listing's identity, so the same listing gets the same id
in every run and on every machine, whatever the order of the rows in the file. Where rows of one
source share an identity, the load (`pipeline.store.stage`) leaves the plain id to the one that has
it, if any, and gives each other its `disambiguated_id` (see "How listing ids are assigned" in
docs/reliability.md).
"""

import hashlib
import uuid

#: Namespace of every id this project mints; never change it, or every id changes.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/iop-directory/iop-directory")


_NAMESPACE_BYTES = NAMESPACE.bytes


def uuid5_text(name: str) -> str:
    """`str(uuid.uuid5(NAMESPACE, name))`, computed without building UUID objects (it runs per row)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def listing_id(source: str, *identity: str) -> str:
    """Id of a listing from its source and identity parts (native id, or name/address/phone)."""
    return uuid5_text("|".join((source, *identity)))


def disambiguated_id(base_id: str, distinguishing: str) -> str:
    """Id of one of several distinct rows that share `base_id`, from what tells them apart."""
    return uuid5_text(f"{base_id}|{distinguishing}")


def sha1_sql(name_sql: str) -> str:
    """SQL (DuckDB) for the hex SHA-1 of the namespace and a VARCHAR expression: what a UUID5 is cut from."""
    return f"sha1(from_hex('{NAMESPACE.hex}') || encode({name_sql}))"


def uuid5_sql(digest: str) -> str:
    """SQL (DuckDB) for `uuid5_text` of a name, from `digest`, a column holding `sha1_sql` of it.

    The first 16 bytes of the digest with version 5 (the 13th hex digit) and the RFC 4122
    variant: the two top bits of byte 8 become 10, so the 17th hex digit d becomes 8 + d % 4.
    Set-based steps (bulk normalization, linking) mint ids with it; they are checked against
    `uuid5_text`.
    """
    return (
        f"substr({digest}, 1, 8) || '-' || substr({digest}, 9, 4) || '-5' || substr({digest}, 14, 3) || '-' "
        f"|| translate(substr({digest}, 17, 1), '0123456789abcdef', '89ab89ab89ab89ab') "
        f"|| substr({digest}, 18, 3) || '-' || substr({digest}, 21, 12)"
    )
