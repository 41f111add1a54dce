"""The live sources on 127.0.0.1: what the docs' live commands (`iopdir run`, `iopdir serve`) crawl in a test.

`LiveMirror` serves the replay fixture (tests/fixtures/replay) over HTTP the way each source's real
host answers a live crawl: the SAMHSA workbooks as files, the NY OMH Socrata endpoint (paged with
`$limit`/`$offset`), the FindTreatment.gov v2 export (one state page per `limitValue`/`page`) and
one provider site for program_pages. `crawl_settings()` are the Scrapy settings that point the
spiders there; the project has no `iopdir.toml` key or `IOPDIR_*` variable for them, so a test puts
them into `flows.config.Settings.crawl_settings` (`patch_settings`), as the command line would
pass its own. samhsa_directory's (`spider_settings`) cannot go to every crawl: an in-process run
adds them to `flows.refresh.spider_settings`; a process run leaves samhsa_directory out.

Nothing else may be reached: the settings install `LoopbackOnlyResolver`, which refuses to look up
any name, so a URL the mirror does not cover fails the crawl ("cannot resolve …") instead of
sending a DNS query or a request to a real host.

`python -m tests.flows.live_mirror ARGS…` runs `iopdir ARGS…` with the settings of the JSON in
`$IOPDIR_TEST_CRAWL_SETTINGS`: the serving tests run `iopdir serve` as a process that way.
"""

import csv
import io
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

REPLAY = Path(__file__).resolve().parents[1] / "fixtures" / "replay"
SETTINGS_ENV = "IOPDIR_TEST_CRAWL_SETTINGS"
SAMHSA = "samhsa-national-directory-2023"
NY_OMH_PATH = "/resource/6nvr-tbv8.csv"
NY_OMH_FILE = REPLAY / "ny-omh-programs" / "Local_Mental_Health_Programs_2022-05.csv"
LOCATOR_PATH = "/locator/exportsAsJson/v2"
#: The locator's ids of the states the fixture recorded (spiders.findtreatment.STATE_IDS), at 2 rows a page.
LOCATOR_STATES = {"50": "VA", "52": "WY"}
#: The one provider site served, under "/site" (program_pages keeps to a site's host, so one site a host).
SITE_HOST = "alpha.example"
LOOPBACK = "127.0.0.1"


class LoopbackOnlyResolver(CachingThreadedResolver):
    """A Scrapy DNS resolver that looks up nothing: only 127.0.0.1, written as such, is reached."""

    def getHostByName(self, name: str, timeout: Any = ()) -> "defer.Deferred[str]":
        """127.0.0.1 is itself; any other name is refused: a test must never ask DNS about a real host."""
        if name == LOOPBACK:
            return defer.succeed(name)
        return defer.fail(DNSLookupError(f"{name}: a test reaches {LOOPBACK} only"))


def _site_pages() -> dict[str, tuple[Path, str]]:
    """Path on the mirror -> (file, content type) of the provider site's recorded pages."""
    root = REPLAY / "program-pages-replay"
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    prefix = f"https://{SITE_HOST}"
    return {
        url.removeprefix(prefix): (root / entry["file"], entry["content_type"])
        for url, entry in manifest.items()
        if url.startswith(prefix + "/")
    }


class LiveMirror:
    """HTTP servers on 127.0.0.1 standing for the sources' hosts; `requests` logs every path asked for."""

    def __init__(self, tmp: Path) -> None:
        self.requests: list[str] = []
        #: The NY OMH rows served (header first): a test may drop or change some before a run.
        self.ny_omh_rows = list(csv.reader(io.StringIO(NY_OMH_FILE.read_text(encoding="utf-8-sig"))))
        self.seeds = tmp / "program_pages_seeds.txt"
        self._pages = _site_pages()
        self._servers = [self._server(self._answer_source), self._server(self._answer_site)]
        self.base, self.site = (f"http://{LOOPBACK}:{s.server_address[1]}" for s in self._servers)
        self.seeds.write_text(self.site + "/\n", encoding="utf-8")

    def _server(self, answer: Callable[[str, dict[str, str]], tuple[int, str, bytes]]) -> ThreadingHTTPServer:
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlparse(self.path)
                mirror.requests.append(parts.path)
                status, content_type, body = answer(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test reads `requests`

        server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        server.daemon_threads = True
        return server

    def _answer_source(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        if path.startswith(f"/{SAMHSA}/") and (file := REPLAY / path.lstrip("/")).is_file():
            return 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", file.read_bytes()
        if path == NY_OMH_PATH:
            limit, offset = int(query.get("$limit", "1000")), int(query.get("$offset", "0"))
            page = [self.ny_omh_rows[0], *self.ny_omh_rows[1:][offset : offset + limit]]
            text = io.StringIO()
            csv.writer(text, lineterminator="\n").writerows(page)
            return 200, "text/csv", text.getvalue().encode("utf-8")
        state = LOCATOR_STATES.get(query.get("limitValue", ""))
        if path == LOCATOR_PATH and state:
            file = REPLAY / "findtreatment" / state / f"page-{query.get('page', '1')}.json"
            if file.is_file():
                return 200, "application/json", file.read_bytes()
        return 404, "text/plain", b"not found"

    def _answer_site(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        if path in self._pages:
            file, content_type = self._pages[path]
            return 200, content_type, file.read_bytes()
        return 404, "text/plain", b"not found"

    def crawl_settings(self) -> dict[str, str]:
        """Scrapy settings that send every spider's live crawl here (samhsa_directory's: `spider_settings`)."""
        return {
            "NY_OMH_BASE_URL": self.base + NY_OMH_PATH,
            "FINDTREATMENT_BASE_URL": self.base,
            "FINDTREATMENT_STATES": ",".join(LOCATOR_STATES.values()),
            "FINDTREATMENT_PAGE_SIZE": "2",
            # A first run has no websites in its database to seed program_pages with: this site then.
            "PROGRAM_PAGES_SEEDS": str(self.seeds),
            "TWISTED_DNS_RESOLVER": f"{__name__}.LoopbackOnlyResolver",
            # The throttle protects real servers; this one has none to protect.
            "DOWNLOAD_DELAY": "0",
            "AUTOTHROTTLE_ENABLED": "False",
        }

    def spider_settings(self, spider: str) -> dict[str, str]:
        """The one spider's setting a run cannot pass to every crawl: samhsa_directory's file URLs.

        `IOPDIR_SOURCE_URLS` is checked by each tabular spider against its own sources (a typo is
        an error), so naming the SAMHSA files in it fails the ny_omh crawl, and the reverse.
        """
        if spider != "samhsa_directory":
            return {}
        base = f"{self.base}/{SAMHSA}"
        urls = {f"samhsa_{kind}": f"{base}/national-directory-{kind}-facilities-2023.xlsx" for kind in ("su", "mh")}
        return {"IOPDIR_SOURCE_URLS": json.dumps(urls)}

    @contextmanager
    def running(self) -> Iterator["LiveMirror"]:
        """Serve in background threads for the duration of the block."""
        threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in self._servers]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            for server in self._servers:
                server.shutdown()
                server.server_close()


def patch_settings(extra: dict[str, str]) -> Callable[[], None]:
    """Add `extra` to every command's crawl settings (`Settings.crawl_settings`); returns the undo."""
    from flows.config import Settings

    plain = Settings.crawl_settings

    def crawl_settings(self: Settings, replay: bool) -> dict[str, str]:
        return {**plain(self, replay), **extra}

    Settings.crawl_settings = crawl_settings  # type: ignore[method-assign]

    def undo() -> None:
        Settings.crawl_settings = plain  # type: ignore[method-assign]

    return undo


def main(argv: list[str]) -> int:
    """`iopdir ARGV…` with the crawl settings of `$IOPDIR_TEST_CRAWL_SETTINGS`."""
    from flows.cli import main as iopdir

    patch_settings(json.loads(os.environ[SETTINGS_ENV]))
    return iopdir(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
