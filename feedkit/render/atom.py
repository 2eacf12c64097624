"""Channel + entries -> Atom 1.0 (RFC 4287) bytes, with the media namespace for thumbnails.

Written with :mod:`lxml.etree`; the rules shared with the other formats are in
:mod:`feedkit.render`.  Atom specifics:

* The feed's ``id`` is the Atom file's own URL, else a name-based ``urn:uuid:``.
* The feed gets an ``author`` (``channel.author``, else the channel title) unless every
  rendered entry has one, as RFC 4287 requires.
* ``<icon>`` and ``<logo>`` are the channel's icon and logo; ``<rights>`` its copyright.
* WebSub hubs are ``<link rel="hub">`` next to ``rel="self"``; RFC 5005 archive links are
  ``<link rel="prev-archive">``...; an archive page carries ``<fh:archive/>`` (the ``fh``
  namespace is declared only then).
* Each of an entry's other copies (:attr:`Entry.via`) is a ``<link rel="via">`` whose
  ``title`` is the source's name.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree

from feedkit.identity import ID_NAMESPACE
from feedkit.model import Author, Channel, Entry, Problem
from feedkit.render import common as base

_NSMAP: dict[Any, str] = {None: base.ATOM_NS, "media": base.MEDIA_NS}  # lxml-stubs do not allow the None key
_LANG = f"{{{base.XML_NS}}}lang"


def render_atom(channel: Channel, entries: Sequence[Entry], *, stylesheet: str | None = None) -> base.Rendered:
    """Atom 1.0 (RFC 4287) with the media namespace for thumbnails.

    ``stylesheet``: href of an XSL stylesheet for browsers (see :mod:`feedkit.render`).
    """
    nsmap = {**_NSMAP, "fh": base.FH_NS} if channel.is_archive else _NSMAP
    feed = etree.Element(_atom("feed"), nsmap=nsmap)
    language = base.language_tag(channel.language)
    if language:
        feed.set(_LANG, language)
    updated = _fill_feed_head(feed, channel)
    author_position = len(feed)
    base.sub_element(feed, _atom("generator"), base.GENERATOR)

    dropped: list[Problem] = []
    moments: list[datetime] = []
    every_entry_has_author = True
    for entry in entries:
        element = base.sub_element(feed, _atom("entry"))
        try:
            has_author = _fill_entry(element, entry, channel, language)
            moments.append(base.entry_updated(entry))
        except Exception as exc:  # one entry must not take the channel down
            feed.remove(element)
            dropped.append(base.dropped_problem(entry, "Atom", exc))
            continue
        every_entry_has_author = every_entry_has_author and has_author

    if not moments or not every_entry_has_author:
        feed_author = etree.Element(_atom("author"))
        name = base.clean_text(channel.author or "").strip() or base.clean_text(channel.title).strip() or base.GENERATOR
        base.sub_element(feed_author, _atom("name"), name)
        feed.insert(author_position, feed_author)
    updated.text = base.format_rfc3339(base.newest(moments) or base.EMPTY_FEED_UPDATED)
    return base.Rendered(base.serialize_xml(feed, stylesheet), tuple(dropped))


def _atom(name: str) -> str:
    return f"{{{base.ATOM_NS}}}{name}"


def _fill_feed_head(feed: etree._Element, channel: Channel) -> etree._Element:
    """id, title, subtitle, rights, updated (returned, to be filled last), links, fh:archive, icon, logo."""
    base.sub_element(feed, _atom("id"), _feed_id(channel))
    base.sub_element(feed, _atom("title"), base.clean_text(channel.title), type="text")
    description = base.clean_text(channel.description).strip()
    if description:
        base.sub_element(feed, _atom("subtitle"), description, type="text")
    rights = base.optional_text(channel.copyright)
    if rights:
        base.sub_element(feed, _atom("rights"), rights, type="text")
    updated = base.sub_element(feed, _atom("updated"))
    if channel.feed_urls.get("atom"):
        self_url = base.clean_url(channel.feed_urls["atom"])
        base.sub_element(feed, _atom("link"), href=self_url, rel="self", type="application/atom+xml")
    if channel.link:
        base.sub_element(feed, _atom("link"), href=base.clean_url(channel.link), rel="alternate", type="text/html")
    for hub in base.hub_urls(channel):
        base.sub_element(feed, _atom("link"), href=hub, rel="hub")
    for rel, url in base.archive_links(channel):
        base.sub_element(feed, _atom("link"), href=url, rel=rel)
    if channel.is_archive:
        base.sub_element(feed, f"{{{base.FH_NS}}}archive")
    for name, value in (("icon", channel.icon), ("logo", channel.logo)):
        image_url = base.optional_url(value)
        if image_url:
            base.sub_element(feed, _atom(name), image_url)
    return updated


def _feed_id(channel: Channel) -> str:
    """The Atom file's own URL, else a name-based ``urn:uuid:`` of the channel's kind and slug."""
    if channel.feed_urls.get("atom"):
        return base.clean_url(channel.feed_urls["atom"])
    return "urn:uuid:" + str(uuid.uuid5(ID_NAMESPACE, f"channel\n{channel.kind}\n{channel.slug}"))


def _fill_entry(element: etree._Element, entry: Entry, channel: Channel, feed_language: str | None) -> bool:
    """Fill one ``atom:entry``; returns whether it has an author."""
    language = base.language_tag(entry.language)
    if language and language != feed_language:
        element.set(_LANG, language)
    base.sub_element(element, _atom("id"), base.clean_text(entry.id))
    base.sub_element(element, _atom("title"), base.clean_text(entry.title), type="text")
    link = base.clean_url(entry.link)
    _add_entry_links(element, entry, link)
    base.sub_element(element, _atom("published"), base.format_rfc3339(entry.published))
    base.sub_element(element, _atom("updated"), base.format_rfc3339(base.entry_updated(entry)))
    authors = base.usable_authors(entry)
    for author in authors:
        _fill_person(base.sub_element(element, _atom("author")), author)
    for term in base.category_terms(entry):
        base.sub_element(element, _atom("category"), term=term)
    summary = base.clean_text(entry.summary)
    if summary:
        base.sub_element(element, _atom("summary"), summary, type="text")
    content = base.entry_content(entry, channel)
    if content or not link:  # RFC 4287: an entry without an alternate link needs content
        base.sub_element(element, _atom("content"), content, type="html")
    if entry.image is not None:
        base.sub_element(element, f"{{{base.MEDIA_NS}}}thumbnail", url=base.clean_url(entry.image.url))
    return bool(authors)


def _add_entry_links(element: etree._Element, entry: Entry, link: str) -> None:
    """The alternate link (the article), the image as an enclosure, one via link per other copy."""
    if link:
        base.sub_element(element, _atom("link"), href=link, rel="alternate", type="text/html")
    enclosures = base.entry_enclosures(entry)
    urls = {enclosure.url for enclosure in enclosures}
    if entry.image is not None and base.clean_url(entry.image.url) not in urls:
        mime_type = base.clean_text(entry.image.mime_type).strip()
        base.sub_element(element, _atom("link"), href=base.clean_url(entry.image.url), rel="enclosure", type=mime_type)
    for enclosure in enclosures:
        link_element = base.sub_element(element, _atom("link"), href=enclosure.url, rel="enclosure",
                                        type=enclosure.mime_type)
        if enclosure.length:
            link_element.set("length", str(enclosure.length))
    for source, url in base.via_links(entry):
        via = base.sub_element(element, _atom("link"), href=url, rel="via")
        if source:
            via.set("title", source)


def _fill_person(element: etree._Element, author: Author) -> None:
    base.sub_element(element, _atom("name"), author.name)
    if author.uri:
        base.sub_element(element, _atom("uri"), author.uri)
    if author.email:
        base.sub_element(element, _atom("email"), author.email)
