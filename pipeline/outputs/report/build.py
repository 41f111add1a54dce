"""A self-contained HTML report of the database for directory maintainers.

`write_report` reads the DuckDB file read-only in a few bulk queries (`data`) and writes one static
HTML file from the Jinja2 template `report.html.j2`: counts of active listings by source and state,
an inline SVG chart of weekly program hours by claimed level of care against the IOP/PHP thresholds
(`chart`), and the open level-of-care flags with their evidence and links to the source pages,
filterable by state and rule.

The file needs no network to be viewed: the template inlines the CSS (`report.css`), the small
filter script (`report.js`) and the chart, and a Content-Security-Policy forbids loading anything
else. Every text from the database came from the web (names, schedule spans, URLs), so the
template engine escapes all of it (autoescaping is on), and only http(s) URLs become links.
"""

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from pipeline.outputs.files import safe_file
from pipeline.outputs.report import data as report_data
from pipeline.outputs.report.chart import hours_chart
from pipeline.outputs.report.data import ReportData, read_report_data
from pipeline.outputs.report.glance import glance
from pipeline.outputs.report.wording import grouped, hours_text, link_host, num, when
from pipeline.thresholds import Thresholds

TEMPLATE = "report.html.j2"

#: The parts of the page a reader (or a check in a browser) can find by id.
ELEMENT_IDS = (
    "generated-at",
    "counts-by-source",
    "counts-by-state",
    "hours-chart",
    "flags",
    "filter-state",
    "filter-rule",
    "state-map",
    "flags-by-confidence",
)


def _json_text(value: object) -> str:
    """A JSON value as readable text (not ASCII-escaped); the template escapes it for HTML."""
    return json.dumps(value, ensure_ascii=False)


def _finalize(value: object) -> object:
    """What `{{ value }}` prints: nothing for a missing value (None), never the word "None"."""
    return "" if value is None else value


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report's templates (next to this module), autoescaping all of them."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        num=num,
        grouped=grouped,
        when=when,
        hours_text=hours_text,
        link_host=link_host,
        json_text=_json_text,
        record_id_to_show=report_data.record_id_to_show,
    )
    return env


def report_state_href(state: str) -> str:
    """A state's tile in the report: a fragment the page's script turns into the state filter."""
    return f"#state={state}"


def render_html(data: ReportData, thresholds: Thresholds, generated_at: datetime) -> str:
    """The whole report as one HTML document."""
    total = sum(n for _, _, n in data.counts)
    sources = report_data.source_order(data.counts)
    states = {st for _, st, _ in data.counts if st}
    cards: list[tuple[str, str]] = [
        (grouped(total), "active listings"),
        (str(len(sources)), "sources"),
        (str(len(states)), "states"),
        (str(len(data.hours)), "listings with hours"),
        (str(len(data.flags)), "open flags"),
    ]
    context: dict[str, Any] = {
        "run": data.run,
        "generated_at": generated_at,
        "thresholds": thresholds,
        "cards": cards,
        "total": total,
        "sources": sources,
        "states": states,
        "by_source": report_data.counts_by_source(data.counts),
        "by_state": report_data.counts_by_state(data.counts),
        "chart": hours_chart(data.hours, thresholds),
        "flags": data.flags,
        "reviewed": report_data.reviewed_text(data.reviewed),
        "flags_lag": data.flags_lag,
        "by_rule": report_data.flags_by_rule(data.flags),
        "state_options": report_data.state_options(data.flags),
        "rule_options": report_data.rule_options(data.flags),
        "no_state": report_data.NO_STATE,
        "glance": glance(data.flags),
        "state_href": report_state_href,
    }
    return environment().get_template(TEMPLATE).render(context) + "\n"


def write_report(db_path: str | Path, out_path: str | Path, thresholds: Thresholds | None = None) -> dict[str, int]:
    """Write the maintainers' HTML report of `db_path` to `out_path`; returns what it counted.

    The database is opened read-only. `thresholds` (default: the built-in ones) are the lines on
    the hours chart; pass the ones the run flagged with.
    """
    data = read_report_data(db_path)
    page = render_html(data, thresholds or Thresholds(), datetime.now(UTC))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a reader never sees half a report, and a link at `out` is replaced,
    # not written through.
    with safe_file(out) as handle:
        handle.write(page)
    return {
        "listings": sum(n for _, _, n in data.counts),
        "sources": len({s for s, _, _ in data.counts}),
        "states": len({st for _, st, _ in data.counts if st}),
        "charted": len(data.hours),
        "open_flags": len(data.flags),
        "reviewed_flags": sum(data.reviewed.values()),
    }
