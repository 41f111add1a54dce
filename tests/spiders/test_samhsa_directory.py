"""The samhsa_directory spider on a small fixture of real rows (in process and as `scrapy crawl`)."""

import json
from pathlib import Path

import pytest
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from spiders.samhsa_directory import SamhsaDirectorySpider
from spiders.tabular import cell_text
from tests.conftest import REPLAY_FIXTURE

SU_FILE = REPLAY_FIXTURE / "samhsa-national-directory-2023" / "national-directory-su-facilities-2023.xlsx"


def _spider() -> SamhsaDirectorySpider:
    crawler = get_crawler(SamhsaDirectorySpider)
    crawler.spider = crawler._create_spider()
    crawler.stats.open_spider()
    return crawler.spider


def test_replay_path_maps_urls_to_the_mirror_folder() -> None:
    spider = _spider()
    url = spider.files["samhsa_su"]
    assert spider.replay_path(url) == "samhsa-national-directory-2023/national-directory-su-facilities-2023.xlsx"
    assert spider.replay_path("https://www.samhsa.gov/robots.txt") == "samhsa-national-directory-2023/robots.txt"


def test_parse_file_yields_faithful_raw_records() -> None:
    spider = _spider()
    url = spider.files["samhsa_su"]
    items = list(spider.parse_file(Response(url=url, body=SU_FILE.read_bytes()), source="samhsa_su"))
    facilities = [i for i in items if i["record_type"] == "samhsa_facility"]
    codes = [i for i in items if i["record_type"] == "service_code"]
    assert len(facilities) == 5
    assert len(codes) == 224
    first = facilities[0]
    assert first["source"] == "samhsa_su"
    assert first["record_id"] == "Facilities List!2"
    assert first["source_file"] == "national-directory-su-facilities-2023.xlsx"
    assert first["fields"]["Name1"] == "Shelby County Treatment Center"
    assert first["fields"]["Service_code_info"].startswith("SA DT SUMH * OP OD OIT OMB ORT")
    # Headers are kept exactly as the sheet spells them.
    assert set(codes[0]["fields"]) == {
        "category_code",
        "category_name",
        "service_code",
        "service_name",
        "service_description",
    }
    assert spider.crawler.stats.get_value("iopdir/source/samhsa_su/complete") is True


def test_a_workbook_without_the_expected_sheets_leaves_the_source_incomplete(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Something Else"
    book.active.append(["a", "b"])
    path = tmp_path / "changed.xlsx"
    book.save(path)
    spider = _spider()
    items = list(
        spider.parse_file(
            Response(url="https://www.samhsa.gov/x/changed.xlsx", body=path.read_bytes()), source="samhsa_su"
        )
    )
    assert items == []
    stats = spider.crawler.stats
    assert not stats.get_value("iopdir/source/samhsa_su/complete")
    assert "sheets not found" in stats.get_value("iopdir/source/samhsa_su/error")


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), ("06810", "06810"), (35007.0, "35007"), (2.5, "2.5"), (True, "TRUE"), (" a ", " a ")],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_scrapy_crawl_against_the_replay_fixture(fixture_crawl: Path) -> None:
    stats = json.loads((fixture_crawl / "stats.json").read_text())
    assert stats["finish_reason"] == "finished"
    assert stats["iopdir/sources"] == ["samhsa_mh", "samhsa_su"]
    assert stats["iopdir/source/samhsa_su/complete"] is True
    assert stats["iopdir/source/samhsa_mh/complete"] is True
    assert stats["robotstxt/request_count"] == 1  # robots.txt is asked for, even offline
    lines = (fixture_crawl / "items.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert sum(r["record_type"] == "samhsa_facility" for r in records) == 8
    assert {r["source"] for r in records} == {"samhsa_su", "samhsa_mh"}
