"""Properties of the field cleaners: text, state, ZIP, phone and identity text on any input."""

import re
import unicodedata

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.clean import US_STATES, clean_phone, clean_state, clean_text, clean_zip, identity_text
from pipeline.clean.phone import _nanp_e164
from schemas.vocab import PhoneKind
from tests.strategies import fuzz
from tests.strategies.phones import E164, PLACEHOLDER_PHONES, nanp_phone
from tests.strategies.spellings import disguised, words
from tests.strategies.text import any_text, digit_soup

maybe_text = st.none() | any_text


@fuzz(380)
@given(maybe_text)
def test_clean_text_is_clean_and_idempotent(value: str | None) -> None:
    """None or non-empty; no control characters; single inner spaces only; NFC; clean(clean(x)) == clean(x)."""
    text = clean_text(value)
    if text is None:
        return
    assert text and text == text.strip() and "  " not in text
    assert not re.search(r"[\x00-\x1f\x7f]", text)
    assert all(c == " " or not c.isspace() for c in text)
    assert unicodedata.is_normalized("NFC", text)
    assert clean_text(text) == text


@fuzz(220)
@given(maybe_text | st.sampled_from([*US_STATES, "va", " Va. ", "D.C.", "XX", "Virginia", "\uff36\uff21"]))
def test_clean_state_is_a_state_or_none(value: str | None) -> None:
    """None or a USPS code of a state or territory."""
    state = clean_state(value)
    assert state is None or state in US_STATES


zip_texts = st.from_regex(r"\A[0-9]{4,9}\Z") | st.from_regex(r"\A[0-9]{5}-[0-9]{4}\Z") | digit_soup | maybe_text


@fuzz(220)
@given(zip_texts, st.none() | st.sampled_from(sorted(US_STATES)))
def test_clean_zip_is_five_ascii_digits_or_none_with_a_warning(value: str | None, state: str | None) -> None:
    """None or 5 ASCII digits; 5 digits and ZIP+4 keep their first 5; what is dropped is warned about."""
    zip5, warnings = clean_zip(value, state)
    assert zip5 is None or re.fullmatch(r"[0-9]{5}", zip5)
    if value is not None and re.fullmatch(r"[0-9]{5}(-?[0-9]{4})?", value):
        assert (zip5, warnings) == (value[:5], [])
    assert len(warnings) <= 1
    if zip5 is None and clean_text(value) is not None and not re.search("[<&]", value or ""):
        assert len(warnings) == 1  # only markup may vanish without a word


@fuzz(380)
@given(maybe_text | digit_soup, st.sampled_from(PhoneKind))
def test_clean_phone_is_e164_or_none_with_one_warning(value: str | None, kind: PhoneKind) -> None:
    """Never raises; a phone is E.164 with an ASCII-digit extension; a dropped non-blank value has one warning."""
    phone, warnings = clean_phone(value, kind)
    if phone is None:
        assert len(warnings) <= 1
        if clean_text(value) is not None and not re.search("[<&]", value or ""):
            assert len(warnings) == 1  # only markup may vanish without a word
        return
    assert warnings == [] and phone.kind is kind and phone.original
    assert E164.fullmatch(phone.e164)
    assert phone.extension is None or re.fullmatch(r"[0-9]{1,10}", phone.extension)


@fuzz(300)
@given(maybe_text | digit_soup | st.from_regex(r"\A\+?[0-9 ().-]{7,20}(?: ?x[0-9]{1,4})?\Z"))
def test_a_phone_read_from_any_text_is_the_number_phonenumbers_reads(value: str | None) -> None:
    """Whichever way clean_phone reads a number (shortcut or parser), phonenumbers finds that valid number in it."""
    phone, _ = clean_phone(value, PhoneKind.MAIN)
    if phone is None:
        return
    number_text = re.sub(r"\s*(?:x|ext\.?|extension)\s*[0-9]{1,10}\s*$", "", phone.original, flags=re.IGNORECASE)
    number = phonenumbers.parse(number_text, "US")
    assert phonenumbers.is_valid_number(number)
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone.e164


@pytest.mark.parametrize("text", PLACEHOLDER_PHONES)
def test_placeholder_phones_are_dropped_with_a_warning(text: str) -> None:
    phone, warnings = clean_phone(text, PhoneKind.MAIN)
    assert phone is None and len(warnings) == 1


def general_verdict(digits: str) -> str | None:
    """E.164 of a ten-digit NANP number by phonenumbers' general parser, or None when it is not valid."""
    try:
        number = phonenumbers.parse(f"+1{digits}", None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@fuzz(110)
@given(nanp_phone())
def test_phone_spellings_agree_with_phonenumbers(item: tuple[str, str, str | None]) -> None:
    """Every spelling of a number reads as phonenumbers' parse + is_valid_number reads its digits, extension kept."""
    text, digits, extension = item
    phone, _ = clean_phone(text, PhoneKind.MAIN)
    expected = general_verdict(digits)
    assert (phone.e164 if phone else None) == expected
    if phone is not None:
        assert phone.extension == extension
        number = phonenumbers.parse(re.sub(r"\s*(?:x|ext\.?|extension)\s*[0-9]+$", "", text, flags=re.IGNORECASE), "US")
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone.e164


@fuzz(220)
@given(st.from_regex(r"\A[0-9]{10}\Z"))
def test_the_fast_path_for_ten_digits_agrees_with_the_general_parser(digits: str) -> None:
    """`_nanp_e164` (the shortcut for plain numbers) gives the general parser's verdict."""
    assert _nanp_e164(digits) == general_verdict(digits)


@fuzz(300)
@given(maybe_text)
def test_identity_text_is_lower_case_ascii_and_idempotent(value: str | None) -> None:
    """Lower-case ASCII letters, digits and single inner spaces; folding twice changes nothing."""
    folded = identity_text(value)
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", folded)
    assert identity_text(folded) == folded


@fuzz(110)
@given(words.flatmap(lambda parts: st.tuples(st.just(parts), disguised(parts))))
def test_identity_text_ignores_case_accents_punctuation_and_spacing(item: tuple[list[str], str]) -> None:
    """Two spellings that differ only in case, accents, punctuation and spacing fold to the same text."""
    parts, variant = item
    assert identity_text(variant) == " ".join(parts)
