"""Repeated rows and rows sharing an identity: which row keeps the plain id, across runs (issue 16, defect 2).

See "How listing ids are assigned" in docs/reliability.md.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.cli import main
from pipeline.flags.store import compute_flags
from pipeline.normalize import run as normalize
from tests.helpers import normalize_and_load, program_normalizer, program_records, read_items, write_items

Items = list[dict[str, Any]]


def _copy(record: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(record))


def _twin(record: dict[str, Any], record_id: str, codes: str) -> dict[str, Any]:
    """`record` with other codes: the same name, address and phone (the identity), another listing."""
    twin = _copy(record)
    twin["record_id"] = record_id
    twin["fields"]["Service_code_info"] = codes
    return twin


def _su(items: Items) -> Items:
    return [i for i in items if i["source"] == "samhsa_su" and i["record_type"] == "samhsa_facility"]


def _ids(db: Path) -> dict[tuple[str, str], str]:
    """(source, record id) -> listing id, of the active listings."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT source, source_record_id, listing_id FROM listings WHERE active").fetchall()
    return {(source, record): listing for source, record, listing in rows}


def _duplicate_rejects(db: Path, run_id: str, source: str) -> list[tuple[str, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT source_record_id, message FROM rejects "
            "WHERE run_id = ? AND source = ? AND message LIKE 'duplicate of %' ORDER BY ALL",
            [run_id, source],
        ).fetchall()


@pytest.fixture
def items(fixture_crawl: Path) -> Items:
    return read_items(fixture_crawl / "items.jsonl")


# name -> (how the second run's file is made from the first's, SU rows the second run rejects as duplicates)
REPEATS: dict[str, tuple[Callable[[Items], Items], int]] = {
    "one row appended again": (lambda items: [*items, _copy(_su(items)[0])], 1),
    "every SU row appended again": (lambda items: [*items, *map(_copy, _su(items))], 5),
    "every SU row written twice in a row": (
        lambda items: [c for i in items for c in ([i, _copy(i)] if i in _su(items) else [i])],
        5,
    ),
    "every row of the file appended again": (lambda items: [*items, *map(_copy, items)], 5),
}


@pytest.mark.parametrize("case", REPEATS)
def test_an_exact_repeat_is_rejected_and_changes_no_id(items: Items, tmp_path: Path, case: str) -> None:
    make, repeats = REPEATS[case]
    db = tmp_path / "t.duckdb"
    normalize_and_load(write_items(tmp_path / "r1" / "items.jsonl", items), db, "r1")
    before = _ids(db)
    counts = normalize_and_load(write_items(tmp_path / "r2" / "items.jsonl", make(items)), db, "r2")
    su = counts["samhsa_su"]
    assert (su.new, su.changed, su.gone, su.unchanged) == (0, 0, 0, 5)
    assert (su.loaded, su.rejected, su.seen) == (5, repeats, 5 + repeats)
    assert _ids(db) == before
    rejects = _duplicate_rejects(db, "r2", "samhsa_su")
    assert len(rejects) == repeats
    # Each names the row it repeats: an exact repeat has the same record id.
    assert all(message == f"duplicate of {record} (same listing, same content)" for record, message in rejects)


def test_rows_sharing_an_identity_keep_the_first_ones_id_across_runs(items: Items, tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    normalize_and_load(write_items(tmp_path / "r1" / "items.jsonl", items), db, "r1")
    plain = _ids(db)
    first = _su(items)[0]

    key = ("samhsa_su", first["record_id"])
    second, third = _twin(first, "Facilities List!900", "OP"), _twin(first, "Facilities List!901", "IOP")
    # r5: the source puts the newest row first; the stored content still picks the holder.
    runs = {
        "r2": [*items, second],
        "r3": [*items, second],
        "r4": [*items, second, third],
        "r5": [third, second, *items],
    }
    seen: dict[str, dict[tuple[str, str], str]] = {}
    for run_id, rows in runs.items():
        counts = normalize_and_load(write_items(tmp_path / run_id / "items.jsonl", rows), db, run_id)
        seen[run_id] = _ids(db)
        assert counts["samhsa_su"].gone == 0
        assert counts["samhsa_su"].new == {"r2": 1, "r3": 0, "r4": 1, "r5": 0}[run_id]
        # The row already listed keeps the plain id of its identity, whatever joins it.
        assert seen[run_id][key] == plain[key]
        assert {k: v for k, v in seen[run_id].items() if k in plain} == plain
    assert seen["r2"] == seen["r3"]
    assert seen["r4"][("samhsa_su", "Facilities List!900")] == seen["r2"][("samhsa_su", "Facilities List!900")]
    assert len(set(seen["r4"].values())) == len(seen["r4"])
    assert seen["r5"] == seen["r4"]


def test_a_dismissed_flag_stays_dismissed_when_its_row_is_repeated(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
    db = tmp_path / "f.duckdb"
    records = program_records(
        {
            "Hope IOP": ("iop", "The IOP runs Monday through Friday, 9 a.m. to 3 p.m."),
            "Fine IOP": ("iop", "The IOP meets Mondays, Wednesdays and Thursdays, 6-9 p.m."),
        }
    )

    def flags(*args: str) -> list[dict[str, Any]]:
        capsys.readouterr()
        assert main(["flags", "--db", str(db), "--format", "json", *args]) == 0
        return json.loads(capsys.readouterr().out)

    normalize_and_load(write_items(tmp_path / "r1" / "items.jsonl", records), db, "r1")
    compute_flags(db, "r1")
    [flag] = flags()
    assert main(["review", flag["flag_id"], "--dismiss", "--note", "a PHP track", "--by", "ana", "--db", str(db)]) == 0

    hope = next(r for r in records if r["fields"]["name"] == "Hope IOP")
    counts = normalize_and_load(write_items(tmp_path / "r2" / "items.jsonl", [*records, _copy(hope)]), db, "r2")
    compute_flags(db, "r2")
    assert (counts["pages"].new, counts["pages"].gone, counts["pages"].rejected) == (0, 0, 1)
    # The same flag, still dismissed: no new open flag without its review history.
    [kept] = flags()
    assert (kept["flag_id"], kept["status"], kept["reviewer"]) == (flag["flag_id"], "dismissed", "ana")
    assert [f["flag_id"] for f in flags("--all")] == [flag["flag_id"]]


def test_a_source_that_reorders_its_rows_moves_no_id(items: Items, tmp_path: Path) -> None:
    # The fixture holds two rows sharing name, address and phone (Saint Johns Program for Real
    # Change): read reversed, the second comes first, yet each keeps the id it had.
    db = tmp_path / "t.duckdb"
    normalize_and_load(write_items(tmp_path / "r1" / "items.jsonl", items), db, "r1")
    before = _ids(db)
    counts = normalize_and_load(write_items(tmp_path / "r2" / "items.jsonl", list(reversed(items))), db, "r2")
    assert all((c.new, c.changed, c.gone) == (0, 0, 0) for c in counts.values())
    assert _ids(db) == before


def test_repeats_read_by_different_workers_are_found(
    items: Items, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Normalization split over worker processes: a row and its repeat land in different ranges,
    # and their Parquet parts differ; the load reads them together.
    from datetime import UTC, datetime

    from pipeline.normalize.run import normalize_file
    from pipeline.store.load import SourceLoad, load_run

    monkeypatch.setattr(normalize, "PARALLEL_MIN_BYTES", 0)
    db = tmp_path / "t.duckdb"
    normalize_and_load(write_items(tmp_path / "r1" / "items.jsonl", items), db, "r1")
    before = _ids(db)
    path = write_items(tmp_path / "r2" / "items.jsonl", [*items, *map(_copy, _su(items))])
    result = normalize_file(path, tmp_path / "r2" / "normalized", "r2", workers=2, bulk=False)
    assert len(list((tmp_path / "r2" / "normalized").glob("listings-*.parquet"))) > 1
    loads = [
        SourceLoad(s, result.listings_path, result.rejects_path, True, c.seen)
        for s, c in result.counts.items()
        if s != "unknown"
    ]
    counts = {c.source: c for c in load_run(db, "r2", datetime.now(UTC), loads, [result.codes_path])}
    su = counts["samhsa_su"]
    assert (su.new, su.gone, su.loaded, su.rejected) == (0, 0, 5, 5)
    assert _ids(db) == before


def test_rows_that_come_together_keep_their_ids_across_runs(items: Items, tmp_path: Path) -> None:
    # Two rows of one identity from the first load on: each has its content-derived id (no
    # holder), so appending a third, rerunning or reordering moves neither.
    db = tmp_path / "t.duckdb"
    first = _su(items)[0]
    second, third = _twin(first, "Facilities List!900", "OP"), _twin(first, "Facilities List!901", "IOP")
    normalize_and_load(write_items(tmp_path / "r1" / "items.jsonl", [*items, second]), db, "r1")
    before = _ids(db)
    for run_id, rows in {"r2": [*items, second], "r3": [second, *items, third], "r4": [third, *items, second]}.items():
        counts = normalize_and_load(write_items(tmp_path / run_id / "items.jsonl", rows), db, run_id)
        assert (counts["samhsa_su"].new, counts["samhsa_su"].gone) == ((1 if run_id == "r3" else 0), 0)
        assert {k: v for k, v in _ids(db).items() if k in before} == before


def test_the_holder_whose_content_changes_keeps_the_plain_id(items: Items, tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    first = _su(items)[0]
    key = ("samhsa_su", first["record_id"])
    normalize_and_load(write_items(tmp_path / "r1" / "items.jsonl", items), db, "r1")
    plain = _ids(db)[key]
    second = _twin(first, "Facilities List!900", "OP")
    normalize_and_load(write_items(tmp_path / "r2" / "items.jsonl", [second, *items]), db, "r2")
    edited = [_twin(i, i["record_id"], "SA * OP") if i is first else i for i in items]
    counts = normalize_and_load(write_items(tmp_path / "r3" / "items.jsonl", [second, *edited]), db, "r3")
    assert (counts["samhsa_su"].new, counts["samhsa_su"].changed, counts["samhsa_su"].gone) == (0, 1, 0)
    assert _ids(db)[key] == plain
