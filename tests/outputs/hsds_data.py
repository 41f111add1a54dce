"""Test data of the HSDS tests: a database of the fixture crawl plus programs with schedules, and readers."""

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.flags.store import compute_flags
from pipeline.link.store import link_facilities
from pipeline.normalize import run as normalize
from pipeline.sources.common import provenance
from pipeline.sources.samhsa.codes import CodeReference
from schemas.listing import Listing, Phone, ScheduleSession
from schemas.raw import RawRecord
from tests.helpers import make_listing, normalize_and_load, program_normalizer, program_records, read_items, write_items

SESSIONS_TEXT = "Our IOP meets Monday, Wednesday and Thursday 9:00-12:00; evening track Tuesday and Thursday 6-9 p.m."


def _sessions_normalizer(record: RawRecord, codes: CodeReference, run_id: str) -> Listing:
    """A program with an address, a phone, IOP and PHP, schedule text and structured sessions."""
    sessions = []
    for part in (record.fields["sessions"] or "").split(","):
        day, times, track = [*part.split(":"), ""][:3]
        start, end = times.split("-")
        sessions.append(
            ScheduleSession(day=int(day), start_minute=int(start), end_minute=int(end), track=track or None)
        )
    return make_listing(
        record.fields["name"] or "",
        source=record.source,
        provenance=provenance(record, run_id),
        street="1 Main St",
        city="Richmond",
        state="VA",
        zip5="23219",
        phones=(Phone(e164="+18045550100", extension="012", original="804-555-0100 x012", kind="main"),),
        website="https://example.org/program",
        levels_of_care={"iop", "php"},
        payments={"medicaid", "self_pay"},
        payers=("Aetna", "Medicaid"),
        payer_evidence=("We are in network with Aetna and accept Medicaid.",),
        populations={"adults"},
        schedule_text=record.fields["schedule"],
        schedule=tuple(sessions),
    )


def _sessions_record() -> dict[str, Any]:
    return {
        "record_type": "program_sessions",
        "source": "pages",
        "source_url": "https://example.org/program",
        "source_file": "program.html",
        "record_id": "sessions",
        "fetched_at": "2026-11-27T00:00:00Z",
        # day:start-end[:track]; 18:00-21:00 on the evening track, one session past midnight.
        "fields": {
            "name": "Riverside Recovery",
            "schedule": SESSIONS_TEXT,
            "sessions": "0:540-720,2:540-720,3:540-720,1:1080-1260:evening,3:1080-1260:evening,4:1320-1500:late",
        },
    }


def build_db(db: Path, items_dir: Path, fixture_crawl: Path, run_id: str = "r1") -> Path:
    """A database of the fixture crawl plus three programs, linked and flagged (one raises php_as_iop)."""
    items = read_items(fixture_crawl / "items.jsonl")
    items += program_records(
        {
            # A "day treatment" coded IOP, running 30 h a week: raises php_as_iop.
            "Sunrise Day Treatment": ("iop", "Monday through Friday, 9 a.m. to 3 p.m."),
            "Harbor Counseling": ("op", "Call for times."),
        }
    )
    items.append(_sessions_record())
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
        patch.setitem(normalize.LISTING_NORMALIZERS, "program_sessions", _sessions_normalizer)
        normalize_and_load(write_items(items_dir / "items.jsonl", items), db, run_id)
    link_facilities(db, run_id)
    compute_flags(db, run_id)
    return db


def rows(out: Path, table: str) -> list[dict[str, Any]]:
    """The rows of one exported HSDS table."""
    return json.loads((out / f"{table}.json").read_text(encoding="utf-8"))


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """The result of a query on the database, opened read-only."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()
