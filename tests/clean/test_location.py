"""Places written on providers' pages, read with the directories' address parser."""

import pytest

from pipeline.clean.location import Location, parse_location

CASES = [
    ("one line", "1221 Main St, Towson, MD 21204", Location("1221 Main St", "Towson", "MD", "21204")),
    (
        "street and city on two lines, state spelled out",
        "6501 N. Charles Street\nBaltimore, Maryland 21204",
        Location("6501 N. Charles Street", "Baltimore", "MD", "21204"),
    ),
    (
        "a footer line with name, phone and bars",
        "Acme Recovery | 55 Elm Street | Austin, TX 78701 | (512) 555-0100",
        Location("55 Elm Street", "Austin", "TX", "78701"),
    ),
    ("city and state only", "Atlanta, Georgia", Location(None, "Atlanta", "GA", None)),
    ("city and USPS code", "Norfolk, VA", Location(None, "Norfolk", "VA", None)),
    (
        "a suite stays with the street",
        "300 Oak Ave, Suite 200, Princeton, NJ 08540",
        Location("300 Oak Ave Suite 200", "Princeton", "NJ", "08540"),
    ),
    ("ZIP+4 is cut to five digits", "9 Pine Rd, Salem, OR 97301-1234", Location("9 Pine Rd", "Salem", "OR", "97301")),
]

NOTHING = [
    ("no state named", "Call (555) 010-0199"),
    ("office hours", "Mon-Fri 9am-5pm"),
    ("a state-like word in prose", "Serving Charlotte, NC and surrounding areas"),
    ("empty", ""),
    ("none", None),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_place_is_read(text: str, expected: Location) -> None:
    assert parse_location(text) == expected


@pytest.mark.parametrize("text", [c[1] for c in NOTHING], ids=[c[0] for c in NOTHING])
def test_no_state_gives_no_place(text: str | None) -> None:
    assert parse_location(text) is None
