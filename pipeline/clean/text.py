"""Cleaners of text: whitespace, control and invisible characters, markup, names, identity keys, messages.

Each cleaner returns the clean value (or None) plus the warnings a maintainer should see, and
never raises on bad input: deciding whether a bad field rejects a whole row is the caller's job.
"""

import re
import unicodedata
from functools import lru_cache

from pipeline.clean.markup import strip_markup

_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Invisible formatting characters that web pages and spreadsheets leave in text: zero-width
# spaces and joiners, left-to-right/right-to-left marks and embeddings, word joiners, the byte
# order mark and the soft hyphen. They change nothing a reader sees, but make "Acme" and
# "Acme\u200b" different names, and "\u200b" alone a non-empty one.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def clean_text(value: str | None) -> str | None:
    """Collapse whitespace, drop control and invisible formatting characters, NFC-normalize; empty becomes None.

    Markup is left alone here (see `clean_markup_text`): ids, codes and URLs go through this too.
    """
    if value is None:
        return None
    text = _CONTROL.sub("", value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    text = _SPACE.sub(" ", text).strip()
    return text or None


def clean_markup_text(value: str | None, field: str) -> tuple[str | None, list[str]]:
    """`clean_text` for free text shown to people (names, address lines, schedules): markup removed, with a warning.

    The warning names the field and what was removed, not the markup itself, so no tag reaches
    the database through it.
    """
    text = clean_text(value)
    if text is None:
        return None, []
    stripped, done = strip_markup(text)
    if not done:
        return text, []
    return clean_text(stripped), [f"{field}: HTML {' and '.join(done)}"]


def plain_text(value: str | None) -> str | None:
    """`clean_text` with markup removed silently: for codes, states, ZIPs, phones and coordinates.

    Markup is never their content (a number in a tel: link is still the number), so removing it
    is no change worth a warning.
    """
    text = clean_text(value)
    if text is None or ("<" not in text and "&" not in text):
        return text
    return clean_text(strip_markup(text)[0])


def ascii_digits(text: str) -> str:
    """Non-ASCII text NFKC-folded, for number fields: full-width digits (U+FF10..U+FF19) become ASCII ones."""
    # Full-width digits come from East Asian input methods.
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def has_name(text: str | None) -> bool:
    """Whether a name has a letter or a digit: "---" or "?" names nothing."""
    return bool(text) and any(c.isalnum() for c in text)


def quoted(value: object, limit: int = 80) -> str:
    """`repr` of a value for a message, cut to `limit` characters: a 10 MB cell must not become a 10 MB message."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    return f"{text[:limit]!r}… ({len(text)} characters)"


@lru_cache(maxsize=100_000)
def identity_text(value: str | None) -> str:
    """Fold a value for identity keys: case, accents, punctuation and spacing do not count."""
    if not value:
        return ""
    if value.isascii():
        text = value.lower()  # nothing to decompose: the common case, and far cheaper
    else:
        text = unicodedata.normalize("NFKD", value)
        text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    # "St. John's" and "St Johns" are the same name: apostrophes join, other punctuation splits.
    text = text.replace("'", "").replace("\u2019", "")
    return _SPACE.sub(" ", re.sub(r"[^a-z0-9]+", " ", text)).strip()
