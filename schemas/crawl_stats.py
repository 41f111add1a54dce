"""Names of the crawl statistics in a crawl's `stats.json`: written by spiders, read by flows and the store.

Every layer may import `schemas`, so the key names live here once. Keys are Scrapy stats names:
`iopdir/sources` lists the sources a crawl read, and `iopdir/source/<source>/<name>[/<part>...]`
says how one source went. The names below are the ones other layers act on; a spider may record
further diagnostics under its source with `source_key`.
"""

#: The sources a crawl covers (a list).
SOURCES = "iopdir/sources"
#: Every key this project writes starts with this; the flow keeps these in `run_sources.crawl_stats`.
PREFIX = "iopdir/"
#: Prefix of the per-source keys.
SOURCE_PREFIX = "iopdir/source/"
#: Why a crawl stopped at its first request: its host could not be reached (spiders/fail_fast.py).
UNREACHABLE = "iopdir/unreachable"
#: Redirects to another site that the crawl refused (not per source: the middleware sees requests).
REDIRECT_OFFSITE_REFUSED = "iopdir/redirect/offsite_refused"

# Per-source names that flows and the store read.
#: True when the crawl read the whole source, so a listing it did not see is gone.
COMPLETE = "complete"
#: Why the source failed or is incomplete.
ERROR = "error"
#: True when the crawl read a sample (a recorded sample, one shard): it never proves a listing gone.
SAMPLE = "sample"
#: True when a complete crawl of this source may legitimately find nothing (an empty shard).
EMPTY_OK = "empty_ok"
#: Pages the crawl was not allowed to read (robots.txt, off-site redirects): their listings are kept.
UNREAD_URLS = "unread_urls"
#: A note for the run summary.
NOTE = "note"
#: Pages read, and records written per record type (`records/<record_type>`).
PAGES = "pages"
RECORDS = "records"


def source_key(source: str, name: str, *parts: str) -> str:
    """The stats key of `name` (and sub-parts) for one source: `iopdir/source/<source>/<name>/...`."""
    return "/".join((SOURCE_PREFIX.rstrip("/"), source, name, *parts))


def is_error_key(key: str) -> bool:
    """True for a per-source error key (`iopdir/source/<source>/error`)."""
    return key.startswith(SOURCE_PREFIX) and key.endswith("/" + ERROR)
