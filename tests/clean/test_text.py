"""Phone, ZIP, state and text normalization, table-driven."""

import pytest

from pipeline.clean.text import clean_phone, clean_state, clean_text, clean_zip, identity_text
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


@pytest.mark.parametrize(
    ("text", "state", "zip5", "warned"),
    [
        ("35007", "AL", "35007", False),
        ("35007-1234", "AL", "35007", False),
        ("350071234", "AL", "35007", False),
        ("6810", "CT", "06810", True),
        ("6810", "TX", None, True),
        ("ABCDE", "AL", None, True),
        ("", "AL", None, False),
    ],
)
def test_zip(text: str, state: str, zip5: str | None, warned: bool) -> None:
    value, warnings = clean_zip(text, state)
    assert value == zip5
    assert bool(warnings) == warned


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("AL", "AL"),
        (" al ", "AL"),
        ("D.C.", "DC"),
        ("PR", "PR"),
        ("GU", "GU"),
        ("XX", None),
        ("Alabama", None),
        ("", None),
        (None, None),
    ],
)
def test_state(text: str | None, state: str | None) -> None:
    assert clean_state(text) == state


@pytest.mark.parametrize(
    ("text", "clean"),
    [("  a  b ", "a b"), ("a\x00b", "ab"), ("\t\n", None), (None, None), ("Cafe\u0301", "Café")],
)
def test_clean_text(text: str | None, clean: str | None) -> None:
    assert clean_text(text) == clean


def test_identity_text_ignores_case_punctuation_and_accents() -> None:
    assert identity_text("St. John's  Café") == identity_text("ST JOHNS CAFE") == "st johns cafe"
