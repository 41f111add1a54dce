"""Run one benchmark: `python -m benchmarks NAME [options]` from the repository root.

    national   the SAMHSA 2023 replay end to end (crawl, normalize, load, link, flag)
    scale      N synthetic listings (default 1,000,000): normalize + load + flag, against bare
               pydantic validation and DuckDB's own read of the same records
    crawl      the program_pages spider on 10,000 loopback pages, against `scrapy bench`
    hours      the hours engine on the public schedule texts
    flags      one flagging pass over 1,000,000 listings
    hsds       the HSDS export of the national replay: size and time by scope and format

`python -m benchmarks NAME --help` gives each one's options. Goals are in docs/performance.md.
"""

import importlib
import sys

BENCHMARKS = {
    "national": "benchmarks.bench_national",
    "scale": "benchmarks.bench_scale",
    "crawl": "benchmarks.bench_crawl",
    "hours": "benchmarks.bench_hours",
    "flags": "benchmarks.bench_flags",
    "hsds": "benchmarks.bench_hsds",
}


def main(argv: list[str]) -> int:
    """Dispatch to the named benchmark's `main(argv)`."""
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in BENCHMARKS:
        print(__doc__)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    module = importlib.import_module(BENCHMARKS[argv[0]])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
