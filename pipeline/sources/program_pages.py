"""Normalize program sections of providers' own pages (spider `program_pages`) into listings.

A section is one program: its heading is the listing's name, the organisation (schema.org
JSON-LD `name`, else the site) its second name, the page its website, the level its heading
names its level of care, and its text the schedule text the hours engine reads. Address and
phone come from JSON-LD when the page has them; most pages state no address, so such listings
have no state until linking places them.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pipeline.clean import clean_website
from pipeline.errors import RejectRow
from pipeline.sources.samhsa.codes import CodeReference
from pipeline.sources.skeleton import Draft, Identity, SourceFields, SourceNormalizer, Terms
from schemas.listing import MAX_LINE_CHARS, Listing
from schemas.raw import RawRecord
from schemas.vocab import LevelOfCare, PhoneKind

_LEVELS = {level.value for level in LevelOfCare}


def _ld_text(value: Any) -> str | None:
    """A JSON-LD value as text: pages write numbers ("postalCode": 22902) and lists of phones too."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return next((text for item in value if (text := _ld_text(item)) is not None), None)
    return None  # objects, booleans, null: no text


def _blocks(json_ld: str | None) -> list[dict[str, Any]]:
    """The page's JSON-LD blocks (the spider writes a list; a lone object counts as one block)."""
    try:
        blocks = json.loads(json_ld or "[]")
    except ValueError as error:  # not JSON, or an integer too long for Python to read
        raise RejectRow("json_ld", f"not JSON: {error}") from error
    except RecursionError:
        raise RejectRow("json_ld", "not JSON that can be read: nested too deeply") from None
    if isinstance(blocks, dict):
        blocks = [blocks]
    return [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []


def _organisation(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    # The first block that describes an organisation or place carries its name and address.
    return next((b for b in blocks if _ld_text(b.get("name"))), {})


@dataclass(frozen=True, slots=True)
class _Section:
    """A section record's fields, and the organisation and its postal address from the page's JSON-LD."""

    fields: Mapping[str, str | None]
    org: Mapping[str, Any]
    address: Mapping[str, Any]


class ProgramPageNormalizer(SourceNormalizer[_Section]):
    """A program section of a provider's page. Its state is optional: most pages state no address."""

    name_column = "program_name"
    name_what = "section heading"
    state_column = "address region"
    state_required = False
    name2_labels = ("organisation", "site")
    listing_text: ClassVar[Mapping[str, str]] = {"street": "street", "city": "city", "schedule_text": "schedule text"}

    def read(self, record: RawRecord) -> _Section:
        """The section's fields and the organisation its page's JSON-LD describes; rejects JSON-LD that is no JSON."""
        org = _organisation(_blocks(record.fields.get("json_ld")))
        # schema.org allows the address as text; only a PostalAddress object says which part is which.
        address = org.get("address") if isinstance(org.get("address"), dict) else {}
        return _Section(record.fields, org, address)

    def fields(self, row: _Section) -> SourceFields:
        """Heading, schedule text, organisation and site; address and phone from JSON-LD when the page has them."""
        return SourceFields(
            text={
                "name": row.fields.get("program_name"),
                "schedule text": row.fields.get("schedule_text"),
                "organisation": _ld_text(row.org.get("name")),
                "site": row.fields.get("site"),
                "street": _ld_text(row.address.get("streetAddress")),
                "city": _ld_text(row.address.get("addressLocality")),
            },
            state=_ld_text(row.address.get("addressRegion")),
            zip=_ld_text(row.address.get("postalCode")),
            phones=[(_ld_text(row.org.get("telephone")), PhoneKind.MAIN)],
        )

    def check(self, row: _Section, draft: Draft) -> None:
        """Drop JSON-LD lines too long for a line; reject a section without text."""
        for label in ("organisation", "street", "city"):
            # JSON-LD is optional detail: a "name" that is a paragraph is dropped, not the program.
            if (value := draft.text[label]) and len(value) > MAX_LINE_CHARS:
                draft.warnings.append(f"{label}: {len(value):,} characters, too long for one line; dropped")
                draft.text[label] = None
        if not draft.text["schedule text"]:
            raise RejectRow("schedule_text", "section has no text")

    def website(self, row: _Section, fields: SourceFields, record: RawRecord) -> tuple[str | None, list[str]]:
        """The page the section was read from, under the URL rule of every website; rejects a page URL it drops.

        The page is the listing's only link and part of its id: a URL no reader can follow (a local
        file, or one holding quotes or markup) names no program page, so the section is rejected.
        """
        website, warnings = clean_website(record.source_url)
        if website is None:
            reason = warnings[-1].removeprefix("website ").removesuffix("; dropped")
            raise RejectRow("website", f"page URL {reason}")
        return website, warnings

    def terms(self, row: _Section, draft: Draft, codes: CodeReference) -> Terms:
        """The level of care the section's heading names (`heading_level`), if it is one."""
        level = row.fields.get("heading_level")
        return Terms(levels_of_care=frozenset({level}) if level in _LEVELS else frozenset())

    def identity(self, row: _Section, draft: Draft) -> Identity:
        """The page and the heading; the record id tells apart two sections with the same heading."""
        return Identity((draft.record.source_url, draft.name), draft.record.record_id)


_NORMALIZER = ProgramPageNormalizer()


def normalize_section(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """Turn one program section into a listing, or raise `RejectRow`. `codes` is unused: the source has none."""
    return _NORMALIZER.normalize(record, codes, run_id)
