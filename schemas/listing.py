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


# Descriptions shared by several columns (docs/data-model.md gives them one row).
_ADDRESS = "Address (whitespace collapsed); NULL when absent."
_COORDINATES = "Coordinates. NULL for SAMHSA."
_VOCABULARY = "Vocabulary values (schemas/vocab.py), sorted."
_HOURS = "Weekly program hours, 0-168, min <= max. NULL for SAMHSA."


class StrictModel(BaseModel):
    """Base of the normalized layer: no unknown fields, whitespace stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Phone(StrictModel):
    """A dialable number with the text it came from."""

    e164: E164 = Field(description="The number in E.164 (`+12123684100`).")
    extension: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}$")] | None = Field(
        default=None, description="The extension, digits only, or NULL."
    )
    original: NonEmpty = Field(description="The number as the source wrote it.")
    kind: PhoneKind = Field(description="`main` or `intake`.")


class Provenance(StrictModel):
    """Where a listing came from, precisely enough to find the source row again."""

    source_url: NonEmpty = Field(description="URL of the file the row came from.")
    source_file: NonEmpty = Field(description="File name, e.g. `national-directory-su-facilities-2023.xlsx`.")
    record_id: NonEmpty = Field(description="`<sheet>!<row number>`, e.g. `Facilities List!5396`.")
    fetched_at: datetime = Field(description="When the file was fetched.")
    run_id: NonEmpty = Field(description="The run that normalized the row (the store records its own runs).")


class ScheduleSession(StrictModel):
    """One weekly block of a structured schedule: a day (0 = Monday) and minutes after midnight.

    `end_minute` may pass 1440 for a session that runs over midnight; `track` names an
    alternative schedule ("evening", "summer") whose hours are never added to another track's.
    """

    day: Annotated[int, Field(ge=0, le=6, description="Day of the week, 0 = Monday … 6 = Sunday.")]
    start_minute: Annotated[int, Field(ge=0, lt=1440, description="Start, in minutes after midnight.")]
    end_minute: Annotated[
        int, Field(gt=0, le=2880, description="End, in minutes after midnight; past 1440 for a session past midnight.")
    ]
    track: NonEmpty | None = Field(
        default=None, description='The alternative schedule the session belongs to ("evening", "summer"), or NULL.'
    )

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

    listing_id: UUIDText = Field(
        description="Stable UUID of the listing: of its source and identity (docs/data-model.md). Unique."
    )
    disambiguated_id: UUIDText = Field(
        description="The id the listing takes where another row of its source has its `listing_id` (load only)."
    )
    source: NonEmpty = Field(
        description="The source: `samhsa_su`, `samhsa_mh`, `findtreatment`, `ny_omh` or `program_pages`."
    )
    provenance: Provenance = Field(description="Where the row came from (the `source_*` and `fetched_at` columns).")

    name: Annotated[NonEmpty, StringConstraints(max_length=MAX_LINE_CHARS)] = Field(
        description="Facility or provider name (SAMHSA `Name1`; for a program page, the provider whose site it is). "
        "Never empty."
    )
    name2: Line | None = Field(
        default=None,
        description="Second name line (program or site; for a program page, the program's own heading), or NULL.",
    )
    street: Line | None = Field(default=None, description=_ADDRESS)
    street2: Line | None = Field(default=None, description=_ADDRESS)
    city: Line | None = Field(default=None, description=_ADDRESS)
    # A directory row always has a state (its normalizer rejects one without); a provider's own
    # page often states none, and is then placed by linking to a directory listing.
    state: StateCode | None = Field(
        default=None,
        description="2-letter US state or territory code. NULL only for a program page that states no address.",
    )
    zip5: Zip5 | None = Field(
        default=None, description="5-digit ZIP (ZIP+4 cut to 5 digits), or NULL when absent or invalid."
    )
    phones: tuple[Phone, ...] = Field(
        default=(),
        description="Every valid number, `STRUCT(e164, extension, original, kind)[]`, "
        "deduplicated on (e164, extension).",
    )
    website: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = Field(
        default=None, description="`http(s)://` URL. NULL for SAMHSA."
    )
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = Field(default=None, description=_COORDINATES)
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = Field(default=None, description=_COORDINATES)

    levels_of_care: frozenset[LevelOfCare] = Field(default=frozenset(), description=_VOCABULARY)
    services: frozenset[Service] = Field(default=frozenset(), description=_VOCABULARY)
    payments: frozenset[Payment] = Field(default=frozenset(), description=_VOCABULARY)
    payers: tuple[NonEmpty, ...] = Field(
        default=(),
        description="Named insurance plans accepted, one name per payer family (docs/payers.md): read from a provider "
        "site's insurance texts, which apply to all its programs. Empty for the directories.",
    )
    payer_evidence: tuple[NonEmpty, ...] = Field(
        default=(), description="Verbatim lines of the insurance texts the payers were read from."
    )
    payer_notes: tuple[NonEmpty, ...] = Field(
        default=(),
        description='What the insurance texts say without naming an accepted payer ("most major insurance plans '
        'accepted", "not accepted: Medicare, Medicaid", …).',
    )
    populations: frozenset[Population] = Field(default=frozenset(), description=_VOCABULARY)
    service_evidence: tuple[NonEmpty, ...] = Field(
        default=(),
        description="Verbatim phrases of a program page that `services` were read from (program pages only; the "
        "directories' services come from their codes).",
    )

    hours_min: Annotated[float, Field(ge=0, le=168)] | None = Field(default=None, description=_HOURS)
    hours_max: Annotated[float, Field(ge=0, le=168)] | None = Field(default=None, description=_HOURS)
    hours_basis: HoursBasis = Field(
        default=HoursBasis.UNKNOWN,
        description="How the hours were obtained: `stated`, `derived`, `stated_and_derived_disagree` or `unknown` "
        "(every SAMHSA listing).",
    )
    hours_evidence: tuple[NonEmpty, ...] = Field(
        default=(), description="Verbatim spans of the schedule the hours rest on, in text order. Empty when unknown."
    )
    schedule_text: NonEmpty | None = Field(
        default=None, description="The source's own words about when the program meets, as given. NULL for SAMHSA."
    )
    schedule: tuple[ScheduleSession, ...] = Field(
        default=(),
        description="Structured weekly sessions when a source gives them, "
        "`STRUCT(day, start_minute, end_minute, track)[]`. Empty for SAMHSA.",
    )
    hours_level: LevelOfCare | None = Field(
        default=None,
        description="The level the hours describe (`iop`/`php`), or NULL when that is ambiguous (see docs/flags.md).",
    )
    name_levels: frozenset[LevelOfCare] = Field(
        default=frozenset(),
        description='`iop`/`php` as the listing\'s name (and second name) calls it, e.g. "… Day Treatment" → `php`.',
    )
    text_levels: frozenset[LevelOfCare] = Field(
        default=frozenset(), description="`iop`/`php` the schedule text names. Empty for SAMHSA."
    )
    php_cues: tuple[NonEmpty, ...] = Field(
        default=(),
        description='PHP-intensity phrases ("hot lunch provided", "in lieu of inpatient") in the schedule text '
        "about the listing's program, verbatim.",
    )

    source_codes: tuple[str, ...] = Field(
        default=(), description="The row's SAMHSA codes, in file order, deduplicated, mapped or not."
    )
    warnings: tuple[str, ...] = Field(
        default=(), description="What normalization cleaned or dropped from the row, in plain words."
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
