"""The store describes itself: every table, view and column has a comment, and each is what docs/data-model.md says."""

import re
import shlex
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from pipeline.store.comments import RELATIONS, VIEWS, apply_comments, column_comments
from pipeline.store.schema import ensure_schema, schema_digest
from schemas.listing import Listing, Phone, Provenance, ScheduleSession
from tests.conftest import ROOT
from tests.helpers import work_in

DOC = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")


def _documented() -> dict[str, dict[str, str]]:
    """Each relation's columns and their meaning, from the column tables of docs/data-model.md.

    A table follows a `<!-- columns: name, ... -->` line naming the relations it describes; a row
    names its columns in backticks in its first cell and their meaning in its last. A table that
    names one relation only takes precedence over one shared with others.
    """
    shared: dict[str, dict[str, str]] = {}
    own: dict[str, dict[str, str]] = {}
    for names, table in re.findall(r"<!-- columns: ([\w, ]+) -->\n((?:\|.*\n)+)", DOC):
        relations = [n.strip() for n in names.split(",")]
        target = own if len(relations) == 1 else shared
        for line in table.splitlines()[2:]:
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            for column in re.findall(r"`(\w+)`", cells[0]):
                for relation in relations:
                    target.setdefault(relation, {})[column] = cells[-1]
    return {r: shared.get(r, {}) | own.get(r, {}) for r in {*shared, *own}}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    ensure_schema(connection)
    return connection


def _comments(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str | None]]:
    rows = con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal"
    ).fetchall()
    found: dict[str, dict[str, str | None]] = {}
    for table, column, comment in rows:
        found.setdefault(table, {})[column] = comment
    return found


def test_every_table_view_and_column_has_a_comment(con: duckdb.DuckDBPyConnection) -> None:
    tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main'").fetchall())
    views = dict(
        con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal"
        ).fetchall()
    )
    assert set(views) == set(VIEWS)
    assert {**tables, **views} == RELATIONS
    missing = [f"{t}.{c}" for t, columns in _comments(con).items() for c, comment in columns.items() if not comment]
    assert missing == []


def test_each_comment_is_what_the_docs_say(con: duckdb.DuckDBPyConnection) -> None:
    documented = _documented()
    comments = _comments(con)
    assert set(documented) == set(comments) == set(RELATIONS)
    for relation, columns in comments.items():
        assert columns == {c: documented[relation].get(c) for c in columns}, relation
    # Nothing documented that no relation has (a shared table's columns exist in one of its relations).
    every = {column for columns in comments.values() for column in columns}
    assert {c for columns in documented.values() for c in columns} <= every


def test_each_relation_is_described_in_the_docs() -> None:
    for name, text in RELATIONS.items():
        assert re.search(rf"\*\*`{name}`\*\*(?: \(view\))?: {re.escape(text[0].lower() + text[1:])}", DOC), name


def test_the_listing_columns_are_described_by_the_model() -> None:
    for model in (Listing, Provenance, Phone, ScheduleSession):
        assert [n for n, f in model.model_fields.items() if not f.description] == [], model.__name__
    texts = column_comments()
    assert texts["listings"]["payers"] == Listing.model_fields["payers"].description
    assert texts["listings"]["source_record_id"] == Provenance.model_fields["record_id"].description


def test_an_up_to_date_file_is_only_read_and_any_other_is_brought_up_to_date(tmp_path: Path) -> None:
    db = str(tmp_path / "c.duckdb")
    with duckdb.connect(db) as con:
        con.execute("CREATE TABLE runs (run_id VARCHAR NOT NULL)")  # a file of a version without comments
        ensure_schema(con)
        first = _comments(con)
        assert first["runs"]["run_id"] == column_comments()["runs"]["run_id"]
        assert con.execute("SELECT digest FROM schema_state").fetchall() == [(schema_digest(),)]
    with duckdb.connect(db) as con:
        made = con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()
        ensure_schema(con)
        assert _comments(con) == first and made == (3,)
        # Views another version made (a different digest), and a view made again: made again, commented.
        con.execute("UPDATE schema_state SET digest = 'older'")
        con.execute("CREATE OR REPLACE VIEW facilities AS SELECT 1 AS x")
        con.execute("COMMENT ON VIEW facilities IS 'old'")
        ensure_schema(con)
        assert _comments(con) == first
        con.execute("CREATE OR REPLACE VIEW flags AS SELECT 1 AS x")  # by hand: its comments are gone
        ensure_schema(con)
        assert _comments(con) == first
        assert apply_comments(con) == len(VIEWS) + sum(len(column_comments()[v]) for v in VIEWS)


COMMANDS = re.findall(r"^(iopdir query .*)$", DOC, re.M)


def test_the_doc_shows_two_commands() -> None:
    assert len(COMMANDS) == 2


@pytest.mark.parametrize("command", COMMANDS)
def test_documented_command_runs_as_written(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with duckdb.connect(str(work_in(tmp_path, monkeypatch))) as con:
        ensure_schema(con)
    assert main(shlex.split(command)[1:]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    if "--format csv" in command:
        assert out.splitlines()[1] == f'payers,"{Listing.model_fields["payers"].description}"'
    else:
        assert "listing_changes" in out and "One row per run" in out
