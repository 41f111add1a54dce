"""Properties of the link keys (the SQL of pipeline.link.build) on any stored text: folding, keys, site, distance."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.clean import identity_text
from pipeline.link.build import LinkInput, distance_m, identity_folds, listing_keys, website_site
from tests.strategies import fuzz
from tests.strategies.spellings import disguised, words
from tests.strategies.text import cell_text, urls


def is_utf8(text: str | None) -> bool:
    """Whether DuckDB can store the text: every stored listing's text is valid UTF-8."""
    return text is None or not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


stored_text = st.none() | cell_text


@fuzz(300)
@given(st.lists(stored_text, min_size=1, max_size=8))
def test_sql_folding_is_identity_text(values: list[str | None]) -> None:
    """The keys' folding in SQL (ASCII in SQL, the rest through identity_text) equals identity_text."""
    assert identity_folds(values) == [identity_text(v) for v in values]


@fuzz(150)
@given(stored_text)
def test_link_keys_of_any_text(value: str | None) -> None:
    """street_key and name_key are folded text, name_key idempotent; website_site is a lower-case host or "".

    The street key comes from a statistical parser (usaddress), which may read an arbitrary text
    and its key differently; its spellings are checked on addresses in `test_link.py`.
    """
    [keys] = listing_keys([LinkInput("x", "x", value, street=value, website=value)])
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", keys.name)
    assert re.fullmatch(r"(?:[a-z0-9-]+(?: [a-z0-9]+)*)?", keys.street)
    [again] = listing_keys([LinkInput("x", "x", keys.name)])
    assert again.name == keys.name
    assert keys.site == keys.site.lower()


@fuzz(80)
@given(words.flatmap(lambda parts: st.tuples(st.just(parts), disguised(parts))))
def test_link_keys_ignore_case_accents_punctuation_and_spacing(item: tuple[list[str], str]) -> None:
    """Name keys of two spellings of one name are equal (street spellings: `test_link.py`)."""
    parts, variant = item
    plain = " ".join(parts)
    disguised_keys, plain_keys = listing_keys([LinkInput("a", "x", variant), LinkInput("b", "x", plain)])
    assert disguised_keys.name == plain_keys.name


@fuzz(220)
@given(urls.filter(is_utf8))
def test_website_site_of_any_url_is_a_lower_case_host_or_empty(url: str) -> None:
    """Never raises, even on a host no URL parser can read ("http://[x")."""
    site = website_site(url)
    assert site == site.lower()
    assert not any(c in site for c in "/?#@:[]")
    if site.startswith("www."):
        assert "www.www." in url.lower()  # only one "www." is taken off


latitudes, longitudes = st.floats(-90, 90), st.floats(-180, 180)


@fuzz(380)
@given(st.tuples(latitudes, longitudes), st.tuples(latitudes, longitudes))
def test_distance_is_a_symmetric_length_on_the_globe(a: tuple[float, float], b: tuple[float, float]) -> None:
    """Never raises for real coordinates; 0 <= d <= half the circumference; d(a, b) == d(b, a); d(a, a) == 0."""
    d = distance_m(a, b)
    assert d is not None and 0 <= d <= 3.1416 * 6_371_000
    assert d == pytest.approx(distance_m(b, a), abs=1e-6)
    assert distance_m(a, a) == 0
    assert distance_m(None, b) is None and distance_m(a, None) is None
