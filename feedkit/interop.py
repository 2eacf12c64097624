"""Hand feedkit's data to other feed libraries: :func:`to_feedgen` fills a ``feedgen.FeedGenerator``.

feedgen is an optional extra (``pip install 'feedkit[feedgen]'``); nothing else in feedkit
needs it (feedkit's own renderers do not use it: docs/design.md says why).  This is the one
module that imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from feedkit.model import Channel, Entry
from feedkit.text import strip_illegal_xml_chars

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

__all__ = ["to_feedgen"]


def to_feedgen(channel: Channel, entries: Iterable[Entry], generator: FeedGenerator | None = None) -> FeedGenerator:
    """Fill a ``feedgen.FeedGenerator`` with a channel and its entries, for users who post-process with feedgen.

    ``generator`` is filled in place when given (add your own extensions first, such as
    ``fg.load_extension("podcast")``), else a new one is made.  Entries are appended in the
    order given (feedgen prepends by default).  Dates are set explicitly (feedgen would use the
    clock), characters XML forbids are removed (feedgen would fail the whole feed on one), and
    the feed's ``updated`` is the newest entry's date (the Unix epoch when there is none), so
    the same input gives the same ``atom_str()``.

    Written: the channel's title, description, link, self link (its Atom URL, else RSS, else
    JSON), language, author, icon, logo and copyright; per entry the id (``guid``), title,
    link, published/updated dates, summary, HTML content (unless ``channel.full_content`` is
    false), category paths joined with ``/`` and tags, authors and the first enclosure.
    feedgen has no place for an entry's image, ``via`` copies, podcast fields beyond the
    enclosure (use its ``podcast`` extension) or JSON Feed: use :func:`feedkit.render` for those.

    Raises ``ImportError`` naming the extra when feedgen is not installed.
    """
    try:
        from feedgen.feed import FeedGenerator
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("feedkit.to_feedgen() needs feedgen: pip install 'feedkit[feedgen]'") from exc
    entries = tuple(entries)
    fg: Any = generator if generator is not None else FeedGenerator()
    self_url = next((channel.feed_urls[f] for f in ("atom", "rss", "json") if channel.feed_urls.get(f)), None)
    fg.id(_text(self_url or channel.link))
    fg.title(_text(channel.title))
    fg.description(_text(channel.description or channel.title))
    fg.link(href=channel.link, rel="alternate")
    if self_url:
        fg.link(href=self_url, rel="self")
    if channel.language:
        fg.language(channel.language)
    if channel.author:
        fg.author({"name": _text(channel.author)})
    if channel.icon:
        fg.icon(channel.icon)
    if channel.logo:
        fg.logo(channel.logo)
    if channel.copyright:
        fg.copyright(_text(channel.copyright))
    newest = max((e.updated or e.published for e in entries), default=None)
    if newest is not None:
        fg.updated(newest)
        fg.lastBuildDate(newest)
    else:
        fg.updated("1970-01-01T00:00:00Z")
        fg.lastBuildDate("1970-01-01T00:00:00Z")
    for entry in entries:
        fe = fg.add_entry(order="append")
        fe.id(_text(entry.id))
        fe.guid(_text(entry.id), permalink=entry.id == entry.link)
        fe.title(_text(entry.title))
        if entry.link:
            fe.link(href=entry.link, rel="alternate")
        fe.published(entry.published)
        fe.updated(entry.updated or entry.published)
        if entry.summary:
            fe.summary(_text(entry.summary))
        if channel.full_content and entry.content_html:
            fe.content(_text(entry.content_html), type="html")
        for path in entry.categories:
            fe.category(term=_text("/".join(path)))
        for tag in entry.tags:
            fe.category(term=_text(tag))
        for author in entry.authors:
            person = {"name": _text(author.name)}
            if author.email:
                person["email"] = _text(author.email)
            if author.uri:
                person["uri"] = author.uri
            fe.author(person)
        if entry.enclosures:
            first = entry.enclosures[0]
            fe.enclosure(first.url, str(first.length or 0), first.mime_type)
    return fg


def _text(value: str) -> str:
    return strip_illegal_xml_chars(value)
