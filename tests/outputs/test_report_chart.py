"""The hours chart's layout: groups, sampling, marks and the empty chart."""

from pipeline.outputs.report.chart import MAX_CHART_ROWS_PER_GROUP, chart_group, even_sample, hours_chart
from pipeline.outputs.report.data import HoursRow
from pipeline.thresholds import Thresholds


def _row(i: int, levels: tuple[str, ...], lo: float | None, hi: float | None, url: str | None = None) -> HoursRow:
    return HoursRow(f"l{i}", "s", f"Program {i}", "VA", levels, lo, hi, None, [], url)


def test_groups_are_the_claimed_levels_in_reading_order() -> None:
    assert chart_group(("php", "iop")) == "iop+php"
    assert chart_group(("op", "residential")) == "op"
    assert chart_group(()) == "other"


def test_even_sample_keeps_order_and_cap() -> None:
    rows = [_row(i, ("iop",), i, i) for i in range(10)]
    assert even_sample(rows, 20) == rows
    assert [r.listing_id for r in even_sample(rows, 4)] == ["l0", "l2", "l5", "l7"]


def test_marks_follow_the_bounds() -> None:
    rows = [
        _row(0, ("iop",), 9, 9, "https://example.org/"),
        _row(1, ("iop",), None, 12, "javascript:alert(1)"),
        _row(2, ("php",), 20, None),
    ]
    chart = hours_chart(rows, Thresholds())
    assert [g.level for g in chart.groups] == ["iop", "php"]
    single, up_to, or_more = (r for g in chart.groups for r in g.rows)
    assert single.dot is not None and single.bar is None and single.href == "https://example.org/"
    assert up_to.dashed and not up_to.start_cap and up_to.end_cap and up_to.href is None
    assert or_more.arrow == "arrow" and or_more.start_cap and not or_more.end_cap
    assert [r.value for r in (single, up_to, or_more)] == ["9 h", "up to 12 h", "20 or more h"]
    assert [t.hours for t in chart.thresholds] == ["6", "9", "20"]


def test_large_groups_are_sampled_and_an_empty_chart_has_room_for_its_note() -> None:
    rows = [_row(i, ("iop",), 5, 10) for i in range(MAX_CHART_ROWS_PER_GROUP + 50)]
    (group,) = hours_chart(rows, Thresholds()).groups
    assert len(group.rows) == MAX_CHART_ROWS_PER_GROUP and "an even sample of 300 drawn" in group.label
    empty = hours_chart([], Thresholds())
    assert empty.groups == [] and empty.height > empty.plot_bottom > empty.top
