"""Bad input of providers' program pages: headings, section text, JSON-LD, the page's URL."""

import json

from tests.normalize.bad_input.common import Kind, loaded, rejected, section

KINDS: list[Kind] = [
    Kind(
        "pp_no_heading",
        "program_pages",
        (rejected(section(program_name=" "), "program_name", r"section heading is empty"),),
        "nameless",
    ),
    Kind(
        "pp_no_text",
        "program_pages",
        (rejected(section(schedule_text=None), "schedule_text", r"section has no text"),),
        "a section with no words says nothing about the program",
    ),
    Kind(
        "pp_markup_only_text",
        "program_pages",
        (rejected(section(schedule_text="<script>track()</script>"), "schedule_text", r"section has no text"),),
        "a script is not text",
    ),
    Kind(
        "pp_json_ld_not_json",
        "program_pages",
        (rejected(section(json_ld="[{"), "json_ld", r"not JSON"),),
        "the spider wrote a broken block",
    ),
    Kind(
        "pp_json_ld_nested_too_deeply",
        "program_pages",
        (rejected(section(json_ld="[" * 40_000 + "]" * 40_000), "json_ld", r"nested too deeply"),),
        "unreadable without a RecursionError; the row is rejected, the run goes on",
    ),
    Kind(
        "pp_json_ld_odd_types",
        "program_pages",
        (
            loaded(
                section(
                    json_ld=json.dumps(
                        [
                            "stray",
                            7,
                            {
                                "name": ["Alpha Health"],
                                "telephone": ["434-555-0142", "x"],
                                "address": {"addressRegion": 5, "postalCode": 22902, "streetAddress": {"a": 1}},
                            },
                        ]
                    )
                ),
                r"address region: '5' is not a US state",
                name="Alpha Health",
                phone="+14345550142",
                zip5="22902",
                state=None,
                street=None,
            ),
        ),
        "pages write numbers, lists and objects where text is expected: read what is text, skip the rest",
    ),
    Kind(
        "pp_json_ld_name_is_a_paragraph",
        "program_pages",
        (
            loaded(
                section(json_ld=json.dumps([{"name": "We care. " * 60, "address": {"addressRegion": "VA"}}])),
                r"^provider name: 539 characters, too long for one line; dropped$",
                name=lambda n: n.startswith("corpus"),
                state="VA",
            ),
        ),
        "JSON-LD is optional detail: the paragraph is dropped, the program is kept",
    ),
    Kind(
        "pp_json_ld_single_object",
        "program_pages",
        (
            loaded(
                section(json_ld=json.dumps({"name": "Beta Clinic", "address": {"addressRegion": "va"}})),
                name="Beta Clinic",
                state="VA",
            ),
        ),
        "a lone block instead of a list of blocks",
    ),
    Kind(
        "pp_address_region_full_name",
        "program_pages",
        (
            loaded(
                section(json_ld=json.dumps([{"name": "Gamma", "address": {"addressRegion": "Virginia"}}])),
                state="VA",
            ),
            loaded(
                section(json_ld=json.dumps([{"name": "Delta", "address": {"addressRegion": "Atlantis"}}])),
                r"address region: 'Atlantis' is not a US state or territory; dropped",
                state=None,
            ),
        ),
        "a state's name is read as its code; a page's listing may have no state, the region is named in a warning",
    ),
    Kind(
        "pp_heading_in_markup",
        "program_pages",
        (
            loaded(
                section(program_name="<h2>Intensive <em>Outpatient</em> Program</h2>"),
                r"^program name: HTML tags removed$",
                name2="Intensive Outpatient Program",
            ),
        ),
        "formatting around a good heading",
    ),
    Kind(
        "pp_angle_brackets_kept",
        "program_pages",
        (
            loaded(
                section(schedule_text="IOP: < 20 hours a week, <Adults only>, groups 6 to 9 p.m. (a<b)"),
                schedule_text="IOP: < 20 hours a week, <Adults only>, groups 6 to 9 p.m. (a<b)",
                warnings=[],
            ),
        ),
        "angle brackets that are no tag are text",
    ),
    Kind(
        "pp_entities_in_text",
        "program_pages",
        (
            loaded(
                section(schedule_text="Groups meet Mon&ndash;Fri, 9&nbsp;a.m. to noon &amp; lunch"),
                r"^schedule text: HTML character references decoded$",
                schedule_text="Groups meet Mon\u2013Fri, 9 a.m. to noon & lunch",
            ),
        ),
        "character references are characters",
    ),
    Kind(
        "pp_schedule_text_of_2_mb",
        "program_pages",
        (rejected(section(schedule_text="We meet daily. " * 140_000), "fields.schedule_text", r"at most 100000"),),
        "a whole site in one section",
    ),
    Kind(
        "pp_long_schedule_text_under_the_limit",
        "program_pages",
        (
            loaded(
                section(schedule_text=("IOP groups meet Mondays and Thursdays from 6 to 9 p.m. " * 1700)[:90_000]),
                schedule_text=lambda t: len(t) <= 90_000,
                hours_max=6.0,
            ),
        ),
        "long but within the limit: loaded, and the hours engine reads it",
    ),
    Kind(
        "pp_source_url_not_http",
        "program_pages",
        (rejected(section(url="file:///tmp/iop.html"), "website", r"page URL 'file:///tmp/iop.html' is not an http"),),
        "a page's listing links to the page; a local file is no page",
    ),
    Kind(
        "pp_source_url_breaks_out_of_attribute",
        "program_pages",
        (
            rejected(
                section(url='https://corpus.example.org/iop"onmouseover="alert(1)'),
                "website",
                r"^page URL with quotes or other characters no URL holds is not an http\(s\) URL$",
            ),
        ),
        "a quote ends the link's attribute and a handler follows: no link to publish, nor repeated",
    ),
    Kind(
        "pp_svg_text_in_heading",
        "program_pages",
        (loaded(section(program_name='<svg><text x="0">Evening IOP</text></svg>'), name2="Evening IOP"),),
        "an inline SVG's text element is markup too",
    ),
]
