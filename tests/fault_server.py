"""A loopback HTTP server that misbehaves on purpose, for the spiders' fault tests.

Each path is answered by a `Route`: a status, headers and body, optionally after a delay, cut
short mid-body, redirected, or failing a given number of times before answering normally. Every
request is logged with its arrival time, so a test can check what the spider asked and when
(retries, Retry-After waits). It listens on 127.0.0.1 only.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse


@dataclass
class Route:
    """How to answer one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    #: Send only this many bytes of the body (with the full Content-Length), then close.
    truncate_at: int | None = None
    #: Answer the first `fail_times` requests with `fail_status` (and `fail_headers`) instead.
    fail_times: int = 0
    fail_status: int = 503
    fail_headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Hit:
    """One request the server received."""

    at: float
    path: str
    query: str
    status: int


class FaultServer:
    """The server: `routes` maps a path to a Route, or to a function of the query giving one; else 404."""

    def __init__(self, port: int = 0) -> None:
        self.routes: dict[str, Route | Callable[[dict[str, str]], Route]] = {}
        self.hits: list[Hit] = []
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass  # the test reads `hits`, not stderr

            def do_GET(self) -> None:
                server._answer(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of a path on this server."""
        return self.base + path

    def hits_for(self, path: str) -> list[Hit]:
        """The requests for one path, in arrival order."""
        return [h for h in self.hits if h.path == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlparse(handler.path)
        route = self.routes.get(parts.path)
        if callable(route):
            route = route(dict(parse_qsl(parts.query)))
        with self._lock:
            count = self._served.get(parts.path, 0)
            self._served[parts.path] = count + 1
        if route is None:
            self._send(handler, parts, 404, {"Content-Type": "text/plain"}, b"not found")
            return
        if count < route.fail_times:
            self._send(handler, parts, route.fail_status, {"Content-Type": "text/plain", **route.fail_headers}, b"busy")
            return
        if route.delay_s:
            time.sleep(route.delay_s)
        headers = {"Content-Type": route.content_type, **route.headers}
        self._send(handler, parts, route.status, headers, route.body, route.truncate_at)

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        parts: object,
        status: int,
        headers: dict[str, str],
        body: bytes,
        truncate_at: int | None = None,
    ) -> None:
        self.hits.append(Hit(time.monotonic(), parts.path, parts.query, status))  # type: ignore[attr-defined]
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            if truncate_at is not None:
                handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(body if truncate_at is None else body[:truncate_at])
            handler.wfile.flush()
            if truncate_at is not None:
                handler.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    @contextmanager
    def running(self) -> Iterator["FaultServer"]:
        """Serve in a background thread for the duration of the block."""
        thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()
