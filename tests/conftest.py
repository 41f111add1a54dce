"""Shared test setup: paths of the real data and the project's fixtures, and crawl helpers."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# No telemetry from any Prefect server a test starts.
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).parent / "fixtures"
REPLAY_FIXTURE = FIXTURES / "replay"


def run_scrapy(spider: str, out_dir: Path, replay_dir: Path) -> subprocess.CompletedProcess[str]:
    """Crawl `spider` against a replay folder exactly as the flow does."""
    from flows.crawl import crawl_command, crawl_env

    out_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        crawl_command(spider, out_dir, replay_dir),
        cwd=ROOT,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="session")
def fixture_crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samhsa_directory spider's output on the project's small replay fixture."""
    out = tmp_path_factory.mktemp("fixture_crawl")
    completed = run_scrapy("samhsa_directory", out, REPLAY_FIXTURE)
    assert completed.returncode == 0, completed.stderr
    return out


@pytest.fixture(scope="session")
def national_crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samhsa_directory spider's output on the real 2023 directories in ../shared/data."""
    assert SHARED_DATA.is_dir(), f"the shared data folder is missing: {SHARED_DATA}"
    out = tmp_path_factory.mktemp("national_crawl")
    completed = run_scrapy("samhsa_directory", out, SHARED_DATA)
    assert completed.returncode == 0, completed.stderr
    return out


@pytest.fixture(scope="session", autouse=True)
def stop_temporary_prefect_servers() -> Iterator[None]:
    """Stop the temporary Prefect servers in-process CLI runs started, while logging still works.

    Prefect stops them at interpreter exit otherwise, after pytest has closed the streams its log
    handlers write to, which prints a logging error after the test summary.
    """
    yield
    if "prefect.server.api.server" in sys.modules:  # never import Prefect just for this
        from prefect.server.api.server import SubprocessASGIServer

        for server in list(SubprocessASGIServer._instances.values()):
            server.stop()
