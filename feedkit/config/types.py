"""Configuration objects: frozen dataclasses, one per table of ``feedkit.toml``.

:mod:`feedkit.configfile` reads the file into them (errors name the key); the CLI builds
the same objects when no config file is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedkit.errors import ConfigError

FORMATS = ("rss", "atom", "json")
FILE_NAMES: Mapping[str, str] = MappingProxyType({"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"})
"""Format name -> file name inside a channel's folder."""
BODY_FORMATS = ("auto", "html", "markdown")
DEFAULT_IMAGE_KEYS = ("headimg", "thumbnail", "image", "cover", "banner")
DEFAULT_INCLUDE = ("**/*",)
DEFAULT_EXCLUDE = ("**/_index.*",)
CONTENT_MODES = ("full", "excerpt")
DEFAULT_PERMALINK = ":year/:month/:day/:title/"
DEFAULT_BASE_URL = "http://localhost/"
DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True, slots=True)
class ArticleSourceConfig:
    """A folder tree (or single files) of front-matter articles."""

    paths: tuple[Path, ...]
    name: str = "articles"
    """Names the source in reports and in entry ids: keep it stable."""
    include_files: tuple[str, ...] = DEFAULT_INCLUDE
    """Glob patterns (relative to each path) of files to consider.  ``.md``, ``.markdown``,
    ``.html`` and ``.htm`` files are always articles; other matched files are read only
    when they begin with a front-matter fence."""
    exclude_files: tuple[str, ...] = DEFAULT_EXCLUDE
    """Glob patterns of files to leave out; Hugo/Zola section pages (``_index.md``) by default."""
    timezone: str = DEFAULT_TIMEZONE
    """IANA zone given to naive dates (``Asia/Shanghai`` for a Chinese news source)."""
    body: str = "auto"
    """``auto`` (detect), ``html`` or ``markdown``."""
    image_keys: tuple[str, ...] = DEFAULT_IMAGE_KEYS
    image_from_body: bool = True
    """Use the first ``<img>`` of the cleaned body when no image key is set."""
    drop_selectors: tuple[str, ...] = ()
    """CSS selectors of boilerplate to remove from bodies."""
    drop_boilerplate: bool = True
    """Also remove small elements whose class or id names a QR code, share bar, ad or editor line."""
    base_url: str | None = None
    """Base for relative links in bodies and for permalinks; defaults to the site's."""
    permalink: str = DEFAULT_PERMALINK
    excerpt_length: int = 140
    default_author: str | None = None
    language: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        """:attr:`timezone` as the zone that date parsing and permalinks receive."""
        return resolve_timezone("timezone", self.timezone)


FILTER_FIELDS = ("title", "content", "author", "category")


@dataclass(frozen=True, slots=True)
class UpstreamSourceConfig:
    """An upstream RSS/Atom/JSON feed, fetched over http(s) or read from a local file."""

    url: str
    """An ``http(s)://`` URL, or a local file path (absolute, or relative to the config file)."""
    name: str
    """Names the source in reports, the store and entry ids: keep it stable."""
    categories: tuple[tuple[str, ...], ...] = ()
    """Category paths given to every entry of this feed."""
    use_entry_categories: bool = True
    """Also use the categories/tags the feed itself gives each entry."""
    timezone: str = DEFAULT_TIMEZONE
    """Timezone for naive dates in the feed."""
    interval: int = 1800
    """Seconds between polls (the daemon; a build polls when the interval has passed)."""
    keep_entries: tuple[tuple[str, str], ...] = ()
    """(field, regular expression) pairs: keep only entries matching at least one."""
    drop_entries: tuple[tuple[str, str], ...] = ()
    """(field, regular expression) pairs: drop entries matching any."""
    priority: int = 0
    """Higher wins when the same story arrives from several sources (local articles: 100)."""
    drop_selectors: tuple[str, ...] = ()
    drop_boilerplate: bool = True
    excerpt_length: int = 140
    keep_days: int = 365
    """Entries that left the feed stay published this many days after they were last seen."""
    keep_count: int = 200
    """At most this many stored entries of this source are published."""
    is_local: bool = False
    """True when ``url`` is a file path."""

    @property
    def zone(self) -> ZoneInfo:
        """:attr:`timezone` as the zone that date parsing and permalinks receive."""
        return resolve_timezone("timezone", self.timezone)


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """How upstreams are fetched: every limit is a named setting."""

    timeout: float = 30.0
    """Total seconds one request may take, body included (a slow drip is cut off)."""
    connect_timeout: float = 10.0
    max_bytes: int = 15 * 1024 * 1024
    """Largest body accepted, counted after decompression (a gzip bomb is refused)."""
    max_redirects: int = 10
    max_parallel: int = 8
    per_host: int = 2
    allow_hosts: tuple[str, ...] = ()
    """``host`` or ``host:port`` allowed although it resolves to a private/loopback address."""
    user_agent: str | None = None
    """Defaults to ``feedkit/<version> (feed aggregator)``."""
    max_backoff: int = 6 * 3600
    """Longest wait between retries of a failing upstream (seconds)."""


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """Settings of one channel; every ``None`` falls back to ``[site]`` / ``[channels]``.

    ``[category."NAME"]`` tables match a category by its own name or its ``a/b/c`` path;
    ``[tag."NAME"]``, ``[author."NAME"]`` and ``[source."NAME"]`` match by name; ``[all]``
    is the channel of all entries.
    """

    slug: str | None = None
    title: str | None = None
    description: str | None = None
    link: str | None = None
    """The human page of this channel (default: the site's ``link``)."""
    language: str | None = None
    icon: str | None = None
    logo: str | None = None
    author: str | None = None
    copyright: str | None = None
    entry_limit: int | None = None
    content: str | None = None
    """``full`` (HTML content and summary) or ``excerpt`` (summary only)."""
    formats: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str = "feedkit"
    description: str = ""
    base_url: str = DEFAULT_BASE_URL
    """Public URL of the output folder."""
    base_url_set: bool = False
    link: str | None = None
    """The site's human home page (default: ``base_url``)."""
    language: str | None = None
    author: str | None = None
    icon: str | None = None
    logo: str | None = None
    copyright: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    """The timezone every source inherits unless it sets its own (:func:`inherited_timezone`)."""


@dataclass(frozen=True, slots=True)
class ChannelsConfig:
    all: bool = True
    categories: bool = True
    tags: bool = False
    authors: bool = False
    sources: bool = False
    entry_limit: int = 50
    formats: tuple[str, ...] = FORMATS
    content: str = "full"
    all_title: str | None = None
    include_categories: tuple[str, ...] = ()
    """Only these categories (names or ``a/b`` paths, with their sub-categories) get channels."""
    exclude_categories: tuple[str, ...] = ()
    """These categories (and their sub-categories) get no channel."""
    stylesheet: bool = True
    """Reference an XSL stylesheet from RSS/Atom files so browsers show a readable page."""
    archive: bool = False
    """Keep entries beyond the subscription document in RFC 5005 archive pages."""
    archive_page_size: int = 50
    """Entries per archive page (only full pages are written, so a page never changes)."""


@dataclass(frozen=True, slots=True)
class WebSubConfig:
    """WebSub (W3C) push: hubs advertised by every channel and notified after a build that changed it."""

    hubs: tuple[str, ...] = ()
    """http(s) URLs of the hubs; none: WebSub is off."""
    timeout: float = 10.0
    """Total seconds one notification (one POST) may take."""
    retries: int = 3
    """Further attempts after a failed notification (0 to MAX_WEBSUB_RETRIES)."""
    backoff: float = 1.0
    """Seconds before the first retry; each further retry waits twice as long (at most MAX_WEBSUB_BACKOFF)."""


MAX_WEBSUB_RETRIES = 10
MAX_WEBSUB_BACKOFF = 60.0
"""Longest wait between two attempts to notify a hub (seconds)."""


TRANSFORM_TYPES = ("replace", "drop_elements", "proxy_images", "categories", "keep", "drop", "chinese", "code")
"""The ``type`` of a ``[[transforms]]`` table (docs/transforms.md)."""
TRANSFORM_TEXT_FIELDS = ("title", "summary", "content")
CHINESE_FIELDS = (*TRANSFORM_TEXT_FIELDS, "categories", "tags")
CHINESE_CONVERSIONS = ("s2t", "t2s", "s2tw", "tw2s", "s2twp", "tw2sp", "s2hk", "hk2s", "t2tw", "tw2t", "t2hk", "hk2t")
"""OpenCC's conversion configs (``s2t``: Simplified to Traditional; ``s2twp``: to Taiwan usage, phrases too)."""
CATEGORY_MODES = ("add", "set")


@dataclass(frozen=True, slots=True)
class TransformConfig:
    """One ``[[transforms]]`` table: a rewrite applied to entries after parsing, before de-duplication.

    Which keys apply depends on ``type`` (docs/transforms.md); the others keep their defaults.
    """

    type: str
    sources: tuple[str, ...] = ()
    """Only entries of these sources (article sources or feeds, by name); none: every entry."""
    fields: tuple[str, ...] = ()
    """``replace`` and ``chinese``: which fields (none: ``title``, ``summary`` and ``content``)."""
    pattern: str = ""
    """``replace``: a regular expression (Python syntax)."""
    replacement: str = ""
    """``replace``: the text put in its place (``\\1`` for a group)."""
    selectors: tuple[str, ...] = ()
    """``drop_elements``: CSS selectors of elements to remove from the (sanitized) content."""
    template: str = ""
    """``proxy_images``: the new image URL, with ``{url}`` (the old URL, percent-encoded) or ``{url_raw}``."""
    hosts: tuple[str, ...] = ()
    """``proxy_images``: only images on these hosts (and their subdomains); none: every image."""
    keywords: tuple[str, ...] = ()
    """Rule: the title, summary or content text holds one of these (case-insensitive)."""
    in_categories: tuple[str, ...] = ()
    """Rule: the entry is in one of these categories (a name at any level, or an ``a/b`` path and below)."""
    older_than: int | None = None
    """Rule: published more than this many seconds before the build (``"30d"`` in TOML)."""
    categories: tuple[tuple[str, ...], ...] = ()
    """``categories``: the category paths to give matching entries."""
    mode: str = "add"
    """``categories``: ``add`` them to the entry's own, or ``set`` them instead."""
    convert: str = "s2t"
    """``chinese``: an OpenCC conversion (:data:`CHINESE_CONVERSIONS`)."""
    function: str = ""
    """``code``: ``"module:function"``, imported only with ``allow_code`` (``--allow-code``)."""


@dataclass(frozen=True, slots=True)
class Config:
    out: Path
    site: SiteConfig = SiteConfig()
    articles: tuple[ArticleSourceConfig, ...] = ()
    feeds: tuple[UpstreamSourceConfig, ...] = ()
    fetch: FetchConfig = FetchConfig()
    store: Path | None = None
    """SQLite store; default: ``<out>.feedkit.sqlite`` beside (never inside) the output folder."""
    workers: int = 0
    """Processes that read articles: 0 = one per core; 1 = no extra processes."""
    channels: ChannelsConfig = ChannelsConfig()
    all_channel: ChannelConfig = ChannelConfig()
    category: Mapping[str, ChannelConfig] = field(default_factory=dict)
    """Per-category settings keyed by own name or by ``a/b/c`` path."""
    tag: Mapping[str, ChannelConfig] = field(default_factory=dict)
    author: Mapping[str, ChannelConfig] = field(default_factory=dict)
    source: Mapping[str, ChannelConfig] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Category or tag name -> the name it is merged into."""
    websub: WebSubConfig = WebSubConfig()
    transforms: tuple[TransformConfig, ...] = ()
    """Applied in order to every entry (or the entries of their ``sources``) before de-duplication."""
    allow_code: bool = False
    """Allow ``code`` transforms (``"module:function"``): importing code a config file names is a trust decision."""

    @property
    def store_path(self) -> Path:
        if self.store is not None:
            return self.store
        out = self.out.resolve()
        return out.parent / f"{out.name}.feedkit.sqlite"


def resolve_timezone(key: str, value: object) -> ZoneInfo:
    """The one place a timezone name becomes a zone; a :class:`ConfigError` naming ``key`` otherwise."""
    if not isinstance(value, str):
        raise ConfigError(key, f"expected a timezone name such as 'Asia/Shanghai', got {value!r}")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(key, f"unknown timezone {value!r} (use an IANA name such as 'Asia/Shanghai')") from None


def check_timezone(key: str, value: object) -> str:
    """``value`` when it names a timezone (see :func:`resolve_timezone`)."""
    resolve_timezone(key, value)
    return str(value)


def inherited_timezone(key: str, own: object, site: SiteConfig) -> str:
    """A source's timezone: its own when it sets one, else the site's (``[site] timezone``).

    The one inheritance rule, used by ``feedkit.toml`` and the command line alike.
    """
    return check_timezone(key, site.timezone if own is None else own)


def check_base_url(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(key, f"expected an http(s) URL, got {value!r}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(key, f"expected an absolute http(s) URL such as 'https://example.org/', got {value!r}")
    return value if value.endswith("/") else value + "/"




def check_hub_url(key: str, value: object) -> str:
    """An absolute http(s) URL of a WebSub hub, kept exactly as written (no ``/`` added)."""
    if not isinstance(value, str):
        raise ConfigError(key, f"expected an http(s) URL, got {value!r}")
    try:
        parts = urlsplit(value)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and value == value.strip()
        parts.port  # noqa: B018  (raises ValueError for a port out of range)
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(key, f"expected an absolute http(s) URL such as 'https://hub.example/', got {value!r}")
    return value
