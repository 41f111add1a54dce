"""Phone texts: the E.164 form, placeholders, and North American numbers in the usual spellings."""

import re

from hypothesis import strategies as st

from tests.strategies import Draw

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
PLACEHOLDER_PHONES = ["(999) 999-9999", "000-000-0000", "999-999-9999", "Not Available", "N/A", "n/a", "none", "---"]

AREA_CODES = ["205", "212", "415", "907", "808", "787", "671", "340", "684", "416", "800", "888", "555", "911", "123"]


@st.composite
def nanp_phone(draw: Draw) -> tuple[str, str, str | None]:
    """A ten-digit North American number in one of the usual spellings: (text, digits, extension)."""
    area = draw(st.sampled_from(AREA_CODES) | st.from_regex(r"\A[0-9]{3}\Z"))
    exchange, line = draw(st.from_regex(r"\A[0-9]{3}\Z")), draw(st.from_regex(r"\A[0-9]{4}\Z"))
    form = draw(
        st.sampled_from(
            [
                "({a}) {e}-{l}",
                "({a}){e}-{l}",
                "{a}-{e}-{l}",
                "{a}.{e}.{l}",
                "{a} {e} {l}",
                "{a}{e}{l}",
                "+1 {a} {e} {l}",
                "+1-{a}-{e}-{l}",
                "+1 ({a}) {e}-{l}",
                "1-{a}-{e}-{l}",
                "1 ({a}) {e}-{l}",
                "1{a}{e}{l}",
            ]
        )
    )
    extension = draw(st.none() | st.from_regex(r"\A[0-9]{1,6}\Z"))
    spelled = draw(st.sampled_from([" x{x}", " ext. {x}", " ext {x}", " Ext.{x}", " extension {x}", "x{x}", " X {x}"]))
    text = form.format(a=area, e=exchange, l=line) + (spelled.format(x=extension) if extension else "")
    return text, area + exchange + line, extension
