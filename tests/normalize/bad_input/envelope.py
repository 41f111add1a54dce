"""Bad input any source can have: lines that are no record at all, and the envelope the spider writes."""

import json

from schemas.raw import MAX_FIELD_CHARS
from tests.normalize.bad_input.common import Kind, envelope, rejected, samhsa

_huge_line = samhsa(**{f"Extra{i}": "x" * (MAX_FIELD_CHARS - 10) for i in range(170)})

KINDS: list[Kind] = [
    # -- lines that are no record at all -------------------------------------------------------
    Kind(
        "not_json",
        "unknown",
        (rejected("Facilities List!5 was here", "record", r"^line is not JSON: Expecting value \(column 1\)$"),),
        "no record can be read from it",
    ),
    Kind(
        "truncated_json",
        "unknown",
        (rejected('{"record_type": "samhsa_facility", "source": "samhsa_su", "fie', "record", r"truncated"),),
        "a crawl killed mid-write: the rest of the record is gone",
    ),
    Kind(
        "json_array",
        "unknown",
        (rejected(json.dumps([samhsa()]), "record", r"JSON list, not a record object"),),
        "a record is a JSON object; a list of them is another format",
    ),
    Kind("json_scalar", "unknown", (rejected("42", "record", r"JSON int, not a record object"),), "not a record"),
    Kind(
        "invalid_utf8",
        "unknown",
        (rejected(b'{"record_type": "samhsa_facility", "Name1": "Caf\xe9"}', "record", r"not valid UTF-8"),),
        "Latin-1 bytes in a UTF-8 file: no text can be trusted",
    ),
    Kind(
        "raw_nul_byte_in_line",
        "unknown",
        (
            rejected(
                json.dumps(samhsa()).replace("Richmond", "Rich\x00mond"),
                "record",
                r"Invalid control character at \(column \d+\)",
            ),
        ),
        "a literal NUL byte is not JSON; the reject stores it escaped",
    ),
    Kind(
        "json_nested_too_deeply",
        "unknown",
        (rejected('{"fields": ' + "[" * 100_000 + "]" * 100_000 + "}", "record", r"nested too deeply"),),
        "Python's json gives up on it with a RecursionError, which once stopped the whole normalization",
    ),
    Kind(
        "line_over_16_mib",
        "samhsa_su",
        (rejected(_huge_line, "record", r"line is [0-9,]+ bytes long, over the limit of 16,777,216; not read"),),
        "a 17 MB line is no listing; it is skipped in chunks, never held whole, and named by its head",
    ),
    # -- the envelope the spider writes --------------------------------------------------------
    Kind(
        "missing_fields",
        "samhsa_su",
        (rejected(envelope(samhsa(), fields=...), "fields", r"^fields: Field required$"),),
        "a record without cells has nothing to list",
    ),
    Kind(
        "fields_not_an_object",
        "samhsa_su",
        (rejected(envelope(samhsa(), fields="Name1=Acme"), "fields", r"valid dictionary"),),
        "the spider wrote the wrong shape",
    ),
    Kind(
        "cell_is_a_number",
        "samhsa_su",
        (rejected(samhsa(Zip=23219), "fields.Zip", r"^fields\.Zip: Input should be a valid string$"),),
        "the raw layer holds text as given; a number means the spider converted it (06810 -> 6810)",
    ),
    Kind(
        "cell_is_a_list",
        "samhsa_su",
        (rejected(samhsa(Phone=["804-555-0100", "804-555-0101"]), "fields.Phone", r"valid string"),),
        "the spider wrote the wrong type; which number is the main one is unknown",
    ),
    Kind(
        "cell_is_an_object",
        "samhsa_mh",
        (rejected(samhsa("samhsa_mh", Street1={"line": "1 Main St"}), "fields.Street1", r"valid string"),),
        "the spider wrote the wrong type",
    ),
    Kind(
        "unknown_record_type",
        "samhsa_su",
        (rejected(envelope(samhsa(), record_type="samhsa_facilty"), "record_type", r"no normalizer for record type"),),
        "no normalizer knows the shape",
    ),
    Kind(
        "unknown_source",
        "samhsa_xx",
        (rejected(samhsa("samhsa_xx"), "source", r"'samhsa_xx' is not a source of samhsa_facility records"),),
        "the flow loads only a crawl's own sources: accepted, this listing would vanish uncounted",
    ),
    Kind(
        "missing_record_id",
        "samhsa_su",
        (rejected(envelope(samhsa(), record_id=...), "record_id", r"record_id: Field required"),),
        "provenance must find the source row again",
    ),
    Kind(
        "blank_record_id",
        "samhsa_su",
        (rejected(envelope(samhsa(), record_id="   "), "record_id", r"record_id: Value error, is empty"),),
        "provenance must find the source row again",
    ),
    Kind(
        "record_id_with_nul",
        "samhsa_su",
        (rejected(envelope(samhsa(), record_id="Facilities List!9\x00"), "record_id", r"control characters"),),
        "an id is stored as given, so it must be clean",
    ),
    Kind(
        "envelope_url_with_markup",
        "samhsa_su",
        (
            rejected(
                envelope(samhsa(), source_url='https://x.example/"><script>alert(1)</script>'),
                "source_url",
                r"source_url: Value error, holds '<', the start of markup",
            ),
        ),
        "stored as given in provenance and rejects, so no tag may start in it; the reject does not store it",
    ),
    Kind(
        "fetched_at_not_a_time",
        "samhsa_su",
        (rejected(envelope(samhsa(), fetched_at="yesterday"), "fetched_at", r"not an ISO-8601 time"),),
        "provenance needs the fetch time",
    ),
    Kind(
        "extra_envelope_key",
        "samhsa_su",
        (rejected(envelope(samhsa(), spider="x"), "spider", r"Extra inputs are not permitted"),),
        "an envelope we do not know is a spider we do not know",
    ),
    Kind(
        "unpaired_surrogate",
        "samhsa_su",
        (
            rejected(
                samhsa(Name1="Acme \ud800 Center"), "fields.Name1", r"unable to parse raw data as a unicode string"
            ),
        ),
        "half a UTF-16 pair is no character, and no UTF-8 writer downstream could store it",
    ),
    Kind(
        "ten_mb_cell",
        "samhsa_su",
        (rejected(samhsa(Name2="A" * 10_000_000), "fields.Name2", r"at most 100000 characters"),),
        "a page or a file dumped into one cell: rejected before it reaches a listing, a message or the DB",
    ),
]
