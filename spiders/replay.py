"""Offline replay: serve requests from a local mirror instead of the network.

When the `IOPDIR_REPLAY_DIR` setting names a folder, every request is answered from a file in it,
chosen by the spider's `replay_path(url)`; a URL with no file answers 404 (so robots.txt is "not
found", which allows all, exactly as on a site without one). The spider's parsing code cannot
tell a replayed response from a live one: there is no second code path.
"""

import mimetypes
from pathlib import Path

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.responsetypes import responsetypes


class ReplayMiddleware:
    """Downloader middleware answering requests from `IOPDIR_REPLAY_DIR`."""

    def __init__(self, crawler: Crawler, root: Path) -> None:
        self.crawler = crawler
        self.root = root.resolve()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ReplayMiddleware":
        """Enable the middleware only when a replay folder is configured."""
        root = crawler.settings.get("IOPDIR_REPLAY_DIR")
        if not root:
            raise NotConfigured("live crawl")
        if not Path(root).is_dir():
            raise NotConfigured(f"replay folder {root} does not exist")
        return cls(crawler, Path(root))

    def process_request(self, request: Request) -> Response:
        """Return the mirrored file for the request's URL, or a 404 response."""
        stats = self.crawler.stats
        relative = getattr(self.crawler.spider, "replay_path", lambda url: None)(request.url)
        path = (self.root / relative).resolve() if relative else None
        # Never serve files outside the replay folder, whatever a URL maps to.
        if path is None or not path.is_relative_to(self.root) or not path.is_file():
            if stats:
                stats.inc_value("replay/miss")
            return Response(url=request.url, status=404, body=b"", request=request)
        body = path.read_bytes()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = {"Content-Type": content_type}
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        if stats:
            stats.inc_value("replay/hit")
        return cls(url=request.url, status=200, headers=headers, body=body, request=request, flags=["replay"])
