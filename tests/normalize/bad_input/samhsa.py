"""Bad input of the SAMHSA national directories: columns, names, states and ZIPs, phones, codes, duplicates."""

from tests.normalize.bad_input.common import Kind, code, has, loaded, rejected, samhsa

_dup = samhsa(Name1="Twice Written Recovery")
_dup_moved = samhsa(Name1="Repeated Row Recovery")
_dup_moved_copy = {**_dup_moved, "record_id": _dup_moved["record_id"] + "0"}
_twin_a = samhsa(Name1="Twin Programs Center", Service_code_info="SA * OP OIT")
_twin_b = {
    **_twin_a,
    "record_id": _twin_a["record_id"] + "0",
    "fields": {**_twin_a["fields"], "Service_code_info": "SA * OP * CBT"},
}

KINDS: list[Kind] = [
    # -- the columns of a Facilities List row ---------------------------------------------------
    Kind(
        "missing_required_column",
        "samhsa_su",
        (rejected(samhsa(Service_code_info=...), "Service_code_info", r"Field required"),),
        "without the code list, nothing says what the facility offers",
    ),
    Kind(
        "null_name_cell",
        "samhsa_mh",
        (rejected(samhsa("samhsa_mh", Name1=None), "Name1", r"valid string"),),
        "a facility without a name cell",
    ),
    # -- names -----------------------------------------------------------------------------------
    Kind("empty_name", "samhsa_su", (rejected(samhsa(Name1=""), "Name1", r"facility name is empty"),), "nameless"),
    Kind(
        "whitespace_name",
        "samhsa_su",
        (rejected(samhsa(Name1=" \t\u00a0\u3000 "), "Name1", r"facility name is empty"),),
        "spaces of every kind name nothing",
    ),
    Kind(
        "invisible_name",
        "samhsa_su",
        (rejected(samhsa(Name1="\u200b\u200e\ufeff"), "Name1", r"facility name is empty"),),
        "zero-width characters name nothing",
    ),
    Kind(
        "punctuation_name",
        "samhsa_mh",
        (rejected(samhsa("samhsa_mh", Name1="---"), "Name1", r"'---' has no letter or digit"),),
        "a placeholder, not a name",
    ),
    Kind(
        "markup_only_name",
        "samhsa_su",
        (rejected(samhsa(Name1="<br/><hr>"), "Name1", r"facility name is empty"),),
        "nothing is left once the tags go",
    ),
    Kind(
        "name_over_300_characters",
        "samhsa_su",
        (rejected(samhsa(Name1="Recovery " * 45), "name", r"at most 300 characters"),),
        "a paragraph in the name column: the columns are shifted, so no cell can be trusted",
    ),
    Kind(
        "html_in_name",
        "samhsa_su",
        (
            loaded(
                samhsa(Name1="<b>Acme</b> &amp; Sons Recovery"),
                r"^name: HTML tags removed and character references decoded$",
                name="Acme & Sons Recovery",
            ),
        ),
        "formatting around a good name; the warning does not repeat the markup",
    ),
    Kind(
        "script_in_name",
        "samhsa_su",
        (
            loaded(
                samhsa(Name1="Acme<script>alert('x')</script> Recovery"),
                r"^name: HTML tags removed$",
                name="Acme Recovery",
            ),
        ),
        "script elements go with their content",
    ),
    Kind(
        "escaped_markup_in_name",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", Name1="&lt;i&gt;Hope&lt;/i&gt; House"), r"^name: HTML", name="Hope House"),),
        "markup escaped once is decoded, then removed",
    ),
    Kind(
        "entity_in_street",
        "samhsa_su",
        (loaded(samhsa(Street1="12 Main St &#35;4"), r"^street: HTML character references", street="12 Main St #4"),),
        "a numeric character reference is a character",
    ),
    Kind(
        "html_in_second_name",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", Name2="<p>Adolescent<br>Program</p>"), r"^name2:", name2="Adolescent Program"),),
        "block tags separate words",
    ),
    Kind(
        "nul_in_name",
        "samhsa_su",
        (loaded(samhsa(Name1="Acme\u0000 Recovery"), name="Acme Recovery"),),
        "a NUL inside a value is dropped; the value is otherwise fine",
    ),
    Kind(
        "control_characters",
        "samhsa_su",
        (loaded(samhsa(Name1="Acme\u0007\u0008 Recovery\u001b", City="Rich\u007fmond"), name="Acme Recovery"),),
        "bell, backspace, escape and delete carry no text",
    ),
    Kind(
        "bidi_marks",
        "samhsa_su",
        (loaded(samhsa(Name1="\u202eAcme\u202c Recovery\u200f"), name="Acme Recovery"),),
        "direction marks are invisible and would make two equal names differ",
    ),
    Kind(
        "zero_width_space",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", Name1="Acme\u200b Recovery\u2060"), name="Acme Recovery"),),
        "invisible, and would make two equal names differ",
    ),
    Kind(
        "combining_accents",
        "samhsa_su",
        (loaded(samhsa(Name1="Cafe\u0301 Recovery"), name="Caf\u00e9 Recovery"),),
        "NFC: one spelling of the same letter",
    ),
    Kind(
        "non_breaking_spaces",
        "samhsa_su",
        (loaded(samhsa(Name1="Acme\u00a0\u00a0Recovery\u2003Center"), name="Acme Recovery Center"),),
        "a space is a space",
    ),
    Kind(
        "emoji_in_name",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", Name1="Sunrise \U0001f305 Recovery"), name="Sunrise \U0001f305 Recovery"),),
        "odd but legible: kept as written",
    ),
    # -- states and ZIPs -----------------------------------------------------------------------
    Kind("state_xx", "samhsa_su", (rejected(samhsa(State="XX"), "State", r"^'XX' is not a US state"),), "no place"),
    Kind(
        "state_abbreviated_name",
        "samhsa_su",
        (rejected(samhsa(State="Calif."), "State", r"^'Calif\.' is not a US state"),),
        "directories give USPS codes; a guessed state would misplace the listing",
    ),
    Kind(
        "state_full_name",
        "samhsa_mh",
        (rejected(samhsa("samhsa_mh", State="Virginia"), "State", r"^'Virginia' is not a US state"),),
        "as above: only USPS codes are read",
    ),
    Kind("state_empty", "samhsa_su", (rejected(samhsa(State=""), "State", r"^state is empty$"),), "no place"),
    Kind("state_lower_case", "samhsa_su", (loaded(samhsa(State=" va "), state="VA"),), "case and spaces only"),
    Kind(
        "state_in_markup",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", State="<b>VA</b>"), state="VA"),),
        "markup is never a code",
    ),
    Kind(
        "zip_lost_leading_zero",
        "samhsa_su",
        (loaded(samhsa(State="CT", Zip="6810"), r"zip '6810' padded to 06810", zip5="06810"),),
        "a spreadsheet dropped the zero; only states whose ZIPs start with 0 are padded",
    ),
    Kind(
        "zip_four_digits_elsewhere",
        "samhsa_su",
        (loaded(samhsa(State="TX", Zip="7501"), r"zip '7501' is not a US ZIP code", zip5=None),),
        "no way to know the missing digit; the rest of the listing is fine",
    ),
    Kind(
        "zip_letters",
        "samhsa_su",
        (loaded(samhsa(Zip="ABCDE"), r"zip 'ABCDE' is not a US ZIP code", zip5=None),),
        "not a ZIP; dropped",
    ),
    Kind("zip_plus_four", "samhsa_su", (loaded(samhsa(Zip="23219-1234"), zip5="23219"),), "ZIP+4 is cut to 5"),
    Kind("zip_nine_digits", "samhsa_mh", (loaded(samhsa("samhsa_mh", Zip="232191234"), zip5="23219"),), "ZIP+4"),
    Kind(
        "zip_full_width_digits",
        "samhsa_su",
        (loaded(samhsa(Zip="\uff12\uff13\uff12\uff11\uff19"), zip5="23219"),),
        "full-width digits are digits (NFKC)",
    ),
    Kind(
        "zip_arabic_indic_digits",
        "samhsa_su",
        (loaded(samhsa(Zip="\u0662\u0663\u0662\u0661\u0669"), r"is not a US ZIP code", zip5=None),),
        "not ASCII digits even after NFKC; a ZIP column never holds them",
    ),
    Kind(
        "zip_too_long",
        "samhsa_su",
        (loaded(samhsa(Zip="232191234567"), r"is not a US ZIP code", zip5=None),),
        "twelve digits are no ZIP",
    ),
    # -- phones ----------------------------------------------------------------------------------
    Kind(
        "phone_all_nines",
        "samhsa_su",
        (loaded(samhsa(Phone="(999) 999-9999"), r"main phone '\(999\) 999-9999' is not a valid number", phone=None),),
        "a filler; the listing is fine without a number",
    ),
    Kind(
        "phone_all_zeros",
        "samhsa_su",
        (loaded(samhsa(Phone="000-000-0000"), r"is not a valid number", phone=None),),
        "a filler",
    ),
    Kind(
        "phone_not_available",
        "samhsa_mh",
        (loaded(samhsa("samhsa_mh", Phone="Not Available"), r"'Not Available' is a placeholder", phone=None),),
        "a placeholder",
    ),
    Kind(
        "phone_n_a",
        "samhsa_su",
        (loaded(samhsa(Phone="N/A"), r"'N/A' is a placeholder", phone=None),),
        "a placeholder",
    ),
    Kind(
        "phone_tbd",
        "samhsa_su",
        (loaded(samhsa(Phone="TBD"), r"'TBD' is a placeholder", phone=None),),
        "a placeholder",
    ),
    Kind(
        "phone_vanity_letters",
        "samhsa_su",
        (loaded(samhsa(Phone="1-800-FLOWERS"), phone="+18003569377"),),
        "letters on the keypad dial a real number",
    ),
    Kind(
        "phone_too_short",
        "samhsa_su",
        (loaded(samhsa(Phone="555-0142"), r"'555-0142' is not a valid number", phone=None),),
        "seven digits: the area code is unknown",
    ),
    Kind(
        "phone_with_extension",
        "samhsa_mh",
        (
            loaded(
                samhsa("samhsa_mh", Phone="804-555-0100 ext. 204"),
                phone="+18045550100",
                phones=lambda p: p[0]["extension"] == "204",
            ),
        ),
        "the extension is kept apart",
    ),
    Kind(
        "phone_is_an_email",
        "samhsa_su",
        (loaded(samhsa(Phone="intake@example.org"), r"'intake@example.org' is not a phone number", phone=None),),
        "wrong column; the listing is otherwise fine",
    ),
    Kind(
        "phone_full_width_digits",
        "samhsa_su",
        (
            loaded(
                samhsa(Phone="\uff08\uff18\uff10\uff14\uff09\uff15\uff15\uff15-\uff10\uff11\uff10\uff10"),
                phone="+18045550100",
            ),
        ),
        "full-width digits are digits (NFKC)",
    ),
    Kind(
        "phone_in_tel_link",
        "samhsa_su",
        (loaded(samhsa(Phone='<a href="tel:+18045550100">804-555-0100</a>'), phone="+18045550100"),),
        "a number inside a link is still the number",
    ),
    Kind(
        "phone_is_a_paragraph",
        "samhsa_mh",
        (
            loaded(
                samhsa("samhsa_mh", Phone="Call us any time. " * 300),
                r"^main phone 'Call us any time\. .*… \(\d+ characters\) is not a phone number; dropped$",
                phone=None,
                warnings=lambda w: all(len(x) < 300 for x in w),
            ),
        ),
        "prose in the phone column; the warning quotes it cut short",
    ),
    # -- codes -----------------------------------------------------------------------------------
    Kind(
        "unknown_service_codes",
        "samhsa_su",
        (
            loaded(
                samhsa(Service_code_info="SA * OP OIT ZZZ * QQQ9"),
                r"codes not in the directory's code reference: ZZZ QQQ9",
                source_codes=has("ZZZ", "QQQ9", "OIT"),
                levels_of_care=["iop"],
            ),
        ),
        "unknown codes are kept and named; the known ones still count",
    ),
    Kind(
        "nul_and_markup_in_codes",
        "samhsa_mh",
        (
            loaded(
                samhsa("samhsa_mh", Service_code_info="SA * <b>OIT</b>\u0000 OP"),
                source_codes=["SA", "OIT", "OP"],
                levels_of_care=["iop"],
            ),
        ),
        "codes are letters and digits: the rest is noise",
    ),
    Kind(
        "code_reference_empty_code",
        "samhsa_su",
        (
            rejected(
                {**code("  ", "SET", "Nothing"), "record_id": "Service Code Reference!blank"}, "service_code", r"empty"
            ),
        ),
        "a reference row without a code defines nothing (counted with the codes, not the listings)",
    ),
    # -- duplicates ----------------------------------------------------------------------------
    Kind(
        "duplicate_row",
        "samhsa_su",
        (
            loaded(_dup, name="Twice Written Recovery"),
            rejected(_dup, "record", r"^duplicate of Facilities List!\d+ \(same listing, same content\)$"),
        ),
        "the same row written twice: one listing, the copy rejected",
    ),
    Kind(
        "duplicate_content_other_row",
        "samhsa_su",
        (
            loaded(_dup_moved),
            rejected(_dup_moved_copy, "record", r"^duplicate of " + _dup_moved["record_id"] + " "),
        ),
        "the same facility on two rows of the sheet: one listing",
    ),
    Kind(
        "same_identity_other_content",
        "samhsa_su",
        (loaded(_twin_a, levels_of_care=["iop"]), loaded(_twin_b, levels_of_care=["op"])),
        "two programs at one address and phone: both kept, with content-derived ids",
    ),
]
