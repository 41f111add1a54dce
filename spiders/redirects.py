"""Redirects stay on the site that was asked.

A directory file or a provider's page that redirects to another site (a parked domain, a link
shortener, a login wall elsewhere) is not the page we came for, and crawling it would leave the
sites we were configured for. The redirect is refused before Scrapy's RedirectMiddleware follows
it; the request's errback records it, so the source says what happened.
"""

from urllib.parse import urljoin, urlparse

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from schemas.crawl_stats import REDIRECT_OFFSITE_REFUSED


def site_of(url: str) -> str:
    """The site a URL belongs to: its host, lower-cased, without "www."."""
    return (urlparse(url).hostname or "").lower().removeprefix("www.")


class OffsiteRedirectError(IgnoreRequest):
    """A response redirected to another site, which is not followed."""


class SameSiteRedirectMiddleware:
    """Downloader middleware, placed after RedirectMiddleware: refuses 3xx to another site."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "SameSiteRedirectMiddleware":
        """Build the middleware for a crawl."""
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: object = None) -> Response:
        """Let same-site redirects through to RedirectMiddleware; refuse the others."""
        location = response.headers.get(b"Location")
        if not 300 <= response.status < 400 or not location:
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        if site_of(target) == site_of(request.url):
            return response
        if self.crawler.stats:
            self.crawler.stats.inc_value(REDIRECT_OFFSITE_REFUSED)
        raise OffsiteRedirectError(f"redirect to another site not followed: {request.url} -> {target}")
