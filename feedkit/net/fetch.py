"""Fetching upstream feeds over HTTP(S): polite, bounded and SSRF-safe.

Politeness: conditional GET (ETag / Last-Modified), gzip/deflate, an honest User-Agent,
``Retry-After`` reported back, at most ``per_host`` requests in flight per host.

Bounds (all in :class:`~feedkit.config.FetchConfig`): a *total* deadline per request,
body included; a body size counted after decompression (decompression itself is capped,
so a gzip bomb is never inflated beyond the limit); a redirect count with loop detection.

SSRF: only ``http``/``https``; before every hop the host is resolved and refused when any
of its addresses is private, loopback, link-local, multicast, reserved, unspecified or a
cloud metadata address, unless ``host`` or ``host:port`` is in ``allow_hosts``.  Clients
made by :func:`make_client` check again at connect time (DNS rebinding); the checks, the
transport and their known limits are in :mod:`feedkit.netguard`.
"""

from __future__ import annotations

import email.utils
import ssl
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from feedkit._version import __version__
from feedkit.config.types import FetchConfig
from feedkit.net.guard import AddressRefused, CheckedTransport, checked_addresses, host_allowed, request_deadline
from feedkit.net.result import FetchResult, Validators

MIB = 1024 * 1024
NO_VALIDATORS = Validators()
CHUNK = 64 * 1024
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
          "application/json;q=0.8, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5")
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
THROTTLED = frozenset({429, 503})
MAX_RETRY_AFTER = timedelta(days=7)
"""A ``Retry-After`` further away than this is shortened to it."""


class _Refused(Exception):
    """A fetch failed for a reason of our own (too large, loop, ...); the message is the reason."""


def user_agent(config: FetchConfig) -> str:
    """The User-Agent sent upstream: the configured one, or ``feedkit/VERSION (feed aggregator)``."""
    return config.user_agent or f"feedkit/{__version__} (feed aggregator)"


Client = httpx.Client
"""The HTTP client type (so callers outside :mod:`feedkit.net` never import httpx)."""


def make_client(config: FetchConfig) -> httpx.Client:
    """An httpx client for :func:`fetch`: checked connects, total deadline, no proxies, no auto-redirects."""
    return httpx.Client(transport=CheckedTransport(config), follow_redirects=False, trust_env=False,
                        headers={"User-Agent": user_agent(config)})


# ---------------------------------------------------------------- body

class _Decoder:
    """Decodes a body as it streams in, never producing more than ``limit + 1`` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise _Refused(f"unsupported Content-Encoding {encoding!r}")
        self.compressed = encoding not in ("", "identity")
        self._gzip = encoding in ("gzip", "x-gzip")
        self._zlib: Any = None
        self._parts: list[bytes] = []
        self._size = 0
        self._limit = limit

    def feed(self, data: bytes) -> None:
        if not self.compressed:
            self._add(data)
            return
        try:
            self._inflate(data)
        except zlib.error as exc:
            raise _Refused(f"corrupt compressed body: {exc}") from None

    def _inflate(self, pending: bytes) -> None:
        while pending:
            if self._zlib is None:
                self._zlib = zlib.decompressobj(31 if self._gzip else _deflate_wbits(pending))
            self._add(self._zlib.decompress(pending, self._limit - self._size + 1))
            if not self._zlib.eof:
                pending = self._zlib.unconsumed_tail
            elif self._gzip and self._zlib.unused_data.startswith(b"\x1f\x8b"):
                pending, self._zlib = self._zlib.unused_data, None  # another gzip member follows
            else:
                return

    def _add(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            after = " after decompression" if self.compressed else ""
            raise _Refused(f"body larger than {_size_text(self._limit)}{after}")
        self._parts.append(data)

    def finish(self) -> bytes:
        if self._zlib is not None and not self._zlib.eof:
            raise _Refused("compressed body is truncated")
        return b"".join(self._parts)


def _deflate_wbits(data: bytes) -> int:
    """``deflate`` should be zlib-wrapped, but some servers send raw deflate: tell by the header."""
    has_zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0
    return 15 if has_zlib_header else -15


def _size_text(size: int) -> str:
    return f"{size // MIB} MiB" if size % MIB == 0 else f"{size} bytes"


def _read_body(response: httpx.Response, config: FetchConfig, deadline: float) -> bytes:
    decoder = _Decoder(response.headers.get("content-encoding", "").strip().lower(), config.max_bytes)
    declared = response.headers.get("content-length", "").strip()
    if not decoder.compressed and declared.isdigit() and int(declared) > config.max_bytes:
        raise _Refused(f"body larger than {_size_text(config.max_bytes)} (Content-Length: {declared})")
    for chunk in response.iter_raw(CHUNK):
        decoder.feed(chunk)
        if time.monotonic() > deadline:
            raise _Refused(f"timed out after {config.timeout:g} s")
    return decoder.finish()


# ---------------------------------------------------------------- fetch

def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """``Retry-After`` (seconds or an HTTP date) as an aware time, at most :data:`MAX_RETRY_AFTER` away."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return now + min(timedelta(seconds=min(int(value), 10**9)), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return min(max(when, now), now + MAX_RETRY_AFTER)


class _Fetch:
    """One request and its redirect chain."""

    def __init__(self, url: str, validators: Validators, config: FetchConfig, now: datetime) -> None:
        self.url = self.current = url
        self.validators = validators
        self.config = config
        self.now = now
        self.started = time.monotonic()
        self.deadline = self.started + config.timeout
        self.moved_to: str | None = None

    def run(self, client: httpx.Client) -> FetchResult:
        with request_deadline(self.deadline):
            try:
                return self._follow(client)
            except (_Refused, AddressRefused) as exc:
                return self._error(str(exc))
            except httpx.TimeoutException as exc:
                return self._error(self._timeout_text(exc))
            except httpx.ConnectError as exc:
                kind = "TLS error" if _caused_by_ssl(exc) else "cannot connect"
                return self._error(f"{kind}: {exc}")
            except Exception as exc:  # one bad upstream never takes down the rest: report it, whatever it is
                return self._error(f"{type(exc).__name__}: {exc}")

    def _follow(self, client: httpx.Client) -> FetchResult:
        seen = {self.url}
        permanent_so_far = True
        for _hop in range(self.config.max_redirects + 1):
            self._check(self.current)
            with client.stream("GET", self.current, headers=self._headers(), timeout=self._timeouts()) as response:
                if response.status_code not in REDIRECTS:
                    return self._finish(response)
                target = self._location(response)
            if target in seen:
                raise _Refused(f"redirect loop ({self.current} -> {target})")
            seen.add(target)
            permanent_so_far = permanent_so_far and response.status_code in PERMANENT_REDIRECTS
            if permanent_so_far:
                self.moved_to = target
            self.current = target
        raise _Refused(f"more than {self.config.max_redirects} redirects")

    def _check(self, url: str) -> None:
        parts = urlsplit(url)
        where = "" if url == self.url else f"redirect to {url}: "
        if parts.scheme not in ("http", "https"):
            raise _Refused(f"{where}only http and https URLs are fetched")
        if not parts.hostname:
            raise _Refused(f"{where}no host in the URL")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if not host_allowed(parts.hostname, port, self.config):
            try:
                checked_addresses(parts.hostname, port)
            except AddressRefused as exc:
                raise _Refused(f"{where}{exc}") from None

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": user_agent(self.config), "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
        if self.validators.etag and self.validators.etag.isprintable():
            headers["If-None-Match"] = self.validators.etag
        if self.validators.last_modified and self.validators.last_modified.isprintable():
            headers["If-Modified-Since"] = self.validators.last_modified
        return headers

    def _timeouts(self) -> httpx.Timeout:
        remaining = max(0.001, self.deadline - time.monotonic())
        return httpx.Timeout(remaining, connect=min(self.config.connect_timeout, remaining))

    def _location(self, response: httpx.Response) -> str:
        location = str(response.headers.get("location", "")).strip()
        if not location:
            raise _Refused(f"HTTP {response.status_code} redirect without a Location header")
        return urljoin(self.current, location).split("#", 1)[0]

    def _finish(self, response: httpx.Response) -> FetchResult:
        status = response.status_code
        headers = MappingProxyType({name.lower(): value for name, value in response.headers.items()})
        if status == 304:
            kept = Validators(response.headers.get("etag") or self.validators.etag,
                              response.headers.get("last-modified") or self.validators.last_modified)
            return self._result("not_modified", status, headers=headers, validators=kept)
        if 200 <= status < 300:
            body = _read_body(response, self.config, self.deadline)
            fresh = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
            return self._result("ok", status, body=body, headers=headers, validators=fresh)
        reason = f"HTTP {status} {response.reason_phrase}".rstrip()
        if status == 410:
            return self._result("gone", status, headers=headers, error=f"{self.url}: {reason} (the feed was removed)")
        if status in THROTTLED:
            retry_after = parse_retry_after(response.headers.get("retry-after"), self.now)
            wait = f"retry after {retry_after.isoformat()}" if retry_after else "no Retry-After"
            return self._result("throttled", status, headers=headers, retry_after=retry_after,
                                error=f"{self.url}: {reason} ({wait})")
        return self._result("error", status, headers=headers, error=f"{self.url}: {reason}")

    def _timeout_text(self, exc: httpx.TimeoutException) -> str:
        if isinstance(exc, httpx.ConnectTimeout) and time.monotonic() < self.deadline - 0.01:
            return f"could not connect within {self.config.connect_timeout:g} s"
        return f"timed out after {self.config.timeout:g} s"

    def _error(self, reason: str) -> FetchResult:
        return self._result("error", None, error=f"{self.url}: {reason}")

    def _result(self, outcome: str, status: int | None, *, body: bytes | None = None,
                headers: Mapping[str, str] = MappingProxyType({}), validators: Validators | None = None,
                retry_after: datetime | None = None, error: str | None = None) -> FetchResult:
        return FetchResult(
            url=self.url, outcome=outcome, status=status, body=body, headers=headers,
            validators=self.validators if validators is None else validators, final_url=self.current,
            moved_to=self.moved_to, retry_after=retry_after, error=error, elapsed=time.monotonic() - self.started)


def _caused_by_ssl(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def fetch(url: str, *, validators: Validators = NO_VALIDATORS, config: FetchConfig, now: datetime,
          client: httpx.Client | None = None) -> FetchResult:
    """Fetch one URL (following redirects by hand); every failure becomes an ``error`` result.

    ``client`` should come from :func:`make_client` (the connect-time address check and the
    deadline on every socket operation live in its transport); without it one is made and closed.
    ``moved_to`` is set whatever the final outcome; the caller decides whether to record it.
    """
    request = _Fetch(url, validators, config, now)
    if client is not None:
        return request.run(client)
    with make_client(config) as own_client:
        return request.run(own_client)


def host_key(url: str) -> str:
    """The host a URL counts against for the per-host limit."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def fetch_all(requests: Sequence[tuple[str, Validators]], *, config: FetchConfig,
              now: datetime, on_done: Callable[[int], None] | None = None) -> list[FetchResult]:
    """Fetch many URLs in parallel; results in request order.

    At most ``config.max_parallel`` requests run at once and at most ``config.per_host`` per
    host (of the requested URL; a redirect elsewhere still counts against the first host).
    Each host gets up to ``per_host`` lanes that take its URLs one after another, so no worker
    ever sits waiting for a host's turn.  ``on_done`` is told how many requests have finished
    (from the fetching threads, one call at a time).
    """
    results: list[FetchResult | None] = [None] * len(requests)
    queues: dict[str, deque[int]] = {}
    for index, (url, _validators) in enumerate(requests):
        queues.setdefault(host_key(url), deque()).append(index)
    per_host = max(config.per_host, 1)
    lanes = [queue for lane in range(per_host) for queue in queues.values() if len(queue) > lane]
    done, done_lock = [0], threading.Lock()

    def run_lane(queue: deque[int]) -> None:
        while True:
            try:
                index = queue.popleft()
            except IndexError:
                return
            url, validators = requests[index]
            results[index] = fetch(url, validators=validators, config=config, now=now, client=client)
            if on_done is not None:
                with done_lock:
                    done[0] += 1
                    on_done(done[0])

    with make_client(config) as client, ThreadPoolExecutor(max_workers=max(config.max_parallel, 1)) as pool:
        for future in [pool.submit(run_lane, queue) for queue in lanes]:
            future.result()
    return [result for result in results if result is not None]


def read_local(path: Path, *, max_bytes: int) -> FetchResult:
    """Read a local feed file as a :class:`FetchResult` (``ok`` or ``error``), at most ``max_bytes + 1`` bytes."""
    started = time.monotonic()
    body: bytes | None = None
    error: str | None = None
    try:
        if not path.is_file():
            error = "not a regular file" if path.exists() else "file not found"
        else:
            with path.open("rb") as handle:
                body = handle.read(max_bytes + 1)
            if len(body) > max_bytes:
                body, error = None, f"file larger than {_size_text(max_bytes)}"
    except OSError as exc:
        body, error = None, f"cannot read file: {exc.strerror or exc}"
    return FetchResult(
        url=str(path), outcome="error" if error else "ok", status=None, body=body, headers=MappingProxyType({}),
        validators=Validators(), final_url=str(path), moved_to=None, retry_after=None,
        error=f"{path}: {error}" if error else None, elapsed=time.monotonic() - started)


@dataclass(frozen=True, slots=True)
class PostResult:
    """The outcome of one form POST (WebSub pings): an HTTP answer, or why there was none."""

    status: int | None
    """The HTTP status; None when no answer came."""
    reason: str
    """The status phrase, or what went wrong."""
    refused: bool = False
    """The network guard refused the address (retrying cannot help)."""
    timed_out: bool = False


def post_form(client: httpx.Client, url: str, form: Mapping[str, str], timeout: float) -> PostResult:
    """POST ``form`` to ``url`` within ``timeout`` seconds in total; never raises for network errors."""
    try:
        with request_deadline(time.monotonic() + timeout), client.stream(
            "POST", url, data=dict(form), timeout=httpx.Timeout(timeout)
        ) as response:
            return PostResult(response.status_code, response.reason_phrase)
    except AddressRefused as exc:
        return PostResult(None, str(exc), refused=True)
    except httpx.TimeoutException:
        return PostResult(None, f"no answer within {timeout:g} s", timed_out=True)
    except httpx.HTTPError as exc:
        return PostResult(None, str(exc) or type(exc).__name__)
