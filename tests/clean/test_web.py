"""Websites: only a well-formed http(s) URL with a valid host is kept; markup is stripped first."""

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.clean import clean_website, has_markup, valid_host
from tests.strategies import fuzz
from tests.strategies.text import any_text, urls


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://alpha.example.org/iop", "https://alpha.example.org/iop"),
        ("HTTP://Alpha.example.org/IOP", "http://Alpha.example.org/IOP"),
        ("http://alpha.example.org:8080/a?b=1&c=2#d", "http://alpha.example.org:8080/a?b=1&c=2#d"),
        ("https://bücher.example/", "https://bücher.example/"),
        ("http://192.0.2.7/", "http://192.0.2.7/"),
        ("  https://alpha.example.org.  ", "https://alpha.example.org."),
    ],
)
def test_a_well_formed_url_is_kept(value: str, kept: str) -> None:
    assert clean_website(value) == (kept, [])


@pytest.mark.parametrize(
    ("value", "warning"),
    [
        ('http://evil.example/"><script>alert(1)</script>', "website with HTML markup is not an http(s) URL; dropped"),
        (
            'http://evil.example/"onmouseover="alert(1)',
            "website with quotes or other characters no URL holds is not an http(s) URL; dropped",
        ),
        (
            "http://evil.example/'x'",
            "website with quotes or other characters no URL holds is not an http(s) URL; dropped",
        ),
        ("http://a.example/x y", "website 'http://a.example/x y' is not an http(s) URL; dropped"),
        ("javascript:alert(1)", "website 'javascript:alert(1)' is not an http(s) URL; dropped"),
        ("www.example.org", "website 'www.example.org' is not an http(s) URL; dropped"),
        ("http://a.example:port/", "website 'http://a.example:port/' is not an http(s) URL; dropped"),
        ("http://localhost/", "website 'http://localhost/' has no valid host name; dropped"),
        ("http://a..example/", "website 'http://a..example/' has no valid host name; dropped"),
        ("http://-a.example/", "website 'http://-a.example/' has no valid host name; dropped"),
        ("http://a_b.example/", "website 'http://a_b.example/' has no valid host name; dropped"),
        ("http://good.example@evil.example/", "website 'http://good.example@evil.example/' holds a user name; dropped"),
    ],
)
def test_anything_else_is_dropped_with_a_warning_that_holds_no_markup(value: str, warning: str) -> None:
    assert clean_website(value) == (None, [warning])
    assert not has_markup(warning)


def test_markup_around_a_url_is_stripped_with_a_warning() -> None:
    assert clean_website("<b>https://alpha.example.org/</b>") == (
        "https://alpha.example.org/",
        ["website: HTML tags removed"],
    )


def test_empty_is_no_website() -> None:
    assert clean_website(None) == (None, [])
    assert clean_website("  ") == (None, [])


def test_host_labels() -> None:
    assert valid_host("a-b.example.org")
    assert not valid_host("a" * 64 + ".example")
    assert not valid_host(".example.org")
    assert not valid_host("example-.org")


@fuzz(300)
@given(st.none() | urls | any_text | st.builds("https://x.example/{}".format, any_text))
def test_a_website_kept_from_any_text_is_a_plain_http_url(value: str | None) -> None:
    """Whatever the value, the website kept is an http(s) URL with a valid host and nothing that ends an attribute."""
    website, warnings = clean_website(value)
    assert all(not has_markup(w) for w in warnings)
    if website is None:
        return
    assert re.fullmatch(r"https?://\S+", website)
    assert not set(website) & set("\"'<>`\\{}|^")
    assert not has_markup(website)
    assert valid_host(urlsplit(website).hostname or "")
    assert clean_website(website) == (website, [])
