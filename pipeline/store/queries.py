"""Read-only questions other stages ask of the database."""

from pathlib import Path
from urllib.parse import urlparse

from pipeline.store.connection import connect


def website_roots(db_path: str | Path, exclude_source: str | None = None) -> list[str]:
    """The home page (scheme://host/) of every website the active listings give, one per host.

    Read-only; an absent database has none. Seeds the crawl of providers' own program pages.
    """
    if not Path(db_path).is_file():
        return []
    con = connect(db_path, read_only=True)
    try:
        if not con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'listing_records'"
        ).fetchone()[0]:
            return []
        rows = con.execute(
            "SELECT DISTINCT website FROM listing_records "
            "WHERE active AND website IS NOT NULL AND source IS DISTINCT FROM ?",
            [exclude_source],
        ).fetchall()
    finally:
        con.close()
    roots: dict[str, str] = {}
    # https first, then in text order: the same database always gives the same seeds.
    for (website,) in sorted(rows, key=lambda r: (not r[0].startswith("https:"), r[0])):
        parts = urlparse(website)
        if parts.scheme in {"http", "https"} and parts.hostname:
            roots.setdefault(parts.hostname.lower().removeprefix("www."), f"{parts.scheme}://{parts.netloc}/")
    return sorted(roots.values())
