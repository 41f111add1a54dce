"""Hours reach the listings: schedule text or sessions -> hours_min/max/basis/evidence in DuckDB."""

from pathlib import Path

import duckdb
import pytest

from pipeline.normalize import run as normalize
from pipeline.normalize.facts import hours_level, with_facts
from pipeline.store.connection import connect
from pipeline.store.schema import ensure_schema
from schemas.listing import Listing, ScheduleSession
from schemas.vocab import HoursBasis
from tests.helpers import make_listing, normalize_and_load, program_normalizer, program_records, write_items


def _listing(**fields: object) -> Listing:
    return make_listing(str(fields.pop("name", "Example IOP")), **fields)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"schedule_text": "Mondays, Wednesdays and Thursdays, 6-9 p.m."}, (9, 9, HoursBasis.DERIVED)),
        ({"schedule_text": "20 or more hours per week"}, (20, None, HoursBasis.STATED)),
        (
            {
                "schedule": (
                    ScheduleSession(day=0, start_minute=540, end_minute=720),
                    ScheduleSession(day=2, start_minute=540, end_minute=720),
                )
            },
            (6, 6, HoursBasis.DERIVED),
        ),
        ({"schedule_text": "Call for times."}, (None, None, HoursBasis.UNKNOWN)),
        ({}, (None, None, HoursBasis.UNKNOWN)),
    ],
)
def test_with_hours_fills_the_listing(extra: dict, expected: tuple) -> None:
    listing = with_facts(_listing(**extra))
    assert (listing.hours_min, listing.hours_max, listing.hours_basis) == expected
    assert bool(listing.hours_evidence) == (expected[2] is not HoursBasis.UNKNOWN)


def test_the_level_a_listing_offers_picks_its_part_of_the_text() -> None:
    text = "Our PHP meets Monday through Friday 9 a.m. to 3 p.m.; our IOP meets Mon/Wed/Thu 9 a.m. to noon."
    assert with_facts(_listing(schedule_text=text, levels_of_care={"iop"})).hours_max == 9
    assert with_facts(_listing(schedule_text=text, levels_of_care={"php"})).hours_max == 30


def test_hours_a_source_states_itself_are_kept() -> None:
    listing = _listing(schedule_text="9 hours per week", hours_min=12, hours_max=12, hours_basis="stated")
    assert with_facts(listing).hours_min == 12


def test_hours_and_evidence_are_loaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
    records = program_records(
        {
            "Program A": ("iop", "The IOP meets Monday through Friday from 9 a.m. to 1 p.m."),
            "Program B": ("iop", "Three days a week, three hours per session."),
            "Program C": ("iop", "Please call for our schedule."),
        }
    )
    db = tmp_path / "h.duckdb"
    counts = normalize_and_load(write_items(tmp_path / "c" / "items.jsonl", records), db, "r1")
    assert (counts["pages"].seen, counts["pages"].loaded) == (3, 3)
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute(
            "SELECT name, hours_min, hours_max, hours_basis, hours_evidence, schedule_text FROM listings ORDER BY name"
        ).fetchall()
    assert got[0][1:5] == (20.0, 20.0, "derived", ["Monday through Friday from 9 a.m. to 1 p.m."])
    assert got[1][1:4] == (9.0, 9.0, "derived")
    assert got[2][1:5] == (None, None, "unknown", [])
    assert got[2][5] == "Please call for our schedule."


def test_an_older_database_gains_the_hours_columns(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    con = connect(db)
    ensure_schema(con)
    con.execute("DROP VIEW listings")
    for column in ("hours_evidence", "schedule_text", "schedule"):
        con.execute(f"ALTER TABLE listing_records DROP COLUMN {column}")
    ensure_schema(con)
    columns = {row[0] for row in con.execute("DESCRIBE listings").fetchall()}
    con.close()
    assert {"hours_evidence", "schedule_text", "schedule"} <= columns


@pytest.mark.parametrize(
    ("claimed", "text_levels", "expected"),
    [
        ({"iop"}, set(), "iop"),
        ({"php"}, set(), "php"),
        ({"iop", "php"}, set(), None),  # a two-level facility's unlabelled text could be either
        ({"iop", "php"}, {"iop", "php"}, "iop"),  # read for the IOP part
        ({"iop", "php"}, {"php"}, "php"),
        ({"iop"}, {"php"}, "php"),
        (set(), {"iop"}, "iop"),
        (set(), set(), None),
    ],
)
def test_hours_level(claimed: set[str], text_levels: set[str], expected: str | None) -> None:
    program = "iop" if "iop" in claimed else "php" if "php" in claimed else None
    assert hours_level(program, claimed, frozenset(text_levels)) == expected


def test_name_and_text_levels_are_read() -> None:
    listing = with_facts(
        _listing(name="Hope Partial Hospitalization Program", schedule_text="Our IOP meets three days a week.")
    )
    assert listing.name_levels == {"php"}
    assert listing.text_levels == {"iop"}
