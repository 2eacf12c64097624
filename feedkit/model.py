"""The data that flows between stages: plain frozen dataclasses, no I/O.

Every datetime held here is timezone-aware and in UTC.  Users make these objects too: an
:class:`Entry` needs ``id``, ``title``, ``link`` and ``published``; everything else has a
default.  Frozen: change one with :func:`dataclasses.replace`.

    >>> from datetime import datetime, UTC
    >>> Entry(id="urn:x:1", title="Hello", link="https://example.org/1",
    ...       published=datetime(2024, 5, 1, tzinfo=UTC)).summary
    ''
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

CategoryPath = tuple[str, ...]
"""One category, from the top level down: ``("金融", "新浪财经", "新浪财经－国內")``."""


@dataclass(frozen=True, slots=True)
class Author:
    """An entry's author: ``Author("Ann")``, ``Author("Ann", "ann@example.org")``."""

    name: str
    email: str | None = None
    uri: str | None = None
    """The author's home page (absolute http(s) URL)."""


@dataclass(frozen=True, slots=True)
class Image:
    """An entry's lead image: ``Image("https://example.org/a.jpg", "image/jpeg")``."""

    url: str
    """Absolute http(s) URL."""
    mime_type: str


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A file that belongs to an entry: a podcast episode's audio, a video, a document, an image.

    ``url`` is an absolute http(s) URL; ``mime_type`` a checked ``type/subtype`` (from the
    feed, else guessed from the URL); ``length`` in bytes and ``duration`` in seconds when
    the source gave them (None: unknown).
    """

    url: str
    mime_type: str
    length: int | None = None
    duration: int | None = None


@dataclass(frozen=True, slots=True)
class Episode:
    """What podcast apps need besides the enclosure (the iTunes podcast fields of an item)."""

    duration: int | None = None
    """Seconds (``itunes:duration``)."""
    explicit: bool | None = None
    episode: int | None = None
    season: int | None = None
    episode_type: str | None = None
    """``full``, ``trailer`` or ``bonus``."""
    image: str | None = None
    """The episode's own artwork (``itunes:image``), absolute http(s) URL."""


@dataclass(frozen=True, slots=True)
class Via:
    """Another copy of the same story, collapsed into an entry by de-duplication."""

    source: str
    """Name of the source that carried the copy."""
    link: str
    """The copy's own link."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One normalized item, whatever source it came from.

    ``Entry(id=..., title=..., link=..., published=...)`` with any of the other fields as
    keywords.  ``published`` and ``updated`` must be timezone-aware (the renderers leave out,
    and report, an entry with a naive date).
    """

    id: str
    """Stable identifier (an IRI); never derived from the link, title or date."""
    title: str
    link: str
    published: datetime
    updated: datetime | None = None
    summary: str = ""
    """Plain-text excerpt (no markup)."""
    content_html: str = ""
    """Sanitized HTML body with absolute URLs."""
    categories: tuple[CategoryPath, ...] = ()
    tags: tuple[str, ...] = ()
    authors: tuple[Author, ...] = ()
    image: Image | None = None
    language: str | None = None
    source: str = ""
    """Name of the source this entry came from."""
    origin: str = ""
    """The file path or URL the entry was read from (for reports)."""
    via: tuple[Via, ...] = ()
    """Other copies of this story from other sources (see :mod:`feedkit.channels.dedupe`)."""
    enclosures: tuple[Enclosure, ...] = ()
    """Every enclosure / attachment / media file the source gave, in its order, each URL once."""
    episode: Episode | None = None
    """Podcast fields, when the source is a podcast feed."""


class Severity(StrEnum):
    """How bad a :class:`Problem` is."""

    ERROR = "error"
    """The input was skipped."""
    WARNING = "warning"
    """The input was used, but something was assumed or dropped."""
    INFO = "info"
    """Nothing was lost; a decision worth knowing (two sources' copies of one story shown once)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One line of a build report: which input, what is wrong."""

    origin: str
    """File path, URL or config key."""
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.origin}: {self.message}"


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """One published channel and the files it was written to."""

    slug: str
    kind: str
    """``"all"``, ``"category"`` or ``"tag"``."""
    title: str
    description: str
    category: CategoryPath | None
    entries: int
    files: dict[str, str] = field(default_factory=dict)
    """Format name -> path relative to the output folder (posix separators)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    """What a renderer needs to know about one channel besides its entries.

    Only ``title`` and ``link`` are required: ``Channel(title="News", link="https://example.org/")``.
    """

    title: str
    link: str
    """The human page this channel belongs to (absolute URL)."""
    slug: str = "all"
    kind: str = "all"
    """``"all"``, ``"category"``, ``"tag"``, ``"author"`` or ``"source"``."""
    description: str = ""
    category: CategoryPath | None = None
    feed_urls: dict[str, str] = field(default_factory=dict)
    """Format name -> absolute URL of the file in that format (self and alternate links)."""
    language: str | None = None
    author: str | None = None
    icon: str | None = None
    """Small square image (favicon-like), absolute URL."""
    logo: str | None = None
    """Larger image/banner, absolute URL."""
    copyright: str | None = None
    full_content: bool = True
    """False: entries carry their summary only, no HTML content."""
    hubs: tuple[str, ...] = ()
    """WebSub hubs that readers may subscribe at for push updates."""
    archive_links: dict[str, str] = field(default_factory=dict)
    """RFC 5005 links by relation: ``current``, ``prev-archive``, ``next-archive``."""
    is_archive: bool = False
    """This document is an archive page (RFC 5005 ``fh:archive``): it will not change."""
