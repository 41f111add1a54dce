"""Seeding program_pages with the websites the directories give, and seed files."""

from pathlib import Path

import pytest

from flows.crawl import crawl_command
from flows.refresh import spider_settings
from pipeline.normalize import run as normalize
from pipeline.store.queries import website_roots
from spiders.program_pages import ProgramPagesSpider
from tests.helpers import normalize_and_load, program_normalizer, program_records, write_items


def test_websites_of_the_database_seed_live_crawls_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
    records = program_records({"A": ("iop", "x"), "B": ("php", "y"), "C": ("iop", "z")})
    records[0]["fields"]["website"] = "https://www.Alpha.org/programs/iop"
    records[1]["fields"]["website"] = "http://alpha.org/"
    records[2]["fields"]["website"] = "https://beta.org"
    db = tmp_path / "w.duckdb"
    normalize_and_load(write_items(tmp_path / "i" / "items.jsonl", records), db, "r1")
    assert website_roots(db) == ["https://beta.org/", "https://www.Alpha.org/"]
    assert website_roots(db, exclude_source="pages") == []
    assert website_roots(tmp_path / "missing.duckdb") == []

    settings = spider_settings("program_pages", str(db), tmp_path / "run", None)
    seeds = Path(settings["PROGRAM_PAGES_SEEDS"]).read_text(encoding="utf-8").split()
    assert seeds == ["https://beta.org/", "https://www.Alpha.org/"]
    assert spider_settings("program_pages", str(db), tmp_path / "run", "/mirror") == {}
    assert spider_settings("ny_omh", str(db), tmp_path / "run", None) == {}
    command = crawl_command("program_pages", tmp_path, None, settings)
    assert command[-2:] == ["-s", f"PROGRAM_PAGES_SEEDS={settings['PROGRAM_PAGES_SEEDS']}"]


def test_seed_files_are_read_and_deduplicated(tmp_path: Path) -> None:
    from scrapy.utils.test import get_crawler

    (tmp_path / "a.txt").write_text("# comment\nhttps://a.org/\nhttps://b.org/\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("https://b.org/\n\nhttps://c.org/\n", encoding="utf-8")
    crawler = get_crawler(ProgramPagesSpider, {"PROGRAM_PAGES_SEEDS": f"{tmp_path / 'a.txt'},{tmp_path / 'b.txt'}"})
    crawler.spider = crawler._create_spider()
    assert crawler.spider.seeds() == ["https://a.org/", "https://b.org/", "https://c.org/"]
