"""`iopdir changes`: which runs and dates it selects, its filters, order and formats."""

import json
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from tests.helpers import normalize_and_load, read_items, write_items

SHELBY = "Shelby County Treatment Center"


@pytest.fixture(scope="module")
def db(fixture_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Runs r1 (the fixture), r2 (Shelby's levels change, a samhsa_mh listing drops out), r3 (it returns)."""
    work = tmp_path_factory.mktemp("changes")
    path = work / "c.duckdb"
    items = read_items(fixture_crawl / "items.jsonl")
    normalize_and_load(write_items(work / "r1" / "items.jsonl", items), path, "r1")
    edited = json.loads(json.dumps(items))
    shelby = next(i for i in edited if i["fields"].get("Name1") == SHELBY)
    shelby["fields"]["Service_code_info"] = shelby["fields"]["Service_code_info"].replace(" OIT", "")
    dropped = next(i for i in edited if i["source"] == "samhsa_mh")
    normalize_and_load(write_items(work / "r2" / "items.jsonl", [i for i in edited if i is not dropped]), path, "r2")
    normalize_and_load(write_items(work / "r3" / "items.jsonl", edited), path, "r3")
    return path


def _changes(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["changes", "--db", str(db), "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_default_is_the_last_run(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    changes = _changes(capsys, db)
    assert [(c["run_id"], c["change"], c["source"]) for c in changes] == [("r3", "returned", "samhsa_mh")]


def test_since_a_run_lists_the_runs_after_it_in_order(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    changes = _changes(capsys, db, "--since", "r1")
    assert [(c["run_id"], c["change"]) for c in changes] == [("r2", "changed"), ("r2", "gone"), ("r3", "returned")]
    changed = changes[0]
    assert changed["name"] == SHELBY and changed["state"] and "levels_of_care" in changed["fields"]
    assert set(changed["diff"]) == set(changed["fields"])
    assert "iop" in changed["diff"]["levels_of_care"]["before"]
    assert "iop" not in changed["diff"]["levels_of_care"]["after"]
    assert "diff" not in changes[1]  # gone: nothing after
    assert [c["change"] for c in _changes(capsys, db, "--since", "r1", "--source", "samhsa_su")] == ["changed"]
    assert _changes(capsys, db, "--since", "r3") == []


def test_since_a_date(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    everything = _changes(capsys, db, "--since", "2000-01-01")
    assert [c["change"] for c in everything].count("new") == 8
    assert [c["run_id"] for c in everything] == sorted(c["run_id"] for c in everything)
    assert _changes(capsys, db, "--since", "2999-01-01T00:00:00+05:00") == []


def test_table_and_csv(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["changes", "--db", str(db), "--since", "r1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["run_id", "change", "source", "state", "name", "fields", "listing_id"]
    assert lines[-1] == "(3 rows)"
    assert main(["changes", "--db", str(db), "--since", "r1", "--source", "samhsa_su", "--format", "csv"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header == "run_id,change,source,state,name,fields,listing_id"
    assert row.startswith("r2,changed,samhsa_su,") and SHELBY in row


def test_no_run_yet_and_a_bad_since(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.duckdb"
    with duckdb.connect(str(empty)) as con:  # as a first run that never finished leaves it
        con.execute("CREATE TABLE runs (run_id VARCHAR NOT NULL)")
    capsys.readouterr()
    assert main(["changes", "--db", str(empty)]) == 2
    assert capsys.readouterr().err == "iopdir changes: no run yet\n"
    assert main(["changes", "--db", str(db), "--since", "yesterday"]) == 2
    assert capsys.readouterr().err == "iopdir changes: --since 'yesterday' is neither a run id nor a date\n"
