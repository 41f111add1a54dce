"""Sharding program_pages: N workers split the seed sites disjointly and together crawl them all."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from flows.crawl import CrawlFailed, crawl_env, run_crawl
from spiders.program_pages import ProgramPagesSpider, parse_shard, shard_of, site_of
from tests.conftest import REPLAY_FIXTURE, ROOT
from tests.helpers import read_items

# Made-up sites; www., upper case and deep paths must not move a site to another shard.
SITES = [f"https://provider{n}.example/" for n in range(34)] + [
    "https://www.provider1.example/programs/iop",
    "http://PROVIDER2.example/",
    "https://clinic.test/",
    "https://www.clinic-two.test/php",
    "https://day-treatment.org/",
    "https://sub.provider3.example/",
]


def _seeds(tmp_path: Path, setting: str | None, **spider_args: str) -> list[str]:
    """The seeds a spider with that shard setting (or spider argument) requests."""
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("\n".join(SITES) + "\n", encoding="utf-8")
    settings = {"PROGRAM_PAGES_SEEDS": str(seeds), **({"PROGRAM_PAGES_SHARD": setting} if setting else {})}
    crawler = get_crawler(ProgramPagesSpider, settings)
    crawler.spider = crawler._create_spider(**spider_args)
    index, count = crawler.spider.selected_shard()
    return [url for url in crawler.spider.seeds() if shard_of(url, count) == index]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_shards_split_the_seeds_disjointly(tmp_path: Path, count: int) -> None:
    shards = [_seeds(tmp_path, f"{index}/{count}") for index in range(1, count + 1)]
    assert sorted(url for shard in shards for url in shard) == sorted(SITES)  # every seed once: a partition
    for index, shard in enumerate(shards, start=1):
        assert {shard_of(url, count) for url in shard} <= {index}
    # A site never straddles two shards, so following its links stays inside one worker.
    sites = [{site_of(url) for url in shard} for shard in shards]
    assert sum(len(s) for s in sites) == len(set().union(*sites))
    if count > 1:
        assert all(len(shard) < len(SITES) for shard in shards)  # the hash actually spreads the sites


def test_the_spider_argument_overrides_the_setting(tmp_path: Path) -> None:
    assert _seeds(tmp_path, "1/2", shard="2/2") == _seeds(tmp_path, "2/2")
    assert _seeds(tmp_path, None) == SITES


def test_the_shard_of_a_site_is_stable() -> None:
    # sha1, not hash(): the same in every process, so every worker agrees on the split.
    assert [shard_of("https://alpha.example/", 2), shard_of("https://Beta.example/", 2)] == [2, 1]
    assert shard_of("https://www.alpha.example/iop", 2) == shard_of("http://ALPHA.example/", 2) == 2


@pytest.mark.parametrize("value", ["0/3", "4/3", "x", "1/0", "2", "-1/3", ""])
def test_invalid_shards_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="invalid shard"):
        parse_shard(value)


def test_parse_shard() -> None:
    assert parse_shard("2/4") == (2, 4)
    assert parse_shard(" 1 / 1 ") == (1, 1)


def _crawl(out: Path, shard: str | None) -> tuple[list[str], dict[str, object]]:
    result = run_crawl("program_pages", out, REPLAY_FIXTURE, 300, {"PROGRAM_PAGES_SHARD": shard} if shard else None)
    # Each item whole but for its fetch time, which differs between crawls.
    items = [{k: v for k, v in i.items() if k != "fetched_at"} for i in read_items(Path(result.items_path))]
    return sorted(json.dumps(i, sort_keys=True) for i in items), result.stats


def test_two_shards_crawl_what_the_whole_crawl_does(tmp_path: Path) -> None:
    whole, whole_stats = _crawl(tmp_path / "whole", None)
    first, first_stats = _crawl(tmp_path / "1", "1/2")
    second, second_stats = _crawl(tmp_path / "2", "2/2")
    assert len(whole) == 3 and first and second  # the fixture's two sites fall in different shards
    assert sorted(first + second) == whole
    assert whole_stats["iopdir/source/program_pages/sample"] is False
    assert whole_stats["iopdir/source/program_pages/shard"] == "1/1"
    for shard, stats in (("1/2", first_stats), ("2/2", second_stats)):
        # A shard proves no listing gone: the store reads it as a sample.
        assert stats["iopdir/source/program_pages/sample"] is True
        assert stats["iopdir/source/program_pages/shard"] == shard
        assert stats["iopdir/source/program_pages/complete"] is True
        assert stats["iopdir/source/program_pages/seeds"] == 1
        assert stats["iopdir/source/program_pages/other_shards"] == 1


def test_an_invalid_shard_fails_the_crawl(tmp_path: Path) -> None:
    with pytest.raises(CrawlFailed, match="start_error"):
        run_crawl("program_pages", tmp_path, REPLAY_FIXTURE, 300, {"PROGRAM_PAGES_SHARD": "4/3"})
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert stats["finish_reason"] == "start_error"
    assert stats["iopdir/source/program_pages/complete"] is False
    assert "invalid shard '4/3'" in stats["iopdir/source/program_pages/error"]
    assert not (tmp_path / "items.jsonl").read_text(encoding="utf-8").strip()  # no seed was requested


def test_the_documented_shard_command_writes_its_stats_file(tmp_path: Path) -> None:
    # docs/scaling.md's command for worker I of N, on the fixture mirror instead of the network.
    run = tmp_path / "run" / "program_pages-1"
    run.mkdir(parents=True)
    seeds = REPLAY_FIXTURE / "program-pages-replay" / "seeds.txt"
    command = [sys.executable, "-m", "scrapy", "crawl", "program_pages", "-s", "PROGRAM_PAGES_SHARD=1/1"]
    command += ["-s", f"PROGRAM_PAGES_SEEDS={seeds}", "-O", f"{run}/items.jsonl:jsonlines"]
    command += ["-s", f"IOPDIR_STATS_FILE={run}/stats.json", "-s", f"LOG_FILE={run}/crawl.log"]
    command += ["-s", f"IOPDIR_REPLAY_DIR={REPLAY_FIXTURE}", "-s", "AUTOTHROTTLE_ENABLED=False"]
    completed = subprocess.run(command, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    stats = json.loads((run / "stats.json").read_text(encoding="utf-8"))
    assert stats["iopdir/source/program_pages/shard"] == "1/1"
    assert stats["iopdir/source/program_pages/complete"] is True
    assert read_items(run / "items.jsonl")
