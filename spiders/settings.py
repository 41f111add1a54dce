"""Scrapy settings shared by every spider: polite by default.

Run a spider with `scrapy crawl NAME` from the repository root (scrapy.cfg points here) or from
anywhere with `SCRAPY_SETTINGS_MODULE=spiders.settings`.
"""

BOT_NAME = "iop-directory"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Identify ourselves and say where to reach the maintainers.
USER_AGENT = "iop-directory/0.1 (+https://github.com/iop-directory/iop-directory; open data research crawler)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_TIMEOUT = 60
# National directory workbooks are a few MB; refuse anything absurd.
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024
# Items need no concurrent processing (the pipelines are synchronous), and Scrapy starts one task
# per slot for every callback's output: 16 instead of 100 cut the national crawl from ~5.3 s to ~3.9 s.
CONCURRENT_ITEMS = 16
RETRY_ENABLED = True
RETRY_TIMES = 3
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# A "Crawled N pages, scraped M items" line every few seconds: the CLI's live progress reads it.
LOGSTATS_INTERVAL = 5.0

DOWNLOADER_MIDDLEWARES = {
    # Retries wait as long as a 429/503's Retry-After asks (up to RETRY_AFTER_MAX seconds).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.retry.RetryAfterMiddleware": 550,
    # Its process_exception runs before the retries': a first request that cannot resolve or
    # connect closes the crawl at once instead of being retried (IOPDIR_FAIL_FAST).
    "spiders.fail_fast.FailFastMiddleware": 560,
    # Its process_response runs before RedirectMiddleware's (600): redirects to another site are refused.
    "spiders.redirects.SameSiteRedirectMiddleware": 650,
    # Last before the downloader, so robots.txt, retries and the user agent work as in a live crawl.
    "spiders.replay.ReplayMiddleware": 990,
}
RETRY_AFTER_MAX = 300.0
EXTENSIONS = {
    "spiders.stats_file.StatsFile": 500,
}

# Offline replay: a folder mirroring the sources' files (e.g. ../shared/data). Unset = live.
IOPDIR_REPLAY_DIR = None
# Close the crawl when its first request cannot resolve or connect (spiders/fail_fast.py).
IOPDIR_FAIL_FAST = True
# Where StatsFile writes the crawl's stats as JSON. Unset = not written.
IOPDIR_STATS_FILE = None

# program_pages: at most this many pages a site (home page included), and where the seeds are.
PROGRAM_PAGES_MAX_PER_SITE = 12
PROGRAM_PAGES_SEEDS = None
# program_pages: "I/N" crawls only shard I of N of the seed sites (split by a stable hash of the site). Unset = all.
PROGRAM_PAGES_SHARD = None

# No per-item DEBUG record is built unless LOG_LEVEL is DEBUG (see spiders/logformatter.py).
LOG_FORMATTER = "spiders.logformatter.QuietItemsLogFormatter"
# Plain-dict items skip Scrapy's per-field export pass (same output; see spiders/exporters.py).
FEED_EXPORTERS = {"jsonlines": "spiders.exporters.FastJsonLinesItemExporter"}
