"""Items as feedparser and :mod:`feedkit.jsonfeed` give them -> one neutral :class:`RawItem`.

Nothing is normalized here (no dates parsed from strings, no URLs resolved beyond the
``xml:base`` feedparser applies, no HTML touched): :mod:`feedkit.upstream` does that, the
same way for every format.  What is picked:

* links: ``rel="alternate"`` links (HTML ones first), then feedparser's ``link`` unless it
  is only a copy of the id (an RSS ``guid`` that is an http(s) URL is kept);
* content: the first HTML ``content`` (``content:encoded``, Atom ``content``), else the
  first one; summary: ``description`` / ``summary``;
* dates: ``published`` (else Atom 0.3 ``created``) and ``updated``, as written and as
  feedparser parsed them;
* terms: each tag's ``label``, else its ``term``; iTunes keywords and categories are left
  out (they are podcast-directory keywords, not the publisher's categories);
* authors: ``author`` / ``dc:creator`` / ``atom:author`` (``a@b.c (Name)`` and
  ``Name <a@b.c>`` split); Atom entries without one inherit the feed's;
* images: ``media:thumbnail``, ``media:content`` that is an image, ``image/*``
  enclosures, ``itunes:image``; JSON Feed ``image``, ``banner_image``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedkit.limits import MAX_NAME_LENGTH
from feedkit.links import is_http_url
from feedkit.model import Author
from feedkit.upstream.jsonfeed import JsonItem

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "html", "xhtml"})
_ITUNES_SCHEME = "http://www.itunes.com/"
_EMAIL_NAME = re.compile(r"^\s*(?P<email>[^\s()<>]+@[^\s()<>]+)\s*\((?P<name>[^()]*)\)\s*$")
_NAME_EMAIL = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^\s<>]+@[^\s<>]+)>\s*$")


@dataclass(frozen=True, slots=True)
class RawItem:
    """One item as the feed gives it, whatever the format (not normalized yet)."""

    raw_id: str | None = None
    links: tuple[str, ...] = ()
    """Candidate links, best first (already joined to ``xml:base``; may be relative)."""
    title: str = ""
    title_is_html: bool = False
    content: str = ""
    content_is_html: bool = True
    summary: str = ""
    summary_is_html: bool = True
    xml_base: str = ""
    """The ``xml:base`` in force for the content (may be relative), or ``""``."""
    published: str | None = None
    published_parsed: datetime | None = None
    updated: str | None = None
    updated_parsed: datetime | None = None
    terms: tuple[str, ...] = ()
    authors: tuple[Author, ...] = ()
    images: tuple[tuple[str, str | None], ...] = ()
    """(URL, MIME type if the feed gives one) candidates, best first."""
    enclosures: tuple[str, ...] = ()
    """URLs of enclosures / attachments (podcast episodes), as written."""
    language: str | None = None


def from_feedparser(raw: Any, rss: bool, inherited: tuple[Author, ...], feed_language: str | None) -> RawItem:
    """One feedparser entry -> :class:`RawItem`; ``inherited`` authors apply when it names none."""
    links = alternate_links(raw)
    raw = dict(raw)  # a plain dict: FeedParserDict answers "updated" with "published" (and warns)
    guid = string(raw.get("id")).strip()
    link = string(raw.get("link"))
    if link and link not in links and (link != guid or (rss and is_http_url(link))):
        links.append(link)
    title_detail = raw.get("title_detail") or {}
    contents = sorted(raw.get("content") or [], key=lambda c: not is_html(c))
    content = contents[0] if contents else {}
    summary_detail = raw.get("summary_detail") or {}
    details = (content, summary_detail, title_detail)
    return RawItem(
        raw_id=guid or None,
        links=tuple(links),
        title=string(raw.get("title")),
        title_is_html=is_html(title_detail),
        content=string(content.get("value")),
        content_is_html=is_html(content),
        summary=string(raw.get("summary")),
        summary_is_html=is_html(summary_detail) or not summary_detail,
        xml_base=next((string(d.get("base")) for d in details if d.get("base")), ""),
        published=string(raw.get("published") or raw.get("created")) or None,
        published_parsed=_from_struct(raw.get("published_parsed") or raw.get("created_parsed")),
        updated=string(raw.get("updated")) or None,
        updated_parsed=_from_struct(raw.get("updated_parsed")),
        terms=tuple(_term(tag) for tag in raw.get("tags") or () if _term(tag)),
        authors=authors_of(raw) or inherited,
        images=_media_images(raw),
        enclosures=tuple(string(x.get("href")) for x in raw.get("links") or () if x.get("rel") == "enclosure"),
        language=next((string(d.get("language")) for d in details if d.get("language")), None) or feed_language,
    )


def from_json_feed(item: JsonItem) -> RawItem:
    """One JSON Feed item -> :class:`RawItem` (``tags`` become terms; ``summary`` is plain text)."""
    content, content_is_html = (item.content_html, True) if item.content_html else (item.content_text or "", False)
    return RawItem(
        raw_id=(item.id or "").strip() or None,
        links=tuple(link for link in (item.url, item.external_url) if link),
        title=item.title or "",
        content=content,
        content_is_html=content_is_html,
        summary=item.summary or "",
        summary_is_html=False,
        published=item.date_published,
        updated=item.date_modified,
        terms=item.tags,
        authors=item.authors,
        images=tuple((url, None) for url in (item.image, item.banner_image) if url),
        enclosures=item.attachments,
        language=item.language,
    )


def alternate_links(element: Any) -> list[str]:
    """``rel="alternate"`` hrefs, HTML ones first."""
    links = [link for link in element.get("links") or () if link.get("rel", "alternate") == "alternate"]
    links.sort(key=lambda link: link.get("type") not in (None, "", "text/html", "application/xhtml+xml"))
    return [string(link.get("href")) for link in links if link.get("href")]


def _media_images(raw: Any) -> tuple[tuple[str, str | None], ...]:
    found: list[tuple[str, str | None]] = []
    found += [(string(m.get("url")), None) for m in raw.get("media_thumbnail") or ()]
    for media in raw.get("media_content") or ():
        media_type = string(media.get("type"))
        if media.get("medium") == "image" or media_type.startswith("image/"):
            found.append((string(media.get("url")), media_type or None))
    for link in raw.get("links") or ():
        if link.get("rel") == "enclosure" and string(link.get("type")).startswith("image/"):
            found.append((string(link.get("href")), string(link.get("type"))))
    itunes = raw.get("image")
    if isinstance(itunes, Mapping) and itunes.get("href"):
        found.append((string(itunes.get("href")), None))
    return tuple((url, mime) for url, mime in found if url)


def authors_of(element: Any) -> tuple[Author, ...]:
    """The authors of a feedparser entry or feed, each name once."""
    people = list(element.get("authors") or ())
    if not people and element.get("author"):
        people = [{"name": element.get("author")}]
    authors: dict[str, Author] = {}
    for person in people:
        if not isinstance(person, Mapping):
            continue
        author = _author(string(person.get("name")), string(person.get("email")), string(person.get("href")))
        if author is not None:
            authors.setdefault(author.name, author)
    return tuple(authors.values())


def _author(name: str, email: str, uri: str) -> Author | None:
    """``a@b.c (Name)`` and ``Name <a@b.c>`` are split; an author without a name is named by the email.

    The name is cut to :data:`~feedkit.limits.MAX_NAME_LENGTH` (before the patterns run: they
    backtrack quadratically on a long run of ``@``)."""
    name = " ".join(name[: 2 * MAX_NAME_LENGTH].split())
    email = email[:MAX_NAME_LENGTH]
    match = _EMAIL_NAME.match(name) or _NAME_EMAIL.match(name)
    if match:
        name, email = match.group("name").strip(), email or match.group("email")
    name = (name or email)[:MAX_NAME_LENGTH].strip()
    return Author(name, email or None, uri if is_http_url(uri) else None) if name else None


def _term(tag: Any) -> str:
    if not isinstance(tag, Mapping) or string(tag.get("scheme")).startswith(_ITUNES_SCHEME):
        return ""
    return string(tag.get("label")) or string(tag.get("term"))


def is_html(detail: Any) -> bool:
    """Is a feedparser ``*_detail`` of an HTML type?"""
    return isinstance(detail, Mapping) and string(detail.get("type")) in _HTML_TYPES


def detail_language(element: Any) -> str:
    """The ``xml:lang`` in force for an element's title, or ``""``."""
    detail = element.get("title_detail") or {}
    return string(detail.get("language"))


def string(value: object) -> str:
    """``value`` if it is a string, else ``""`` (feedparser values are loosely typed)."""
    return value if isinstance(value, str) else ""


def _from_struct(value: object) -> datetime | None:
    """feedparser's UTC ``struct_time`` -> aware datetime (a leap second becomes :59)."""
    if not isinstance(value, tuple) or len(value) < 6:
        return None
    try:
        year, month, day, hour, minute, second = (int(field) for field in value[:6])
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None
