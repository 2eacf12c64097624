"""Configuration objects: frozen dataclasses, one per table of ``feedkit.toml``.

:mod:`feedkit.configfile` reads the file into them (errors name the key); the CLI builds
the same objects when no config file is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
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
INHERITED_SITE_KEYS = frozenset({"timezone", "language"})
"""``[site]`` keys an article source inherits (so setting them there counts as setting them for the source)."""
GENERATORS = ("auto", "hexo", "jekyll", "hugo", "zola", "plain")
"""``generator`` of an article source: ``auto`` detects a site root, ``plain`` reads a folder as it is."""


@dataclass(frozen=True, slots=True)
class SiteSettings:
    """What a static site generator's own config says, read from a site root by
    :mod:`feedkit.articles.sites` (the only reader of generator configs).

    Pure data, so it travels to worker processes with the source.  One field set for the four
    generators; each uses the fields its config has (the rest keep their defaults).
    """

    generator: str
    """``hexo``, ``jekyll``, ``hugo`` or ``zola``."""
    root: Path
    """The site root (the folder holding the config file)."""
    config_file: Path | None = None
    url: str | None = None
    """The site's own public URL with its root/baseurl, ending in ``/`` (item links start here)."""
    title: str | None = None
    description: str | None = None
    language: str | None = None
    timezone: str | None = None
    """The site's own timezone; None when its config sets none (the generator then uses the build
    machine's zone, feedkit uses the source's ``timezone``)."""
    permalink: str | None = None
    """The post permalink pattern (Hexo ``permalink``; Jekyll's posts permalink, styles expanded)."""
    section_permalinks: tuple[tuple[str, str], ...] = ()
    """Hugo ``[permalinks]``: section -> pattern."""
    content_dir: str = ""
    """Where the posts live, relative to the root (``source/_posts``, ``content``; ``""`` for Jekyll)."""
    drafts: bool = False
    """The site builds drafts (Hexo ``render_drafts``, Jekyll ``show_drafts``, Hugo ``buildDrafts``)."""
    future: bool = False
    """The site publishes posts dated in the future (Hexo ``future``, Jekyll ``future``, Hugo ``buildFuture``)."""
    expired: bool = False
    """Hugo ``buildExpired``."""
    unpublished: bool = False
    """Jekyll ``unpublished``: ``published: false`` posts are built too."""
    trailing_index: bool = True
    """Hexo ``pretty_urls.trailing_index``."""
    trailing_html: bool = True
    """Hexo ``pretty_urls.trailing_html``."""
    ugly_urls: bool = False
    """Hugo ``uglyURLs``."""
    new_post_name: str = ":title.md"
    """Hexo ``new_post_name`` (parsed back out of file names for ``:title`` and the date)."""
    post_extension: str | None = None
    """Hexo with ``post_asset_folder``: only files with this extension are posts."""
    abbrlink_alg: str | None = None
    """hexo-abbrlink ``alg`` (``crc16``/``crc32``) when the plugin is configured."""
    abbrlink_rep: str = "dec"
    """hexo-abbrlink ``rep`` (``dec``/``hex``)."""
    default_layout: str = "post"
    category_dir: str | None = None
    """Where the site's category pages live (Hexo ``category_dir``; Hugo ``categories`` taxonomy)."""
    markdown_extensions: tuple[str, ...] = ("markdown", "mkdown", "mkdn", "mkd", "md")
    """Jekyll ``markdown_ext``."""
    now: datetime | None = None
    """The build's time, for future/expired posts (set when the source is resolved for a build)."""


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
    generator: str = "auto"
    """``auto`` (read a site root as its generator's site), ``hexo``, ``jekyll``, ``hugo``, ``zola``
    or ``plain`` (every file under the paths, as in a folder of articles)."""
    publish_hidden: bool = False
    """Publish the files the generator hides although they look like posts (Hexo: names starting with
    ``_`` under ``_posts``); each is reported either way."""
    explicit: frozenset[str] = frozenset()
    """The keys set in ``feedkit.toml`` or on the command line: a site's own config never overrides them."""
    site: SiteSettings | None = None
    """The generator's settings, once :func:`feedkit.articles.sites.resolve_source` has read the site."""

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
    explicit: frozenset[str] = frozenset()
    """The keys set in ``feedkit.toml`` or on the command line (a site generator's config fills the others)."""


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


DEFAULT_CACHE_CONTROL = "public, max-age=300"
"""``Cache-Control`` of every object published to a bucket unless ``[output] cache_control`` says otherwise."""
BUCKET_SCHEMES = ("s3",)
"""URL schemes of object storage outputs (``s3://bucket/prefix``)."""


def is_bucket_url(value: object) -> bool:
    """Whether ``value`` (``--out`` or ``[output] url``) names a bucket rather than a folder."""
    return isinstance(value, str) and urlsplit(value).scheme.lower() in BUCKET_SCHEMES


@dataclass(frozen=True, slots=True)
class OutputConfig:
    """Where the files go when that is not a local folder: ``[output]``."""

    url: str | None = None
    """``s3://bucket/prefix``: publish to this S3-compatible bucket instead of the folder ``out``."""
    endpoint_url: str | None = None
    """http(s) URL of an S3-compatible service (default: AWS, or the ``AWS_ENDPOINT_URL`` variable)."""
    region: str | None = None
    """Region of the bucket (default: ``AWS_REGION``/``AWS_DEFAULT_REGION`` or the AWS config file)."""
    cache_control: str = DEFAULT_CACHE_CONTROL
    """``Cache-Control`` of every object written to the bucket."""

    @property
    def bucket(self) -> tuple[str, str] | None:
        """``(bucket, prefix)`` of a bucket output (prefix without slashes at either end), else None."""
        if self.url is None:
            return None
        parts = urlsplit(self.url)
        return parts.netloc, parts.path.strip("/")


def check_bucket_url(key: str, value: object) -> str:
    """``s3://bucket`` or ``s3://bucket/prefix``, with a valid bucket name and a prefix of plain segments."""
    if not isinstance(value, str):
        raise ConfigError(key, f"expected an s3://bucket/prefix URL, got {value!r}")
    parts = urlsplit(value)
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if parts.scheme.lower() not in BUCKET_SCHEMES or parts.query or parts.fragment:
        raise ConfigError(key, f"expected an s3://bucket/prefix URL, got {value!r}")
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
        raise ConfigError(key, f"{bucket!r} is not a bucket name (3 to 63 lower-case letters, digits, '.' and '-')")
    if prefix and any(seg in ("", ".", "..") or "\\" in seg or "\x00" in seg for seg in prefix.split("/")):
        raise ConfigError(key, f"the prefix {prefix!r} must be plain segments separated by single '/'")
    return f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"


def bucket_stand_in(url: str, folder: Path) -> Path:
    """What ``out`` is for a bucket output: ``folder/<bucket>[-<prefix>]``, never created; the default
    store is ``<that>.feedkit.sqlite`` beside it, by the same rule as for a folder."""
    parts = urlsplit(url)
    stem = "-".join(part for part in (parts.netloc, *parts.path.strip("/").split("/")) if part)
    return folder / stem


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
    output: OutputConfig = OutputConfig()
    """``[output]``: a bucket instead of the folder ``out`` (then ``out`` only anchors the default store)."""

    @property
    def to_bucket(self) -> bool:
        """Whether the files go to a bucket (``[output] url``) rather than the folder ``out``."""
        return self.output.url is not None

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
