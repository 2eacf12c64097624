"""One daemon or build per store and output folder: an exclusive ``flock`` on a lock file next to the store.

``feedkit run`` holds it for its whole life, ``feedkit build`` and ``feedkit store rebuild``
while they run (:func:`hold`): a second one refuses at once, naming the pid that holds it.
With a ``store`` elsewhere than the default, the output folder's default lock
(``OUT.feedkit.sqlite.lock``) is held too, so two builds into one output folder never
interleave whichever stores they use.

``STORE.lock`` holds the pid of the daemon that holds the lock.  The kernel releases a
``flock`` when its process ends, however it ends, so a lock file left behind by
``kill -9`` never blocks the next start: only a *held* lock refuses.  The file itself is
left in place (removing it would let two processes lock two different files).
``feedkit reload`` reads the pid from it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import TracebackType

from feedkit.config.types import Config
from feedkit.errors import StoreError


def lock_path(store_path: Path) -> Path:
    """The lock file of the store at ``store_path``: ``STORE.lock`` beside it."""
    return store_path.with_name(store_path.name + ".lock")


class StoreLock:
    """A held lock; :meth:`release` it (or use ``with``)."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, store_path: Path) -> StoreLock:
        """Lock the store at ``store_path`` for this process and record its pid.

        Raises :class:`~feedkit.errors.StoreError` naming the other pid when the lock is held.
        """
        path = lock_path(store_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise StoreError(path, f"cannot open the lock file: {exc.strerror or exc}") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = _read_pid(path)
            os.close(descriptor)
            who = f"pid {other}" if other else "another process"
            raise StoreError(store_path, f"another feedkit build or daemon ({who}) is already running on this "
                                         f"store (lock file {path}): nothing was done. Wait for the build to "
                                         "finish, or stop the daemon, or give this one another --store") from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        return cls(path, descriptor)

    def release(self) -> None:
        """Empty the pid and unlock (idempotent)."""
        if self._descriptor is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._descriptor, 0)
        os.close(self._descriptor)  # closing releases the flock
        self._descriptor = None

    def __enter__(self) -> StoreLock:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


@contextlib.contextmanager
def hold(config: Config) -> Iterator[None]:
    """Hold the lock of ``config``'s store, and of its output folder's default store when that is another file."""
    with contextlib.ExitStack() as stack:
        default = replace(config, store=None).store_path
        if config.store_path.resolve() != default and os.access(default.parent, os.W_OK):
            # (where it cannot be made nothing can write the output either: the write says why)
            stack.enter_context(StoreLock.acquire(default))
        stack.enter_context(StoreLock.acquire(config.store_path))
        yield


def running_pid(store_path: Path) -> int:
    """The pid of the daemon running on the store at ``store_path``.

    Raises :class:`~feedkit.errors.StoreError` (saying so) when no process holds the lock.
    """
    path = lock_path(store_path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise StoreError(store_path, f"no feedkit daemon is running on this store (no lock file {path})") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = _read_pid(path)
        if pid is None:
            raise StoreError(path, "locked but holds no pid: is the daemon still starting?") from None
        return pid
    finally:
        os.close(descriptor)
    raise StoreError(store_path, f"no feedkit daemon is running on this store (lock file {path} is not held)")


def read_pid_file(path: Path) -> int:
    """The pid written to ``path`` by ``feedkit run --pid-file``."""
    pid = _read_pid(path)
    if pid is None:
        raise StoreError(path, f"no pid in this file (is a daemon running with --pid-file {path}?)")
    return pid


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None
