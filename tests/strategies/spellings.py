"""Words, and spellings of them that differ only in case, accents, apostrophes, punctuation and spacing."""

import string

from hypothesis import strategies as st

from tests.strategies import Draw

ACCENTED = {
    "a": "áàâäåÁ",
    "c": "çÇ",
    "e": "éèêëÉ",
    "i": "íïÎ",
    "n": "ñÑ",
    "o": "óôöÖ",
    "u": "úüÜ",
}
words = st.lists(st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8), min_size=1, max_size=6)


@st.composite
def disguised(draw: Draw, parts: list[str]) -> str:
    """Words with other case, accents, apostrophes inside, and punctuation and spacing between them."""
    out = []
    for word in parts:
        letters = []
        for c in word:
            if c in ACCENTED and draw(st.integers(0, 3)) == 0:
                c = draw(st.sampled_from(ACCENTED[c]))
            elif draw(st.booleans()):
                c = c.upper()
            letters.append(c)
        if len(letters) > 1 and draw(st.integers(0, 4)) == 0:
            letters.insert(draw(st.integers(1, len(letters) - 1)), draw(st.sampled_from(["'", "\u2019"])))
        out.append("".join(letters))
    separators = st.sampled_from([" ", "  ", ", ", " - ", ". ", " / ", " & ", "\t", "\u00a0", " (", ") "])
    return (
        draw(st.sampled_from(["", " ", "("]))
        + "".join(w + (draw(separators) if i < len(out) - 1 else "") for i, w in enumerate(out))
        + draw(st.sampled_from(["", ".", " ", ")"]))
    )
