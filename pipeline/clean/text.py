"""Field cleaners shared by every source: text, US states, ZIP codes and phone numbers.

Each cleaner returns the clean value (or None) plus the warnings a maintainer should see, and
never raises on bad input: deciding whether a bad field rejects a whole row is the caller's job.
"""

import html
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from schemas.vocab import PhoneKind

#: USPS codes of the states, DC, the territories and the freely associated states SAMHSA lists.
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
        "FM",
        "MH",
        "PW",
    ]
)
#: A ZIP code or ZIP+4 once spaces and hyphens are gone.
ZIP_PATTERN = r"[0-9]{5}(?:[0-9]{4})?"
#: States whose ZIP codes begin with 0, so a 4-digit ZIP there lost its leading zero in a spreadsheet.
ZERO_LEADING_ZIP_STATES = frozenset(["CT", "MA", "ME", "NH", "NJ", "RI", "VT", "PR", "VI"])

_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Invisible formatting characters that web pages and spreadsheets leave in text: zero-width
# spaces and joiners, left-to-right/right-to-left marks and embeddings, word joiners, the byte
# order mark and the soft hyphen. They change nothing a reader sees, but make "Acme" and
# "Acme\u200b" different names, and "\u200b" alone a non-empty one.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_PLACEHOLDER_PHONES = re.compile(r"^(n/?a|none|not available|unknown|tbd|-+|\.+)$", re.IGNORECASE)
#: An extension at the end of a phone number ("x204", "ext. 12"), any case.
EXTENSION_PATTERN = r"\s*(?:x|ext\.?|extension)\s*([0-9]{1,10})\s*$"
_EXTENSION = re.compile(EXTENSION_PATTERN, re.IGNORECASE)


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


#: HTML elements whose tags are stripped from text. Only known element names count as tags, so
#: text that merely uses angle brackets ("< 20 hours a week", "<Adults only>") is kept.
HTML_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "address",
        "article",
        "aside",
        "audio",
        "b",
        "base",
        "bdi",
        "bdo",
        "big",
        "blink",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hr",
        "html",
        "i",
        "iframe",
        "img",
        "input",
        "ins",
        "kbd",
        "label",
        "legend",
        "li",
        "link",
        "main",
        "mark",
        "marquee",
        "meta",
        "meter",
        "nav",
        "nobr",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "param",
        "picture",
        "pre",
        "progress",
        "q",
        "s",
        "samp",
        "script",
        "section",
        "select",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
    ]
)
# Inline elements vanish without a trace ("<b>Acme</b>"); any other tag separates words ("a<br>b").
_INLINE_ELEMENTS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "big",
        "cite",
        "code",
        "em",
        "font",
        "i",
        "kbd",
        "mark",
        "nobr",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "tt",
        "u",
        "var",
    ]
)
#: A start, end or self-closing tag of a known element (attributes may hold anything but brackets).
HTML_TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*)?/?>")
# Script and style elements are removed with their content: it is code, not text. An unclosed
# one runs to the end of the text.
_SCRIPT = re.compile(r"<(script|style)\b[^<>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
# Character references with their semicolon only, so "AT&T" and "R&D;" style text stays as it is.
CHAR_REF_PATTERN = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
_CHAR_REF = re.compile(CHAR_REF_PATTERN)


def _tag_replacement(match: re.Match[str]) -> str:
    element = match.group(1).lower()
    if element not in HTML_ELEMENTS:
        return match.group(0)
    return "" if element in _INLINE_ELEMENTS else " "


def has_markup(text: str) -> bool:
    """Whether the text holds an HTML tag of a known element, a comment or a script/style element."""
    if "<" not in text:
        return False
    if _COMMENT.search(text) or _SCRIPT.search(text):
        return True
    return any(m.group(1).lower() in HTML_ELEMENTS for m in HTML_TAG.finditer(text))


def strip_markup(text: str) -> tuple[str, list[str]]:
    """Remove HTML tags (script/style with their content) and decode character references.

    Returns the text and what was done ("tags removed", "character references decoded"), for a
    warning. Escaped markup (`&lt;b&gt;`) is decoded and then removed as well. Runs until nothing
    changes, so nested tricks (`<scr<b>ipt>`) leave no tag behind.
    """
    if "<" not in text and "&" not in text:
        return text, []  # nearly every value: nothing to do
    done: list[str] = []
    for _ in range(5):
        before = text
        if "<" in text:
            stripped = _remove_tags(text)
            if stripped != text and "tags removed" not in done:
                done.append("tags removed")
            text = stripped
        if "&" in text:
            decoded = _CHAR_REF.sub(lambda m: html.unescape(m.group(0)), text)
            if decoded != text and "character references decoded" not in done:
                done.append("character references decoded")
            text = decoded
        if text == before:
            break
    return text, done


def _remove_tags(text: str) -> str:
    text = _SCRIPT.sub(" ", _COMMENT.sub(" ", text))
    return HTML_TAG.sub(_tag_replacement, text)


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


def _ascii_digits(text: str) -> str:
    # Full-width digits (U+FF10..U+FF19) come from East Asian input methods; NFKC folds them to ASCII.
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


def clean_state(value: str | None) -> str | None:
    """Return the USPS code, or None when the value is not a US state or territory."""
    text = _ascii_digits(plain_text(value) or "").upper().replace(".", "")
    return text if text in US_STATES else None


def state_problem(value: str | None) -> str:
    """Why a value is no state, for a reject: "state is empty" or "'Calif' is not a US state or territory"."""
    text = plain_text(value)
    return "state is empty" if text is None else f"{quoted(text)} is not a US state or territory"


def clean_zip(value: str | None, state: str | None) -> tuple[str | None, list[str]]:
    """Return the 5-digit ZIP and warnings; ZIP+4 is cut to 5 digits."""
    text = plain_text(value)
    if text is None:
        return None, []
    digits = re.sub(r"[\s-]", "", _ascii_digits(text))
    # [0-9], not \d: \d also matches Arabic-Indic and other digits, which are no ZIP.
    if re.fullmatch(ZIP_PATTERN, digits):
        return digits[:5], []
    # Spreadsheets turn 06810 into 6810; only pad where ZIPs really start with 0.
    if re.fullmatch(r"[0-9]{4}", digits) and state in ZERO_LEADING_ZIP_STATES:
        return "0" + digits, [f"zip {text!r} padded to 0{digits}"]
    return None, [f"zip {quoted(text)} is not a US ZIP code; dropped"]


@dataclass(frozen=True, slots=True)
class CleanPhone:
    """A valid phone number: E.164, extension and the text it was read from."""

    e164: str
    extension: str | None
    original: str
    kind: PhoneKind


def clean_phone(value: str | None, kind: PhoneKind) -> tuple[CleanPhone | None, list[str]]:
    """Parse a US phone number; placeholders and invalid numbers become None with a warning."""
    text = plain_text(value)
    if text is None:
        return None, []
    if len(text) > MAX_PHONE_CHARS:
        return None, [f"{kind} phone {quoted(text)} is not a phone number; dropped"]
    return _clean_phone_text(_ascii_digits(text), kind)


#: Longer than any way of writing a number with an extension; longer text is prose, not a number,
#: and is neither parsed nor cached.
MAX_PHONE_CHARS = 60


# Directories repeat numbers (an agency's intake line on all its sites): parse each text once.
@lru_cache(maxsize=100_000)
def _clean_phone_text(text: str, kind: PhoneKind) -> tuple[CleanPhone | None, list[str]]:
    if _PLACEHOLDER_PHONES.match(text):
        return None, [f"{kind} phone {quoted(text)} is a placeholder; dropped"]
    extension = None
    if match := _EXTENSION.search(text):
        extension = match.group(1)
        number_text = text[: match.start()]
    else:
        number_text = text
    if plain := _PLAIN_NANP.fullmatch(number_text):
        # Nearly every directory number is written "(205) 216-0200" or "205-216-0200": reading the
        # digits directly skips phonenumbers' general parser, which costs more than all the rest.
        e164 = _nanp_e164("".join(plain.groups()))
        if e164 is None:
            return None, [f"{kind} phone {quoted(text)} is not a valid number; dropped"]
        return CleanPhone(e164, extension, text, kind), []
    try:
        number = phonenumbers.parse(number_text, "US")
    except phonenumbers.NumberParseException:
        return None, [f"{kind} phone {quoted(text)} is not a phone number; dropped"]
    # is_valid_number rejects 999-999-9999 and 000-000-0000 style fillers as well as typos.
    if not phonenumbers.is_valid_number(number):
        return None, [f"{kind} phone {quoted(text)} is not a valid number; dropped"]
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    number_extension = number.extension if number.extension and number.extension.isascii() else None
    if number.extension and not number_extension:
        return None, [f"{kind} phone {quoted(text)} has an extension that is not digits; dropped"]
    return CleanPhone(e164, extension or number_extension, text, kind), []


#: A ten-digit North American number, optionally with +1 or 1 in front, in the usual punctuation.
#: [0-9], not \d: int() would read other scripts' digits, and E.164 is ASCII. (Also run by DuckDB's
#: RE2 in `pipeline.sources.samhsa.bulk`, so it stays within the syntax both engines read alike.)
PLAIN_NANP_PATTERN = r"(?:\+?1[\s.-]*)?\(?([0-9]{3})\)?[\s.-]*([0-9]{3})[\s.-]*([0-9]{4})"
_PLAIN_NANP = re.compile(PLAIN_NANP_PATTERN)


@lru_cache(maxsize=1)
def nanp_valid_pattern() -> str:
    """A regular expression matching exactly the ten-digit NANP numbers `_nanp_e164` accepts.

    Built from phonenumbers' own metadata: a number is valid when some NANP region has a number
    type (fixed line, mobile, toll free, ...) whose pattern it matches, and every type pattern
    lies inside its region's general pattern. For set-based cleaning in DuckDB, which cannot call
    phonenumbers; `tests/test_samhsa_bulk.py` checks the two agree.
    """
    from phonenumbers import PhoneMetadata
    from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

    types = (
        "fixed_line",
        "mobile",
        "toll_free",
        "premium_rate",
        "shared_cost",
        "personal_number",
        "voip",
        "pager",
        "uan",
        "voicemail",
    )
    patterns: list[str] = []
    for region in COUNTRY_CODE_TO_REGION_CODE[1]:
        metadata = PhoneMetadata.metadata_for_region(region)
        for name in types:
            desc = getattr(metadata, name)
            if desc is not None and desc.national_number_pattern and 10 in (desc.possible_length or (10,)):
                patterns.append(desc.national_number_pattern)
    return "(?:" + "|".join(f"(?:{p})" for p in dict.fromkeys(patterns)) + ")"


@lru_cache(maxsize=200_000)
def _nanp_e164(digits: str) -> str | None:
    """E.164 of a valid ten-digit NANP number, else None; the same verdict as phonenumbers.parse + is_valid_number."""
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits))
    # Checking the US first avoids trying every NANP region's patterns (which also thrashes the
    # `re` module's pattern cache); territories and Canada fall through to the full check.
    if phonenumbers.is_valid_number_for_region(number, "US") or phonenumbers.is_valid_number(number):
        return f"+1{digits}"
    return None


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


#: Boxes (south, north, west, east) in degrees around the states and territories outside the
#: contiguous US, with a margin. They only tell a plausible point from a swapped or sign-lost one,
#: never check an address; every other state gets the contiguous-US box.
_CONTIGUOUS_US = ((24.0, 50.0, -125.5, -66.5),)
_REGIONS: dict[str, tuple[tuple[float, float, float, float], ...]] = {
    # The Aleutians cross the antimeridian.
    "AK": ((51.0, 72.0, -180.0, -129.5), (51.0, 53.5, 172.0, 180.0)),
    # The Northwestern Hawaiian Islands reach Kure Atoll, near 178.3 W.
    "HI": ((18.5, 29.0, -178.5, -154.5),),
    "PR": ((17.5, 18.8, -68.0, -65.0),),
    "VI": ((17.5, 18.6, -65.2, -64.4),),
    "GU": ((13.1, 13.8, 144.5, 145.1),),
    "MP": ((14.0, 20.7, 144.8, 146.2),),
    "AS": ((-14.8, -10.8, -171.3, -168.0),),
    "FM": ((0.8, 10.2, 137.2, 163.2),),
    "MH": ((4.4, 14.8, 160.6, 172.3),),
    "PW": ((2.7, 8.3, 131.0, 134.9),),
}


def _in_region(latitude: float, longitude: float, state: str | None) -> bool:
    boxes = _REGIONS.get(state or "", _CONTIGUOUS_US)
    return any(s <= latitude <= n and w <= longitude <= e for s, n, w, e in boxes)


def check_coordinates(
    latitude: float, longitude: float, state: str | None
) -> tuple[float | None, float | None, list[str]]:
    """Coordinates that are plausible for a listing in `state`, and warnings; both or neither.

    Points outside the state's region are a data-entry slip more often than a facility abroad:
    latitude and longitude swapped (lat -78, lon 38 for Virginia) are read back, a longitude
    that lost its minus sign gets it back, both with a warning; anything else is dropped with a
    warning. NaN, infinities, out-of-range values and (0, 0) are dropped. Without a state only
    the ranges are checked.
    """
    shown = f"({latitude:g}, {longitude:g})"
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None, None, [f"coordinates {shown} are out of range; dropped"]
    if latitude == 0 and longitude == 0:
        # 0,0 is in the Gulf of Guinea: a placeholder, not a US facility.
        return None, None, ["coordinates (0, 0) are a placeholder; dropped"]
    in_range = -90 <= latitude <= 90 and -180 <= longitude <= 180
    if state is None or (in_range and _in_region(latitude, longitude, state)):
        if not in_range:
            return None, None, [f"coordinates {shown} are out of range; dropped"]
        return latitude, longitude, []
    if _in_region(longitude, latitude, state):
        return longitude, latitude, [f"coordinates {shown} are swapped; read as ({longitude:g}, {latitude:g})"]
    if longitude > 0 and _in_region(latitude, -longitude, state):
        return latitude, -longitude, [f"longitude {longitude:g} lacks its minus sign; read as {-longitude:g}"]
    if not in_range:
        return None, None, [f"coordinates {shown} are out of range; dropped"]
    return None, None, [f"coordinates {shown} are not in {state}; dropped"]


def clean_coordinates(
    latitude: str | None, longitude: str | None, state: str | None
) -> tuple[float | None, float | None, list[str]]:
    """Coordinates from their texts, checked with `check_coordinates`; both or neither (one alone places nothing)."""
    lat_text, lon_text = (_ascii_digits(t) if t else t for t in (plain_text(latitude), plain_text(longitude)))
    if lat_text is None and lon_text is None:
        return None, None, []
    try:
        lat, lon = float(lat_text or ""), float(lon_text or "")
    except ValueError:
        return None, None, [f"coordinates ({quoted(lat_text)}, {quoted(lon_text)}) are not numbers; dropped"]
    return check_coordinates(lat, lon, state)
