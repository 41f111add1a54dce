"""`iopdir eval links`: the report format, the scores, and what it refuses."""

import json
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from pipeline.store.schema import ensure_schema


def _db(path: Path, members: dict[str, str]) -> Path:
    con = duckdb.connect(str(path))
    try:
        ensure_schema(con)
        con.executemany(
            "INSERT INTO facility_members VALUES (?, ?, 'x', 'r1')", [(f, listing) for listing, f in members.items()]
        )
    finally:
        con.close()
    return path


def _pairs(path: Path, rows: list[tuple[str, str, bool | None, str]]) -> Path:
    records = [{"listing_a": a, "listing_b": b, "same_facility": same, "stratum": s} for a, b, same, s in rows]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_pairs_are_scored_by_the_facilities(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = _db(tmp_path / "f.duckdb", {"a": "F1", "b": "F1", "c": "F2", "d": "F2", "e": "F3"})
    pairs = _pairs(
        tmp_path / "p.jsonl",
        [
            ("a", "b", True, "s1"),  # tp
            ("c", "d", False, "s1"),  # fp: joined, though a person said two sites
            ("a", "e", True, "s2"),  # fn
            ("b", "e", False, "s2"),  # tn
            ("a", "c", None, "s2"),  # not scored
        ],
    )
    assert main(["eval", "links", str(pairs), "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == [
        "a b\ts1\texpected same\tgot same\tok",
        "c d\ts1\texpected different\tgot same\tmiss",
        "a e\ts2\texpected same\tgot different\tmiss",
        "b e\ts2\texpected different\tgot different\tok",
        "a c\ts2\texpected unlabelled\tgot different\tnot scored",
    ]
    assert "stratum s1: precision 0.500 recall 1.000 (tp 1 fp 1 fn 0)" in lines
    assert "stratum s2: precision 1.000 recall 0.000 (tp 0 fp 0 fn 1)" in lines
    assert lines[-1] == "links: precision 0.500 recall 0.500 (tp 1 fp 1 fn 1)"


def test_labels_for_other_listings_and_bad_files_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _db(tmp_path / "f.duckdb", {"a": "F1", "b": "F1"})
    other = _pairs(tmp_path / "p.jsonl", [("a", "zz", True, "s")])
    assert main(["eval", "links", str(other), "--db", str(db)]) == 2
    assert "1 of the 2 labelled listings are not in" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"listing_a": "a", "listing_b": "b", "same_facility": "yes"}\n', encoding="utf-8")
    assert main(["eval", "links", str(bad), "--db", str(db)]) == 2
    assert "line 1" in capsys.readouterr().err
    assert main(["eval", "links", str(other), "--db", str(tmp_path / "none.duckdb")]) == 2
