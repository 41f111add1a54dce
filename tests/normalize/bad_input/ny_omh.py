"""Bad input of the NY OMH program list: names, ids, states, colliding columns, points, duplicates."""

from tests.normalize.bad_input.common import Kind, loaded, omh, rejected

_omh_dup = omh(program_name="Corpus Duplicate Program")
_omh_twin_a = omh(program_name="Corpus Twin Program")
_omh_twin_b = {
    **_omh_twin_a,
    "record_id": _omh_twin_a["record_id"] + "0",
    "fields": {**_omh_twin_a["fields"], "program_city": "Ballston Spa"},
}

KINDS: list[Kind] = [
    Kind(
        "omh_empty_program_name",
        "ny_omh",
        (rejected(omh(program_name="  "), "Program Name", r"program name is empty"),),
        "nameless",
    ),
    Kind(
        "omh_missing_program_code_column",
        "ny_omh",
        (rejected(omh(program_code=...), "program_code", r"Field required"),),
        "the native id is missing: the file changed format",
    ),
    Kind(
        "omh_blank_program_code",
        "ny_omh",
        (rejected(omh(program_code=" "), "Program Code", r"no id"),),
        "the program has no id",
    ),
    Kind(
        "omh_state_full_name",
        "ny_omh",
        (rejected(omh(program_state="New York"), "Program State", r"'New York' is not a US state"),),
        "only USPS codes are read",
    ),
    Kind(
        "omh_columns_collide",
        "ny_omh",
        (rejected(omh(**{" Program Name": "Other Name"}), "record", r"both read as 'program_name'"),),
        "two spellings of one column disagree: which one is right is unknown",
    ),
    Kind(
        "omh_phone_not_available",
        "ny_omh",
        (loaded(omh(program_phone="Not Available"), r"'Not Available' is a placeholder", phone=None),),
        "a placeholder",
    ),
    Kind(
        "omh_point_swapped",
        "ny_omh",
        (
            loaded(
                omh(georeference="POINT (43.058364 -73.783423)"),
                r"swapped; read as \(43\.0584, -73\.7834\)",
                latitude=43.058364,
                longitude=-73.783423,
            ),
        ),
        "latitude and longitude swapped: read back, since the swapped point lies in the state",
    ),
    Kind(
        "omh_point_lost_minus_sign",
        "ny_omh",
        (
            loaded(
                omh(georeference="POINT (73.783423 43.058364)"),
                r"lacks its minus sign",
                latitude=43.058364,
                longitude=-73.783423,
            ),
        ),
        "a lost minus sign: read back, since the point then lies in the state",
    ),
    Kind(
        "omh_point_not_a_point",
        "ny_omh",
        (loaded(omh(georeference="43.05, -73.78"), r"is not a point", latitude=None),),
        "unreadable; the listing is fine without coordinates",
    ),
    Kind(
        "omh_markup_in_address",
        "ny_omh",
        (loaded(omh(program_address_1="<p>211 Church Street</p>"), r"^street: HTML", street="211 Church Street"),),
        "formatting around a good address",
    ),
    Kind(
        "omh_duplicate_row",
        "ny_omh",
        (loaded(_omh_dup), rejected(_omh_dup, "record", r"^duplicate of ")),
        "the same program row twice (pages overlapping): one listing",
    ),
    Kind(
        "omh_same_code_other_content",
        "ny_omh",
        (loaded(_omh_twin_a, city="Saratoga Springs"), loaded(_omh_twin_b, city="Ballston Spa")),
        "one native id, two contents: both kept, with content-derived ids, for a maintainer to look at",
    ),
]
