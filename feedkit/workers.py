"""Worker processes for one build: the same results, in the same order, whatever their number.

Parsing an article, making its body and parsing an upstream document are pure functions of their
inputs, so large batches are split across worker processes and the results come back in the
order of the jobs (``Executor.map`` keeps order): output never depends on the number of workers.
One :class:`Workers` serves a whole build, so the processes are started once (and only when a
batch is large enough to pay for them).  Small batches, ``workers = 1`` and machines where
processes cannot be started are done in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import TypeVar

from feedkit.model import Problem, Severity
from feedkit.report import Progress, no_progress

PARALLEL_MIN_FILES = 64
"""Below this many files, starting processes costs more than it saves."""
MAX_AUTO_WORKERS = 8

Job = TypeVar("Job")
Result = TypeVar("Result")


def worker_count(setting: int, files: int) -> int:
    """``setting`` 0 means one per core (at most :data:`MAX_AUTO_WORKERS`)."""
    if files < PARALLEL_MIN_FILES:
        return 1
    wanted = setting or min(os.cpu_count() or 1, MAX_AUTO_WORKERS)
    return max(1, min(wanted, files // (PARALLEL_MIN_FILES // 2)))


class Workers:
    """The worker processes of one build (a context manager: they stop at its end)."""

    def __init__(self, setting: int) -> None:
        self.setting = setting
        self.notes: list[Problem] = []
        """A note when processes could not be used."""
        self._pool: ProcessPoolExecutor | None = None
        self._size = 1
        self._broken = False

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def map(self, function: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress = no_progress,
            label: str = "articles", *, heavy: bool = False) -> list[Result]:
        """``function`` of every job, in job order; ``progress`` is told under ``label``.  ``heavy``: the jobs
        are large enough (whole documents) for processes to pay from a few of them on."""
        pool = self._pool_for(len(jobs) * (PARALLEL_MIN_FILES if heavy and len(jobs) > 1 else 1))
        if pool is None:
            return _told((function(job) for job in jobs), progress, label, len(jobs))
        try:
            chunk = max(1, min(64, len(jobs) // (self._size * 8)))
            return _told(pool.map(function, jobs, chunksize=chunk), progress, label, len(jobs))
        except (OSError, BrokenProcessPool) as exc:
            self._give_up(exc)
            return _told((function(job) for job in jobs), progress, label, len(jobs))

    def stream(self, function: Callable[[Job], Result], jobs: Sequence[Job], progress: Progress = no_progress,
               label: str = "articles") -> Iterator[Result]:
        """:meth:`map` as the results come (the caller may store each and let it go); consume it whole while
        this :class:`Workers` is open."""
        pool = self._pool_for(len(jobs))
        done = 0
        if pool is not None:
            chunk = max(1, min(64, len(jobs) // (self._size * 8)))
            try:
                for result in pool.map(function, jobs, chunksize=chunk):
                    done += 1
                    progress(label, done, len(jobs))
                    yield result
            except (OSError, BrokenProcessPool) as exc:
                self._give_up(exc)
        for job in jobs[done:]:
            done += 1
            result = function(job)
            progress(label, done, len(jobs))
            yield result

    def _pool_for(self, jobs: int) -> ProcessPoolExecutor | None:
        if self._pool is not None or self._broken:
            return self._pool
        count = worker_count(self.setting, jobs)
        if count <= 1:
            return None
        # forkserver/spawn: never fork a process that may be running threads (the daemon does)
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        try:
            self._pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context(method))
        except OSError as exc:
            self._give_up(exc)
            return None
        self._size = count
        return self._pool

    def _give_up(self, exc: BaseException) -> None:
        self.notes.append(Problem("workers", f"could not use {self._size} worker processes ({exc}); work in "
                                  "this one", Severity.WARNING))
        self._broken = True
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None



def _told(results: Iterable[Result], progress: Progress, label: str, total: int) -> list[Result]:
    """``results`` as a list, telling ``progress`` along the way."""
    collected: list[Result] = []
    for result in results:
        collected.append(result)
        progress(label, len(collected), total)
    return collected
