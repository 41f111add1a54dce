"""Dump every table and view of an iop-directory database as stable text, for before/after comparisons.

    .venv/bin/python scripts/dump_db.py DB OUT_DIR
    diff -r OUT_DIR_BEFORE OUT_DIR_AFTER

Writes one `<table>.jsonl` per table or view: one JSON object per row, rows sorted by their text.
Columns that differ between two runs of the same input are left out so that equal content
dumps equal: timestamps, run ids, and crawl statistics (elapsed times, byte counts, dates).
Run ids inside text values (the crawl folder in `source_file`) become `<run>`.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import duckdb

# Columns that name a run, its process or a moment, or record how a crawl went rather than what it found.
VOLATILE_NAMES = {"run_id", "first_run_id", "last_run_id", "review_id", "crawl_stats", "process"}
VOLATILE_TYPES = ("TIMESTAMP", "DATE", "TIME", "INTERVAL")
RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{6}")


def kept_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of `table` whose values should be equal across runs of the same input."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [
        name
        for name, data_type in rows
        if name not in VOLATILE_NAMES and not data_type.upper().startswith(VOLATILE_TYPES)
    ]


def dump(db: Path, out_dir: Path) -> dict[str, int]:
    """Write one sorted JSONL file per table or view of `db` into `out_dir`; return the row counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    counts: dict[str, int] = {}
    tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
    for table in tables:
        columns = kept_columns(con, table)
        select = ", ".join(f'"{c}"' for c in columns)
        rows = con.execute(f'SELECT to_json(struct_pack({select})) FROM (SELECT {select} FROM "{table}")').fetchall()
        lines = sorted(RUN_ID.sub("<run>", json.dumps(json.loads(r), sort_keys=True)) for (r,) in rows)
        (out_dir / f"{table}.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        counts[table] = len(lines)
    con.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: dump DB into OUT_DIR and print the row count of each table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    if not args.db.is_file():
        print(f"no database at {args.db}", file=sys.stderr)
        return 2
    for table, count in dump(args.db, args.out_dir).items():
        print(f"{table}\t{count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
