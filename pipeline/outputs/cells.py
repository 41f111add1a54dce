"""What a CSV cell may hold: the one rule every CSV the project writes or prints follows.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets, and listing names and texts come from the web. Such text
cells get a leading apostrophe (`'=HYPERLINK(…)`), as OWASP recommends: spreadsheets show the
text as typed and never evaluate it. Two kinds of cell are left alone because they are numbers,
not formulas: numbers themselves (a negative longitude is not text), and an E.164 phone number
(`+15551234567`: a `+` followed by digits only), which a spreadsheet at worst reads as that number.
Used by the file exports (`tabular`) and by every CSV the CLI prints (`query`, `flags`, `changes`).
"""

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# ASCII digits only: `\d` would also take other scripts' digits, which are no phone number.
_E164 = re.compile(r"\+[0-9]+")


def neutralize(value: str) -> str:
    """A text cell that no spreadsheet evaluates as a formula."""
    if not value.startswith(FORMULA_STARTS) or _E164.fullmatch(value):
        return value
    return "'" + value


def csv_value(value: Any) -> Any:
    """A value as a CSV writer should get it: text neutralized, anything else unchanged."""
    return neutralize(value) if isinstance(value, str) else value
