"""The one normalizer every source runs: the steps all sources share, done once, in order.

For every record, `SourceNormalizer.normalize` runs these steps, each rule applied the same way to
every source:

1. read the raw fields with the source's raw model (`read`);
2. clean the free-text fields (`clean_markup_text`, one warning per field with markup);
3. require a name: a record that names nothing is rejected;
4. the source's own checks (`check`; most sources have none);
5. state: rejected when missing or unknown, or, for a source whose state is optional, dropped
   with a warning;
6. ZIP, 7. phones (with the source's phone kinds), 8. coordinates, 9. website;
10. the source's codes or vocabulary (`terms`);
11. the deterministic id (`pipeline.ids`) from the source's id key (`identity`);
12. the strict `Listing`.

Warnings keep the order the steps find them in, and the first step that cannot go on raises
`RejectRow` on the source's own column, so which reject a bad record gets depends only on this order.

A source declares what is its own in a subclass: which raw values feed which listing fields
(`fields`, a `SourceFields`, plus a few class attributes), how its codes or vocabulary are read,
and its id key. Hooks with a default (`check`, `coordinates`, `website`, `second_name`) are
overridden where one source truly differs, never branched on the source's name here. Today:
SAMHSA and FindTreatment.gov override none (the locator's coordinates and website come through
its mapping); NY OMH checks its native id, reads a Socrata point and drops a second name that only
repeats the first; program pages have an optional state, drop over-long JSON-LD lines, require
schedule text, and take the page itself as the website.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar

from pydantic import BaseModel

from pipeline.clean import CleanPhone, clean_coordinates, clean_state, clean_zip, identity_text, state_problem
from pipeline.errors import RejectRow
from pipeline.ids import disambiguated_id, listing_id
from pipeline.sources.common import clean_website, collect_phones, phone_models, provenance, require_name, text_fields
from pipeline.sources.samhsa.codes import CodeReference, MappedCodes
from schemas.listing import Listing
from schemas.raw import RawRecord
from schemas.vocab import PhoneKind

Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class SourceFields:
    """One record's raw values, named for the listing fields they feed: a source's field mapping.

    `text` maps the label a warning names (`"name"`, `"street"`, `"facility name"`...) to the raw
    value, in the order the labels are cleaned; it must hold `"name"`. `phones` are (raw text,
    kind) in the order the listing lists them.
    """

    text: Mapping[str, str | None]
    state: str | None = None
    zip: str | None = None
    phones: Sequence[tuple[str | None, PhoneKind]] = ()
    latitude: str | None = None
    longitude: str | None = None
    website: str | None = None


@dataclass(slots=True)
class Draft:
    """A listing being built: what the steps so far have cleaned, and their warnings in order."""

    record: RawRecord
    text: dict[str, str | None]
    warnings: list[str]
    name: str = ""
    state: str | None = None
    zip5: str | None = None
    phones: list[CleanPhone] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None

    @property
    def main_phone(self) -> str:
        """E.164 of the first main number, or "" when there is none (an id part, never None)."""
        return next((p.e164 for p in self.phones if p.kind is PhoneKind.MAIN), "")


@dataclass(frozen=True, slots=True)
class Terms:
    """What a record's codes or descriptive columns say in the vocabulary, the codes kept, and warnings."""

    levels_of_care: frozenset[str] = frozenset()
    services: frozenset[str] = frozenset()
    payments: frozenset[str] = frozenset()
    populations: frozenset[str] = frozenset()
    source_codes: tuple[str, ...] = ()
    warnings: Sequence[str] = ()
    # What a source's own words say (provider pages): named payers, with their evidence and
    # notes, and the phrases services were read from.
    payers: tuple[str, ...] = ()
    payer_evidence: tuple[str, ...] = ()
    payer_notes: tuple[str, ...] = ()
    service_evidence: tuple[str, ...] = ()

    @classmethod
    def from_codes(
        cls, mapped: MappedCodes, source_codes: tuple[str, ...] | None = None, warnings: Sequence[str] = ()
    ) -> "Terms":
        """The terms of codes read through a `CodeReference`; `source_codes` defaults to the codes read."""
        return cls(
            levels_of_care=frozenset(mapped.terms["levels_of_care"]),
            services=frozenset(mapped.terms["services"]),
            payments=frozenset(mapped.terms["payments"]),
            populations=frozenset(mapped.terms["populations"]),
            source_codes=tuple(mapped.codes) if source_codes is None else source_codes,
            warnings=warnings,
        )


@dataclass(frozen=True, slots=True)
class Identity:
    """A listing's id key (the parts after the source) and what tells apart distinct records sharing it."""

    key: tuple[str, ...]
    distinguishing: str


def address_key(draft: Draft) -> tuple[str, ...]:
    """Id key of a record without a native id: folded name and address lines, state, ZIP and main phone."""
    text = draft.text
    lines = (draft.name, text.get("name2"), text.get("street"), text.get("street2"), text.get("city"))
    return (*(identity_text(v) for v in lines), draft.state or "", draft.zip5 or "", draft.main_phone)


class SourceNormalizer(ABC, Generic[Row]):
    """The shared normalizer steps; a subclass per source says what is its own (see the module docstring)."""

    #: Column a record without a name is rejected on, and what the name is called in the message.
    name_column: ClassVar[str]
    name_what: ClassVar[str] = "facility name"
    #: Column a missing or unknown state is rejected on; with `state_required` False, the label of
    #: the warning the dropped value gets instead.
    state_column: ClassVar[str]
    state_required: ClassVar[bool] = True
    #: Text labels whose first non-empty value is the listing's second name.
    name2_labels: ClassVar[tuple[str, ...]] = ("name2",)
    #: Listing field -> text label of the cleaned value that fills it (besides the names).
    listing_text: ClassVar[Mapping[str, str]] = {"street": "street", "street2": "street2", "city": "city"}

    #: The source's lenient raw model of a record's fields, for the default `read`.
    raw_model: ClassVar[type[BaseModel]]

    def read(self, record: RawRecord) -> Row:
        """The record's fields in the source's raw model; raises `ValidationError` or `RejectRow`."""
        return self.raw_model.model_validate(record.fields)  # type: ignore[return-value]

    @abstractmethod
    def fields(self, row: Row) -> SourceFields:
        """Which raw values feed which listing fields."""

    def check(self, row: Row, draft: Draft) -> None:
        """The source's own checks once the name is known; may reject, warn, or drop text. None by default."""

    def coordinates(
        self, row: Row, fields: SourceFields, state: str | None
    ) -> tuple[float | None, float | None, list[str]]:
        """(latitude, longitude, warnings): by default the mapped texts, checked against the state."""
        return clean_coordinates(fields.latitude, fields.longitude, state)

    def website(self, row: Row, fields: SourceFields, record: RawRecord) -> tuple[str | None, list[str]]:
        """(website, warnings): by default the mapped value if it is an http(s) URL with a host."""
        return clean_website(fields.website)

    @abstractmethod
    def terms(self, row: Row, draft: Draft, codes: CodeReference) -> Terms:
        """The vocabulary terms and source codes, from `codes` (the directory's reference) or the row's own columns."""

    @abstractmethod
    def identity(self, row: Row, draft: Draft) -> Identity:
        """The record's id key and what tells it apart from another record with the same key."""

    def second_name(self, draft: Draft) -> str | None:
        """The listing's second name: by default the first non-empty of `name2_labels`."""
        return next((value for label in self.name2_labels if (value := draft.text.get(label))), None)

    def normalize(self, record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
        """Turn one record into a listing, or raise `RejectRow` (or pydantic's `ValidationError`)."""
        row = self.read(record)
        mapped = self.fields(row)
        text, warnings = text_fields(mapped.text)
        draft = Draft(record=record, text=text, warnings=warnings)
        draft.name = require_name(text["name"], self.name_column, self.name_what)
        self.check(row, draft)
        draft.state = self._state(mapped.state, warnings)
        draft.zip5, zip_warnings = clean_zip(mapped.zip, draft.state)
        warnings += zip_warnings
        draft.phones, phone_warnings = collect_phones(mapped.phones)
        warnings += phone_warnings
        draft.latitude, draft.longitude, coordinate_warnings = self.coordinates(row, mapped, draft.state)
        warnings += coordinate_warnings
        draft.website, website_warnings = self.website(row, mapped, record)
        warnings += website_warnings
        terms = self.terms(row, draft, codes)
        warnings += terms.warnings
        identity = self.identity(row, draft)
        base_id = listing_id(record.source, *identity.key)
        return Listing(
            listing_id=base_id,
            disambiguated_id=disambiguated_id(base_id, identity.distinguishing),
            source=record.source,
            provenance=provenance(record, run_id),
            name=draft.name,
            name2=self.second_name(draft),
            **{listing_field: draft.text.get(label) for listing_field, label in self.listing_text.items()},
            state=draft.state,
            zip5=draft.zip5,
            phones=phone_models(draft.phones),
            website=draft.website,
            latitude=draft.latitude,
            longitude=draft.longitude,
            levels_of_care=terms.levels_of_care,
            services=terms.services,
            payments=terms.payments,
            populations=terms.populations,
            payers=terms.payers,
            payer_evidence=terms.payer_evidence,
            payer_notes=terms.payer_notes,
            service_evidence=terms.service_evidence,
            source_codes=terms.source_codes,
            warnings=tuple(warnings),
        )

    def _state(self, value: str | None, warnings: list[str]) -> str | None:
        state = clean_state(value)
        if state is None:
            if self.state_required:
                raise RejectRow(self.state_column, state_problem(value))
            if value is not None:
                warnings.append(f"{self.state_column}: {state_problem(value)}; dropped")
        return state
