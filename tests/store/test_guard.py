"""The guard against mass change: a source whose run looks unlike its last good run is held, nothing retired.

Built on real rows: the first rows of SAMHSA's 2023 SU directory (the CSV export of its
"Facilities List" sheet in ../shared/data) and its code reference, written as the spider writes them.
"""

import csv
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import duckdb
import pytest

from pipeline.normalize.run import normalize_file
from pipeline.store.guard import Guard, GuardLimits, LastGoodRun, RunFigures, hold_reasons
from pipeline.store.load import LoadCounts, SourceLoad, load_run
from pipeline.store.runs import run_outcome
from tests.conftest import SHARED_DATA
from tests.helpers import write_items

DIRECTORY = SHARED_DATA / "samhsa-national-directory-2023"
FACILITIES = DIRECTORY / "national-directory-su-facilities-2023__Facilities_List.csv"
CODES = DIRECTORY / "national-directory-su-facilities-2023__Service_Code_Reference.csv"
URL = "https://www.samhsa.gov/data/sites/default/files/reports/national-directory-su-facilities-2023.xlsx"
ROWS = 40


def _records(sheet: str, record_type: str, header: list[str], rows: list[list[str]]) -> list[dict]:
    return [
        {
            "record_type": record_type,
            "source": "samhsa_su",
            "source_url": URL,
            "source_file": "national-directory-su-facilities-2023.xlsx",
            "record_id": f"{sheet}!{number}",
            "fetched_at": "2026-12-01T00:00:00+00:00",
            "fields": dict(zip(header, row, strict=True)),
        }
        for number, row in enumerate(rows, start=2)
    ]


def _read(path: Path, limit: int | None = None) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(islice(reader, limit))


def su_items(rows: int = ROWS, swap: tuple[str, str] | None = None) -> list[dict]:
    """The first `rows` SU facilities and the code reference, as crawl records; `swap` swaps two header cells."""
    header, facilities = _read(FACILITIES, rows)
    if swap:
        a, b = header.index(swap[0]), header.index(swap[1])
        header[a], header[b] = header[b], header[a]
    code_header, codes = _read(CODES)
    return [
        *_records("Service Code Reference", "service_code", code_header, codes),
        *_records("Facilities List", "samhsa_facility", header, facilities),
    ]


def load(tmp_path: Path, run_id: str, items: list[dict], guard: Guard | None = None) -> LoadCounts:
    """Normalize and load one complete crawl of samhsa_su, as the flow does; its counts."""
    items_path = write_items(tmp_path / run_id / "items.jsonl", items)
    result = normalize_file(items_path, tmp_path / run_id / "normalized", run_id)
    seen = result.counts["samhsa_su"].seen
    source = SourceLoad("samhsa_su", result.listings_path, result.rejects_path, True, seen)
    [counts] = load_run(tmp_path / "g.duckdb", run_id, datetime.now(UTC), [source], [result.codes_path], None, guard)
    return counts


def _active(tmp_path: Path) -> int:
    with duckdb.connect(str(tmp_path / "g.duckdb"), read_only=True) as con:
        return con.execute("SELECT count(*) FROM listings WHERE source = 'samhsa_su' AND active").fetchone()[0]


def _recorded(tmp_path: Path, run_id: str) -> tuple[str, str, str, int]:
    """The source's `run_sources` status and message, the run's verdict, and the 'gone' changes recorded.

    The load alone leaves the run `loaded`; its verdict (`ok`/`failed`, written once link and flag
    ran) is the one rule `run_outcome` applies to its sources.
    """
    with duckdb.connect(str(tmp_path / "g.duckdb"), read_only=True) as con:
        status, message = con.execute("SELECT status, message FROM run_sources WHERE run_id = ?", [run_id]).fetchone()
        assert con.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchone()[0] == "loaded"
        sources = con.execute("SELECT source, status, message FROM run_sources WHERE run_id = ?", [run_id]).fetchall()
        run_status, _ = run_outcome(sources)
        gone = con.execute(
            "SELECT count(*) FROM listing_changes WHERE run_id = ? AND change = 'gone'", [run_id]
        ).fetchone()[0]
    return status, message, run_status, gone


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    """A database after one good run of the first 40 SU facilities."""
    first = load(tmp_path, "r1", su_items())
    assert (first.status, first.new, first.rejected) == ("ok", ROWS, 0)
    return tmp_path


def test_swapped_city_and_state_header_cells_are_held_and_retire_nothing(loaded: Path) -> None:
    # The case: the header keeps the same names, so every row is rejected on its state.
    counts = load(loaded, "r2", su_items(swap=("City", "State")))
    assert (counts.status, counts.rejected, counts.loaded, counts.gone) == ("held", ROWS, 0, 0)
    assert _active(loaded) == ROWS
    status, message, run_status, gone = _recorded(loaded, "r2")
    assert (status, run_status, gone) == ("held", "failed", 0)
    assert f"{ROWS} of {ROWS} rows rejected (100.0 %)" in message
    assert f"{ROWS} of {ROWS} active listings (100.0 %) would go" in message
    assert "--accept-drop samhsa_su" in message


def test_a_file_cut_to_60_percent_is_held_and_retires_nothing(loaded: Path) -> None:
    kept = ROWS * 6 // 10
    counts = load(loaded, "r2", su_items(rows=kept))
    # Its rows are loaded as any run's (here all unchanged); none of the missing ones is retired.
    assert (counts.status, counts.unchanged, counts.gone) == ("held", kept, 0)
    assert _active(loaded) == ROWS
    status, message, run_status, gone = _recorded(loaded, "r2")
    assert (status, run_status, gone) == ("held", "failed", 0)
    assert f"{ROWS - kept} of {ROWS} active listings (40.0 %) would go, over the limit of 10.0 %" in message
    assert f"{kept} rows seen, below 80.0 % of the {ROWS} of last good run r1" in message


def test_accept_drop_takes_the_drop_and_retires_as_before(loaded: Path) -> None:
    kept = ROWS * 6 // 10
    assert load(loaded, "r2", su_items(rows=kept)).status == "held"
    accepted = load(loaded, "r3", su_items(rows=kept), Guard(accept_drop=frozenset({"samhsa_su"})))
    assert (accepted.status, accepted.gone) == ("ok", ROWS - kept)
    assert _active(loaded) == kept
    status, message, run_status, gone = _recorded(loaded, "r3")
    assert (status, run_status, gone) == ("ok", "ok", ROWS - kept)
    assert message.startswith("drop accepted: ")
    # The accepted run is the new last good run: the same rows again are a normal run.
    again = load(loaded, "r4", su_items(rows=kept))
    assert (again.status, again.unchanged, again.gone) == ("ok", kept, 0)


def test_accepting_a_swapped_header_retires_the_whole_source(loaded: Path) -> None:
    accepted = load(loaded, "r2", su_items(swap=("City", "State")), Guard(accept_drop=frozenset({"samhsa_su"})))
    assert (accepted.status, accepted.gone) == ("ok", ROWS)
    assert _active(loaded) == 0


def test_a_normal_rerun_and_a_small_change_are_not_held(loaded: Path) -> None:
    same = load(loaded, "r2", su_items())
    assert (same.status, same.message, same.unchanged, same.gone) == ("ok", "", ROWS, 0)
    # Two facilities closing (5 %) is an ordinary week: retired as before.
    fewer = load(loaded, "r3", su_items(rows=ROWS - 2))
    assert (fewer.status, fewer.gone) == ("ok", 2)
    assert _active(loaded) == ROWS - 2


def test_the_limits_are_settings(loaded: Path) -> None:
    loose = Guard(GuardLimits(max_gone_share=0.5, min_seen_share=0.5))
    counts = load(loaded, "r2", su_items(rows=ROWS * 6 // 10), loose)
    assert (counts.status, counts.gone) == ("ok", ROWS - ROWS * 6 // 10)


def test_a_first_run_is_never_held(tmp_path: Path) -> None:
    counts = load(tmp_path, "r1", su_items(swap=("City", "State")))
    assert (counts.status, counts.rejected) == ("ok", ROWS)


def test_a_held_run_is_no_baseline(loaded: Path) -> None:
    kept = ROWS * 6 // 10
    assert load(loaded, "r2", su_items(rows=kept)).status == "held"
    # Compared with r1 again, not with the held r2.
    assert load(loaded, "r3", su_items(rows=kept)).status == "held"
    assert _active(loaded) == ROWS


@pytest.mark.parametrize(
    ("figures", "last", "held"),
    [
        # 12 % would go but only 3 listings: a small source closing programs is not held.
        (RunFigures(seen=22, rejected=0, active=25, would_go=3), LastGoodRun("r", 25, 0), []),
        # A reject rate over 5 % but within 2 points of the last good run's: not held.
        (RunFigures(seen=100, rejected=11, active=89, would_go=0), LastGoodRun("r", 100, 10), []),
        (RunFigures(seen=100, rejected=13, active=89, would_go=0), LastGoodRun("r", 100, 10), ["rejected"]),
        (RunFigures(seen=79, rejected=0, active=79, would_go=0), LastGoodRun("r", 100, 0), ["seen"]),
        (RunFigures(seen=100, rejected=100, active=100, would_go=100), None, []),
    ],
)
def test_hold_reasons(figures: RunFigures, last: LastGoodRun | None, held: list[str]) -> None:
    reasons = hold_reasons(figures, last, GuardLimits())
    assert len(reasons) == len(held) and all(word in r for word, r in zip(held, reasons, strict=True))


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="max_gone_share"):
        GuardLimits(max_gone_share=1.5)
