"""Cleaners of phone numbers: US (NANP) numbers with extensions, to E.164."""

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from pipeline.clean.text import ascii_digits, plain_text, quoted
from schemas.vocab import PhoneKind

_PLACEHOLDER_PHONES = re.compile(r"^(n/?a|none|not available|unknown|tbd|-+|\.+)$", re.IGNORECASE)
#: An extension at the end of a phone number ("x204", "ext. 12"), any case.
EXTENSION_PATTERN = r"\s*(?:x|ext\.?|extension)\s*([0-9]{1,10})\s*$"
_EXTENSION = re.compile(EXTENSION_PATTERN, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CleanPhone:
    """A valid phone number: E.164, extension and the text it was read from."""

    e164: str
    extension: str | None
    original: str
    kind: PhoneKind


def clean_phone(value: str | None, kind: PhoneKind) -> tuple[CleanPhone | None, list[str]]:
    """Parse a US phone number; placeholders and invalid numbers become None with a warning."""
    text = plain_text(value)
    if text is None:
        return None, []
    if len(text) > MAX_PHONE_CHARS:
        return None, [f"{kind} phone {quoted(text)} is not a phone number; dropped"]
    return _clean_phone_text(ascii_digits(text), kind)


#: Longer than any way of writing a number with an extension; longer text is prose, not a number,
#: and is neither parsed nor cached.
MAX_PHONE_CHARS = 60


# Directories repeat numbers (an agency's intake line on all its sites): parse each text once.
@lru_cache(maxsize=100_000)
def _clean_phone_text(text: str, kind: PhoneKind) -> tuple[CleanPhone | None, list[str]]:
    if _PLACEHOLDER_PHONES.match(text):
        return None, [f"{kind} phone {quoted(text)} is a placeholder; dropped"]
    extension = None
    if match := _EXTENSION.search(text):
        extension = match.group(1)
        number_text = text[: match.start()]
    else:
        number_text = text
    if plain := _PLAIN_NANP.fullmatch(number_text):
        # Nearly every directory number is written "(205) 216-0200" or "205-216-0200": reading the
        # digits directly skips phonenumbers' general parser, which costs more than all the rest.
        e164 = _nanp_e164("".join(plain.groups()))
        if e164 is None:
            return None, [f"{kind} phone {quoted(text)} is not a valid number; dropped"]
        return CleanPhone(e164, extension, text, kind), []
    try:
        number = phonenumbers.parse(number_text, "US")
    except phonenumbers.NumberParseException:
        return None, [f"{kind} phone {quoted(text)} is not a phone number; dropped"]
    # is_valid_number rejects 999-999-9999 and 000-000-0000 style fillers as well as typos.
    if not phonenumbers.is_valid_number(number):
        return None, [f"{kind} phone {quoted(text)} is not a valid number; dropped"]
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    number_extension = number.extension if number.extension and number.extension.isascii() else None
    if number.extension and not number_extension:
        return None, [f"{kind} phone {quoted(text)} has an extension that is not digits; dropped"]
    return CleanPhone(e164, extension or number_extension, text, kind), []


#: A ten-digit North American number, optionally with +1 or 1 in front, in the usual punctuation.
#: [0-9], not \d: int() would read other scripts' digits, and E.164 is ASCII. (Also run by DuckDB's
#: RE2 in `pipeline.sources.samhsa.bulk`, so it stays within the syntax both engines read alike.)
PLAIN_NANP_PATTERN = r"(?:\+?1[\s.-]*)?\(?([0-9]{3})\)?[\s.-]*([0-9]{3})[\s.-]*([0-9]{4})"
_PLAIN_NANP = re.compile(PLAIN_NANP_PATTERN)


@lru_cache(maxsize=1)
def nanp_valid_pattern() -> str:
    """A regular expression matching exactly the ten-digit NANP numbers `_nanp_e164` accepts.

    Built from phonenumbers' own metadata: a number is valid when some NANP region has a number
    type (fixed line, mobile, toll free, ...) whose pattern it matches, and every type pattern
    lies inside its region's general pattern. For set-based cleaning in DuckDB, which cannot call
    phonenumbers; `tests/sources/samhsa/test_bulk.py` checks the two agree.
    """
    from phonenumbers import PhoneMetadata
    from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

    types = (
        "fixed_line",
        "mobile",
        "toll_free",
        "premium_rate",
        "shared_cost",
        "personal_number",
        "voip",
        "pager",
        "uan",
        "voicemail",
    )
    patterns: list[str] = []
    for region in COUNTRY_CODE_TO_REGION_CODE[1]:
        metadata = PhoneMetadata.metadata_for_region(region)
        for name in types:
            desc = getattr(metadata, name)
            if desc is not None and desc.national_number_pattern and 10 in (desc.possible_length or (10,)):
                patterns.append(desc.national_number_pattern)
    return "(?:" + "|".join(f"(?:{p})" for p in dict.fromkeys(patterns)) + ")"


@lru_cache(maxsize=200_000)
def _nanp_e164(digits: str) -> str | None:
    """E.164 of a valid ten-digit NANP number, else None; the same verdict as phonenumbers.parse + is_valid_number."""
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits))
    # Checking the US first avoids trying every NANP region's patterns (which also thrashes the
    # `re` module's pattern cache); territories and Canada fall through to the full check.
    if phonenumbers.is_valid_number_for_region(number, "US") or phonenumbers.is_valid_number(number):
        return f"+1{digits}"
    return None
