"""Render an HTML report to a PNG with headless Chromium and check its elements in the rendered DOM.

    .venv/bin/python scripts/render_report.py REPORT.html OUT.png [--expect ID ...] [--timeout S]

Runs Chromium twice on the file (a screenshot, then --dump-dom after the page's scripts ran),
each time with a fresh throw-away profile and with every host name resolving to nothing, so the
browser cannot reach the network even if the page or Chromium itself tried. Prints the PNG's size
in bytes and pixels (from its IHDR header) and which expected element ids the DOM has; exits 1
when the PNG is missing or invalid or an id is missing, 2 when Chromium is not there.
"""

import argparse
import os
import signal
import struct
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from pipeline.outputs.report.build import ELEMENT_IDS

CHROMIUM = "/usr/bin/chromium"
EXPECTED_IDS = ELEMENT_IDS
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chromium_command(chromium: str, profile: Path, url: str, *action: str, size: str = "1280,2000") -> list[str]:
    """The headless Chromium command line: no sandbox (we run as root in containers), no GPU, no
    first-run, sync, component or background traffic, and DNS that resolves nothing."""
    return [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--metrics-recording-only",
        "--mute-audio",
        "--hide-scrollbars",
        # Belt and braces: no host name resolves, so nothing can be fetched from the network.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        f"--window-size={size}",
        *action,
        url,
    ]


def run_chromium(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run Chromium in its own process group and kill that group (only it) on timeout."""
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Chromium forks helpers (zygote, GPU, network service); killing the group we started
            # takes them down too.
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            raise
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; ValueError if the file is not a PNG."""
    with path.open("rb") as handle:
        head = handle.read(24)
    if len(head) < 24 or head[:8] != PNG_SIGNATURE or head[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


class _Ids(HTMLParser):
    """Collects element ids (and their tag) from an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key == "id" and value:
                self.ids.setdefault(value, tag)


def element_ids(dom: str) -> dict[str, str]:
    """Every element id in `dom`, with the tag that carries it."""
    parser = _Ids()
    parser.feed(dom)
    parser.close()
    return parser.ids


def main(argv: list[str] | None = None) -> int:
    """Screenshot the report, dump its DOM, report the PNG size and the expected ids found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the report (a local HTML file)")
    parser.add_argument("png", type=Path, help="where to write the screenshot")
    parser.add_argument("--expect", action="append", metavar="ID", help="element id that must be in the DOM")
    parser.add_argument("--size", default="1280,2000", help="window size WIDTH,HEIGHT (default 1280,2000)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per Chromium run (default 90)")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args(argv)

    if not Path(args.chromium).is_file():
        print(f"render_report: no Chromium at {args.chromium}", file=sys.stderr)
        return 2
    if not args.html.is_file():
        print(f"render_report: no file {args.html}", file=sys.stderr)
        return 2
    url = args.html.resolve().as_uri()
    png = args.png.resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    expected = args.expect or list(EXPECTED_IDS)

    try:
        with tempfile.TemporaryDirectory(prefix="render-report-") as tmp:
            # A fresh profile per run: no state from an earlier run, nothing left behind.
            shot = run_chromium(
                chromium_command(args.chromium, Path(tmp, "shot"), url, f"--screenshot={png}", size=args.size),
                args.timeout,
            )
            dump = run_chromium(
                chromium_command(args.chromium, Path(tmp, "dom"), url, "--dump-dom", size=args.size), args.timeout
            )
    except subprocess.TimeoutExpired as error:
        print(f"render_report: Chromium timed out after {error.timeout:g} s", file=sys.stderr)
        return 1

    status = 0
    if shot.returncode != 0 or not png.is_file():
        print(f"render_report: screenshot failed (exit {shot.returncode}): {shot.stderr[-2000:]}", file=sys.stderr)
        status = 1
    else:
        try:
            width, height = png_size(png)
            print(f"png: {png} {png.stat().st_size} bytes, {width}x{height} px")
        except ValueError as error:
            print(f"render_report: {error}", file=sys.stderr)
            status = 1
    if dump.returncode != 0 or not dump.stdout.strip():
        print(f"render_report: --dump-dom failed (exit {dump.returncode}): {dump.stderr[-2000:]}", file=sys.stderr)
        return 1
    ids = element_ids(dump.stdout)
    found = [i for i in expected if i in ids]
    missing = [i for i in expected if i not in ids]
    print("found: " + ", ".join(f"#{i} <{ids[i]}>" for i in found))
    if missing:
        print("missing: " + ", ".join(f"#{i}" for i in missing))
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
