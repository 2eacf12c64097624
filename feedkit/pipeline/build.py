"""build(): the one place where the stages meet.

articles + feeds -> Entry -> aliases/transforms/de-duplication -> channels -> render -> write.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from feedkit.articles import sites
from feedkit.articles.parse import ArticleResult
from feedkit.channels.archive import shadowed_archives
from feedkit.channels.dedupe import collapse
from feedkit.channels.route import (
    PlannedChannel,
    RoutingOptions,
    apply_aliases,
    category_wanted,
    route,
    sort_key,
    unify_spellings,
)
from feedkit.config.types import Config
from feedkit.errors import OutputError
from feedkit.model import Entry, Problem, Severity
from feedkit.output.target import BeforeWrite, OutputTarget, open_target
from feedkit.output.websub import notify_hubs
from feedkit.output.write import OutputFolderError, publish_file, remove_stale_temp_files
from feedkit.pipeline import incremental
from feedkit.pipeline.bodies import Bodies, needs_all_bodies
from feedkit.pipeline.publish import plan_channel, publish_channel
from feedkit.render.formats import render_index_json, render_opml
from feedkit.render.jsonfeed import read_index_json
from feedkit.render.pages import STYLESHEET_NAME, render_index_html, stylesheet_bytes
from feedkit.report import BuildReport, Progress, no_progress
from feedkit.store import StoreBackend, open_store
from feedkit.transforms import Step, apply_steps, compile_steps, steps_key
from feedkit.transforms import Transform as Transform
from feedkit.workers import Workers

INDEX_JSON = "index.json"
INDEX_OPML = "index.opml"
INDEX_HTML = "index.html"


def build(
    config: Config,
    *,
    dry_run: bool = False,
    transforms: Sequence[Transform] = (),
    now: datetime | None = None,
    refresh: bool = False,
    full: bool = False,
    progress: Progress = no_progress,
    before_write: BeforeWrite | None = None,
) -> BuildReport:
    """Read every source, publish every channel, and report what happened.

    With ``dry_run`` everything is read and rendered but nothing is written
    (``feedkit check``).  Problems with single inputs end up in the report;
    only a config, store or output failure raises (:class:`~feedkit.errors.FeedkitError`).
    ``now`` (aware; default: the clock) decides which feeds are due and how old their
    entries are; it never appears in the output.  ``refresh`` polls every feed now,
    whatever its interval, backoff, ``Retry-After`` or retirement says.  Builds are
    incremental (:mod:`feedkit.pipeline.incremental`); ``full`` ignores what earlier builds
    remembered and reads, renders and compares everything.  ``progress`` is told how far the
    build got (:data:`~feedkit.report.Progress`).  ``transforms`` run after the config's
    ``[[transforms]]``, on every entry (docs/transforms.md); a build given any is never skipped
    as unchanged (the functions' code is not part of the input fingerprint).  ``before_write`` is
    called with each file's path before it is written; what it raises stops the build there (the
    daemon's publisher lease, :mod:`feedkit.daemon.lease`).
    """
    now = now or datetime.now(UTC)
    incremental.check_sources(config)
    steps = compile_steps(config, now=now, extra=transforms)  # a transform that cannot be used fails first
    report = BuildReport(dry_run=dry_run)
    config = _read_sites(config, now, report)
    if not config.site.base_url_set:
        report.problems.append(Problem(
            "site.base_url", f"not set: links and feed URLs use {config.site.base_url} (pass --base-url or set "
            "site.base_url to the public URL of the output folder)", Severity.WARNING))
    with Workers(config.workers) as workers:
        upstream: list[Entry] = []
        if config.feeds:  # the upstream stage (and the network libraries) only for a config that has feeds
            from feedkit.upstream.poll import collect

            upstream = collect(config, now=now, report=report, refresh=refresh, progress=progress, workers=workers)
        return _build(config, report, upstream, steps, now=now, dry_run=dry_run, transforms=transforms, full=full,
                      progress=progress, workers=workers, before_write=before_write)


def _build(config: Config, report: BuildReport, upstream: list[Entry], steps: list[Step], *, now: datetime,
           dry_run: bool, transforms: Sequence[Transform], full: bool, progress: Progress, workers: Workers,
           before_write: BeforeWrite | None) -> BuildReport:
    with _open_store(config, dry_run) as store:
        if not dry_run and not config.to_bucket:  # what killed writes left (builds do not overlap: CLI and daemon lock)
            remove_stale_temp_files(config.out)
        all_bodies = needs_all_bodies(config, len(steps))
        inputs = incremental.scan_articles(config, report, store, full=full, progress=progress, workers=workers,
                                           complete=all_bodies)
        outputs = incremental.Outputs.load(store, open_target(config, before_write), full=full)
        fingerprint = incremental.input_fingerprint(config, inputs, upstream) + steps_key(config, now)
        if store is not None and not full and not transforms and store.build_value("input") == fingerprint \
                and outputs.all_intact():
            incremental.restore_report(report, store.build_value("report") or "{}")
            report.unchanged.extend(sorted(outputs.previous))
            return report
        mark = len(report.problems)
        bodies = Bodies(config, store, workers, progress)
        results = inputs.results(store)
        bodies.add(results, inputs.files)
        _publish(config, report, results, upstream, steps, outputs, progress, bodies, all_bodies)
        if store is not None:
            derived = replace(report, problems=report.problems[mark:])
            store.record_build({"input": fingerprint if not transforms else "", "report":
                                incremental.report_to_json(derived), "channels": json.dumps(outputs.infos)},
                               outputs.records, replace_all=True)
    return report


def _open_store(config: Config, dry_run: bool) -> AbstractContextManager[StoreBackend | None]:
    """The store for the parse cache and the build memory; none in a dry run (``feedkit check``)."""
    if dry_run:
        return nullcontext()
    if config.store_url is None:
        config.store_path.parent.mkdir(parents=True, exist_ok=True)
    return open_store(config.store_location)


def _publish(config: Config, report: BuildReport, results: Sequence[ArticleResult], upstream: Sequence[Entry],
             steps: Sequence[Step], outputs: incremental.Outputs, progress: Progress, bodies: Bodies,
             all_bodies: bool) -> None:
    articles = _article_entries(config, results, report)
    entries = (bodies.complete(articles) if all_bodies else articles) + list(upstream)
    entries = [apply_aliases(entry, config.aliases) for entry in entries]
    entries, spellings = unify_spellings(entries, preferred=_configured_names(config))
    report.problems.extend(spellings)
    entries = list(apply_steps(entries, steps, report.problems))
    priorities = {source.name: LOCAL_PRIORITY for source in config.articles}
    priorities.update({feed.name: feed.priority for feed in config.feeds})
    entries, duplicates = collapse(
        entries,
        priority=lambda entry: priorities.get(entry.source, 0),
        source_hosts=_source_hosts(config),
        feeds=frozenset(feed.name for feed in config.feeds),
        sites=frozenset(source.name for source in config.articles if source.site is not None),
        same_content=None if all_bodies else bodies.same_content,
    )
    entries.sort(key=sort_key)
    report.problems.extend(duplicates)
    report.published = len(entries)

    planned, routing_problems = route(entries, _routing_options(config))
    report.problems.extend(routing_problems)
    planned = [_with_site_link(config, channel) for channel in planned]
    planned.extend(_kept_channels(config, planned, report, outputs.target))

    newest: dict[str, datetime | None] = {}
    archive_pages: dict[tuple[str, str], int] = {}
    topics: list[str] = []
    archived = _archived_folders(config, planned, report)
    if config.channels.stylesheet:  # before the feeds that name it
        publish_file(config, STYLESHEET_NAME, stylesheet_bytes(), report, outputs.target)
    works = [plan_channel(config, channel, report, archive=channel.folder in archived, outputs=outputs,
                          body_key=bodies.key) for channel in planned]
    bodies.make(entry for work in works if work.known is None for entry in work.shown)
    report.problems.extend(bodies.problems)
    for number, work in enumerate(works, start=1):
        channel = work.planned
        progress("channels", number, len(planned))
        try:
            published = publish_channel(config, work, report, outputs=outputs, fill=bodies.fill)
        except OutputFolderError:  # the file system refused: stop, leave the index as it was
            raise
        except OutputError as exc:  # this channel's files; the others and the index still get written
            report.problems.append(Problem(_where(config, channel.folder), f"channel not written: {exc}"))
            continue
        report.channels.append(published.info)
        newest[channel.folder] = published.newest
        archive_pages[(channel.kind, channel.slug)] = published.archive_pages
        topics.extend(published.changed_topics)
    _publish_indexes(config, report, newest, archive_pages if config.channels.archive else None, outputs)
    if topics and not report.dry_run:
        report.problems.extend(notify_hubs(config.websub, config.fetch, topics))


def _publish_indexes(
    config: Config, report: BuildReport, newest: dict[str, datetime | None],
    archive_pages: dict[tuple[str, str], int] | None, outputs: incremental.Outputs,
) -> None:
    site = config.site
    files = {
        INDEX_JSON: render_index_json(report.channels, archive_pages),
        INDEX_OPML: render_opml(site.title, report.channels, site.base_url),
        INDEX_HTML: render_index_html(
            site.title, site.description, report.channels, site.base_url, updated=newest, language=site.language),
    }
    for path, data in files.items():  # last: every channel they name is published
        publish_file(config, path, data, report, outputs.target)
    outputs.remember([*([STYLESHEET_NAME] if config.channels.stylesheet else []), *files], "index")


def _read_sites(config: Config, now: datetime, report: BuildReport) -> Config:
    """Every article source that is a generator's site root, read as that site
    (:func:`feedkit.articles.sites.resolve_source`); the site's title, description, language and URL
    (as ``link``, the home page every channel links to) stand in for ``[site]`` keys that neither
    ``feedkit.toml`` nor the command line set (when all the sites agree)."""
    resolved = []
    for source in config.articles:
        source, problems = sites.resolve_source(source, now)
        report.problems.extend(problems)
        line = sites.describe(source)
        if line:
            report.sites.append(line)
        resolved.append(source)
    site = config.site
    found = [s.site for s in resolved if s.site is not None]
    filled: dict[str, Any] = {}
    for key, attribute in (("title", "title"), ("description", "description"), ("language", "language"),
                           ("link", "url")):
        values = {getattr(f, attribute) for f in found}
        value = values.pop() if len(values) == 1 else None
        if value and key not in site.explicit:
            filled[key] = value
    return replace(config, articles=tuple(resolved), site=replace(site, **filled) if filled else site)


def _with_site_link(config: Config, channel: PlannedChannel) -> PlannedChannel:
    """A category channel's ``<link>``: the site's own page of that category, when its entries all come
    from one generator's site that has category pages and the channel sets no link of its own."""
    if channel.settings.link or channel.category is None:
        return channel
    names = {entry.source for entry in channel.entries}
    found = {s.site for s in config.articles if s.name in names and s.site is not None}
    if len(found) != 1 or len(names) != len([s for s in config.articles if s.name in names]):
        return channel
    link = sites.category_url(found.pop(), channel.category)
    return replace(channel, settings=replace(channel.settings, link=link)) if link else channel


def _archived_folders(config: Config, planned: Sequence[PlannedChannel], report: BuildReport) -> set[str]:
    """Folders of the channels that get archive pages: all of them when archives are on, except
    a channel whose pages would land in another channel's folder (reported)."""
    if not config.channels.archive:
        return set()
    folders = {channel.folder for channel in planned}
    shadowed = shadowed_archives(folders)
    for folder, other in shadowed.items():
        report.problems.append(Problem(
            folder, f"archive pages not written: the channel in {other} already uses the folder of one of them "
            "(give that category its own slug)", Severity.WARNING))
    return folders - set(shadowed)


LOCAL_PRIORITY = 100
"""Dedup priority of local articles: above any feed's default (0)."""


def _source_hosts(config: Config) -> dict[str, str]:
    """Each source's own host: a copy whose link is on it counts as the original."""
    hosts = {s.name: urlsplit(s.base_url or config.site.base_url).hostname or "" for s in config.articles}
    hosts.update({f.name: urlsplit(f.url).hostname or "" for f in config.feeds if not f.is_local})
    return hosts


def _article_entries(config: Config, results: Sequence[ArticleResult], report: BuildReport) -> list[Entry]:
    entries = []
    for result in results:
        report.read += 1
        report.problems.extend(result.problems)
        if result.excluded:
            report.excluded += 1
        if result.entry is not None:
            entries.append(result.entry)
    report.problems.extend(sites.link_collisions(config.articles, entries))
    return entries


def _routing_options(config: Config) -> RoutingOptions:
    return RoutingOptions(
        site_title=config.site.title,
        site_description=config.site.description,
        all_channel=config.channels.all,
        all_title=config.channels.all_title,
        categories=config.channels.categories,
        tags=config.channels.tags,
        authors=config.channels.authors,
        sources=config.channels.sources,
        include_categories=config.channels.include_categories,
        exclude_categories=config.channels.exclude_categories,
        settings={"category": config.category, "tag": config.tag, "author": config.author, "source": config.source},
        all_settings=config.all_channel,
    )


def _kept_channels(config: Config, planned: Sequence[PlannedChannel], report: BuildReport,
                   target: OutputTarget) -> Iterator[PlannedChannel]:
    """Channels published by an earlier build that have no entries now keep their files.

    Readers are subscribed to those URLs; they get a valid, empty feed instead of a 404.
    The earlier build's ``index.json`` is the memory of which channels existed.
    """
    options = _routing_options(config)
    enabled = {"all": options.all_channel, "category": options.categories, "tag": options.tags,
               "author": options.authors, "source": options.sources}
    present = {(c.kind, c.slug) for c in planned}
    index_path = _where(config, INDEX_JSON)
    try:
        previous = target.read(INDEX_JSON)
    except OSError as exc:  # a bucket that cannot be read (OutputError) fails the build before any write
        report.problems.append(Problem(index_path, f"cannot read the previous index ({exc}); channels without "
                                       "entries from earlier builds are not kept this time", Severity.WARNING))
        return
    if previous is None:
        return
    try:
        for listed in read_index_json(previous):
            kind, slug, category = listed.kind, listed.slug, listed.category
            if not enabled.get(kind) or (kind, slug) in present:
                continue
            if category and not category_wanted(category, options):
                continue
            channel = PlannedChannel(
                kind=kind,
                slug=slug,
                title=listed.title,
                description=listed.description,
                category=category,
                entries=(),
            )
            target.check(channel.folder)
            present.add((kind, slug))
            yield channel
    except (ValueError, KeyError, TypeError, OSError) as exc:
        report.problems.append(
            Problem(str(index_path), f"cannot read the previous index ({exc}); channels without entries "
                    "from earlier builds are not kept this time", Severity.WARNING)
        )
    except Exception as exc:  # OutputError from an unsafe slug in a tampered index
        report.problems.append(Problem(str(index_path), f"ignored an unsafe channel in the previous index: {exc}"))


def _where(config: Config, rel_path: str) -> str:
    """``rel_path`` in the output folder or bucket, for messages."""
    return f"{config.output.url}/{rel_path}" if config.output.url else f"{config.out / rel_path}"


def _configured_names(config: Config) -> set[str]:
    """Category and tag names the config speaks of (settings, alias targets): preferred spellings."""
    names = {part for key in config.category for part in key.split("/")} | set(config.tag)
    return names | set(config.aliases.values())
