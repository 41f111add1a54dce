"""The HSDS export of the whole country: its size and time, by scope and format.

    python -m benchmarks hsds [--db FILE] [--rounds 2] [--keep DIR]

Without `--db`, first runs the README's main job, `iopdir run --replay ../shared/data` (every
source), into a fresh DuckDB file in a child process. Then exports HSDS four ways: the default
scope (facilities with an intensive program or an open flag) and `all_facilities`, each as JSON
tables and as the CSV data package, and validates the default JSON against the HSDS 3.0 schemas.

Figures (the best round of each export):
  hsds_<scope>_<format>_mb      the files written, in MB (10^6 bytes), the export marker excluded
  hsds_<scope>_<format>_s       the export's time: read, map, write
  hsds_<scope>_listings         the listings (HSDS locations) written
  hsds_default_json_validate_s  validating the default JSON export
  hsds_peak_rss_mb              the largest resident size of this process
Goal (issue 20): hsds_default_json_mb well under 100 MB; checked as <= 80 MB.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import REPO_ROOT, SHARED_DATA, emit, peak_rss_mb

GOAL_DEFAULT_JSON_MB = 80.0
SCOPES = {"default": False, "all": True}
FORMATS = ("json", "csv")


def build_database(work: Path) -> Path:
    """The README's main job on the offline replay, into `work/iop.duckdb`."""
    db = work / "iop.duckdb"
    command = [sys.executable, "-m", "flows.cli.commands", "run", "--replay", str(SHARED_DATA), "--db", str(db)]
    command += ["--work-dir", str(work / "crawls")]
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    completed = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"the replay run failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    return db


def folder_mb(folder: Path) -> float:
    """The size of the export's files, in MB; the marker an export leaves is not part of it."""
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")) / 1e6


def measure(db: Path, work: Path, rounds: int) -> dict[str, float | int]:
    """Export `db` each way `rounds` times into `work`; the figures of the best rounds."""
    from pipeline.outputs.hsds import export_hsds, validate_hsds

    figures: dict[str, float | int] = {}
    for scope, all_facilities in SCOPES.items():
        for fmt in FORMATS:
            out = work / f"{scope}-{fmt}"
            best = float("inf")
            for _ in range(rounds):
                shutil.rmtree(out, ignore_errors=True)
                started = time.perf_counter()
                counts = export_hsds(db, out, fmt=fmt, all_facilities=all_facilities)
                best = min(best, time.perf_counter() - started)
            figures[f"hsds_{scope}_{fmt}_mb"] = folder_mb(out)
            figures[f"hsds_{scope}_{fmt}_s"] = best
            figures[f"hsds_{scope}_listings"] = counts["location"]
    started = time.perf_counter()
    errors = validate_hsds(work / "default-json")
    figures["hsds_default_json_validate_s"] = time.perf_counter() - started
    figures["hsds_default_json_errors"] = len(errors)
    figures["hsds_peak_rss_mb"] = peak_rss_mb()
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the HSDS benchmark and print its figures; exit 1 when over the goal or invalid."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="export this database (default: build one from the replay)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.db is None and not SHARED_DATA.is_dir():
        print(f"no replay data at {SHARED_DATA}", file=sys.stderr)
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="iopdir-hsds-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        db = args.db or build_database(work)
        figures = measure(db, work / "exports", args.rounds)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    emit(figures)
    ok = figures["hsds_default_json_mb"] <= GOAL_DEFAULT_JSON_MB and figures["hsds_default_json_errors"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
