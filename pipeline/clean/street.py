"""US street addresses parsed into components with `usaddress` and standardized to USPS Publication 28.

`parse_street("1140 West 500 South Street, Suite 4")` gives `StreetParts(number="1140",
predirectional="W", name="500 S", suffix="ST", postdirectional=None, unit="STE 4", parser=...)`.

- The parser is `usaddress` (a conditional random field trained on US addresses); the USPS
  abbreviations of street types, directionals and unit designators are the tables of
  `usaddress-scourgify` (Publication 28). Spelled-out ordinals become numbers ("Third" = "3",
  "164th" = "164"), so "550 First Avenue" and "550 1st Avenue" have one street name.
- The house number is split off first and only the rest of the address is parsed, and a cache
  holds the parsed rests: the many addresses of one street cost one parse.
- What `usaddress` cannot label unambiguously falls back to a plain reading: a leading number is
  the house number, the rest the street name (`parser` says which reading was used).
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import pyarrow as pa
import usaddress
from scourgify.address_constants import (
    DIRECTIONAL_REPLACEMENTS,
    OCCUPANCY_TYPE_ABBREVIATIONS,
    STREET_TYPE_ABBREVIATIONS,
)

from pipeline.clean.text import identity_text

PARSER_USADDRESS = "usaddress"
PARSER_FALLBACK = "fallback"

# A house number: digits, optionally a letter ("506B") or a Queens-style hyphenated pair ("90-27"),
# or a fraction ("728 1/2"). The same pattern splits addresses in SQL (RE2: no lookaround).
NUMBER_PATTERN = r"^\s*(\d+(?:-\d+)?[A-Za-z]?)(?:\s+1/2)?(?:[\s,]+|$)"
_NUMBER = re.compile(NUMBER_PATTERN)
_NON_WORD = re.compile(r"[^A-Za-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_ORDINAL_SUFFIX = re.compile(r"^(\d+)(?:ST|ND|RD|TH)$")
_ORDINAL_WORDS = {
    "FIRST": "1",
    "SECOND": "2",
    "THIRD": "3",
    "FOURTH": "4",
    "FIFTH": "5",
    "SIXTH": "6",
    "SEVENTH": "7",
    "EIGHTH": "8",
    "NINTH": "9",
    "TENTH": "10",
    "ELEVENTH": "11",
    "TWELFTH": "12",
    "THIRTEENTH": "13",
    "FOURTEENTH": "14",
    "FIFTEENTH": "15",
    "SIXTEENTH": "16",
    "SEVENTEENTH": "17",
    "EIGHTEENTH": "18",
    "NINETEENTH": "19",
    "TWENTIETH": "20",
}
# A rest is parsed behind a stand-in number, so the model sees the address shape it was trained on.
_STAND_IN = "1 "
_CACHE_SIZE = 1 << 18


@dataclass(frozen=True)
class StreetParts:
    """The components of one street address, USPS-standardized, upper case; None where absent."""

    number: str | None
    predirectional: str | None
    name: str | None
    suffix: str | None
    postdirectional: str | None
    unit: str | None
    parser: str

    @property
    def house(self) -> str | None:
        """The house number's digits ("506B" and "506" are one house; "90-27" stays whole)."""
        return None if self.number is None else re.sub(r"[A-Za-z]$", "", self.number)


def _word(value: str) -> str:
    # One street-name word standardized: ordinals as numbers, directionals as their letters.
    ordinal = _ORDINAL_SUFFIX.match(value)
    if ordinal:
        return ordinal[1]
    return _ORDINAL_WORDS.get(value) or DIRECTIONAL_REPLACEMENTS.get(value) or value


def _standard_name(value: str | None) -> str | None:
    if not value:
        return None
    # Folded as identities are (accents, apostrophes: "O'Hara" = "OHARA"); other punctuation
    # separates words: "22-B" is "22 B", which the street key reads as "22B".
    words = [_word(w) for w in identity_text(value).upper().split()]
    return " ".join(words) or None


def _standard(table: dict[str, str], value: str | None) -> str | None:
    if not value:
        return None
    key = _SPACES.sub(" ", _NON_WORD.sub("", value)).upper().strip()
    return table.get(key, key) or None


def _unit(tagged: dict[str, str]) -> str | None:
    parts = []
    for kind, ident in (("SubaddressType", "SubaddressIdentifier"), ("OccupancyType", "OccupancyIdentifier")):
        kind_text = _standard(OCCUPANCY_TYPE_ABBREVIATIONS, tagged.get(kind))
        ident_text = _standard_name(tagged.get(ident))
        piece = " ".join(p for p in (kind_text, ident_text) if p)
        if piece:
            parts.append(piece)
    return " ".join(parts) or None


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_rest(rest: str) -> tuple[str | None, str | None, str | None, str | None, str | None, str]:
    """(predirectional, name, suffix, postdirectional, unit, parser) of an address without its number."""
    try:
        tagged, kind = usaddress.tag(_STAND_IN + rest)
    except usaddress.RepeatedLabelError:
        return None, _standard_name(rest), None, None, None, PARSER_FALLBACK
    name = " ".join(v for k, v in tagged.items() if k in ("StreetNamePreModifier", "StreetNamePreType", "StreetName"))
    if kind != "Street Address" and not name:
        return None, _standard_name(rest), None, None, None, PARSER_FALLBACK
    return (
        _standard(DIRECTIONAL_REPLACEMENTS, tagged.get("StreetNamePreDirectional")),
        _standard_name(name) or _standard_name(rest),
        _standard(STREET_TYPE_ABBREVIATIONS, tagged.get("StreetNamePostType")),
        _standard(DIRECTIONAL_REPLACEMENTS, tagged.get("StreetNamePostDirectional")),
        _unit(tagged),
        PARSER_USADDRESS,
    )


# The number and everything it takes from the front of the address, in one match.
_SPLIT_PATTERN = "^(" + NUMBER_PATTERN.removeprefix("^") + ")?"


def split_sql(street: str) -> str:
    """SQL for a struct of the house number (`number`, '' when none) and the length of the prefix it
    takes (`taken`) of the street address `street`: one regular-expression match per address."""
    return f"regexp_extract({street}, '{_SPLIT_PATTERN}', ['taken', 'number'])"


def rest_sql(street: str, split: str | None = None) -> str:
    """SQL for the street address `street` without its house number, trimmed, spaces collapsed.

    `split` is the column or expression of `split_sql(street)` when the caller has it already.
    """
    rest = f"trim(substr({street}, strlen(({split or split_sql(street)}).taken) + 1), ' \t\n\r,')"
    # Stored addresses have their whitespace collapsed already; the costlier rewrite only when not
    # (the address is tested, not the rest: the same answer without working the rest out again).
    spaced = " OR ".join(
        f"contains({street}, {c})" for c in ("'  '", "chr(9)", "chr(10)", "chr(13)", "chr(11)", "chr(12)")
    )
    return f"CASE WHEN {spaced} THEN regexp_replace({rest}, '\\s+', ' ', 'g') ELSE {rest} END"


def split_columns_sql(street: str, split: str) -> dict[str, str]:
    """SQL for the stored split of `street` given its `split_sql` struct `split`: the house number
    (upper case, NULL when none) and the rest (NULL for a NULL street)."""
    return {"street_number": f"nullif(upper(({split}).number), '')", "street_rest": rest_sql(street, split)}


#: The columns of `parsed_rests`, as SQL, in order.
PARSED_REST_COLUMNS = (
    "rest VARCHAR, predirectional VARCHAR, name VARCHAR, suffix VARCHAR, postdirectional VARCHAR, "
    "unit VARCHAR, parser VARCHAR"
)


def parse_rests(rests: list[str]) -> list[tuple[str | None, str | None, str | None, str | None, str | None, str]]:
    """(predirectional, name, suffix, postdirectional, unit, parser) of addresses without their numbers."""
    return [_parse_rest(rest) for rest in rests]


def parsed_rests(rests: list[str]) -> pa.Table:
    """An Arrow table of each rest with its parsed components (the columns of `PARSED_REST_COLUMNS`)."""
    parsed = parse_rests(rests)
    columns = list(zip(*parsed, strict=True)) if parsed else [[] for _ in range(6)]
    names = ("predirectional", "name", "suffix", "postdirectional", "unit", "parser")
    return pa.table(
        {
            "rest": pa.array(rests, pa.string()),
            **{name: pa.array(values, pa.string()) for name, values in zip(names, columns, strict=True)},
        }
    )


def parse_street(street: str | None) -> StreetParts | None:
    """The components of a street address ("123 N. Main Street, Ste 4"); None for an empty one."""
    if street is None or not street.strip():
        return None
    number_match = _NUMBER.match(street)
    number = number_match[1].upper() if number_match else None
    rest = street[number_match.end() :] if number_match else street
    if not rest.strip():
        return StreetParts(number, None, None, None, None, None, PARSER_FALLBACK)
    pre, name, suffix, post, unit, parser = _parse_rest(_SPACES.sub(" ", rest.strip()))
    return StreetParts(number, pre, name, suffix, post, unit, parser)
