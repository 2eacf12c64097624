"""``feedkit run``: keep every channel current on a schedule, and optionally serve the output folder.

Each upstream feed has a job at its interval, the article folders a rescan job
(:mod:`feedkit.changes`), and both only *ask* for a build (:mod:`feedkit.schedule`).  One
builder thread runs :func:`feedkit.build` once the requests have been quiet for the
debounce window; the build polls only the feeds that are due (the store remembers
intervals, backoff and ``Retry-After``) and writes only changed files.  After each build
every feed job is moved to the feed's ``next_attempt`` from the store, plus a small
per-feed offset (:func:`feed_offset`) so feeds sharing an interval do not fire together.

Lifecycle: one daemon per store (:mod:`feedkit.lock`); SIGTERM/SIGINT let the build in
progress finish (at most ``stop_grace`` seconds) and exit 0; SIGHUP re-reads the config,
logs what changed and reschedules.  Files are replaced atomically and the store is
transactional, so a crash or ``kill -9`` at any moment leaves both consistent.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

from feedkit._version import __version__
from feedkit.config.types import Config, UpstreamSourceConfig
from feedkit.daemon.builder import Builder
from feedkit.daemon.changes import config_changes, fingerprint
from feedkit.daemon.eventlog import EventLog
from feedkit.daemon.lock import hold
from feedkit.daemon.schedule import Clock, Scheduler, after, utc_now
from feedkit.daemon.serve import IDLE_TIMEOUT, MAX_CONNECTIONS, THREADS, OutputServer
from feedkit.errors import ConfigError, FeedkitError, StoreError
from feedkit.report import BuildReport
from feedkit.store import redact
from feedkit.upstream.poll import plausible_wait

MAX_FEED_OFFSET = 60.0
RESCAN_JOB = "rescan"
CLOCK_JUMP = 5.0
"""Seconds the wall clock may drift from the monotonic clock between two looks (0.5 s apart) before it
counts as a jump."""


@dataclass(frozen=True, slots=True)
class DaemonSettings:
    """How the daemon runs (the ``feedkit run`` options that are not about inputs)."""

    serve: tuple[str, int] | None = None
    """(host, port) to serve the output folder on; None: do not serve."""
    rescan: float = 30.0
    """Seconds between looks at the article folders for new, changed or removed files."""
    debounce: float = 2.0
    """Quiet seconds after the last change before a build starts."""
    pid_file: Path | None = None
    stop_after: float | None = None
    """Stop by itself after this many seconds (demos, smoke tests)."""
    stop_grace: float = 5.0
    """Seconds a build in progress may take to finish after SIGTERM/SIGINT."""
    serve_connections: int = MAX_CONNECTIONS
    """Most connections the server keeps open at once (more wait in the listen backlog)."""
    serve_threads: int = THREADS
    """Threads that answer requests (slow clients never hold one)."""
    serve_timeout: float = IDLE_TIMEOUT
    """Seconds a connection may send or read nothing before it is closed."""


def feed_offset(feed: UpstreamSourceConfig) -> float:
    """A fixed delay in [0, min(interval / 20, 60)) seconds, from the feed's name (deterministic jitter)."""
    fraction = int.from_bytes(hashlib.sha256(feed.name.encode()).digest()[:4], "big") / 2**32
    return fraction * min(feed.interval / 20, MAX_FEED_OFFSET)


def run(load: Callable[[], Config], settings: DaemonSettings, log: EventLog | None = None, *,
        clock: Clock = utc_now) -> int:
    """Run the daemon until SIGTERM/SIGINT (or ``settings.stop_after``); return the exit status.

    ``load`` reads the config; it is called again on SIGHUP.  ``clock`` is the wall clock that
    builds take as ``now`` (a test passes one that jumps; see :meth:`Daemon._watch_clock`).  Raises
    :class:`~feedkit.errors.FeedkitError` when it cannot start (bad config, another daemon
    on the store, the port taken).  Signals are handled only when called from the main thread.
    """
    return Daemon(load, settings, log or EventLog(), clock=clock).run()


class Daemon:
    """One running daemon; :func:`run` is the way in."""

    def __init__(self, load: Callable[[], Config], settings: DaemonSettings, log: EventLog, *,
                 clock: Clock = utc_now) -> None:
        self._load = load
        self.settings = settings
        self.log = log
        self.clock = clock
        self.config = load()
        self.builder = Builder(lambda: self.config, log, debounce=settings.debounce, built=self._move_feed_jobs,
                               failed=self._forget_fingerprint, clock=clock)
        self._clock_mark = (time.monotonic(), clock())
        self._scheduler = Scheduler(log)
        self._server: OutputServer | None = None
        self._wake = threading.Event()
        self._stopping: str | None = None
        self._reload_wanted = False
        self._fingerprint: str | None = None

    # ------------------------------------------------------------ lifecycle

    def run(self) -> int:
        self._check_output(self.config)
        # one daemon per SQLite file; a PostgreSQL store is shared by any number (leases, docs/scale.md)
        lock: AbstractContextManager[object] = hold(self.config) if self.config.store_url is None else nullcontext()
        with lock:
            if not self.config.to_bucket:
                self.config.out.mkdir(parents=True, exist_ok=True)
            if self.settings.serve is not None:
                host, port = self.settings.serve
                self._server = OutputServer(host, port, root=lambda: self.config.out, health=self.builder.health,
                                            max_connections=self.settings.serve_connections,
                                            threads=self.settings.serve_threads, timeout=self.settings.serve_timeout,
                                            log=self.log)
                self.config = self._with_served_base_url(self.config)
            self._write_pid_file()
            previous = self._install_signals()
            try:
                self._begin()
                self._main_loop()
            finally:
                self._end()
                self._restore_signals(previous)
                self._remove_pid_file()
        return 0

    def _check_output(self, config: Config) -> None:
        """``--serve`` serves a local folder: with a bucket output there is nothing local to serve."""
        if self.settings.serve is not None and config.to_bucket:
            raise ConfigError("--serve", f"serves the local output folder, but the output is the bucket "
                              f"{config.output.url}: serve the bucket (or a CDN in front of it) and drop --serve")

    def stop(self, reason: str = "stop") -> None:
        """Ask the daemon to stop (what SIGTERM does)."""
        self._stopping = self._stopping or reason
        self._wake.set()

    def reload(self) -> None:
        """Ask the daemon to re-read its config (what SIGHUP does)."""
        self._reload_wanted = True
        self._wake.set()

    def _begin(self) -> None:
        config = self.config
        self.log.info("start", pid=os.getpid(), version=__version__, out=config.output.url or str(config.out),
                      store=redact(config.store_location), articles=len(config.articles), feeds=len(config.feeds),
                      rescan=self.settings.rescan, debounce=self.settings.debounce)
        if self._server is not None:
            self._server.start()
            url = self._server.url
            self.log.info("serving", url=url, index=url + "index.html", opml=url + "index.opml",
                          health=url + "healthz")
        self._fingerprint = fingerprint(config)
        self._schedule(config)
        self.builder.start()
        self._scheduler.start()

    def _main_loop(self) -> None:
        deadline = time.monotonic() + self.settings.stop_after if self.settings.stop_after else None
        while self._stopping is None:
            timeout = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
            self._wake.wait(timeout)
            self._wake.clear()
            self._watch_clock()
            if deadline is not None and time.monotonic() >= deadline:
                self.stop("--stop-after")
            elif self._reload_wanted:
                self._reload_wanted = False
                self._reload()

    def _watch_clock(self) -> None:
        """A wall clock that jumped (NTP, a resumed VM, an operator): re-plan every job from now.

        The jobs (APScheduler) and the store's ``next_attempt`` times are wall-clock times, so a
        clock set back by a day would leave every feed waiting a day.  The monotonic clock does
        not jump: when the two disagree by more than :data:`CLOCK_JUMP` seconds, the daemon logs
        a ``clock`` line, moves every job to its next interval from the new now, and asks for a
        build (which polls the feeds that are due; the store treats a ``next_attempt`` beyond any
        wait it could have planned as due, see :func:`feedkit.upstream.poll.plausible_wait`).
        """
        mono, wall = time.monotonic(), self.clock()
        then_mono, then_wall = self._clock_mark
        self._clock_mark = (mono, wall)
        jump = (wall - then_wall).total_seconds() - (mono - then_mono)
        if abs(jump) <= CLOCK_JUMP or self._stopping is not None:
            return
        self.log.warning("clock", jump_seconds=round(jump, 1), message="the wall clock jumped; re-planning every job")
        self._schedule(self.config)
        self.builder.request("clock jumped")

    def _end(self) -> None:
        self.log.info("stopping", reason=self._stopping or "error")
        self._scheduler.shutdown()
        if not self.builder.stop(self.settings.stop_grace):
            self.log.warning("stopping", message=f"the build still runs after {self.settings.stop_grace:g} s; "
                             "exiting anyway (files are replaced atomically and the store rolls back)")
        else:
            self.builder.release()  # a shared store: the next daemon publishes without waiting for the lease
        if self._server is not None:
            self._server.stop()
        self.log.info("stopped", **self.builder.counters.to_dict())

    def _install_signals(self) -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        handlers = {signal.SIGTERM: self._on_signal, signal.SIGINT: self._on_signal, signal.SIGHUP: self._on_signal}
        return {number: signal.signal(number, handler) for number, handler in handlers.items()}

    def _restore_signals(self, previous: dict[int, Any]) -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        if number == signal.SIGHUP:
            self.reload()
        else:
            self.stop(signal.Signals(number).name)

    def _write_pid_file(self) -> None:
        if self.settings.pid_file is not None:
            self.settings.pid_file.write_text(f"{os.getpid()}\n", encoding="ascii")

    def _remove_pid_file(self) -> None:
        path = self.settings.pid_file
        if path is not None and path.is_file() and path.read_text(encoding="ascii").strip() == str(os.getpid()):
            path.unlink()

    # ------------------------------------------------------------ config and jobs

    def _with_served_base_url(self, config: Config) -> Config:
        """Without ``site.base_url``, links in the files point at the server (when it has a real address)."""
        if self._server is None or config.site.base_url_set:
            return config
        if self._server.server_address[0] in ("0.0.0.0", "::"):
            self.log.warning("config", message="site.base_url is not set and the server listens on every address: "
                             "feeds link to http://localhost/; set site.base_url (or --base-url) to the public URL")
            return config
        return replace(config, site=replace(config.site, base_url=self._server.url, base_url_set=True))

    def _schedule(self, config: Config) -> None:
        """(Re)create the jobs from ``config``: one per feed, and the rescan."""
        wanted = {f"feed:{feed.name}": feed for feed in config.feeds}
        for job_id in self._scheduler.job_ids() - wanted.keys() - {RESCAN_JOB}:
            self._scheduler.remove(job_id)
        for job_id, feed in wanted.items():
            self._scheduler.every(job_id, feed.interval, partial(self.builder.request, f"feed {feed.name} due"),
                                  first=after(feed.interval + feed_offset(feed)))
        self._scheduler.every(RESCAN_JOB, self.settings.rescan, self._rescan, first=after(self.settings.rescan))

    def _reload(self) -> None:
        try:
            new = self._with_served_base_url(self._load())
            if new.store_location != self.config.store_location:
                raise StoreError(redact(new.store_location), f"the store cannot change while the daemon runs (it "
                                 f"uses {redact(self.config.store_location)}): restart the daemon to switch")
            self._check_output(new)
            if not new.to_bucket:
                new.out.mkdir(parents=True, exist_ok=True)
        except (FeedkitError, OSError) as exc:
            self.builder.counters.reload_errors += 1
            self.log.error("reload", outcome="error", error=f"{exc}; keeping the previous config")
            return
        changes = config_changes(self.config, new)
        self.config = new
        self._schedule(new)
        self._fingerprint = fingerprint(new)
        self.builder.counters.reloads += 1
        self.log.info("reload", outcome="changed" if changes.any else "unchanged", added=changes.added,
                      removed=changes.removed, changed=changes.changed, settings=changes.settings)
        self.builder.request("reload")

    def _rescan(self) -> None:
        try:
            current = fingerprint(self.config)
        except Exception as exc:  # a rescan must never stop the schedule
            self.log.error("rescan", error=repr(exc))
            return
        if current != self._fingerprint:
            self._fingerprint = current
            self.builder.request("files changed")

    def _forget_fingerprint(self) -> None:
        """After a failed build: the next rescan asks for a build again."""
        self._fingerprint = None

    def _move_feed_jobs(self, config: Config, report: BuildReport, now: datetime) -> None:
        feeds = {feed.name: feed for feed in config.feeds}
        # the waits run from the build's start (``now``) but are applied when it has ended: less the build's
        # duration, or every interval grows by it (2+ minutes a build at 10,000 upstreams, benchmarks/scale.py)
        took = float((self.builder.last_build or {}).get("seconds") or 0.0)
        for source in report.sources:
            feed = feeds.get(source.name)
            if feed is None:
                continue
            if source.status == "retired":
                self._scheduler.move(f"feed:{feed.name}", None)
                continue
            # a delay from the build's clock, applied on the scheduler's: the two may differ (a test's
            # clock), and a next attempt beyond any wait the store can plan means the clock went back
            wait = ((source.next_attempt or now) - now).total_seconds()
            wait = min(max(0.0, wait - took), plausible_wait(feed, config.fetch))
            self._scheduler.move(f"feed:{feed.name}", after(wait + feed_offset(feed)))
