"""Text of any shape: odd characters, any Python string, what a raw cell may hold, digit soup, URLs."""

from hypothesis import strategies as st

#: Characters that have broken text handling somewhere: controls, NUL, invisible formatting,
#: characters whose case mapping or normalization changes their length, other scripts' digits,
#: line and paragraph separators, markup, and a lone surrogate (valid in a Python str, not in UTF-8).
ODD = [
    "\x00",
    "\x07",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "\x7f",
    "\x85",
    "\r\n",
    "\t",
    "\u00a0",
    "\u00ad",
    "\u0301",
    "\u0130",  # İ: lower-cases to two characters
    "\u00df",
    "\ufb01",  # ﬁ
    "\u00bd",  # ½
    "\u03a3",
    "\u1e9e",
    "\u200b",
    "\u200f",
    "\u202e",
    "\u2028",
    "\u2029",
    "\u3000",
    "\ufeff",
    "\uff11\uff12",  # full-width digits
    "\u0663",  # Arabic-Indic 3
    "\U0001f600",
    "\u2013",
    "\u2019",
    "<b>",
    "</p>",
    "<br/>",
    "&amp;",
    "&#0;",
    "\ud800",
]
ODD_NO_SURROGATE = [c for c in ODD if not any(0xD800 <= ord(x) <= 0xDFFF for x in c)]

#: Any Python string, plus strings built from the odd characters above.
any_text = (
    st.text(max_size=200)
    | st.lists(st.sampled_from(ODD) | st.text(max_size=4), max_size=25).map("".join)
    | st.text(st.characters(codec="utf-8"), max_size=50)
)
#: What a raw record's cell may hold: valid Unicode (the raw layer refuses half a surrogate pair).
cell_text = st.text(max_size=120) | st.lists(st.sampled_from(ODD_NO_SURROGATE) | st.text(max_size=4), max_size=20).map(
    "".join
)
digit_soup = st.text(alphabet="0123456789 -:/.()+x", max_size=60)

urls = st.sampled_from(
    [
        "http://[x",
        "https://[::1",
        "//[",
        "http://a:b@[",
        "http://x:99999999",
        "WWW.Example.ORG/iop",
        "https://www.x.org",
    ]
) | st.builds("{}://{}".format, st.sampled_from(["http", "https", "HTTP", "ftp"]), any_text)
