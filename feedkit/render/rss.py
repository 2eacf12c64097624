"""Channel + entries -> RSS 2.0 bytes (with the content, dc, atom and media namespaces).

Written with :mod:`lxml.etree`; the rules shared with the other formats are in
:mod:`feedkit.render`.  RSS specifics:

* The channel's ``<image>`` is its logo, else its icon, with the channel's title and
  link (RSS 2.0 requires all three).  ``copyright`` becomes ``<copyright>``.
* WebSub hubs and RFC 5005 archive links are ``atom:link`` elements (``rel="hub"``,
  ``rel="prev-archive"``...) next to the ``rel="self"`` link WebSub needs; an archive page
  carries ``<fh:archive/>`` (the ``fh`` namespace is declared only then).
* An entry's other copies (:attr:`Entry.via`) are not written: RSS ``<source>`` must
  point to the feed the copy came from, and an entry only knows the copy's own link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape as html_escape

from lxml import etree

from feedkit.model import Channel, Enclosure, Entry, Problem
from feedkit.render import common as base

_NSMAP = {"content": base.CONTENT_NS, "dc": base.DC_NS, "atom": base.ATOM_NS, "media": base.MEDIA_NS}
_ATOM_LINK = f"{{{base.ATOM_NS}}}link"


def render_rss(channel: Channel, entries: Sequence[Entry], *, stylesheet: str | None = None) -> base.Rendered:
    """RSS 2.0 with the content, dc, atom and media (Media RSS) namespaces.

    ``stylesheet``: href of an XSL stylesheet for browsers (see :mod:`feedkit.render`).
    """
    nsmap = {**_NSMAP, "fh": base.FH_NS} if channel.is_archive else dict(_NSMAP)
    if any(entry.episode is not None for entry in entries):
        nsmap["itunes"] = base.ITUNES_NS
    rss = etree.Element("rss", {"version": "2.0"}, nsmap=nsmap)
    head = base.sub_element(rss, "channel")
    _fill_channel_head(head, channel)
    build_date = base.sub_element(head, "lastBuildDate")
    base.sub_element(head, "generator", base.GENERATOR)
    _add_channel_image(head, channel)

    dropped: list[Problem] = []
    moments: list[datetime] = []
    for entry in entries:
        item = base.sub_element(head, "item")
        try:
            _fill_item(item, entry, channel)
            moments.append(base.entry_updated(entry))
        except Exception as exc:  # one entry must not take the channel down
            head.remove(item)
            dropped.append(base.dropped_problem(entry, "RSS", exc))

    latest = base.newest(moments)
    if latest is None:
        head.remove(build_date)
    else:
        build_date.text = base.format_rfc822(latest)
    return base.Rendered(base.serialize_xml(rss, stylesheet), tuple(dropped))


def _fill_channel_head(head: etree._Element, channel: Channel) -> None:
    """title, link, description, language, copyright, the atom:links and fh:archive."""
    title = base.clean_text(channel.title)
    base.sub_element(head, "title", title)
    base.sub_element(head, "link", base.clean_url(channel.link))
    base.sub_element(head, "description", html_escape(base.clean_text(channel.description).strip() or title, False))
    language = base.language_tag(channel.language)
    if language:
        base.sub_element(head, "language", language)
    copyright_notice = base.optional_text(channel.copyright)
    if copyright_notice:
        base.sub_element(head, "copyright", copyright_notice)
    if channel.feed_urls.get("rss"):
        self_url = base.clean_url(channel.feed_urls["rss"])
        base.sub_element(head, _ATOM_LINK, href=self_url, rel="self", type="application/rss+xml")
    for hub in base.hub_urls(channel):
        base.sub_element(head, _ATOM_LINK, href=hub, rel="hub")
    for rel, url in base.archive_links(channel):
        base.sub_element(head, _ATOM_LINK, href=url, rel=rel)
    if channel.is_archive:
        base.sub_element(head, f"{{{base.FH_NS}}}archive")


def _add_channel_image(head: etree._Element, channel: Channel) -> None:
    image_url = base.channel_image_url(channel)
    if image_url:
        image = base.sub_element(head, "image")
        base.sub_element(image, "url", image_url)
        base.sub_element(image, "title", base.clean_text(channel.title))
        base.sub_element(image, "link", base.clean_url(channel.link))


def _fill_item(item: etree._Element, entry: Entry, channel: Channel) -> None:
    title = base.clean_text(entry.title)
    if title.strip():
        base.sub_element(item, "title", title)
    link = base.clean_url(entry.link)
    if link:
        base.sub_element(item, "link", link)
    entry_id = base.clean_text(entry.id)
    base.sub_element(item, "guid", entry_id, isPermaLink="false")
    base.sub_element(item, "pubDate", base.format_rfc822(entry.published))
    content = base.entry_content(entry, channel)
    description = _description(title, base.clean_text(entry.summary), content, link or entry_id)
    if description:
        base.sub_element(item, "description", description)
    if content:
        base.sub_element(item, f"{{{base.CONTENT_NS}}}encoded", content)
    for term in base.category_terms(entry):
        base.sub_element(item, "category", term)
    for author in base.usable_authors(entry):
        base.sub_element(item, f"{{{base.DC_NS}}}creator", author.name)
    enclosures = base.entry_enclosures(entry)
    image_url = ""
    if entry.image is not None:
        image_url = base.clean_url(entry.image.url)
        mime_type = base.clean_text(entry.image.mime_type).strip()
        base.sub_element(item, f"{{{base.MEDIA_NS}}}thumbnail", url=image_url)
        base.sub_element(item, f"{{{base.MEDIA_NS}}}content", url=image_url, medium="image", type=mime_type)
        if not enclosures:
            base.sub_element(item, "enclosure", url=image_url, length="0", type=mime_type)
    _add_enclosures(item, enclosures, image_url)
    if entry.episode is not None:
        _add_episode(item, entry, base.primary_enclosure(enclosures))


def _add_enclosures(item: etree._Element, enclosures: Sequence[Enclosure], image_url: str) -> None:
    """RSS allows one ``<enclosure>``: the primary one (:func:`~feedkit.render.common.primary_enclosure`);
    every other enclosure is a ``media:content`` (the image's is written already)."""
    primary = base.primary_enclosure(enclosures)
    if primary is None:
        return
    base.sub_element(item, "enclosure", url=primary.url, length=str(primary.length or 0), type=primary.mime_type)
    for enclosure in enclosures:
        if enclosure is primary or enclosure.url == image_url:
            continue
        media = base.sub_element(item, f"{{{base.MEDIA_NS}}}content", url=enclosure.url, type=enclosure.mime_type)
        medium = base.media_medium(enclosure.mime_type)
        if medium:
            media.set("medium", medium)
        if enclosure.length:
            media.set("fileSize", str(enclosure.length))
        if enclosure.duration:
            media.set("duration", str(enclosure.duration))


def _add_episode(item: etree._Element, entry: Entry, primary: Enclosure | None) -> None:
    """The iTunes podcast fields podcast apps read (duration, explicit, episode, season, type, artwork)."""
    episode = entry.episode
    assert episode is not None
    duration = episode.duration or (primary.duration if primary else None)
    if duration:
        base.sub_element(item, _itunes("duration"), base.format_duration(duration))
    if episode.explicit is not None:
        base.sub_element(item, _itunes("explicit"), "true" if episode.explicit else "false")
    if episode.episode is not None:
        base.sub_element(item, _itunes("episode"), str(episode.episode))
    if episode.season is not None:
        base.sub_element(item, _itunes("season"), str(episode.season))
    if episode.episode_type:
        base.sub_element(item, _itunes("episodeType"), base.clean_text(episode.episode_type))
    image = base.optional_url(episode.image)
    if image:
        base.sub_element(item, _itunes("image"), href=image)


def _itunes(name: str) -> str:
    return f"{{{base.ITUNES_NS}}}{name}"


def _description(title: str, summary: str, content: str, fallback: str) -> str:
    """The summary; RSS 2.0 needs a title or a description, so an untitled item without
    a summary gets its HTML content, or else its link (or id).

    Readers take a description as HTML, so plain text (the summary, the link) is escaped as
    HTML: a summary ``<script>…`` stays text instead of becoming a script element."""
    if summary.strip() or title.strip():
        return html_escape(summary, quote=False)
    return content if content.strip() else html_escape(fallback, quote=False)
