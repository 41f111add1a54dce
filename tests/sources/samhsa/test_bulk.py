"""The bulk path (pipeline/samhsa_bulk.py) against the Python normalizer it stands in for.

The Python normalizer is the reference: for every row the bulk path takes, both must write the
same Parquet row, and every row it leaves must reach the Python path and be read as before. The
cases below name which way each row should go, so a bulk path that quietly stops taking rows
fails too; the bad-input corpus's SAMHSA rows and the national directories are read both ways.
"""

import io
import json
import random
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
from scrapy.exporters import JsonLinesItemExporter

from pipeline.clean import nanp_valid_pattern
from pipeline.clean.phone import _nanp_e164
from pipeline.normalize.run import normalize_file
from pipeline.sources.samhsa import bulk as samhsa_bulk
from pipeline.sources.samhsa.bulk import line_pattern
from spiders.exporters import FastJsonLinesItemExporter
from tests.normalize.bad_input import KINDS
from tests.normalize.bad_input.common import REFERENCES, references, samhsa

# Codes beyond the corpus's references, so the umbrella rule and each listing field are exercised.
_MORE_CODES = references(
    ("ORT", "SET", "Outpatient methadone/buprenorphine or naltrexone treatment"),
    ("PHDT", "SET", "Partial hospitalization/day treatment"),
    ("MD", "PAY", "Medicaid"),
    ("SS", "PYAS", "Sliding fee scale"),
    ("ADLT", "AGE", "Adults"),
    ("VET", "SG", "Veterans"),
)

#: (case, record, whether the bulk path takes it). A row it does not take is the Python path's.
CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("plain", samhsa(), True),
    ("mental health directory", samhsa("samhsa_mh"), True),
    ("spaces to collapse", samhsa(Name1="  Corpus   Recovery  Center ", City="Richmond  "), True),
    ("bare ampersand", samhsa(Name1="Alcohol & Drug Services"), True),
    ("apostrophes", samhsa(Name1="St. John's Recovery", Name2="O'Neil House"), True),
    ("extension", samhsa(Phone="804-555-0100 x204"), True),
    ("extension spelled out", samhsa(Phone="(804) 555-0100 Ext. 12", Intake1="804.555.0101 EXTENSION 9"), True),
    ("country code", samhsa(Phone="+1 804 555 0100"), True),
    ("intake repeats main", samhsa(Intake1="804-555-0100", Intake2="(804) 555-0199"), True),
    ("same number, other extension", samhsa(Phone="804-555-0100 x1", Intake1="804-555-0100 x2"), True),
    ("zip+4", samhsa(Zip="23219-1234"), True),
    ("zip+4 with a space", samhsa(Zip="23219 1234"), True),
    ("no zip", samhsa(Zip=""), True),
    ("state in lower case with dots", samhsa(State="v.a."), True),
    ("no street", samhsa(Street1=""), True),
    ("names an IOP", samhsa(Name1="Valley Intensive Outpatient Program"), True),
    ("names a PHP and an IOP", samhsa(Name1="Day Treatment / IOP Center", Name2="Partial Hospitalization"), True),
    ("umbrella with a sibling", samhsa(Service_code_info="SA * OP ORT * MD SS * ADLT VET"), True),
    ("umbrella alone", samhsa(Service_code_info="MH * OP * PHDT"), True),
    ("no codes", samhsa(Service_code_info=""), True),
    ("character reference", samhsa(Name1="Smith &amp; Jones Clinic"), False),
    ("markup", samhsa(Name1="<b>Corpus</b> Recovery"), False),
    ("not ASCII", samhsa(Name1="Café Recovery"), False),
    ("unknown code", samhsa(Service_code_info="SA * OP ZZZZ"), False),
    ("repeated code", samhsa(Service_code_info="SA * OP OP"), False),
    ("invalid number", samhsa(Phone="000-000-0000"), False),
    ("placeholder number", samhsa(Intake1="n/a"), False),
    ("four-digit zip to pad", samhsa(State="CT", Zip="6810"), False),
    ("not a zip", samhsa(Zip="ABCDE"), False),
    ("not a state", samhsa(State="XX"), False),
    ("empty name", samhsa(Name1="   "), False),
    ("name past the limit", samhsa(Name1="A" * 301), False),
    ("a tab", samhsa(Name1="Corpus\tRecovery"), False),
    ("a null cell", samhsa(Name2=None), False),
    ("a number for a cell", samhsa(Zip=23219), False),
    ("a column more", samhsa(Website="https://example.org"), False),
    ("a column fewer", samhsa(Intake2a=...), False),
    ("fetched_at without a zone", {**samhsa(), "fetched_at": "2026-11-27T12:00:00"}, False),
]


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record) + "\n")


def _both(items: Path, out: Path) -> dict[str, Any]:
    """Normalize `items` with the bulk path and without; the tables and counts of each."""
    con = duckdb.connect()
    found: dict[str, Any] = {"con": con}
    for name, bulk in (("python", False), ("bulk", True)):
        result = normalize_file(items, out / name, "bulk-test", workers=1, bulk=bulk)
        con.execute(f"CREATE TABLE {name}_listings AS SELECT * FROM read_parquet('{result.listings_path}')")
        con.execute(f"CREATE TABLE {name}_rejects AS SELECT * FROM read_parquet('{result.rejects_path}')")
        found[name] = result
    parts = out / "bulk" / "listings-bulk-*.parquet"
    found["taken"] = (
        {r[0] for r in con.execute(f"SELECT record_seq FROM read_parquet('{parts}')").fetchall()}
        if list(parts.parent.glob(parts.name))
        else set()
    )
    return found


def _assert_same(found: dict[str, Any]) -> None:
    con = found["con"]
    for table in ("listings", "rejects"):
        for a, b in (("python", "bulk"), ("bulk", "python")):
            only = con.execute(f"SELECT * FROM {a}_{table} EXCEPT ALL SELECT * FROM {b}_{table}").fetchall()
            assert not only, f"{table} only the {a} path wrote: {only[:3]}"
    counts = {s: (c.seen, c.normalized, c.rejected, c.warnings) for s, c in found["python"].counts.items()}
    assert counts == {s: (c.seen, c.normalized, c.rejected, c.warnings) for s, c in found["bulk"].counts.items()}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The cases and the bad-input corpus's SAMHSA rows (those that are JSON objects), read both ways."""
    folder = tmp_path_factory.mktemp("bulk")
    corpus = [
        json.loads(row.line)
        for kind in KINDS
        if kind.source.startswith("samhsa")
        for row in kind.rows
        if isinstance(row.line, str) and row.line.startswith("{") and '"samhsa_facility"' in row.line
    ]
    records = [*REFERENCES, *_MORE_CODES, *(record for _, record, _ in CASES), *corpus]
    _write(folder / "items.jsonl", records)
    found = _both(folder / "items.jsonl", folder)
    first = len(REFERENCES) + len(_MORE_CODES) + 1
    found["line_of"] = {case: first + i for i, (case, _, _) in enumerate(CASES)}
    found["corpus_rows"] = len(corpus)
    return found


@pytest.mark.parametrize(("case", "taken"), [(case, taken) for case, _, taken in CASES], ids=[c for c, _, _ in CASES])
def test_case_goes_the_expected_way(cases: dict[str, Any], case: str, taken: bool) -> None:
    assert (cases["line_of"][case] in cases["taken"]) is taken


def test_both_paths_write_the_same_rows_rejects_and_counts(cases: dict[str, Any]) -> None:
    assert cases["corpus_rows"] >= 20
    _assert_same(cases)


def test_the_national_directories_read_the_same_both_ways(national_crawl: Path, tmp_path: Path) -> None:
    found = _both(national_crawl / "items.jsonl", tmp_path)
    _assert_same(found)
    listings = found["python"].counts["samhsa_su"].normalized + found["python"].counts["samhsa_mh"].normalized
    # All but rows with something to warn about: 21,399 of 21,451 in the 2023 files.
    assert len(found["taken"]) > 0.99 * listings


def test_lines_duckdb_cannot_read_keep_the_others_in_place(tmp_path: Path) -> None:
    # Read with ignore_errors, a bad line is a row of NULLs in its place: the plain rows after it
    # keep their line numbers, and the bad lines reach the Python path.
    plain = [json.dumps(samhsa()) for _ in range(3)]
    bad = [
        '{"record_type": "samhsa_fa',
        json.dumps({**samhsa(), "fields": "not an object"}),
        json.dumps(samhsa()).replace("Corpus", "\\ud800Corpus"),
        json.dumps(samhsa(Name2="x" * (17 * 1024 * 1024))),
    ]
    lines = [json.dumps(r) for r in REFERENCES] + [line for pair in zip(plain, bad, strict=False) for line in pair]
    lines += [bad[-1], plain[-1]]
    items = tmp_path / "items.jsonl"
    items.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = _both(items, tmp_path)
    assert found["taken"] == {i + 1 for i, line in enumerate(lines) if line in plain}
    _assert_same(found)


def test_a_blank_line_keeps_line_numbers_right(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(
        "\n".join([*(json.dumps(r) for r in REFERENCES), "", json.dumps(samhsa()), json.dumps(samhsa())]) + "\n",
        encoding="utf-8",
    )
    _assert_same(_both(items, tmp_path))


@pytest.mark.parametrize("exporter", [FastJsonLinesItemExporter, JsonLinesItemExporter])
def test_the_line_pattern_matches_what_the_exporter_writes(exporter: type[JsonLinesItemExporter]) -> None:
    # If the spiders' output format drifts, the bulk path would silently take nothing.
    buffer = io.BytesIO()
    writer = exporter(buffer)
    writer.start_exporting()
    writer.export_item(samhsa())
    writer.finish_exporting()
    assert re.fullmatch(line_pattern(), buffer.getvalue().decode("utf-8").rstrip("\n"))


def test_the_nanp_pattern_accepts_only_what_phonenumbers_accepts() -> None:
    pattern = re.compile(nanp_valid_pattern())
    rng = random.Random(8)
    numbers = [f"{rng.randrange(10**10):010d}" for _ in range(20_000)]
    numbers += [f"{npa}{rng.randrange(10**7):07d}" for npa in range(200, 1000) for _ in range(20)]
    for number in numbers:
        valid = _nanp_e164.__wrapped__(number) is not None
        if pattern.fullmatch(number):
            assert valid, number
        elif number[0] in "23456789":
            # phonenumbers also "accepts" a few numbers beginning 0 or 1 (as shorter national
            # numbers); the bulk path leaves those to it.
            assert not valid, number


def test_a_bulk_path_that_fails_midway_leaves_everything_to_the_python_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(con: duckdb.DuckDBPyConnection, bits: Any, words: int, out_dir: Path, run_id: str, lines: int) -> None:
        (out_dir / "listings-bulk-0000.parquet").write_bytes(b"half a part")
        raise duckdb.OutOfMemoryException("out of memory (simulated)")

    monkeypatch.setattr(samhsa_bulk, "_write_parts", fail)
    items = tmp_path / "items.jsonl"
    _write(items, [*REFERENCES, samhsa(), samhsa(), samhsa(Name1="<b>Markup</b> House")])
    found = _both(items, tmp_path)
    assert not found["taken"]
    assert not list((tmp_path / "bulk").glob("listings-bulk-*"))
    _assert_same(found)


def _load_ids(items: Path, out: Path, bulk: bool) -> tuple[dict[str, str], dict[str, str]]:
    """Normalize `items` one way and load it into a new database: record id -> listing id, and -> reject message."""
    from datetime import UTC, datetime

    from pipeline.store.load import SourceLoad, load_run

    result = normalize_file(items, out / "normalized", "bulk-test", workers=1, bulk=bulk)
    loads = [
        SourceLoad(s, result.listings_path, result.rejects_path, True, c.seen)
        for s, c in result.counts.items()
        if s != "unknown"
    ]
    db = out / "db.duckdb"
    load_run(db, "bulk-test", datetime.now(UTC), loads, [result.codes_path])
    with duckdb.connect(str(db), read_only=True) as con:
        ids = dict(con.execute("SELECT source_record_id, listing_id FROM listings").fetchall())
        rejects = dict(con.execute("SELECT source_record_id, message FROM rejects").fetchall())
    return ids, rejects


def test_rows_sharing_an_identity_across_the_two_paths_get_the_same_ids_both_ways(tmp_path: Path) -> None:
    # A row only the Python path reads (its keys in another order) and its exact repeat the bulk
    # path reads: the first keeps the id it has alone, the repeat is rejected. Two rows of one
    # identity but other codes, one read by each path: each its content-derived id.
    def row(base: dict[str, Any], record_id: str, reorder: bool = False, **cells: str) -> dict[str, Any]:
        fields = {**base["fields"], **cells}
        if reorder:
            fields = dict(reversed(fields.items()))
        return {**base, "record_id": record_id, "fields": fields}

    repeated, shared = samhsa(), samhsa()
    first = row(repeated, "Facilities List!1", reorder=True)
    rows = [
        first,
        row(repeated, "Facilities List!2"),
        row(shared, "Facilities List!3", Service_code_info="SA * OP ORT"),
        row(shared, "Facilities List!4", reorder=True, Service_code_info="SA * OP OP"),
    ]
    alone, both = tmp_path / "alone", tmp_path / "both"
    alone.mkdir(), both.mkdir()
    _write(alone / "items.jsonl", [*REFERENCES, *_MORE_CODES, first, rows[2]])
    _write(both / "items.jsonl", [*REFERENCES, *_MORE_CODES, *rows])
    plain = _load_ids(alone / "items.jsonl", alone / "python", bulk=False)[0]
    found = {bulk: _load_ids(both / "items.jsonl", both / str(bulk), bulk) for bulk in (False, True)}
    parts = both / "True" / "normalized" / "listings-bulk-*.parquet"
    taken = (
        duckdb.connect().execute(f"SELECT list_sort(list(source_record_id)) FROM read_parquet('{parts}')").fetchone()[0]
    )
    assert taken == ["Facilities List!2", "Facilities List!3"]
    assert found[True] == found[False]
    ids, rejects = found[True]
    assert ids["Facilities List!1"] == plain["Facilities List!1"]
    assert rejects == {"Facilities List!2": "duplicate of Facilities List!1 (same listing, same content)"}
    assert len({plain["Facilities List!3"], ids["Facilities List!3"], ids["Facilities List!4"]}) == 3
