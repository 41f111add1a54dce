"""Cleaners of US postal addresses: state codes and ZIP codes."""

import re

from pipeline.clean.text import ascii_digits, plain_text, quoted

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
#: A ZIP code or ZIP+4 once spaces and hyphens are gone.
ZIP_PATTERN = r"[0-9]{5}(?:[0-9]{4})?"
#: States whose ZIP codes begin with 0, so a 4-digit ZIP there lost its leading zero in a spreadsheet.
ZERO_LEADING_ZIP_STATES = frozenset(["CT", "MA", "ME", "NH", "NJ", "RI", "VT", "PR", "VI"])


def clean_state(value: str | None) -> str | None:
    """Return the USPS code, or None when the value is not a US state or territory."""
    text = ascii_digits(plain_text(value) or "").upper().replace(".", "")
    return text if text in US_STATES else None


def state_problem(value: str | None) -> str:
    """Why a value is no state, for a reject: "state is empty" or "'Calif' is not a US state or territory"."""
    text = plain_text(value)
    return "state is empty" if text is None else f"{quoted(text)} is not a US state or territory"


def clean_zip(value: str | None, state: str | None) -> tuple[str | None, list[str]]:
    """Return the 5-digit ZIP and warnings; ZIP+4 is cut to 5 digits."""
    text = plain_text(value)
    if text is None:
        return None, []
    digits = re.sub(r"[\s-]", "", ascii_digits(text))
    # [0-9], not \d: \d also matches Arabic-Indic and other digits, which are no ZIP.
    if re.fullmatch(ZIP_PATTERN, digits):
        return digits[:5], []
    # Spreadsheets turn 06810 into 6810; only pad where ZIPs really start with 0.
    if re.fullmatch(r"[0-9]{4}", digits) and state in ZERO_LEADING_ZIP_STATES:
        return "0" + digits, [f"zip {text!r} padded to 0{digits}"]
    return None, [f"zip {quoted(text)} is not a US ZIP code; dropped"]
