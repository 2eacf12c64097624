"""Article jobs for the build's worker processes (:mod:`feedkit.workers`).

:func:`load_article_job` parses one file (:func:`~feedkit.articles.cache.parse_file`) and
:func:`finish_body_job` makes one deferred body (:func:`~feedkit.articles.cache.finish_file`):
module-level functions of picklable jobs, so a worker process can run them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from feedkit.articles.cache import Parsed, finish_file, parse_file
from feedkit.articles.parse import Body
from feedkit.config.types import ArticleSourceConfig
from feedkit.model import Problem
from feedkit.report import Progress, no_progress
from feedkit.workers import Workers

ArticleJob = tuple[Path | str, str, ArticleSourceConfig, str, str, bool]
"""(path, path inside the source, the source's settings, the site's base URL, the cache key, complete)."""
BodyJob = tuple[Path, str, ArticleSourceConfig, str]
"""(path, path inside the source, the source's settings, the site's base URL)."""


def load_article_job(job: ArticleJob) -> Parsed:
    path, rel_path, source, base_url, key, complete = job
    return parse_file(path, rel_path, source, base_url, key, complete)


def finish_body_job(job: BodyJob) -> Body | str:
    return finish_file(*job)


def load_articles(jobs: Sequence[ArticleJob], workers: int,
                  progress: Progress = no_progress) -> tuple[list[Parsed], Problem | None]:
    """Every job's result in job order; a note when processes could not be used."""
    with Workers(workers) as pool:
        parsed = pool.map(load_article_job, jobs, progress)
    return parsed, (pool.notes[0] if pool.notes else None)
