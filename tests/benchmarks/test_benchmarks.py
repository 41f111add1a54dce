"""The benchmarks' own machinery on small inputs: they must keep running as the pipeline changes.

The figures themselves are measured by `python -m benchmarks NAME` (docs/performance.md), never
asserted here: timing in unit tests only measures the machine of the day.
"""

from pathlib import Path

import duckdb
import pytest

from benchmarks import __main__ as dispatcher
from benchmarks.bench_flags import replicate
from benchmarks.bench_hsds import main as bench_hsds
from benchmarks.bench_scale import phase_bare, phase_duckdb, phase_pipeline
from benchmarks.common import emit
from benchmarks.synthetic import write_synthetic
from pipeline.flags.store import compute_flags
from tests.helpers import normalize_and_load


def test_dispatcher_lists_the_benchmarks(capsys: pytest.CaptureFixture[str]) -> None:
    assert dispatcher.main([]) == 2
    assert dispatcher.main(["no-such-benchmark"]) == 2
    out = capsys.readouterr().out
    assert all(name in out for name in dispatcher.BENCHMARKS)


def test_figures_are_name_value_lines(capsys: pytest.CaptureFixture[str]) -> None:
    emit({"a_per_s": 1234.5678, "b_count": 3})
    assert capsys.readouterr().out.splitlines() == ["a_per_s: 1234.568", "b_count: 3"]


def test_replicated_database_has_distinct_copies(fixture_crawl: Path, tmp_path: Path) -> None:
    db = tmp_path / "flags.duckdb"
    counts = normalize_and_load(fixture_crawl / "items.jsonl", db, "run-1")
    base = sum(c.loaded for c in counts.values())
    assert replicate(db, base * 30 + 1) == base * 30 + 1
    with duckdb.connect(str(db), read_only=True) as con:
        distinct, stated = con.execute(
            "SELECT count(DISTINCT listing_id), count(*) FILTER (WHERE hours_evidence = ['synthetic stated hours']) "
            "FROM listing_records"
        ).fetchone()
    assert distinct == base * 30 + 1
    assert stated > 0  # copies give the hour rules something to judge
    assert compute_flags(db, "run-2").total >= 0


def test_scale_phases_on_a_small_input(fixture_crawl: Path, tmp_path: Path) -> None:
    items = tmp_path / "synthetic.jsonl"
    write_synthetic(fixture_crawl / "items.jsonl", items, 300, seed=7, section_share=0.1)
    run = tmp_path / "run"
    run.mkdir()
    pipeline = phase_pipeline(items, run, workers=1)
    assert pipeline["seen"] == 300 and pipeline["loaded"] + pipeline["rejected"] == 300
    bare = phase_bare(pipeline["listings_glob"], workers=1)
    # Every normalized listing is validated, the ones the load then rejects as duplicates too.
    assert bare["rows"] >= pipeline["loaded"] and bare["per_s"] > 0
    read = phase_duckdb(items, run)
    assert read["rows"] == 300 + sum(1 for line in items.open() if '"service_code"' in line)


def test_hsds_exports_every_way_on_a_small_database(
    fixture_crawl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.duckdb"
    normalize_and_load(fixture_crawl / "items.jsonl", db, "run-1")
    compute_flags(db, "run-1")
    assert bench_hsds(["--db", str(db), "--rounds", "1", "--keep", str(tmp_path / "work")]) == 0
    figures = dict(line.split(": ") for line in capsys.readouterr().out.splitlines())
    assert figures["hsds_default_json_errors"] == "0"
    assert 0 < int(figures["hsds_default_listings"]) < int(figures["hsds_all_listings"])
    assert 0 < float(figures["hsds_default_json_mb"]) < float(figures["hsds_all_json_mb"])
    assert sorted((tmp_path / "work" / "exports").iterdir()) == [
        tmp_path / "work" / "exports" / f"{scope}-{fmt}" for scope in ("all", "default") for fmt in ("csv", "json")
    ]
