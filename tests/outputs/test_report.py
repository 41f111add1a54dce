"""The maintainers' HTML report: self-contained, escaped, with the chart's thresholds and the open flags."""

import re
import struct
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.flags.store import compute_flags, record_review
from pipeline.link.store import link_facilities
from pipeline.normalize import run as normalize
from pipeline.outputs.report.build import ELEMENT_IDS, render_html, write_report
from pipeline.outputs.report.data import HoursRow, ReportData
from pipeline.thresholds import Thresholds
from tests.conftest import ROOT
from tests.helpers import normalize_and_load, program_normalizer, program_records, write_items

CHROMIUM = Path("/usr/bin/chromium")
EVIL = 'Evil <script>alert("x")</script> & Sons IOP'
PROGRAMS = {
    # 5 days x 6 h = 30 h on an IOP listing: php_as_iop.
    "Hope IOP": ("iop", "The IOP runs Monday through Friday, 9 a.m. to 3 p.m."),
    # 2 x 2 h = 4 h: iop_below_floor.
    "Low IOP": ("iop", "Two days a week, two hours a day."),
    # A name from the web with markup in it, also below the floor.
    EVIL: ("iop", "Two days a week, two hours a day."),
    "Fine IOP": ("iop", "The IOP meets Mondays, Wednesdays and Thursdays, 6-9 p.m."),
    "Sunrise Partial Hospitalization": ("php", "Monday through Friday, 8 a.m. to 2 p.m."),
    "Range IOP": ("iop", "Our program meets three to five days a week, three to five hours a day."),
}
EXPECTED_IDS = ELEMENT_IDS


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small database of program pages, linked and flagged as a run leaves it."""
    tmp = tmp_path_factory.mktemp("report")
    path = tmp / "r.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(normalize.LISTING_NORMALIZERS, "program_text", program_normalizer)
        normalize_and_load(write_items(tmp / "r1" / "items.jsonl", program_records(PROGRAMS)), path, "r1")
    link_facilities(path, "r1")
    compute_flags(path, "r1")
    return path


@pytest.fixture(scope="module")
def report(db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The report of `db` with the default thresholds."""
    out = tmp_path_factory.mktemp("out") / "report.html"
    return out, write_report(db, out)


# Tag -> the attribute a browser fetches it from.
FETCHING = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src", "embed": "src"}


class _Resources(HTMLParser):
    """Collects (tag, URL) of everything a browser would fetch or embed, and all ids."""

    def __init__(self) -> None:
        super().__init__()
        self.fetches: list[tuple[str, str]] = []
        self.ids: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in FETCHING and values.get(FETCHING[tag]):
            self.fetches.append((tag, values[FETCHING[tag]] or ""))
        if values.get("id"):
            self.ids[values["id"] or ""] = tag


def _parse(text: str) -> _Resources:
    parser = _Resources()
    parser.feed(text)
    return parser


def _flag_rows(text: str) -> list[str]:
    table = text[text.index('<table id="flags"') :]
    table = table[: table.index("</table>")]
    return re.findall(r"<tr data-state=.*?</tr>", table, flags=re.S)


def test_report_is_self_contained_with_the_expected_elements(report: tuple[Path, dict[str, int]]) -> None:
    out, counts = report
    text = out.read_text(encoding="utf-8")
    parsed = _parse(text)
    # Nothing is loaded from elsewhere: no external script, stylesheet or image, and the page's own
    # policy forbids any; links to source pages (<a href>) are navigations, which are fine.
    assert not [(tag, url) for tag, url in parsed.fetches if re.match(r"(https?:)?//", url)]
    assert "default-src 'none'" in text
    assert "<style>" in text and "<script>" in text
    assert {i: parsed.ids.get(i) for i in EXPECTED_IDS} == {
        "generated-at": "p",
        "counts-by-source": "table",
        "counts-by-state": "table",
        "hours-chart": "svg",
        "flags": "table",
        "filter-state": "select",
        "filter-rule": "select",
        "state-map": "svg",
        "flags-by-confidence": "table",
    }
    assert "r1" in text[text.index('id="generated-at"') :][:400]
    assert counts["listings"] == len(PROGRAMS)
    assert counts["charted"] == len(PROGRAMS)
    source_table = text[text.index('id="counts-by-source"') :]
    assert "<code>pages</code>" in source_table[: source_table.index("</table>")]
    state_table = text[text.index('id="counts-by-state"') :]
    assert ">VA<" in state_table[: state_table.index("</table>")]


def test_chart_draws_the_thresholds_it_is_given(db: Path, report: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    text = report[0].read_text(encoding="utf-8")
    svg = text[text.index('<svg id="hours-chart"') : text.index("</svg>")]
    for hours, label in ((6, "IOP floor, youth only"), (9, "IOP floor, adults"), (20, "PHP floor")):
        assert f'data-hours="{hours}"' in svg
        assert f"{hours} h {label}" in svg
    # One group per claimed level, one row per listing with hours.
    assert 'data-level="iop"' in svg and 'data-level="php"' in svg
    assert svg.count('<g class="row"') == len(PROGRAMS)

    # The lines follow the Thresholds object, not constants; equal values share a line.
    other = tmp_path / "other.html"
    write_report(db, other, Thresholds(iop_min_adult=10, iop_min_adolescent=10, php_min=24))
    svg = other.read_text(encoding="utf-8")
    svg = svg[svg.index('<svg id="hours-chart"') : svg.index("</svg>")]
    assert re.findall(r'data-hours="([\d.]+)"', svg) == ["10", "24"]
    assert "10 h IOP floor, youth only / IOP floor, adults" in svg and "24 h PHP floor" in svg
    assert 'data-hours="20"' not in svg


def test_open_flags_are_listed_with_evidence_and_escaped(report: tuple[Path, dict[str, int]]) -> None:
    out, counts = report
    text = out.read_text(encoding="utf-8")
    rows = _flag_rows(text)
    rules = [re.search(r'data-rule="([^"]+)"', r).group(1) for r in rows]  # type: ignore[union-attr]
    assert counts["open_flags"] == len(rows)
    assert rules[0] == "php_as_iop"  # most severe first
    assert {"php_as_iop", "iop_below_floor", "iop_range_reaches_php"} <= set(rules)
    hope = next(r for r in rows if "Hope IOP" in r)
    # The evidence is readable: the hours with the span they rest on, and a link to the page.
    assert "30 h/week" in hope and "<q>Monday through Friday, 9 a.m. to 3 p.m.</q>" in hope
    assert 'href="https://example.org/' in hope
    assert 'data-state="VA"' in hope
    # With the strength of its evidence: the program's own hours.
    assert 'data-confidence="high"' in hope and '<span class="conf">high</span>' in hope

    # Markup in a name from the web is shown as text, never run.
    assert "<script>alert" not in text
    evil = [r for r in rows if "Evil" in r]
    # (markupsafe, the template engine's escaper, writes a double quote as &#34;.)
    assert evil and all("Evil &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons IOP" in r for r in evil)
    assert text.count("<script>") == 1  # the page's own filter script only
    # The filters offer the flags' states and rules.
    assert '<option value="VA">' in text and '<option value="iop_below_floor">' in text


def test_reviewed_flags_leave_the_list(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    before = write_report(copy, tmp_path / "before.html")
    out = tmp_path / "after.html"
    text = (tmp_path / "before.html").read_text(encoding="utf-8")
    flag_id = re.search(r'<tr data-state="VA" data-rule="php_as_iop"[^>]*id="flag-([^"]+)"', text).group(1)  # type: ignore[union-attr]
    record_review(copy, flag_id, "dismissed", "Checked the page: separate PHP track", "ana")
    after = write_report(copy, out)
    assert (after["open_flags"], after["reviewed_flags"]) == (before["open_flags"] - 1, 1)
    text = out.read_text(encoding="utf-8")
    assert f"flag-{flag_id}" not in text and "not shown: 1 dismissed" in text


# Breaks out of a double-quoted attribute and opens a script, if written unescaped.
BREAKOUT = '"><script>alert("x")</script>'


class _Attributes(HTMLParser):
    """Collects every attribute value (unescaped, as a browser reads it) and counts <script> tags."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        for key, value in attrs:
            self.values.setdefault(key, []).append(value or "")


def test_web_text_in_attributes_is_escaped() -> None:
    # Every attribute that carries text from the web: a row's data-state, data-rule and id, the
    # filters' option values, the chart's data-listing and the links' href.
    url = f"https://example.org/{BREAKOUT}"
    flag = {
        "flag_id": f"f{BREAKOUT}",
        "listing_id": "l1",
        "rule_id": f"rule{BREAKOUT}",
        "rule_version": 1,
        "severity": "high",
        "confidence": "high",
        "status": "open",
        "reopened": False,
        "source": f"src{BREAKOUT}",
        "name": f"Name{BREAKOUT}",
        "name2": None,
        "city": None,
        "state": f"VA{BREAKOUT}",
        "message": "m",
        "evidence": {"other_listings": [{"source": "s", "name": f"Other{BREAKOUT}", "url": url}]},
        "source_url": url,
        "source_record_id": "Sheet!2",
        "first_seen": None,
        "source_codes": [],
        "payers": [f"Aetna{BREAKOUT}"],
    }
    row = HoursRow(f"l{BREAKOUT}", "src", f"Name{BREAKOUT}", None, ("iop",), 9, 9, None, [], url, flagged=True)
    data = ReportData(run=None, counts=[("src", "VA", 1)], hours=[row], flags=[flag], reviewed=Counter())
    text = render_html(data, Thresholds(), datetime(2026, 1, 1, tzinfo=UTC))

    assert BREAKOUT not in text and "<script>alert" not in text
    parsed = _Attributes()
    parsed.feed(text)
    assert parsed.scripts == 1  # the page's own filter script only
    # A browser reads each value back exactly as it was in the database.
    values = parsed.values
    assert f"VA{BREAKOUT}" in values["data-state"] and f"rule{BREAKOUT}" in values["data-rule"]
    assert f"flag-f{BREAKOUT}" in values["id"] and f"l{BREAKOUT}" in values["data-listing"]
    assert {f"VA{BREAKOUT}", f"rule{BREAKOUT}"} <= set(values["value"])
    # The chart's name, the other listing, the flag's source; the state map's tiles link within the page.
    assert [h for h in values["href"] if not h.startswith("#state=")] == [url, url, url]


def test_styles_and_script_are_inlined_verbatim(report: tuple[Path, dict[str, int]]) -> None:
    text = report[0].read_text(encoding="utf-8")
    folder = ROOT / "pipeline" / "outputs" / "report"
    for tag, name in (("style", "report.css"), ("script", "report.js")):
        inlined = text[text.index(f"<{tag}>") + len(tag) + 2 : text.index(f"</{tag}>")]
        assert inlined.strip() == (folder / name).read_text(encoding="utf-8").strip()


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


@pytest.mark.skipif(not CHROMIUM.is_file(), reason="headless Chromium (/usr/bin/chromium) is not installed")
def test_report_renders_in_headless_chromium(report: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render_report.py"), str(report[0]), str(png), "--timeout", "120"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert _png_size(png) == (1280, 2000)
    assert png.stat().st_size > 10_000  # a rendered page, not a blank
    found = next(line for line in completed.stdout.splitlines() if line.startswith("found: "))
    assert all(f"#{i} " in found for i in EXPECTED_IDS), found
    assert "#hours-chart <svg>" in found
    assert "missing" not in completed.stdout


def test_report_never_writes_through_a_symlink(db: Path, tmp_path: Path) -> None:
    """A report path (or its old temporary name) that links to the database: the link is replaced."""
    target = tmp_path / "precious.duckdb"
    target.write_bytes(b"a stand-in for the database")
    out = tmp_path / "report.html"
    out.symlink_to(target)
    (tmp_path / "report.html.tmp").symlink_to(target)
    write_report(db, out)
    assert target.read_bytes() == b"a stand-in for the database"
    assert not out.is_symlink() and "<html" in out.read_text(encoding="utf-8")
