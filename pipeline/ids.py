"""Deterministic listing ids.

An id is a UUID5 of the source and the listing's identity, so the same listing gets the same id
in every run and on every machine, whatever the order of the rows in the file.
"""

import uuid

#: Namespace of every id this project mints; never change it, or every id changes.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/iop-directory/iop-directory")


def listing_id(source: str, *identity: str) -> str:
    """Id of a listing from its source and identity parts (native id, or name/address/phone)."""
    return str(uuid.uuid5(NAMESPACE, "|".join((source, *identity))))


def disambiguated_id(base_id: str, distinguishing: str) -> str:
    """Id of one of several distinct rows that share `base_id`, from what tells them apart."""
    return str(uuid.uuid5(NAMESPACE, f"{base_id}|{distinguishing}"))
