"""Markup in text: what counts as markup, how it is removed, and the warning it leaves, table-driven.

These pin the promises of `strip_markup`, `has_markup` and `clean_markup_text` one by one, so a
change of how markup is removed (another library, another element list) shows which one it breaks.
"""

import pytest

from pipeline.clean import clean_markup_text, has_markup, plain_text, strip_markup


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("<b>Acme</b> Inc", "Acme Inc"),  # inline elements vanish without a trace
        ("Acme<sup>2</sup>", "Acme2"),
        ("<h2>Intensive <em>Outpatient</em> Program</h2>", "Intensive Outpatient Program"),
        ("a<br>b", "a b"),  # any other element separates words
        ("a<br/>b", "a b"),
        ("<p>Adolescent<br>Program</p>", "Adolescent Program"),
        ("<li>One</li><li>Two</li>", "One Two"),
        ("<B>Acme</B>", "Acme"),  # element names in any case
        ('<a href="tel:2052160200">call</a>', "call"),
        ("<b\tclass=x>Acme</b>", "Acme"),  # any space after the name
        ('<svg viewBox="0 0 9 9"><text x="0">Acme</text></svg> Recovery', "Acme Recovery"),  # SVG inline
        ("Ac<tspan>me</tspan>", "Acme"),
        ("Acme</text>", "Acme"),  # a stray SVG end tag
        ("<math><mrow>IOP</mrow></math>", "IOP"),
        ("<menu>IOP</menu>", "IOP"),  # HTML elements that are rare or obsolete
    ],
)
def test_tags_of_known_elements_are_removed(text: str, clean: str) -> None:
    assert clean_markup_text(text, "name") == (clean, ["name: HTML tags removed"])
    assert has_markup(text)


@pytest.mark.parametrize(
    "text",
    [
        "<3 days a week",
        "a < b",
        "a<b",
        "IOP: < 20 hours a week",
        "<Adults only>",
        "groups (a<b) and (c>d)",
        "->",
        "Minneapolis <MN>",  # MathML's two-letter elements are state codes, not tags
    ],
)
def test_angle_brackets_that_are_no_tag_are_text(text: str) -> None:
    assert clean_markup_text(text, "schedule") == (text, [])
    assert not has_markup(text)


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Acme<script>alert('x')</script> Recovery", "Acme Recovery"),
        ("a<style type='text/css'>p {}</style>b", "a b"),  # the element separates words
        ("a<SCRIPT>x</SCRIPT >b", "a b"),
        ("Acme<script>alert('x')", "Acme"),  # an unclosed one runs to the end
        ("a<!-- note -->b", "a b"),  # so does a comment
        ("Acme<!-- unclosed", "Acme"),
    ],
)
def test_script_style_and_comments_go_with_their_content(text: str, clean: str) -> None:
    assert clean_markup_text(text, "name") == (clean, ["name: HTML tags removed"])
    assert has_markup(text)


@pytest.mark.parametrize(
    "text", ["<script>track()</script>", "<br/><hr>", "<!-- x -->", "<scr<b>ipt>alert(1)</script>"]
)
def test_markup_alone_leaves_nothing(text: str) -> None:
    assert clean_markup_text(text, "name") == (None, ["name: HTML tags removed"])


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("12 Main St &#35;4", "12 Main St #4"),
        ("Mon&ndash;Fri, 9&nbsp;a.m.", "Mon\u2013Fri, 9 a.m."),
        ("St. John&apos;s", "St. John's"),  # HTML5 names too
        ("Hope&hellip;", "Hope\u2026"),
        ("&#x41;cme", "Acme"),
    ],
)
def test_character_references_are_decoded(text: str, clean: str) -> None:
    assert clean_markup_text(text, "street") == (clean, ["street: HTML character references decoded"])
    assert not has_markup(text)


@pytest.mark.parametrize("text", ["AT&T", "R&D;", "Fish &amp Chips", "Q&A", "a & b"])
def test_ampersands_without_a_whole_reference_are_text(text: str) -> None:
    assert clean_markup_text(text, "name") == (text, [])


@pytest.mark.parametrize(
    ("text", "clean"),
    [("&lt;i&gt;Hope&lt;/i&gt; House", "Hope House"), ("&amp;lt;b&amp;gt;Hope", "Hope")],
)
def test_escaped_markup_is_decoded_then_removed(text: str, clean: str) -> None:
    assert clean_markup_text(text, "name") == (clean, ["name: HTML character references decoded and tags removed"])
    assert not has_markup(text)  # escaped markup is text until decoded


def test_the_warning_names_the_field_and_what_was_done_in_order() -> None:
    assert clean_markup_text("<b>Acme</b> &amp; Sons", "name") == (
        "Acme & Sons",
        ["name: HTML tags removed and character references decoded"],
    )


def test_strip_markup_reports_what_it_did_without_the_markup() -> None:
    assert strip_markup("plain") == ("plain", [])
    assert strip_markup("<b>x</b> &amp;") == ("x &", ["tags removed", "character references decoded"])


@pytest.mark.parametrize(
    ("text", "clean"),
    [("<b>VA</b>", "VA"), ('<a href="tel:205">205-216-0200</a>', "205-216-0200"), ("&#51;5007", "35007")],
)
def test_plain_text_removes_markup_silently(text: str, clean: str) -> None:
    assert plain_text(text) == clean
