"""`iopdir ui` run as its own process and opened in Debian's headless Chromium.

For the browser test (tests/ui/test_browser.py) and the docs' screenshot (scripts/ui_screenshot.py),
so both drive the same browser the same way. Only the standard library here: `playwright` is a dev
dependency, imported by the callers.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Debian's Chromium (package `chromium`; CI installs it).
CHROMIUM = Path("/usr/bin/chromium")
#: Headless, as root, on a machine without network: without the background-networking flags
#: Chromium keeps trying hosts it cannot reach.
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port of 127.0.0.1 free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_ui(
    db: Path, port: int, *extra: str, cwd: Path = ROOT, argv: list[str] | None = None
) -> subprocess.Popen[str]:
    """`iopdir ui` on `db` (or the command line `argv` after `iopdir`) as a separate process, once it answers.

    Raises RuntimeError, with what the process printed, when it stops or does not answer within 60 s.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    args = argv or ["ui", "--db", str(db), "--port", str(port), *extra]
    command = [sys.executable, "-m", "flows.cli", *args]
    server = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"iopdir ui stopped: {server.communicate()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("iopdir ui did not answer within 60 s")
