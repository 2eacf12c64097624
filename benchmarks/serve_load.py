"""Serving under load: the embedded server (``feedkit run --serve``) against many readers and slow clients.

    .venv/bin/python benchmarks/serve_load.py [--requests N] [--seconds S]

Serves a synthetic output folder (20 channels of 200-item RSS) on 127.0.0.1 in this process
and runs the load generator of ``tests/loadgen.py`` (conditional GETs, keep-alive, reconnect when
the server closes) at 10, 100 and 300 concurrent readers, then 300 readers beside 200 clients
that trickle their headers and 100 that never read their answer.  Prints requests/s and
latency percentiles; the figures go to docs/operations.md by hand.  The generator shares the
machine with the server, so the numbers are a floor.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from feedkit.daemon.serve import OutputServer
from tests.loadgen import conditional_gets, never_read, trickle_headers

ITEM = b"<item><title>A story</title><link>https://example.org/x</link><description>Text.</description></item>"


def make_site(out: Path, channels: int = 20) -> list[str]:
    paths = []
    for i in range(channels):
        (out / f"c{i}").mkdir(parents=True, exist_ok=True)
        (out / f"c{i}" / "rss.xml").write_bytes(b'<?xml version="1.0"?><rss><channel>' + ITEM * 200
                                                 + b"</channel></rss>")
        paths.append(f"/c{i}/rss.xml")
    (out / "index.html").write_bytes(b"<!doctype html><title>i</title></html>")
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--readers", type=int, nargs="*", default=[10, 100, 300])
    parser.add_argument("--slow", type=int, default=300, help="slow clients beside the last reader count")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        paths = make_site(out)
        server = OutputServer("127.0.0.1", 0, root=lambda: out, health=lambda: (200, {}))
        server.start()
        address = server.server_address[0], server.server_address[1]
        try:
            for readers in args.readers:
                result = conditional_gets(address, paths, connections=readers, requests=args.requests,
                                          seconds=args.seconds)
                print(f"{readers:4d} readers: {result.summary()}", flush=True)
            if args.slow:
                slow = [trickle_headers(address) for _ in range(args.slow * 2 // 3)]
                slow += [never_read(address, paths[0]) for _ in range(args.slow - len(slow))]
                readers = args.readers[-1]
                result = conditional_gets(address, paths, connections=readers, requests=args.requests,
                                          seconds=args.seconds)
                print(f"{readers:4d} readers + {len(slow)} slow clients: {result.summary()}", flush=True)
                for connection in slow:
                    connection.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
