"""Channel + entries -> RSS 2.0, Atom 1.0, JSON Feed 1.1, OPML 2.0 and index.json bytes.

Pure functions: no I/O, no clock.  The XML formats are built with :mod:`lxml.etree`
directly (not feedgen, see ``docs/design.md``), JSON with :mod:`json`.

Choices every format shares:

* Entries are rendered in the order given (the caller sorts and caps them).
* Characters that XML forbids are removed from every string
  (:func:`feedkit.text.strip_illegal_xml_chars`), in JSON too, so all formats carry the
  same text.  Each entry is then built on its own; if it still fails (a naive datetime,
  a value of the wrong type) that entry is left out and reported in
  :attr:`Rendered.dropped`; the rest of the channel is rendered.
* Times are written in UTC without fractional seconds (RFC 822 ``+0000`` in RSS,
  RFC 3339 ``Z`` elsewhere), formatted by hand (no locale).
* The channel's "last updated" time is the newest ``updated or published`` of the
  rendered entries, never the wall clock; an Atom feed without entries says
  ``1970-01-01T00:00:00Z``; RSS omits ``lastBuildDate``.
* A category path is written as its names joined with ``/`` (``金融/新浪财经``), the
  RSS 2.0 convention for hierarchic categories; category paths and tags are written
  once each, in order (paths first).
* The generator is ``feedkit`` without a version, so an upgrade does not change bytes.
* ``http(s)`` URLs are percent-encoded (:func:`feedkit.identity.encode_url`); entry ids
  are written exactly as given.
* Language tags are written with ``-`` (``zh_CN`` -> ``zh-CN``); a value that is not a
  language tag is left out.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from lxml import etree

from .identity import ID_NAMESPACE, encode_url
from .model import Author, Channel, ChannelInfo, Entry, Problem, Severity
from .text import strip_illegal_xml_chars

GENERATOR = "feedkit"
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
"""``atom:updated`` of a channel without entries (RFC 4287 requires some date)."""

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"

_RSS_NSMAP = {"content": CONTENT_NS, "dc": DC_NS, "atom": ATOM_NS, "media": MEDIA_NS}
_ATOM_NSMAP: dict[Any, str] = {None: ATOM_NS, "media": MEDIA_NS}  # lxml-stubs do not allow the None key
_XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True, slots=True)
class Rendered:
    """One channel in one format."""

    data: bytes
    dropped: tuple[Problem, ...]
    """Entries that could not be rendered (``Problem.origin`` is the entry's origin or id)."""


# --- shared helpers -------------------------------------------------------------------


def _text(value: str) -> str:
    return strip_illegal_xml_chars(value)


def _url(value: str) -> str:
    """A URL fit for a feed: legal characters only, ``http(s)`` URLs percent-encoded."""
    cleaned = _text(value).strip()
    if cleaned.lower().startswith(("http://", "https://")):
        return encode_url(cleaned)
    return cleaned


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()} (feedkit only renders aware datetimes)")
    return moment.astimezone(UTC).replace(microsecond=0)


def format_rfc822(moment: datetime) -> str:
    """``Tue, 07 Jun 2022 07:07:31 +0000`` (RSS 2.0), in UTC, independent of the locale."""
    m = _utc(moment)
    return (
        f"{_DAYS[m.weekday()]}, {m.day:02d} {_MONTHS[m.month - 1]} {m.year:04d} "
        f"{m.hour:02d}:{m.minute:02d}:{m.second:02d} +0000"
    )


def format_rfc3339(moment: datetime) -> str:
    """``2022-06-07T07:07:31Z`` (Atom, JSON Feed), in UTC, without fractional seconds."""
    m = _utc(moment)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def _language_tag(value: str | None) -> str | None:
    if value is None:
        return None
    tag = _text(value).strip().replace("_", "-")
    return tag if _LANGUAGE_TAG.match(tag) else None


def _entry_updated(entry: Entry) -> datetime:
    return entry.updated if entry.updated is not None else entry.published


def _newest(moments: Iterable[datetime]) -> datetime | None:
    return max((_utc(moment) for moment in moments), default=None)


def category_terms(entry: Entry) -> list[str]:
    """The entry's category paths (names joined with ``/``) then tags, each once, in order."""
    terms = ["/".join(_text(name).strip() for name in path) for path in entry.categories]
    terms += [_text(tag).strip() for tag in entry.tags]
    return [term for term in dict.fromkeys(terms) if term.strip("/")]


def _usable_authors(entry: Entry) -> list[Author]:
    """The entry's authors with a usable name (control characters removed)."""
    authors = []
    for author in entry.authors:
        name = _text(author.name).strip()
        if name:
            email = _text(author.email).strip() if author.email else None
            uri = _url(author.uri) if author.uri else None
            authors.append(Author(name, email or None, uri or None))
    return authors


def _dropped(entry: Entry, fmt: str, exc: Exception) -> Problem:
    return Problem(
        entry.origin or entry.id,
        f"entry {entry.id!r} left out of the {fmt} feed: cannot render it ({type(exc).__name__}: {exc})",
        Severity.ERROR,
    )


def _serialize(root: etree._Element) -> bytes:
    body = etree.tostring(root, encoding="utf-8", xml_declaration=False, pretty_print=True)
    return _XML_DECLARATION + body


def _sub(parent: etree._Element, tag: str, content: str | None = None, **attributes: str) -> etree._Element:
    """A child element with text ``content`` (if given) and ``attributes`` in the given order."""
    element = etree.SubElement(parent, tag, attributes)
    if content is not None:
        element.text = content
    return element


# --- RSS 2.0 --------------------------------------------------------------------------


def render_rss(channel: Channel, entries: Sequence[Entry]) -> Rendered:
    """RSS 2.0 with the content, dc, atom and media (Media RSS) namespaces."""
    rss = etree.Element("rss", {"version": "2.0"}, nsmap=_RSS_NSMAP)
    head = _sub(rss, "channel")
    title = _text(channel.title)
    _sub(head, "title", title)
    _sub(head, "link", _url(channel.link))
    _sub(head, "description", _text(channel.description).strip() or title)
    language = _language_tag(channel.language)
    if language:
        _sub(head, "language", language)
    if channel.feed_urls.get("rss"):
        _sub(head, f"{{{ATOM_NS}}}link", href=_url(channel.feed_urls["rss"]), rel="self", type="application/rss+xml")
    build_date = _sub(head, "lastBuildDate")
    _sub(head, "generator", GENERATOR)

    dropped: list[Problem] = []
    moments: list[datetime] = []
    for entry in entries:
        item = _sub(head, "item")
        try:
            _fill_rss_item(item, entry)
            moments.append(_entry_updated(entry))
        except Exception as exc:  # one entry must not take the channel down
            head.remove(item)
            dropped.append(_dropped(entry, "RSS", exc))

    newest = _newest(moments)
    if newest is None:
        head.remove(build_date)
    else:
        build_date.text = format_rfc822(newest)
    return Rendered(_serialize(rss), tuple(dropped))


def _fill_rss_item(item: etree._Element, entry: Entry) -> None:
    title = _text(entry.title)
    if title.strip():
        _sub(item, "title", title)
    link = _url(entry.link)
    if link:
        _sub(item, "link", link)
    entry_id = _text(entry.id)
    _sub(item, "guid", entry_id, isPermaLink="false")
    _sub(item, "pubDate", format_rfc822(entry.published))
    content = _text(entry.content_html)
    description = _rss_description(title, _text(entry.summary), content, link or entry_id)
    if description:
        _sub(item, "description", description)
    if content:
        _sub(item, f"{{{CONTENT_NS}}}encoded", content)
    for term in category_terms(entry):
        _sub(item, "category", term)
    for author in _usable_authors(entry):
        _sub(item, f"{{{DC_NS}}}creator", author.name)
    if entry.image is not None:
        image_url = _url(entry.image.url)
        mime_type = _text(entry.image.mime_type).strip()
        _sub(item, f"{{{MEDIA_NS}}}thumbnail", url=image_url)
        _sub(item, f"{{{MEDIA_NS}}}content", url=image_url, medium="image", type=mime_type)
        _sub(item, "enclosure", url=image_url, length="0", type=mime_type)


def _rss_description(title: str, summary: str, content: str, fallback: str) -> str:
    """The summary; RSS 2.0 needs a title or a description, so an untitled item without
    a summary gets its HTML content, or else its link (or id)."""
    if summary.strip() or title.strip():
        return summary
    return content if content.strip() else fallback


# --- Atom 1.0 -------------------------------------------------------------------------


def render_atom(channel: Channel, entries: Sequence[Entry]) -> Rendered:
    """Atom 1.0 (RFC 4287) with the media namespace for thumbnails.

    The feed gets an ``author`` (``channel.author``, else the channel title) unless
    every rendered entry has one, as RFC 4287 requires.
    """
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap=_ATOM_NSMAP)
    language = _language_tag(channel.language)
    if language:
        feed.set(f"{{{XML_NS}}}lang", language)
    _sub(feed, _atom("id"), _atom_feed_id(channel))
    title = _text(channel.title)
    _sub(feed, _atom("title"), title, type="text")
    description = _text(channel.description).strip()
    if description:
        _sub(feed, _atom("subtitle"), description, type="text")
    updated = _sub(feed, _atom("updated"))
    if channel.feed_urls.get("atom"):
        _sub(feed, _atom("link"), href=_url(channel.feed_urls["atom"]), rel="self", type="application/atom+xml")
    if channel.link:
        _sub(feed, _atom("link"), href=_url(channel.link), rel="alternate", type="text/html")
    author_position = len(feed)
    _sub(feed, _atom("generator"), GENERATOR)

    dropped: list[Problem] = []
    moments: list[datetime] = []
    every_entry_has_author = True
    for entry in entries:
        element = _sub(feed, _atom("entry"))
        try:
            has_author = _fill_atom_entry(element, entry, language)
            moments.append(_entry_updated(entry))
        except Exception as exc:  # one entry must not take the channel down
            feed.remove(element)
            dropped.append(_dropped(entry, "Atom", exc))
            continue
        every_entry_has_author = every_entry_has_author and has_author

    if not moments or not every_entry_has_author:
        feed_author = etree.Element(_atom("author"))
        _sub(feed_author, _atom("name"), _text(channel.author or "").strip() or title.strip() or GENERATOR)
        feed.insert(author_position, feed_author)
    updated.text = format_rfc3339(_newest(moments) or EMPTY_FEED_UPDATED)
    return Rendered(_serialize(feed), tuple(dropped))


def _atom(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _atom_feed_id(channel: Channel) -> str:
    """The Atom file's own URL, else a name-based ``urn:uuid:`` of the channel's kind and slug."""
    if channel.feed_urls.get("atom"):
        return _url(channel.feed_urls["atom"])
    return "urn:uuid:" + str(uuid.uuid5(ID_NAMESPACE, f"channel\n{channel.kind}\n{channel.slug}"))


def _fill_atom_entry(element: etree._Element, entry: Entry, feed_language: str | None) -> bool:
    """Fill one ``atom:entry``; returns whether it has an author."""
    language = _language_tag(entry.language)
    if language and language != feed_language:
        element.set(f"{{{XML_NS}}}lang", language)
    _sub(element, _atom("id"), _text(entry.id))
    _sub(element, _atom("title"), _text(entry.title), type="text")
    link = _url(entry.link)
    if link:
        _sub(element, _atom("link"), href=link, rel="alternate", type="text/html")
    if entry.image is not None:
        _sub(element, _atom("link"), href=_url(entry.image.url), rel="enclosure",
             type=_text(entry.image.mime_type).strip())
    _sub(element, _atom("published"), format_rfc3339(entry.published))
    _sub(element, _atom("updated"), format_rfc3339(_entry_updated(entry)))
    authors = _usable_authors(entry)
    for author in authors:
        _fill_atom_person(_sub(element, _atom("author")), author)
    for term in category_terms(entry):
        _sub(element, _atom("category"), term=term)
    summary = _text(entry.summary)
    if summary:
        _sub(element, _atom("summary"), summary, type="text")
    content = _text(entry.content_html)
    if content or not link:  # RFC 4287: an entry without an alternate link needs content
        _sub(element, _atom("content"), content, type="html")
    if entry.image is not None:
        _sub(element, f"{{{MEDIA_NS}}}thumbnail", url=_url(entry.image.url))
    return bool(authors)


def _fill_atom_person(element: etree._Element, author: Author) -> None:
    _sub(element, _atom("name"), author.name)
    if author.uri:
        _sub(element, _atom("uri"), author.uri)
    if author.email:
        _sub(element, _atom("email"), author.email)


# --- JSON Feed 1.1 --------------------------------------------------------------------


def render_json(channel: Channel, entries: Sequence[Entry]) -> Rendered:
    """JSON Feed 1.1; keys in a fixed order, UTF-8, two-space indent, trailing newline.

    An item has ``content_html``, or ``content_text`` (the summary) when there is no
    HTML; ``date_modified`` only when the entry has an ``updated`` time; no
    ``banner_image`` (the entry's one image is ``image``).
    """
    feed: dict[str, Any] = {"version": JSON_FEED_VERSION, "title": _text(channel.title)}
    if channel.link:
        feed["home_page_url"] = _url(channel.link)
    if channel.feed_urls.get("json"):
        feed["feed_url"] = _url(channel.feed_urls["json"])
    description = _text(channel.description).strip()
    if description:
        feed["description"] = description
    language = _language_tag(channel.language)
    if language:
        feed["language"] = language
    author = _text(channel.author or "").strip()
    if author:
        feed["authors"] = [{"name": author}]

    items: list[dict[str, Any]] = []
    dropped: list[Problem] = []
    for entry in entries:
        try:
            item = _json_item(entry)
            json.dumps(item, ensure_ascii=False).encode("utf-8")  # fail here, not for the whole feed
        except Exception as exc:  # one entry must not take the channel down
            dropped.append(_dropped(entry, "JSON", exc))
            continue
        items.append(item)
    feed["items"] = items
    data = json.dumps(feed, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    return Rendered(data.encode("utf-8"), tuple(dropped))


def _json_item(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {"id": _text(entry.id)}
    link = _url(entry.link)
    if link:
        item["url"] = link
    item["title"] = _text(entry.title)
    content = _text(entry.content_html)
    summary = _text(entry.summary)
    if content:
        item["content_html"] = content
    else:
        item["content_text"] = summary
    if summary:
        item["summary"] = summary
    if entry.image is not None:
        item["image"] = _url(entry.image.url)
    item["date_published"] = format_rfc3339(entry.published)
    if entry.updated is not None:
        item["date_modified"] = format_rfc3339(entry.updated)
    terms = category_terms(entry)
    if terms:
        item["tags"] = terms
    authors = [_json_author(author) for author in _usable_authors(entry)]
    if authors:
        item["authors"] = authors
    language = _language_tag(entry.language)
    if language:
        item["language"] = language
    return item


def _json_author(author: Author) -> dict[str, str]:
    """JSON Feed authors have a name and a url; an email becomes a ``mailto:`` url."""
    person = {"name": author.name}
    if author.uri:
        person["url"] = author.uri
    elif author.email:
        person["url"] = "mailto:" + author.email
    return person


RENDERERS: Mapping[str, Callable[[Channel, Sequence[Entry]], Rendered]] = MappingProxyType(
    {"rss": render_rss, "atom": render_atom, "json": render_json}
)
"""Format name -> renderer."""

FILE_NAMES: Mapping[str, str] = MappingProxyType({"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"})
"""Format name -> file name inside a channel's folder."""

_FEED_PREFERENCE = ("rss", "atom", "json")


# --- OPML and index.json --------------------------------------------------------------


def file_url(base_url: str, rel_path: str) -> str:
    """The absolute, percent-encoded URL of an output file (``base_url`` + relative path)."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return encode_url(base + rel_path.lstrip("/"))


def render_opml(title: str, channels: Sequence[ChannelInfo], base_url: str) -> bytes:
    """OPML 2.0 subscription list: one flat ``outline type="rss"`` per channel.

    ``xmlUrl`` is the channel's RSS file (else Atom, else JSON Feed); channels without
    files are left out.  ``category`` is the channel's category path joined with ``/``.
    No ``dateCreated`` (no clock) and no ``htmlUrl`` (a channel has no page of its own).
    """
    opml = etree.Element("opml", {"version": "2.0"})
    head = _sub(opml, "head")
    _sub(head, "title", _text(title))
    body = _sub(opml, "body")
    for info in channels:
        feed_path = next((info.files[fmt] for fmt in _FEED_PREFERENCE if info.files.get(fmt)), None)
        if feed_path is None:
            continue
        name = _text(info.title)
        outline = _sub(body, "outline", type="rss", text=name, title=name, xmlUrl=file_url(base_url, _text(feed_path)))
        description = _text(info.description).strip()
        if description:
            outline.set("description", description)
        if info.category:
            outline.set("category", "/".join(_text(part) for part in info.category))
    return _serialize(opml)


def render_index_json(channels: Sequence[ChannelInfo]) -> bytes:
    """``index.json``: one object per channel, in the given order, for tools and the next build."""
    index = [
        {
            "channel": _text(info.slug),
            "kind": _text(info.kind),
            "title": _text(info.title),
            "description": _text(info.description),
            "category": [_text(name) for name in info.category] if info.category else None,
            "entries": info.entries,
            "files": _ordered_files(info.files),
        }
        for info in channels
    ]
    return (json.dumps(index, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _ordered_files(files: Mapping[str, str]) -> dict[str, str]:
    """Known formats first (rss, atom, json), then any other in name order."""
    order = {fmt: position for position, fmt in enumerate(_FEED_PREFERENCE)}
    return {fmt: _text(files[fmt]) for fmt in sorted(files, key=lambda fmt: (order.get(fmt, len(order)), fmt))}
