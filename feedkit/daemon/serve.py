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
* Bounded (:class:`OutputServer`): waitress answers, with at most ``max_connections`` open
  connections (more wait in the listen backlog), ``threads`` worker threads, and an idle
  timeout per connection.  Slow clients hold a connection, never a worker thread.
* Consistent under builds: a file is opened once and its bytes, size, mtime and inode all come
  from that one open file, so a reader gets the old or the new version whole, with its own ETag.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import math
import mimetypes
import os
import re
import socket
import threading
from collections.abc import Callable, Mapping
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from waitress import wasyncore  # type: ignore[import-untyped]
from waitress.server import create_server  # type: ignore[import-untyped]

from feedkit.config.types import FILE_NAMES
from feedkit.daemon.eventlog import EventLog, LibraryLogHandler
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



MAX_CONNECTIONS = 512
"""Default limit of open connections (``--serve-connections``)."""
THREADS = 8
"""Default number of threads that answer requests (``--serve-threads``)."""
IDLE_TIMEOUT = 30.0
"""Default seconds a connection may stay idle, trickle nothing or read nothing (``--serve-timeout``)."""
MAX_REQUEST_HEAD = 16 * 1024
"""Largest request line plus headers accepted (more: 431)."""
BACKLOG = 1024


class OutputServer:
    """The HTTP server of the output folder: waitress in a thread, :meth:`start` and :meth:`stop`.

    waitress reads every request and writes every answer in one asynchronous I/O loop, and only
    a whole request goes to one of ``threads`` worker threads.  A client that trickles its
    headers or never reads its answer therefore holds one of ``max_connections`` connections,
    never a thread; past the limit new connections wait in the listen backlog until one
    closes.  A connection that sends or reads nothing for ``timeout`` seconds is closed.
    """

    def __init__(self, host: str, port: int, *, root: Callable[[], Path], health: HealthFunction,
                 max_connections: int = MAX_CONNECTIONS, threads: int = THREADS, timeout: float = IDLE_TIMEOUT,
                 log: EventLog | None = None) -> None:
        self.root = root
        self.health = health
        self._etags: dict[tuple[str, int, int, int], str] = {}
        self._etags_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        _route_library_log(log)
        try:
            family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
            listener = socket.socket(family, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(address)
        except OSError as exc:
            with contextlib.suppress(UnboundLocalError):
                listener.close()
            raise ConfigError("--serve", f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        self.address_family = family
        host_port = listener.getsockname()
        self.server_address: tuple[str, int] = (str(host_port[0]), int(host_port[1]))
        self.max_connections = max_connections
        seconds = max(1, math.ceil(timeout))
        # waitress counts its own listener and wake-up trigger among the connections
        self._server = create_server(
            _Application(self), sockets=[listener], threads=threads, connection_limit=max_connections + 2,
            channel_timeout=seconds, cleanup_interval=max(1, seconds // 2), backlog=BACKLOG,
            max_request_header_size=MAX_REQUEST_HEAD, ident="feedkit", expose_tracebacks=False,
            asyncore_use_poll=True, clear_untrusted_proxy_headers=True)

    @property
    def url(self) -> str:
        host, port = self.server_address
        shown = f"[{host}]" if self.address_family == socket.AF_INET6 else host
        return f"http://{shown}:{port}/"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.run, name="feedkit-serve", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close every connection and the listener; wait (briefly) for the worker threads."""
        server = self._server
        if self._thread is not None and self._thread.is_alive():
            try:
                server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
            except OSError:  # the loop already closed its wake-up pipe (it is ending): close what is left here
                wasyncore.close_all(server._map)
            self._thread.join(timeout=5)
        else:
            wasyncore.close_all(server._map)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)

    def open_connections(self) -> int:
        """Client connections open now."""
        return len(self._server.active_channels)

    def digest(self, path: Path, info: os.stat_result, data: bytes) -> str:
        """The content hash of ``data``, read from ``path`` with ``info`` (cached per inode, size and mtime)."""
        key = (str(path), info.st_mtime_ns, info.st_size, info.st_ino)
        with self._etags_lock:
            value = self._etags.get(key)
        if value is None:
            value = hashlib.sha256(data).hexdigest()[:32]
            with self._etags_lock:
                if len(self._etags) > 4096:
                    self._etags.clear()
                self._etags[key] = value
        return value


def _route_library_log(log: EventLog | None) -> None:
    """waitress's warnings and errors go to the event log; its queue-depth notes are left out (load is normal)."""
    logger = logging.getLogger("waitress")
    if log is not None:
        logger.handlers[:] = [LibraryLogHandler(log, "server")]
        logger.propagate = False
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


def read_consistent(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of ``path`` and the ``stat`` of the very file they came from.

    One open file: a build that replaces ``path`` meanwhile (a rename) leaves this reader with
    the old file whole, and its size, mtime and inode, so an ``ETag`` never pairs one
    version's hash with another version's bytes.
    """
    with path.open("rb") as handle:
        info = os.fstat(handle.fileno())
        return handle.read(), info


StartResponse = Callable[[str, list[tuple[str, str]]], Any]

_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 501: "Not Implemented", 503: "Service Unavailable"}


class _Application:
    """The WSGI application: the output folder and ``/healthz``."""

    def __init__(self, server: OutputServer) -> None:
        self._server = server

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return _answer(start_response, 501, b"not implemented\n",
                           {"Content-Type": "text/plain; charset=utf-8", "Allow": "GET, HEAD"}, True)
        with_body = method == "GET"
        raw_path = environ.get("REQUEST_URI") or environ.get("PATH_INFO") or "/"
        server = self._server
        if urlsplit(raw_path).path == HEALTH_PATH:
            status, document = server.health()
            body = json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"
            return _answer(start_response, status, body, {"Content-Type": "application/json; charset=utf-8",
                                                          "Cache-Control": "no-store"}, with_body)
        target = resolve_request_path(server.root(), raw_path)
        try:
            data, info = read_consistent(target) if target else (b"", None)
        except OSError:
            info = None
        if target is None or info is None:
            return _answer(start_response, 404, b"not found\n", {"Content-Type": "text/plain; charset=utf-8"},
                           with_body)
        digest = server.digest(target, info, data)
        return _send_file(environ, start_response, digest, target.name, data, info.st_mtime, with_body)


def _send_file(environ: dict[str, Any], start_response: StartResponse, digest: str, name: str, data: bytes,
               mtime: float, with_body: bool) -> list[bytes]:
    accept = environ.get("HTTP_ACCEPT", "*/*")
    kind = content_type(name, data[:1024], accept)
    suffix = "" if kind == content_type(name, data[:1024]) else "-view"  # the browser's representation
    compress = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")) and len(data) >= GZIP_MIN_BYTES
    headers = {
        "ETag": f'"{digest}{suffix}{"-gzip" if compress else ""}"',
        "Last-Modified": formatdate(int(mtime), usegmt=True),
        "Cache-Control": "no-cache",
        "Vary": "Accept, Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if _not_modified(environ, headers["ETag"], int(mtime)):
        return _answer(start_response, 304, b"", headers, False)
    body = gzip.compress(data, mtime=0) if compress else data
    if compress:
        headers["Content-Encoding"] = "gzip"
    return _answer(start_response, 200, body, {"Content-Type": kind, **headers}, with_body)


def _not_modified(environ: dict[str, Any], etag: str, mtime: int) -> bool:
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since is None:
        return False
    try:
        return mtime <= parsedate_to_datetime(since).timestamp()
    except (TypeError, ValueError, IndexError):
        return False


def _answer(start_response: StartResponse, status: int, body: bytes, headers: dict[str, str],
            with_body: bool) -> list[bytes]:
    """Answer; a 304 has neither a body nor a ``Content-Length``; ``HEAD`` gets the headers of ``GET``."""
    if status != 304:
        headers = {**headers, "Content-Length": str(len(body))}
    start_response(f"{status} {_REASONS.get(status, '')}".rstrip(), list(headers.items()))
    return [body] if with_body and status != 304 else []
