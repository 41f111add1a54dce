"""Open flags at a glance: a tile-grid map of the states and a table of open flags by rule and confidence.

Plain data for the `glance.html.j2` macro, which both the report and `iopdir ui` render. The map is
the usual US tile grid: one square per state, DC and Puerto Rico, placed roughly where it lies, all
the same size so a small state with many flags is as visible as a large one.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from schemas.vocab import CONFIDENCE_RANK

#: Rows of the tile grid, west to east; a column index per state (11 columns, 8 rows).
GRID_ROWS: tuple[dict[str, int], ...] = (
    {"AK": 0, "ME": 10},
    {"VT": 9, "NH": 10},
    {"WA": 0, "ID": 1, "MT": 2, "ND": 3, "MN": 4, "IL": 5, "WI": 6, "MI": 7, "NY": 8, "RI": 9, "MA": 10},
    {"OR": 0, "NV": 1, "WY": 2, "SD": 3, "IA": 4, "IN": 5, "OH": 6, "PA": 7, "NJ": 8, "CT": 9},
    {"CA": 0, "UT": 1, "CO": 2, "NE": 3, "MO": 4, "KY": 5, "WV": 6, "VA": 7, "MD": 8, "DE": 9},
    {"AZ": 1, "NM": 2, "KS": 3, "AR": 4, "TN": 5, "NC": 6, "SC": 7, "DC": 8},
    {"OK": 3, "LA": 4, "MS": 5, "AL": 6, "GA": 7},
    {"HI": 0, "TX": 3, "FL": 8, "PR": 10},
)
TILE = 40  # pixels per tile, gap included
GAP = 4
#: Colour classes: 0 for no open flags, then 1..LEVELS by the share of the busiest state's count.
LEVELS = 4
UNKNOWN = "unknown"  # the column of flags without a confidence (from an older version)


@dataclass(frozen=True)
class Tile:
    """One state's square: where it goes, its open flags and its colour class (0: none)."""

    state: str
    x: int
    y: int
    flags: int
    level: int


@dataclass(frozen=True)
class RuleRow:
    """Open flags of one rule, by confidence in `Glance.confidences` order, and in all."""

    rule_id: str
    by_confidence: tuple[int, ...]
    flags: int


@dataclass(frozen=True)
class Glance:
    """What the glance macro draws."""

    tiles: tuple[Tile, ...]
    width: int
    height: int
    confidences: tuple[str, ...]
    rules: tuple[RuleRow, ...]
    total: int
    elsewhere: int  # open flags on listings with no state, or a state the grid does not have


def _level(n: int, most: int) -> int:
    if n <= 0 or most <= 0:
        return 0
    return max(1, min(LEVELS, -(-n * LEVELS // most)))


def glance(flags: list[dict[str, Any]]) -> Glance:
    """The map and the table for these flags (pass the open ones)."""
    by_state = Counter(f.get("state") for f in flags)
    most = max((by_state[st] for row in GRID_ROWS for st in row), default=0)
    tiles = tuple(
        Tile(st, col * TILE, y * TILE, by_state[st], _level(by_state[st], most))
        for y, row in enumerate(GRID_ROWS)
        for st, col in sorted(row.items(), key=lambda kv: kv[1])
    )
    on_map = sum(t.flags for t in tiles)
    confidences = (*CONFIDENCE_RANK, UNKNOWN)
    cells = Counter((f["rule_id"], f.get("confidence") or UNKNOWN) for f in flags)
    rules = tuple(
        RuleRow(rule, counts := tuple(cells[rule, c] for c in confidences), sum(counts))
        for rule in sorted({f["rule_id"] for f in flags})
    )
    shown = tuple(c for i, c in enumerate(confidences) if any(r.by_confidence[i] for r in rules) or c != UNKNOWN)
    rules = tuple(
        RuleRow(r.rule_id, tuple(n for c, n in zip(confidences, r.by_confidence, strict=True) if c in shown), r.flags)
        for r in rules
    )
    width = 1 + max(max(row.values()) for row in GRID_ROWS)
    return Glance(tiles, width * TILE - GAP, len(GRID_ROWS) * TILE - GAP, shown, rules, len(flags), len(flags) - on_map)
