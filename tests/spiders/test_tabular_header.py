"""A directory file whose header lacks the columns its raw model requires fails its source, naming them."""

from pathlib import Path

from openpyxl import load_workbook
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from schemas.raw import SamhsaFacilityFields, ServiceCodeFields, missing_columns
from spiders.samhsa_directory import SamhsaDirectorySpider
from tests.conftest import REPLAY_FIXTURE

SU_FILE = REPLAY_FIXTURE / "samhsa-national-directory-2023" / "national-directory-su-facilities-2023.xlsx"


def rename_header(source: Path, target: Path, sheet: str, renames: dict[str, str]) -> Path:
    """A copy of a workbook with header cells of one sheet renamed (a swap is two renames)."""
    book = load_workbook(source)
    for cell in book[sheet][1]:
        if cell.value in renames:
            cell.value = renames[cell.value]
    book.save(target)
    return target


def _parse(path: Path) -> tuple[list[dict], SamhsaDirectorySpider]:
    crawler = get_crawler(SamhsaDirectorySpider)
    crawler.spider = crawler._create_spider()
    crawler.stats.open_spider()
    spider = crawler.spider
    url = spider.files["samhsa_su"]
    return list(spider.parse_file(Response(url=url, body=path.read_bytes()), source="samhsa_su")), spider


def test_a_header_without_required_columns_fails_the_source_naming_them(tmp_path: Path) -> None:
    changed = rename_header(
        SU_FILE, tmp_path / "su.xlsx", "Facilities List", {"Name1": "Facility Name", "Service_code_info": "Services"}
    )
    items, spider = _parse(changed)
    assert items == []  # not one row of a file whose format changed
    stats = spider.crawler.stats
    assert not stats.get_value("iopdir/source/samhsa_su/complete")
    error = stats.get_value("iopdir/source/samhsa_su/error")
    assert "'Facilities List' lacks required column(s) Name1, Service_code_info" in error


def test_a_code_sheet_needs_one_spelling_of_each_required_column(tmp_path: Path) -> None:
    changed = rename_header(SU_FILE, tmp_path / "su.xlsx", "Service Code Reference", {"service_code": "code"})
    items, spider = _parse(changed)
    assert items == []
    assert "service_code or Service_code" in spider.crawler.stats.get_value("iopdir/source/samhsa_su/error")


def test_swapped_header_cells_keep_the_required_columns(tmp_path: Path) -> None:
    # The names are all there: the rows are read (and rejected on their values, which the load guard catches).
    changed = rename_header(SU_FILE, tmp_path / "su.xlsx", "Facilities List", {"City": "State", "State": "City"})
    items, spider = _parse(changed)
    assert sum(i["record_type"] == "samhsa_facility" for i in items) == 5
    assert spider.crawler.stats.get_value("iopdir/source/samhsa_su/complete") is True


def test_missing_columns() -> None:
    assert missing_columns(SamhsaFacilityFields, ["Name1", "Service_code_info"]) == []
    assert missing_columns(SamhsaFacilityFields, ["Name2", "City"]) == ["Name1", "Service_code_info"]
    assert missing_columns(ServiceCodeFields, ["Category_code", "service_code"]) == []
