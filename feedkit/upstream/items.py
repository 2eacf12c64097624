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
_ADDRESS = r"(?:mailto:)?(?P<email>[^\s()<>@,;:\"\[\]]+@[^\s()<>@,;:\"\[\]]+)"
_PERSON_FORMS = (
    re.compile(rf"^{_ADDRESS}\s*\((?P<name>[^()]*)\)$"),  # a@b.example (Name)
    re.compile(rf"^(?P<name>[^<>]*?)\s*<{_ADDRESS}>$"),  # Name <a@b.example>
    re.compile(rf"^(?P<name>[^()]*?)\s*\({_ADDRESS}\)$"),  # Name (mailto:a@b.example) / Name (a@b.example)
    re.compile(rf"^{_ADDRESS}$"),  # a@b.example
)
_TAG = re.compile(r"<[^<>]{0,200}>")


@dataclass(frozen=True, slots=True)
class RawEnclosure:
    """One enclosure as the feed wrote it (nothing checked yet)."""

    url: str
    mime_type: str = ""
    length: object = None
    duration: object = None
    medium: str = ""
    media_rss: bool = False
    """From ``media:content`` (not an RSS/Atom enclosure or a JSON Feed attachment)."""


@dataclass(frozen=True, slots=True)
class RawEpisode:
    """The iTunes podcast fields of an item, as written."""

    duration: object = None
    explicit: object = None
    episode: object = None
    season: object = None
    episode_type: object = None
    image: str = ""


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
    enclosures: tuple[RawEnclosure, ...] = ()
    """Enclosures / attachments / media files, as written, in document order."""
    episode: RawEpisode | None = None
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
        enclosures=_enclosures(raw),
        episode=_episode(raw),
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
        enclosures=tuple(
            RawEnclosure(a.url, a.mime_type or "", a.size_in_bytes, a.duration_in_seconds) for a in item.attachments
        ),
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


def _enclosures(raw: Any) -> tuple[RawEnclosure, ...]:
    """RSS ``<enclosure>`` and Atom ``link rel="enclosure"`` (feedparser gives both as links),
    then Media RSS ``media:content`` (``media:group`` members included), in document order."""
    found = [
        RawEnclosure(string(link.get("href")), string(link.get("type")), link.get("length"))
        for link in raw.get("links") or () if isinstance(link, Mapping) and link.get("rel") == "enclosure"
    ]
    for media in raw.get("media_content") or ():
        if isinstance(media, Mapping):
            found.append(RawEnclosure(string(media.get("url")), string(media.get("type")), media.get("filesize"),
                                      media.get("duration"), string(media.get("medium")), media_rss=True))
    return tuple(enclosure for enclosure in found if enclosure.url.strip())


def _episode(raw: Any) -> RawEpisode | None:
    """The ``itunes:*`` fields of an item, or None when it has none."""
    image = raw.get("image")
    episode = RawEpisode(
        duration=raw.get("itunes_duration"),
        explicit=raw.get("itunes_explicit"),
        episode=raw.get("itunes_episode"),
        season=raw.get("itunes_season"),
        episode_type=raw.get("itunes_episodetype"),
        image=string(image.get("href")) if isinstance(image, Mapping) else "",
    )
    return None if episode == RawEpisode() else episode


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


def split_person(text: str) -> tuple[str, str]:
    """One author string -> (name, e-mail), either possibly ``""``.

    ``a@b.example (Name)``, ``Name <a@b.example>``, ``Name (mailto:a@b.example)``,
    ``Name (a@b.example)``, a bare address (with or without ``mailto:``) or a bare name; any
    top-level domain; tags (``<p>Name</p>``) and runs of white space in a name are dropped.
    The text is cut to twice :data:`~feedkit.limits.MAX_NAME_LENGTH` first, so no pattern
    ever runs over more than a few hundred characters.
    """
    text = " ".join(text[: 2 * MAX_NAME_LENGTH].split())
    for form in _PERSON_FORMS:
        match = form.match(text)
        if match:
            groups = match.groupdict()
            return " ".join(_TAG.sub(" ", groups.get("name") or "").split()), groups["email"]
    return " ".join(_TAG.sub(" ", text).split()), ""


def _author(name: str, email: str, uri: str) -> Author | None:
    """The name is split when it holds an address (see :func:`split_person`); an author without a
    name is named by the e-mail; both are cut to :data:`~feedkit.limits.MAX_NAME_LENGTH`."""
    name, found = split_person(name)
    email = (email or found)[:MAX_NAME_LENGTH]
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
