"""SAMHSA directory rows normalized set-based, in DuckDB: the bulk path of `pipeline.normalize.run`.

Nearly every row of SAMHSA's directories is plain: ASCII text without markup, escapes or control
characters, a known state, a five- or nine-digit ZIP, ten-digit phone numbers (an extension or not), codes
the directory's own reference knows, each once. For such a row every rule of
`pipeline.sources.samhsa.normalize.normalize_facility` reduces to string and bit operations that DuckDB
runs over whole columns at once, so this module turns them all into listings with a few queries
instead of a Python call per row.

The Python normalizer stays the reference and keeps every other row: a row this path cannot
prove plain (a warning to give, a reject to explain, markup to strip, a number to parse the long
way, a cell that is not a string) is left to it and read exactly as before. The rules are not
written twice where it matters: column names, states, the code map and its umbrella rule, the
NANP number plan and the level names come from the modules that own them.
`tests/sources/samhsa/test_bulk.py` checks that both paths give the same Parquet row for every row this
one takes, on the national directories, the bad-input corpus and hand-made edge cases.
"""

import logging
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb

from pipeline.clean import (
    CHAR_REF_PATTERN,
    EXTENSION_PATTERN,
    MAX_PHONE_CHARS,
    PLAIN_NANP_PATTERN,
    US_STATES,
    ZIP_PATTERN,
    nanp_valid_pattern,
)
from pipeline.duck import memory_limit
from pipeline.ids import sha1_sql, uuid5_sql
from pipeline.sources.samhsa.bulk_sql import (
    TERM_FIELDS,
    WORD_BITS,
    CodeBits,
    clean_sql,
    collapsed_sql,
    literal,
    name_levels_sql,
    spaced_sql,
    text_list,
)
from pipeline.sources.samhsa.codes import CodeReference
from pipeline.sources.samhsa.normalize import IDENTITY_COLUMNS, PHONE_COLUMNS
from pipeline.tables import LISTING_SCHEMA
from schemas.listing import MAX_LINE_CHARS
from schemas.raw import MAX_ENVELOPE_CHARS, MAX_FIELD_CHARS, RawRecord, SamhsaFacilityFields

logger = logging.getLogger(__name__)

RECORD_TYPE = "samhsa_facility"
#: The row's columns, in the order the spider writes them (the raw model's aliases).
FIELDS = tuple(f.alias or name for name, f in SamhsaFacilityFields.model_fields.items())
#: The envelope keys, in the order the spider writes them, before "fields".
ENVELOPE = tuple(name for name in RawRecord.model_fields if name != "fields")
#: Printable ASCII but the quote, the backslash and "<": a JSON string with nothing to unescape,
#: no control, invisible or non-ASCII character to clean, and no tag to strip.
_PLAIN_VALUE = r"[ !#-;=-\[\]-~]*"
_FETCHED_AT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?\+00:00"
_SESSION = "STRUCT(day INTEGER, start_minute INTEGER, end_minute INTEGER, track VARCHAR)"
_PHONE = "STRUCT(e164 VARCHAR, extension VARCHAR, original VARCHAR, kind VARCHAR)"
#: Lines of the file normalized by one query into one Parquet part.
CHUNK_LINES = 200_000
# A number with an extension, for RE2: the number (group 1) and the extension's digits (group 5).
_NANP_EXTENSION = f"({PLAIN_NANP_PATTERN})(?i:{EXTENSION_PATTERN.removesuffix('$')})"


@dataclass
class BulkResult:
    """What the bulk path took: a byte per line number of the file (non-zero = taken), the listings per source."""

    taken: bytes
    listings_by_source: dict[str, int]


@lru_cache(maxsize=1)
def line_pattern() -> str:
    """The whole line of a plain row, as the spider's exporter writes it: the keys in order, every value plain text.

    A line of another shape (keys reordered, a value that is a number or null, an extra column,
    an escape) does not match, and is read by the Python path.
    """
    envelope = ", ".join(
        f'"{name}": "{"samhsa_facility" if name == "record_type" else _PLAIN_VALUE}"' for name in ENVELOPE
    )
    fields = ", ".join(f'"{re.escape(name)}": "{_PLAIN_VALUE}"' for name in FIELDS)
    return r"\{" + envelope + r', "fields": \{' + fields + r"\}\}"


def _read_sql(items_path: Path) -> str:
    """Stage the plain SAMHSA lines of the file in `bulk_in`: line number, envelope and raw cells."""
    path = literal(str(items_path))
    envelope = ", ".join(f"{name}: 'VARCHAR'" for name in ENVELOPE)
    fields = ", ".join(f'"{name}" VARCHAR' for name in FIELDS)
    envelope_ok = " AND ".join(f"trim({n}) <> '' AND length({n}) <= {MAX_ENVELOPE_CHARS}" for n in ENVELOPE)
    cells_ok = " AND ".join(f'length(fields."{n}") <= {MAX_FIELD_CHARS}' for n in FIELDS)
    # ignore_errors: a line DuckDB cannot read (malformed, "fields" not an object) becomes a row of
    # NULLs, in its place, so row numbers stay line numbers; the Python path reports it.
    return f"""
    CREATE OR REPLACE TEMP TABLE bulk_in AS
    WITH plain_lines AS (
        SELECT ordinality AS seq FROM read_ndjson_objects({path}, ignore_errors = true) WITH ORDINALITY
        WHERE regexp_full_match(json, {literal(line_pattern())})
          AND (NOT contains(json, '&') OR NOT regexp_matches(json, {literal(CHAR_REF_PATTERN)}))
    ),
    parsed AS (
        SELECT ordinality AS seq, * FROM read_json({path}, format = 'newline_delimited', ignore_errors = true,
            columns = {{{envelope}, fields: 'STRUCT({fields})'}}) WITH ORDINALITY
    )
    SELECT p.seq, p.source, p.source_url, p.source_file, p.record_id, p.fetched_at,
           {", ".join(f'p.fields."{n}" AS "raw_{n}"' for n in FIELDS)}
    FROM parsed p SEMI JOIN plain_lines l ON p.seq = l.seq
    WHERE list_contains($sources, p.source) AND {envelope_ok} AND {cells_ok}
      AND regexp_full_match(p.fetched_at, {literal(_FETCHED_AT)})
    """


def _codes_sql(bits: Mapping[str, CodeBits]) -> str:
    """Stage each code list in `bulk_codes` as bit words, with its count of codes and of unknown ones."""
    index = " UNION ALL ".join(
        f"SELECT {literal(source)} AS source, unnest({text_list(list(b.index))}) AS code, "
        f"unnest(range({len(b.index)})) AS idx"
        for source, b in bits.items()
        if b.index
    )
    words = max(b.words() for b in bits.values())
    word_sql = ", ".join(
        f"bit_or(CASE WHEN k.idx // {WORD_BITS} = {j} THEN 1::UBIGINT << (k.idx % {WORD_BITS})::UBIGINT END) AS w{j}"
        for j in range(words)
    )
    # Per distinct code list of a source, not per row: what a list means depends on nothing else,
    # and facilities of one kind often list the same codes.
    return f"""
    CREATE OR REPLACE TEMP TABLE bulk_codes AS
    WITH code_index AS ({index or "SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS code, NULL::BIGINT AS idx"}),
    lists AS (SELECT DISTINCT source, "raw_Service_code_info" AS code_info FROM bulk_in),
    tokens AS (
        SELECT source, code_info, unnest(string_split({clean_sql("code_info")}, ' ')) AS code FROM lists
    )
    SELECT t.source, t.code_info, count(*) AS n, count(*) FILTER (WHERE k.idx IS NULL) AS unknown, {word_sql}
    FROM tokens t LEFT JOIN code_index k ON t.source = k.source AND t.code = k.code
    WHERE t.code <> '*'
    GROUP BY t.source, t.code_info
    """


def _listing_select(columns: Mapping[str, str]) -> str:
    """The SELECT list of a row of LISTING_SCHEMA, in its order, from each column's SQL."""
    if set(columns) != set(LISTING_SCHEMA.names):
        missing, extra = set(LISTING_SCHEMA.names) - set(columns), set(columns) - set(LISTING_SCHEMA.names)
        raise RuntimeError(f"the bulk path's columns are not LISTING_SCHEMA's: missing {missing}, extra {extra}")
    return ", ".join(f"{columns[name]} AS {name}" for name in LISTING_SCHEMA.names)


def _select_sql(source: str, bits: CodeBits, words: int) -> str:
    """The plain rows of one source from `bulk_in` and `bulk_codes` as rows of LISTING_SCHEMA."""
    # Prefixed: DuckDB names are case-insensitive, and "City" would be the cleaned `city`.
    f = {name: f'"raw_{name}"' for name in FIELDS}
    text = {"name": "Name1", "name2": "Name2", "street": "Street1", "street2": "Street2", "city": "City"}
    phones = range(len(PHONE_COLUMNS))
    terms = bits.terms()
    left_out = [name for name in sorted(FIELDS) if name not in IDENTITY_COLUMNS]
    # json.dumps(sort_keys=True) of the other columns: plain values need no escaping.
    left_out_json = " || ', ' || ".join(f"'\"{name}\": \"' || {f[name]} || '\"'" for name in left_out)
    identity_sql = " || '|' || ".join(
        ["source", *(collapsed_sql(f"i_{c}") for c in text), "state", "coalesce(zip5, '')", "coalesce(main_phone, '')"]
    )
    # The ten digits of a number, and its extension; an extension is searched for (RE2's slow
    # mode) only on numbers that have one.
    digits = [
        f"""CASE WHEN regexp_full_match(p{i}, {literal(PLAIN_NANP_PATTERN)})
                 THEN regexp_replace(p{i}, '[^0-9]', '', 'g')[-10:]
                 WHEN regexp_full_match(p{i}, {literal(_NANP_EXTENSION)})
                 THEN regexp_replace(regexp_extract(p{i}, {literal(_NANP_EXTENSION)}, 1), '[^0-9]', '', 'g')[-10:]
            END AS d{i},
            CASE WHEN NOT regexp_full_match(p{i}, {literal(PLAIN_NANP_PATTERN)})
                 THEN nullif(regexp_extract(p{i}, {literal(_NANP_EXTENSION)}, 5), '')
            END AS x{i}"""
        for i in phones
    ]
    valid = literal(nanp_valid_pattern())
    valid_phone = [
        f"(p{i} IS NULL OR (length(p{i}) <= {MAX_PHONE_CHARS} AND regexp_full_match(d{i}, {valid})))" for i in phones
    ]
    # A number is listed once, at its first column.
    phone_items = [
        f"CASE WHEN d{i} IS NOT NULL"
        f"{''.join(f' AND (d{i}, x{i}) IS DISTINCT FROM (d{j}, x{j})' for j in range(i))} THEN "
        f"{{'e164': '+1' || d{i}, 'extension': x{i}, 'original': p{i}, 'kind': '{kind}'}} END"
        for i, (_, kind) in enumerate(PHONE_COLUMNS)
    ]
    code_count = " + ".join(f"bit_count(w{j})" for j in range(words))
    # Each column of LISTING_SCHEMA for a plain row (what SAMHSA's directory never gives is empty);
    # `_listing_select` puts them in the schema's order and fails on a column left out.
    passed = ("listing_id", "source", "name", "name2", "street", "street2", "city", "state", "zip5")
    columns = {
        **{name: name for name in passed},
        "disambiguated_id": uuid5_sql("rest_digest"),
        "phone": "main_phone",
        "phones": f"list_filter([{', '.join(phone_items)}], lambda x: x IS NOT NULL)::{_PHONE}[]",
        "website": "NULL::VARCHAR",
        "latitude": "NULL::DOUBLE",
        "longitude": "NULL::DOUBLE",
        **{name: terms[name] for name in TERM_FIELDS},
        "payers": "[]::VARCHAR[]",
        "payer_evidence": "[]::VARCHAR[]",
        "payer_notes": "[]::VARCHAR[]",
        "service_evidence": "[]::VARCHAR[]",
        "hours_min": "NULL::DOUBLE",
        "hours_max": "NULL::DOUBLE",
        "hours_basis": "'unknown'",
        "hours_evidence": "[]::VARCHAR[]",
        "schedule_text": "NULL::VARCHAR",
        "schedule": f"[]::{_SESSION}[]",
        "hours_level": "NULL::VARCHAR",
        "name_levels": name_levels_sql("lower(name || ' ' || coalesce(name2, ''))"),
        "text_levels": "[]::VARCHAR[]",
        "php_cues": "[]::VARCHAR[]",
        "source_codes": (
            f"coalesce(list_filter(string_split({clean_sql(f['Service_code_info'])}, ' '), lambda x: x <> '*'), "
            "[]::VARCHAR[])"
        ),
        "warnings": "[]::VARCHAR[]",
        "source_url": "trim(source_url)",
        "source_file": "trim(source_file)",
        "source_record_id": "trim(record_id)",
        "record_seq": "seq",
        "fetched_at": "fetched_at::TIMESTAMPTZ",
        "run_id": "$run_id",
    }
    return f"""
    WITH cleaned AS (
        SELECT i.*, {", ".join(f"{clean_sql(f[col])} AS {name}" for name, col in text.items())},
               upper(replace({clean_sql(f["State"])}, '.', '')) AS state,
               -- clean_zip drops whitespace and hyphens; a plain value has no whitespace but spaces.
               regexp_replace({clean_sql(f["Zip"])}, '[ -]', '', 'g') AS zip_digits,
               {", ".join(f"{clean_sql(f[col])} AS p{i}" for i, (col, _) in enumerate(PHONE_COLUMNS))},
               coalesce(c.n, 0) AS n_codes, coalesce(c.unknown, 0) AS unknown_codes,
               {", ".join(f"coalesce(c.w{j}, 0::UBIGINT) AS w{j}" for j in range(words))}
        FROM bulk_in i
        LEFT JOIN bulk_codes c ON c.source = i.source AND c.code_info = i."raw_Service_code_info"
        WHERE i.source = {literal(source)} AND i.seq BETWEEN $first AND $last
    ),
    parsed AS (SELECT *, {", ".join(digits)} FROM cleaned),
    plain AS (
        SELECT *, CASE WHEN d0 IS NOT NULL THEN '+1' || d0 END AS main_phone, left(zip_digits, 5) AS zip5
        FROM parsed
        WHERE name IS NOT NULL AND regexp_matches(name, '[A-Za-z0-9]')
          AND greatest({", ".join(f"length(coalesce({name}, ''))" for name in text)}) <= {MAX_LINE_CHARS}
          AND list_contains({text_list(sorted(US_STATES))}, state)
          AND (zip_digits IS NULL OR regexp_full_match(zip_digits, {literal(ZIP_PATTERN)}))
          AND {" AND ".join(valid_phone)}
          -- Every code known, and each once (a repeated code is the Python path's to fold).
          AND unknown_codes = 0 AND {code_count} = n_codes
    ),
    folded AS (SELECT *, {", ".join(f"{spaced_sql(c)} AS i_{c}" for c in text)} FROM plain),
    identified AS (SELECT *, {sha1_sql(identity_sql)} AS id_digest FROM folded),
    named AS (SELECT *, {uuid5_sql("id_digest")} AS listing_id FROM identified),
    disambiguated AS (
        SELECT *, {sha1_sql("listing_id || '|{' || " + left_out_json + " || '}'")} AS rest_digest FROM named
    )
    SELECT {_listing_select(columns)}
    FROM disambiguated
    """


def _write_parts(
    con: duckdb.DuckDBPyConnection, bits: Mapping[str, CodeBits], words: int, out_dir: Path, run_id: str, lines: int
) -> tuple[dict[str, int], str | None]:
    """Write the listings of the staged lines as Parquet parts; the listings per source and the taken-lines bitmap."""
    con.execute(_codes_sql(bits))
    union = " UNION ALL ".join(f"({_select_sql(source, b, words)})" for source, b in bits.items())
    query = f"SELECT {', '.join(LISTING_SCHEMA.names)} FROM ({union})"
    # In slices of the file, one Parquet part each: the joins and lists of a million rows at
    # once would not fit the memory budget, and spilling them costs more than the slicing.
    for part, first in enumerate(range(1, lines + 1, CHUNK_LINES)):
        target = literal(str(out_dir / f"listings-bulk-{part:04d}.parquet"))
        con.execute(
            f"COPY ({query}) TO {target} (FORMAT parquet)",
            {"run_id": run_id, "first": first, "last": first + CHUNK_LINES - 1},
        )
    written = f"read_parquet({literal(str(out_dir / 'listings-bulk-*.parquet'))})"
    per_source = dict(con.execute(f"SELECT source, count(*) FROM {written} GROUP BY 1").fetchall())
    # One character per line number, 0 to `lines`: '1' where this path took the line.
    bitmap = con.execute(
        f"SELECT bitstring_agg(record_seq, 0, $lines)::VARCHAR FROM {written}", {"lines": lines}
    ).fetchone()[0]
    return per_source, bitmap


def normalize_bulk(
    items_path: Path,
    out_dir: Path,
    run_id: str,
    references: Mapping[str, CodeReference],
    lines: int,
    threads: int,
) -> BulkResult | None:
    """Normalize the plain SAMHSA rows of `items_path` into `listings-bulk-*.parquet` files of LISTING_SCHEMA.

    `references` are the code references of the sources to read (a source without one has no
    plain rows: all its codes would be unknown); `lines` is the file's line count, and the file
    must have no blank line, so that DuckDB's row numbers are line numbers. Returns None, having
    written nothing, when DuckDB cannot read the file as JSON lines: the Python path then reads
    every line and reports each bad one.
    """
    if not references:
        return None
    bits = {source: CodeBits(reference) for source, reference in sorted(references.items())}
    words = max(b.words() for b in bits.values())
    # The same memory budget as the loader's, spilling next to the output past it.
    spill = out_dir / "listings-bulk.tmp"
    con = duckdb.connect(
        config={"threads": max(1, threads), "memory_limit": memory_limit(), "temp_directory": str(spill)}
    )
    try:
        con.execute("SET enable_progress_bar = false")
        # Row order is carried by record_seq; keeping it would make DuckDB buffer the output.
        con.execute("SET preserve_insertion_order = false")
        try:
            con.execute(_read_sql(items_path), {"sources": list(bits)})
        except duckdb.Error:
            return None  # not JSON lines DuckDB can read whole: the Python path reports each line
        try:
            per_source, bitmap = _write_parts(con, bits, words, out_dir, run_id, lines)
        except duckdb.Error as error:
            # Out of memory or disk for spilling, say: the Python path can still read every line.
            for part in out_dir.glob("listings-bulk-*.parquet"):
                part.unlink()
            logger.warning("bulk normalization of %s failed, reading it row by row: %s", items_path, error)
            return None
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    taken = bitmap.encode("ascii").replace(b"0", b"\x00") if bitmap else bytes(lines + 1)
    return BulkResult(taken=taken, listings_by_source={s: int(per_source.get(s, 0)) for s in bits})
