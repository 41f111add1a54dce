"""Screenshot `iopdir ui` for the docs: serve a database, open it in headless Chromium, save a PNG.

    .venv/bin/python scripts/ui_screenshot.py DB.duckdb [OUT.png] [--query "?state=CA"] [--width 1280] [--height 1400]

Starts `iopdir ui` on a free port of 127.0.0.1 (as its own process), opens the page (with the
optional query string, e.g. a state filter) in Debian's /usr/bin/chromium through `playwright` (the
same headless browser as tests/ui/test_browser.py; no browser is downloaded), saves a screenshot of
the top of the page (default docs/img/ui.png, which docs/flags.md shows) and stops the server.
Prints the PNG's path and size. Exits 2 when Chromium or the database is missing.
"""

import argparse
import sys
from pathlib import Path

from flows.cli.headless import BROWSER_ARGS, CHROMIUM, free_port, start_ui

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("out", type=Path, nargs="?", default=ROOT / "docs" / "img" / "ui.png")
    parser.add_argument("--query", default="", help='e.g. "?state=CA"')
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1400)
    args = parser.parse_args()
    if not CHROMIUM.is_file():
        print(f"no Chromium at {CHROMIUM}", file=sys.stderr)
        return 2
    if not args.db.is_file():
        print(f"no database at {args.db}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    port = free_port()
    try:
        server = start_ui(args.db, port, "--by", "maintainer")
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
            try:
                page = browser.new_page(viewport={"width": args.width, "height": args.height})
                page.goto(f"http://127.0.0.1:{port}/{args.query}")
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out))
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"{args.out}: {args.out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
