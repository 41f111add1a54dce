"""Normalize rows of New York OMH's "Local Mental Health Programs" (data.ny.gov 6nvr-tbv8) into listings.

One row is one program (a clinic, a day treatment program, a residence...) of a facility. The
dataset has no codes in SAMHSA's sense: what a program is comes from three descriptive columns,
Program Category (Outpatient, Residential, Support, Emergency, Inpatient), Subcategory and Type.
`LEVELS` below is the only place those become levels of care; the three values themselves are
kept in `source_codes` (`category:…`, `subcategory:…`, `type:…`), mapped or not.

NY licenses IOPs through OASAS, not OMH, so this source has no `iop` listings.
"""

import json
import re

from pipeline.clean import check_coordinates, clean_text, identity_text, plain_text, quoted
from pipeline.errors import RejectRow
from pipeline.sources.samhsa.codes import CodeReference
from pipeline.sources.skeleton import Draft, Identity, SourceFields, SourceNormalizer, Terms
from schemas.listing import Listing
from schemas.raw import RawRecord
from schemas.raw_ny_omh import NyOmhProgramFields
from schemas.vocab import LevelOfCare, PhoneKind, Population

SOURCE = "ny_omh"
RECORD_TYPE = "ny_omh_program"

L = LevelOfCare
#: (column, value folded with `_key`) -> level of care. The one table from OMH program kinds to levels.
#: Rows whose category and subcategory are not here (Support, Emergency) get no level.
LEVELS: dict[tuple[str, str], LevelOfCare] = {
    ("subcategory", "partial hospitalization"): L.PHP,
    # OMH "Day Treatment" (children's, with school on site) and "Continuing Day Treatment" (adults)
    # run several hours a day, most days of the week. SAMHSA's own MH directory files day treatment
    # under partial hospitalization (setting PHDT "Partial hospitalization/day treatment"), and
    # schemas/level_names.py reads "day treatment" in a name as PHP, so both are PHP here as well.
    ("subcategory", "day treatment"): L.PHP,
    ("subcategory", "continuing day treatment"): L.PHP,
    # Regular outpatient: licensed clinics, Assertive Community Treatment teams (adult and
    # children's) and PROS (Personalized Recovery-Oriented Services, with or without clinic).
    ("subcategory", "clinic treatment"): L.OP,
    ("subcategory", "assertive community treatment"): L.OP,
    ("subcategory", "personalized recovery oriented services"): L.OP,
    # Whole categories. OMH files its children's Residential Treatment Facilities under Inpatient
    # (they are licensed as inpatient under Article 31), so they count as inpatient; the Residential
    # category includes unlicensed supportive housing (subcategory "Unlicensed Housing").
    ("category", "inpatient"): L.INPATIENT,
    ("category", "residential"): L.RESIDENTIAL,
}

P = Population
#: Word of "Populations Served" -> population. The column lists age groups only ("Children
#: Adolescents Adults"); the words "and" and "&" are allowed between them.
POPULATION_WORDS: dict[str, Population] = {
    "adults": P.ADULTS,
    "adult": P.ADULTS,
    "adolescents": P.ADOLESCENTS,
    "adolescent": P.ADOLESCENTS,
    "children": P.CHILDREN,
    "child": P.CHILDREN,
}
_JOINING_WORDS = frozenset(["and"])
#: Phrase in Program Type -> population, for program types made for one group.
POPULATION_TYPES: dict[str, Population] = {
    "first episode psychosis": P.FIRST_EPISODE_PSYCHOSIS,
    "eating disorder": P.EATING_DISORDERS,
    "geriatric": P.SENIORS,
}

#: Where OMH puts programs without a location (all unaddressed residences): a point near the
#: state's centre, not a place. Coordinates equal to it are dropped.
PLACEHOLDER_POINT = (-75.59655, 42.921241)
_POINT = re.compile(r"^POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)$", re.IGNORECASE)


def _key(value: str | None) -> str:
    # "Crisis  Intervention" and "Personalized Recovery-Oriented Services" are matched by words.
    return identity_text(plain_text(value))


def levels_of_care(category: str | None, subcategory: str | None) -> frozenset[LevelOfCare]:
    """Levels of care of a program from its OMH category and subcategory (see `LEVELS`)."""
    keys = (("category", _key(category)), ("subcategory", _key(subcategory)))
    return frozenset(LEVELS[k] for k in keys if k in LEVELS)


def populations(served: str | None, program_type: str | None) -> tuple[frozenset[Population], list[str]]:
    """Populations from "Populations Served" and the program type, with warnings for unknown words."""
    found: set[Population] = set()
    unknown: list[str] = []
    for word in _key(served).split():
        if word in POPULATION_WORDS:
            found.add(POPULATION_WORDS[word])
        elif word not in _JOINING_WORDS:
            unknown.append(word)
    type_key = _key(program_type)
    found |= {population for phrase, population in POPULATION_TYPES.items() if phrase in type_key}
    words = " ".join(unknown)
    words = words if len(words) <= 200 else f"{words[:200]}…"
    warnings = [f"populations served {quoted(plain_text(served))}: unknown words {words}"] if unknown else []
    return frozenset(found), warnings


def coordinates(georeference: str | None, state: str | None = None) -> tuple[float | None, float | None, list[str]]:
    """(latitude, longitude, warnings) from a Socrata point `POINT (lon lat)`; the placeholder point is dropped.

    With the program's `state`, a point outside it is read back when swapped, else dropped
    (`pipeline.clean.check_coordinates`).
    """
    text = plain_text(georeference)
    if text is None:
        return None, None, []
    match = _POINT.match(text)
    if not match:
        return None, None, [f"georeference {quoted(text)} is not a point; dropped"]
    longitude, latitude = float(match.group(1)), float(match.group(2))
    if (longitude, latitude) == PLACEHOLDER_POINT:
        return None, None, [f"georeference {quoted(text)} is OMH's placeholder for a missing location; dropped"]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) and state is None:
        return None, None, [f"georeference {quoted(text)} is out of range; dropped"]
    latitude_ok, longitude_ok, problems = check_coordinates(latitude, longitude, state)
    return latitude_ok, longitude_ok, [f"georeference {quoted(text)}: {p}" for p in problems]


def _native_id(row: NyOmhProgramFields) -> tuple[str, str]:
    """Facility Code + Program Code, OMH's own id of a program; `RejectRow` when either is empty."""
    facility_code, program_code = clean_text(row.facility_code), clean_text(row.program_code)
    if not facility_code or not program_code:
        raise RejectRow("Program Code", "facility or program code is empty, so the program has no id")
    return facility_code, program_code


class NyOmhNormalizer(SourceNormalizer[NyOmhProgramFields]):
    """A program row of the OMH dataset."""

    name_column = "Program Name"
    name_what = "program name"
    state_column = "Program State"
    raw_model = NyOmhProgramFields
    name2_labels = ("facility name", "agency name")

    def fields(self, row: NyOmhProgramFields) -> SourceFields:
        """Program name and address; the facility's or agency's name as the second name; both phones as main numbers."""
        return SourceFields(
            text={
                "name": row.program_name,
                "facility name": row.facility_name,
                "agency name": row.agency_name,
                "street": row.program_address_1,
                "street2": row.program_address_2,
                "city": row.program_city,
            },
            state=row.program_state,
            zip=row.program_zip,
            phones=[(text, PhoneKind.MAIN) for text in (row.program_phone, row.agency_phone)],
        )

    def check(self, row: NyOmhProgramFields, draft: Draft) -> None:
        """Reject a program without both codes: they are its id."""
        _native_id(row)

    def coordinates(
        self, row: NyOmhProgramFields, fields: SourceFields, state: str | None
    ) -> tuple[float | None, float | None, list[str]]:
        """The Socrata point of the program (`coordinates`)."""
        return coordinates(row.georeference, state)

    def terms(self, row: NyOmhProgramFields, draft: Draft, codes: CodeReference) -> Terms:
        """Levels from category and subcategory, populations, and the three descriptive values as source codes."""
        served, warnings = populations(row.populations_served, row.program_type_description)
        category, subcategory, program_type = (
            plain_text(v)
            for v in (
                row.program_category_description,
                row.program_subcategory_description,
                row.program_type_description,
            )
        )
        source_codes = tuple(
            f"{column}:{value}"
            for column, value in (("category", category), ("subcategory", subcategory), ("type", program_type))
            if value
        )
        return Terms(
            levels_of_care=levels_of_care(category, subcategory),
            populations=served,
            source_codes=source_codes,
            warnings=warnings,
        )

    def identity(self, row: NyOmhProgramFields, draft: Draft) -> Identity:
        """Facility Code + Program Code, OMH's own id of a program (unique in the dataset)."""
        # Only used if two rows ever share the native id; the extract's timestamp is no content.
        rest = row.model_dump(exclude={"facility_code", "program_code", "row_created_date_time"})
        # The native id survives renames and moves.
        return Identity(_native_id(row), json.dumps(rest, sort_keys=True))

    def second_name(self, draft: Draft) -> str | None:
        """The facility's (else the agency's) name, unless it only repeats the program's."""
        name2 = super().second_name(draft)
        # A program named after its facility: the second line would repeat the first.
        return None if identity_text(name2) == identity_text(draft.name) else name2


_NORMALIZER = NyOmhNormalizer()


def normalize_program(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """Turn one program row into a listing, or raise `RejectRow`. `codes` is unused: the source has none."""
    return _NORMALIZER.normalize(record, codes, run_id)
