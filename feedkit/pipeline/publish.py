"""One planned channel -> its files: the subscription document per format and its archive pages.

Called by :func:`feedkit.build.build` for every channel.  Every file goes through
:func:`publish_file` (atomic write-if-changed, nothing in a dry run), so a file whose bytes
did not change is never rewritten.  Archive pages are written before the subscription
document that links to them, so a reader following its links never finds a missing page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from feedkit.channels.archive import ArchivePlan, current_channel, page_channel, page_path, page_urls, plan_archive
from feedkit.channels.route import PlannedChannel
from feedkit.config.types import Config, canonical
from feedkit.links import encode_url
from feedkit.model import Channel, ChannelInfo, Entry
from feedkit.output.write import publish_file
from feedkit.pipeline import incremental
from feedkit.render.formats import FILE_NAMES, RENDERERS, Rendered
from feedkit.render.pages import stylesheet_href
from feedkit.report import BuildReport


@dataclass(frozen=True, slots=True)
class PublishedChannel:
    """What publishing one channel produced."""

    info: ChannelInfo
    shown: tuple[Entry, ...]
    """The subscription document's entries, newest first."""
    archive_pages: int
    """Archive pages of the channel (0 when archives are off or not needed yet)."""
    changed_topics: tuple[str, ...]
    """Self URLs of the subscription documents this build wrote (WebSub topics to announce)."""
    newest: datetime | None = None
    """The newest ``updated or published`` of the subscription document's entries."""


def channel_for(config: Config, planned: PlannedChannel) -> Channel:
    """The renderers' view of a channel: its settings resolved against ``[channels]``, ``[site]`` and ``[websub]``."""
    site, s = config.site, planned.settings
    feed_urls = {
        fmt: encode_url(f"{site.base_url}{planned.folder}/{FILE_NAMES[fmt]}") for fmt in formats_of(config, planned)
    }
    return Channel(
        slug=planned.slug,
        kind=planned.kind,
        title=planned.title,
        description=planned.description,
        category=planned.category,
        link=s.link or site.link or site.base_url,
        feed_urls=feed_urls,
        language=s.language or site.language,
        author=s.author or site.author,
        icon=s.icon or site.icon,
        logo=s.logo or site.logo,
        copyright=s.copyright or site.copyright,
        full_content=(s.content or config.channels.content) == "full",
        hubs=config.websub.hubs,
    )


def formats_of(config: Config, planned: PlannedChannel) -> tuple[str, ...]:
    return planned.settings.formats or config.channels.formats


def publish_channel(
    config: Config, planned: PlannedChannel, report: BuildReport, *, archive: bool,
    outputs: incremental.Outputs | None = None,
) -> PublishedChannel:
    """Render and write one channel in each of its formats, with its archive pages when ``archive``.

    With ``outputs`` (an incremental build), a channel whose fingerprint — its resolved
    settings and every entry its files show — and files are those of the last build is not
    rendered at all.
    """
    channel = channel_for(config, planned)
    limit = planned.settings.entry_limit or config.channels.entry_limit
    if archive:
        plan = plan_archive(planned.entries, limit, config.channels.archive_page_size)
    else:
        plan = ArchivePlan(current=planned.entries[:limit], pages=())
    formats = formats_of(config, planned)
    names = {fmt: FILE_NAMES[fmt] for fmt in formats}
    paths = [f"{planned.folder}/{names[fmt]}" for fmt in formats]
    paths += [page_path(planned.folder, n, names[fmt]) for fmt in formats for n in range(1, len(plan.pages) + 1)]
    newest = max((e.updated or e.published for e in plan.current), default=None)
    fingerprint = ""
    if outputs is not None and not report.dry_run:
        fingerprint = _fingerprint(config, channel, planned, plan, outputs)
        known = outputs.known_channel(planned.folder)
        if known is not None and outputs.intact(paths, fingerprint):
            info, pages, _newest = known
            report.unchanged.extend(paths)
            outputs.remember(paths, fingerprint)
            outputs.remember_channel(planned.folder, info, pages, newest.isoformat() if newest else None)
            return PublishedChannel(info, plan.current, pages, (), newest)
    target = outputs.target if outputs is not None else None
    urls = [page_urls(config.site.base_url, planned.folder, n, names) for n in range(1, len(plan.pages) + 1)]
    dropped = _DroppedEntries(report)
    files: dict[str, str] = {}
    topics: list[str] = []
    left_out = 0
    for fmt in formats:
        rel_path = f"{planned.folder}/{names[fmt]}"
        document = current_channel(channel, fmt, urls[-1][fmt] if urls else None)
        current = _render(config, fmt, document, plan.current, rel_path)
        dropped.add(current)
        left_out = max(left_out, len(current.dropped))
        for number, entries in enumerate(plan.pages, start=1):  # before the document that names them
            page = page_channel(channel, fmt, number, len(plan.pages), urls)
            page_file = page_path(planned.folder, number, names[fmt])
            rendered = _render(config, fmt, page, entries, page_file)
            dropped.add(rendered)
            publish_file(config, page_file, rendered.data, report, target)
        if publish_file(config, rel_path, current.data, report, target):
            topics.append(channel.feed_urls[fmt])
        files[fmt] = rel_path
    info = ChannelInfo(
        slug=planned.slug,
        kind=planned.kind,
        title=planned.title,
        description=planned.description,
        category=planned.category,
        entries=len(plan.current) - left_out,
        files=files,
    )
    if outputs is not None and not dropped.any:
        outputs.remember(paths, fingerprint)
        outputs.remember_channel(planned.folder, info, len(plan.pages), newest.isoformat() if newest else None)
    return PublishedChannel(info, plan.current, len(plan.pages), tuple(topics), newest)


def _fingerprint(config: Config, channel: Channel, planned: PlannedChannel, plan: ArchivePlan,
                 outputs: incremental.Outputs) -> str:
    """Everything a channel's files are rendered from: its resolved settings, the stylesheet,
    and every entry of the subscription document and of the archive pages."""
    shown = [*plan.current, *(entry for page in plan.pages for entry in page)]
    return incremental.channel_fingerprint(
        canonical((channel, formats_of(config, planned), config.channels.stylesheet, len(plan.pages),
              config.site.base_url)),
        [incremental.entry_fingerprint(entry, outputs.entry_memo) for entry in shown],
    )


class _DroppedEntries:
    """Entries a renderer left out, each reported once however many files it was left out of."""

    def __init__(self, report: BuildReport) -> None:
        self._report = report
        self._origins: set[str] = set()
        self.any = False

    def add(self, rendered: Rendered) -> None:
        self.any = self.any or bool(rendered.dropped)
        for problem in rendered.dropped:
            if problem.origin not in self._origins:
                self._origins.add(problem.origin)
                self._report.problems.append(problem)


def _render(config: Config, fmt: str, channel: Channel, entries: Sequence[Entry], rel_path: str) -> Rendered:
    stylesheet = stylesheet_href(rel_path) if config.channels.stylesheet else None
    return RENDERERS[fmt](channel, entries, stylesheet=stylesheet)
