"""The daemon over time: ``feedkit run`` (a real subprocess) against a flapping upstream on 127.0.0.1.

    python3 dev.py soak                      # 15 minutes (SOAK_SECONDS to change), figures printed
    python -m tests.soak --seconds 60        # the same, any length

Six upstream feeds, each polled every second, cycle through timeouts, 500s, garbage, 304s,
new items and a 301 (one feed answers ``410 Gone`` after a while).  Meanwhile the harness

* samples the daemon's memory (``VmRSS``) and open file descriptors from ``/proc`` and fits
  a straight line to the samples after the warm-up: the slopes are the figures;
* reads ``all/feed.json`` over and over: an entry once published must never disappear, and
  no id may appear twice (a re-delivery);
* times every request the upstream gets: no feed is polled faster than its interval, a
  failing feed waits out its backoff (``interval × 2^(failures−1)``, at most ``max_backoff``),
  and no live feed goes unpolled for longer than its longest wait plus slack;
* jumps the daemon's wall clock a day forward and then two days back (the daemon runs with
  an injected clock, a parameter of :func:`feedkit.daemon.run`, read from a file here): polling
  must go on and no entry may be delivered again with another id or date;
* sends ``SIGHUP`` every few seconds: every one must be a logged, successful reload.

``tests/test_soak.py`` runs it for a few seconds in the test command.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .httpserver import Upstream

ROOT = Path(__file__).resolve().parent.parent
INTERVAL = 1
MAX_BACKOFF = 4
FETCH_TIMEOUT = 0.5
MODES = ("new", "same", "500", "timeout", "garbage", "same", "301", "new", "500", "500", "same")
"""What each flapping feed does, in turn, for ``STEP`` seconds each (``same``: the client's ETag gets a 304)."""
STEP = 1.7
FAILING = frozenset({"500", "timeout", "garbage"})
FEEDS = ("alpha", "beta", "gamma", "delta", "epsilon")
GONE_FEED = "omega"
DATE = datetime(2024, 3, 1, tzinfo=UTC)


def rss(items: list[int], name: str) -> bytes:
    body = "".join(
        f"<item><guid>{name}-{n}</guid><title>{name} story {n}</title><link>https://{name}.example/{n}</link>"
        f"<pubDate>{(DATE + timedelta(minutes=n)).strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
        f"<description>Story {n} of {name}.</description></item>"
        for n in reversed(items[-10:]))  # the upstream's window: its 10 newest
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>'
            f"<link>https://{name}.example/</link><description>d</description>{body}</channel></rss>").encode()


class FileClock:
    """The daemon's clock in the soak: real UTC time plus the offset (seconds) written in ``path``."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def __call__(self) -> datetime:
        try:
            offset = float(self._path.read_text(encoding="ascii") or 0)
        except (OSError, ValueError):
            offset = 0.0
        return datetime.now(UTC) + timedelta(seconds=offset)


def run_daemon() -> None:
    """``python -m tests.soak --daemon CLOCKFILE run …``: the real CLI, on a :class:`FileClock`."""
    from feedkit.cli import main

    clock_file = Path(sys.argv[2])
    main(sys.argv[3:], prog_name="feedkit", obj={"clock": FileClock(clock_file)})


@dataclass
class SoakResult:
    seconds: float = 0.0
    polls: int = 0
    """Requests the upstream answered (every poll of every feed; a 301 and where it leads count two)."""
    builds: int = 0
    reloads: int = 0
    hups: int = 0
    clock_jumps: int = 0
    samples: list[tuple[float, int, int]] = field(default_factory=list)
    """(seconds since start, RSS KiB, open fds)."""
    published_max: int = 0
    vanished: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    redated: list[str] = field(default_factory=list)
    schedule_errors: list[str] = field(default_factory=list)
    exit_code: int | None = None
    stray_lines: list[str] = field(default_factory=list)

    def slope(self, column: int, warmup: float = 0.25) -> float:
        """Least-squares slope of column 1 (RSS KiB) or 2 (fds) per hour, after the first ``warmup`` of the run."""
        points = [(t, float(s[column])) for s in self.samples for t in [s[0]] if t >= self.seconds * warmup]
        if len(points) < 3:
            return 0.0
        mean_t = sum(t for t, _ in points) / len(points)
        mean_v = sum(v for _, v in points) / len(points)
        spread = sum((t - mean_t) ** 2 for t, _ in points)
        return 3600 * sum((t - mean_t) * (v - mean_v) for t, v in points) / spread if spread else 0.0

    def summary(self) -> str:
        rss = [s[1] for s in self.samples]
        fds = [s[2] for s in self.samples]
        return (f"{self.seconds:.0f} s, {self.polls} polls, {self.builds} builds, {self.reloads}/{self.hups} "
                f"SIGHUP reloads, {self.clock_jumps} clock jumps, {self.published_max} entries published; "
                f"RSS {min(rss, default=0) / 1024:.1f}-{max(rss, default=0) / 1024:.1f} MiB, slope "
                f"{self.slope(1) / 1024:+.2f} MiB/h; fds {min(fds, default=0)}-{max(fds, default=0)}, slope "
                f"{self.slope(2):+.2f}/h; vanished {len(self.vanished)}, delivered twice {len(self.duplicates)}, "
                f"re-dated {len(self.redated)}, schedule errors {len(self.schedule_errors)}, exit {self.exit_code}")

    @property
    def ok(self) -> bool:
        return not (self.vanished or self.duplicates or self.redated or self.schedule_errors or self.stray_lines
                    or self.exit_code != 0 or self.reloads != self.hups)


class Flapper:
    """Moves each upstream feed through :data:`MODES`; remembers which mode was on when."""

    def __init__(self, upstream: Upstream, offset: int = 0) -> None:
        self.upstream = upstream
        self.items = {name: [1, 2, 3] for name in (*FEEDS, GONE_FEED)}
        self.mode_log: dict[str, list[tuple[float, str]]] = {name: [] for name in FEEDS}
        self.turn = offset
        self.gone_after: float | None = None
        for name in (*FEEDS, GONE_FEED):
            self.set(name, "new")

    def set(self, name: str, mode: str) -> None:
        """Put feed ``name`` in ``mode``, at its first URL and at the one a 301 moves it to (the store follows)."""
        path, moved = f"/{name}.xml", f"/{name}-moved.xml"
        items = self.items[name]
        if mode == "new":
            items.append(items[-1] + 1)
        body = rss(items, name)
        etag = f'"{name}-{items[-1]}"'
        for where in (path, moved):
            if mode in ("new", "same", "301"):
                self.upstream.route(where, body, etag=etag)
            elif mode == "500":
                self.upstream.route(where, b"server error", status=500)
            elif mode == "timeout":
                self.upstream.route(where, body, delay=FETCH_TIMEOUT * 4)
            elif mode == "garbage":
                self.upstream.route(where, b"\x00\x01<rss><channel><item>garbage",
                                    headers={"Content-Type": "text/html"})
            elif mode == "410":
                self.upstream.route(where, b"gone", status=410)
        if mode == "301":
            self.upstream.redirect(path, moved, status=301)
        if name in self.mode_log:
            self.mode_log[name].append((time.monotonic(), mode))

    def step(self, elapsed: float) -> None:
        self.turn += 1
        for index, name in enumerate(FEEDS):
            self.set(name, MODES[(self.turn + 2 * index) % len(MODES)])
        if self.gone_after is not None and elapsed >= self.gone_after:
            self.set(GONE_FEED, "410")
            self.gone_after = None

    def mode_at(self, name: str, when: float) -> str | None:
        """The mode of feed ``name`` at monotonic time ``when`` (None within 0.1 s of a change: a race)."""
        current = None
        for changed, mode in self.mode_log[name]:
            if abs(changed - when) < 0.1:
                return None
            if changed <= when:
                current = mode
        return current


def write_config(folder: Path, upstream: Upstream, title: str = "Soak") -> None:
    feeds = "".join(
        f'[[feeds]]\nname = "{name}"\nurl = "{upstream.url(f"/{name}.xml")}"\ninterval = {INTERVAL}\n'
        "keep_count = 5000\n"
        for name in (*FEEDS, GONE_FEED))
    (folder / "feedkit.toml").write_text(f"""
out = "out"
[site]
title = "{title}"
[channels]
entry_limit = 100000
[[articles]]
name = "posts"
paths = ["posts"]
{feeds}
[fetch]
allow_hosts = ["{upstream.host}"]
timeout = {FETCH_TIMEOUT}
connect_timeout = {FETCH_TIMEOUT}
max_backoff = {MAX_BACKOFF}
""", encoding="utf-8")


def proc_sample(pid: int) -> tuple[int, int] | None:
    """(VmRSS in KiB, open file descriptors) of process ``pid``, from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return rss, len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, StopIteration, ValueError):
        return None


def soak(folder: Path, seconds: float, *, echo: bool = False) -> SoakResult:
    """One soak run in ``folder`` for ``seconds``; the figures and every broken promise."""
    result = SoakResult()
    (folder / "posts").mkdir(parents=True, exist_ok=True)
    (folder / "posts" / "local.md").write_text(
        "---\ntitle: Local post\ndate: 2024-03-01 09:00:00\ncategories: [News]\n---\n<p>Local.</p>\n", encoding="utf-8")
    clock_file = folder / "clock-offset"
    clock_file.write_text("0", encoding="ascii")
    with Upstream.running() as upstream:
        flapper = Flapper(upstream)
        flapper.gone_after = seconds * 0.3
        write_config(folder, upstream)
        log = folder / "daemon.log"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        command = [sys.executable, "-m", "tests.soak", "--daemon", str(clock_file), "run", "--config",
                   "feedkit.toml", "--serve", "127.0.0.1:0", "--rescan", "0.5", "--debounce", "0.2",
                   "--log-format", "json"]
        with log.open("wb") as stream:
            process = subprocess.Popen(command, cwd=folder, stdout=stream, stderr=subprocess.STDOUT, env=env)
        try:
            _drive(process, folder, flapper, seconds, result, clock_file, echo)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    result.exit_code = process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
            else:
                result.exit_code = process.returncode
        events = _events(log)
        result.stray_lines = [line for line in log.read_text(encoding="utf-8").splitlines()
                              if not line.startswith("{")][:20]
        result.builds = sum(1 for e in events if e["event"] == "build")
        result.reloads = sum(1 for e in events if e["event"] == "reload" and e["level"] == "info")
        result.clock_jumps = sum(1 for e in events if e["event"] == "clock")
        result.polls = sum(upstream.hits.values())
        _check_schedules(upstream, flapper, result, until=time.monotonic())
    return result


def _events(log: Path) -> list[dict[str, Any]]:
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [json.loads(line) for line in lines if line.startswith("{") and line.endswith("}")]


def _drive(process: subprocess.Popen[bytes], folder: Path, flapper: Flapper, seconds: float, result: SoakResult,
           clock_file: Path, echo: bool) -> None:
    started = time.monotonic()
    feed = folder / "out" / "all" / "feed.json"
    published: dict[str, str | None] = {}
    next_step = next_sample = next_hup = started
    jumps = [(0.45, 86400.0), (0.7, -86400.0)]  # a day forward, then two days back (to a day behind)
    while time.monotonic() - started < seconds:
        if process.poll() is not None:
            raise RuntimeError(f"the daemon exited early with {process.returncode}: see {folder / 'daemon.log'}")
        now = time.monotonic()
        elapsed = now - started
        if now >= next_step:
            flapper.step(elapsed)
            next_step += STEP
        if now >= next_sample:
            sample = proc_sample(process.pid)
            if sample:
                result.samples.append((elapsed, *sample))
                if echo and len(result.samples) % 30 == 0:
                    print(f"  {elapsed:6.0f} s  RSS {sample[0] / 1024:.1f} MiB  fds {sample[1]}", flush=True)
            next_sample += 1.0
        if now >= next_hup and elapsed > 2:
            process.send_signal(signal.SIGHUP)
            result.hups += 1
            next_hup = now + 3.0
        if jumps and elapsed >= jumps[0][0] * seconds:
            offset = float(clock_file.read_text(encoding="ascii")) + jumps.pop(0)[1]
            clock_file.write_text(str(offset), encoding="ascii")
        _check_published(feed, published, result)
        time.sleep(0.1)
    time.sleep(0.5)  # the last reload's log line
    result.seconds = time.monotonic() - started


def _check_published(feed: Path, published: dict[str, str | None], result: SoakResult) -> None:
    """Nothing published disappears, no id twice, no entry re-dated."""
    try:
        items = json.loads(feed.read_bytes())["items"]
    except (OSError, ValueError, KeyError):
        return  # not written yet (a torn file would fail json: the writer renames, so it never is)
    ids = [item["id"] for item in items]
    result.duplicates += [i for i, n in Counter(ids).items() if n > 1 and i not in result.duplicates]
    current = {item["id"]: item.get("date_published") for item in items}
    for entry_id, date in published.items():
        if entry_id not in current and entry_id not in result.vanished:
            result.vanished.append(entry_id)
        elif entry_id in current and current[entry_id] != date and entry_id not in result.redated:
            result.redated.append(entry_id)
    published.update(current)
    result.published_max = max(result.published_max, len(current))


def _check_schedules(upstream: Upstream, flapper: Flapper, result: SoakResult, until: float) -> None:
    """Intervals, backoff and liveness, from the times the upstream was asked."""
    slack = 0.25
    longest = MAX_BACKOFF + INTERVAL + 0.2 + 3.0  # backoff + interval + debounce + a busy machine
    for name in FEEDS:
        times: list[float] = []
        for t, path in upstream.times:  # a 301 and the request it leads to are one poll
            if path in (f"/{name}.xml", f"/{name}-moved.xml") and not (times and t - times[-1] < 0.2):
                times.append(t)
        failures = 0
        for before, after in itertools.pairwise(times):
            mode = flapper.mode_at(name, before)
            if mode is None:
                failures = 0
                continue
            failures = failures + 1 if mode in FAILING else 0
            wanted = min(MAX_BACKOFF, INTERVAL * 2 ** (failures - 1)) if failures else INTERVAL
            gap = after - before
            if gap < wanted - slack and result.clock_jumps == 0:
                result.schedule_errors.append(f"{name}: polled {gap:.2f} s after a {mode!r} poll "
                                              f"(wanted at least {wanted} s)")
            if gap > longest:
                result.schedule_errors.append(f"{name}: not polled for {gap:.1f} s (longest wait {longest:.1f} s)")
        if not times or until - times[-1] > longest + 1:  # + the stop
            result.schedule_errors.append(f"{name}: not polled during the last {until - (times or [0])[-1]:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", "900")))
    parser.add_argument("--folder", type=Path, help="keep the run here (default: a temporary folder)")
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="feedkit-soak-") as scratch:
        folder = args.folder or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"soak: feedkit run for {args.seconds:g} s in {folder}", flush=True)
        result = soak(folder, args.seconds, echo=True)
        print("soak:", result.summary())
        for problem in (result.vanished + result.duplicates + result.redated + result.schedule_errors
                        + result.stray_lines)[:20]:
            print("  problem:", problem)
        return 0 if result.ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--daemon":
        run_daemon()
    else:
        sys.exit(main())
