"""The bodies of article entries, made only for the entries a feed shows.

Making a body (rendering, cleaning, the summary: :func:`feedkit.articles.parse.finish_article`)
is most of the cost of an article, and most articles of a large folder reach no feed: a
channel shows its newest ``entry_limit`` entries (and archive pages only the pages that
changed).  So a build reads only the *heads* of its article files, routes them into channels,
and then asks :class:`Bodies` for the bodies of the entries whose channels it renders: from the
store when an earlier build made them (same body key, same source settings), else read again
and made on the build's worker processes, then remembered.

Two things stand in for a body until then:

* the *body key* (:attr:`~feedkit.articles.parse.ArticleResult.body_key`) for "same content":
  de-duplication of copies within a source, and
* the body key with the source's cache key in an entry's fingerprint, so a channel whose
  entries and bodies are unchanged is not rendered at all.

Whatever needs real bodies before routing gets them all up front (:meth:`Bodies.complete`):
a build with transforms (they read and rewrite bodies) or with several sources (near-duplicate
detection compares the start of each body across sources) — see :func:`needs_all_bodies`.
The output is the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from feedkit.articles.cache import body_from_json, body_to_json
from feedkit.articles.parse import ArticleResult, Body, with_body
from feedkit.articles.workers import BodyJob, finish_body_job
from feedkit.config.types import Config
from feedkit.model import Entry, Problem
from feedkit.pipeline.incremental import ArticleFile
from feedkit.report import Progress, no_progress
from feedkit.store import StoreBackend
from feedkit.workers import Workers


def needs_all_bodies(config: Config, transforms: int) -> bool:
    """Must every article's body be made before routing (see the module docstring)?"""
    return bool(transforms) or len(config.articles) + len(config.feeds) > 1


class Bodies:
    """The deferred bodies of one build's article entries."""

    def __init__(self, config: Config, store: StoreBackend | None, workers: Workers,
                 progress: Progress = no_progress) -> None:
        self._base_url = config.site.base_url
        self._store = store
        self._workers = workers
        self._progress = progress
        self._pending: dict[str, tuple[ArticleFile, str]] = {}
        """origin -> (its file, its body key) for every deferred entry."""
        self._keys: dict[str, str] = {}
        """origin -> body key for every article entry."""
        self._made: dict[str, Body] = {}
        self.problems: list[Problem] = []
        """Bodies that could not be made (their entries are published without one)."""

    def add(self, results: Sequence[ArticleResult], files: Sequence[ArticleFile]) -> None:
        """Remember where each result's entry came from (``files`` beside ``results``)."""
        for result, file in zip(results, files, strict=True):
            entry = result.entry
            if entry is None or not result.body_key:
                continue
            self._keys[entry.origin] = result.body_key
            if result.deferred:
                self._pending[entry.origin] = (file, result.body_key)

    def same_content(self, entry: Entry) -> object:
        """What decides "same content" for de-duplication within a source: the body key of an article
        entry (so no body is needed), else the entry's content and summary."""
        key = self._keys.get(entry.origin)
        return key if key is not None else (entry.content_html, entry.summary)

    def key(self, entry: Entry) -> str:
        """What a deferred entry's body is made from (empty for entries that were never deferred)."""
        found = self._pending.get(entry.origin)
        return "" if found is None else f"{found[0].config_key}:{found[1]}"

    def complete(self, entries: Iterable[Entry]) -> list[Entry]:
        """``entries`` with their bodies (made now where they are still deferred)."""
        entries = list(entries)
        self.make(entries)
        return [self.fill(entry) for entry in entries]

    def fill(self, entry: Entry) -> Entry:
        """``entry`` with its body, when it was deferred and :meth:`make` made it."""
        body = self._made.get(entry.origin) if entry.origin in self._pending else None
        return entry if body is None else with_body(entry, body)

    def make(self, entries: Iterable[Entry]) -> None:
        """Make the bodies of the deferred ``entries`` not made yet: from the store, else from their files."""
        wanted: dict[str, tuple[ArticleFile, str]] = {}
        for entry in entries:
            found = self._pending.get(entry.origin)
            if found is not None and entry.origin not in self._made:
                wanted[entry.origin] = found
        if not wanted:
            return
        remembered = self._remembered(wanted)
        missing = [(origin, file, key) for origin, (file, key) in wanted.items() if origin not in remembered]
        self._made.update(remembered)
        jobs: list[BodyJob] = [(Path(file.path), file.rel_path, file.source, self._base_url)
                               for _origin, file, _key in missing]
        made = self._workers.map(finish_body_job, jobs, self._progress, "bodies")
        rows: dict[str, list[tuple[str, str, str]]] = {}
        for (origin, file, key), body in zip(missing, made, strict=True):
            if isinstance(body, str):
                self.problems.append(Problem(origin, f"body not published: {body}"))
                self._made[origin] = Body("", "")
                continue
            self._made[origin] = body
            rows.setdefault(file.source.name, []).append(
                (file.rel_path, f"{file.config_key}:{key}", body_to_json(body)))
        if self._store is not None:
            for source, source_rows in rows.items():
                self._store.cache_bodies(source, source_rows)

    def _remembered(self, wanted: dict[str, tuple[ArticleFile, str]]) -> dict[str, Body]:
        if self._store is None:
            return {}
        by_source: dict[str, dict[str, tuple[str, str]]] = {}
        for origin, (file, key) in wanted.items():
            by_source.setdefault(file.source.name, {})[file.rel_path] = (origin, f"{file.config_key}:{key}")
        found: dict[str, Body] = {}
        for source, paths in by_source.items():
            for rel_path, (key, text) in self._store.article_bodies(source, list(paths)).items():
                origin, wanted_key = paths[rel_path]
                if key == wanted_key:
                    found[origin] = body_from_json(text)
        return found
