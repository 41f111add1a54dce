"""`iopdir run` on a directory that changed shape: held or failed, nothing retired, exit 1; `--accept-drop` takes it."""

import shutil
from pathlib import Path

import duckdb
import pytest

from flows.cli import main
from tests.conftest import REPLAY_FIXTURE
from tests.spiders.test_tabular_header import rename_header

FOLDER = "samhsa-national-directory-2023"
SU = "national-directory-su-facilities-2023.xlsx"
MH = "national-directory-mh-facilities-2023.xlsx"


pytestmark = pytest.mark.usefixtures("prefect_harness", "no_crawl_retries")


def _run(db: Path, mirror: Path, *extra: str) -> int:
    return main(["run", "--db", str(db), "--replay", str(mirror), "--source", "samhsa_directory", *extra])


def _source_rows(db: Path) -> dict[str, tuple[int, str, str]]:
    """source -> (active listings, last run's status, its message)."""
    with duckdb.connect(str(db), read_only=True) as con:
        last = con.execute("SELECT max(run_id) FROM runs").fetchone()[0]
        rows = con.execute(
            "SELECT s.source, (SELECT count(*) FROM listings l WHERE l.source = s.source AND l.active), s.status, "
            "s.message FROM run_sources s WHERE s.run_id = ?",
            [last],
        ).fetchall()
    return {source: (active, status, message) for source, active, status, message in rows}


def test_a_changed_directory_is_held_or_failed_and_accept_drop_takes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(REPLAY_FIXTURE, mirror)
    db = tmp_path / "iop.duckdb"
    assert _run(db, mirror) == 0
    # The SU workbook's City and State header cells swapped; the MH one's Name1 renamed.
    su, mh = mirror / FOLDER / SU, mirror / FOLDER / MH
    rename_header(REPLAY_FIXTURE / FOLDER / SU, su, "Facilities List", {"City": "State", "State": "City"})
    rename_header(REPLAY_FIXTURE / FOLDER / MH, mh, "Facilities List", {"Name1": "Facility"})
    capsys.readouterr()
    assert _run(db, mirror) == 1
    out = capsys.readouterr().out
    assert "held" in out
    rows = _source_rows(db)
    assert rows["samhsa_su"][:2] == (5, "held") and "5 of 5 rows rejected" in rows["samhsa_su"][2]
    assert rows["samhsa_mh"][:2] == (3, "failed") and "lacks required column(s) Name1" in rows["samhsa_mh"][2]
    # Taken on purpose: the SU listings go; the MH file still fails and keeps its listings.
    assert _run(db, mirror, "--accept-drop", "samhsa_su") == 1
    rows = _source_rows(db)
    assert rows["samhsa_su"][:2] == (0, "ok") and rows["samhsa_su"][2].startswith("drop accepted")
    assert rows["samhsa_mh"][:2] == (3, "failed")
    shutil.copy(REPLAY_FIXTURE / FOLDER / MH, mh)
    assert _run(db, mirror) == 0
