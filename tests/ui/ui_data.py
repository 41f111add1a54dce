"""A small flagged database for the `iopdir ui` and bulk review tests: program pages in three states."""

from pathlib import Path

import pytest

from pipeline.flags.store import compute_flags
from pipeline.normalize import run as normalize
from tests.helpers import normalize_and_load, program_normalizer, program_records, write_items

EVIL = 'Evil <script>alert("x")</script> & Sons IOP'
# name -> (levels, schedule text, state)
PROGRAMS = {
    "Hope IOP": ("iop", "The IOP runs Monday through Friday, 9 a.m. to 3 p.m.", "VA"),  # php_as_iop
    "Low IOP": ("iop", "Two days a week, two hours a day.", "VA"),  # iop_below_floor
    EVIL: ("iop", "Two days a week, two hours a day.", "CA"),
    "Coast IOP": ("iop", "The IOP runs Monday through Friday, 9 a.m. to 3 p.m.", "CA"),
    "Lake IOP": ("iop", "Two days a week, two hours a day.", "MN"),
    "Fine IOP": ("iop", "The IOP meets Mondays, Wednesdays and Thursdays, 6-9 p.m.", "MN"),
}


def build_ui_db(path: Path) -> Path:
    """Normalize, load and flag the programs into `path` as a run leaves them."""
    records = program_records({name: (levels, text) for name, (levels, text, _) in PROGRAMS.items()})
    for record in records:
        record["fields"]["state"] = PROGRAMS[record["fields"]["name"]][2]
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
        normalize_and_load(write_items(path.parent / "r1" / "items.jsonl", records), path, "r1")
    compute_flags(path, "r1")
    return path


# Run with `python -c HOLD DB`: another process that holds the file for writing until its stdin closes.
HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])  # another process holds the file for writing
print("holding", flush=True)
sys.stdin.readline()
"""
