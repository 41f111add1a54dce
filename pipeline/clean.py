"""Field cleaners shared by every source: text, US states, ZIP codes and phone numbers.

Each cleaner returns the clean value (or None) plus the warnings a maintainer should see, and
never raises on bad input: deciding whether a bad field rejects a whole row is the caller's job.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from schemas.vocab import PhoneKind

#: USPS codes of the states, DC, the territories and the freely associated states SAMHSA lists.
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
        "FM",
        "MH",
        "PW",
    ]
)
#: States whose ZIP codes begin with 0, so a 4-digit ZIP there lost its leading zero in a spreadsheet.
ZERO_LEADING_ZIP_STATES = frozenset(["CT", "MA", "ME", "NH", "NJ", "RI", "VT", "PR", "VI"])

_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PLACEHOLDER_PHONES = re.compile(r"^(n/?a|none|not available|unknown|tbd|-+|\.+)$", re.IGNORECASE)
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension)\s*(\d{1,10})\s*$", re.IGNORECASE)


def clean_text(value: str | None) -> str | None:
    """Collapse whitespace, drop control characters, NFC-normalize; empty becomes None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", _CONTROL.sub("", value))
    text = _SPACE.sub(" ", text).strip()
    return text or None


def clean_state(value: str | None) -> str | None:
    """Return the USPS code, or None when the value is not a US state or territory."""
    text = (clean_text(value) or "").upper().replace(".", "")
    return text if text in US_STATES else None


def clean_zip(value: str | None, state: str | None) -> tuple[str | None, list[str]]:
    """Return the 5-digit ZIP and warnings; ZIP+4 is cut to 5 digits."""
    text = clean_text(value)
    if text is None:
        return None, []
    digits = re.sub(r"[\s-]", "", text)
    if re.fullmatch(r"\d{5}(\d{4})?", digits):
        return digits[:5], []
    # Spreadsheets turn 06810 into 6810; only pad where ZIPs really start with 0.
    if re.fullmatch(r"\d{4}", digits) and state in ZERO_LEADING_ZIP_STATES:
        return "0" + digits, [f"zip {text!r} padded to 0{digits}"]
    return None, [f"zip {text!r} is not a US ZIP code; dropped"]


@dataclass(frozen=True, slots=True)
class CleanPhone:
    """A valid phone number: E.164, extension and the text it was read from."""

    e164: str
    extension: str | None
    original: str
    kind: PhoneKind


def clean_phone(value: str | None, kind: PhoneKind) -> tuple[CleanPhone | None, list[str]]:
    """Parse a US phone number; placeholders and invalid numbers become None with a warning."""
    text = clean_text(value)
    if text is None:
        return None, []
    return _clean_phone_text(text, kind)


# Directories repeat numbers (an agency's intake line on all its sites): parse each text once.
@lru_cache(maxsize=100_000)
def _clean_phone_text(text: str, kind: PhoneKind) -> tuple[CleanPhone | None, list[str]]:
    if _PLACEHOLDER_PHONES.match(text):
        return None, [f"{kind} phone {text!r} is a placeholder; dropped"]
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
            return None, [f"{kind} phone {text!r} is not a valid number; dropped"]
        return CleanPhone(e164, extension, text, kind), []
    try:
        number = phonenumbers.parse(number_text, "US")
    except phonenumbers.NumberParseException:
        return None, [f"{kind} phone {text!r} is not a phone number; dropped"]
    # is_valid_number rejects 999-999-9999 and 000-000-0000 style fillers as well as typos.
    if not phonenumbers.is_valid_number(number):
        return None, [f"{kind} phone {text!r} is not a valid number; dropped"]
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return CleanPhone(e164, extension or number.extension or None, text, kind), []


# A ten-digit North American number, optionally with +1 or 1 in front, in the usual punctuation.
_PLAIN_NANP = re.compile(r"(?:\+?1[\s.-]*)?\(?(\d{3})\)?[\s.-]*(\d{3})[\s.-]*(\d{4})")


@lru_cache(maxsize=200_000)
def _nanp_e164(digits: str) -> str | None:
    """E.164 of a valid ten-digit NANP number, else None; the same verdict as phonenumbers.parse + is_valid_number."""
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits))
    # Checking the US first avoids trying every NANP region's patterns (which also thrashes the
    # `re` module's pattern cache); territories and Canada fall through to the full check.
    if phonenumbers.is_valid_number_for_region(number, "US") or phonenumbers.is_valid_number(number):
        return f"+1{digits}"
    return None


@lru_cache(maxsize=100_000)
def identity_text(value: str | None) -> str:
    """Fold a value for identity keys: case, accents, punctuation and spacing do not count."""
    if not value:
        return ""
    if value.isascii():
        text = value.lower()  # nothing to decompose: the common case, and far cheaper
    else:
        text = unicodedata.normalize("NFKD", value)
        text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    # "St. John's" and "St Johns" are the same name: apostrophes join, other punctuation splits.
    text = text.replace("'", "").replace("\u2019", "")
    return _SPACE.sub(" ", re.sub(r"[^a-z0-9]+", " ", text)).strip()
