"""`iopdir ui`: the review report served on this machine, with a decision form per flag.

GET `/` reads the database read-only (a connection per page, closed before the answer) and renders
`review.html.j2`, which shares its macros and styles with the static report. The filters (state,
rule, source, confidence, status) are query parameters, so a filtered view is a URL.

POST `/review` records one decision with `record_review` (one short write) and redirects back to
the filtered view it came from (POST/redirect/GET), where a flash line says what was recorded. A
decision that cannot be saved is never dropped quietly: when another process holds the database
(DuckDB lets one process write, and none while another has the file open) or the note is empty,
the answer is an error page that says the decision was NOT saved and holds the same form, note
kept, to send again.

Forms are safe from other sites: each carries this process's random token (checked in constant
time), the request's Origin (or Referer) must be this server, and the Host header must be one this
server answers to (no DNS rebinding); anything else is refused with 403. The server binds
127.0.0.1 unless told otherwise.
"""

import hmac
import secrets
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline.flags.store import DECISIONS, ReviewError, record_review
from pipeline.outputs.report.build import environment
from pipeline.outputs.report.data import NO_STATE, read_report_data
from pipeline.outputs.report.glance import glance
from pipeline.store.connection import DatabaseBusy, DatabaseUnusable
from schemas.vocab import CONFIDENCE_RANK

TEMPLATE = "review.html.j2"
FILTERS = ("state", "rule", "source", "confidence", "status")
STATUSES = ("open", *DECISIONS, "all")
MAX_BODY = 16_384  # bytes of a decision form: a note of 2,000 characters and the hidden fields
MAX_NOTE = 2000
BUSY = (
    "The database is busy: another process has it open (a run loading it, or a reader such as iopdir query). "
    "Your decision was NOT saved; try again."
)
# The page loads nothing and runs no script; forms may only post here; no other site may frame it.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def clean_filters(values: dict[str, str]) -> dict[str, str]:
    """The known filters of a query string, trimmed; unknown keys and empty values are dropped."""
    filters = {k: (values.get(k) or "").strip()[:100] for k in FILTERS}
    if filters["state"]:
        filters["state"] = filters["state"].upper()
    return {k: v for k, v in filters.items() if v}


def query_string(filters: dict[str, str], **changes: str | None) -> str:
    """`?state=VA&...` for these filters with `changes` applied (None removes one); '' for none."""
    merged = {**filters, **changes}
    kept = [(k, merged[k]) for k in FILTERS if merged.get(k)]
    return "?" + urlencode(kept) if kept else ""


def select_flags(flags: list[dict[str, Any]], filters: dict[str, str]) -> list[dict[str, Any]]:
    """The active flags that pass the filters; status defaults to open, `all` keeps every status."""
    status = filters.get("status", "open")
    return [
        f
        for f in flags
        if (status == "all" or f["status"] == status)
        and (not filters.get("state") or (f["state"] or NO_STATE.upper()) == filters["state"])
        and (not filters.get("rule") or f["rule_id"] == filters["rule"])
        and (not filters.get("source") or f["source"] == filters["source"])
        and (not filters.get("confidence") or (f["confidence"] or "unknown") == filters["confidence"])
    ]


def _options(flags: list[dict[str, Any]], key: str, missing: str) -> list[tuple[str, str]]:
    values = sorted({f[key] or missing for f in flags})
    return [(v, v) for v in values]


class ReviewApp:
    """The state of one `iopdir ui` process: the database, the reviewer, the form token, flash lines."""

    def __init__(self, db: str | Path, reviewer: str, allowed_hosts: tuple[str, ...]) -> None:
        self.db = str(db)
        self.reviewer = reviewer
        self.allowed_hosts = allowed_hosts  # host[:port] values the Host header may have
        self.token = secrets.token_urlsafe(32)
        # DuckDB refuses a read-only and a writing connection to one file at once in one process:
        # requests (run on worker threads) take turns with the file.
        self.lock = threading.Lock()
        self.flashes: OrderedDict[str, tuple[str, bool]] = OrderedDict()

    # -- pages ------------------------------------------------------------------------------------

    def render(self, context: dict[str, Any], status: int = 200) -> HTMLResponse:
        """The page with the shared parts of every context."""
        page = (
            environment()
            .get_template(TEMPLATE)
            .render(
                {
                    "flash": None,
                    "flash_error": False,
                    "retry": None,
                    "unavailable": False,
                    "filters": {},
                    "no_state": NO_STATE.upper(),
                    **context,
                }
            )
        )
        return HTMLResponse(page, status_code=status, headers=HEADERS)

    def review_fields(self, filters: dict[str, str]) -> dict[str, str]:
        """What each decision form carries: the token and the view to come back to."""
        return {"token": self.token, "back": query_string(filters)}

    def flags_page(self, request: Request) -> Response:
        """GET /: the glance, the filters and the filtered flags, each with its decision form."""
        if refused := self.refuse_host(request):
            return refused
        filters = clean_filters(dict(request.query_params))
        flash, flash_error = self.flashes.pop(request.query_params.get("flash", ""), (None, False))
        try:
            with self.lock:
                data = read_report_data(self.db)
        except (DatabaseBusy, DatabaseUnusable) as error:
            message = f"{error}. Reload the page to try again."
            return self.render({"flash": message, "flash_error": True, "unavailable": True}, 503)
        flags = select_flags(data.active_flags, filters)
        selects = [
            ("state", "State", _options(data.active_flags, "state", NO_STATE.upper()), "all"),
            ("rule", "Rule", _options(data.active_flags, "rule_id", ""), "all"),
            ("source", "Source", _options(data.active_flags, "source", ""), "all"),
            ("confidence", "Confidence", [(c, c) for c in (*CONFIDENCE_RANK, "unknown")], "all"),
            ("status", "Status", [(s, s) for s in STATUSES if s != "open"], "open"),
        ]
        return self.render(
            {
                "db": self.db,
                "run": data.run,
                "reviewer": self.reviewer,
                "flags_lag": data.flags_lag,
                "flash": flash,
                "flash_error": flash_error,
                "glance": glance(data.flags),
                "state_href": lambda st: "/" + query_string(filters, state=st, status=None),
                "cell_href": lambda rule, conf: "/" + query_string(filters, rule=rule, confidence=conf, status=None),
                "filters": filters,
                "selects": selects,
                "flags": flags,
                "total": len(data.active_flags),
                "review": self.review_fields(filters),
            }
        )

    async def decide(self, request: Request) -> Response:
        """POST /review: check where the form came from, record the decision, go back to the view."""
        if refused := self.refuse_host(request) or self.refuse_origin(request):
            return refused
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return PlainTextResponse("a decision is sent as a form", 415)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("the form is too large", 413)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        if not hmac.compare_digest(form.get("csrf", "").encode(), self.token.encode()):
            return PlainTextResponse("refused: this form did not come from this iopdir ui (reload the page)", 403)
        # Only the known filters of `back` are kept: the redirect never leaves this page.
        filters = clean_filters({k: v[0] for k, v in parse_qs(urlsplit(form.get("back", "")).query).items()})
        flag_id, decision, note = form.get("flag_id", ""), form.get("decision", ""), form.get("note", "")
        try:
            if len(note) > MAX_NOTE:
                raise ReviewError(f"the note is longer than {MAX_NOTE} characters")
            await run_in_threadpool(self.record, flag_id, decision, note)
        except DatabaseBusy:
            return self.retry(flag_id, note, filters, BUSY, 503)
        except (ReviewError, DatabaseUnusable) as error:
            return self.retry(flag_id, note, filters, f"Your decision was NOT saved: {error}.", 400)
        key = self.flash(f"Recorded: flag {flag_id} {decision} by {self.reviewer} — “{note.strip()}”.")
        view = query_string(filters)
        return RedirectResponse(f"/{view}{'&' if view else '?'}flash={key}", status_code=303, headers=HEADERS)

    def record(self, flag_id: str, decision: str, note: str) -> None:
        """One decision, one short write; the file is this process's only while it lasts."""
        with self.lock:
            record_review(self.db, flag_id, decision, note, self.reviewer)

    def retry(self, flag_id: str, note: str, filters: dict[str, str], message: str, status: int) -> HTMLResponse:
        """The error page of a decision not saved: the message and the same form, note kept."""
        context = {"flash": message, "flash_error": True, "review": self.review_fields(filters)}
        return self.render({**context, "retry": {"flag_id": flag_id, "note": note}}, status)

    def flash(self, message: str) -> str:
        """Keep a flash line for the next page; returns its key (the last 100 are kept)."""
        key = secrets.token_urlsafe(8)
        self.flashes[key] = (message, False)
        while len(self.flashes) > 100:
            self.flashes.popitem(last=False)
        return key

    # -- where requests come from -----------------------------------------------------------------

    def refuse_host(self, request: Request) -> Response | None:
        """403 unless the Host header names this server (a rebinding site's name does not)."""
        if self.allowed_hosts and request.headers.get("host", "") not in self.allowed_hosts:
            return PlainTextResponse("refused: unknown Host", 403)
        return None

    def refuse_origin(self, request: Request) -> Response | None:
        """403 unless the Origin (or, without one, the Referer) is this server."""
        source = request.headers.get("origin") or request.headers.get("referer")
        if not source or source == "null":
            return PlainTextResponse("refused: a decision must come from this page (no Origin or Referer)", 403)
        parts = urlsplit(source)
        if parts.scheme != "http" or parts.netloc != request.headers.get("host"):
            return PlainTextResponse("refused: cross-site request", 403)
        return None


def allowed_hosts(host: str, port: int) -> tuple[str, ...]:
    """The Host header values of a server on host:port: its address, and both loopback names for a
    loopback one. Empty (any Host) for a wildcard address (0.0.0.0, ::), whose names are not known;
    Origin must still equal Host."""
    if host in ("0.0.0.0", "::", ""):
        return ()
    names = {host}
    if host in ("127.0.0.1", "localhost", "::1"):
        names |= {"127.0.0.1", "localhost", "[::1]"}
    return tuple(sorted(f"[{n}]:{port}" if ":" in n and not n.startswith("[") else f"{n}:{port}" for n in names))


def create_app(db: str | Path, reviewer: str, hosts: tuple[str, ...]) -> Starlette:
    """The Starlette app of `iopdir ui` on `db`, recording decisions as `reviewer`."""
    state = ReviewApp(db, reviewer, hosts)
    app = Starlette(
        routes=[Route("/", state.flags_page, methods=["GET"]), Route("/review", state.decide, methods=["POST"])]
    )
    app.state.review = state
    return app
