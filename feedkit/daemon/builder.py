"""The daemon's builder: one thread that runs :func:`feedkit.build` for debounced requests.

Builds never overlap (there is one thread), several requests within the debounce window
become one build (:class:`feedkit.schedule.BuildRequests`), and a build that raises is
logged and counted, never fatal.  Every build logs one ``build`` line, one ``write`` line
per written file, one ``poll`` line per feed it fetched or read, and one ``problem`` line
per skipped input or warning that the previous build did not have.  The builder also
answers ``/healthz`` (:meth:`Builder.health`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from feedkit._version import __version__
from feedkit.config.types import Config
from feedkit.daemon.eventlog import Counters, EventLog
from feedkit.daemon.lease import PublisherLease
from feedkit.daemon.schedule import BuildRequests, Clock, utc_now
from feedkit.errors import FeedkitError
from feedkit.pipeline.build import build
from feedkit.report import BuildReport
from feedkit.store import daemon_id, health_from_state, open_store, redact
from feedkit.upstream.poll import collect

FAILED_OUTCOMES = ("failed", "throttled", "gone")

Built = Callable[[Config, BuildReport, datetime], None]
"""Called after each successful build with the config, the report and the build's ``now``."""


class Builder:
    """Start it, :meth:`request` builds, :meth:`stop` it."""

    def __init__(self, config: Callable[[], Config], log: EventLog, *, debounce: float, built: Built,
                 failed: Callable[[], None], clock: Clock = utc_now) -> None:
        self._config = config
        self._clock = clock
        self._log = log
        self._built = built
        self._failed = failed
        self.requests = BuildRequests(debounce)
        self.counters = Counters()
        self.last_build: dict[str, Any] | None = None
        self.started = clock()
        self.owner = daemon_id()
        """This daemon as a lease owner in a shared store (``host:pid``)."""
        self._lease: PublisherLease | None = None
        self._problems: set[tuple[str, str, str]] = set()
        self._thread = threading.Thread(target=self._loop, name="feedkit-build", daemon=True)

    def start(self) -> None:
        self._thread.start()
        lease = self.lease()
        if lease is not None:
            lease.start()

    def request(self, reason: str) -> None:
        self.requests.request(reason)

    def stop(self, grace: float) -> bool:
        """No more builds; wait up to ``grace`` seconds for the one in progress.  True when none is left running."""
        self.requests.close()
        if self._thread.is_alive():
            self._thread.join(timeout=grace)  # the heartbeat keeps the lease meanwhile
        if self._lease is not None:
            self._lease.stop()
        return not self._thread.is_alive()

    def _loop(self) -> None:
        self.build_once(["start"])  # the first build does not wait for the debounce window
        while (reasons := self.requests.next()) is not None:
            self.build_once(reasons)

    def build_once(self, reasons: list[str]) -> None:
        """One build now (the builder thread calls this; so may a test)."""
        config = self._config()
        started, now = time.monotonic(), self._clock()
        try:
            lease = self.lease()
            if lease is not None and not lease.claim():  # another daemon publishes: poll our share only
                report = BuildReport()
                collect(config, now=now, report=report)
                self._log_build(report, [*reasons, "standby"], time.monotonic() - started)
                return
            report = build(config, now=now, before_write=lease.check if lease is not None else None)
        except Exception as exc:  # FeedkitError (store locked, output unwritable) or a bug: log, carry on
            error = str(exc) or repr(exc)
            self.counters.build_errors += 1
            self.last_build = {"finished": self._clock().isoformat(), "outcome": "error", "error": error,
                               "seconds": round(time.monotonic() - started, 3), "reasons": reasons}
            self._log.error("build", outcome="error", reasons=reasons, error=error)
            self._failed()
            return
        self._log_build(report, reasons, time.monotonic() - started)
        self._built(config, report, now)

    def lease(self) -> PublisherLease | None:
        """The publisher lease of a shared store (made at first use, for :attr:`owner`); None for SQLite."""
        config = self._config()
        if config.store_url is None:
            return None
        if self._lease is None:
            self._lease = PublisherLease(config.store_url, self.owner, lambda: self._config().store_lease_seconds,
                                         self._log, gained=lambda: self.request("publisher lease"))
        return self._lease

    def release(self) -> None:
        """Give up the publisher lease of a shared store (a clean stop: another daemon takes over at once)."""
        if self._lease is not None:
            self._lease.release()

    def _log_build(self, report: BuildReport, reasons: list[str], seconds: float) -> None:
        counters = self.counters
        counters.builds += 1
        counters.files_written += len(report.written)
        for rel_path in report.written:
            self._log.info("write", file=rel_path)
        for source in report.sources:
            if source.outcome == "not due":
                continue
            counters.polls += 1
            failed = source.outcome in FAILED_OUTCOMES
            counters.poll_errors += failed
            self._log.emit("warning" if failed else "info", "poll", {
                "source": source.name, "url": source.url, "outcome": source.outcome, "status": source.status,
                "entries": source.entries, "failures": source.failures, "error": source.last_error if failed else None,
                "next_attempt": source.next_attempt.isoformat() if source.next_attempt else None})
        problems = {(p.severity.value, p.origin, p.message) for p in report.problems}
        for severity, origin, message in sorted(problems - self._problems):
            self._log.warning("problem", severity=severity, origin=origin, message=message)
        counters.problems += len(problems - self._problems)
        self._problems = problems
        summary: dict[str, Any] = {
            "outcome": "ok" if report.ok else "skipped inputs", "reasons": reasons, "seconds": round(seconds, 3),
            "read": report.read, "published": report.published, "channels": len(report.channels),
            "written": len(report.written), "unchanged": len(report.unchanged), "skipped": len(report.skipped),
            "warnings": len(report.warnings),
        }
        self.last_build = {"finished": self._clock().isoformat(), **summary}
        self._log.info("build", **summary)

    def health(self) -> tuple[int, dict[str, Any]]:
        """The HTTP status and document of ``/healthz`` (200 for ``ok`` and ``degraded``, else 503)."""
        config = self._config()
        sources, store_error = _source_health(config)
        last = self.last_build
        if last is None:
            status = "starting"
        elif last["outcome"] == "error" or store_error:
            status = "error"
        else:
            status = "degraded" if any(s["status"] not in ("ok", "pending") for s in sources) else "ok"
        document = {
            "status": status, "pid": os.getpid(), "version": __version__, "started": self.started.isoformat(),
            "uptime_seconds": round((self._clock() - self.started).total_seconds(), 1),
            "out": config.output.url or str(config.out),
            "store": redact(config.store_location), "last_build": last, "counters": self.counters.to_dict(),
            "sources": sources, "store_error": store_error,
        }
        return (200 if status in ("ok", "degraded") else 503), document


def _source_health(config: Config) -> tuple[list[dict[str, object]], str | None]:
    """Every configured feed's health as the store remembers it (read-only; safe during a build)."""
    names = {feed.name for feed in config.feeds}
    path = config.store_path
    if not names or (config.store_url is None and not path.is_file()):
        return [], None
    try:
        with open_store(config.store_location) as store:
            states = [state for state in store.states() if state.name in names]
    except FeedkitError as exc:
        return [], str(exc)
    return [health_from_state(state).to_dict() for state in states], None
