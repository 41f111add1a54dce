"""Normalize program sections of providers' own pages (spider `program_pages`) into listings.

A section is one program. Its listing is named for the provider (the spider's `provider_name`:
JSON-LD `name`, `og:site_name`, the title or the logo's alt text, in that order of trust; else the
JSON-LD organisation, else the site), with the program's own heading as its second name; the page
is its website, the level its heading names its level of care, and its text the schedule text the
hours engine reads. Address and phone come from the page's JSON-LD, else the site's (any page of
it), else the site's visible location text, read with the directories' address parser
(`pipeline.clean.location`). Named payers come from the site's insurance texts, which apply to all
its programs (`pipeline.clean.payers`), and services from what the section names
(`pipeline.clean.page_services`), each with its evidence. A site that states no address leaves
its programs without a state until linking places them.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pipeline.clean import clean_website
from pipeline.clean.location import Location, parse_location, state_code
from pipeline.clean.page_services import read_services
from pipeline.clean.payers import NOTE_PARTLY_EXCLUDED, read_payers
from pipeline.errors import RejectRow
from pipeline.sources.common import require_name
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


def _blocks(json_ld: str | None, field: str) -> list[dict[str, Any]]:
    """The page's JSON-LD blocks (the spider writes a list; a lone object counts as one block)."""
    try:
        blocks = json.loads(json_ld or "[]")
    except ValueError as error:  # not JSON, or an integer too long for Python to read
        raise RejectRow(field, f"not JSON: {error}") from error
    except RecursionError:
        raise RejectRow(field, "not JSON that can be read: nested too deeply") from None
    if isinstance(blocks, dict):
        blocks = [blocks]
    return [b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []


def _organisation(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    # The first block that describes an organisation or place carries its name and address.
    return next((b for b in blocks if _ld_text(b.get("name"))), {})


def _postal(org: Mapping[str, Any]) -> Mapping[str, Any]:
    # schema.org allows the address as text; only a PostalAddress object says which part is which.
    address = org.get("address")
    return address if isinstance(address, dict) else {}


def _insurance_texts(value: str | None, warnings: list[str]) -> list[dict[str, Any]]:
    """The site's insurance texts (`[{url, placement, text}]`); what cannot be read is dropped with a warning."""
    if not value:
        return []
    try:
        texts = json.loads(value)
    except (ValueError, RecursionError):
        warnings.append("insurance_texts: not JSON; dropped")
        return []
    if not isinstance(texts, list):
        warnings.append("insurance_texts: not a list; dropped")
        return []
    kept = [t for t in texts if isinstance(t, dict) and isinstance(t.get("text"), str) and t["text"].strip()]
    if len(kept) < len(texts):
        warnings.append(f"insurance_texts: {len(texts) - len(kept)} without text; dropped")
    return kept


def _payer_terms(texts: list[dict[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Payers accepted in any of the site's texts, their evidence, and notes (what is not accepted, …)."""
    payers: dict[str, None] = {}
    evidence: dict[str, None] = {}
    notes: dict[str, None] = {}
    excluded: dict[str, None] = {}
    for text in texts:
        reading = read_payers(text["text"])
        payers.update(dict.fromkeys(reading.payers))
        evidence.update(dict.fromkeys(reading.evidence))
        notes.update(dict.fromkeys(reading.notes))
        excluded.update(dict.fromkeys(reading.not_accepted))
    # One text may exclude what another accepts (a plan out of network for one program only).
    if only := [payer for payer in excluded if payer not in payers]:
        notes[f"not accepted: {', '.join(only)}"] = None
    notes.update(dict.fromkeys(NOTE_PARTLY_EXCLUDED.format(payer) for payer in excluded if payer in payers))
    return {"payers": tuple(payers), "payer_evidence": tuple(evidence), "payer_notes": tuple(notes)}


def _place(row: "_Section", location_text: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    """(street, city, state, ZIP): the page's JSON-LD address, else the site's; the location text
    when it says more in the same state (a JSON-LD block often gives the region alone)."""
    address = next((a for a in (_postal(row.org), _postal(row.site_org)) if a), {})
    region = _ld_text(address.get("addressRegion"))
    # Pages write the state's name as often as its code ("Georgia"); an unknown one is warned of.
    ld = Location(
        _ld_text(address.get("streetAddress")),
        _ld_text(address.get("addressLocality")),
        state_code(region) or region or "",
        _ld_text(address.get("postalCode")),
    )
    place = None if ld.street else parse_location(location_text)

    def said(p: Location) -> int:
        return sum(part is not None for part in (p.street, p.city, p.zip5))

    if place is not None and (not ld.state or (place.state == ld.state and said(place) > said(ld))):
        return place.street, place.city, place.state, place.zip5
    return ld.street, ld.city, ld.state or None, ld.zip5


@dataclass(frozen=True, slots=True)
class _Section:
    """A section record's fields; the organisation its page's JSON-LD describes, and the site's."""

    fields: Mapping[str, str | None]
    org: Mapping[str, Any]
    site_org: Mapping[str, Any]
    site_problem: str | None = None


class ProgramPageNormalizer(SourceNormalizer[_Section]):
    """A program section of a provider's page. Its state is optional: most pages state no address."""

    name_column = "program_name"
    name_what = "section heading"
    state_column = "address region"
    state_required = False
    name2_labels = ("program name",)
    listing_text: ClassVar[Mapping[str, str]] = {"street": "street", "city": "city", "schedule_text": "schedule text"}

    def read(self, record: RawRecord) -> _Section:
        """The section's fields and the organisations of its page's JSON-LD (JSON or rejected) and its site's."""
        org = _organisation(_blocks(record.fields.get("json_ld"), "json_ld"))
        try:
            site_org = _organisation(_blocks(record.fields.get("site_json_ld"), "site_json_ld"))
        except RejectRow as problem:
            # The site's block is detail gathered from other pages: the program stands without it.
            return _Section(record.fields, org, {}, f"site_json_ld: {problem.message}; dropped")
        return _Section(record.fields, org, site_org)

    def fields(self, row: _Section) -> SourceFields:
        """Provider, heading and schedule text; address and phone from JSON-LD, else the site's location text."""
        fields = row.fields
        street, city, state, zip5 = _place(row, fields.get("location_text"))
        provider = (
            fields.get("provider_name")
            or _ld_text(row.org.get("name"))
            or _ld_text(row.site_org.get("name"))
            or fields.get("site")
        )
        phone = (
            _ld_text(row.org.get("telephone")) or _ld_text(row.site_org.get("telephone")) or fields.get("contact_phone")
        )
        return SourceFields(
            text={
                # The program's heading is required (`check`); the name falls back to it last.
                "name": provider or fields.get("program_name"),
                "program name": fields.get("program_name"),
                "schedule text": fields.get("schedule_text"),
                "street": street,
                "city": city,
            },
            state=state,
            zip=zip5,
            phones=[(phone, PhoneKind.MAIN)],
        )

    def check(self, row: _Section, draft: Draft) -> None:
        """Require the heading and section text; a provider name or place too long for a line is dropped."""
        draft.text["program name"] = require_name(draft.text["program name"], self.name_column, self.name_what)
        if row.site_problem:
            draft.warnings.append(row.site_problem)
        if len(draft.name) > MAX_LINE_CHARS:
            # Optional detail: a "name" that is a paragraph is dropped, not the program.
            draft.warnings.append(f"provider name: {len(draft.name):,} characters, too long for one line; dropped")
            draft.name = row.fields.get("site") or draft.text["program name"]
        for label in ("street", "city"):
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
        """The level the heading names (`heading_level`), services the section names, the site's named payers."""
        level = row.fields.get("heading_level")
        warnings: list[str] = []
        services = read_services(draft.text["schedule text"] or "")
        return Terms(
            levels_of_care=frozenset({level}) if level in _LEVELS else frozenset(),
            services=frozenset(services.services),
            service_evidence=services.evidence,
            **_payer_terms(_insurance_texts(row.fields.get("insurance_texts"), warnings)),
            warnings=warnings,
        )

    def identity(self, row: _Section, draft: Draft) -> Identity:
        """The page and the heading; the record id tells apart two sections with the same heading."""
        return Identity((draft.record.source_url, draft.text["program name"] or ""), draft.record.record_id)


_NORMALIZER = ProgramPageNormalizer()


def normalize_section(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """Turn one program section into a listing, or raise `RejectRow`. `codes` is unused: the source has none."""
    return _NORMALIZER.normalize(record, codes, run_id)
