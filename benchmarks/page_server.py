"""A loopback web server of generated provider program pages, for the crawl benchmark.

    .venv/bin/python -m benchmarks.page_server [--pages 10000] [--sites 1] [--port 0] [--until-stdin-closes]

Serves `--pages` pages spread over `--sites` sites. Site K (1-based) listens on 127.0.0.K:
every 127.0.0.0/8 address is on Linux's loopback interface, and `site_of()` keys a site by its host
only, so distinct addresses (not distinct ports) are what make distinct sites. Each site has a
robots.txt allowing everything, a home page `/` and program pages `/programs/<slug>-<n>`; every page
links to the next few pages of its site (a tree: page n links to pages n*4+1 .. n*4+4), so a crawler
starting at the home page discovers every page by following links, as `scrapy bench` does.

Pages look like providers' program pages: navigation (a "Programs" link repeated on every page, so
the duplicate filter has work, and links the spider must not follow: About us, Careers...), a
heading per program that names a level of care with a schedule paragraph under it, an "About us"
section that names none, related-program links, sometimes schema.org JSON-LD.

All responses are rendered before the server starts listening and served from a dict by a bare
asyncio protocol (HTTP/1.1 keep-alive, GET only), so a page costs the server a dict lookup and a
socket write: the server must not be what limits the crawl (about 50 us of CPU a request, some
20,000 requests a second on one core). `GET /__stats` answers the server's CPU seconds, requests
and connections so far, so the benchmark can show how busy the server was and that connections
were kept alive.

When listening, the server prints one JSON line on stdout: {"seeds": [home page URLs],
"pages": N, "sections": program sections a complete crawl must find, "bytes": mean page size}.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import sys
import time
from dataclasses import dataclass

#: Links to further program pages on each page (the tree's fan-out).
FAN_OUT = 4

_SLUGS = (
    "iop",
    "php",
    "intensive-outpatient",
    "partial-hospitalization",
    "adolescent-iop",
    "evening-iop",
    "day-treatment",
    "dual-diagnosis-iop",
)
# (heading, level the spider must read from it)
_PROGRAMS = (
    ("Intensive Outpatient Program (IOP)", "iop"),
    ("Adult Intensive Outpatient Program", "iop"),
    ("Evening IOP for Working Adults", "iop"),
    ("Adolescent Intensive Outpatient (Ages 13-17)", "iop"),
    ("Partial Hospitalization Program (PHP)", "php"),
    ("Day Treatment Program", "php"),
)
_DAYS = (
    "Monday, Wednesday and Thursday",
    "Monday through Friday",
    "Tuesday, Thursday and Saturday",
    "Mondays, Tuesdays and Thursdays",
    "Monday to Thursday",
)
_TIMES = (
    "9 a.m. to 12 p.m.",
    "6:00 pm - 9:00 pm",
    "10am-1pm",
    "8:30 a.m. to 2:30 p.m.",
    "5:30 to 8:30 p.m.",
)
_CITIES = ("Springfield", "Riverton", "Fairview", "Lakewood", "Georgetown", "Salem", "Madison", "Clinton")
_NAV = (
    ("/", "Home"),
    ("/programs/php-1", "Programs"),  # page_path(1): the same link on every page
    ("/admissions", "Admissions"),
    ("/insurance", "Insurance &amp; Payment"),
    ("/about", "About us"),
    ("/careers", "Careers"),
    ("/contact", "Contact"),
)
_FAQ = (
    (
        "Do you accept insurance?",
        "Yes: most commercial plans, Medicaid and Medicare. We verify benefits before you start.",
    ),
    ("Is telehealth available?", "Many groups can be attended by secure video when coming in is not possible."),
    (
        "How do I get started?",
        "Call or fill in the contact form; an intake coordinator answers within one business day.",
    ),
    ("What should I bring?", "A photo ID, your insurance card and a list of the medications you take."),
)
# Real pages carry styles and scripts that the parser must skip; a modest inline block stands in for them.
_STYLE = (
    "<style>"
    + "".join(f".c{i}{{margin:{i}px;padding:{i % 7}px;color:#3{i % 10}{i % 10}}}" for i in range(40))
    + "</style>"
)
_FOOTER = (("/privacy", "Privacy policy"), ("/terms", "Terms of use"), ("/blog", "Blog"), ("/sitemap", "Site map"))


@dataclass(frozen=True)
class Page:
    """One generated page: its path, its HTML and how many program sections it describes."""

    path: str
    html: str
    sections: int


def page_path(number: int) -> str:
    """The path of page `number` of a site: 0 is the home page."""
    return "/" if number == 0 else f"/programs/{_SLUGS[number % len(_SLUGS)]}-{number}"


def _program(rng: random.Random, heading: str, city: str) -> str:
    days, hours = rng.choice(_DAYS), rng.choice(_TIMES)
    weeks = rng.choice((6, 8, 10, 12))
    return (
        f"<h2>{heading}</h2>\n"
        f"<p>Our {heading.lower()} meets {days}, {hours}, for about {weeks} weeks. Groups are small, "
        f"led by licensed counselors, and most insurance plans are accepted.</p>\n"
        "<ul><li>Group therapy and relapse prevention</li><li>Individual counseling once a week</li>"
        "<li>Medication management with our psychiatrist</li><li>Family sessions on request</li></ul>\n"
        f"<p>Call our {city} office to schedule an assessment; same-week starts are often available.</p>\n"
    )


def render_page(site: int, number: int, pages: int) -> Page:
    """Page `number` (0 = home) of site `site`, a site of `pages` pages, deterministic."""
    rng = random.Random(site * 1_000_003 + number)
    city = rng.choice(_CITIES)
    provider = f"{city} Recovery Center {site}"
    programs = rng.sample(_PROGRAMS, k=1 if number % 3 else 2)
    children = [page_path(n) for n in range(number * FAN_OUT + 1, min(pages, number * FAN_OUT + FAN_OUT + 1))]
    # A title that names no level, so the spider's sections are exactly the program headings.
    title = "Programs and schedules" if number else f"Welcome to {provider}"
    nav = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in _NAV)
    footer = " | ".join(f'<a href="{href}">{text}</a>' for href, text in _FOOTER)
    related = "".join(
        f'<li><a href="{href}">{_PROGRAMS[(number + i) % len(_PROGRAMS)][0]} in {city}</a></li>'
        for i, href in enumerate(children)
    )
    offices = "".join(
        f"<li>{c} office: {100 + i * 17} Oak Ave, {c}. Phone (555) 01{i}-23{i}4. Mon-Fri 8am-6pm</li>"
        for i, c in enumerate(_CITIES)
    )
    ld = (
        '<script type="application/ld+json">'
        + json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "MedicalClinic",
                "name": provider,
                "address": {"@type": "PostalAddress", "addressLocality": city},
                "openingHours": "Mo-Fr 08:00-18:00",
            }
        )
        + "</script>"
        if number % 2 == 0
        else ""
    )
    html = (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{title} | {provider}</title>\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="description" content="{provider}: outpatient addiction and mental health treatment.">\n'
        '<link rel="stylesheet" href="/assets/site.css"><script src="/assets/site.js" defer></script>'
        f"{_STYLE}{ld}</head>\n"
        f'<body><header><a class="logo" href="/">{provider}</a><nav><ul>{nav}</ul></nav></header>\n'
        f"<main><h1>{title}</h1>\n"
        f"<p>{provider} has helped adults and teens in {city} since 1998 with evidence-based care.</p>\n"
        + "".join(_program(rng, heading, city) for heading, _ in programs)
        + "<h2>About us</h2>\n<p>We are a non-profit, state-licensed treatment provider accredited by "
        "the Joint Commission. Our team includes counselors, nurses and a psychiatrist.</p>\n"
        + "".join(f"<h3>{question}</h3>\n<p>{answer}</p>\n" for question, answer in _FAQ)
        + (f"<h2>Related programs</h2>\n<ul>{related}</ul>\n" if related else "")
        + f"</main>\n<footer><p>&copy; 2025 {provider}, 100 Main St, {city}</p><p>{footer}</p>"
        f"<ul>{offices}</ul></footer>"
        "</body></html>\n"
    )
    return Page(page_path(number), html, len(programs))


def _response(status: str, body: bytes, content_type: str) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode("ascii") + body


_NOT_FOUND = _response("404 Not Found", b"<html><body><h1>Not found</h1></body></html>", "text/html; charset=utf-8")
_BAD_REQUEST = _response("400 Bad Request", b"", "text/plain")
_ROBOTS = _response("200 OK", b"User-agent: *\nDisallow:\n", "text/plain")


def render_site(site: int, pages: int) -> tuple[dict[bytes, bytes], int, int]:
    """(path -> complete HTTP response, program sections, HTML bytes) of one site of `pages` pages."""
    responses = {b"/robots.txt": _ROBOTS}
    sections = size = 0
    for number in range(pages):
        page = render_page(site, number, pages)
        body = page.html.encode("utf-8")
        responses[page.path.encode("ascii")] = _response("200 OK", body, "text/html; charset=utf-8")
        sections += page.sections
        size += len(body)
    return responses, sections, size


class _Counters:
    requests = 0
    connections = 0


class _Http(asyncio.Protocol):
    """HTTP/1.1 with keep-alive over pre-rendered responses; enough for a crawler's GETs."""

    def __init__(self, responses: dict[bytes, bytes]) -> None:
        self.responses = responses
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        _Counters.connections += 1

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        # Several requests may arrive in one read (pipelining) or one request over several reads.
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            request_line, _, headers = head.partition(b"\r\n")
            parts = request_line.split(b" ")
            _Counters.requests += 1
            if len(parts) != 3 or parts[0] != b"GET":
                self.transport.write(_BAD_REQUEST)
                self.transport.close()  # a request body we do not read would be taken for the next request
                return
            path = parts[1].split(b"?", 1)[0]
            if path == b"/__stats":
                stats = {
                    "cpu_s": time.process_time(),
                    "requests": _Counters.requests,
                    "connections": _Counters.connections,
                }
                self.transport.write(_response("200 OK", json.dumps(stats).encode(), "application/json"))
            else:
                self.transport.write(self.responses.get(path, _NOT_FOUND))
            if parts[2] == b"HTTP/1.0" or b"connection: close" in headers.lower():
                self.transport.close()
                return


async def serve(pages: int, sites: int, port: int = 0, until_stdin_closes: bool = False) -> None:
    """Serve `pages` pages over `sites` sites on 127.0.0.1..127.0.0.<sites> and print the JSON line.

    Runs until cancelled or, with `until_stdin_closes`, until standard input reaches end of file.
    """
    if not 1 <= sites <= 254:
        raise ValueError(f"sites must be 1..254, got {sites}")
    loop = asyncio.get_running_loop()
    # Spread the pages as evenly as possible; every site has at least its home page.
    counts = [max(1, pages // sites + (site <= pages % sites)) for site in range(1, sites + 1)]
    seeds: list[str] = []
    sections = size = 0
    for site, count in enumerate(counts, start=1):
        responses, site_sections, site_size = render_site(site, count)
        sections += site_sections
        size += site_size
        server = await loop.create_server(
            lambda r=responses: _Http(r), f"127.0.0.{site}", port, reuse_address=True, backlog=1024
        )
        sock: socket.socket = server.sockets[0]
        seeds.append(f"http://127.0.0.{site}:{sock.getsockname()[1]}/")
    summary = {"seeds": seeds, "pages": sum(counts), "sections": sections, "bytes": size // sum(counts)}
    print(json.dumps(summary), flush=True)
    stop = asyncio.Event()
    if until_stdin_closes:
        # The benchmark holds our stdin open: if it dies, even by SIGKILL, we exit rather than linger.
        loop.add_reader(sys.stdin.fileno(), lambda: os.read(sys.stdin.fileno(), 4096) or stop.set())
    await stop.wait()


def main(argv: list[str] | None = None) -> int:
    """Run the page server until killed (or, with --until-stdin-closes, until stdin closes)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10_000, help="pages in all, home pages included")
    parser.add_argument("--sites", type=int, default=1, help="sites, on 127.0.0.1 .. 127.0.0.N")
    parser.add_argument("--port", type=int, default=0, help="port of every site; 0 = any free port")
    parser.add_argument("--until-stdin-closes", action="store_true", help="exit when standard input closes")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.pages, args.sites, args.port, args.until_stdin_closes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
