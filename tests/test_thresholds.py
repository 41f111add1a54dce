"""Thresholds between levels of care: defaults, population, configuration, levels reached."""

from pathlib import Path

import pytest

from pipeline.thresholds import ENV_VAR, Thresholds, load_thresholds

T = Thresholds()


@pytest.mark.parametrize(
    ("lo", "hi", "populations", "levels"),
    [
        (9, 9, (), ("iop",)),
        (43, 43, (), ("php",)),
        (20, None, (), ("php",)),
        (4, 8, (), ("op",)),
        (6, 6, ("adolescents",), ("iop",)),
        (6, 6, ("adolescents", "adults"), ("op",)),
        (4.5, 18, (), ("op", "iop")),
        (9, 25, (), ("iop", "php")),
        (None, 9, (), ("op", "iop")),
        (None, None, (), ()),
    ],
)
def test_levels_for_hours(lo: float | None, hi: float | None, populations: tuple[str, ...], levels: tuple) -> None:
    assert T.levels_for_hours(lo, hi, populations) == levels


def test_thresholds_come_from_a_file_or_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "t.toml"
    config.write_text("[thresholds]\niop_min_adult = 6\n", encoding="utf-8")
    assert load_thresholds(config) == Thresholds(iop_min_adult=6)
    monkeypatch.setenv(ENV_VAR, str(config))
    assert load_thresholds().iop_floor(["adults"]) == 6
    monkeypatch.delenv(ENV_VAR)
    assert load_thresholds() == Thresholds()


def test_bad_thresholds_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "t.toml"
    config.write_text("[thresholds]\nphp_minimum = 20\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown threshold"):
        load_thresholds(config)
    with pytest.raises(ValueError):
        Thresholds(iop_min_adult=25)
