"""A small upstream HTTP server on 127.0.0.1 for tests, with every fault a feed server can have.

Routes are configured per test::

    with Upstream.running() as server:
        server.route("/feed", body=b"<rss/>", etag='"v1"')
        server.redirect("/old", "/feed", status=301)
        server.drip("/slow"); server.hang("/stuck"); server.gzip_bomb("/bomb", 64 * MIB)
        fetch(server.url("/feed"), config=FetchConfig(allow_hosts=(server.host,)), now=NOW)

It listens on 127.0.0.1 only and never connects anywhere (a redirect to another address is
only a ``Location`` header).  It counts requests per path (``hits``), records request headers
(``requests``), POST bodies (``posts``, e.g. WebSub pings) and the largest number of requests
in flight at once (``max_in_flight``).  POST is answered by the same routes as GET; a route's
``statuses`` answers successive requests in turn (``(500, 204)``: fail once, then accept).
Everything is bounded: drips and hangs end after ``MAX_STALL`` seconds or when it stops.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MIB = 1024 * 1024
MAX_STALL = 20.0
"""Longest a drip or a hang keeps a connection (seconds)."""
MAX_POST = 1024 * 1024
"""Largest POST body read and recorded."""


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    """Seconds to wait before answering (to make requests overlap)."""
    mode: str = "static"
    """``static``, ``drip`` (one byte per ``interval``), ``hang`` (never answers) or ``stream`` (``size`` bytes)."""
    interval: float = 0.2
    size: int = 0
    declare_length: bool = True
    statuses: tuple[int, ...] = ()
    """Statuses of the 1st, 2nd… request to this path (the last one repeats); empty: ``status``."""


@cache
def gzip_of_zeros(size: int) -> bytes:
    """A small gzip member that inflates to ``size`` zero bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(MIB)
    parts = [compressor.compress(zeros[: min(MIB, size - done)]) for done in range(0, size, MIB)]
    return b"".join([*parts, compressor.flush()])


class Upstream:
    """A threaded upstream server; use :meth:`running` (or the tests' ``upstream`` fixture)."""

    def __init__(self, port: int = 0) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: dict[str, list[dict[str, str]]] = {}
        self.posts: dict[str, list[bytes]] = {}
        self.times: list[tuple[float, str]] = []
        """(monotonic time, path) of every request, in order."""
        self.in_flight = 0
        self.max_in_flight = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.upstream = self  # type: ignore[attr-defined]
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        daemon=True)

    @classmethod
    @contextmanager
    def running(cls, port: int = 0) -> Iterator[Upstream]:
        """A started server (on ``port``, e.g. the port of an earlier one to "restart" it)."""
        server = cls(port)
        server._thread.start()
        try:
            yield server
        finally:
            server.stop()

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``, the value to put in ``allow_hosts``."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, body: bytes = b"", status: int = 200, **options: object) -> None:
        self.routes[path] = Route(status=status, body=body, **options)  # type: ignore[arg-type]

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        location = to if "://" in to else self.url(to)
        self.routes[path] = Route(status=status, headers={"Location": location})

    def drip(self, path: str, interval: float = 0.2) -> None:
        self.routes[path] = Route(mode="drip", interval=interval)

    def hang(self, path: str) -> None:
        self.routes[path] = Route(mode="hang")

    def gzip_bomb(self, path: str, inflated: int) -> None:
        self.routes[path] = Route(body=gzip_of_zeros(inflated), headers={"Content-Encoding": "gzip"})

    def big(self, path: str, size: int, declare_length: bool = True) -> None:
        self.routes[path] = Route(mode="stream", size=size, declare_length=declare_length)

    def _enter(self, path: str, headers: dict[str, str]) -> int:
        """Count a request; returns how many requests this path has had, this one included."""
        with self._lock:
            self.hits[path] += 1
            self.times.append((time.monotonic(), path))
            self.requests.setdefault(path, []).append(headers)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return self.hits[path]

    def _record_post(self, path: str, body: bytes) -> None:
        with self._lock:
            self.posts.setdefault(path, []).append(body)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _Handler(BaseHTTPRequestHandler):
    server_version = "feedkit-test-upstream"
    timeout = 10

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), MAX_POST)
        body = self.rfile.read(length) if length > 0 else b""
        upstream: Upstream = self.server.upstream  # type: ignore[attr-defined]
        upstream._record_post(self.path.split("?", 1)[0], body)
        self.do_GET()

    def do_GET(self) -> None:
        upstream: Upstream = self.server.upstream  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        hit = upstream._enter(path, {name.lower(): value for name, value in self.headers.items()})
        try:
            route = upstream.routes.get(path)
            if route is not None and route.statuses:
                route = replace(route, status=route.statuses[min(hit, len(route.statuses)) - 1])
            if route is None:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            if route.delay:
                upstream.stopping.wait(route.delay)
            self._answer(route, upstream.stopping)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            upstream._leave()

    def _answer(self, route: Route, stopping: threading.Event) -> None:
        if route.mode == "hang":
            stopping.wait(MAX_STALL)
        elif route.mode == "drip":
            self._drip(route.interval, stopping)
        elif route.mode == "stream":
            self._stream(route.size, route.declare_length)
        elif self._not_modified(route):
            self._send(304, b"", {k: v for k, v in (("ETag", route.etag), ("Last-Modified", route.last_modified)) if v})
        else:
            headers = {"Content-Type": "application/rss+xml", **route.headers}
            if route.etag:
                headers["ETag"] = route.etag
            if route.last_modified:
                headers["Last-Modified"] = route.last_modified
            self._send(route.status, route.body, headers)

    def _not_modified(self, route: Route) -> bool:
        if route.etag and self.headers.get("If-None-Match") == route.etag:
            return True
        return bool(route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, interval: float, stopping: threading.Event) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.end_headers()
        self.wfile.flush()
        started = time.monotonic()
        while not stopping.is_set() and time.monotonic() - started < MAX_STALL:
            self.wfile.write(b"<")
            self.wfile.flush()
            stopping.wait(interval)

    def _stream(self, size: int, declare_length: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        if declare_length:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"x" * 65536
        for done in range(0, size, len(chunk)):
            self.wfile.write(chunk[: min(len(chunk), size - done)])
