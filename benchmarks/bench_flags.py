"""One flagging pass over a million listings.

    python -m benchmarks flags [--n 1000000] [--rounds 3] [--base-db FILE] [--keep FILE]

Builds the national database first (the SAMHSA 2023 replay crawled, normalized, loaded and
linked, without Prefect) unless `--base-db` names one, then replicates its listings, facility
members and links inside DuckDB up to `--n` listings. Copies get ids derived from the original
and the copy number, and about one IOP/PHP-coded copy in five gets stated weekly hours spread
over 3-30 h, so the hour rules have work to do, not only the code and name rules.

Then `pipeline.flags.store.compute_flags` runs `--rounds` times: the first pass inserts every
flag, later ones find them again (the weekly steady state).

Figures: flags_listings, flags_raised, flags_1m_first_s (first pass), flags_1m_s (the fastest
later pass). Goal (issue 8): flags_1m_s <= 2 s.
"""

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import SHARED_DATA, emit, peak_rss_mb
from flows.crawl import run_crawl
from pipeline.flags.store import compute_flags
from pipeline.link.store import link_facilities
from pipeline.normalize.run import normalize_file
from pipeline.store.connection import connect
from pipeline.store.load import SourceLoad, load_run

GOAL_S = 2.0


def build_national(db_path: Path, work: Path) -> None:
    """The national database: crawl the SAMHSA replay, normalize, load and link (no Prefect)."""
    crawl = run_crawl("samhsa_directory", work / "crawl", SHARED_DATA, timeout_s=900)
    result = normalize_file(Path(crawl.items_path), work / "normalized", "bench-base")
    loads = [
        SourceLoad(s, result.listings_path, result.rejects_path, complete, result.counts[s].seen)
        for s, complete in crawl.sources.items()
    ]
    load_run(db_path, "bench-base", datetime.now(UTC), loads, [result.codes_path])
    link_facilities(db_path, "bench-base")


def _copy_id(column: str) -> str:
    # A copy's id: a UUID made from the original id and the copy number, the same in every run.
    return f"md5({column} || '#' || copy_no)::UUID::VARCHAR"


def replicate(db_path: Path, n: int) -> int:
    """Grow the database to `n` listings by copying its listings, members and links; returns the count."""
    con = connect(db_path)
    try:
        base = con.execute("SELECT count(*) FROM listing_records").fetchone()[0]
        copies = max(0, -(-n // base) - 1)
        con.execute(f"CREATE TEMP TABLE copies AS SELECT range AS copy_no FROM range(1, {copies + 1})")
        con.execute(
            f"""
            INSERT INTO listing_records
            SELECT * EXCLUDE (has_level, copy_no) REPLACE (
                {_copy_id("listing_id")} AS listing_id,
                CASE WHEN hours_basis = 'unknown' AND has_level AND hash(listing_id, copy_no) % 5 = 0
                     THEN 3 + hash(listing_id, copy_no, 1) % 28 ELSE hours_min END AS hours_min,
                CASE WHEN hours_basis = 'unknown' AND has_level AND hash(listing_id, copy_no) % 5 = 0
                     THEN 3 + hash(listing_id, copy_no, 1) % 28 + hash(listing_id, copy_no, 2) % 4
                     ELSE hours_max END AS hours_max,
                CASE WHEN hours_basis = 'unknown' AND has_level AND hash(listing_id, copy_no) % 5 = 0
                     THEN 'stated' ELSE hours_basis END AS hours_basis,
                CASE WHEN hours_basis = 'unknown' AND has_level AND hash(listing_id, copy_no) % 5 = 0
                     THEN ['synthetic stated hours'] ELSE hours_evidence END AS hours_evidence,
                CASE WHEN hours_basis = 'unknown' AND has_level AND hash(listing_id, copy_no) % 5 = 0
                     THEN (CASE WHEN list_contains(levels_of_care, 'iop') THEN 'iop' ELSE 'php' END)
                     ELSE hours_level END AS hours_level
            )
            FROM (
                SELECT l.*, c.copy_no,
                       list_contains(levels_of_care, 'iop') OR list_contains(levels_of_care, 'php') AS has_level
                FROM listing_records l CROSS JOIN copies c
            )
            LIMIT {max(0, n - base)}
            """
        )
        con.execute(
            f"""
            INSERT INTO facility_members
            SELECT {_copy_id("facility_id")}, {_copy_id("listing_id")}, source, run_id
            FROM facility_members CROSS JOIN copies
            WHERE {_copy_id("listing_id")} IN (SELECT listing_id FROM listing_records)
            """
        )
        con.execute(
            f"""
            INSERT INTO facility_links
            SELECT least({_copy_id("listing_a")}, {_copy_id("listing_b")}),
                   greatest({_copy_id("listing_a")}, {_copy_id("listing_b")}), score, reasons, run_id
            FROM facility_links CROSS JOIN copies
            """
        )
        con.execute("CHECKPOINT")
        return con.execute("SELECT count(*) FROM listing_records WHERE active").fetchone()[0]
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    """Run the flags benchmark and print its figures; exit 1 when over the goal."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--base-db", type=Path, help="start from this database instead of building the national one")
    parser.add_argument("--keep", type=Path, help="keep the grown database at this path")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="iopdir-flags-"))
    try:
        db_path = args.keep or work / "flags.duckdb"
        started = time.perf_counter()
        if args.base_db:
            shutil.copy(args.base_db, db_path)
        else:
            build_national(db_path, work)
        listings = replicate(db_path, args.n)
        print(f"database of {listings:,} active listings ready in {time.perf_counter() - started:.1f} s")

        times = []
        raised = 0
        for number in range(1, max(2, args.rounds) + 1):
            started = time.perf_counter()
            counts = compute_flags(db_path, f"bench-flags-{number}")
            times.append(time.perf_counter() - started)
            raised = counts.total
            print(f"pass {number}: {times[-1]:.2f} s, {counts.total:,} flags ({counts.new:,} new)")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    best = min(times[1:])
    emit(
        {
            "flags_listings": listings,
            "flags_raised": raised,
            "flags_1m_first_s": times[0],
            "flags_1m_s": best,
            "flags_peak_rss_mb": peak_rss_mb(),
        }
    )
    return 0 if best <= GOAL_S else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
