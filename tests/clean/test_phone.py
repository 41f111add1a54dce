"""Phone numbers, table-driven."""

import pytest

from pipeline.clean import clean_phone
from schemas.vocab import PhoneKind


@pytest.mark.parametrize(
    ("text", "e164", "extension"),
    [
        ("205-216-0200", "+12052160200", None),
        ("256-234-4894 x1234", "+12562344894", "1234"),
        ("(907) 433-7080 ext. 12", "+19074337080", "12"),
        ("800-273HOPE", "+18002734673", None),
        ("888-PARNEXT", "+18887276398", None),
        ("671-555-1234", "+16715551234", None),  # Guam, on the US numbering plan
        ("1-787-555-1234", "+17875551234", None),
        ("  205 216 0200  ", "+12052160200", None),
    ],
)
def test_valid_phones(text: str, e164: str, extension: str | None) -> None:
    phone, warnings = clean_phone(text, PhoneKind.MAIN)
    assert phone is not None and warnings == []
    assert (phone.e164, phone.extension, phone.original) == (e164, extension, text.strip())


@pytest.mark.parametrize(
    "text", ["Not Available", "N/A", "none", "(999) 999-9999", "000-000-0000", "123", "call us", "---"]
)
def test_placeholder_and_invalid_phones_become_empty_with_a_warning(text: str) -> None:
    phone, warnings = clean_phone(text, PhoneKind.INTAKE)
    assert phone is None
    assert len(warnings) == 1 and "intake phone" in warnings[0]


@pytest.mark.parametrize("text", [None, "", "   "])
def test_missing_phone_is_silent(text: str | None) -> None:
    assert clean_phone(text, PhoneKind.MAIN) == (None, [])
