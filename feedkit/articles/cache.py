"""The parse cache of article files: never parse or clean an unchanged file twice.

A file's cached result is used when its source's settings are unchanged (the
:func:`config_key`: feedkit's version, every setting of the source, the site's base URL)
and either its size and modification time are those remembered, or its bytes hash to the
remembered digest (a crawler that rewrites every file with the same bytes costs one hash
per file).  An article dated by its file's modification time is re-read whenever that time
changes.  The cache lives in the store (:class:`~feedkit.store.CachedArticle`); results
are kept as JSON, never pickled, so a store file can hold data but never code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from feedkit._version import __version__
from feedkit.articles.discovery import FoundFile
from feedkit.articles.fields import MTIME_FALLBACK
from feedkit.articles.parse import ArticleResult, Body, finish_article, parse_article, read_article_file
from feedkit.config.types import ArticleSourceConfig, canonical
from feedkit.errors import FeedkitError
from feedkit.model import Image, Problem, Severity
from feedkit.store import CachedArticle, entry_from_data, entry_to_json

CACHE_FORMAT = 2
"""Bumped when what a cached result holds changes (old rows are then parsed again)."""


def timeless(source: ArticleSourceConfig) -> ArticleSourceConfig:
    """``source`` without the build's clock (a generator site's ``now``): the clock is not a setting;
    nor is ``allow_shrink``, which decides whether a build runs, not what it publishes."""
    source = replace(source, allow_shrink=False, explicit=source.explicit - {"allow_shrink"})
    return replace(source, site=replace(source.site, now=None)) if source.site is not None else source


def config_key(source: ArticleSourceConfig, site_base_url: str) -> str:
    """Everything besides a file's bytes (and, for undated articles, its time) that its result depends on."""
    text = canonical((CACHE_FORMAT, __version__, timeless(source), site_base_url))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def result_to_json(result: ArticleResult) -> str:
    entry = entry_to_json(result.entry) if result.entry is not None else "null"
    problems = json.dumps([[p.origin, p.message, p.severity.value] for p in result.problems], ensure_ascii=False)
    return (f'{{"entry":{entry},"excluded":{"true" if result.excluded else "false"},"problems":{problems},'
            f'"deferred":{"true" if result.deferred else "false"},"body_key":{json.dumps(result.body_key)}}}')


def result_from_json(text: str, shared: dict[Any, Any] | None = None) -> ArticleResult:
    """The inverse of :func:`result_to_json` (``shared``: see :func:`feedkit.store.entry_from_data`)."""
    data = json.loads(text)
    entry = entry_from_data(data["entry"], shared) if data["entry"] is not None else None
    problems = tuple(Problem(origin, message, Severity(severity)) for origin, message, severity in data["problems"])
    return ArticleResult(entry=entry, problems=problems, excluded=bool(data["excluded"]),
                         deferred=bool(data.get("deferred")), body_key=str(data.get("body_key", "")))


def body_to_json(body: Body) -> str:
    image = [body.image.url, body.image.mime_type] if body.image else None
    return json.dumps([body.content_html, body.summary, image], ensure_ascii=False, separators=(",", ":"))


def body_from_json(text: str) -> Body:
    content, summary, image = json.loads(text)
    return Body(content, summary, Image(*image) if image else None)


USES_MTIME = 1
"""Cache flag: the result depends on the file's modification time (the article has no date)."""
USES_CLOCK = 2
"""Cache flag: the file was left out (a draft, a future or expired post): whether it is published may
change with the clock alone, so it is read again in every build (such files are few)."""


def uses_mtime(result: ArticleResult) -> int:
    """The cache flags of a result (:data:`USES_MTIME`, :data:`USES_CLOCK`)."""
    flags = USES_MTIME if any(problem.message.startswith(MTIME_FALLBACK) for problem in result.problems) else 0
    return flags | (USES_CLOCK if result.excluded else 0)


@dataclass(frozen=True, slots=True)
class Parsed:
    """One file parsed (in a worker, or in this process): the result and the cache row for it."""

    result: ArticleResult
    row: CachedArticle | None
    """None when the file could not be read (nothing to remember)."""


def parse_file(path: Path | str, rel_path: str, source: ArticleSourceConfig, site_base_url: str, key: str,
               complete: bool = True) -> Parsed:
    """Read and parse one file (only its head unless ``complete``) and make its cache row (the work a
    worker does)."""
    read = read_article_file(Path(path))
    if isinstance(read, ArticleResult):
        return Parsed(read, None)
    data, info = read
    result = parse_article(data, rel_path, source, origin=str(path), site_base_url=site_base_url, mtime=info.st_mtime,
                           complete=complete)
    row = CachedArticle(rel_path, key, info.st_size, info.st_mtime_ns, digest_of(data), uses_mtime(result),
                        result_to_json(result))
    return Parsed(result, row)


def finish_file(path: Path, rel_path: str, source: ArticleSourceConfig, site_base_url: str) -> Body | str:
    """The body of a deferred article, read again from its file; or why it cannot be read now."""
    read = read_article_file(path)
    if isinstance(read, ArticleResult):
        return "; ".join(problem.message for problem in read.problems) or "cannot read the file"
    try:
        return finish_article(read[0], rel_path, source, site_base_url=site_base_url)
    except (RecursionError, MemoryError) as exc:
        return f"body too deeply nested or too large ({type(exc).__name__})"
    except Exception as exc:  # one bad input must never take the build down
        if isinstance(exc, FeedkitError):
            raise
        return f"unexpected error while reading the body ({type(exc).__name__}: {exc})"


@dataclass(slots=True)
class Plan:
    """What to do with a source's files: which cached results still hold, which files to parse."""

    hits: list[CachedArticle]
    """Cached results to use, in file order (rows whose stat changed carry the new stat)."""
    restat: list[CachedArticle]
    """Hits whose size or time changed (same bytes): their rows get the new stat."""
    misses: list[tuple[str, str]]
    """(path, path inside the source) of the files to parse."""
    gone: list[str]
    """Cached files that are not there any more."""
    order: list[tuple[str, str]]
    """Every file's path inside the source and its path, in discovery order."""


def plan(files: list[FoundFile], cached: dict[str, CachedArticle], key: str, *, full: bool) -> Plan:
    """Sort a source's files (as discovery found them, with their size and time) into cache hits and
    files to parse (``full``: parse every file)."""
    result = Plan([], [], [], [], [])
    for found in files:
        path, rel_path = found.path, found.rel_path
        result.order.append((rel_path, path))
        row = None if full else cached.get(rel_path)
        if row is None or row.config_key != key:
            result.misses.append((path, rel_path))
            continue
        if row.uses_mtime & USES_CLOCK:
            result.misses.append((path, rel_path))
            continue
        if found.size == row.size and found.mtime_ns == row.mtime_ns:
            result.hits.append(row)
            continue
        if row.uses_mtime or found.size != row.size:
            result.misses.append((path, rel_path))
            continue
        read = read_article_file(Path(path))
        if isinstance(read, ArticleResult) or digest_of(read[0]) != row.digest:
            result.misses.append((path, rel_path))
            continue
        fresh = CachedArticle(row.rel_path, row.config_key, read[1].st_size, read[1].st_mtime_ns, row.digest, 0)
        result.hits.append(fresh)
        result.restat.append(fresh)
    seen = {rel_path for rel_path, _path in result.order}
    result.gone = sorted(rel_path for rel_path in cached if rel_path not in seen)
    return result
