"""Strict normalized layer: one listing of one source, ready for DuckDB.

Everything here is already clean: stripped strings, vocabulary values, E.164 phones, a
2-letter state, a 5-digit ZIP. Unknown keys are refused (`extra="forbid"`) so a field that a
normalizer forgets to map fails in tests instead of vanishing.
"""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_serializer, model_validator

from schemas.vocab import HoursBasis, LevelOfCare, Payment, PhoneKind, Population, Service

#: Longest name or address line a listing may have. Real ones stay under 100 characters (the
#: longest, an OMH sponsor name, has 99); a longer "name" is a paragraph that landed in the wrong
#: column, and the row is rejected rather than loaded with it.
MAX_LINE_CHARS = 300

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_LINE_CHARS)]
# [0-9], not \d: pydantic's regexes are Unicode-aware, and full-width or Arabic-Indic digits are no ZIP code.
StateCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Zip5 = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
E164 = Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")]
UUIDText = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]


class StrictModel(BaseModel):
    """Base of the normalized layer: no unknown fields, whitespace stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Phone(StrictModel):
    """A dialable number with the text it came from."""

    e164: E164
    extension: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}$")] | None = None
    original: NonEmpty
    kind: PhoneKind


class Provenance(StrictModel):
    """Where a listing came from, precisely enough to find the source row again."""

    source_url: NonEmpty
    source_file: NonEmpty
    record_id: NonEmpty
    fetched_at: datetime
    run_id: NonEmpty


class ScheduleSession(StrictModel):
    """One weekly block of a structured schedule: a day (0 = Monday) and minutes after midnight.

    `end_minute` may pass 1440 for a session that runs over midnight; `track` names an
    alternative schedule ("evening", "summer") whose hours are never added to another track's.
    """

    day: Annotated[int, Field(ge=0, le=6)]
    start_minute: Annotated[int, Field(ge=0, lt=1440)]
    end_minute: Annotated[int, Field(gt=0, le=2880)]
    track: NonEmpty | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> "ScheduleSession":
        if self.end_minute <= self.start_minute:
            raise ValueError(f"session ends ({self.end_minute}) before it starts ({self.start_minute})")
        return self


class Listing(StrictModel):
    """One program listing of one source, normalized.

    `listing_id` is derived from the source and the listing's identity (native id, or
    normalized name, address and phone). Where distinct rows of one source share that identity,
    the loader keeps `listing_id` for the one that already has it (if any) and uses
    `disambiguated_id` for each other; it depends only on the row's own content, never on its
    place in the file. An exact repeat of a row is rejected as a duplicate (see "How listing ids
    are assigned" in docs/reliability.md).
    """

    listing_id: UUIDText
    disambiguated_id: UUIDText
    source: NonEmpty
    provenance: Provenance

    name: Annotated[NonEmpty, StringConstraints(max_length=MAX_LINE_CHARS)]
    name2: Line | None = None
    street: Line | None = None
    street2: Line | None = None
    city: Line | None = None
    # A directory row always has a state (its normalizer rejects one without); a provider's own
    # page often states none, and is then placed by linking to a directory listing.
    state: StateCode | None = None
    zip5: Zip5 | None = None
    phones: tuple[Phone, ...] = ()
    website: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None

    levels_of_care: frozenset[LevelOfCare] = frozenset()
    services: frozenset[Service] = frozenset()
    payments: frozenset[Payment] = frozenset()
    payers: tuple[NonEmpty, ...] = Field(
        default=(), description="Named insurance plans accepted, one payer vocabulary (pipeline/clean/payers.py)."
    )
    payer_evidence: tuple[NonEmpty, ...] = Field(
        default=(), description="Verbatim lines of the insurance text the payers were read from."
    )
    payer_notes: tuple[NonEmpty, ...] = Field(
        default=(), description="What an insurance text says without naming an accepted payer (not accepted, …)."
    )
    populations: frozenset[Population] = frozenset()
    service_evidence: tuple[NonEmpty, ...] = Field(
        default=(), description="Verbatim phrases of a provider's page the services were read from."
    )

    hours_min: Annotated[float, Field(ge=0, le=168)] | None = None
    hours_max: Annotated[float, Field(ge=0, le=168)] | None = None
    hours_basis: HoursBasis = HoursBasis.UNKNOWN
    hours_evidence: tuple[NonEmpty, ...] = Field(
        default=(), description="Verbatim spans of the schedule the hours rest on, for a maintainer to check."
    )
    schedule_text: NonEmpty | None = Field(default=None, description="The source's own words about when it meets.")
    schedule: tuple[ScheduleSession, ...] = Field(default=(), description="Structured weekly sessions, if given.")
    hours_level: LevelOfCare | None = Field(default=None, description="The level of care the hours describe.")
    name_levels: frozenset[LevelOfCare] = Field(default=frozenset(), description="IOP/PHP as the name calls it.")
    text_levels: frozenset[LevelOfCare] = Field(default=frozenset(), description="IOP/PHP the schedule text names.")
    php_cues: tuple[NonEmpty, ...] = Field(
        default=(), description="PHP-intensity phrases in the schedule text about this program, verbatim."
    )

    source_codes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = Field(
        default=(), description="What normalization cleaned or dropped from this row, for maintainers."
    )

    @property
    def phone(self) -> str | None:
        """The main number in E.164, if the listing has a valid one."""
        return next((p.e164 for p in self.phones if p.kind is PhoneKind.MAIN), None)

    @model_validator(mode="after")
    def _hours_consistent(self) -> "Listing":
        if self.hours_min is not None and self.hours_max is not None and self.hours_min > self.hours_max:
            raise ValueError(f"hours_min {self.hours_min} is above hours_max {self.hours_max}")
        if self.hours_basis is HoursBasis.UNKNOWN and (self.hours_min is not None or self.hours_max is not None):
            raise ValueError("hours are given but hours_basis is 'unknown'")
        if self.hours_basis is not HoursBasis.UNKNOWN and self.hours_min is None and self.hours_max is None:
            raise ValueError(f"hours_basis is {self.hours_basis.value!r} but no hours are given")
        return self

    @field_serializer("levels_of_care", "services", "payments", "populations", "name_levels", "text_levels")
    def _sorted(self, values: frozenset[str]) -> list[str]:
        # Sets are stored as sorted lists so identical content always hashes identically.
        return sorted(str(v) for v in values)
