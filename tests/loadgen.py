"""A load generator for the embedded server: many keep-alive readers doing conditional GETs.

Written for the tests and ``benchmarks/serve_load.py``: 127.0.0.1 only, bounded in request count
*and* time (whichever comes first), and with no dependency beyond asyncio, so that it measures
the server rather than a client library.  Each reader opens one connection, learns the ``ETag``
of each path once, then asks again with ``If-None-Match`` (what a feed reader does every poll)
and times every answer from the first byte sent to the last byte read.

Also the slow clients the server must survive: :func:`trickle_headers` (one byte of the request
head at a time) and :func:`never_read` (asks for a file and does not read the answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter
from dataclasses import dataclass, field

LOCAL = ("127.0.0.1", "::1", "localhost")


@dataclass
class LoadResult:
    """What a load run measured."""

    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    connections: int = 0
    """Connections opened (a server that closes after an answer makes the reader open another)."""
    errors: Counter[str] = field(default_factory=Counter)
    """Connections that failed, by exception name (refused, reset, timed out …)."""

    @property
    def rate(self) -> float:
        """Requests answered per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        """Latency (seconds) below which ``fraction`` of the answers came."""
        if not self.latencies:
            return float("inf")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    def summary(self) -> str:
        statuses = " ".join(f"{code}:{count}" for code, count in sorted(self.statuses.items()))
        errors = " ".join(f"{name}:{count}" for name, count in sorted(self.errors.items())) or "none"
        return (f"{self.requests} requests in {self.seconds:.2f} s = {self.rate:.0f}/s, p50 {self.p50 * 1000:.1f} ms, "
                f"p99 {self.p99 * 1000:.1f} ms, max {max(self.latencies, default=0) * 1000:.1f} ms; "
                f"{self.connections} connections; "
                f"statuses {statuses}; errors {errors}")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return status, headers, body


def _request(host: str, path: str, etag: str | None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "User-Agent: feedkit-loadgen", "Accept: */*"]
    if etag:
        lines.append(f"If-None-Match: {etag}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _reader(host: str, port: int, paths: list[str], budget: list[int], deadline: float,
                  result: LoadResult, timeout: float) -> None:
    """One reader: keep-alive while the server keeps the connection, a new connection when it closes it."""
    etags: dict[str, str] = {}
    writer = None
    turn = 0
    try:
        while budget[0] > 0 and time.monotonic() < deadline:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
            result.connections += 1
            while budget[0] > 0 and time.monotonic() < deadline:
                budget[0] -= 1
                path = paths[turn % len(paths)]
                turn += 1
                started = time.monotonic()
                writer.write(_request(host, path, etags.get(path)))
                status, headers, _body = await asyncio.wait_for(_read_response(reader), timeout)
                result.latencies.append(time.monotonic() - started)
                result.requests += 1
                result.statuses[status] += 1
                if "etag" in headers:
                    etags[path] = headers["etag"]
                if headers.get("connection", "").lower() == "close":
                    break
            writer.close()
            writer = None
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        result.errors[type(exc).__name__] += 1
    finally:
        if writer is not None:
            writer.close()


async def _load(host: str, port: int, paths: list[str], connections: int, requests: int, seconds: float,
                timeout: float) -> LoadResult:
    result = LoadResult()
    budget = [requests]
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(_reader(host, port, paths, budget, deadline, result, timeout)
                           for _ in range(connections)))
    result.seconds = time.monotonic() - started
    return result


def conditional_gets(address: tuple[str, int], paths: list[str], *, connections: int = 200,
                     requests: int = 20_000, seconds: float = 10.0, timeout: float = 10.0) -> LoadResult:
    """``connections`` readers at once, sharing at most ``requests`` requests and ``seconds`` seconds."""
    host, port = address
    if host not in LOCAL:
        raise ValueError(f"the load generator only talks to this machine, not {host}")
    return asyncio.run(_load(host, port, paths, connections, requests, seconds, timeout))


def trickle_headers(address: tuple[str, int], path: str = "/index.html", interval: float = 0.5) -> socket.socket:
    """A connection that has sent only the first bytes of its request head; send more with :func:`trickle`."""
    connection = socket.create_connection(address, timeout=5)
    connection.sendall(f"GET {path} HTTP/1.1\r\n".encode())
    return connection


def trickle(connection: socket.socket, data: bytes = b"X-A: b\r\n") -> bool:
    """One more header line; False once the server has hung up."""
    try:
        connection.sendall(data)
        return True
    except OSError:
        return False


def never_read(address: tuple[str, int], path: str, repeat: int = 50) -> socket.socket:
    """A connection that asks for ``path`` ``repeat`` times (pipelined) and never reads an answer."""
    connection = socket.create_connection(address, timeout=5)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    with contextlib.suppress(OSError):
        connection.sendall(request * repeat)
    return connection
