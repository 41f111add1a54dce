"""A place written as text on a provider's page ("6501 N. Charles St., Towson, MD 21204", "Atlanta,
Georgia") read into street, city, state and ZIP, with the parser the directories' streets go through.

The text is tagged by `usaddress` (as `pipeline.clean.street` does for street addresses), one
candidate at a time: each line, and each line joined with the next (a footer puts the street on one
line and "City, ST ZIP" on the next). The candidate with a state and the most parts wins; a state
is a USPS code or a state's name (USPS Publication 28's table in `usaddress-scourgify`). A text that
names no state gives nothing: a city alone does not place a program.
"""

import itertools
import re
from dataclasses import dataclass

import usaddress
from scourgify.address_constants import STATE_ABBREVIATIONS

from pipeline.clean.address import US_STATES, clean_zip

_STREET_LABELS = (
    "AddressNumber",
    "StreetNamePreModifier",
    "StreetNamePreDirectional",
    "StreetNamePreType",
    "StreetName",
    "StreetNamePostType",
    "StreetNamePostDirectional",
    "OccupancyType",
    "OccupancyIdentifier",
)
# Lines are cut at these marks too: footers separate address, phone and hours with bars and bullets.
_SEPARATORS = re.compile(r"\s*(?:\n|\||•|·|\u2022)\s*")
_MAX_CANDIDATE_CHARS = 200


@dataclass(frozen=True)
class Location:
    """The parts of a place a text names; None where it names none."""

    street: str | None
    city: str | None
    state: str
    zip5: str | None


def state_code(value: str | None) -> str | None:
    """The USPS code of a state written as its code or its name ("Georgia", "GA", "Ga."), else None."""
    if not value:
        return None
    key = re.sub(r"[^A-Z ]", "", value.upper()).strip()
    code = STATE_ABBREVIATIONS.get(key, key)
    return code if code in US_STATES else None


def _clean(value: str | None) -> str | None:
    text = (value or "").strip(" ,.;:")
    return text or None


def _read(candidate: str) -> Location | None:
    try:
        tagged, _ = usaddress.tag(candidate)
    except usaddress.RepeatedLabelError:
        return None
    state = state_code(tagged.get("StateName"))
    if state is None:
        return None
    street = " ".join(tagged[label] for label in _STREET_LABELS if label in tagged)
    # A street needs its number and name; "Suite 200" alone is no street.
    has_street = "AddressNumber" in tagged and "StreetName" in tagged
    zip5, _ = clean_zip(tagged.get("ZipCode"), state)
    return Location(_clean(street) if has_street else None, _clean(tagged.get("PlaceName")), state, zip5)


def _score(location: Location) -> int:
    return sum(part is not None for part in (location.street, location.city, location.zip5))


def parse_location(text: str | None) -> Location | None:
    """The street, city, state and ZIP a text names, or None when it names no US state."""
    if not text:
        return None
    lines = [line for line in _SEPARATORS.split(text) if line]
    candidates = [*lines, *(f"{a}, {b}" for a, b in itertools.pairwise(lines))]
    best: Location | None = None
    for candidate in candidates:
        if len(candidate) > _MAX_CANDIDATE_CHARS:
            continue
        location = _read(candidate)
        if location is not None and (best is None or _score(location) > _score(best)):
            best = location
    return best
