"""Bad input of the FindTreatment.gov locator: coordinates, websites, the services cell, names, duplicates."""

from tests.normalize.bad_input.common import Kind, findtreatment, has, loaded, rejected, services

_ft_dup = findtreatment(name1="Paged Twice Services")
_ft_twin_a = findtreatment(name1="Corpus Twin Services")
_ft_twin_b = {
    **_ft_twin_a,
    "record_id": _ft_twin_a["record_id"] + "b",
    "fields": {**_ft_twin_a["fields"], "phone": "434-555-0143"},
}

KINDS: list[Kind] = [
    Kind(
        "ft_coordinates_swapped",
        "findtreatment",
        (
            loaded(
                findtreatment(latitude="-78.4725231", longitude="38.0282239"),
                r"swapped",
                latitude=38.0282239,
                longitude=-78.4725231,
            ),
        ),
        "a Virginia row at (-78, 38) is in Antarctica; read the other way round it is in Virginia",
    ),
    Kind(
        "ft_coordinates_out_of_range",
        "findtreatment",
        (loaded(findtreatment(latitude="95", longitude="-78.47"), r"out of range", latitude=None, longitude=None),),
        "no such place; dropped",
    ),
    Kind(
        "ft_coordinates_not_numbers",
        "findtreatment",
        (loaded(findtreatment(latitude="N/A", longitude="N/A"), r"are not numbers", latitude=None),),
        "placeholders; dropped",
    ),
    Kind(
        "ft_coordinates_null_island",
        "findtreatment",
        (loaded(findtreatment(latitude="0", longitude="0"), r"\(0, 0\) are a placeholder", latitude=None),),
        "0,0 is in the Gulf of Guinea",
    ),
    Kind(
        "ft_coordinates_nan",
        "findtreatment",
        (loaded(findtreatment(latitude="nan", longitude="-78.47"), r"out of range", latitude=None),),
        "not a number",
    ),
    Kind(
        "ft_coordinates_in_another_place",
        "findtreatment",
        (loaded(findtreatment(latitude="13.44", longitude="144.79"), r"are not in VA; dropped", latitude=None),),
        "a Virginia row placed on Guam: neither swapping nor a sign explains it",
    ),
    Kind(
        "ft_coordinates_one_missing",
        "findtreatment",
        (loaded(findtreatment(latitude="38.03", longitude=""), r"are not numbers", latitude=None, longitude=None),),
        "one coordinate alone places nothing",
    ),
    Kind(
        "ft_website_javascript",
        "findtreatment",
        (loaded(findtreatment(website="javascript:alert(1)"), r"not an http\(s\) URL", website=None),),
        "never a link to publish",
    ),
    Kind(
        "ft_website_ftp",
        "findtreatment",
        (loaded(findtreatment(website="ftp://files.example.org/"), r"not an http\(s\) URL", website=None),),
        "not a web page",
    ),
    Kind(
        "ft_website_without_scheme",
        "findtreatment",
        (loaded(findtreatment(website="www.example.org"), r"not an http\(s\) URL", website=None),),
        "a link must work as published; guessing the scheme is left to the source",
    ),
    Kind(
        "ft_website_is_markup",
        "findtreatment",
        (
            loaded(
                findtreatment(website='<a href="http://x.example.org">x</a>'),
                r"^website with HTML markup is not an http\(s\) URL",
                website=None,
            ),
        ),
        "an anchor, not a URL; the warning does not repeat the markup",
    ),
    Kind(
        "ft_website_breaks_out_of_attribute",
        "findtreatment",
        (
            loaded(
                findtreatment(website='http://evil.example/"><script>alert(1)</script>'),
                r"^website with HTML markup is not an http\(s\) URL; dropped$",
                website=None,
            ),
        ),
        "a quote ends the link's attribute and a script follows: no URL, and the warning does not repeat it",
    ),
    Kind(
        "ft_website_invalid_host",
        "findtreatment",
        (loaded(findtreatment(website="http://-corpus..example.org/"), r"no valid host name", website=None),),
        "empty labels and a leading hyphen make no host name",
    ),
    Kind(
        "ft_website_user_name",
        "findtreatment",
        (loaded(findtreatment(website="http://corpus.example.org@evil.example/"), r"user name", website=None),),
        "the host is the part after '@': the link would go elsewhere than it reads",
    ),
    Kind(
        "ft_website_in_an_anchor_of_itself",
        "findtreatment",
        (
            loaded(
                findtreatment(website="<a>https://corpus.example.org/iop</a>"),
                r"^website: HTML tags removed$",
                website="https://corpus.example.org/iop",
            ),
        ),
        "markup around a URL is stripped as from any text; the URL left is kept",
    ),
    Kind(
        "ft_name_svg_text",
        "findtreatment",
        (
            loaded(
                findtreatment(name1="<svg><text>Corpus Svg Recovery</text></svg>"),
                r"tags removed",
                name="Corpus Svg Recovery",
            ),
        ),
        "`text` is an SVG element: `</text>` must not survive in a name",
    ),
    Kind(
        "ft_website_without_host",
        "findtreatment",
        (loaded(findtreatment(website="http://"), r"no valid host name", website=None),),
        "a scheme alone",
    ),
    Kind(
        "ft_website_upper_case_scheme",
        "findtreatment",
        (loaded(findtreatment(website="HTTP://Corpus.example.org/IOP"), website="http://Corpus.example.org/IOP"),),
        "the scheme's case means nothing",
    ),
    Kind(
        "ft_services_not_json",
        "findtreatment",
        (rejected(findtreatment(services='[{"f1": "Type'), "services", r"not JSON"),),
        "the service list is the listing's substance; half of it is none",
    ),
    Kind(
        "ft_services_nested_too_deeply",
        "findtreatment",
        (rejected(findtreatment(services="[" * 50_000 + "]" * 50_000), "services", r"nested too deeply"),),
        "unreadable without a RecursionError; the row is rejected, the run goes on",
    ),
    Kind(
        "ft_services_not_a_list",
        "findtreatment",
        (rejected(findtreatment(services='{"f3": "Detoxification"}'), "services", r"not a list"),),
        "the spider wrote the wrong shape",
    ),
    Kind(
        "ft_services_entry_not_an_object",
        "findtreatment",
        (rejected(findtreatment(services='["Detoxification"]'), "services", r"'Detoxification' is not an object"),),
        "the spider wrote the wrong shape",
    ),
    Kind(
        "ft_unknown_service_label",
        "findtreatment",
        (
            loaded(
                findtreatment(services=services("Substance use treatment", "<b>Equine therapy</b>")),
                r"kept as labels: Equine therapy$",
                source_codes=has("label:Equine therapy"),
            ),
        ),
        "an unknown label is kept, without its markup, and named",
    ),
    Kind(
        "ft_blank_name",
        "findtreatment",
        (rejected(findtreatment(name1="   "), "name1", r"facility name is empty"),),
        "nameless",
    ),
    Kind(
        "ft_duplicate_row",
        "findtreatment",
        (loaded(_ft_dup), rejected(_ft_dup, "record", r"^duplicate of ")),
        "the same row on two pages of the answer: one listing",
    ),
    Kind(
        "ft_same_frid_other_content",
        "findtreatment",
        (loaded(_ft_twin_a, phone="+14345550142"), loaded(_ft_twin_b, phone="+14345550143")),
        "one native id, two contents: both kept, with content-derived ids",
    ),
]
