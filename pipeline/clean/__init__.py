"""Cleaners of single values: text, markup, US states and ZIP codes, phone numbers, coordinates.

Each rule is written once here and used by every source normalizer and the set-based bulk path.
Each cleaner returns the clean value (or None) plus the warnings a maintainer should see, and
never raises on bad input: deciding whether a bad field rejects a whole row is the caller's job.

Modules, by what they clean: `text` (whitespace, control and invisible characters, names,
identity keys), `markup` (HTML and character references), `address` (states, ZIP codes),
`phone`, `coordinates`, `web` (websites: http(s) URLs with a valid host); two readers of page text,
`payers` (payers accepted and excluded) and `page_services` (services named). Callers import the
public names from this package.
Imports only `schemas`.
"""

from pipeline.clean.address import (
    US_STATES,
    ZERO_LEADING_ZIP_STATES,
    ZIP_PATTERN,
    clean_state,
    clean_zip,
    state_problem,
)
from pipeline.clean.coordinates import check_coordinates, clean_coordinates
from pipeline.clean.markup import CHAR_REF_PATTERN, has_markup, strip_markup
from pipeline.clean.page_services import ServiceReading, read_services
from pipeline.clean.payers import PAYER_NAMES, PayerReading, read_payers
from pipeline.clean.phone import (
    EXTENSION_PATTERN,
    MAX_PHONE_CHARS,
    PLAIN_NANP_PATTERN,
    CleanPhone,
    clean_phone,
    nanp_valid_pattern,
)
from pipeline.clean.text import ascii_digits, clean_markup_text, clean_text, has_name, identity_text, plain_text, quoted
from pipeline.clean.web import clean_website, valid_host

__all__ = [
    "CHAR_REF_PATTERN",
    "EXTENSION_PATTERN",
    "MAX_PHONE_CHARS",
    "PAYER_NAMES",
    "PLAIN_NANP_PATTERN",
    "US_STATES",
    "ZERO_LEADING_ZIP_STATES",
    "ZIP_PATTERN",
    "CleanPhone",
    "PayerReading",
    "ServiceReading",
    "ascii_digits",
    "check_coordinates",
    "clean_coordinates",
    "clean_markup_text",
    "clean_phone",
    "clean_state",
    "clean_text",
    "clean_website",
    "clean_zip",
    "has_markup",
    "has_name",
    "identity_text",
    "nanp_valid_pattern",
    "plain_text",
    "quoted",
    "read_payers",
    "read_services",
    "state_problem",
    "strip_markup",
    "valid_host",
]
