"""The daemon's clock: APScheduler 3.x behind one module, and the debounced build requests.

APScheduler is used the way its traps ask for (``docs/design.md``): a
``BackgroundScheduler`` with an explicit UTC timezone, an in-memory job store only (jobs
are rebuilt from the config at every start and reload; nothing is pickled), every job
coalescing, at most one instance of it, and a misfire grace as long as its interval (a
machine that slept runs a missed job once, late, rather than never).  Its log records
are sent to the daemon's event log.

Jobs are cheap: they only *ask* for a build (:class:`BuildRequests`), and the daemon's
single builder thread runs the build.  So builds never overlap, and several requests
within the debounce window become one build.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor  # type: ignore[import-untyped]
from apscheduler.jobstores.base import JobLookupError  # type: ignore[import-untyped]
from apscheduler.jobstores.memory import MemoryJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from feedkit.daemon.eventlog import EventLog, LibraryLogHandler

MAX_DELAY_FACTOR = 10
"""A build waits at most this many debounce windows while requests keep coming."""


class Scheduler:
    """Interval jobs by id; thread-safe."""

    def __init__(self, log: EventLog) -> None:
        logger = logging.getLogger("apscheduler")
        logger.handlers[:] = [LibraryLogHandler(log, "scheduler")]
        logger.propagate = False
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=2)},
            job_defaults={"coalesce": True, "max_instances": 1},
        )

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        """Stop firing jobs; a job that is running is not waited for (jobs only ask for builds)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def every(self, job_id: str, seconds: float, func: Callable[[], None], *, first: datetime) -> None:
        """Run ``func`` every ``seconds``, first at ``first`` (replaces a job with the same id)."""
        self._scheduler.add_job(
            func,
            IntervalTrigger(seconds=seconds, timezone=UTC),
            id=job_id,
            name=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, math.ceil(seconds)),
            next_run_time=first,
        )

    def move(self, job_id: str, when: datetime | None) -> None:
        """Run job ``job_id`` next at ``when`` (then every interval again); ``None`` pauses it."""
        try:
            if when is None:
                self._scheduler.pause_job(job_id)
            else:
                self._scheduler.modify_job(job_id, next_run_time=when)
        except JobLookupError:
            pass  # removed by a reload meanwhile

    def remove(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(job_id)

    def job_ids(self) -> set[str]:
        return {job.id for job in self._scheduler.get_jobs()}

    def next_run(self, job_id: str) -> datetime | None:
        job = self._scheduler.get_job(job_id)
        return job.next_run_time if job is not None else None


Clock = Callable[[], datetime]
"""The wall clock as the daemon reads it: :func:`utc_now`, or a test's (a parameter, never an environment variable)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def after(seconds: float) -> datetime:
    return utc_now() + timedelta(seconds=seconds)


class BuildRequests:
    """Requests for a build, debounced: a build starts once no request came for ``debounce`` seconds
    (or ``MAX_DELAY_FACTOR * debounce`` after the first request, so a stream of changes cannot starve it).
    """

    def __init__(self, debounce: float) -> None:
        self.debounce = debounce
        self._condition = threading.Condition()
        self._reasons: list[str] = []
        self._last = 0.0
        self._closed = False

    def request(self, reason: str) -> None:
        with self._condition:
            if reason not in self._reasons:
                self._reasons.append(reason)
            self._last = time.monotonic()
            self._condition.notify_all()

    def close(self) -> None:
        """No more builds: :meth:`next` returns None from now on."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def next(self) -> list[str] | None:
        """Wait for requests and their quiet period; return their reasons (None once closed)."""
        with self._condition:
            while not self._reasons and not self._closed:
                self._condition.wait()
            first = time.monotonic()
            while not self._closed:
                now = time.monotonic()
                remaining = min(self._last + self.debounce, first + MAX_DELAY_FACTOR * self.debounce) - now
                if remaining <= 0:
                    break
                self._condition.wait(remaining)
            if self._closed:
                return None
            reasons, self._reasons = self._reasons, []
            return reasons
