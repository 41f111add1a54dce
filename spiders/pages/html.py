"""Parsing a fetched page: the whole page or an error, and its schema.org JSON-LD."""

import json
from typing import Any

import lxml.html
from lxml import etree
from parsel import Selector


class PageTooDeepError(ValueError):
    """A page the HTML parser could not read whole (nested deeper than it goes): what it dropped is unknown."""


def _gave_up(error: etree._LogEntry) -> bool:
    # libxml2 stops descending at 2,048 levels even with huge_tree, and with recover=True drops the
    # rest of the page without raising: only its error log says so.
    return error.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT or "Excessive depth" in error.message


def parse_page_html(html: str) -> Selector:
    """The page parsed as `Selector(text=html)` parses it; `PageTooDeepError` when the parser read only part of it."""
    parser = lxml.html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    body = html.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    root = etree.fromstring(body, parser=parser)
    if problem := next((e for e in parser.error_log if _gave_up(e)), None):
        raise PageTooDeepError(f"page too deep to parse (line {problem.line}): {problem.message}")
    if root is None:  # only markup the parser drops (a comment alone): an empty page
        root = etree.fromstring(b"<html/>", parser=parser)
    return Selector(root=root, type="html")


def json_ld_of(page: Selector) -> list[dict[str, Any]]:
    """The schema.org JSON-LD objects of a parsed page (invalid blocks are skipped)."""
    found: list[dict[str, Any]] = []
    for block in page.xpath("//script[@type='application/ld+json']/text()").getall():
        try:
            data = json.loads(block)
        except json.JSONDecodeError:
            continue
        found += [d for d in (data if isinstance(data, list) else [data]) if isinstance(d, dict)]
    return found


def json_ld(html: str) -> list[dict[str, Any]]:
    """The page's schema.org JSON-LD objects (invalid blocks are skipped)."""
    return json_ld_of(Selector(text=html))
