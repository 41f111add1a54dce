"""Rules every source normalizer applies the same way: provenance, text fields, names, phone lists.

Websites are `pipeline.clean.clean_website`, re-exported here for the skeleton.

The steps that use them, in their order, are `pipeline.sources.skeleton`.
"""

import json
from collections.abc import Iterable, Mapping

from pipeline.clean import (
    CleanPhone,
    clean_markup_text,
    clean_phone,
    clean_website,
    has_name,
    quoted,
)
from pipeline.errors import RejectRow
from schemas.listing import Phone, Provenance
from schemas.raw import RawRecord
from schemas.vocab import PhoneKind

__all__ = [
    "clean_website",
    "collect_phones",
    "left_out_fields",
    "phone_models",
    "provenance",
    "require_name",
    "text_fields",
]


def provenance(record: RawRecord, run_id: str) -> Provenance:
    """Where a listing came from: the raw record's URL, file, id and fetch time, and the run."""
    return Provenance(
        source_url=record.source_url,
        source_file=record.source_file,
        record_id=record.record_id,
        fetched_at=record.fetched_at,
        run_id=run_id,
    )


def collect_phones(candidates: Iterable[tuple[str | None, PhoneKind]]) -> tuple[list[CleanPhone], list[str]]:
    """The valid numbers among (text, kind) candidates, first of each number only, and the warnings."""
    phones: list[CleanPhone] = []
    warnings: list[str] = []
    seen: set[tuple[str, str | None]] = set()
    for text, kind in candidates:
        phone, problems = clean_phone(text, kind)
        warnings += problems
        if phone and (phone.e164, phone.extension) not in seen:
            seen.add((phone.e164, phone.extension))
            phones.append(phone)
    return phones, warnings


def phone_models(phones: Iterable[CleanPhone]) -> tuple[Phone, ...]:
    """Cleaned numbers as the listing's `phones`."""
    return tuple(Phone(e164=p.e164, extension=p.extension, original=p.original, kind=p.kind) for p in phones)


def text_fields(values: Mapping[str, str | None]) -> tuple[dict[str, str | None], list[str]]:
    """Free-text fields (label -> raw value) cleaned with `clean_markup_text`, and the warnings."""
    cleaned: dict[str, str | None] = {}
    warnings: list[str] = []
    for label, value in values.items():
        cleaned[label], problems = clean_markup_text(value, label)
        warnings += problems
    return cleaned, warnings


def require_name(name: str | None, column: str, what: str) -> str:
    """The cleaned name, or `RejectRow` on `column` when nothing of a name is left.

    Empty, blank, invisible-only ("\u200b"), markup-only ("<br>") and punctuation-only ("---")
    names all name nothing; the message says which it was.
    """
    if not name:
        raise RejectRow(column, f"{what} is empty")
    if not has_name(name):
        raise RejectRow(column, f"{what} {quoted(name)} has no letter or digit")
    return name


def left_out_fields(fields: Mapping[str, str | None], identity: Iterable[str]) -> str:
    """The row's fields its identity leaves out, as canonical JSON: what tells apart distinct rows sharing an id."""
    skip = set(identity)
    return json.dumps({k: v for k, v in sorted(fields.items()) if k not in skip}, sort_keys=True)
