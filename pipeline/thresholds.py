"""Weekly-hour thresholds between levels of care: the one place they live.

Defaults follow `../shared/docs/domain.md` §1 (ASAM 3rd ed., Medicare): IOP from 9 h/week for
adults and 6 h/week for adolescents, PHP from 20 h/week. States and payers differ (Idaho's MH IOP
floor is 6 h for adults), so a deployment may override them with a TOML file:

    [thresholds]
    iop_min_adult = 9
    iop_min_adolescent = 6
    php_min = 20

given as `--thresholds FILE` or the `IOPDIR_THRESHOLDS` environment variable.
"""

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from schemas.vocab import LevelOfCare, Population

ENV_VAR = "IOPDIR_THRESHOLDS"
_YOUTH = (Population.ADOLESCENTS, Population.CHILDREN)
_OLDER = (Population.ADULTS, Population.YOUNG_ADULTS, Population.SENIORS)


@dataclass(frozen=True)
class Thresholds:
    """Hours per week at which a program reaches IOP and PHP intensity."""

    iop_min_adult: float = 9.0
    iop_min_adolescent: float = 6.0
    php_min: float = 20.0

    def __post_init__(self) -> None:
        if not 0 < self.iop_min_adolescent <= self.php_min or not 0 < self.iop_min_adult <= self.php_min:
            raise ValueError(f"thresholds must satisfy 0 < IOP floor <= PHP floor, got {self}")

    def iop_floor(self, populations: Iterable[str] = ()) -> float:
        """The IOP floor for a program serving `populations`: the adolescent one only when it serves
        adolescents or children and no adults (groups such as veterans do not count either way)."""
        served = set(populations)
        if served & set(_YOUTH) and not served & set(_OLDER):
            return self.iop_min_adolescent
        return self.iop_min_adult

    def sql_iop_floor(self, column: str) -> str:
        """`iop_floor` as a SQL expression over a VARCHAR[] column of populations."""
        youth = ", ".join(f"'{p.value}'" for p in _YOUTH)
        older = ", ".join(f"'{p.value}'" for p in _OLDER)
        return (
            f"CASE WHEN list_has_any({column}, [{youth}]) AND NOT list_has_any({column}, [{older}])"
            f" THEN {float(self.iop_min_adolescent)} ELSE {float(self.iop_min_adult)} END"
        )

    def levels_for_hours(
        self, lo: float | None, hi: float | None, populations: Iterable[str] = ()
    ) -> tuple[LevelOfCare, ...]:
        """The levels of care a weekly-hours range reaches, lowest first; () when nothing is known.

        (9, 9) -> (iop,); (9, 25) -> (iop, php): a range that only reaches 20 h is ambiguous.
        """
        if lo is None and hi is None:
            return ()
        floor = self.iop_floor(populations)
        low = 0.0 if lo is None else lo
        high = float("inf") if hi is None else hi
        levels = []
        if low < floor:
            levels.append(LevelOfCare.OP)
        if low < self.php_min and high >= floor:
            levels.append(LevelOfCare.IOP)
        if high >= self.php_min:
            levels.append(LevelOfCare.PHP)
        return tuple(levels)


def load_thresholds(path: str | os.PathLike[str] | None = None) -> Thresholds:
    """Thresholds from `path`, else from the file named by $IOPDIR_THRESHOLDS, else the defaults."""
    source = path or os.environ.get(ENV_VAR)
    if not source:
        return Thresholds()
    return Thresholds(**read_threshold_table(source))


def read_threshold_table(path: str | os.PathLike[str]) -> dict[str, float]:
    """The `[thresholds]` table of a TOML file, only the values it sets.

    Raises `OSError` for a file that cannot be read, `ValueError` for one that is not TOML, names
    an unknown threshold or gives one that is not a number.
    """
    with Path(path).open("rb") as handle:
        table = tomllib.load(handle).get("thresholds", {})
    known = {f.name for f in fields(Thresholds)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ValueError(f"{path}: unknown threshold(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    try:
        return {k: float(v) for k, v in table.items()}
    except (TypeError, ValueError):
        raise ValueError(f"{path}: thresholds must be numbers of hours, got {table}") from None
