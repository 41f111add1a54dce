"""Configuration: defaults, a TOML file, environment variables, and the CLI using them."""

from pathlib import Path

import pytest

from flows.cli import main
from flows.config import CONFIG_ENV, Settings, load_settings
from flows.crawl import DEFAULT_SPIDERS
from pipeline.thresholds import load_thresholds


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("IOPDIR_DB", "IOPDIR_SOURCES", "IOPDIR_CONTACT", "IOPDIR_THROTTLE__DOWNLOAD_DELAY", CONFIG_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no iopdir.toml of the repository or the user's in play


def test_defaults() -> None:
    settings = load_settings()
    assert (settings.db, settings.sources) == ("iop.duckdb", list(DEFAULT_SPIDERS))
    assert settings.thresholds.php_min == 20
    assert settings.crawl_settings(replay=True) == {"USER_AGENT": settings.user_agent}
    assert settings.crawl_settings(replay=False)["DOWNLOAD_DELAY"] == "1.0"


def test_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "site.toml"
    config.write_text(
        'db = "/data/iop.duckdb"\nsources = ["ny_omh"]\ncontact = "mailto:data@example.org"\n'
        "[throttle]\ndownload_delay = 3\n[thresholds]\niop_min_adult = 6\n",
        encoding="utf-8",
    )
    monkeypatch.setenv(CONFIG_ENV, str(config))
    settings = load_settings()
    assert (settings.db, settings.sources, settings.throttle.download_delay) == ("/data/iop.duckdb", ["ny_omh"], 3)
    assert "mailto:data@example.org" in settings.user_agent
    # The same file's [thresholds] table is what the flag step reads.
    assert load_thresholds(config).iop_min_adult == settings.thresholds.iop_min_adult == 6
    monkeypatch.setenv("IOPDIR_DB", "/elsewhere.duckdb")
    monkeypatch.setenv("IOPDIR_THROTTLE__DOWNLOAD_DELAY", "5")
    settings = load_settings()
    assert (settings.db, settings.throttle.download_delay) == ("/elsewhere.duckdb", 5)


def test_iopdir_toml_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / "iopdir.toml").write_text('db = "here.duckdb"\n', encoding="utf-8")
    assert Settings().db == "here.duckdb"


def test_the_cli_uses_the_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IOPDIR_DB", str(tmp_path / "configured.duckdb"))
    assert main(["query", "SELECT 1"]) == 2
    assert "configured.duckdb" in capsys.readouterr().err
    monkeypatch.setenv("IOPDIR_CONTACT", "nobody")
    assert main(["query", "SELECT 1"]) == 2
    assert "contact" in capsys.readouterr().err


def test_iopdir_config_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/operations.md: "iopdir.toml in the working directory, or the file $IOPDIR_CONFIG names".
    (tmp_path / "iopdir.toml").write_text('db = "here.duckdb"\n', encoding="utf-8")
    named = tmp_path / "elsewhere.toml"
    named.write_text('db = "named.duckdb"\n', encoding="utf-8")
    monkeypatch.setenv("IOPDIR_CONFIG", str(named))
    assert load_settings().db == "named.duckdb"
