"""What every table, view and column of the store means: the text of its `COMMENT ON`.

The one source of these texts. A listing's columns are described by the fields of the listing
model (`schemas/listing.py`, each field's `description`; the provenance's by `Provenance`); every
other column here. docs/data-model.md shows the same texts in its column tables, and
tests/store/test_comments.py holds the two equal, so the docs and `duckdb_columns()` say the same.
`ensure_schema` applies them on every open (`apply_comments`), writing only those that differ.
"""

from functools import cache

import duckdb

from pipeline.tables import STREET_COLUMNS
from schemas.listing import Listing, Provenance

#: What each table and view is.
RELATIONS = {
    "listings": "One row per listing per source: what it says, its bookkeeping, its parsed street address.",
    "listing_records": "The table behind `listings`: every stored listing, with its content hash and split street.",
    "listing_changes": "What each load did to each listing: new, changed (with before and after), returned, gone.",
    "runs": "One row per run, written when the run starts and updated as it goes.",
    "run_sources": "One row per run and source: how its crawl and load went.",
    "rejects": "One row per record that could not become a listing.",
    "codes": 'Each source\'s "Service Code Reference" sheet, together with what each code maps to.',
    "facilities": "One row per facility (linked listings of different sources, or a lone listing), values merged.",
    "facility_links": "The links that joined listings of different sources into facilities, rebuilt by every run.",
    "facility_members": "Each active listing and its facility, rebuilt by every run.",
    "street_names": "Each distinct street address without its house number, parsed once.",
    "flags": "One row per flag ever raised, joined with its listing and latest review.",
    "flag_records": "The table behind `flags`: the flags as the rules raised them.",
    "flag_reviews": "Every review decision on a flag; never updated or deleted.",
    "schema_state": "What made the views and these comments, so an open that finds them current leaves them.",
}

_RUN_IDS = "The first and the last run that saw the listing (`runs.run_id`)."
_STREET = (
    'Last in the view: `street` parsed and USPS-standardized ("550 First Avenue" → `550`, NULL, `1`, `AVE`, NULL, '
    "NULL, `usaddress`; see docs/linking.md); parsed when the listing is loaded."
)
_BOOKKEEPING = {
    "first_seen": "Load time of the first run that saw the listing.",
    "last_seen": "Load time of the last run that saw the listing.",
    "last_changed": "Load time of the last run that changed its content.",
    "first_run_id": _RUN_IDS,
    "last_run_id": _RUN_IDS,
    "active": "false once a complete crawl of its source no longer has it.",
}
_COUNTS = "Listings that were added, that changed content, that were reloaded as they were, and that were set inactive."
_SOURCE_COUNTS = "As in `runs`, for this source."
_FLAGS = {
    "flag_id": "UUID-shaped id from listing, rule and evidence: the same flag on every run while the evidence stays "
    "the same.",
    "listing_id": "The flagged listing (`listings.listing_id`).",
    "rule_id": "The rule that raised it (docs/flags.md): `php_as_iop` (high; medium when it rests on a name or "
    "wording alone), `iop_range_reaches_php`, `php_below_threshold`, `php_range_below_floor`, `iop_below_floor`, "
    "`level_conflict_across_sources` (medium), `level_label_conflict` (low).",
    "rule_version": "The version of the rule.",
    "severity": "`high`, `medium` or `low`, as the rule sets it (see `rule_id`).",
    "confidence": "How strong the evidence is: `high` (the program's own stated or derived weekly hours), `medium` "
    "(a structured schedule, or the codes of two sources for one facility), `low` (a name or wording alone). "
    "Outside the evidence: it never changes `flag_id`. NULL (unknown) on a flag of a file made before flags had "
    "one, until the next run.",
    "message": "One line for a maintainer.",
    "evidence": "JSON: `levels_claimed`, `name`, `name_levels`, `text_levels`, `hours` {min, max, basis, level, "
    "spans}, `php_cues`, `populations`, `iop_floor`, `reasons` (what the rules read; the listing's codes are in "
    "`flags.source_codes`).",
    "evidence_hash": "md5 of `evidence`.",
    "thresholds": "JSON: the thresholds the rule used.",
    "active": "true while the latest flagging pass raises it; flags are never deleted.",
    "first_seen": "When it was raised first.",
    "last_seen": "When it was raised last.",
    "first_run_id": "The run that raised it first.",
    "last_run_id": "The run that raised it last.",
}

#: Every column that is not a field of the listing model, by table or view.
COLUMNS: dict[str, dict[str, str]] = {
    "listings": {
        "phone": "Main number in E.164 (`+12123684100`); NULL if none is valid.",
        **_BOOKKEEPING,
        **dict.fromkeys(STREET_COLUMNS, _STREET),
    },
    "listing_records": {
        "phone": "Main number in E.164 (`+12123684100`); NULL if none is valid.",
        "content_hash": "Hash of the listing's content (every column but `listing_id` and provenance): a load "
        "compares it to tell a changed listing.",
        **_BOOKKEEPING,
        "street_number": "The house number of `street`, written with the listing by its load.",
        "street_rest": "`street` without its house number: the key of `street_names`.",
    },
    "listing_changes": {
        "run_id": "The run whose load made the change.",
        "changed_at": "When that load ran.",
        "listing_id": "The listing (`listings.listing_id`).",
        "source": "Its source.",
        "change": "`new`, `changed`, `returned` (active again) or `gone` (set inactive).",
        "fields": "For `changed` and `returned`: the columns whose content changed; else empty.",
        "before": "JSON: its content before the change (NULL for `new`).",
        "after": "JSON: its content after the change (for `new`: name, city, state and ZIP only; NULL for `gone`).",
    },
    "runs": {
        "run_id": "`YYYYMMDDTHHMMSSZ-xxxxxx` (UTC start time plus a random suffix). Sorts by time.",
        "started_at": "Start of the run.",
        "finished_at": "End of the run, after load, link and flag (NULL while it runs, and for an interrupted run).",
        "status": "`running` (crawling, normalizing, loading), `loaded` (its load committed; link and flag not "
        "finished), `ok` (load, link and flag finished and every source is `ok`), `failed` (a source failed, or a "
        "step raised; see `message`) or `interrupted` (its process ended before the run finished; found and marked "
        "by the next run's start).",
        "sources": "Sorted list of the sources (or failed spiders) of the run.",
        "seen": "Listing records the run's sources delivered: `loaded` + `rejected`.",
        "loaded": "Rows written to `listing_records`.",
        "rejected": "Rejected records, duplicates included.",
        "new": _COUNTS,
        "changed": _COUNTS,
        "unchanged": _COUNTS,
        "gone": _COUNTS,
        "message": "`<source>: <reason>` for each failed source or crawl, what made a step fail, or why the run was "
        "marked interrupted; otherwise empty.",
        "loaded_at": "When its load committed (NULL if it never did).",
        "flagged_at": "When its flag step committed (NULL if it never did): flags are older than the last load when "
        "the latest loaded run has none, and `iopdir flags` and the report say so.",
        "process": "`host/pid/start ticks` of the process that ran it, so the next run can tell whether it is still "
        "running.",
    },
    "run_sources": {
        "run_id": "The run.",
        "source": "The source; a failed crawl gets a row under its spider's name.",
        "complete": "Whether the crawl delivered the whole source. Only a complete crawl marks listings gone.",
        "status": "`ok`, `partial`, `failed` or `held`. A failed source has zero counts and its listings are "
        "untouched; a held one (past the mass-change guard's limits, see docs/reliability.md) has its rows loaded "
        "and none of its listings retired.",
        **dict.fromkeys(("seen", "loaded", "rejected", "new", "changed", "unchanged", "gone"), _SOURCE_COUNTS),
        "warnings": "Number of warning strings attached to the source's normalized rows.",
        "crawl_stats": "JSON: the Scrapy stats of the crawl (`downloader/*`, `finish_*`, `replay/*`, `iopdir/*`).",
        "message": 'Crawl error of the source, if any; "the source returned no items" for a complete crawl with '
        "nothing in it (a failure, unless the spider marks the source as possibly empty with the "
        "`iopdir/source/<source>/empty_ok` stat).",
        "quality": "JSON: `items`, `loaded`, `rejected`, `duplicates`, `missing` (rows with no value, per field: "
        "street, city, zip5, phone, website, latitude, levels_of_care, services, payments, populations, hours_min), "
        "`invalid` (values dropped or repaired, per field, from the warnings: `main phone`, `zip5`, `georeference`, "
        "…), `rows_with_unknown_codes`, `rows_with_warnings`, `reject_reasons` (field → count).",
    },
    "rejects": {
        "run_id": "Run that rejected it.",
        **dict.fromkeys(("source", "source_url", "source_file", "source_record_id"), "Where the record came from."),
        "field": "What failed: a source column (`Name1`, `State`, …), a model field, or `record`.",
        "message": "Why, in plain words.",
        "raw": "The raw crawled record (a JSON line). NULL for duplicates.",
    },
    "codes": {
        "source": "`samhsa_su` or `samhsa_mh`. The two directories have different code lists.",
        **dict.fromkeys(
            ("category_code", "category_name"),
            'e.g. `SET`, "Service Setting (e.g., Outpatient, Residential, Inpatient, etc.)".',
        ),
        "code": "The code as it appears in `listings.source_codes`.",
        **dict.fromkeys(("label", "description"), "SAMHSA's text for the code."),
        "vocabulary": "The terms the code maps to, as `'<column>:<value>'` (e.g. `'payments:medicaid'`). Empty "
        "(`[]`) when the code is not mapped.",
        "run_id": "Run that wrote the row.",
    },
    "facilities": {
        "facility_id": "UUID5 of the smallest member `listing_id`: stable while that member lasts.",
        "listings": "Number of member listings.",
        "listing_ids": "The members' `listing_id`s, sorted.",
        "sources": "The members' sources, sorted.",
        **dict.fromkeys(("name", "street", "city", "state", "zip5"), "Of the smallest member (by `listing_id`)."),
        "phones": "The members' main numbers (E.164), sorted.",
        **dict.fromkeys(
            ("levels_of_care", "services", "payments", "populations", "payers"),
            "Every value any member gives, as `{value, sources}`: with the sources that give it.",
        ),
        "members": "Each member's `listing_id`, `source`, `name`, `site` (its parsed house number and street, and "
        "ZIP) and the `links` that joined it (`listing_id`, `score`, `reasons`).",
    },
    "facility_links": {
        **dict.fromkeys(("listing_a", "listing_b"), "The two listings linked, `listing_a` < `listing_b`."),
        "score": "How alike they are, 0-1.",
        "reasons": 'The rule first (e.g. "rule: same site"), then what matched ("same street address and ZIP", '
        '"same phone", "name similarity 0.86").',
        "run_id": "The run that linked them.",
    },
    "facility_members": {
        "facility_id": "The facility (`facilities.facility_id`).",
        "listing_id": "A member listing.",
        "source": "Its source.",
        "run_id": "The run that grouped them.",
    },
    "street_names": {
        "rest": "A street address without its house number, as `listing_records.street_rest` holds it.",
        **{
            part: f"Its parsed, USPS-standardized {part}, or NULL."
            for part in ("predirectional", "name", "suffix", "postdirectional", "unit")
        },
        "parser": "What parsed it (`usaddress`, or the fallback).",
    },
    "flags": {
        **_FLAGS,
        **dict.fromkeys(
            ("source", "name", "name2", "city"),
            "The listing's; for a program page the provider and the program's heading.",
        ),
        "state": "The listing's state; for a listing that states none (a provider's page without an address), the "
        "state of the listings it is linked with, when they agree.",
        "status": "`open`, `confirmed` or `dismissed`: the latest review of this listing and rule, if it was made on "
        "this evidence; else `open`.",
        "reopened": "true when the latest review was made on other evidence (the flag came back changed).",
        "review_note": "The note of the latest review of this listing and rule.",
        "reviewer": "Who made the latest review.",
        "reviewed_at": "When the latest review was made.",
        "reviews": "How many reviews this listing and rule had.",
        **dict.fromkeys(("source_record_id", "source_url"), "Where to check the listing."),
        "source_codes": "The listing's own codes, as in `listings.source_codes`.",
        "payers": "The listing's named payers, as in `listings.payers`.",
    },
    "flag_records": _FLAGS,
    "schema_state": {
        "digest": "sha256 of the schema script and of the comments' texts of the version that last made the views.",
    },
    "flag_reviews": {
        "review_id": "Id of the review.",
        "flag_id": "The flag reviewed.",
        "listing_id": "Its listing.",
        "rule_id": "Its rule: a review holds for the listing and rule.",
        "evidence_hash": "The evidence the review was made on (`flags.evidence_hash`).",
        "decision": "`confirmed` or `dismissed`.",
        "note": "Why, in the reviewer's words.",
        "reviewer": "Who decided.",
        "reviewed_at": "When.",
    },
}


def listing_column_comments() -> dict[str, str]:
    """The description of each column a listing's fields fill, from the model: its fields and its provenance's."""
    texts = {name: info.description or "" for name, info in Listing.model_fields.items()}
    for name, info in Provenance.model_fields.items():
        texts["source_record_id" if name == "record_id" else name] = info.description or ""
    return texts


@cache
def column_comments() -> dict[str, dict[str, str]]:
    """Every relation's columns and their texts: the model's for a listing's columns, `COLUMNS` for the others."""
    from pipeline.tables import LISTING_COLUMNS

    listing = listing_column_comments()
    texts = {name: dict(columns) for name, columns in COLUMNS.items()}
    for relation in ("listings", "listing_records"):
        texts[relation] = {c: listing[c] for c in LISTING_COLUMNS if c in listing} | texts[relation]
    return texts


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# The comments of the base tables and their columns (a view's are gone: ensure_schema has just made it again).
_CURRENT_SQL = """
SELECT table_name, NULL, comment FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary
UNION ALL
SELECT c.table_name, c.column_name, c.comment
FROM duckdb_columns() c JOIN duckdb_tables() t USING (database_oid, schema_oid, table_oid)
WHERE t.schema_name = 'main' AND NOT t.temporary
"""

#: The views of the store; ensure_schema makes them again on every open, which drops their comments.
VIEWS = ("listings", "facilities", "flags")


def apply_comments(con: duckdb.DuckDBPyConnection) -> int:
    """`COMMENT ON` every view and its columns, and every table and column whose comment differs; returns how many.

    Called right after the views are made again (which drops their comments): on an up-to-date
    file only theirs are written. A comment is a catalog write, and every command opens the store.
    """
    current = {(relation, column): comment for relation, column, comment in con.execute(_CURRENT_SQL).fetchall()}
    texts = column_comments()
    statements = [f"COMMENT ON VIEW {name} IS {_quote(RELATIONS[name])};" for name in VIEWS]
    statements += [
        f"COMMENT ON COLUMN {v}.{column} IS {_quote(text)};" for v in VIEWS for column, text in texts[v].items()
    ]
    statements += [
        f"COMMENT ON TABLE {name} IS {_quote(text)};"
        for name, text in RELATIONS.items()
        if name not in VIEWS and current.get((name, None), text) != text
    ]
    statements += [
        f"COMMENT ON COLUMN {relation}.{column} IS {_quote(text)};"
        for relation, columns in texts.items()
        if relation not in VIEWS
        for column, text in columns.items()
        if current.get((relation, column), text) != text
    ]
    con.execute("\n".join(statements))
    return len(statements)
