"""The refresh flow end to end on the Prefect test harness, with the replay fixture."""

import json
import shutil
from pathlib import Path

import duckdb
import pytest

import flows.refresh
from flows.cli import main
from flows.crawl import check_spiders, listing_sources
from tests.conftest import REPLAY_FIXTURE

pytestmark = pytest.mark.usefixtures("prefect_harness", "no_crawl_retries")


def test_refresh_loads_the_replay_fixture(tmp_path: Path) -> None:
    db = tmp_path / "iop.duckdb"
    summary = flows.refresh.run_refresh(db_path=str(db), replay_dir=str(REPLAY_FIXTURE))
    assert summary.status == "ok"
    assert {c.source: (c.seen, c.loaded, c.new) for c in summary.sources} == {
        "samhsa_su": (5, 5, 5),
        "samhsa_mh": (3, 3, 3),
        "ny_omh": (15, 15, 15),
        "findtreatment": (8, 8, 8),
        "program_pages": (3, 3, 3),
    }
    assert (tmp_path / "iop_crawls" / summary.run_id / "samhsa_directory" / "items.jsonl").is_file()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM listings WHERE active").fetchone()[0] == 8 + 15 + 8 + 3
        assert con.execute("SELECT status FROM runs").fetchall() == [("ok",)]


def test_a_failed_source_keeps_its_listings_and_fails_the_run(tmp_path: Path) -> None:
    db = tmp_path / "iop.duckdb"
    assert flows.refresh.run_refresh(db_path=str(db), replay_dir=str(REPLAY_FIXTURE)).status == "ok"
    # A mirror where the MH workbook is missing: its request gets a 404.
    broken = tmp_path / "broken"
    shutil.copytree(REPLAY_FIXTURE, broken)
    (broken / "samhsa-national-directory-2023" / "national-directory-mh-facilities-2023.xlsx").unlink()
    state = flows.refresh.refresh(
        db_path=str(db), replay_dir=str(broken), spiders=["samhsa_directory", "nope"], return_state=True
    )
    # The flow run itself ends Failed, with the reasons, and still carries the summary.
    assert state.is_failed() and "samhsa_mh: HTTP 404" in state.message and "nope" in state.message
    summary = state.result(raise_on_failure=False)
    assert summary.status == "failed"
    by_source = {c.source: c for c in summary.sources}
    assert by_source["samhsa_su"].status == "ok" and by_source["samhsa_su"].unchanged == 5
    assert by_source["samhsa_mh"].status == "failed" and by_source["samhsa_mh"].gone == 0
    assert "HTTP 404" in by_source["samhsa_mh"].message
    assert by_source["nope"].status == "failed" and "crawl failed" in by_source["nope"].message
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM listings WHERE source = 'samhsa_mh' AND active").fetchone()[0] == 3
        status, message = con.execute("SELECT status, message FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
        assert status == "failed" and "nope" in message and "samhsa_mh: HTTP 404" in message


def test_cli_run_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.duckdb"
    assert main(["run", "--db", str(db), "--replay", str(REPLAY_FIXTURE), "--source", "samhsa_directory"]) == 0
    out = capsys.readouterr().out
    assert "samhsa_su" in out and "flow without Prefect start-up" in out
    assert main(["run", "--db", str(db), "--replay", str(tmp_path / "nowhere")]) == 2
    # An unknown source is refused before start-up (tests/cli/test_errors.py has the message).
    assert main(["run", "--db", str(db), "--replay", str(REPLAY_FIXTURE), "--source", "nope"]) == 2


def test_changes_between_two_runs_show_exactly_the_edit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(REPLAY_FIXTURE, mirror)
    db = tmp_path / "iop.duckdb"
    assert flows.refresh.run_refresh(db_path=str(db), replay_dir=str(mirror), spiders=["ny_omh"]).status == "ok"
    # Between the runs OMH changes one agency's phone and drops one program.
    csv = mirror / "ny-omh-programs" / "Local_Mental_Health_Programs_2022-05.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "H.A.V.E.N. House" in lines[1] and "Bright Corner Respite" in lines[2]
    lines[1] = lines[1].replace("(718)931-0600", "(718)931-0700")
    del lines[2]
    csv.write_text("".join(lines), encoding="utf-8")
    assert main(["run", "--db", str(db), "--replay", str(mirror), "--source", "ny_omh"]) == 0
    capsys.readouterr()
    assert main(["changes", "--db", str(db), "--format", "json"]) == 0
    changes = json.loads(capsys.readouterr().out)
    assert [(c["change"], c["name"], c["fields"]) for c in changes] == [
        ("changed", "H.A.V.E.N. House", ["phone", "phones"]),
        ("gone", "Bright Corner Respite", []),
    ]
    assert changes[0]["diff"]["phone"] == {"before": "+17189310600", "after": "+17189310700"}
    # Since the first run is the same as the default (the last run); the first run made 15 new listings.
    first = json.loads(_run_cli(capsys, ["changes", "--db", str(db), "--since", "2000-01-01", "--format", "json"]))
    assert [c["change"] for c in first].count("new") == 15
    assert main(["changes", "--db", str(db), "--since", "not a date"]) == 2


def _run_cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 0
    return capsys.readouterr().out


def test_serve_registers_the_scheduled_deployment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from prefect.client.orchestration import get_client

    db = tmp_path / "iop.duckdb"
    argv = ["serve", "--cron", "0 3 * * 1", "--timezone", "America/New_York", "--db", str(db), "--register-only"]
    assert main(argv) == 0
    assert "refresh/weekly-refresh" in capsys.readouterr().out
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("refresh/weekly-refresh")
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (
        "0 3 * * 1",
        "America/New_York",
        True,
    )
    assert deployment.parameters["db_path"] == str(db)
    assert deployment.parameters["crawl_settings"]["USER_AGENT"].startswith("iop-directory/")
    assert deployment.parameters["thresholds"] == {"iop_min_adult": 9.0, "iop_min_adolescent": 6.0, "php_min": 20.0}
    assert main(["serve", "--cron", "every monday", "--register-only"]) == 2


def test_a_run_publishes_its_counts_and_new_flags(tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    summary = flows.refresh.run_refresh(db_path=str(tmp_path / "a.duckdb"), replay_dir=str(REPLAY_FIXTURE))
    with get_client(sync_client=True) as client:
        tables = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["source-counts"])))
        notes = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["new-flags"])))
    latest = max(tables, key=lambda a: a.created)
    rows = json.loads(latest.data) if isinstance(latest.data, str) else latest.data
    assert {r["source"]: r["loaded"] for r in rows} == {c.source: c.loaded for c in summary.sources}
    markdown = max(notes, key=lambda a: a.created).data
    assert f"Flags of run {summary.run_id}" in markdown and "new or reopened this run" in markdown


@pytest.mark.parametrize(
    ("names", "spiders"),
    [
        (["samhsa_su"], ["samhsa_directory"]),
        (["samhsa_mh", "samhsa_directory", "ny_omh"], ["samhsa_directory", "ny_omh"]),
        (["program_pages"], ["program_pages"]),
    ],
)
def test_a_source_name_stands_for_its_spider(names: list[str], spiders: list[str]) -> None:
    assert check_spiders(names) == spiders


def test_a_spider_name_stands_for_its_listing_sources() -> None:
    assert listing_sources(["samhsa_directory", "samhsa_su", "ny_omh"]) == ["samhsa_su", "samhsa_mh", "ny_omh"]
    with pytest.raises(ValueError, match=r"unknown source 'samhsa'; the sources are samhsa_directory \(samhsa_su"):
        listing_sources(["samhsa"])
