"""What every renderer shares: cleaned text and URLs, dates, terms, authors, XML output.

The rules these helpers carry out are listed once, in :mod:`feedkit.render`; the format
modules (:mod:`feedkit.rss`, :mod:`feedkit.atom`, :mod:`feedkit.render_json`,
:mod:`feedkit.opml`) build on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from feedkit.links import encode_url
from feedkit.model import Author, Channel, Enclosure, Entry, Problem, Severity
from feedkit.text import strip_illegal_xml_chars

GENERATOR = "feedkit"
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
"""``atom:updated`` of a channel without entries (RFC 4287 requires some date)."""

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
FH_NS = "http://purl.org/syndication/history/1.0"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
"""RFC 5005 (Feed Paging and Archiving), prefix ``fh``."""

ARCHIVE_RELATIONS = ("current", "prev-archive", "next-archive")
"""The RFC 5005 link relations :attr:`Channel.archive_links` may hold, in the order written."""
FEED_PREFERENCE = ("rss", "atom", "json")
"""Feed formats in the order subscription lists prefer them."""

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


# --- text, URLs, dates ----------------------------------------------------------------


def clean_text(value: str) -> str:
    """``value`` without the characters XML 1.0 forbids."""
    return strip_illegal_xml_chars(value)


def clean_url(value: str) -> str:
    """A URL fit for a feed: legal characters only, ``http(s)`` URLs percent-encoded."""
    cleaned = clean_text(value).strip()
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


def language_tag(value: str | None) -> str | None:
    """``value`` as a language tag with ``-`` (``zh_CN`` -> ``zh-CN``), or None if it is not one."""
    if value is None:
        return None
    tag = clean_text(value).strip().replace("_", "-")
    return tag if _LANGUAGE_TAG.match(tag) else None


# --- channels -------------------------------------------------------------------------


def optional_text(value: str | None) -> str | None:
    """A cleaned, stripped text, or None when nothing is left."""
    cleaned = clean_text(value or "").strip()
    return cleaned or None


def optional_url(value: str | None) -> str | None:
    """A cleaned URL (:func:`clean_url`), or None when nothing is left."""
    cleaned = clean_url(value or "")
    return cleaned or None


def channel_image_url(channel: Channel) -> str | None:
    """The channel's one picture for formats with a single slot: the logo, else the icon."""
    return optional_url(channel.logo) or optional_url(channel.icon)


def hub_urls(channel: Channel) -> list[str]:
    """The channel's WebSub hubs, cleaned, each once, in the given order."""
    return [url for url in dict.fromkeys(clean_url(hub) for hub in channel.hubs) if url]


def archive_links(channel: Channel) -> list[tuple[str, str]]:
    """``(relation, url)`` of the channel's RFC 5005 links, in :data:`ARCHIVE_RELATIONS` order.

    Raises ValueError for a relation RFC 5005 does not define (a caller's mistake: another
    relation, such as ``alternate``, would mislead readers).
    """
    unknown = sorted(set(channel.archive_links) - set(ARCHIVE_RELATIONS))
    if unknown:
        raise ValueError(
            f"channel {channel.slug!r}: archive_links has relation(s) {', '.join(map(repr, unknown))}; "
            f"expected {', '.join(ARCHIVE_RELATIONS)}"
        )
    links = ((rel, clean_url(channel.archive_links.get(rel, ""))) for rel in ARCHIVE_RELATIONS)
    return [(rel, url) for rel, url in links if url]


# --- entries --------------------------------------------------------------------------


def entry_updated(entry: Entry) -> datetime:
    """The entry's ``updated`` time, else its ``published`` time."""
    return entry.updated if entry.updated is not None else entry.published


def newest(moments: Iterable[datetime]) -> datetime | None:
    """The latest of ``moments`` in UTC (whole seconds), or None when there are none."""
    return max((_utc(moment) for moment in moments), default=None)


def entry_content(entry: Entry, channel: Channel) -> str:
    """The entry's cleaned HTML content, or ``""`` when the channel carries summaries only."""
    return clean_text(entry.content_html) if channel.full_content else ""


def category_terms(entry: Entry) -> list[str]:
    """The entry's category paths (names joined with ``/``) then tags, each once, in order."""
    terms = ["/".join(clean_text(name).strip() for name in path) for path in entry.categories]
    terms += [clean_text(tag).strip() for tag in entry.tags]
    return [term for term in dict.fromkeys(terms) if term.strip("/")]


def usable_authors(entry: Entry) -> list[Author]:
    """The entry's authors with a usable name (control characters removed)."""
    authors = []
    for author in entry.authors:
        name = clean_text(author.name).strip()
        if name:
            email = clean_text(author.email).strip() if author.email else None
            uri = clean_url(author.uri) if author.uri else None
            authors.append(Author(name, email or None, uri or None))
    return authors


def entry_enclosures(entry: Entry) -> list[Enclosure]:
    """The entry's enclosures with cleaned URLs and types, each URL once, in the source's order."""
    found: dict[str, Enclosure] = {}
    for enclosure in entry.enclosures:
        url = clean_url(enclosure.url)
        mime_type = clean_text(enclosure.mime_type).strip() or "application/octet-stream"
        if url and url not in found:
            found[url] = Enclosure(url, mime_type, enclosure.length, enclosure.duration)
    return list(found.values())


def primary_enclosure(enclosures: Sequence[Enclosure]) -> Enclosure | None:
    """The enclosure RSS's one ``<enclosure>`` carries: the first audio or video file (what a
    podcast app plays), else the first that is not an image, else the first."""
    for wanted in (lambda e: e.mime_type.startswith(("audio/", "video/")),
                   lambda e: not e.mime_type.startswith("image/"),
                   lambda e: True):
        chosen = next((enclosure for enclosure in enclosures if wanted(enclosure)), None)
        if chosen is not None:
            return chosen
    return None


def media_medium(mime_type: str) -> str | None:
    """The Media RSS ``medium`` of a MIME type (``image``, ``audio``, ``video``, ``document``), or None."""
    top = mime_type.split("/", 1)[0]
    if top in ("image", "audio", "video"):
        return top
    return "document" if mime_type in ("application/pdf", "application/epub+zip") else None


def format_duration(seconds: int) -> str:
    """``3725`` -> ``1:02:05`` (the iTunes ``duration`` form)."""
    hours, rest = divmod(seconds, 3600)
    minutes, second = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{second:02d}"


def via_links(entry: Entry) -> list[tuple[str, str]]:
    """``(source name, url)`` of the entry's other copies with a usable link, each once, in order."""
    pairs = ((clean_text(via.source).strip(), clean_url(via.link)) for via in entry.via)
    return [(source, url) for source, url in dict.fromkeys(pairs) if url]


def dropped_problem(entry: Entry, fmt: str, exc: Exception) -> Problem:
    """The report line for an entry left out of the ``fmt`` feed because of ``exc``."""
    return Problem(
        entry.origin or entry.id,
        f"entry {entry.id!r} left out of the {fmt} feed: cannot render it ({type(exc).__name__}: {exc})",
        Severity.ERROR,
    )


# --- XML ------------------------------------------------------------------------------


def sub_element(parent: etree._Element, tag: str, content: str | None = None, **attributes: str) -> etree._Element:
    """A child element with text ``content`` (if given) and ``attributes`` in the given order."""
    element = etree.SubElement(parent, tag, attributes)
    if content is not None:
        element.text = content
    return element


def serialize_xml(root: etree._Element, stylesheet: str | None = None) -> bytes:
    """UTF-8 bytes: our XML declaration, the stylesheet instruction (if any), the pretty-printed tree."""
    body = etree.tostring(root, encoding="utf-8", xml_declaration=False, pretty_print=True)
    return _XML_DECLARATION + _stylesheet_instruction(stylesheet) + body


def _stylesheet_instruction(href: str | None) -> bytes:
    """``<?xml-stylesheet type="text/xsl" href="..."?>`` for an XSL stylesheet, or nothing.

    The href is written as given, except that characters a URI cannot hold (spaces,
    quotes, ``<``, ``>``, non-ASCII) are percent-encoded and ``&`` is written ``&amp;``,
    so the pseudo-attribute cannot be broken out of.
    """
    if href is None:
        return b""
    cleaned = encode_url(clean_text(href).strip())
    if not cleaned:
        raise ValueError(f"empty stylesheet href {href!r}")
    attribute = cleaned.replace("&", "&amp;").replace('"', "%22")
    return f'<?xml-stylesheet type="text/xsl" href="{attribute}"?>\n'.encode()
