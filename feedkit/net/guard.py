"""Where fetches may connect: address checks and an httpx transport that enforces them.

Refused: a host is refused when ANY address it resolves to is unspecified, loopback,
link-local, multicast, private, reserved, otherwise not globally routable, or a cloud
metadata address (``169.254.169.254``, ``fd00:ec2::254``); an IPv4-mapped IPv6 address
is judged as its IPv4 address.  ``host`` or ``host:port`` listed in
:attr:`~feedkit.config.FetchConfig.allow_hosts` skips the check.  Unix sockets are
never used.

DNS rebinding: :func:`checked_addresses` is what :mod:`feedkit.fetch` calls before every
hop, and :class:`CheckedTransport` calls it *again* at connect time and connects to exactly
the addresses that passed, never to the name; so an answer that changes between the
check and the connection cannot slip through.

Deadline: inside :func:`request_deadline`, every connect, read, write and TLS handshake of
a :class:`CheckedTransport` has its timeout shortened so that none outlives the request.

Known limits: hosts in ``allow_hosts`` are trusted whatever they resolve to; proxies are
never used (with a proxy the proxy would resolve the name); ``getaddrinfo`` has no timeout
of its own (the system resolver's applies); TLS certificates are still verified against
the host name.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

import httpcore
import httpx

from feedkit.config.types import FetchConfig

METADATA_ADDRESSES = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})


class AddressRefused(Exception):
    """A host resolved to an address we do not connect to (raised before any connection)."""


# ---------------------------------------------------------------- address checks

def host_allowed(host: str, port: int, config: FetchConfig) -> bool:
    """True when ``host`` or ``host:port`` is listed in ``config.allow_hosts``."""
    host = host.lower().rstrip(".").strip("[]")
    names = {host, f"{host}:{port}", f"[{host}]", f"[{host}]:{port}"}
    return any(allowed.strip().lower() in names for allowed in config.allow_hosts)


def address_refusal(address: str) -> str | None:
    """Why we do not connect to ``address`` (``"private"``, ``"loopback"``, ...), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for label, flag in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                        ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                        ("private", ip.is_private), ("reserved", ip.is_reserved)):
        if flag:
            return label
    return None if ip.is_global else "not globally routable"


def checked_addresses(host: str, port: int) -> list[str]:
    """Resolve ``host``; raise :class:`AddressRefused` when ANY of its addresses is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"cannot resolve host {host}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        reason = address_refusal(address)
        if reason is not None:
            which = f"address {address}" if address == host else f"host {host} resolves to {address}, which"
            raise AddressRefused(f"{which} is {reason} (allow it with [fetch] allow_hosts or --allow-host)")
    return addresses


# ---------------------------------------------------------------- deadline

_DEADLINE: ContextVar[float | None] = ContextVar("feedkit_fetch_deadline", default=None)


@contextmanager
def request_deadline(deadline: float) -> Iterator[None]:
    """Within the block, no socket operation of a :class:`CheckedTransport` outlives ``deadline``
    (a :func:`time.monotonic` value)."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _clamp(timeout: float | None) -> float | None:
    """Shorten a socket timeout so that no single read/write outlives the current request's deadline."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    remaining = max(0.001, deadline - time.monotonic())
    return remaining if timeout is None else min(timeout, remaining)


# ---------------------------------------------------------------- transport: checked connects, total deadline

class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _CheckedBackend(httpcore.NetworkBackend):
    """Connects only to addresses that passed :func:`checked_addresses`, and to exactly those."""

    def __init__(self, config: FetchConfig) -> None:
        self._config = config
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        allowed = host_allowed(host, port, self._config)
        addresses = [host] if allowed else checked_addresses(host, port)
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(address, port, _clamp(timeout), local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            return _DeadlineStream(stream)
        raise failure or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never used")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _as_httpx_error(exc: httpcore.ProtocolError | httpcore.NetworkError | httpcore.TimeoutException,
                    request: httpx.Request) -> httpx.TransportError:
    kind = getattr(httpx, type(exc).__name__, httpx.TransportError)
    if not (isinstance(kind, type) and issubclass(kind, httpx.TransportError)):
        kind = httpx.TransportError
    return kind(str(exc), request=request)


_HTTPCORE_ERRORS = (httpcore.ProtocolError, httpcore.NetworkError, httpcore.TimeoutException)


class _CheckedStream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes], request: httpx.Request) -> None:
        self._inner = inner
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._inner
        except _HTTPCORE_ERRORS as exc:
            raise _as_httpx_error(exc, self._request) from exc

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


class CheckedTransport(httpx.BaseTransport):
    """An httpx transport over httpcore whose connections go through :class:`_CheckedBackend`.

    It raises :class:`AddressRefused` (before connecting) for a refused host, and honours
    :func:`request_deadline`.
    """

    def __init__(self, config: FetchConfig) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(), max_connections=max(config.max_parallel, 1),
            keepalive_expiry=5.0, network_backend=_CheckedBackend(config))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host, port=request.url.port,
                             target=request.url.raw_path),
            headers=request.headers.raw, content=request.stream, extensions=request.extensions)
        try:
            response = self._pool.handle_request(core_request)
        except _HTTPCORE_ERRORS as exc:
            raise _as_httpx_error(exc, request) from exc
        assert isinstance(response.stream, Iterable)
        return httpx.Response(status_code=response.status, headers=response.headers,
                              stream=_CheckedStream(response.stream, request), extensions=response.extensions)

    def close(self) -> None:
        self._pool.close()


@cache
def _ssl_context() -> ssl.SSLContext:
    """The default verifying context (certifi's CA bundle), built once: loading it costs ~20 ms."""
    return httpx.create_ssl_context()
