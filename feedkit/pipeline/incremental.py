"""Incremental builds: parse only the article files that changed, render only the channels that did.

Three levels, each falling back to the next:

1. **Nothing changed** — the *input fingerprint* (feedkit's version, the whole config, every
   article file's digest, every upstream entry) equals the last build's and every file that
   build published is still there untouched (same stamp: size and modification time in a
   folder, size and ETag in a bucket — :mod:`feedkit.output.target`): the last
   build's report is the answer and nothing is read, parsed, rendered or written.
2. **Some files changed** — unchanged files come from the parse cache
   (:mod:`feedkit.articles.cache`), the others are parsed (in worker processes); then the
   whole flow runs, but a channel whose *channel fingerprint* (its settings and the entries
   its files show) and files are unchanged is not rendered at all.
3. ``full`` (``feedkit build --full``) — the caches are ignored (and refilled).

Dry runs (``feedkit check``) use none of this and touch no store.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from feedkit._version import __version__
from feedkit.articles.cache import USES_CLOCK, USES_MTIME, Parsed, Plan, config_key, plan, result_from_json, timeless
from feedkit.articles.discovery import discover_files, unavailable
from feedkit.articles.parse import ArticleResult
from feedkit.articles.workers import ArticleJob, load_article_job
from feedkit.config.types import ArticleSourceConfig, Config, canonical
from feedkit.errors import InputError
from feedkit.model import ChannelInfo, Entry, Problem, Severity
from feedkit.output.target import OutputTarget
from feedkit.report import BuildReport, Progress, no_progress
from feedkit.store import CachedArticle, OutputRecord, StoreBackend, entry_to_json
from feedkit.workers import Workers

FINGERPRINT_FORMAT = 1


def _hash(*parts: str) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ArticleFile:
    """Where a file's result came from: enough to read it again (for its body)."""

    source: ArticleSourceConfig
    path: str
    rel_path: str
    config_key: str


@dataclass(slots=True)
class ArticleInputs:
    """The article files of a build, in source and file order: a parsed result, or a cache row whose
    result is still in the store, each."""

    items: list[ArticleResult | CachedArticle] = field(default_factory=list)
    files: list[ArticleFile] = field(default_factory=list)
    """Beside ``items``: the file each came from."""
    digest: hashlib.blake2b = field(default_factory=lambda: hashlib.blake2b(digest_size=20))
    """Every file's name and stamp, hashed as they come (the input fingerprint's part)."""
    parsed: int = 0
    """Files parsed in this build (the rest came from the cache)."""

    def results(self, store: StoreBackend | None) -> list[ArticleResult]:
        """Every result (once: this empties ``items``): cached ones read from ``store`` and decoded now (a
        build that changes nothing never needs them), one at a time, each entry's shared values (category
        paths, tags, authors) kept once."""
        wanted: dict[str, dict[str, int]] = {}
        for number, (item, file) in enumerate(zip(self.items, self.files, strict=True)):
            if isinstance(item, CachedArticle):
                wanted.setdefault(file.source.name, {})[file.rel_path] = number
        found, self.items = self.items, []  # taken: each result is held once, not twice
        shared: dict[Any, Any] = {}
        for number, item in enumerate(found):
            if isinstance(item, ArticleResult):
                found[number] = _shared(item, shared)
        for source, positions in wanted.items():
            if store is None:
                raise InputError(source, "cached article results without a store")
            for rel_path, text in store.article_results(source):
                number = positions.get(rel_path, -1)
                if number >= 0:
                    found[number] = result_from_json(text, shared)
        missing = [item for item in found if isinstance(item, CachedArticle)]
        if missing:  # the store lost rows it listed a moment ago (another process?): say which
            raise InputError(missing[0].rel_path, "its cached result vanished from the store during the build; "
                             "build again (or with --full)")
        return [item for item in found if isinstance(item, ArticleResult)]


def _shared(result: ArticleResult, shared: dict[Any, Any]) -> ArticleResult:
    """``result`` with its entry's category paths, tags and authors replaced by equal ones seen before
    (a large site repeats them in every entry: kept once, memory stays with the metadata)."""
    entry = result.entry
    if entry is None:
        return result
    categories = shared.setdefault(entry.categories, entry.categories)
    tags = shared.setdefault(entry.tags, entry.tags)
    authors = shared.setdefault(entry.authors, entry.authors)
    if categories is entry.categories and tags is entry.tags and authors is entry.authors:
        return result
    return replace(result, entry=replace(entry, categories=categories, tags=tags, authors=authors))


WRITE_BATCH = 2000
"""Parse-cache rows written to the store at once while results stream in."""


def scan_articles(config: Config, report: BuildReport, store: StoreBackend | None, *, full: bool,
                  progress: Progress = no_progress, workers: Workers | None = None,
                  complete: bool = True) -> ArticleInputs:
    """Find every article file, parse those the cache cannot answer for, and remember them.

    Without ``complete`` only the heads of the files are made (their bodies are made later, for the
    entries a feed shows: :mod:`feedkit.pipeline.bodies`).  Results stream from the workers into the
    store in batches; cached results stay in the store until :meth:`ArticleInputs.results`."""
    inputs = ArticleInputs()
    jobs: list[ArticleJob] = []
    plans: list[tuple[ArticleSourceConfig, str, Plan]] = []
    for source in config.articles:
        files, problems = discover_files(source)
        report.problems.extend(problems)
        key = config_key(source, config.site.base_url)
        cached = store.cached_articles(source.name) if store is not None else {}
        source_plan = plan(files, cached, key, full=full or store is None)
        check_shrink(source, len(cached), len(source_plan.gone))
        del cached
        plans.append((source, key, source_plan))
        del files
        jobs.extend((path, rel_path, source, config.site.base_url, key, complete)
                    for path, rel_path in source_plan.misses)
        if source_plan.gone:
            shown = ", ".join(source_plan.gone[:3]) + (", …" if len(source_plan.gone) > 3 else "")
            report.problems.append(Problem(
                f"articles.{source.name}", f"{len(source_plan.gone)} article file(s) gone since the last build, "
                f"their entries are no longer published: {shown}", Severity.INFO))
    with nullcontext(workers) if workers is not None else Workers(config.workers) as pool:
        fresh = pool.stream(load_article_job, jobs, progress)
        for source, key, source_plan in plans:
            _take(inputs, store, source, key, source_plan, fresh)
        report.problems.extend(pool.notes)
        pool.notes.clear()
    if store is not None:
        store.forget_sources([source.name for source in config.articles])
    return inputs


def _take(inputs: ArticleInputs, store: StoreBackend | None, source: ArticleSourceConfig, key: str,
          source_plan: Plan, fresh: Iterator[Parsed]) -> None:
    """One source's files into ``inputs``, in file order: fresh results (their cache rows written in
    batches) and cache hits."""
    name = source.name
    hits = {row.rel_path: row for row in source_plan.hits}
    misses = {rel_path for _path, rel_path in source_plan.misses}
    if store is not None and source_plan.restat:
        store.restat_articles(name, source_plan.restat)
    batch: list[CachedArticle] = []
    for rel_path, path in source_plan.order:
        item: ArticleResult | CachedArticle
        if rel_path in misses:
            outcome = next(fresh)
            inputs.parsed += 1
            item, row = outcome.result, outcome.row
            if row is not None:
                batch.append(row)
        else:
            item = row = hits[rel_path]
        inputs.items.append(item)
        inputs.files.append(ArticleFile(source, path, rel_path, key))
        stamp = "-" if row is None else row.digest + (f"@{row.mtime_ns}" if row.uses_mtime & USES_MTIME else "")
        if row is not None and row.uses_mtime & USES_CLOCK:  # read again now: what it gave counts
            stamp += "#" + _hash(row.result)
        inputs.digest.update(f"{name}\x00{rel_path}\x00{stamp}\x00".encode("utf-8", "surrogatepass"))
        if store is not None and len(batch) >= WRITE_BATCH:
            store.cache_articles(name, batch)
            batch = []
    if store is not None and (batch or source_plan.gone):
        store.cache_articles(name, batch, gone=source_plan.gone)


SHRINK_MIN_FILES = 4
"""Sources with fewer article files in the last build are never held back for shrinking."""


def check_sources(config: Config) -> None:
    """Raise :class:`~feedkit.errors.InputError` naming the first article source path that is missing
    or unreadable as a whole: nothing is built, the previous output stays as it was."""
    for source in config.articles:
        found = unavailable(source)
        if found is not None:
            path, reason = found
            raise InputError(str(path), f"article source {source.name!r} {reason}. Nothing was built and the "
                             "previous output is left as it was: fix the path (or mount it) and build again, or "
                             "remove the source from the config if it is gone for good")


def check_shrink(source: ArticleSourceConfig, before: int, gone: int) -> None:
    """Raise :class:`~feedkit.errors.InputError` when more than half of a source's article files (of at
    least :data:`SHRINK_MIN_FILES`) went away at once, unless the source sets ``allow_shrink``.

    Called before anything is parsed or remembered, so the next build sees the same shrink."""
    if source.allow_shrink or before < SHRINK_MIN_FILES or gone * 2 <= before:
        return
    raise InputError(str(source.paths[0]), f"article source {source.name!r} shrank sharply: {gone} of its {before} "
                     "article files are gone since the last build (an unmounted, emptied or mistyped folder?). "
                     "Nothing was built and the previous output is left as it was. If they were removed on "
                     "purpose, build once with --allow-shrink (or set allow_shrink = true in its [[articles]] table)")


def input_fingerprint(config: Config, articles: ArticleInputs, upstream: Sequence[Entry]) -> str:
    """What the output of a build is a function of (besides ``now``, which only decides polling)."""
    timeless_config = replace(config, articles=tuple(timeless(source) for source in config.articles))
    return _hash(str(FINGERPRINT_FORMAT), __version__, canonical(timeless_config), articles.digest.hexdigest(),
                 *(entry_to_json(entry) for entry in upstream))


def channel_fingerprint(settings: str, entries: Sequence[str]) -> str:
    """A channel's fingerprint: its settings and the fingerprints of the entries its files show."""
    return _hash(str(FINGERPRINT_FORMAT), __version__, settings, *entries)


def entry_fingerprint(entry: Entry, memo: dict[int, str]) -> str:
    """An entry's fingerprint, computed once per entry object in a build."""
    known = memo.get(id(entry))
    if known is None:
        known = memo[id(entry)] = _hash(entry_to_json(entry))
    return known


@dataclass(slots=True)
class Outputs:
    """What the last build published, and what this one publishes (to remember it afterwards)."""

    target: OutputTarget
    previous: dict[str, OutputRecord]
    channel_infos: dict[str, str]
    records: list[OutputRecord] = field(default_factory=list)
    infos: dict[str, str] = field(default_factory=dict)
    entry_memo: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, store: StoreBackend | None, target: OutputTarget, *, full: bool) -> Outputs:
        if store is None or full:
            return cls(target, {}, {})
        infos = json.loads(store.build_value("channels") or "{}")
        return cls(target, store.outputs(), infos if isinstance(infos, dict) else {})

    def intact(self, paths: Sequence[str], fingerprint: str) -> bool:
        """Were all ``paths`` published from ``fingerprint`` and left as they were written?"""
        for path in paths:
            record = self.previous.get(path)
            if record is None or record.fingerprint != fingerprint or not self._same_stamp(record):
                return False
        return True

    def all_intact(self) -> bool:
        return bool(self.previous) and all(self._same_stamp(r) for r in self.previous.values())

    def remember(self, paths: Sequence[str], fingerprint: str) -> None:
        for path in paths:
            stamp = self.target.stamp(path)
            if stamp is not None:
                self.records.append(OutputRecord(path, fingerprint, *stamp))

    def _same_stamp(self, record: OutputRecord) -> bool:
        """Is the published file as the build that remembered ``record`` left it?"""
        return self.target.stamp(record.path) == (record.size, record.mtime_ns)

    def remember_channel(self, folder: str, info: ChannelInfo, archive_pages: int, newest: str | None) -> None:
        data = asdict(info) | {"category": list(info.category) if info.category else None}
        self.infos[folder] = json.dumps([data, archive_pages, newest], ensure_ascii=False, sort_keys=True)

    def known_channel(self, folder: str) -> tuple[ChannelInfo, int, str | None] | None:
        text = self.channel_infos.get(folder)
        if not isinstance(text, str):
            return None
        data, archive_pages, newest = json.loads(text)
        data["category"] = tuple(data["category"]) if data["category"] else None
        return ChannelInfo(**data), int(archive_pages), newest


def report_to_json(report: BuildReport) -> str:
    """The parts of a report a no-change build gives back as they were."""
    return json.dumps({
        "read": report.read, "published": report.published, "excluded": report.excluded,
        "problems": [[p.origin, p.message, p.severity.value] for p in report.problems],
        "channels": [asdict(c) | {"category": list(c.category) if c.category else None} for c in report.channels],
    }, ensure_ascii=False)


def restore_report(report: BuildReport, text: str) -> None:
    data = json.loads(text)
    report.read, report.published, report.excluded = data["read"], data["published"], data["excluded"]
    report.problems.extend(Problem(o, m, Severity(s)) for o, m, s in data["problems"])
    for channel in data["channels"]:
        channel["category"] = tuple(channel["category"]) if channel["category"] else None
        report.channels.append(ChannelInfo(**channel))
