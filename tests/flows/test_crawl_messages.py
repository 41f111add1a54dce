"""Each failure line names its spider and source once (issue 20): a crawl that failed as a whole
(`CrawlFailed`) and one whose sources failed in-band, in the crawl task's state, the run's
message, its `run_sources` row and the line `iopdir run` prints."""

import pickle
from pathlib import Path

import duckdb
import pytest

import flows.refresh
from flows.cli import main
from flows.cli.common import EXIT_FAILED
from flows.crawl import CrawlFailed, CrawlResult
from flows.refresh import crawl_task
from spiders.fail_fast import OFFLINE_HINT

DNS = f"cannot resolve findtreatment.gov (DNS lookup failed): {OFFLINE_HINT}"


def test_crawl_failed_names_the_spider_once_and_keeps_its_fields_when_pickled() -> None:
    failed = CrawlFailed(DNS, retryable=False, spider="findtreatment")
    assert str(failed) == f"findtreatment: {DNS}" and failed.reason == DNS
    copy = pickle.loads(pickle.dumps(failed))  # a task's result may be pickled
    assert (str(copy), copy.reason, copy.spider, copy.retryable) == (str(failed), DNS, "findtreatment", False)
    assert str(CrawlFailed("ny_omh: crawl timed out after 1800 s")) == "ny_omh: crawl timed out after 1800 s"


def test_in_band_problems_name_the_spider_and_each_source_once() -> None:
    one = CrawlResult("findtreatment", "items.jsonl", {}, {"findtreatment": False}, {"findtreatment": "HTTP 500"})
    assert one.problems() == "findtreatment: HTTP 500"
    two = CrawlResult(
        "samhsa_directory",
        "items.jsonl",
        {},
        {"samhsa_su": False, "samhsa_mh": False},
        {"samhsa_su": "HTTP 404", "samhsa_mh": "sheets not found: ['x']"},
    )
    assert two.problems() == "samhsa_directory: samhsa_su: HTTP 404; samhsa_mh: sheets not found: ['x']"


@pytest.mark.usefixtures("prefect_harness")
def test_the_crawl_task_of_sources_failed_in_band_ends_failed_with_one_name_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    why = "reached none of its 1 seed sites; first: cannot resolve a.invalid"
    result = CrawlResult("program_pages", "items.jsonl", {}, {"program_pages": False}, {"program_pages": why})
    monkeypatch.setattr(flows.refresh, "run_crawl", lambda *args, **kwargs: result)
    state = crawl_task("program_pages", str(tmp_path), None, return_state=True)
    assert state.is_failed() and state.message == f"program_pages: {why}"  # was "program_pages: program_pages: …"


@pytest.mark.usefixtures("prefect_harness", "no_crawl_retries")
def test_a_crawl_that_failed_as_a_whole_is_named_once_in_every_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unreachable(spider: str, *args: object, **kwargs: object) -> CrawlResult:
        raise CrawlFailed(DNS, retryable=False, spider=spider)

    monkeypatch.setattr(flows.refresh, "run_crawl", unreachable)
    db = tmp_path / "iop.duckdb"
    assert main(["run", "--db", str(db), "--source", "findtreatment"]) == EXIT_FAILED
    # Was "findtreatment failed: crawl failed: findtreatment: cannot resolve …" (docs/operations.md).
    assert f"findtreatment failed: crawl failed: {DNS}" in capsys.readouterr().out.splitlines()
    with duckdb.connect(str(db), read_only=True) as con:
        [(row,)] = con.execute("SELECT message FROM run_sources WHERE source = 'findtreatment'").fetchall()
        [(run,)] = con.execute("SELECT message FROM runs").fetchall()
    assert row == f"crawl failed: {DNS}"
    assert run == f"findtreatment: crawl failed: {DNS}"
