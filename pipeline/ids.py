"""Deterministic listing ids.

An id is a UUID5 of the source and the listing's identity, so the same listing gets the same id
in every run and on every machine, whatever the order of the rows in the file.
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
