"""Code lists and service labels: the 2023 code references, code lists spaced any way, FindTreatment's labels."""

import string
from functools import cache

from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from pipeline.sources.findtreatment.labels import ALIASES, LABEL_CODES, REFERENCE_LABELS
from pipeline.sources.samhsa.codes import CODE_MAP, CodeEntry, CodeReference
from tests.conftest import REPLAY_FIXTURE
from tests.strategies import Draw


@cache
def reference(kind: str) -> CodeReference:
    """The code reference of a 2023 national directory ("su" or "mh"), or the FindTreatment labels' ("labels")."""
    if kind == "labels":
        return LABEL_CODES
    path = REPLAY_FIXTURE / "samhsa-national-directory-2023" / f"national-directory-{kind}-facilities-2023.xlsx"
    rows = CalamineWorkbook.from_path(path).get_sheet_by_name("Service Code Reference").to_python()[1:]
    return CodeReference(CodeEntry(*(str(cell).strip() for cell in row[:5])) for row in rows)


KNOWN_CODES = sorted({code for _, code in CODE_MAP} | {e.code for e in reference("su").entries.values()})
WHITESPACE = [" ", " ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\x1f"]
code_tokens = st.sampled_from(KNOWN_CODES) | st.just("*") | st.text(string.ascii_uppercase + string.digits, max_size=5)
code_lists = st.lists(code_tokens, max_size=40)
references = st.sampled_from(["su", "mh", "labels"])


@st.composite
def spaced(draw: Draw, tokens: list[str]) -> str:
    """Tokens joined by any run of whitespace, with whitespace around them."""
    separators = st.lists(st.sampled_from(WHITESPACE), min_size=1, max_size=3).map("".join)
    return "".join(draw(separators) + token for token in tokens) + draw(st.sampled_from(["", " ", "\n"]))


KNOWN_LABELS = sorted(set(REFERENCE_LABELS) | set(ALIASES))
categories = st.none() | st.sampled_from(["SET", "AGE", "SG", "TC", "edu", "AS", ""]) | st.text(max_size=6)
