"""The publisher lease of a store shared by several daemons, kept by a heartbeat while the daemon lives.

Only a shared (PostgreSQL) store has leases; a SQLite store has one daemon (:mod:`feedkit.daemon.lock`).
A heartbeat thread runs every ``lease_seconds / 3`` (``[store] lease_seconds``, 300 s by default) and

* marks this daemon alive in the store (``feedkit status`` lists it, ``feedkit reload`` finds it),
* takes or renews the publisher lease: the publisher keeps it between builds and *during* a long
  build; a standby takes it as soon as it is free (released by a clean stop, or lapsed after the
  publisher died) and asks for a build, so it publishes at once instead of at its next timer.

The lease is what makes one daemon publish at a time, so a build may write a file only while the
lease is surely its own: :meth:`PublisherLease.check` (``build(before_write=…)``) raises
:class:`~feedkit.errors.StoreError` before a write unless the lease is confirmed for at least another
third of its length.  A renewal that finds the lease held by another daemon ends it at once;
renewals that fail (the database unreachable) end it a third of a lease before it could lapse.
The deadline is measured on this machine's monotonic clock from *before* the claim was sent,
and the database sets the expiry from its own clock when the claim arrives, so the deadline
seen here is never later than the one every other daemon sees.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from feedkit.daemon.eventlog import EventLog
from feedkit.errors import FeedkitError, StoreError
from feedkit.store import StoreBackend, open_store, redact

MARGIN = 1 / 3
"""A write starts only while the lease is confirmed for at least this fraction of its length."""


class PublisherLease:
    """This daemon's hold on the publisher lease of the shared store at ``location``."""

    def __init__(self, location: str, owner: str, seconds: Callable[[], float], log: EventLog, *,
                 gained: Callable[[], None]) -> None:
        self.location = location
        self.owner = owner
        self._seconds = seconds
        self._log = log
        self._gained = gained
        self._lock = threading.Lock()
        self._store_lock = threading.Lock()
        self._store: StoreBackend | None = None
        self._deadline = 0.0
        """Monotonic time until which the lease is surely ours (0: not held)."""
        self._applied = 0.0
        """Send time of the newest claim whose answer was applied (answers may come back out of order)."""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ the lease

    def claim(self) -> bool:
        """Take or renew the lease now (and mark this daemon alive); True when it is held.

        A store that cannot be reached raises :class:`StoreError`; the lease then runs out by itself.
        """
        seconds = self._seconds()
        sent = time.monotonic()
        try:
            store = self._open()
            store.register_daemon(owner=self.owner, seconds=seconds)
            held = store.claim_publisher(owner=self.owner, seconds=seconds)
        except FeedkitError:
            self._close()
            raise
        with self._lock:
            if sent < self._applied:  # a newer answer already came back
                return self._held_locked()
            self._applied = sent
            had = self._held_locked()
            self._deadline = sent + seconds if held else 0.0
        if held and not had:
            self._log.info("lease", outcome="taken", owner=self.owner, seconds=seconds)
        elif had and not held:
            self._log.warning("lease", outcome="lost", owner=self.owner,
                              message="another daemon holds the publisher lease: publishing stops")
        return held

    def held(self) -> bool:
        """True while the lease is ours for at least another :data:`MARGIN` of its length."""
        with self._lock:
            return self._held_locked()

    def _held_locked(self) -> bool:
        return self._deadline - time.monotonic() >= self._seconds() * MARGIN

    def check(self, rel_path: str) -> None:
        """Raise :class:`StoreError` unless the lease is held (called before every file a build writes)."""
        if not self.held():
            raise StoreError(redact(self.location), f"lost the publisher lease (not renewed in time, or another "
                             f"daemon holds it): the build stopped before writing {rel_path}; the daemon that "
                             "holds the lease publishes")

    # ------------------------------------------------------------ the heartbeat

    def start(self) -> None:
        """Renew (or try to take) the lease every third of its length until :meth:`stop`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._beat, name="feedkit-lease", daemon=True)
            self._thread.start()

    def _beat(self) -> None:
        while not self._stopping.wait(self._seconds() / 3):
            had = self.held()
            try:
                held = self.claim()
            except FeedkitError as exc:
                self._log.warning("lease", outcome="error", owner=self.owner, error=str(exc))
                continue
            if held and not had:
                self._gained()

    def stop(self) -> None:
        """Stop the heartbeat (the lease lapses unless :meth:`release` gives it up)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def release(self) -> None:
        """Stop the heartbeat and give up the lease: another daemon publishes at its next heartbeat."""
        self.stop()
        with self._lock:
            self._deadline = 0.0
        try:
            store = self._open()
            store.release_publisher(owner=self.owner)
            store.unregister_daemon(owner=self.owner)
            self._log.info("lease", outcome="released", owner=self.owner)
        except FeedkitError as exc:  # the lease lapses by itself
            self._log.warning("lease", outcome="error", owner=self.owner, error=str(exc))
        finally:
            self._close()

    def _open(self) -> StoreBackend:
        with self._store_lock:
            if self._store is None:
                self._store = open_store(self.location)
            return self._store

    def _close(self) -> None:
        with self._store_lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()


# ---------------------------------------------------------------- finding the daemons (feedkit reload)

def running_daemons(location: str) -> tuple[list[int], list[str]]:
    """The daemons alive on the shared store at ``location``: the pids of those on this machine that are
    ``feedkit run`` processes, and the owners (``host:pid``) of those elsewhere.

    Each daemon's heartbeat marks it alive for one lease; a pid is checked against ``/proc`` (where there
    is one) so that a dead daemon's pid, reused within that lease by another program, is never signalled.
    """
    host = socket.gethostname()
    with open_store(location) as store:
        owners = sorted(lease.owner for lease in store.leases() if lease.kind == "daemon")
    here: list[int] = []
    elsewhere: list[str] = []
    for owner in owners:
        name, _, pid = owner.rpartition(":")
        if name != host:
            elsewhere.append(owner)
        elif pid.isdigit() and _is_feedkit_run(int(pid)):
            here.append(int(pid))
    return here, elsewhere


def _is_feedkit_run(pid: int) -> bool:
    proc = Path("/proc")
    if not proc.is_dir():  # no way to look: trust the store
        return True
    try:
        words = (proc / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:  # gone
        return False
    return b"run" in words and any(b"feedkit" in word for word in words)
