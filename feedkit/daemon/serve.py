"""Serve the output folder over HTTP: the embedded default for people who just want to subscribe.

* Only files inside the output folder: no ``..``, no dot-files (temporary files of an
  unfinished write start with ``.``), no symlink that leads outside
  (:func:`feedkit.write.safe_output_path`), no folder listings.  ``/`` and ``folder/``
  serve ``index.html``.
* ``Content-Type`` by file: ``rss.xml`` ``application/rss+xml``, ``atom.xml``
  ``application/atom+xml``, ``feed.json`` ``application/feed+json``, ``.opml``
  ``text/x-opml``, ``.html`` ``text/html``, ``.xsl`` ``text/xsl`` (other ``.xml`` files by
  their root element), all with ``charset=utf-8``.  **Browsers** get RSS and Atom as
  ``application/xml``: a request whose ``Accept`` names ``text/html`` but no feed type is
  a browser, and Chromium applies the XSL stylesheet only to ``application/xml``.  Feed
  readers (``*/*``, ``application/rss+xml`` …) get the feed types.  ``Vary: Accept``.
* ``ETag`` (a hash of the bytes, one per representation), ``Last-Modified``, 304 for
  ``If-None-Match`` / ``If-Modified-Since``, gzip when accepted, ``HEAD``.
* ``/healthz``: JSON from the daemon (:mod:`feedkit.daemon`).
* Bounded: at most ``max_connections`` connections at once (more get 503) and an idle
  timeout per connection.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import mimetypes
import re
import socket
import threading
from collections.abc import Callable, Mapping
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from feedkit.config.types import FILE_NAMES
from feedkit.errors import ConfigError, OutputError
from feedkit.output.write import safe_output_path

FEED_TYPES: Mapping[str, str] = {"rss": "application/rss+xml", "atom": "application/atom+xml",
                                 "json": "application/feed+json"}
BROWSER_XML = "application/xml"
"""What browsers get instead of RSS/Atom types, so that they apply the XSL stylesheet."""
_BY_NAME = {FILE_NAMES[fmt]: FEED_TYPES[fmt] for fmt in FILE_NAMES}
_BY_SUFFIX = {".opml": "text/x-opml", ".html": "text/html", ".htm": "text/html", ".xsl": "text/xsl",
              ".json": "application/json", ".xml": "application/xml", ".txt": "text/plain", ".css": "text/css"}
_TEXT_TYPES = ("text/", "application/xml", "application/json", "application/rss+xml", "application/atom+xml",
               "application/feed+json")
_ROOT_ELEMENT = re.compile(rb"<([^?!\s/>][^\s/>]*)")
GZIP_MIN_BYTES = 256
HEALTH_PATH = "/healthz"

HealthFunction = Callable[[], tuple[int, dict[str, Any]]]
"""Returns the HTTP status and the JSON object of ``/healthz``."""


def parse_bind(value: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[IPv6]:PORT``, ``:PORT`` or ``PORT`` (host 127.0.0.1) as (host, port)."""
    host, _, port_text = value.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError("--serve", f"expected HOST:PORT such as 127.0.0.1:8080, got {value!r}")
    return host, int(port_text)


def content_type(name: str, head: bytes, accept: str = "*/*") -> str:
    """The ``Content-Type`` for a file called ``name`` starting with ``head``, for a client sending ``accept``."""
    kind = _BY_NAME.get(name)
    suffix = Path(name).suffix.lower()
    if kind is None and suffix == ".xml":
        kind = _xml_feed_type(head)
    if kind is None:
        kind = _BY_SUFFIX.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind in (FEED_TYPES["rss"], FEED_TYPES["atom"]) and is_browser(accept):
        kind = BROWSER_XML
    return f"{kind}; charset=utf-8" if kind.startswith(_TEXT_TYPES) else kind


def _xml_feed_type(head: bytes) -> str | None:
    match = _ROOT_ELEMENT.search(head)
    root = match.group(1).decode("ascii", "replace") if match else ""
    if root == "rss" or root.endswith(":RDF"):
        return FEED_TYPES["rss"]
    return FEED_TYPES["atom"] if root == "feed" else None


def _media_types(header: str) -> dict[str, float]:
    """``Accept``-style header -> {lower-cased value: q}."""
    result: dict[str, float] = {}
    for part in header.split(","):
        value, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            if param.lower().startswith("q="):
                with contextlib.suppress(ValueError):
                    quality = float(param[2:])
        if value:
            result[value.lower()] = quality
    return result


def is_browser(accept: str) -> bool:
    """True when ``Accept`` asks for ``text/html`` and names no feed type (a web browser, not a reader)."""
    types = _media_types(accept)
    wants_feed = any(types.get(kind, 0) > 0 for kind in (FEED_TYPES["rss"], FEED_TYPES["atom"]))
    return types.get("text/html", 0) > 0 and not wants_feed


def accepts_gzip(accept_encoding: str) -> bool:
    return _media_types(accept_encoding).get("gzip", 0) > 0


def resolve_request_path(root: Path, raw_path: str) -> Path | None:
    """The file inside ``root`` that request path ``raw_path`` names, or None (404)."""
    try:
        text = unquote(urlsplit(raw_path).path, errors="strict")
    except UnicodeDecodeError:
        return None
    if not text.startswith("/"):
        return None
    rel = text[1:]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    if any(segment.startswith(".") for segment in rel.split("/")):
        return None
    try:
        target = safe_output_path(root, rel)
        if target.is_dir():
            target = safe_output_path(root, rel + "/index.html")
        return target if target.is_file() else None
    except (OutputError, OSError):  # outside, a symlink loop, a name too long for the file system
        return None


def etag_matches(header: str, etag: str) -> bool:
    """``If-None-Match`` comparison (weak, as RFC 9110 asks for GET and HEAD)."""
    if header.strip() == "*":
        return True
    tags = (tag.strip().removeprefix("W/") for tag in header.split(","))
    return etag.removeprefix("W/") in tags


class OutputServer(ThreadingHTTPServer):
    """The HTTP server; :meth:`start` runs it in a thread, :meth:`stop` ends it."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int, *, root: Callable[[], Path], health: HealthFunction,
                 max_connections: int = 64, timeout: float = 10.0) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.root = root
        self.health = health
        self._slots = threading.BoundedSemaphore(max_connections)
        self._etags: dict[tuple[str, int, int, int], str] = {}
        self._thread: threading.Thread | None = None
        try:
            super().__init__((host, port), type("Handler", (_Handler,), {"timeout": timeout}))
        except OSError as exc:
            raise ConfigError("--serve", f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{text}]" if self.address_family == socket.AF_INET6 else text
        return f"http://{shown}:{port}/"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="feedkit-serve", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
        self.server_close()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def digest(self, path: Path, data: bytes) -> str:
        """The content hash of ``path`` (cached while its size, mtime and inode stay)."""
        info = path.stat()
        key = (str(path), info.st_mtime_ns, info.st_size, info.st_ino)
        value = self._etags.get(key)
        if value is None:
            if len(self._etags) > 4096:
                self._etags.clear()
            value = self._etags[key] = hashlib.sha256(data).hexdigest()[:32]
        return value


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedkit"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version  # no trailing Python version

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: put nginx in front for one."""

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, *, with_body: bool) -> None:
        server = cast(OutputServer, self.server)
        if urlsplit(self.path).path == HEALTH_PATH:
            status, document = server.health()
            body = json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"
            self._send(status, body, {"Content-Type": "application/json; charset=utf-8",
                                      "Cache-Control": "no-store"}, with_body)
            return
        target = resolve_request_path(server.root(), self.path)
        try:
            data = target.read_bytes() if target else None
            stamp = target.stat().st_mtime if target else 0.0
        except OSError:
            data = None
        if target is None or data is None:
            self._send(404, b"not found\n", {"Content-Type": "text/plain; charset=utf-8"}, with_body)
            return
        self._send_file(server.digest(target, data), target.name, data, stamp, with_body)

    def _send_file(self, digest: str, name: str, data: bytes, mtime: float, with_body: bool) -> None:
        kind = content_type(name, data[:1024], self.headers.get("Accept", "*/*"))
        suffix = "" if kind == content_type(name, data[:1024]) else "-view"  # the browser's representation
        compress = accepts_gzip(self.headers.get("Accept-Encoding", "")) and len(data) >= GZIP_MIN_BYTES
        headers = {
            "ETag": f'"{digest}{suffix}{"-gzip" if compress else ""}"',
            "Last-Modified": formatdate(int(mtime), usegmt=True),
            "Cache-Control": "no-cache",
            "Vary": "Accept, Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
        }
        if self._not_modified(headers["ETag"], int(mtime)):
            self._send(304, b"", headers, with_body=False)
            return
        body = gzip.compress(data, mtime=0) if compress else data
        if compress:
            headers["Content-Encoding"] = "gzip"
        self._send(200, body, {"Content-Type": kind, **headers}, with_body)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag_matches(if_none_match, etag)
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return mtime <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, IndexError):
            return False

    def _send(self, status: int, body: bytes, headers: dict[str, str], with_body: bool) -> None:
        """Answer; a 304 has neither a body nor a ``Content-Length``."""
        has_body = status != 304
        self.send_response(status)
        for name, value in {**headers, **({"Content-Length": str(len(body))} if has_body else {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if with_body and has_body:
            self.wfile.write(body)
