"""Fixtures of the HSDS tests: the test database (tests/outputs/hsds_data.py) and its export."""

from pathlib import Path

import pytest

from pipeline.outputs.hsds import export_hsds
from tests.outputs.hsds_data import build_db


@pytest.fixture(scope="session")
def hsds_db(fixture_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture crawl plus programs with schedules and a flag, normalized, linked and flagged."""
    root = tmp_path_factory.mktemp("hsds")
    return build_db(root / "h.duckdb", root / "items", fixture_crawl)


@pytest.fixture(scope="session")
def exported(hsds_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The HSDS export of every facility of `hsds_db` (treat as read-only) and its row counts.

    Every facility, so the mapping is tested on listings of every level; tests/outputs/test_hsds_scope.py
    tests which facilities the default export leaves out.
    """
    out = tmp_path_factory.mktemp("hsds_out")
    return out, export_hsds(hsds_db, out, all_facilities=True)
