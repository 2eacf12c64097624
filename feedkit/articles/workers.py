"""Reading articles on every core: the same results, in the same order, whatever the worker count.

:func:`~feedkit.articles.load_article` is a pure function of a file and its source's
settings, so a large folder is split across worker processes and the results come back
in the order of the files (``Executor.map`` keeps order): output never depends on the
number of workers.  Small folders, ``workers = 1`` and machines where processes cannot be
started are read in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from feedkit.articles.cache import Parsed, parse_file
from feedkit.config.types import ArticleSourceConfig
from feedkit.model import Problem, Severity
from feedkit.report import Progress, no_progress

ArticleJob = tuple[Path, str, ArticleSourceConfig, str, str]
"""(path, path inside the source, the source's settings, the site's base URL, the cache key)."""

PARALLEL_MIN_FILES = 64
"""Below this many files, starting processes costs more than it saves."""
MAX_AUTO_WORKERS = 8


def load_article_job(job: ArticleJob) -> Parsed:
    path, rel_path, source, base_url, key = job
    return parse_file(path, rel_path, source, base_url, key)


def worker_count(setting: int, files: int) -> int:
    """``setting`` 0 means one per core (at most :data:`MAX_AUTO_WORKERS`)."""
    if files < PARALLEL_MIN_FILES:
        return 1
    wanted = setting or min(os.cpu_count() or 1, MAX_AUTO_WORKERS)
    return max(1, min(wanted, files // (PARALLEL_MIN_FILES // 2)))


def load_articles(jobs: Sequence[ArticleJob], workers: int,
                  progress: Progress = no_progress) -> tuple[list[Parsed], Problem | None]:
    """Every job's result in job order; a note when processes could not be used."""
    count = worker_count(workers, len(jobs))
    if count <= 1:
        return _told((load_article_job(job) for job in jobs), progress, len(jobs)), None
    # forkserver/spawn: never fork a process that may be running threads (the daemon does)
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    try:
        with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context(method)) as pool:
            chunk = max(1, min(64, len(jobs) // (count * 8)))
            return _told(pool.map(load_article_job, jobs, chunksize=chunk), progress, len(jobs)), None
    except (OSError, BrokenProcessPool) as exc:
        note = Problem("workers", f"could not use {count} worker processes ({exc}); read articles in one",
                       Severity.WARNING)
        return _told((load_article_job(job) for job in jobs), progress, len(jobs)), note


def _told(results: Iterable[Parsed], progress: Progress, total: int) -> list[Parsed]:
    """``results`` as a list, telling ``progress`` along the way."""
    collected: list[Parsed] = []
    for parsed in results:
        collected.append(parsed)
        progress("articles", len(collected), total)
    return collected
