"""ZIP codes and states, table-driven."""

import pytest

from pipeline.clean import clean_state, clean_zip


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
