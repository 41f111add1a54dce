"""A self-contained HTML report of the database for directory maintainers.

`write_report` reads the DuckDB file read-only in a few bulk queries and writes one static HTML
file: counts of active listings by source and state, an inline SVG chart of weekly program hours
by claimed level of care against the IOP/PHP thresholds, and the open level-of-care flags with
their evidence and links to the source pages, filterable by state and rule.

The file needs no network to be viewed: CSS, the small filter script and the chart are inline,
and a Content-Security-Policy forbids loading anything else. Every text from the database came
from the web (names, schedule spans, URLs), so all of it is escaped, and only http(s) URLs
become links.
"""

import html
import json
import math
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pipeline.store.connection import connect
from pipeline.thresholds import Thresholds

SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
# Levels the hours chart groups by, in the order a maintainer reads them (IOP first: the point of
# the directory); a listing claiming several is its own group ("iop+php").
CHART_LEVELS = {"iop": 0, "php": 1, "op": 2}
# Beyond this many listings per level the chart draws an even sample, so the file stays small
# and the SVG readable; the caption says so.
MAX_CHART_ROWS_PER_GROUP = 300
NO_STATE = "none"

# Inline only: nothing may be fetched when the file is opened (links to source pages are
# navigations, which this policy does not govern).
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

#: The parts of the page a reader (or a check in a browser) can find by id.
ELEMENT_IDS = (
    "generated-at",
    "counts-by-source",
    "counts-by-state",
    "hours-chart",
    "flags",
    "filter-state",
    "filter-rule",
)


@dataclass
class HoursRow:
    """One listing with weekly hours, as the chart draws it."""

    listing_id: str
    source: str
    name: str
    state: str | None
    levels: tuple[str, ...]
    hours_min: float | None
    hours_max: float | None
    basis: str | None
    spans: list[str]
    url: str | None
    flagged: bool = False

    @property
    def group(self) -> str:
        """The chart group: the claimed levels among op/iop/php, e.g. `iop` or `iop+php`."""
        levels = sorted((lv for lv in self.levels if lv in CHART_LEVELS), key=CHART_LEVELS.__getitem__)
        return "+".join(levels) or "other"


@dataclass
class ReportData:
    """Everything the report shows, read from the database in one go."""

    run: dict[str, Any] | None
    counts: list[tuple[str, str | None, int]]  # (source, state, active listings)
    hours: list[HoursRow]
    flags: list[dict[str, Any]]  # open flags, most severe first
    reviewed: Counter[str] = field(default_factory=Counter)  # active flags by non-open status


def write_report(db_path: str | Path, out_path: str | Path, thresholds: Thresholds | None = None) -> dict[str, int]:
    """Write the maintainers' HTML report of `db_path` to `out_path`; returns what it counted.

    The database is opened read-only. `thresholds` (default: the built-in ones) are the lines on
    the hours chart; pass the ones the run flagged with.
    """
    data = read_report_data(db_path)
    page = render_html(data, thresholds or Thresholds(), datetime.now(UTC))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a reader never sees half a report.
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return {
        "listings": sum(n for _, _, n in data.counts),
        "sources": len({s for s, _, _ in data.counts}),
        "states": len({st for _, st, _ in data.counts if st}),
        "charted": len(data.hours),
        "open_flags": len(data.flags),
        "reviewed_flags": sum(data.reviewed.values()),
    }


def read_report_data(db_path: str | Path) -> ReportData:
    """Read what the report needs from the database, read-only, in four bulk queries."""
    con = connect(db_path, read_only=True)
    try:
        run_row = con.execute(
            "SELECT run_id, started_at, finished_at, status FROM runs ORDER BY started_at DESC NULLS LAST LIMIT 1"
        ).fetchone()
        counts = con.execute(
            "SELECT source, state, count(*) FROM listings WHERE active GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        hours_rows = con.execute(
            """
            SELECT listing_id, source, name || coalesce(' / ' || name2, '') AS name, state,
                   coalesce(levels_of_care, []), hours_min, hours_max, hours_basis,
                   coalesce(hours_evidence, []), source_url
            FROM listings
            WHERE active AND (hours_min IS NOT NULL OR hours_max IS NOT NULL)
            ORDER BY coalesce(hours_min, 0), coalesce(hours_max, hours_min), name, listing_id
            """
        ).fetchall()
        result = con.execute(
            """
            SELECT flag_id, listing_id, rule_id, rule_version, severity, status, reopened, source, name, name2,
                   city, state, message, evidence, source_url, source_record_id, first_seen, source_codes
            FROM flags
            WHERE active
            ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, rule_id,
                     state NULLS LAST, name, flag_id
            """
        )
        columns = [d[0] for d in result.description or []]
        flag_rows = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()
    run = dict(zip(("run_id", "started_at", "finished_at", "status"), run_row, strict=True)) if run_row else None
    flags = [f for f in flag_rows if f["status"] == "open"]
    for flag in flags:
        flag["evidence"] = json.loads(flag["evidence"]) if flag["evidence"] else {}
    flagged = {f["listing_id"] for f in flags}
    hours = [
        HoursRow(
            listing_id=r[0],
            source=r[1],
            name=r[2],
            state=r[3],
            levels=tuple(r[4]),
            hours_min=r[5],
            hours_max=r[6],
            basis=r[7],
            spans=list(r[8]),
            url=r[9],
            flagged=r[0] in flagged,
        )
        for r in hours_rows
    ]
    reviewed = Counter(f["status"] for f in flag_rows if f["status"] != "open")
    return ReportData(
        run=run, counts=[(s, st, int(n)) for s, st, n in counts], hours=hours, flags=flags, reviewed=reviewed
    )


# --- rendering -------------------------------------------------------------------------------


def _e(value: object) -> str:
    """Escaped text (quotes too, so it is safe inside attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def _num(value: float) -> str:
    return f"{value:g}"


def hours_text(lo: float | None, hi: float | None) -> str:
    """Weekly hours as the flags word them: `9`, `9-25`, `up to 30`, `20 or more` (+ ` h/week`)."""
    if lo is None and hi is None:
        return "unknown"
    if lo is None:
        return f"up to {_num(hi)} h/week"  # type: ignore[arg-type]
    if hi is None:
        return f"{_num(lo)} or more h/week"
    if lo == hi:
        return f"{_num(lo)} h/week"
    return f"{_num(lo)}-{_num(hi)} h/week"


def _link(url: str | None, text: str | None = None) -> str:
    """An <a> to an http(s) URL; anything else (javascript:, data:, relative) stays plain text."""
    if not url:
        return ""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return _e(text or url)
    return f'<a href="{_e(url)}" rel="noopener noreferrer nofollow">{_e(text or parsed.netloc)}</a>'


def render_html(data: ReportData, thresholds: Thresholds, generated_at: datetime) -> str:
    """The whole report as one HTML document."""
    total = sum(n for _, _, n in data.counts)
    states = {st for _, st, _ in data.counts if st}
    run = data.run
    if run:
        run_text = (
            f"from run <code>{_e(run['run_id'])}</code> (status {_e(run['status'])}, "
            f"finished {_e(_when(run['finished_at']))})"
        )
    else:
        run_text = "before any run"
    generated = (
        f'<p id="generated-at" class="meta">Generated {_e(_when(generated_at))} {run_text}. '
        f"Thresholds: IOP from {_num(thresholds.iop_min_adult)} h/week for adults, "
        f"{_num(thresholds.iop_min_adolescent)} h/week for programs serving only adolescents or children; "
        f"PHP from {_num(thresholds.php_min)} h/week.</p>"
    )
    reviewed = ", ".join(f"{n} {status}" for status, n in sorted(data.reviewed.items()))
    cards = [
        ("active listings", f"{total:,}"),
        ("sources", str(len({s for s, _, _ in data.counts}))),
        ("states", str(len(states))),
        ("listings with hours", str(len(data.hours))),
        ("open flags", str(len(data.flags))),
    ]
    summary = "".join(f'<div class="card"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for k, v in cards)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iop-directory report{" — " + _e(run["run_id"]) if run else ""}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>iop-directory: maintainers' report</h1>
{generated}
<div class="cards">{summary}</div>
</header>
<main>
<section id="listings">
<h2>Active listings</h2>
<div class="grid">
<div>{_counts_by_source(data.counts)}</div>
<div class="scroll">{_counts_by_state(data.counts)}</div>
</div>
</section>
<section id="hours">
<h2>Weekly program hours by claimed level of care</h2>
<p class="meta">One bar (a range) or dot (a single value) per active listing whose source gives hours, grouped
by the levels its codes claim. Red: the listing has an open flag. A dashed start is an open lower
bound (“up to”), an arrow an open upper bound (“or more”).</p>
{hours_chart(data.hours, thresholds)}
</section>
<section id="open-flags">
<h2>Open flags</h2>
<p class="meta">{len(data.flags)} open, most severe first{f"; not shown: {_e(reviewed)}" if reviewed else ""}.
Record decisions with <code>iopdir review FLAG_ID --confirm|--dismiss --note TEXT</code>.</p>
{_flags_by_rule(data.flags)}
{_filters(data.flags)}
{_flags_table(data.flags)}
</section>
</main>
<script>{_JS}</script>
</body>
</html>
"""


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _table(table_id: str, caption: str, header: Sequence[str], rows: Iterable[Sequence[str]], numeric: int = 1) -> str:
    """A table of already-escaped cells; the last `numeric` columns are right-aligned numbers."""
    width = len(header)
    head = "".join(
        f'<th{" class=num" if i >= width - numeric else ""} scope="col">{h}</th>' for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i >= width - numeric else ''}>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return (
        f'<table id="{table_id}"><caption>{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _source_order(counts: list[tuple[str, str | None, int]]) -> list[str]:
    by_source: Counter[str] = Counter()
    for source, _, n in counts:
        by_source[source] += n
    return [s for s, _ in sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))]


def _counts_by_source(counts: list[tuple[str, str | None, int]]) -> str:
    by_source: Counter[str] = Counter()
    states: dict[str, set[str]] = defaultdict(set)
    for source, state, n in counts:
        by_source[source] += n
        if state:
            states[source].add(state)
    rows = [(f"<code>{_e(s)}</code>", str(len(states[s])), f"{by_source[s]:,}") for s in _source_order(counts)]
    rows.append(
        ("<b>all</b>", str(len(set().union(*states.values())) if states else 0), f"<b>{sum(by_source.values()):,}</b>")
    )
    return _table("counts-by-source", "By source", ["source", "states", "listings"], rows, numeric=2)


def _counts_by_state(counts: list[tuple[str, str | None, int]]) -> str:
    sources = _source_order(counts)
    cells: dict[str | None, Counter[str]] = defaultdict(Counter)
    for source, state, n in counts:
        cells[state][source] += n
    # States alphabetically; listings without a state (program pages that give no address) last.
    order = sorted(cells, key=lambda st: (st is None, st or ""))
    rows = [
        (
            _e(st) if st else "<i>no state</i>",
            *(f"{cells[st][s]:,}" if cells[st][s] else "" for s in sources),
            f"{sum(cells[st].values()):,}",
        )
        for st in order
    ]
    header = ["state", *(f"<code>{_e(s)}</code>" for s in sources), "all"]
    return _table("counts-by-state", "By state and source", header, rows, numeric=len(sources) + 1)


def _flags_by_rule(flags: list[dict[str, Any]]) -> str:
    counts = Counter((f["severity"], f["rule_id"]) for f in flags)
    rows = [
        (f'<span class="sev sev-{_e(sev)}">{_e(sev)}</span>', f"<code>{_e(rule)}</code>", str(n))
        for (sev, rule), n in sorted(counts.items(), key=lambda kv: (SEVERITY_RANK.get(kv[0][0], 9), kv[0][1]))
    ]
    return _table("flags-by-rule", "Open flags by rule", ["severity", "rule", "flags"], rows)


def _filters(flags: list[dict[str, Any]]) -> str:
    states = Counter(f["state"] or NO_STATE for f in flags)
    rules = Counter(f["rule_id"] for f in flags)
    state_options = "".join(
        f'<option value="{_e(s)}">{_e("no state" if s == NO_STATE else s)} ({n})</option>'
        for s, n in sorted(states.items(), key=lambda kv: (kv[0] == NO_STATE, kv[0]))
    )
    rule_options = "".join(f'<option value="{_e(r)}">{_e(r)} ({n})</option>' for r, n in sorted(rules.items()))
    # Hidden until the script runs: without JavaScript the controls would do nothing, and the
    # table below shows every flag anyway.
    return f"""<form id="flag-filters" class="filters" hidden>
<label>State <select id="filter-state"><option value="">all states</option>{state_options}</select></label>
<label>Rule <select id="filter-rule"><option value="">all rules</option>{rule_options}</select></label>
<span id="filter-count" aria-live="polite"></span>
</form>"""


def _flags_table(flags: list[dict[str, Any]]) -> str:
    rows = []
    for f in flags:
        name = _e(f["name"]) + (f'<br><span class="sub">{_e(f["name2"])}</span>' if f["name2"] else "")
        where = ", ".join(_e(x) for x in (f["city"], f["state"]) if x)
        listing = (
            f'<b>{name}</b><div class="sub">{where + " · " if where else ""}<code>{_e(f["source"])}</code>'
            f"{' · <span class=reopened>reopened</span>' if f['reopened'] else ''}</div>"
        )
        source = _link(f["source_url"])
        if f["source_record_id"] and f["source"] not in ("program_pages",):
            source += f'<div class="sub">{_e(f["source_record_id"])}</div>'
        rows.append(
            f'<tr data-state="{_e(f["state"] or NO_STATE)}" data-rule="{_e(f["rule_id"])}" '
            f'data-severity="{_e(f["severity"])}" id="flag-{_e(f["flag_id"])}">'
            f'<td><span class="sev sev-{_e(f["severity"])}">{_e(f["severity"])}</span></td>'
            f"<td><code>{_e(f['rule_id'])}</code></td>"
            f"<td>{_e(f['state'] or '—')}</td>"
            f"<td>{listing}</td>"
            f'<td>{_e(f["message"])}<div class="sub id">{_e(f["flag_id"])}</div></td>'
            f"<td>{evidence_html(f['evidence'], f.get('source_codes'))}</td>"
            f"<td>{source}</td></tr>"
        )
    caption = "Open flags" if flags else "No open flags"
    head = "".join(
        f'<th scope="col">{h}</th>' for h in ("severity", "rule", "state", "listing", "message", "evidence", "source")
    )
    return (
        f'<table id="flags" class="flags"><caption>{caption}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _quoted(spans: Iterable[str]) -> str:
    items = "".join(f"<li><q>{_e(s)}</q></li>" for s in spans)
    return f'<ul class="spans">{items}</ul>' if items else ""


def _hours_html(hours: dict[str, Any] | None) -> str:
    if not hours or (hours.get("min") is None and hours.get("max") is None):
        return ""
    facts = [x for x in (hours.get("basis"), f"describes {hours['level']}" if hours.get("level") else None) if x]
    return (
        f"<b>{_e(hours_text(hours.get('min'), hours.get('max')))}</b>"
        f"{' (' + _e(', '.join(facts)) + ')' if facts else ''}{_quoted(hours.get('spans') or [])}"
    )


def _levels(values: Iterable[str] | None) -> str:
    return _e(", ".join(values or [])) or "none"


def _other_listing_html(other: dict[str, Any]) -> str:
    parts = [
        f"<code>{_e(other.get('source'))}</code> {_e(other.get('name'))}",
        f"claims {_levels(other.get('levels_claimed'))}",
    ]
    if other.get("name_levels"):
        parts.append(f"name says {_levels(other['name_levels'])}")
    link = other.get("link") or {}
    if link:
        parts.append(f"link score {_e(link.get('score'))}: {_e('; '.join(link.get('reasons') or []))}")
    hours = _hours_html(other.get("hours"))
    url = _link(other.get("url"))
    return f"<li>{' · '.join(parts)}{' · ' + url if url else ''}{'<div>' + hours + '</div>' if hours else ''}</li>"


# Evidence keys rendered on their own line, in this order; the rest falls back to plain JSON.
_EVIDENCE_KEYS = (
    "reasons",
    "levels_claimed",
    "name",
    "name_levels",
    "text_levels",
    "hours",
    "php_cues",
    "populations",
    "iop_floor",
    "other_listings",
    "source_codes",
)


def evidence_html(evidence: dict[str, Any], source_codes: list[str] | None = None) -> str:
    """A flag's evidence as a readable definition list (hours with spans, cues, other listings).

    The listing's source codes (from `flags.source_codes`) follow, folded away.
    """
    items: list[tuple[str, str]] = []
    ev = evidence or {}
    if ev.get("reasons"):
        items.append(("reasons", _e(", ".join(ev["reasons"]))))
    if "levels_claimed" in ev:
        items.append(("codes claim", _levels(ev["levels_claimed"])))
    if ev.get("name_levels"):
        items.append(("name says", f"{_levels(ev['name_levels'])} <q>{_e(ev.get('name'))}</q>"))
    if ev.get("text_levels"):
        items.append(("text names", _levels(ev["text_levels"])))
    hours = _hours_html(ev.get("hours"))
    if hours:
        items.append(("hours", hours))
    if ev.get("php_cues"):
        items.append(("PHP cues", _quoted(ev["php_cues"])))
    if ev.get("iop_floor") is not None and (ev.get("hours") or {}).get("level") == "iop":
        pops = ", ".join(ev.get("populations") or []) or "not stated"
        items.append(("IOP floor", f"{_e(_num(float(ev['iop_floor'])))} h (populations: {_e(pops)})"))
    if ev.get("other_listings"):
        others = "".join(_other_listing_html(o) for o in ev["other_listings"])
        items.append(("other listings", f'<ul class="others">{others}</ul>'))
    extra = {k: v for k, v in ev.items() if k not in _EVIDENCE_KEYS and v not in (None, [], {}, "")}
    for key, value in sorted(extra.items()):
        items.append((_e(key), _e(json.dumps(value, ensure_ascii=False))))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items)
    codes = source_codes or ev.get("source_codes") or []
    details = (
        f"<details><summary>{len(codes)} source codes</summary><code>{_e(' '.join(codes))}</code></details>"
        if codes
        else ""
    )
    return f'<dl class="evidence">{body}</dl>{details}'


# --- the hours chart (inline SVG, drawn here so the page needs no charting library) -----------

_W = 1160  # viewBox width; the SVG scales to the page width
_LABEL_W = 360  # left column with listing names
_RIGHT = 80  # room for the hours text after the longest bar
_ROW = 17
_GROUP_HEAD = 26
_TOP = 64  # threshold labels above the plot
_BOTTOM = 34  # x axis


def _axis_max(rows: list[HoursRow], thresholds: Thresholds) -> float:
    values = [v for r in rows for v in (r.hours_min, r.hours_max) if v is not None]
    top = max([*values, thresholds.php_min, thresholds.iop_min_adult, thresholds.iop_min_adolescent]) * 1.1
    return float(min(168, max(10, math.ceil(top / 10) * 10)))


def _sample(rows: list[HoursRow], cap: int) -> list[HoursRow]:
    if len(rows) <= cap:
        return rows
    step = len(rows) / cap
    return [rows[int(i * step)] for i in range(cap)]


def hours_chart(rows: list[HoursRow], thresholds: Thresholds) -> str:
    """The hours chart as an inline <svg id="hours-chart">, with a labelled line per threshold."""
    groups: dict[str, list[HoursRow]] = defaultdict(list)
    for row in rows:
        groups[row.group].append(row)
    order = sorted(groups, key=lambda g: ([CHART_LEVELS.get(p, 9) for p in g.split("+")], g))
    axis = _axis_max(rows, thresholds)
    x0, x1 = _LABEL_W + 10, _W - _RIGHT
    height = _TOP + _BOTTOM + sum(_GROUP_HEAD + _ROW * min(len(groups[g]), MAX_CHART_ROWS_PER_GROUP) for g in order)
    if not rows:
        height = _TOP + _BOTTOM + _GROUP_HEAD

    def x(hours: float) -> float:
        return round(x0 + (x1 - x0) * min(hours, axis) / axis, 1)

    parts: list[str] = []
    plot_top, plot_bottom = _TOP - 6, height - _BOTTOM
    # Grid and axis.
    step = 5 if axis <= 60 else 10 if axis <= 120 else 20
    for tick in range(0, int(axis) + 1, step):
        parts.append(
            f'<line class="grid" x1="{x(tick)}" y1="{plot_top}" x2="{x(tick)}" y2="{plot_bottom}"/>'
            f'<text class="tick" x="{x(tick)}" y="{plot_bottom + 14}" text-anchor="middle">{tick}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{x0}" y1="{plot_bottom}" x2="{x1}" y2="{plot_bottom}"/>'
        f'<text class="tick" x="{(x0 + x1) / 2}" y="{plot_bottom + 29}" text-anchor="middle">hours per week</text>'
    )
    # Rows, group by group.
    y = _TOP
    if not rows:
        parts.append(f'<text class="note" x="{x0}" y="{y + 16}">No active listing states weekly hours yet.</text>')
    for group in order:
        members = groups[group]
        drawn = _sample(members, MAX_CHART_ROWS_PER_GROUP)
        label = f"{group.upper()} — {len(members)} listing{'s' if len(members) != 1 else ''}"
        if len(drawn) < len(members):
            label += f" (an even sample of {len(drawn)} drawn)"
        parts.append(
            f'<g class="group" data-level="{_e(group)}">'
            f'<rect class="band" x="0" y="{y}" width="{_W}" height="{_GROUP_HEAD - 4}"/>'
            f'<text class="group-label" x="6" y="{y + 15}">{_e(label)}</text>'
        )
        y += _GROUP_HEAD
        for row in drawn:
            parts.append(_chart_row(row, y, x, axis))
            y += _ROW
        parts.append("</g>")
    # Thresholds last, so they sit on top of the bars; labels in two tiers so close values (6, 9)
    # do not overprint each other.
    for i, (keys, value, text) in enumerate(_threshold_lines(thresholds)):
        tier = _TOP - 40 + 16 * (i % 2)
        parts.append(
            f'<g class="threshold" data-threshold="{_e(" ".join(keys))}" data-hours="{_num(value)}">'
            f'<line x1="{x(value)}" y1="{tier + 4}" x2="{x(value)}" y2="{plot_bottom}"/>'
            f'<text x="{x(value) + 3}" y="{tier}">{_e(f"{_num(value)} h {text}")}</text></g>'
        )
    # The legend sits above the names column, clear of the threshold labels.
    legend_x, legend_y = 10, _TOP - 30
    parts.append(
        f'<g class="legend"><circle class="mark" cx="{legend_x}" cy="{legend_y - 4}" r="4"/>'
        f'<text x="{legend_x + 8}" y="{legend_y}">no open flag</text>'
        f'<circle class="mark flagged" cx="{legend_x + 100}" cy="{legend_y - 4}" r="4"/>'
        f'<text x="{legend_x + 108}" y="{legend_y}">open flag</text></g>'
    )
    return (
        f'<svg id="hours-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" '
        f'width="{_W}" height="{height}" role="img" aria-labelledby="hours-chart-title">'
        f'<title id="hours-chart-title">Weekly hours of {len(rows)} listings by claimed level of care, with the '
        f"IOP and PHP thresholds</title>"
        f"<defs>{_ARROW}</defs>{''.join(parts)}</svg>"
    )


# One arrowhead per colour (`context-stroke` is not supported by every viewer), sized in user units
# rather than scaled by the bar's stroke width.
_ARROW = "".join(
    f'<marker id="{marker_id}" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="10" markerHeight="10" '
    f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
    for marker_id, colour in (("arrow", "#2e6da4"), ("arrow-flagged", "#c0392b"))
)


def _threshold_lines(thresholds: Thresholds) -> list[tuple[list[str], float, str]]:
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


def _chart_row(row: HoursRow, y: float, x: Any, axis: float) -> str:
    cy = y + _ROW / 2
    name = row.name if len(row.name) <= 52 else row.name[:51] + "…"
    cls = "mark flagged" if row.flagged else "mark"
    tip = (
        f"{row.name} ({row.source}{', ' + row.state if row.state else ''}): {hours_text(row.hours_min, row.hours_max)}"
    )
    if row.basis:
        tip += f", {row.basis}"
    if row.spans:
        tip += " — " + " | ".join(row.spans)
    label = f'<text class="name" x="{_LABEL_W}" y="{cy + 4}" text-anchor="end">{_e(name)}</text>'
    parsed = urlparse(row.url or "")
    if parsed.scheme in ("http", "https") and parsed.netloc:
        label = f'<a href="{_e(row.url)}">{label}</a>'
    lo, hi = row.hours_min, row.hours_max
    if lo is not None and hi is not None and lo == hi:
        mark = f'<circle class="{cls}" cx="{x(lo)}" cy="{cy}" r="4.5"/>'
        end = x(lo) + 6
    else:
        start = x(0 if lo is None else lo)
        stop = x(axis if hi is None else hi)
        dashed = ' stroke-dasharray="3 3"' if lo is None else ""
        arrow = "arrow-flagged" if row.flagged else "arrow"
        marker = f' marker-end="url(#{arrow})"' if hi is None else ""
        mark = f'<line class="{cls} bar" x1="{start}" y1="{cy}" x2="{stop}" y2="{cy}"{dashed}{marker}/>'
        if lo is not None:
            mark += f'<circle class="{cls}" cx="{start}" cy="{cy}" r="3"/>'
        if hi is not None:
            mark += f'<circle class="{cls}" cx="{stop}" cy="{cy}" r="3"/>'
        end = stop + 8
    value = f'<text class="value" x="{end}" y="{cy + 4}">{_e(hours_text(lo, hi).replace(" h/week", " h"))}</text>'
    return (
        f'<g class="row" data-listing="{_e(row.listing_id)}"><title>{_e(tip)}</title>'
        f'<rect class="hit" x="0" y="{y}" width="{_W}" height="{_ROW}"/>{label}{mark}{value}</g>'
    )


_CSS = """
:root { --fg: #1d2327; --muted: #5f6b76; --line: #d8dee4; --accent: #2e6da4; --bad: #c0392b; --mid: #b9770e; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--fg); background: #f6f8fa; }
header, main { max-width: 1240px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 6px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 16px 16px;
          margin-bottom: 18px; }
.meta, .sub { color: var(--muted); }
.sub { font-size: 12px; }
.sub.id { font-family: ui-monospace, monospace; font-size: 11px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 10px 0 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
.card span { color: var(--muted); font-size: 12px; }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.6fr); gap: 24px; align-items: start; }
.scroll { max-height: 420px; overflow: auto; border: 1px solid var(--line); border-radius: 4px; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 6px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f6; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafbfc; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
#flags-by-rule { width: auto; min-width: 360px; margin-bottom: 10px; }
.flags { table-layout: fixed; }
.flags td { font-size: 13px; }
/* Long URLs and code lists come from the web: let them break rather than widen the table. */
.flags td:nth-child(6), .flags td:nth-child(7) { overflow-wrap: anywhere; }
.flags th:nth-child(1) { width: 78px; } .flags th:nth-child(2) { width: 218px; }
.flags th:nth-child(3) { width: 50px; } .flags th:nth-child(4) { width: 180px; }
.flags th:nth-child(5) { width: 220px; } .flags th:nth-child(7) { width: 130px; }
.sev { display: inline-block; white-space: nowrap; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 12px; }
.sev-high { background: var(--bad); } .sev-medium { background: var(--mid); } .sev-low { background: #7f8c8d; }
.reopened { color: var(--bad); font-weight: 600; }
dl.evidence { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 8px; }
dl.evidence dt { color: var(--muted); font-size: 12px; }
dl.evidence dd { margin: 0; }
ul.spans, ul.others { margin: 2px 0; padding-left: 18px; }
details summary { cursor: pointer; color: var(--muted); font-size: 12px; }
.filters { display: flex; gap: 16px; align-items: center; margin: 8px 0; }
#hours-chart { width: 100%; height: auto; display: block; }
#hours-chart text { font-size: 11px; fill: var(--fg); }
#hours-chart .tick, #hours-chart .value, #hours-chart .legend text { fill: var(--muted); }
#hours-chart .group-label { font-weight: 600; font-size: 12px; }
#hours-chart .band { fill: #eef2f6; }
#hours-chart .grid { stroke: #eceff2; }
#hours-chart .axis { stroke: var(--muted); }
#hours-chart .hit { fill: transparent; }
#hours-chart .row:hover .hit { fill: #f3f6f9; }
#hours-chart a text { fill: var(--accent); }
#hours-chart .mark { fill: var(--accent); stroke: var(--accent); }
#hours-chart .mark.flagged { fill: var(--bad); stroke: var(--bad); }
#hours-chart .bar { stroke-width: 4; stroke-linecap: round; }
#hours-chart .threshold line { stroke: var(--bad); stroke-width: 1.2; stroke-dasharray: 5 3; }
#hours-chart .threshold text { fill: var(--bad); font-weight: 600; }
"""

# Filters rows by their data-state / data-rule attributes; no data is embedded in the script, so
# nothing from the database can break out of it.
_JS = """
(function () {
  var form = document.getElementById('flag-filters');
  var table = document.getElementById('flags');
  var state = document.getElementById('filter-state');
  var rule = document.getElementById('filter-rule');
  var count = document.getElementById('filter-count');
  if (!form || !table || !state || !rule) { return; }
  form.hidden = false;
  function apply() {
    var rows = table.tBodies[0].rows, shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var ok = (!state.value || row.getAttribute('data-state') === state.value) &&
               (!rule.value || row.getAttribute('data-rule') === rule.value);
      row.hidden = !ok;
      if (ok) { shown++; }
    }
    count.textContent = shown + ' of ' + rows.length + ' open flags shown';
  }
  state.addEventListener('change', apply);
  rule.addEventListener('change', apply);
  apply();
})();
"""
