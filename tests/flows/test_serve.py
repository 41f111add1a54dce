"""`iopdir serve` refuses what would not work, before registering anything (issue 20): a
register-only without a Prefect server to keep the deployment, a time zone zoneinfo does not know;
and its --source takes a source's name for its spider, as `run` does."""

from pathlib import Path
from uuid import uuid4

import pytest
from prefect.deployments.runner import RunnerDeployment
from prefect.settings import PREFECT_API_URL, temporary_settings

import flows.deploy
from flows.cli import main
from flows.cli.common import EXIT_OK, EXIT_USAGE


def test_register_only_without_a_prefect_server_refuses_with_the_two_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert main(["serve", "--register-only", "--db", str(tmp_path / "iop.duckdb")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "prefect server start" in err
    assert "prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api" in err


def test_an_unknown_time_zone_is_named_not_the_cron(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["serve", "--register-only", "--timezone", "America/Nowhere", "--db", str(tmp_path / "iop.duckdb")]
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "unknown time zone 'America/Nowhere'" in err and "cron" not in err


def test_serve_source_takes_a_source_name_for_its_spider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    registered: list[RunnerDeployment] = []

    def register(deployment: RunnerDeployment) -> object:
        registered.append(deployment)
        return uuid4()

    monkeypatch.setattr(flows.deploy, "register", register)
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        argv = ["serve", "--register-only", "--source", "samhsa_su", "ny_omh", "--db", str(tmp_path / "iop.duckdb")]
        assert main(argv) == EXIT_OK
    [deployment] = registered
    assert deployment.parameters["spiders"] == ["samhsa_directory", "ny_omh"]
    assert "scheduled '0 3 * * 1'" in capsys.readouterr().out
