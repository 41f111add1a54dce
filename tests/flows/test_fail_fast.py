"""Runs that fail fast and clearly (issue 20): a host that does not resolve or refuses the first
request ends its crawl within seconds with one line (for DNS: the --replay hint), Prefect does not
retry what would fail the same way, a crawl with sources failed in-band ends Failed in Prefect while
its result is still loaded, and a program_pages crawl that reached none of its seeds fails."""

import socket
import time
from pathlib import Path

import pytest
from prefect.states import Completed, Failed

import flows.refresh
from flows.cli import main
from flows.cli.common import EXIT_FAILED
from flows.config import Settings
from flows.crawl import CrawlFailed, run_crawl
from flows.refresh import crawl_task, crawl_worth_retrying
from spiders.fail_fast import OFFLINE_HINT

UNRESOLVABLE = "https://findtreatment.nonexistent.invalid"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_host_that_does_not_resolve_ends_the_crawl_at_once_with_the_replay_hint(tmp_path: Path) -> None:
    with pytest.raises(CrawlFailed) as failed:
        run_crawl("findtreatment", tmp_path, None, 60, {"FINDTREATMENT_BASE_URL": UNRESOLVABLE})
    assert not failed.value.retryable
    assert str(failed.value) == (
        f"findtreatment: cannot resolve findtreatment.nonexistent.invalid (DNS lookup failed): {OFFLINE_HINT}"
    )


def test_a_refused_first_connection_ends_the_crawl_at_once(tmp_path: Path) -> None:
    port = _closed_port()
    with pytest.raises(CrawlFailed, match=f"127.0.0.1:{port} refused the connection") as failed:
        run_crawl("findtreatment", tmp_path, None, 60, {"FINDTREATMENT_BASE_URL": f"http://127.0.0.1:{port}"})
    assert not failed.value.retryable


def test_an_unknown_spider_is_not_worth_retrying(tmp_path: Path) -> None:
    with pytest.raises(CrawlFailed, match="no_such_spider: no such spider; the spiders are samhsa_directory") as failed:
        run_crawl("no_such_spider", tmp_path, None, 60)
    assert not failed.value.retryable


def test_a_crawl_that_fails_before_its_spider_opens_says_why_and_is_not_worth_retrying(tmp_path: Path) -> None:
    settings = {"IOPDIR_SOURCE_URLS": '{"samhsa_su": "https://a.nonexistent.invalid/su.xlsx"}'}
    with pytest.raises(CrawlFailed, match="ValueError: IOPDIR_SOURCE_URLS names sources this spider") as failed:
        run_crawl("ny_omh", tmp_path, None, 60, settings)
    assert not failed.value.retryable


def test_the_crawl_task_retries_only_what_may_go_better() -> None:
    def retried(data: object) -> bool:
        return crawl_worth_retrying(crawl_task, None, Failed(data=data))

    assert retried(CrawlFailed("ny_omh: crawl timed out after 1800 s"))
    assert retried(OSError("disk full"))
    assert not retried(CrawlFailed("findtreatment: cannot resolve", retryable=False))
    assert not retried(Completed(data=None).data)  # a crawl that ran to its end: nothing raised


def test_program_pages_that_reached_no_seed_fail_with_the_hint(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("https://a.nonexistent.invalid/\nhttps://b.nonexistent.invalid/\n", encoding="utf-8")
    result = run_crawl("program_pages", tmp_path / "crawl", None, 60, {"PROGRAM_PAGES_SEEDS": str(seeds)})
    assert result.sources == {"program_pages": False}
    assert result.errors["program_pages"].startswith("reached none of its 2 seed sites; first: cannot resolve")
    assert result.errors["program_pages"].endswith(OFFLINE_HINT)


@pytest.mark.usefixtures("prefect_harness")
def test_a_crawl_with_a_source_failed_in_band_ends_failed_and_keeps_its_result(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("https://a.nonexistent.invalid/\n", encoding="utf-8")
    out = str(tmp_path / "crawl")
    state = crawl_task("program_pages", out, None, {"PROGRAM_PAGES_SEEDS": str(seeds)}, return_state=True)
    assert state.is_failed() and "program_pages: reached none of its 1 seed sites" in (state.message or "")
    result = state.result(raise_on_failure=False)
    assert result.spider == "program_pages" and result.sources == {"program_pages": False}


@pytest.mark.usefixtures("prefect_harness")
def test_iopdir_run_without_network_fails_within_seconds_says_why_and_loads_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole `iopdir run` with findtreatment's host unresolvable (as without network), with the
    crawl task's real retry policy: one crawl, a Failed task, the hint, the other source loaded."""
    plain = Settings.crawl_settings
    monkeypatch.setattr(
        Settings, "crawl_settings", lambda self, replay: {**plain(self, replay), "FINDTREATMENT_BASE_URL": UNRESOLVABLE}
    )
    crawls: list[str] = []

    def counted(spider: str, *args: object, **kwargs: object) -> object:
        crawls.append(spider)
        return run_crawl(spider, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(flows.refresh, "run_crawl", counted)
    db = tmp_path / "iop.duckdb"
    started = time.monotonic()
    assert main(["run", "--db", str(db), "--source", "findtreatment"]) == EXIT_FAILED
    assert time.monotonic() - started < 60
    assert crawls == ["findtreatment"]  # not retried
    out = capsys.readouterr().out
    assert "findtreatment" in out and OFFLINE_HINT in out
