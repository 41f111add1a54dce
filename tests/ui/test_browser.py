"""End to end in headless Chromium: `iopdir ui` as its own process, a state chosen on the map, a flag
dismissed with a note in the page, and `iopdir flags --all` then shows the decision.

Drives Debian's /usr/bin/chromium through the `playwright` package (a dev dependency; no browser is
downloaded). Skipped only where that Chromium is not installed; CI installs it (.ci/run).
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.cli import main
from flows.cli.headless import BROWSER_ARGS, CHROMIUM, free_port, start_ui
from tests.ui.ui_data import build_ui_db


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    db = build_ui_db(tmp_path / "ui.duckdb")
    port = free_port()
    server = start_ui(db, port, "--by", "browser-test")
    try:
        yield db, f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.skipif(not CHROMIUM.is_file(), reason="headless Chromium (/usr/bin/chromium) is not installed")
def test_dismiss_a_flag_in_the_browser(served: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    from playwright.sync_api import sync_playwright  # dev dependency: pip install -e '.[dev]'

    db, base = served
    note = "Checked the page: 4 h is the aftercare group <b>not</b> the IOP"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            page.goto(base + "/")
            assert page.locator("#flags tbody tr").count() == 5
            page.click('#state-map a[data-state="MN"]')  # the state's square on the map filters to it
            page.wait_for_url(base + "/?state=MN")
            rows = page.locator("#flags tbody tr")
            assert rows.count() == 1 and "Lake IOP" in rows.first.inner_text()
            rows.first.locator("textarea[name=note]").fill(note)
            rows.first.locator("button[value=dismissed]").click()
            page.wait_for_selector("#flash")
            flash = page.inner_text("#flash")
            assert page.url.startswith(base + "/?state=MN&flash=")  # back on the same filtered view
            assert "dismissed by browser-test" in flash and note in flash
            assert page.locator("#flags tbody tr").count() == 0  # no open flag left in MN
        finally:
            browser.close()
    capsys.readouterr()
    assert main(["flags", "--all", "--db", str(db), "--format", "json", "--state", "MN"]) == 0
    flags = json.loads(capsys.readouterr().out)
    assert [(f["name"], f["status"], f["review_note"], f["reviewer"]) for f in flags] == [
        ("Lake IOP", "dismissed", note, "browser-test")
    ]


@pytest.mark.skipif(not CHROMIUM.is_file(), reason="headless Chromium (/usr/bin/chromium) is not installed")
def test_a_state_square_in_the_report_shows_that_states_flags(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from pipeline.outputs.report.build import write_report

    db = build_ui_db(tmp_path / "ui.duckdb")
    report = tmp_path / "report.html"
    write_report(db, report)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            page.goto(report.as_uri())
            assert page.locator("#flags tbody tr:visible").count() == 5
            page.click('#state-map a[data-state="CA"]')
            page.wait_for_function("document.getElementById('filter-state').value === 'CA'")
            visible = page.locator("#flags tbody tr:visible")
            assert visible.count() == 2 and all("CA" in t for t in visible.all_inner_texts())
            page.click('#state-map a[data-state="TX"]')  # no open flags there: none shown, not all
            page.wait_for_function("/\\(TX\\)/.test(document.getElementById('filter-count').textContent)")
            assert page.locator("#flags tbody tr:visible").count() == 0
        finally:
            browser.close()
