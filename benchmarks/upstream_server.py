"""The benchmark's upstream: N generated RSS feeds served on 127.0.0.1 with ETag/Last-Modified.

    python -m benchmarks.upstream_server --feeds 200 --entries 50 --stop-after 1800

Prints ``port N`` on stdout once it listens.  ``/feed/K.xml`` is feed K (200, or 304 when the
request's ``If-None-Match``/``If-Modified-Since`` matches); ``/_stats`` returns the counts of
answers by status as JSON and resets them.  It listens on 127.0.0.1 only, never connects
anywhere, and stops by itself: after ``--stop-after`` seconds, or as soon as its stdin closes
(the benchmark that started it exited or died).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from benchmarks.corpus import feed_xml

LAST_MODIFIED = "Wed, 01 Jun 2022 00:00:00 GMT"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def do_GET(self) -> None:
        if self.path == "/_stats":
            with self.server.lock:
                body = json.dumps(dict(self.server.counts)).encode()
                self.server.counts.clear()
            self.answer(200, body, "application/json", count=False)
            return
        name = self.path.rsplit("/", 1)[-1]
        feed = self.server.feeds.get(name)
        if feed is None:
            self.answer(404, b"not found", "text/plain")
            return
        body, etag = feed
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if (inm is not None and inm == etag) or (inm is None and ims == LAST_MODIFIED):
            self.answer(304, b"", None, etag)
        else:
            self.answer(200, body, "application/rss+xml; charset=utf-8", etag)

    def answer(self, status: int, body: bytes, ctype: str | None, etag: str | None = None,
               count: bool = True) -> None:
        if count:
            with self.server.lock:
                self.server.counts[str(status)] += 1
        headers = {"Content-Type": ctype} if ctype else {}
        if etag:
            headers.update({"ETag": etag, "Last-Modified": LAST_MODIFIED})
        send(self, status, body, headers)

    def log_message(self, format: str, *args: object) -> None:
        pass


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
    """One answer: ``headers``, the Content-Length and the body (none for a 304)."""
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if status != 304:
        handler.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, feeds: int, entries: int) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.feeds: dict[str, tuple[bytes, str]] = {}
        for k in range(feeds):
            body = feed_xml(k, entries)
            self.feeds[f"{k}.xml"] = (body, '"' + hashlib.sha1(body).hexdigest() + '"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--stop-after", type=float, default=1800.0)
    args = parser.parse_args(argv)
    server = Server(args.feeds, args.entries)
    total = sum(len(body) for body, _ in server.feeds.values())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"port {server.server_address[1]} bytes {total}", flush=True)
    stdin_closed = threading.Event()

    def watch_stdin() -> None:
        sys.stdin.read()  # returns when the parent closes the pipe or exits
        stdin_closed.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    stdin_closed.wait(args.stop_after)
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
