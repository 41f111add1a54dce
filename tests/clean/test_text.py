"""Text normalization and identity folding, table-driven."""

import pytest

from pipeline.clean import clean_text, identity_text


@pytest.mark.parametrize(
    ("text", "clean"),
    [("  a  b ", "a b"), ("a\x00b", "ab"), ("\t\n", None), (None, None), ("Cafe\u0301", "Café")],
)
def test_clean_text(text: str | None, clean: str | None) -> None:
    assert clean_text(text) == clean


def test_identity_text_ignores_case_punctuation_and_accents() -> None:
    assert identity_text("St. John's  Café") == identity_text("ST JOHNS CAFE") == "st johns cafe"
