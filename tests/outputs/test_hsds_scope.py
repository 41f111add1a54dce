"""Which facilities an HSDS export holds: by default those with an intensive program or an open flag, whole."""

import json
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from pipeline.outputs.hsds import TABLES, export_hsds, validate_hsds
from schemas.vocab import INTENSIVE_LEVELS
from tests.outputs.hsds_data import query, rows


def _expected(db: Path, state: str | None = None) -> set[str]:
    """The listings a default export must hold, worked out here from the tables, not by the export's SQL."""
    members: dict[str, set[str]] = defaultdict(set)
    facility_of = {}
    for listing_id, facility_id in query(db, "SELECT listing_id, facility_id FROM facility_members"):
        # A listing in two facilities belongs to the smallest, as the export's organizations do.
        facility_of[listing_id] = min(facility_of.get(listing_id, facility_id), facility_id)
    listings = query(db, "SELECT listing_id, levels_of_care, state FROM listings WHERE active")
    for listing_id, _, _ in listings:
        members[facility_of.get(listing_id, listing_id)].add(listing_id)
    flagged = {r[0] for r in query(db, "SELECT listing_id FROM flags WHERE active AND status = 'open'")}
    intensive = {
        facility_of.get(listing_id, listing_id)
        for listing_id, levels, _ in listings
        if set(levels) & set(INTENSIVE_LEVELS) or listing_id in flagged
    }
    in_state = {listing_id for listing_id, _, st in listings if state is None or st == state}
    return {listing_id for f in intensive for listing_id in members[f]} & in_state


def _listing_ids(out: Path) -> set[str]:
    return {location["external_identifier"] for location in rows(out, "location")}


def test_the_default_export_holds_the_facilities_of_intensive_programs_whole(
    hsds_db: Path, exported: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    everything, _ = exported
    export_hsds(hsds_db, tmp_path)
    expected = _expected(hsds_db)
    assert _listing_ids(tmp_path) == expected
    # The test data has listings of both kinds.
    left_out = _listing_ids(everything) - expected
    assert expected and left_out
    (harbor,) = query(hsds_db, "SELECT listing_id FROM listings WHERE name = 'Harbor Counseling'")[0]
    assert harbor in left_out
    # Each row it writes is the row of the export of every facility, ids and all.
    for table in TABLES:
        full = {json.dumps(r, sort_keys=True) for r in rows(everything, table)}
        assert all(json.dumps(r, sort_keys=True) in full for r in rows(tmp_path, table)), table
    assert validate_hsds(tmp_path) == []


def test_a_facility_is_written_with_its_listings_at_other_levels(hsds_db: Path, tmp_path: Path) -> None:
    # Harbor Counseling (outpatient only, no flag) linked as one facility with Sunrise Day Treatment
    # (IOP): the other source's listing is the evidence a cross-source flag points to.
    db = tmp_path / "linked.duckdb"
    shutil.copy(hsds_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "UPDATE facility_members SET facility_id = (SELECT facility_id FROM facility_members JOIN listings "
            "USING (listing_id) WHERE name = 'Sunrise Day Treatment') WHERE listing_id = "
            "(SELECT listing_id FROM listings WHERE name = 'Harbor Counseling')"
        )
    (harbor,) = query(db, "SELECT listing_id FROM listings WHERE name = 'Harbor Counseling'")[0]
    export_hsds(db, tmp_path / "out")
    assert harbor in _listing_ids(tmp_path / "out") == _expected(db)
    assert validate_hsds(tmp_path / "out") == []


def test_every_open_flag_is_exported(hsds_db: Path, tmp_path: Path) -> None:
    export_hsds(hsds_db, tmp_path)
    flags = [a for a in rows(tmp_path, "attribute") if a["link_type"] == "flags"]
    (open_flags,) = query(hsds_db, "SELECT count(*) FROM flags WHERE active AND status = 'open'")[0]
    assert open_flags and len({a["value"] for a in flags}) == open_flags


def test_the_state_filter_applies_to_the_scope(hsds_db: Path, tmp_path: Path) -> None:
    export_hsds(hsds_db, tmp_path, state="va")
    assert _listing_ids(tmp_path) == _expected(hsds_db, "VA")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_command_says_what_it_left_out(
    hsds_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    assert main(["export", "hsds", str(tmp_path / "out"), "--format", fmt, "--db", str(hsds_db)]) == 0
    (active,) = query(hsds_db, "SELECT count(*) FROM listings WHERE active")[0]
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"{len(_expected(hsds_db))} of {active} active listings: the facilities with an IOP or PHP listing or an "
        "open flag (--all-facilities writes every facility)"
    )
    every = ["export", "hsds", str(tmp_path / "all"), "--format", fmt, "--all-facilities", "--db", str(hsds_db)]
    assert main(every) == 0
    assert "--all-facilities" not in capsys.readouterr().out


def test_all_facilities_is_for_hsds_only(hsds_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "csv", str(tmp_path / "c"), "--all-facilities", "--db", str(hsds_db)]) == 2
    assert "--all-facilities is for hsds only" in capsys.readouterr().err
