"""One planned channel -> its files: the subscription document per format and its archive pages.

Called by :func:`feedkit.build.build` for every channel.  Every file goes through
:func:`publish_file` (atomic write-if-changed, nothing in a dry run), so a file whose bytes
did not change is never rewritten.  Archive pages are written before the subscription
document that links to them, so a reader following its links never finds a missing page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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


@dataclass(frozen=True, slots=True)
class ChannelWork:
    """One channel, planned: what its files show, and whether the last build's files already do."""

    planned: PlannedChannel
    channel: Channel
    plan: ArchivePlan
    formats: tuple[str, ...]
    paths: list[str]
    newest: datetime | None
    fingerprint: str
    known: tuple[ChannelInfo, int, str | None] | None
    """The last build's description of the channel, when its files are intact and show the same."""

    @property
    def shown(self) -> Iterator[Entry]:
        """Every entry the channel's files show (subscription document and archive pages)."""
        yield from self.plan.current
        for page in self.plan.pages:
            yield from page


def plan_channel(
    config: Config, planned: PlannedChannel, report: BuildReport, *, archive: bool,
    outputs: incremental.Outputs | None = None, body_key: Callable[[Entry], str] = lambda _entry: "",
) -> ChannelWork:
    """What one channel's files show and whether they must be rendered.

    With ``outputs`` (an incremental build), a channel whose fingerprint — its resolved
    settings and every entry its files show (``body_key`` stands in for a body not made yet) —
    and files are those of the last build is not rendered at all.
    """
    channel = channel_for(config, planned)
    limit = planned.settings.entry_limit or config.channels.entry_limit
    if archive:
        plan = plan_archive(planned.entries, limit, config.channels.archive_page_size)
    else:
        plan = ArchivePlan(current=planned.entries[:limit], pages=())
    formats = formats_of(config, planned)
    paths = [f"{planned.folder}/{FILE_NAMES[fmt]}" for fmt in formats]
    paths += [page_path(planned.folder, n, FILE_NAMES[fmt]) for fmt in formats for n in range(1, len(plan.pages) + 1)]
    newest = max((e.updated or e.published for e in plan.current), default=None)
    fingerprint = ""
    known = None
    if outputs is not None and not report.dry_run:
        fingerprint = _fingerprint(config, channel, planned, plan, outputs, body_key)
        known = outputs.known_channel(planned.folder)
        if known is not None and not outputs.intact(paths, fingerprint):
            known = None
    return ChannelWork(planned, channel, plan, formats, paths, newest, fingerprint, known)


def publish_channel(
    config: Config, work: ChannelWork, report: BuildReport, *, outputs: incremental.Outputs | None = None,
    fill: Callable[[Entry], Entry] = lambda entry: entry,
) -> PublishedChannel:
    """Render and write one planned channel in each of its formats, with its archive pages
    (``fill`` gives an entry its body); or, when its files are intact, only remember them."""
    planned, channel, plan, newest = work.planned, work.channel, work.plan, work.newest
    newest_text = newest.isoformat() if newest else None
    if outputs is not None and work.known is not None:
        info, pages, _newest = work.known
        report.unchanged.extend(work.paths)
        outputs.remember(work.paths, work.fingerprint)
        outputs.remember_channel(planned.folder, info, pages, newest_text)
        return PublishedChannel(info, plan.current, pages, (), newest)
    target = outputs.target if outputs is not None else None
    names = {fmt: FILE_NAMES[fmt] for fmt in work.formats}
    urls = [page_urls(config.site.base_url, planned.folder, n, names) for n in range(1, len(plan.pages) + 1)]
    current_entries = [fill(entry) for entry in plan.current]
    page_entries = [[fill(entry) for entry in page] for page in plan.pages]
    dropped = _DroppedEntries(report)
    files: dict[str, str] = {}
    topics: list[str] = []
    left_out = 0
    for fmt in work.formats:
        rel_path = f"{planned.folder}/{names[fmt]}"
        document = current_channel(channel, fmt, urls[-1][fmt] if urls else None)
        current = _render(config, fmt, document, current_entries, rel_path)
        dropped.add(current)
        left_out = max(left_out, len(current.dropped))
        for number, entries in enumerate(page_entries, start=1):  # before the document that names them
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
        outputs.remember(work.paths, work.fingerprint)
        outputs.remember_channel(planned.folder, info, len(plan.pages), newest_text)
    return PublishedChannel(info, tuple(current_entries), len(plan.pages), tuple(topics), newest)


def _fingerprint(config: Config, channel: Channel, planned: PlannedChannel, plan: ArchivePlan,
                 outputs: incremental.Outputs, body_key: Callable[[Entry], str]) -> str:
    """Everything a channel's files are rendered from: its resolved settings, the stylesheet,
    and every entry of the subscription document and of the archive pages."""
    shown = [*plan.current, *(entry for page in plan.pages for entry in page)]
    return incremental.channel_fingerprint(
        canonical((channel, formats_of(config, planned), config.channels.stylesheet, len(plan.pages),
              config.site.base_url)),
        [incremental.entry_fingerprint(entry, outputs.entry_memo) + body_key(entry) for entry in shown],
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
