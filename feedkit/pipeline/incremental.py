"""Incremental builds: parse only the article files that changed, render only the channels that did.

Three levels, each falling back to the next:

1. **Nothing changed** — the *input fingerprint* (feedkit's version, the whole config, every
   article file's digest, every upstream entry) equals the last build's and every file that
   build published is still there untouched (same size and modification time): the last
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
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from feedkit._version import __version__
from feedkit.articles.cache import USES_CLOCK, USES_MTIME, Plan, config_key, plan, result_from_json, timeless
from feedkit.articles.discovery import discover
from feedkit.articles.parse import ArticleResult
from feedkit.articles.workers import ArticleJob, load_articles
from feedkit.config.types import Config
from feedkit.model import ChannelInfo, Entry, Problem, Severity
from feedkit.report import BuildReport, Progress, no_progress
from feedkit.store import CachedArticle, OutputRecord, StoreBackend, entry_to_json

FINGERPRINT_FORMAT = 1


def _hash(*parts: str) -> str:
    digest = hashlib.blake2b(digest_size=20)
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


@dataclass(slots=True)
class ArticleInputs:
    """The article files of a build, in source and file order: a parsed result or a cache row each."""

    items: list[ArticleResult | CachedArticle] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    parsed: int = 0
    """Files parsed in this build (the rest came from the cache)."""

    def results(self) -> list[ArticleResult]:
        """Every result (cached ones decoded now: a build that changes nothing never needs them)."""
        return [item if isinstance(item, ArticleResult) else result_from_json(item.result) for item in self.items]


def scan_articles(config: Config, report: BuildReport, store: StoreBackend | None, *, full: bool,
                  progress: Progress = no_progress) -> ArticleInputs:
    """Find every article file, parse those the cache cannot answer for, and remember them."""
    inputs = ArticleInputs()
    jobs: list[ArticleJob] = []
    plans: list[tuple[str, Plan]] = []
    for source in config.articles:
        files, problems = discover(source)
        report.problems.extend(problems)
        key = config_key(source, config.site.base_url)
        cached = store.cached_articles(source.name) if store is not None else {}
        source_plan = plan(files, cached, key, full=full or store is None)
        plans.append((source.name, source_plan))
        jobs.extend((path, rel_path, source, config.site.base_url, key) for path, rel_path in source_plan.misses)
        if source_plan.gone:
            shown = ", ".join(source_plan.gone[:3]) + (", …" if len(source_plan.gone) > 3 else "")
            report.problems.append(Problem(
                f"articles.{source.name}", f"{len(source_plan.gone)} article file(s) gone since the last build, "
                f"their entries are no longer published: {shown}", Severity.INFO))
    parsed, note = load_articles(jobs, config.workers, progress)
    if note:
        report.problems.append(note)
    inputs.parsed = len(parsed)
    fresh = iter(parsed)
    for name, source_plan in plans:
        rows: dict[str, CachedArticle] = {row.rel_path: row for row in source_plan.hits}
        new_rows: list[CachedArticle] = []
        results: dict[str, ArticleResult] = {}
        for _path, rel_path in source_plan.misses:
            outcome = next(fresh)
            results[rel_path] = outcome.result
            if outcome.row is not None:
                rows[rel_path] = outcome.row
                new_rows.append(outcome.row)
        for rel_path in source_plan.order:
            row = rows.get(rel_path)
            item: ArticleResult | CachedArticle | None = results.get(rel_path) or row
            if item is None:
                continue
            inputs.items.append(item)
            stamp = "-" if row is None else row.digest + (f"@{row.mtime_ns}" if row.uses_mtime & USES_MTIME else "")
            if row is not None and row.uses_mtime & USES_CLOCK:  # read again now: what it gave counts
                stamp += "#" + _hash(row.result)
            inputs.digests.append(f"{name}\x00{rel_path}\x00{stamp}")
        if store is not None and (new_rows or source_plan.restat or source_plan.gone):
            store.cache_articles(name, [*new_rows, *source_plan.restat], gone=source_plan.gone)
    if store is not None:
        store.forget_sources([source.name for source in config.articles])
    return inputs


def input_fingerprint(config: Config, articles: ArticleInputs, upstream: Sequence[Entry]) -> str:
    """What the output of a build is a function of (besides ``now``, which only decides polling)."""
    timeless_config = replace(config, articles=tuple(timeless(source) for source in config.articles))
    return _hash(str(FINGERPRINT_FORMAT), __version__, repr(timeless_config), *articles.digests,
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

    out: Path
    previous: dict[str, OutputRecord]
    channel_infos: dict[str, str]
    records: list[OutputRecord] = field(default_factory=list)
    infos: dict[str, str] = field(default_factory=dict)
    entry_memo: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, store: StoreBackend | None, out: Path, *, full: bool) -> Outputs:
        if store is None or full:
            return cls(out, {}, {})
        infos = json.loads(store.build_value("channels") or "{}")
        return cls(out, store.outputs(), infos if isinstance(infos, dict) else {})

    def intact(self, paths: Sequence[str], fingerprint: str) -> bool:
        """Were all ``paths`` published from ``fingerprint`` and left as they were written?"""
        for path in paths:
            record = self.previous.get(path)
            if record is None or record.fingerprint != fingerprint or not _same_stat(self.out / path, record):
                return False
        return True

    def all_intact(self) -> bool:
        return bool(self.previous) and all(_same_stat(self.out / r.path, r) for r in self.previous.values())

    def remember(self, paths: Sequence[str], fingerprint: str) -> None:
        for path in paths:
            try:
                info = (self.out / path).stat()
            except OSError:
                continue
            self.records.append(OutputRecord(path, fingerprint, info.st_size, info.st_mtime_ns))

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


def _same_stat(path: Path, record: OutputRecord) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return info.st_size == record.size and info.st_mtime_ns == record.mtime_ns


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
