"""Web addresses: the website a listing publishes, kept only when it is a well-formed http(s) URL."""

from urllib.parse import SplitResult, urlsplit

from pipeline.clean.text import clean_markup_text, quoted

# Characters RFC 3986 never allows unencoded in a URL. Quotes and angle brackets are how a value
# breaks out of an HTML attribute (`http://x.org/"><script>`); a real link has them percent-encoded.
_NOT_IN_URL = frozenset("\"'<>`\\{}|^")
#: Longest label of a host name (RFC 1035).
MAX_LABEL_CHARS = 63
#: Longest host name (RFC 1035).
MAX_HOST_CHARS = 253


def valid_host(host: str) -> bool:
    """Whether a host is a public host name: dotted labels of letters, digits and inner hyphens.

    Letters may be any script's (an internationalized name); an IPv4 address passes as four
    labels of digits. A name without a dot ("localhost", "intranet") reaches no reader.
    """
    host = host.removesuffix(".")  # "example.org." is the same host, written fully qualified
    if not host or len(host) > MAX_HOST_CHARS or "." not in host:
        return False
    return all(
        0 < len(label) <= MAX_LABEL_CHARS
        and all(c.isalnum() or c == "-" for c in label)
        and not label.startswith("-")
        and not label.endswith("-")
        for label in host.split(".")
    )


def _url_problem(text: str) -> str | None:
    """Why `text` is no website to publish, or None when it is one."""
    if any(c.isspace() or c in _NOT_IN_URL for c in text):
        return "is not an http(s) URL"
    try:
        parts: SplitResult = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a port that is no number
    except ValueError:  # "http://[x", "http://x.org:port" and other unparseable netlocs
        return "is not an http(s) URL"
    if parts.scheme.lower() not in {"http", "https"}:
        return "is not an http(s) URL"
    if parts.username is not None or parts.password is not None:
        # "http://trusted.org@evil.example" goes to evil.example: a directory link needs no login.
        return "holds a user name"
    if not valid_host(host):
        return "has no valid host name"
    return None


def clean_website(value: str | None) -> tuple[str | None, list[str]]:
    """The website if it is an http(s) URL with a valid host name, else None with a warning.

    Markup is removed first, as from any stored text (`<a href="…">http://x.org</a>` gives
    `http://x.org`, with a warning). What is left must be a URL as given: scheme http or https,
    a dotted host name, no user name, and no whitespace, quotes, angle brackets or other
    characters a URL never holds unencoded. Scheme-less ("www.x.org"), javascript:, ftp: and
    mailto: values are dropped, not repaired: a link the directory publishes must work as given.
    The warning quotes the value only when it holds none of those characters, so no markup
    reaches the database through it.
    """
    text, warnings = clean_markup_text(value, "website")
    if text is None:
        return None, warnings
    problem = _url_problem(text)
    if problem is None:
        return text[: text.index(":")].lower() + text[text.index(":") :], warnings
    if warnings:
        shown = "with HTML markup"
    elif any(c in _NOT_IN_URL for c in text):
        shown = "with quotes or other characters no URL holds"
    else:
        shown = quoted(text)
    return None, [f"website {shown} {problem}; dropped"]
