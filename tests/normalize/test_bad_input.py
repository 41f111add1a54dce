"""The bad-input corpus (tests/bad_input.py), loaded in one run: every row loaded cleaned or rejected with a reason.

The whole corpus, about 30 MB with its over-long lines, is normalized and loaded once per module;
each kind is then checked on its own, and the run as a whole: counts that reconcile exactly, and
nothing stored that holds a NUL byte, an HTML tag or a text past the length limit.
"""

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.clean import has_markup
from pipeline.normalize.run import RECORD_SOURCES
from pipeline.normalize.writers import MAX_REJECT_CHARS
from schemas.listing import MAX_LINE_CHARS
from schemas.raw import MAX_FIELD_CHARS
from spiders import findtreatment as findtreatment_spider
from spiders import ny_omh as ny_omh_spider
from spiders import program_pages as program_pages_spider
from spiders.samhsa_directory import SamhsaDirectorySpider
from tests.helpers import normalize_and_load
from tests.normalize.bad_input import KINDS
from tests.normalize.bad_input.common import LOADED, REFERENCES, Kind, Row

RUN_ID = "bad-input"


@dataclass
class Corpus:
    """The loaded corpus: where each row went, and the database."""

    db: Path
    line_of: dict[tuple[str, int], int]  # (kind id, row index) -> line number in items.jsonl
    listings: dict[tuple[str, str], list[dict[str, Any]]]  # (source, source_record_id) -> listings
    rejects: dict[tuple[str, str], list[dict[str, Any]]]  # (source, source_record_id) -> rejects
    code_records: int


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Write the code references and every kind's rows as one items.jsonl, normalize and load it as the flow does."""
    folder = tmp_path_factory.mktemp("bad_input")
    items = folder / "crawl" / "items.jsonl"
    items.parent.mkdir()
    line_of: dict[tuple[str, int], int] = {}
    number = 0
    with items.open("wb") as out:
        for record in REFERENCES:
            number += 1
            out.write(json.dumps(record).encode("utf-8") + b"\n")
        for kind in KINDS:
            for index, row in enumerate(kind.rows):
                number += 1
                line_of[(kind.id, index)] = number
                out.write(_bytes(row) + b"\n")
    db = folder / "corpus.duckdb"
    normalize_and_load(items, db, RUN_ID)
    listings: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    rejects: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    with duckdb.connect(str(db), read_only=True) as con:
        for row in _rows(con, "SELECT * FROM listings"):
            listings[(row["source"], row["source_record_id"])].append(row)
        for row in _rows(con, "SELECT * FROM rejects"):
            rejects[(row["source"], row["source_record_id"])].append(row)
    return Corpus(db, line_of, listings, rejects, len(REFERENCES))


def _bytes(row: Row) -> bytes:
    return row.line if isinstance(row.line, bytes) else row.line.encode("utf-8")


def _record_id(corpus: Corpus, kind: Kind, index: int) -> str:
    row = kind.rows[index]
    return row.record_id if row.record_id is not None else f"line {corpus.line_of[(kind.id, index)]}"


def _matches(expected: Any, value: Any) -> bool:
    return bool(expected(value)) if callable(expected) else value == expected


def test_the_corpus_has_at_least_30_kinds_over_every_source_and_record_type() -> None:
    assert len(KINDS) >= 30
    assert len({k.id for k in KINDS}) == len(KINDS), "kind ids are unique"
    sources = {k.source for k in KINDS}
    assert {"samhsa_su", "samhsa_mh", "ny_omh", "findtreatment", "program_pages", "unknown"} <= sources
    record_types = {t for k in KINDS for r in k.rows if isinstance(r.line, str) for t in _record_types(r.line)}
    assert set(RECORD_SOURCES) <= record_types
    outcomes = Counter(r.outcome for k in KINDS for r in k.rows)
    assert outcomes["loaded"] >= 30 and outcomes["rejected"] >= 30


def _record_types(line: str) -> Iterator[str]:
    for match in re.finditer(r'"record_type": "([a-z_]+)"', line[:2000]):
        yield match.group(1)


@pytest.mark.parametrize("kind", KINDS, ids=[k.id for k in KINDS])
def test_kind(kind: Kind, corpus: Corpus) -> None:
    """Each row of the kind is a listing with the expected values, or a reject with the expected reason."""
    duplicate_rejects: dict[tuple[str, str], int] = Counter()
    for index, row in enumerate(kind.rows):
        key = (row.source, _record_id(corpus, kind, index))
        if row.outcome == LOADED:
            found = corpus.listings.get(key)
            assert found, f"row {index} ({key}) is no listing; rejects: {corpus.rejects.get(key)}"
            listing = found[0]
            for column, expected in row.expect.items():
                assert _matches(expected, listing[column]), f"{column}: {listing[column]!r}"
            if row.warning is not None:
                assert any(re.search(row.warning, w) for w in listing["warnings"]), listing["warnings"]
        else:
            found = corpus.rejects.get(key)
            assert found, f"row {index} ({key}) is not in rejects; listings: {corpus.listings.get(key)}"
            # A byte-identical copy shares its record id with the listing kept: take the rejects in turn.
            reject = found[duplicate_rejects[key]]
            duplicate_rejects[key] += 1
            assert reject["message"], "every reject says why"
            assert reject["field"] == row.field, reject
            assert re.search(row.message or "", reject["message"]), reject["message"]


def test_counts_reconcile_exactly_per_source_and_for_the_run(corpus: Corpus) -> None:
    expected: dict[str, Counter[str]] = defaultdict(Counter)
    for kind in KINDS:
        for row in kind.rows:
            if not row.is_code:
                expected[row.source][row.outcome] += 1
    with duckdb.connect(str(corpus.db), read_only=True) as con:
        per_source = {
            r[0]: r[1:] for r in con.execute("SELECT source, seen, loaded, rejected FROM run_sources").fetchall()
        }
        run = con.execute("SELECT seen, loaded, rejected FROM runs WHERE run_id = ?", [RUN_ID]).fetchone()
        code_rejects = con.execute(
            "SELECT count(*) FROM rejects WHERE source_record_id LIKE 'Service Code%'"
        ).fetchone()
        codes = con.execute("SELECT count(*) FROM codes").fetchone()[0]
    for source, (seen, loaded, rejected) in per_source.items():
        assert seen == loaded + rejected, source
        assert (loaded, rejected) == (expected[source]["loaded"], expected[source]["rejected"]), source
    assert set(per_source) == set(expected)
    lines = sum(len(k.rows) for k in KINDS if not any(r.is_code for r in k.rows))
    assert run == (lines, sum(c["loaded"] for c in expected.values()), sum(c["rejected"] for c in expected.values()))
    assert run[0] == run[1] + run[2]
    # Code-reference rows are counted apart: every good one is in `codes`, the bad one in rejects.
    assert (codes, code_rejects[0]) == (corpus.code_records, 1)


def _texts(value: Any) -> Iterator[str]:
    """Every string inside a value of any column (lists and structs included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


def test_nothing_stored_holds_nul_markup_or_an_over_long_text(corpus: Corpus) -> None:
    with duckdb.connect(str(corpus.db), read_only=True) as con:
        tables = {
            "listings": _rows(con, "SELECT * FROM listings"),
            "codes": _rows(con, "SELECT * FROM codes"),
            "rejects": _rows(con, "SELECT * FROM rejects"),
        }
    assert tables["listings"] and tables["rejects"]
    for table, rows in tables.items():
        for row in rows:
            for column, value in row.items():
                for text in _texts(value):
                    assert "\x00" not in text, (table, column)
                    assert len(text) <= (MAX_REJECT_CHARS if table == "rejects" else MAX_FIELD_CHARS), (table, column)
                    # A reject's raw row is the source's own evidence, kept (cut, NUL escaped) as given.
                    if column != "raw":
                        assert not has_markup(text), (table, column, text[:200])
    for row in tables["listings"]:
        for column in ("name", "name2", "street", "street2", "city"):
            assert row[column] is None or len(row[column]) <= MAX_LINE_CHARS
    raws = [r["raw"] for r in tables["rejects"] if r["raw"] is not None]
    assert any(raw.endswith(" in all]") for raw in raws), "over-long rows are stored cut, with their length"


def test_record_sources_match_the_spiders() -> None:
    """A spider's source missing from RECORD_SOURCES would have all its rows rejected."""
    assert RECORD_SOURCES["samhsa_facility"] == RECORD_SOURCES["service_code"] == set(SamhsaDirectorySpider.files)
    assert RECORD_SOURCES["findtreatment_facility"] == {findtreatment_spider.SOURCE}
    assert RECORD_SOURCES["ny_omh_program"] == {ny_omh_spider.SOURCE}
    assert RECORD_SOURCES["program_section"] == {program_pages_spider.SOURCE}
