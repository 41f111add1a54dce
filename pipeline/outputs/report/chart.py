"""The layout of the weekly-hours chart: where each bar, dot, tick and threshold line goes.

The chart is an inline SVG drawn by the template (`chart.svg.j2`), so the page needs no charting
library; this module only computes positions and labels, in viewBox units.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

from pipeline.outputs.report.data import HoursRow
from pipeline.outputs.report.wording import hours_text, link_host, num
from pipeline.thresholds import Thresholds

# Levels the hours chart groups by, in the order a maintainer reads them (IOP first: the point of
# the directory); a listing claiming several is its own group ("iop+php").
CHART_LEVELS = {"iop": 0, "php": 1, "op": 2}
# Beyond this many listings per level the chart draws an even sample, so the file stays small
# and the SVG readable; the caption says so.
MAX_CHART_ROWS_PER_GROUP = 300
NAME_CHARS = 52  # longer names are cut, with an ellipsis; the row's tooltip has the whole name

WIDTH = 1160  # viewBox width; the SVG scales to the page width
LABEL_W = 360  # left column with listing names
RIGHT = 80  # room for the hours text after the longest bar
ROW = 17
GROUP_HEAD = 26
TOP = 64  # threshold labels above the plot
BOTTOM = 34  # x axis


@dataclass(frozen=True)
class ChartRow:
    """One listing's row: its name label, its mark (a dot, or a bar with end caps) and hours text."""

    listing_id: str
    y: float
    cy: float
    label: str
    tip: str
    href: str | None
    mark_class: str
    dot: float | None  # x of a single value
    bar: tuple[float, float] | None  # x from, x to of a range
    dashed: bool  # open lower bound ("up to")
    arrow: str | None  # marker id on an open upper bound ("or more")
    start_cap: bool
    end_cap: bool
    value_x: float
    value: str


@dataclass(frozen=True)
class ChartGroup:
    """The listings claiming one level (or combination), with the band that heads them."""

    level: str
    y: float
    label: str
    rows: list[ChartRow]


@dataclass(frozen=True)
class ThresholdLine:
    """A labelled line at a threshold's hours; thresholds with equal values share one."""

    keys: str
    hours: str
    x: float
    tier: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything `chart.svg.j2` draws."""

    width: int
    height: int
    top: int
    label_width: int
    group_head: int
    row_height: int
    listings: int
    x0: float
    x1: float
    plot_top: float
    plot_bottom: float
    ticks: list[tuple[float, int]]  # (x, hours)
    groups: list[ChartGroup]
    thresholds: list[ThresholdLine]


def chart_group(levels: tuple[str, ...]) -> str:
    """The chart group of a listing: its claimed levels among op/iop/php, e.g. `iop` or `iop+php`."""
    ordered = sorted((lv for lv in levels if lv in CHART_LEVELS), key=CHART_LEVELS.__getitem__)
    return "+".join(ordered) or "other"


def axis_max(rows: list[HoursRow], thresholds: Thresholds) -> float:
    """The hours at the right end of the axis: a round number past every value and threshold."""
    values = [v for r in rows for v in (r.hours_min, r.hours_max) if v is not None]
    top = max([*values, thresholds.php_min, thresholds.iop_min_adult, thresholds.iop_min_adolescent]) * 1.1
    return float(min(168, max(10, math.ceil(top / 10) * 10)))


def even_sample(rows: list[HoursRow], cap: int) -> list[HoursRow]:
    """At most `cap` of `rows`, evenly spaced, in their order."""
    if len(rows) <= cap:
        return rows
    step = len(rows) / cap
    return [rows[int(i * step)] for i in range(cap)]


def threshold_values(thresholds: Thresholds) -> list[tuple[list[str], float, str]]:
    """(threshold names, hours, label) per distinct value; equal values share one line."""
    named = [
        ("iop_min_adolescent", thresholds.iop_min_adolescent, "IOP floor, youth only"),
        ("iop_min_adult", thresholds.iop_min_adult, "IOP floor, adults"),
        ("php_min", thresholds.php_min, "PHP floor"),
    ]
    by_value: dict[float, tuple[list[str], list[str]]] = {}
    for key, value, text in named:
        keys, texts = by_value.setdefault(float(value), ([], []))
        keys.append(key)
        texts.append(text)
    return [(keys, value, " / ".join(texts)) for value, (keys, texts) in sorted(by_value.items())]


class _Scale:
    """Hours -> x in viewBox units, clipped at the axis end."""

    def __init__(self, x0: float, x1: float, axis: float) -> None:
        self.x0, self.x1, self.axis = x0, x1, axis

    def __call__(self, hours: float) -> float:
        return round(self.x0 + (self.x1 - self.x0) * min(hours, self.axis) / self.axis, 1)


def hours_chart(rows: list[HoursRow], thresholds: Thresholds) -> Chart:
    """Lay out the chart of `rows` (in the order given within each group) against `thresholds`."""
    groups: dict[str, list[HoursRow]] = defaultdict(list)
    for row in rows:
        groups[chart_group(row.levels)].append(row)
    order = sorted(groups, key=lambda g: ([CHART_LEVELS.get(p, 9) for p in g.split("+")], g))
    axis = axis_max(rows, thresholds)
    x = _Scale(LABEL_W + 10, WIDTH - RIGHT, axis)
    height = TOP + BOTTOM + sum(GROUP_HEAD + ROW * min(len(groups[g]), MAX_CHART_ROWS_PER_GROUP) for g in order)
    if not rows:
        height = TOP + BOTTOM + GROUP_HEAD
    plot_bottom = height - BOTTOM
    step = 5 if axis <= 60 else 10 if axis <= 120 else 20

    laid_out: list[ChartGroup] = []
    y: float = TOP
    for group in order:
        members = groups[group]
        drawn = even_sample(members, MAX_CHART_ROWS_PER_GROUP)
        label = f"{group.upper()} — {len(members)} listing{'s' if len(members) != 1 else ''}"
        if len(drawn) < len(members):
            label += f" (an even sample of {len(drawn)} drawn)"
        head_y = y
        y += GROUP_HEAD
        chart_rows = []
        for row in drawn:
            chart_rows.append(_chart_row(row, y, x))
            y += ROW
        laid_out.append(ChartGroup(group, head_y, label, chart_rows))

    # Labels in two tiers so close values (6, 9) do not overprint each other.
    lines = [
        ThresholdLine(" ".join(keys), num(value), x(value), TOP - 40 + 16 * (i % 2), f"{num(value)} h {text}")
        for i, (keys, value, text) in enumerate(threshold_values(thresholds))
    ]
    return Chart(
        width=WIDTH,
        height=height,
        top=TOP,
        label_width=LABEL_W,
        group_head=GROUP_HEAD,
        row_height=ROW,
        listings=len(rows),
        x0=x.x0,
        x1=x.x1,
        plot_top=TOP - 6,
        plot_bottom=plot_bottom,
        ticks=[(x(tick), tick) for tick in range(0, int(axis) + 1, step)],
        groups=laid_out,
        thresholds=lines,
    )


def row_tip(row: HoursRow) -> str:
    """A row's tooltip: the whole name, source and state, the hours with their basis and spans."""
    where = f"{row.source}, {row.state}" if row.state else row.source
    tip = f"{row.name} ({where}): {hours_text(row.hours_min, row.hours_max)}"
    if row.basis:
        tip += f", {row.basis}"
    if row.spans:
        tip += " — " + " | ".join(row.spans)
    return tip


def _chart_row(row: HoursRow, y: float, x: _Scale) -> ChartRow:
    cy = y + ROW / 2
    lo, hi = row.hours_min, row.hours_max
    single = lo is not None and hi is not None and lo == hi
    start = x(0 if lo is None else lo)
    stop = x(x.axis if hi is None else hi)
    return ChartRow(
        listing_id=row.listing_id,
        y=y,
        cy=cy,
        label=row.name if len(row.name) <= NAME_CHARS else row.name[: NAME_CHARS - 1] + "…",
        tip=row_tip(row),
        href=row.url if link_host(row.url) else None,
        mark_class="mark flagged" if row.flagged else "mark",
        dot=start if single else None,
        bar=None if single else (start, stop),
        dashed=lo is None,
        arrow=("arrow-flagged" if row.flagged else "arrow") if hi is None else None,
        start_cap=lo is not None,
        end_cap=hi is not None,
        value_x=start + 6 if single else stop + 8,
        value=hours_text(lo, hi, " h"),
    )
