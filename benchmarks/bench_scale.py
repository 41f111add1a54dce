"""A million listings: normalize + load + flag, against the natural limits on the same machine.

    python -m benchmarks scale [--n 1000000] [--workers N] [--section-share 0.05] [--keep DIR]

1. Synthetic input (`benchmarks.synthetic`): the SAMHSA 2023 rows, crawled from the replay, are
   replicated with perturbed names, addresses, phones and codes; 5% of the records are program
   sections with perturbed schedule texts (the hours engine's work). Deterministic seed.
2. The pipeline, in a child process: `normalize_file` (streamed in batches, `--workers`
   processes), `load_run` into a fresh DuckDB file, `compute_flags`. Linking is timed apart, in a
   child process of its own (`link_facilities` over the loaded file: `scale_link_s` and its peak
   memory), so the pipeline's rate keeps its meaning.
3. Bare pydantic validation, in a child process: `Listing.model_validate` of the very listings the
   pipeline produced (read back from its Parquet output, turned into plain dicts before the clock
   starts), in the same number of processes as the pipeline used: the most a pydantic pipeline of
   this model could do on this machine.
4. DuckDB's own read of the same JSON-lines file (`read_json` into a table), in a child process.

Figures:
  scale_listings, scale_seconds, scale_normalize_s, scale_load_s, scale_flag_s
  scale_listings_per_s          listings loaded / pipeline seconds
  scale_peak_rss_mb             largest resident size of the pipeline's processes
  scale_link_s, scale_link_peak_rss_mb   linking the loaded file into facilities, and its peak memory
  bare_validation_per_s, ratio_to_bare_validation
  duckdb_read_per_s, ratio_to_duckdb_read
Goals (issue 8): ratio_to_bare_validation >= 0.5; scale_peak_rss_mb <= 1500.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from benchmarks.common import REPO_ROOT, SHARED_DATA, emit, peak_rss_mb

GOAL_RATIO_BARE = 0.5
GOAL_RSS_MB = 1500.0


def make_input(work: Path, n: int, seed: int, section_share: float, template: Path | None) -> Path:
    """The synthetic records file (crawling the SAMHSA replay for the template unless one is given)."""
    from benchmarks.synthetic import write_synthetic
    from flows.crawl import run_crawl

    if template is None:
        template = Path(run_crawl("samhsa_directory", work / "template", SHARED_DATA, timeout_s=900).items_path)
    path = work / "synthetic.jsonl"
    started = time.perf_counter()
    stats = write_synthetic(template, path, n, seed=seed, section_share=section_share)
    print(
        f"synthetic input: {stats.listings:,} records ({stats.program_sections:,} program sections), "
        f"{stats.bytes / 1e6:,.0f} MB in {time.perf_counter() - started:.1f} s"
    )
    return path


def phase_pipeline(items: Path, work: Path, workers: int) -> dict[str, Any]:
    """Normalize, load and flag `items` into a fresh database; the times and counts."""
    from pipeline.flags.store import compute_flags
    from pipeline.normalize.run import normalize_file
    from pipeline.store.load import SourceLoad, load_run

    db = work / "scale.duckdb"
    run_id = "bench-scale"
    started = time.perf_counter()
    result = normalize_file(items, work / "normalized", run_id, workers=workers)
    normalized = time.perf_counter()
    loads = [
        SourceLoad(source, result.listings_path, result.rejects_path, True, c.seen)
        for source, c in sorted(result.counts.items())
        if source != "unknown"
    ]
    counts = load_run(db, run_id, datetime.now(UTC), loads, [result.codes_path])
    loaded = time.perf_counter()
    flags = compute_flags(db, run_id)
    flagged = time.perf_counter()
    return {
        "seen": sum(c.seen for c in counts),
        "loaded": sum(c.loaded for c in counts),
        "rejected": sum(c.rejected for c in counts),
        "flags": flags.total,
        "normalize_s": normalized - started,
        "load_s": loaded - normalized,
        "flag_s": flagged - loaded,
        "seconds": flagged - started,
        "listings_glob": result.listings_path,
        "peak_rss_mb": max(peak_rss_mb(), peak_rss_mb(children=True)),
    }


def phase_link(work: Path) -> dict[str, Any]:
    """Link the listings the pipeline phase loaded into facilities; the time, counts and peak memory."""
    from pipeline.link.store import link_facilities

    started = time.perf_counter()
    counts = link_facilities(work / "scale.duckdb", "bench-scale")
    return {
        "link_s": time.perf_counter() - started,
        "links": counts.links,
        "facilities": counts.facilities,
        "peak_rss_mb": peak_rss_mb(),
    }


def _listing_input(row: dict[str, Any]) -> dict[str, Any]:
    # A Parquet row back into the input a normalizer hands to Listing: nested provenance, no
    # columns the model does not have, no None the model would take as its default anyway.
    row["provenance"] = {
        "source_url": row.pop("source_url"),
        "source_file": row.pop("source_file"),
        "record_id": row.pop("source_record_id"),
        "fetched_at": row.pop("fetched_at"),
        "run_id": row.pop("run_id"),
    }
    for column in ("record_seq", "phone"):
        row.pop(column)
    row["phones"] = [{k: v for k, v in p.items() if v is not None} for p in row["phones"]]
    row["schedule"] = [{k: v for k, v in s.items() if v is not None} for s in row["schedule"]]
    return {k: v for k, v in row.items() if v is not None}


def _validate_files(paths: list[str]) -> tuple[int, float]:
    """Validate the listings of some Parquet files; (rows, seconds spent validating only)."""
    from schemas.listing import Listing

    rows = 0
    seconds = 0.0
    validate = Listing.model_validate
    for path in paths:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=20_000):
            inputs = [_listing_input(r) for r in batch.to_pylist()]
            started = time.perf_counter()
            for data in inputs:
                validate(data)
            seconds += time.perf_counter() - started
            rows += len(inputs)
    return rows, seconds


def phase_bare(listings_glob: str, workers: int) -> dict[str, Any]:
    """Bare `Listing.model_validate` of the pipeline's own listings, in `workers` processes."""
    paths = sorted(str(p) for p in Path(listings_glob).parent.glob(Path(listings_glob).name))
    shares = [paths[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(_validate_files, shares))
    # Each process validates at its own rate; together they do the sum of the rates.
    per_s = sum(rows / seconds for rows, seconds in results if seconds > 0)
    return {"rows": sum(r for r, _ in results), "per_s": per_s, "peak_rss_mb": peak_rss_mb(children=True)}


def phase_duckdb(items: Path, work: Path) -> dict[str, Any]:
    """DuckDB reading the same JSON-lines file into a table of its own."""
    con = duckdb.connect(str(work / "read.duckdb"))
    started = time.perf_counter()
    con.execute(
        # The raw layer's shape: a few text columns and `fields`, a map of text to text (column
        # names differ in case between sheets, which a struct could not hold).
        "CREATE TABLE records AS SELECT * FROM read_json(?, format = 'newline_delimited', "
        "maximum_object_size = 100000000, columns = {'record_type': 'VARCHAR', 'source': 'VARCHAR', "
        "'source_url': 'VARCHAR', 'source_file': 'VARCHAR', 'record_id': 'VARCHAR', "
        "'fetched_at': 'TIMESTAMPTZ', 'fields': 'MAP(VARCHAR, VARCHAR)'})",
        [str(items)],
    )
    seconds = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM records").fetchone()[0]
    con.close()
    return {"rows": rows, "seconds": seconds, "per_s": rows / seconds}


def _child(phase: str, *args: str) -> dict[str, Any]:
    # Each phase runs in a process of its own, so its memory peak is its own.
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_scale", "--phase", phase, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Run the scale benchmark and print its figures; exit 1 when a goal is missed."""
    from pipeline.normalize.workers import default_workers

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--section-share", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--template", type=Path, help="a samhsa_directory crawl's items.jsonl (default: crawl)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp dir)")
    parser.add_argument("--phase", choices=("pipeline", "link", "bare", "duckdb"), help=argparse.SUPPRESS)
    parser.add_argument("--items", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--glob", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.phase == "pipeline":
        print(json.dumps(phase_pipeline(args.items, args.work, args.workers)))
        return 0
    if args.phase == "link":
        print(json.dumps(phase_link(args.work)))
        return 0
    if args.phase == "bare":
        print(json.dumps(phase_bare(args.glob, args.workers)))
        return 0
    if args.phase == "duckdb":
        print(json.dumps(phase_duckdb(args.items, args.work)))
        return 0

    work = args.keep or Path(tempfile.mkdtemp(prefix="iopdir-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        items = make_input(work, args.n, args.seed, args.section_share, args.template)
        run = work / "run"
        shutil.rmtree(run, ignore_errors=True)
        run.mkdir()
        pipeline = _child("pipeline", "--items", str(items), "--work", str(run), "--workers", str(args.workers))
        print(
            f"pipeline: {pipeline['loaded']:,} loaded, {pipeline['rejected']:,} rejected, {pipeline['flags']:,} flags "
            f"in {pipeline['seconds']:.1f} s (normalize {pipeline['normalize_s']:.1f}, load {pipeline['load_s']:.1f}, "
            f"flag {pipeline['flag_s']:.1f}) with {args.workers} worker(s)"
        )
        link = _child("link", "--work", str(run))
        print(
            f"link: {link['links']:,} links, {link['facilities']:,} facilities in {link['link_s']:.1f} s, "
            f"peak RSS {link['peak_rss_mb']:,.0f} MB"
        )
        bare = _child("bare", "--glob", pipeline["listings_glob"], "--workers", str(args.workers))
        print(f"bare validation: {bare['rows']:,} listings, {bare['per_s']:,.0f}/s over {args.workers} process(es)")
        read = _child("duckdb", "--items", str(items), "--work", str(run))
        print(f"duckdb read_json: {read['rows']:,} records in {read['seconds']:.1f} s")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    rate = pipeline["loaded"] / pipeline["seconds"]
    figures: dict[str, float | int | str] = {
        "scale_listings": pipeline["loaded"],
        "scale_workers": args.workers,
        "scale_seconds": pipeline["seconds"],
        "scale_normalize_s": pipeline["normalize_s"],
        "scale_load_s": pipeline["load_s"],
        "scale_flag_s": pipeline["flag_s"],
        "scale_listings_per_s": rate,
        "scale_peak_rss_mb": pipeline["peak_rss_mb"],
        "scale_link_s": link["link_s"],
        "scale_link_peak_rss_mb": link["peak_rss_mb"],
        "bare_validation_per_s": bare["per_s"],
        "ratio_to_bare_validation": rate / bare["per_s"],
        "duckdb_read_per_s": read["per_s"],
        "ratio_to_duckdb_read": rate / read["per_s"],
    }
    emit(figures)
    met = figures["ratio_to_bare_validation"] >= GOAL_RATIO_BARE and pipeline["peak_rss_mb"] <= GOAL_RSS_MB
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
