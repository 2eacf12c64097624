"""Scale simulation: N ``feedkit run`` daemons on one PostgreSQL store, polling generated upstreams.

    python3 dev.py scale                                        # 1, 2, 3 daemons × 10,000 upstreams (~22 min)
    python -m benchmarks.scale --daemons 2 --upstreams 200 --seconds 20 --interval 8   # the smoke run

A benchmark, not a test: it measures, and only the smoke run in tests/test_benchmarks.py asserts
(no duplicate polls, every upstream polled).  For each number of daemons, in turn:

1. a fresh schema in a PostgreSQL server started in a temporary folder (tests/pgserver.py: the
   server binaries from PATH or /usr/lib/postgresql/*/bin; without them this prints why and exits 0);
2. the generator reset: ``--upstreams`` small RSS feeds served on 127.0.0.1 (deterministic bodies,
   ``ETag``/``Last-Modified`` and 304s as real servers answer), counting every request per feed;
3. N ``python -m feedkit run`` processes (this checkout's code) started together with one config
   (``[store] url``, one ``[[feeds]]`` per upstream at ``--interval``), each with its own output folder,
   as on separate machines;
4. once every upstream was polled (or half the window passed) the generator adds one entry to
   ``--changes`` upstreams, and the run watches every daemon's ``all/feed.json`` for them;
5. after ``--seconds`` the daemons get SIGTERM.

Reported per N: how long until every upstream had been polled once (the first round: every upstream is
due at once, so this is what N daemons can poll), polls per second (requests the generator answered in
the window), each daemon's share (the requests with its User-Agent: the configs differ in nothing else),
duplicate polls (a request for a feed less than half an interval after the previous one: one round
polled twice; must be 0), and publish latency (a change in an upstream to its entry in a published
file), split into the wait for the poll (up to an interval) and poll to published (feedkit's own delay).
A table on stdout, everything as JSON in .cache/bench/scale.json.  Only 127.0.0.1 is used; the daemons, the server
and the temporary folder are gone when it ends, also after Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import hashlib
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.run import CACHE, child_env, interrupt, load, say, version
from benchmarks.upstream_server import send

BASE_DATE = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
USER_AGENT = "feedkit-scale daemon "
STOP_GRACE = 30.0
"""Seconds a daemon may take to stop after SIGTERM before it is killed."""


# ---------------------------------------------------------------- the upstream generator

@dataclass
class Hit:
    at: float  # time.monotonic()
    status: int
    daemon: int  # from the User-Agent (each daemon's config names it); 0: unknown


class Upstreams(ThreadingHTTPServer):
    """``count`` small RSS feeds at ``/f/K.xml`` on 127.0.0.1; every request is remembered per feed."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, count: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.count = count
        self.lock = threading.Lock()
        self.hits: dict[int, list[Hit]] = defaultdict(list)
        self.added: dict[int, list[tuple[str, float]]] = defaultdict(list)  # feed -> [(title, unix time)]
        self._bodies: dict[int, tuple[bytes, str, str]] = {}

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, k: int) -> str:
        return f"http://127.0.0.1:{self.port}/f/{k}.xml"

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
            self.added.clear()
            self._bodies.clear()

    def change(self, k: int, title: str) -> None:
        """Add an entry dated now to feed ``k`` (its ETag and Last-Modified change with it)."""
        with self.lock:
            self.added[k].append((title, time.time()))
            self._bodies.pop(k, None)

    def feed(self, k: int) -> tuple[bytes, str, str]:
        """Feed ``k``: its body, ETag and Last-Modified."""
        with self.lock:
            cached = self._bodies.get(k)
            if cached is None:
                cached = self._bodies[k] = self._render(k)
            return cached

    def _render(self, k: int) -> tuple[bytes, str, str]:
        items = [(f"scale-{k}-{n}", f"Upstream {k} entry {n}", BASE_DATE + k * 60 + n) for n in (1, 2)]
        items += [(f"scale-{k}-added-{i}", title, at) for i, (title, at) in enumerate(self.added[k])]
        xml = "".join(
            f"<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>"
            f"<link>https://up{k}.example/{guid}</link><pubDate>{email.utils.formatdate(at, usegmt=True)}</pubDate>"
            f"<description>Body of {title}.</description></item>" for guid, title, at in reversed(items))
        body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Upstream {k}</title>'
                f"<link>https://up{k}.example/</link><description>generated</description>{xml}</channel></rss>"
                ).encode()
        modified = email.utils.formatdate(max(at for _g, _t, at in items), usegmt=True)
        return body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"', modified

    def record(self, k: int, status: int, agent: str) -> None:
        daemon = agent.removeprefix(USER_AGENT)
        with self.lock:
            self.hits[k].append(Hit(time.monotonic(), status, int(daemon) if daemon.isdigit() else 0))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Upstreams

    def do_GET(self) -> None:
        name = self.path.removeprefix("/f/").removesuffix(".xml")
        if not (self.path.startswith("/f/") and name.isdigit() and int(name) < self.server.count):
            send(self, 404, b"not found", {"Content-Type": "text/plain"})
            return
        k = int(name)
        body, etag, modified = self.server.feed(k)
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        fresh = inm == etag if inm is not None else ims == modified
        self.server.record(k, 304 if fresh else 200, self.headers.get("User-Agent", ""))
        headers = {"ETag": etag, "Last-Modified": modified}
        if fresh:
            send(self, 304, b"", headers)
        else:
            send(self, 200, body, {**headers, "Content-Type": "application/rss+xml; charset=utf-8"})

    def log_message(self, format: str, *args: object) -> None:
        pass


# ---------------------------------------------------------------- one run of N daemons

@dataclass
class Change:
    feed: int
    title: str
    at: float  # monotonic
    polled: float | None = None  # the first 200 answer for the feed after the change
    published: float | None = None  # first seen in some daemon's all/feed.json


@dataclass
class Watcher:
    """Looks at every daemon's ``all/feed.json`` for the changed entries' titles."""

    outs: list[Path]
    changes: list[Change] = field(default_factory=list)
    first_publish: float | None = None
    _seen: dict[Path, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, changes: list[Change]) -> None:
        with self._lock:
            self.changes.extend(changes)
            self._seen.clear()  # look at every file again

    def look(self) -> None:
        for out in self.outs:
            path = out / "all" / "feed.json"
            try:
                stamp = path.stat().st_mtime_ns
                if self._seen.get(path) == stamp:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            now = time.monotonic()
            with self._lock:
                self._seen[path] = stamp
                if self.first_publish is None:
                    self.first_publish = now
                for change in self.changes:
                    if change.published is None and change.title.encode() in data:
                        change.published = now


def write_config(folder: Path, upstreams: Upstreams, store_url: str, interval: float, daemon: int) -> Path:
    """Daemon ``daemon``'s config: the same for all but the User-Agent, which tells the generator who polled."""
    feeds = "".join(f'\n[[feeds]]\nname = "u{k:05d}"\nurl = "{upstreams.url(k)}"\ninterval = {interval:g}\n'
                    for k in range(upstreams.count))
    text = f"""# written by benchmarks/scale.py
out = "out"

[store]
url = "{store_url}"

[site]
title = "scale"
base_url = "http://127.0.0.1/"

[channels]
categories = false

[fetch]
allow_hosts = ["127.0.0.1:{upstreams.port}"]
per_host = 8   # every upstream is on 127.0.0.1 here; on the internet they are on many hosts
user_agent = "{USER_AGENT}{daemon}"
{feeds}"""
    path = folder / f"feedkit{daemon}.toml"
    path.write_text(text, encoding="utf-8")
    return path


Running = list[tuple[subprocess.Popen[bytes], Path, Path]]
"""The daemons of a run: each process, its output folder and its log."""


def start_daemons(configs: list[Path], folder: Path, debounce: float, daemons: Running) -> None:
    """Start one daemon per config, each added to ``daemons`` as soon as it runs (so a Ctrl-C stops it)."""
    env = child_env()
    env.pop("FEEDKIT_STORE_URL", None)  # it would override the config's store
    for i, config in enumerate(configs):
        out, log = folder / f"out{i + 1}", folder / f"daemon{i + 1}.log"
        with log.open("wb") as stream:
            process = subprocess.Popen(
                [sys.executable, "-m", "feedkit", "run", "--config", str(config), "--out", str(out),
                 "--log-format", "json", "--debounce", f"{debounce:g}"],
                cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stream)
        daemons.append((process, out, log))


def stop_daemons(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM (a clean stop: the publisher lease is released), then SIGKILL after STOP_GRACE or a Ctrl-C."""
    try:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(0.1, deadline - time.monotonic()))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def daemon_figures(log: Path) -> dict[str, Any]:
    """What one daemon's log says: its polls, builds (standby or publishing), errors and build times."""
    polls: Counter[str] = Counter()
    builds = standby = errors = 0
    seconds: list[float] = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            errors += 1  # a traceback or other text on stderr
            continue
        if event.get("event") == "poll":
            polls[str(event.get("outcome"))] += 1
        elif event.get("event") == "build":
            if event.get("outcome") == "error":
                errors += 1
                continue
            builds += 1
            standby += "standby" in event.get("reasons", [])
            seconds.append(float(event.get("seconds", 0)))
        if event.get("level") == "error":
            errors += event.get("event") != "build"
    return {"polls": sum(polls.values()), "outcomes": dict(polls), "builds": builds, "standby_builds": standby,
            "build_seconds_max": max(seconds, default=None), "build_seconds_median":
            statistics.median(seconds) if seconds else None, "errors": errors}


def run_one(daemons: int, upstreams: Upstreams, store_url: str, folder: Path, args: argparse.Namespace
            ) -> dict[str, Any]:
    upstreams.reset()
    configs = [write_config(folder, upstreams, store_url, args.interval, i) for i in range(1, daemons + 1)]
    started = time.monotonic()
    running: Running = []
    watcher = Watcher([folder / f"out{i}" for i in range(1, daemons + 1)])
    swept: float | None = None
    changed = False
    try:
        start_daemons(configs, folder, args.debounce, running)
        while (now := time.monotonic()) < started + args.seconds:
            time.sleep(0.2)
            watcher.look()
            if swept is None:
                with upstreams.lock:
                    if len(upstreams.hits) == upstreams.count:
                        swept = max(min(hit.at for hit in hits) for hits in upstreams.hits.values())
            if not changed and (swept is not None or now >= started + args.seconds / 2):
                changed = True
                step = max(1, upstreams.count // max(args.changes, 1))
                made = [Change(k, f"scale change {k} with {daemons} daemons", time.monotonic())
                        for k in range(0, upstreams.count, step)[:args.changes]]
                for change in made:
                    upstreams.change(change.feed, change.title)
                watcher.add(made)
            if any(process.poll() is not None for process, _o, _l in running):
                say("  a daemon exited before the end of the window (see its log below)")
                break
        ended = time.monotonic()
    finally:
        stop_daemons([process for process, _o, _l in running])
    return figures(daemons, upstreams, watcher, running, started, ended, swept, args)


def figures(daemons: int, upstreams: Upstreams, watcher: Watcher, running: Running, started: float, ended: float,
            swept: float | None, args: argparse.Namespace) -> dict[str, Any]:
    with upstreams.lock:
        hits = {k: [hit for hit in feed_hits if hit.at <= ended] for k, feed_hits in upstreams.hits.items()}
    window = ended - started
    total = sum(len(feed_hits) for feed_hits in hits.values())
    statuses = Counter(str(hit.status) for feed_hits in hits.values() for hit in feed_hits)
    duplicates, gaps = 0, []
    for feed_hits in hits.values():
        for before, after in itertools.pairwise(feed_hits):
            gap = after.at - before.at
            gaps.append(gap)
            duplicates += gap < args.interval / 2
    for change in watcher.changes:
        later = [hit.at for hit in upstreams.hits.get(change.feed, []) if hit.at >= change.at and hit.status == 200]
        change.polled = min(later, default=None)
    published = [c for c in watcher.changes if c.published is not None]
    per_daemon = [daemon_figures(log) for _p, _o, log in running]
    polled_by = Counter(hit.daemon for feed_hits in hits.values() for hit in feed_hits)
    for i, daemon in enumerate(per_daemon, 1):
        daemon["requests"] = polled_by[i]
    first = [min(hit.at for hit in feed_hits) for feed_hits in hits.values() if feed_hits]

    def spread(values: list[float]) -> dict[str, float] | None:
        if not values:
            return None
        return {"median": round(statistics.median(values), 2), "max": round(max(values), 2),
                "min": round(min(values), 2)}

    return {
        "daemons": daemons, "upstreams": upstreams.count, "interval": args.interval, "window": round(window, 1),
        "polls": total, "polls_per_second": round(total / window, 1), "statuses": dict(statuses),
        "polled_upstreams": len(first), "all_polled_after": None if swept is None else round(swept - started, 1),
        "first_sweep_rate": round(len(first) / (max(first) - started), 1) if first else None,
        "first_publish_after": None if watcher.first_publish is None else round(watcher.first_publish - started, 1),
        "duplicates": duplicates, "min_gap": round(min(gaps), 1) if gaps else None,
        "changes": len(watcher.changes), "changes_published": len(published),
        "change_to_published": spread([c.published - c.at for c in published if c.published is not None]),
        "change_to_polled": spread([c.polled - c.at for c in watcher.changes if c.polled is not None]),
        "polled_to_published": spread([c.published - c.polled for c in published
                                       if c.published is not None and c.polled is not None]),
        "per_daemon": per_daemon,
        "exit_codes": [process.returncode for process, _o, _l in running],
    }


# ---------------------------------------------------------------- report

def seconds_text(spread: dict[str, float] | None) -> str:
    return "—" if spread is None else f"{spread['median']:.1f} / {spread['max']:.1f}"


def table(results: list[dict[str, Any]]) -> str:
    rows = ["| daemons | every upstream polled after (polls/s) | polls/s in the window (each daemon) | "
            "duplicate polls (shortest gap) | change → published, median / max | of which poll → published | "
            "builds (standby) | errors |",
            "|---|---|---|---|---|---|---|---|"]
    for r in results:
        each = " + ".join(str(round(d["requests"] / r["window"], 1)) for d in r["per_daemon"])
        if r["all_polled_after"] is None:
            swept = f"not within the window ({r['polled_upstreams']:,} of {r['upstreams']:,})"
        else:
            swept = f"{r['all_polled_after']:.0f} s ({r['first_sweep_rate']:.0f})"
        builds = " + ".join(f"{d['builds']} ({d['standby_builds']})" for d in r["per_daemon"])
        published = f"{seconds_text(r['change_to_published'])} s ({r['changes_published']}/{r['changes']})"
        gap = "" if r["min_gap"] is None else f" ({r['min_gap']:.0f} s)"
        rows.append(f"| {r['daemons']} | {swept} | {r['polls_per_second']} ({each}) | {r['duplicates']}{gap} | "
                    f"{published} | {seconds_text(r['polled_to_published'])} s | {builds} | "
                    f"{sum(d['errors'] for d in r['per_daemon'])} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--daemons", type=int, nargs="+", default=[1, 2, 3], help="Daemon counts, one run each.")
    parser.add_argument("--upstreams", type=int, default=10_000, help="Generated upstream feeds (default 10000).")
    parser.add_argument("--seconds", type=float, default=400.0, help="Window of each run (default 400).")
    parser.add_argument("--interval", type=float, default=180.0, help="Every feed's interval in seconds (default "
                        "180).")
    parser.add_argument("--changes", type=int, default=10, help="Upstreams that get a new entry (default 10).")
    parser.add_argument("--debounce", type=float, default=2.0, help="The daemons' --debounce (default 2, theirs).")
    parser.add_argument("--results", type=Path, default=CACHE / "scale.json", help="Where the JSON goes.")
    parser.add_argument("--keep", type=Path, help="Copy each run's config and daemon logs into this folder.")
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)  # unwinds like Ctrl-C: daemons stopped, server stopped
    try:
        from tests.pgserver import PgServer, Unavailable
    except ImportError as exc:  # pragma: no cover - run from a checkout
        say(f"scale simulation not run: {exc}")
        return 0
    try:
        server = PgServer.start()
    except Unavailable as exc:
        say(f"scale simulation not run: {exc}")
        return 0
    upstreams = Upstreams(args.upstreams)
    threading.Thread(target=upstreams.serve_forever, daemon=True).start()
    results: list[dict[str, Any]] = []
    say(f"load average before: {load()}; feedkit {version()}, {os.cpu_count()} cores; {args.upstreams:,} upstreams "
        f"on 127.0.0.1:{upstreams.port}, interval {args.interval:g} s, window {args.seconds:g} s per run")
    try:
        with tempfile.TemporaryDirectory(prefix="feedkit-scale-") as name:
            for count in args.daemons:
                folder = Path(name) / f"n{count}"
                folder.mkdir()
                say(f"{count} daemon(s) ...")
                result = run_one(count, upstreams, server.url(), folder, args)
                results.append(result)
                say(f"  {result['polls_per_second']} polls/s, every upstream polled after "
                    f"{result['all_polled_after']} s, {result['duplicates']} duplicate polls, "
                    f"{result['changes_published']}/{result['changes']} changes published")
                if args.keep:
                    keep = args.keep / f"n{count}"
                    keep.mkdir(parents=True, exist_ok=True)
                    for path in folder.glob("*.log"):
                        (keep / path.name).write_bytes(path.read_bytes())
                    (keep / "feedkit1.toml").write_bytes((folder / "feedkit1.toml").read_bytes())
                for i, daemon in enumerate(result["per_daemon"], 1):
                    if daemon["errors"]:
                        tail = (folder / f"daemon{i}.log").read_text(encoding="utf-8", errors="replace")
                        say(f"  daemon {i}: {daemon['errors']} errors; its log ends:\n" + tail[-2000:])
    finally:
        upstreams.shutdown()
        upstreams.server_close()
        server.stop()
    say()
    say(table(results))
    report = {"date": datetime.now(UTC).date().isoformat(), "version": version(), "cores": os.cpu_count(),
              "load_after": load(), "command": " ".join(["python -m benchmarks.scale", *(argv or sys.argv[1:])]),
              "runs": results}
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    say(f"\nresults: {args.results} (load average after: {report['load_after']})")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
