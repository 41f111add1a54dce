"""The guard's limits and `accept_drop` are settings (file, environment); `iopdir run --accept-drop` adds to them."""

from pathlib import Path
from typing import Any

import pytest

import flows.refresh
from flows.cli import main
from flows.config import CONFIG_ENV, load_settings
from pipeline.store.guard import GuardLimits
from pipeline.store.load import LoadCounts


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("IOPDIR_GUARD__MAX_GONE_SHARE", "IOPDIR_ACCEPT_DROP", "IOPDIR_SOURCES", CONFIG_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert (settings.guard, settings.accept_drop) == (GuardLimits(), [])
    assert (settings.guard.max_gone_share, settings.guard.max_reject_rate, settings.guard.min_seen_share) == (
        0.10,
        0.05,
        0.80,
    )
    (tmp_path / "iopdir.toml").write_text('accept_drop = ["ny_omh"]\n[guard]\nmin_rows = 50\n', encoding="utf-8")
    settings = load_settings()
    assert (settings.guard.min_rows, settings.accept_drop) == (50, ["ny_omh"])
    monkeypatch.setenv("IOPDIR_GUARD__MAX_GONE_SHARE", "0.25")
    monkeypatch.setenv("IOPDIR_ACCEPT_DROP", '["samhsa_su"]')
    settings = load_settings()
    assert (settings.guard.max_gone_share, settings.guard.min_rows, settings.accept_drop) == (0.25, 50, ["samhsa_su"])


def test_a_bad_limit_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("IOPDIR_GUARD__MAX_GONE_SHARE", "1.5")
    assert main(["query", "SELECT 1"]) == 2
    assert "max_gone_share" in capsys.readouterr().err


def test_run_passes_the_limits_and_every_accepted_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_refresh(**parameters: Any) -> flows.refresh.RunSummary:
        calls.append(parameters)
        held = LoadCounts(source="samhsa_su", status="held", message="held, nothing retired: …")
        return flows.refresh.RunSummary("r1", parameters["db_path"], "failed", [held])

    monkeypatch.setattr(flows.refresh, "run_refresh", fake_refresh)
    monkeypatch.setenv("IOPDIR_ACCEPT_DROP", '["ny_omh"]')
    argv = ["run", "--db", str(tmp_path / "x.duckdb"), "--accept-drop", "samhsa_su", "--accept-drop", "nope"]
    assert main(argv) == 1  # a held source fails the run
    [parameters] = calls
    assert parameters["accept_drop"] == ["nope", "ny_omh", "samhsa_su"]
    assert parameters["guard"] == GuardLimits().model_dump()
    captured = capsys.readouterr()
    assert "held" in captured.out
    assert "--accept-drop names no source of this run: nope" in captured.err


@pytest.mark.parametrize("limit", sorted(GuardLimits.model_fields))
def test_every_limit_is_set_by_its_documented_variable(limit: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # docs/reliability.md: `IOPDIR_GUARD__` + the limit's name in capitals.
    value = "7" if limit == "min_rows" else "0.5"
    monkeypatch.setenv(f"IOPDIR_GUARD__{limit.upper()}", value)
    assert getattr(load_settings().guard, limit) == float(value)
