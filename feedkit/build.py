"""build(): the one place where the stages meet.

sources -> Entry -> aliases/transforms/dedupe -> channels -> render -> write.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence

from . import articles
from .config import Config
from .identity import encode_url
from .merge import PlannedChannel, RoutingOptions, apply_aliases, dedupe, route
from .model import Channel, ChannelInfo, Entry, Problem, Severity
from .render import FILE_NAMES, RENDERERS, render_index_json, render_opml
from .report import BuildReport
from .write import safe_output_path, write_if_changed

Transform = Callable[[Entry], "Entry | None"]
"""A user function applied to every entry before routing; return None to drop the entry."""

INDEX_JSON = "index.json"
INDEX_OPML = "index.opml"


def build(config: Config, *, dry_run: bool = False, transforms: Sequence[Transform] = ()) -> BuildReport:
    """Read every source, publish every channel, and report what happened.

    With ``dry_run`` everything is read and rendered but nothing is written
    (``feedkit check``).  Problems with single inputs end up in the report;
    only a config or output failure raises (:class:`~feedkit.errors.FeedkitError`).
    """
    report = BuildReport(dry_run=dry_run)
    if not config.site.base_url_set:
        report.problems.append(Problem(
            "site.base_url", f"not set: links and feed URLs use {config.site.base_url} (pass --base-url or set "
            "site.base_url to the public URL of the output folder)", Severity.WARNING))
    entries = [apply_aliases(entry, config.aliases) for entry in _read_articles(config, report)]
    entries = list(_apply_transforms(entries, transforms, report))
    entries, duplicates = dedupe(entries)
    report.problems.extend(duplicates)
    report.published = len(entries)

    planned, routing_problems = route(entries, _routing_options(config))
    report.problems.extend(routing_problems)
    planned.extend(_kept_channels(config, planned, report))

    for channel in planned:
        report.channels.append(_publish_channel(config, channel, report))
    _publish(config, INDEX_JSON, render_index_json(report.channels), report)
    _publish(config, INDEX_OPML, render_opml(config.site.title, report.channels, config.site.base_url), report)
    return report


def _read_articles(config: Config, report: BuildReport) -> Iterator[Entry]:
    for source in config.articles:
        files, problems = articles.discover(source)
        report.problems.extend(problems)
        for path, rel_path in files:
            result = articles.load_article(path, rel_path, source, site_base_url=config.site.base_url)
            report.read += 1
            report.problems.extend(result.problems)
            if result.excluded:
                report.excluded += 1
            if result.entry is not None:
                yield result.entry


def _apply_transforms(entries: list[Entry], transforms: Sequence[Transform], report: BuildReport) -> Iterator[Entry]:
    for entry in entries:
        current: Entry | None = entry
        for transform in transforms:
            if current is None:
                break
            name = getattr(transform, "__name__", repr(transform))
            try:
                current = transform(current)
            except Exception as exc:  # a user function must not take the build down
                report.problems.append(Problem(entry.origin, f"transform {name} failed: {exc!r}; entry skipped"))
                current = None
                break
        if current is not None:
            yield current


def _routing_options(config: Config) -> RoutingOptions:
    return RoutingOptions(
        site_title=config.site.title,
        site_description=config.site.description,
        all_channel=config.channels.all,
        all_title=config.channels.all_title,
        categories=config.channels.categories,
        tags=config.channels.tags,
        overrides=config.category,
    )


def _kept_channels(config: Config, planned: Sequence[PlannedChannel], report: BuildReport) -> Iterator[PlannedChannel]:
    """Channels published by an earlier build that have no entries now keep their files.

    Readers are subscribed to those URLs; they get a valid, empty feed instead of a 404.
    The earlier build's ``index.json`` is the memory of which channels existed.
    """
    enabled = {"all": config.channels.all, "category": config.channels.categories, "tag": config.channels.tags}
    present = {(c.kind, c.slug) for c in planned}
    index_path = config.out / INDEX_JSON
    if not index_path.is_file():
        return
    try:
        previous = json.loads(index_path.read_text(encoding="utf-8"))
        if not isinstance(previous, list):
            raise ValueError("not a list")
        for item in previous:
            kind, slug = item["kind"], item["channel"]
            if not enabled.get(kind) or (kind, slug) in present or not isinstance(slug, str):
                continue
            channel = PlannedChannel(
                kind=kind,
                slug=slug,
                title=str(item["title"]),
                description=str(item.get("description") or item["title"]),
                category=tuple(str(name) for name in item["category"]) if item.get("category") else None,
                entries=(),
            )
            safe_output_path(config.out, channel.folder)
            present.add((kind, slug))
            yield channel
    except (ValueError, KeyError, TypeError, OSError) as exc:
        report.problems.append(
            Problem(str(index_path), f"cannot read the previous index ({exc}); channels without entries "
                    "from earlier builds are not kept this time", Severity.WARNING)
        )
    except Exception as exc:  # OutputError from an unsafe slug in a tampered index
        report.problems.append(Problem(str(index_path), f"ignored an unsafe channel in the previous index: {exc}"))


def channel_for(config: Config, planned: PlannedChannel) -> Channel:
    base = config.site.base_url
    feed_urls = {
        fmt: encode_url(f"{base}{planned.folder}/{FILE_NAMES[fmt]}") for fmt in config.channels.formats
    }
    return Channel(
        slug=planned.slug,
        kind=planned.kind,
        title=planned.title,
        description=planned.description,
        category=planned.category,
        link=base,
        feed_urls=feed_urls,
        language=config.site.language,
        author=config.site.author,
    )


def _publish_channel(config: Config, planned: PlannedChannel, report: BuildReport) -> ChannelInfo:
    channel = channel_for(config, planned)
    entries = planned.entries[: config.channels.entry_limit]
    files: dict[str, str] = {}
    dropped_ids: set[str] = set()
    for fmt in config.channels.formats:
        rendered = RENDERERS[fmt](channel, entries)
        for problem in rendered.dropped:
            if problem.origin not in dropped_ids:
                dropped_ids.add(problem.origin)
                report.problems.append(problem)
        rel_path = f"{planned.folder}/{FILE_NAMES[fmt]}"
        _publish(config, rel_path, rendered.data, report)
        files[fmt] = rel_path
    return ChannelInfo(
        slug=planned.slug,
        kind=planned.kind,
        title=planned.title,
        description=planned.description,
        category=planned.category,
        entries=len(entries) - len(dropped_ids),
        files=files,
    )


def _publish(config: Config, rel_path: str, data: bytes, report: BuildReport) -> None:
    if report.dry_run:
        safe_output_path(config.out, rel_path)
        return
    if write_if_changed(config.out, rel_path, data):
        report.written.append(rel_path)
    else:
        report.unchanged.append(rel_path)
