"""Fixtures of the flow tests: a Prefect test server per module, crawls without retry delays."""

from collections.abc import Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness

import flows.refresh


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """A temporary Prefect server for the flow runs (use with `pytest.mark.usefixtures`).

    One for the session: each start costs about 9 s, and the flow tests tell their runs apart by
    their own databases and work folders, never by what else the server holds.
    """
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def no_crawl_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Crawls fail at once: retries are for flaky networks, and a test's failures are deterministic."""
    monkeypatch.setattr(flows.refresh, "crawl_task", flows.refresh.crawl_task.with_options(retries=0))
