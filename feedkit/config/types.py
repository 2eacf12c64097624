"""Configuration objects: frozen dataclasses, one per table of ``feedkit.toml``.

:mod:`feedkit.config.load` reads the file into them (errors name the key); the CLI builds
the same objects when no config file is given, and Python users make them directly:

    >>> ArticleSourceConfig(paths=["posts"], timezone="Asia/Shanghai").paths
    (PosixPath('posts'),)

Every object is keyword-only and checks itself when made (``__post_init__``) with the same
``check_*`` functions below that the TOML reader uses, so a wrong value gives the same
message either way; from Python the key is ``Class.field``::

    ArticleSourceConfig(paths=["posts"], timezone="Mars/X")
    # ConfigError: ArticleSourceConfig.timezone: unknown timezone 'Mars/X' (use an IANA name ...)

Lists are accepted where a tuple is declared, ``str`` where a :class:`~pathlib.Path` is, and
``"News/World"`` where a category path is; the object holds the normalized value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedkit.errors import ConfigError
from feedkit.selectors import check_selectors

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
MAX_WHOLE_NUMBER = 2**31 - 1
"""The largest whole number any key takes (a count, a size in bytes, a number of seconds)."""
MAX_DURATION = 10 * 365 * 86400
DEFAULT_LEASE_SECONDS = 300.0
"""``[store] lease_seconds``: how long a daemon's lease on an upstream or on publishing lasts in a shared store."""
MAX_LEASE_SECONDS = 86400.0
"""The longest duration (``interval``, ``max_backoff``): ten years, in seconds."""
MAX_KEEP_DAYS = 100 * 365
"""The longest ``keep_days``: a hundred years."""
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


@dataclass(frozen=True, slots=True, kw_only=True)
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
    allow_shrink: bool = False
    """Publish even when more than half of the source's article files went away since the last build
    (otherwise the build stops: an unmounted or mistyped folder is not a deliberate deletion)."""
    explicit: frozenset[str] = frozenset()
    """The keys set in ``feedkit.toml`` or on the command line: a site's own config never overrides them."""
    site: SiteSettings | None = None
    """The generator's settings, once :func:`feedkit.articles.sites.resolve_source` has read the site."""

    def __post_init__(self) -> None:
        k = _keys("ArticleSourceConfig")
        _set(self, "paths", check_paths(k("paths"), self.paths))
        _set(self, "name", check_text(k("name"), self.name))
        _set(self, "include_files", check_strings(k("include_files"), self.include_files))
        _set(self, "exclude_files", check_strings(k("exclude_files"), self.exclude_files))
        check_timezone(k("timezone"), self.timezone)
        check_choice(k("body"), self.body, BODY_FORMATS)
        _set(self, "image_keys", check_strings(k("image_keys"), self.image_keys))
        check_bool(k("image_from_body"), self.image_from_body)
        _set(self, "drop_selectors", check_css(k("drop_selectors"), self.drop_selectors))
        check_bool(k("drop_boilerplate"), self.drop_boilerplate)
        if self.base_url is not None:
            _set(self, "base_url", check_base_url(k("base_url"), self.base_url))
        check_string(k("permalink"), self.permalink)
        check_positive_int(k("excerpt_length"), self.excerpt_length)
        check_optional_string(k("default_author"), self.default_author)
        check_optional_string(k("language"), self.language)
        check_choice(k("generator"), self.generator, GENERATORS)
        check_bool(k("publish_hidden"), self.publish_hidden)
        if not self.explicit:
            _set(self, "explicit", _set_fields(self, ("explicit", "site")))

    @property
    def zone(self) -> ZoneInfo:
        """:attr:`timezone` as the zone that date parsing and permalinks receive."""
        return resolve_timezone("timezone", self.timezone)


FILTER_FIELDS = ("title", "content", "author", "category")


@dataclass(frozen=True, slots=True, kw_only=True)
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

    def __post_init__(self) -> None:
        k = _keys("UpstreamSourceConfig")
        check_bool(k("is_local"), self.is_local)
        if isinstance(self.url, Path):
            _set(self, "url", str(self.url))
        if not self.is_local:
            location, is_local = upstream_location(k("url"), check_text(k("url"), self.url), Path.cwd())
            _set(self, "url", location)
            _set(self, "is_local", is_local)
        _set(self, "name", check_text(k("name"), self.name))
        _set(self, "categories", check_category_paths(k("categories"), self.categories))
        check_bool(k("use_entry_categories"), self.use_entry_categories)
        check_timezone(k("timezone"), self.timezone)
        _set(self, "interval", check_duration(k("interval"), self.interval))
        _set(self, "keep_entries", check_filters(k("keep_entries"), self.keep_entries))
        _set(self, "drop_entries", check_filters(k("drop_entries"), self.drop_entries))
        check_whole_number(k("priority"), self.priority)
        _set(self, "drop_selectors", check_css(k("drop_selectors"), self.drop_selectors))
        check_bool(k("drop_boilerplate"), self.drop_boilerplate)
        check_positive_int(k("excerpt_length"), self.excerpt_length)
        check_positive_int(k("keep_days"), self.keep_days, MAX_KEEP_DAYS)
        check_positive_int(k("keep_count"), self.keep_count)

    @property
    def zone(self) -> ZoneInfo:
        """:attr:`timezone` as the zone that date parsing and permalinks receive."""
        return resolve_timezone("timezone", self.timezone)


@dataclass(frozen=True, slots=True, kw_only=True)
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

    def __post_init__(self) -> None:
        k = _keys("FetchConfig")
        _set(self, "timeout", check_positive_number(k("timeout"), self.timeout))
        _set(self, "connect_timeout", check_positive_number(k("connect_timeout"), self.connect_timeout))
        check_positive_int(k("max_bytes"), self.max_bytes)
        check_whole_number(k("max_redirects"), self.max_redirects)
        if self.max_redirects < 0:
            raise ConfigError(k("max_redirects"), "must not be negative")
        check_positive_int(k("max_parallel"), self.max_parallel)
        check_positive_int(k("per_host"), self.per_host)
        _set(self, "allow_hosts", check_strings(k("allow_hosts"), self.allow_hosts))
        check_optional_text(k("user_agent"), self.user_agent)
        _set(self, "max_backoff", check_duration(k("max_backoff"), self.max_backoff))


@dataclass(frozen=True, slots=True, kw_only=True)
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

    def __post_init__(self) -> None:
        k = _keys("ChannelConfig")
        for name in ("slug", "title", "language", "icon", "logo", "author", "copyright"):
            check_optional_text(k(name), getattr(self, name))
        check_optional_string(k("description"), self.description)
        if self.link is not None:
            _set(self, "link", check_base_url(k("link"), self.link))
        if self.entry_limit is not None:
            check_whole_number(k("entry_limit"), self.entry_limit)
            if self.entry_limit < 1:
                raise ConfigError(k("entry_limit"), f"expected a whole number of at least 1, got {self.entry_limit!r}")
        if self.content is not None:
            check_choice(k("content"), self.content, CONTENT_MODES)
        if self.formats is not None:
            _set(self, "formats", check_formats(k("formats"), self.formats))


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteConfig:
    """The ``[site]`` table: what every channel inherits (title, base URL, language, timezone ...).

    ``base_url`` is the public URL of the output folder; setting it to anything but the default
    sets ``base_url_set`` (no "base_url not set" warning in the report).
    """

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

    def __post_init__(self) -> None:
        k = _keys("SiteConfig")
        check_text(k("title"), self.title)
        check_string(k("description"), self.description)
        _set(self, "base_url", check_base_url(k("base_url"), self.base_url))
        check_bool(k("base_url_set"), self.base_url_set)
        if not self.base_url_set and self.base_url != DEFAULT_BASE_URL:
            _set(self, "base_url_set", True)
        if self.link is not None:
            _set(self, "link", check_base_url(k("link"), self.link))
        for name in ("language", "author", "icon", "logo", "copyright"):
            check_optional_text(k(name), getattr(self, name))
        check_timezone(k("timezone"), self.timezone)
        if not self.explicit:
            _set(self, "explicit", _set_fields(self, ("explicit", "base_url_set")))


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelsConfig:
    """The ``[channels]`` table: which channels exist, how many entries each shows, in which formats."""

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

    def __post_init__(self) -> None:
        k = _keys("ChannelsConfig")
        for name in ("all", "categories", "tags", "authors", "sources", "stylesheet", "archive"):
            check_bool(k(name), getattr(self, name))
        check_positive_int(k("entry_limit"), self.entry_limit)
        _set(self, "formats", check_formats(k("formats"), self.formats))
        check_choice(k("content"), self.content, CONTENT_MODES)
        check_optional_text(k("all_title"), self.all_title)
        _set(self, "include_categories", check_strings(k("include_categories"), self.include_categories))
        _set(self, "exclude_categories", check_strings(k("exclude_categories"), self.exclude_categories))
        check_positive_int(k("archive_page_size"), self.archive_page_size)


@dataclass(frozen=True, slots=True, kw_only=True)
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

    def __post_init__(self) -> None:
        k = _keys("WebSubConfig")
        hubs = check_strings(k("hubs"), self.hubs)
        _set(self, "hubs", tuple(dict.fromkeys(check_hub_url(f"{k('hubs')}[{i}]", h) for i, h in enumerate(hubs))))
        _set(self, "timeout", check_positive_number(k("timeout"), self.timeout))
        check_whole_number(k("retries"), self.retries)
        if not 0 <= self.retries <= MAX_WEBSUB_RETRIES:
            raise ConfigError(k("retries"), f"expected a whole number from 0 to {MAX_WEBSUB_RETRIES}, "
                              f"got {self.retries!r}")
        _set(self, "backoff", check_positive_number(k("backoff"), self.backoff))


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


@dataclass(frozen=True, slots=True, kw_only=True)
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


DEFAULT_CACHE_CONTROL = "public, max-age=300"
"""``Cache-Control`` of every object published to a bucket unless ``[output] cache_control`` says otherwise."""
BUCKET_SCHEMES = ("s3",)
"""URL schemes of object storage outputs (``s3://bucket/prefix``)."""


def is_bucket_url(value: object) -> bool:
    """Whether ``value`` (``--out`` or ``[output] url``) names a bucket rather than a folder."""
    return isinstance(value, str) and urlsplit(value).scheme.lower() in BUCKET_SCHEMES


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputConfig:
    """Where the files go when that is not a local folder: ``[output]``.  Never credentials: those come
    only from the AWS environment and config files (see docs/scale.md)."""

    url: str | None = None
    """``s3://bucket/prefix``: publish to this S3-compatible bucket instead of the folder ``out``."""
    endpoint_url: str | None = None
    """http(s) URL of an S3-compatible service (default: AWS, or the ``AWS_ENDPOINT_URL`` variable)."""
    region: str | None = None
    """Region of the bucket (default: ``AWS_REGION``/``AWS_DEFAULT_REGION`` or the AWS config file)."""
    cache_control: str = DEFAULT_CACHE_CONTROL
    """``Cache-Control`` of every object written to the bucket."""

    def __post_init__(self) -> None:
        k = _keys("OutputConfig")
        if self.url is not None:
            _set(self, "url", check_bucket_url(k("url"), self.url))
        if self.endpoint_url is not None:
            check_hub_url(k("endpoint_url"), self.endpoint_url)
        check_optional_text(k("region"), self.region)
        check_cache_control(k("cache_control"), self.cache_control)

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


def check_cache_control(key: str, value: object) -> str:
    """A ``Cache-Control`` header value: one line of printable text."""
    text = check_text(key, value)
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ConfigError(key, f"must be one line of printable text, got {text!r}")
    return text


def bucket_stand_in(url: str, folder: Path) -> Path:
    """What ``out`` is for a bucket output: ``folder/<bucket>[-<prefix>]``, never created; the default
    store is ``<that>.feedkit.sqlite`` beside it, by the same rule as for a folder."""
    parts = urlsplit(url)
    stem = "-".join(part for part in (parts.netloc, *parts.path.strip("/").split("/")) if part)
    return folder / stem


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


# --- the checks: shared by the objects above (``Class.field`` keys) and the TOML reader (``a[0].b`` keys) ---


def check_text(key: str, value: object) -> str:
    """A string that is not blank."""
    if not isinstance(value, str):
        raise ConfigError(key, f"expected a string, got {value!r}")
    if not value.strip():
        raise ConfigError(key, "must not be empty")
    return value


def check_optional_text(key: str, value: object) -> str | None:
    """None, or a string that is not blank."""
    return None if value is None else check_text(key, value)


def check_string(key: str, value: object) -> str:
    """Any string (blank allowed)."""
    if not isinstance(value, str):
        raise ConfigError(key, f"expected a string, got {value!r}")
    return value


def check_optional_string(key: str, value: object) -> str | None:
    return None if value is None else check_string(key, value)


def check_bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"expected true or false, got {value!r}")
    return value


def check_whole_number(key: str, value: object) -> int:
    """A whole number (not a bool) of at most :data:`MAX_WHOLE_NUMBER` either way."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(key, f"expected a whole number, got {value!r}")
    if abs(value) > MAX_WHOLE_NUMBER:
        raise ConfigError(key, f"expected a whole number of at most {MAX_WHOLE_NUMBER}, got {value!r}")
    return value


def check_positive_int(key: str, value: object, maximum: int = MAX_WHOLE_NUMBER) -> int:
    """A whole number from 1 to ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ConfigError(key, f"expected a whole number from 1 to {maximum}, got {value!r}")
    return value


def check_positive_number(key: str, value: object) -> float:
    """A finite number above 0 (as a float)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, f"expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(key, f"expected a finite number, got {value!r}")
    if value <= 0:
        raise ConfigError(key, f"expected a number above 0, got {value!r}")
    return float(value)


def check_lease_seconds(key: str, value: object) -> float:
    """Seconds a lease lasts: a number from 1 to :data:`MAX_LEASE_SECONDS` (a day)."""
    seconds = check_positive_number(key, value)
    if not 1 <= seconds <= MAX_LEASE_SECONDS:
        raise ConfigError(key, f"expected seconds from 1 to {MAX_LEASE_SECONDS:g} (a day), got {value!r}")
    return seconds


_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def check_duration(key: str, value: object) -> int:
    """Seconds, as a whole number or a string such as ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ConfigError(key, f"expected seconds or a duration like '15m', got {value!r}")
        value = int(match.group(1)) * _DURATION_UNITS[match.group(2)]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(key, f"expected seconds or a duration like '15m', got {value!r}")
    if value < 1:
        raise ConfigError(key, f"expected at least 1 second, got {value!r}")
    if value > MAX_DURATION:
        raise ConfigError(key, f"expected at most {MAX_DURATION} seconds (ten years), got {value!r}")
    return value


def check_choice(key: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(key, f"expected one of {', '.join(choices)}, got {value!r}")
    return value


def check_strings(key: str, value: object) -> tuple[str, ...]:
    """A string (one item) or a list/tuple of strings -> a tuple."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list | tuple):
        raise ConfigError(key, f"expected a string or a list of strings, got {value!r}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise ConfigError(f"{key}[{i}]", f"expected a string, got {item!r}")
    return tuple(value)


def check_formats(key: str, value: object) -> tuple[str, ...]:
    """Names from :data:`FORMATS`, at least one, each once."""
    formats = check_strings(key, value)
    for i, fmt in enumerate(formats):
        if fmt not in FORMATS:
            raise ConfigError(f"{key}[{i}]", f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    if not formats:
        raise ConfigError(key, "name at least one format")
    return tuple(dict.fromkeys(formats))


def check_css(key: str, value: object) -> tuple[str, ...]:
    """CSS selectors that cssselect can use (:func:`feedkit.selectors.check_selectors`)."""
    selectors = check_strings(key, value)
    check_selectors(selectors, key)
    return selectors


def check_paths(key: str, value: object) -> tuple[Path, ...]:
    """A path (``str`` or :class:`~pathlib.Path`) or a list of them -> a tuple of paths."""
    items: Iterable[Any] = (value,) if isinstance(value, str | Path) else value  # type: ignore[assignment]
    if not isinstance(items, list | tuple):
        raise ConfigError(key, f"expected a path or a list of paths, got {value!r}")
    paths = []
    for i, item in enumerate(items):
        if isinstance(item, str) and item.strip():
            item = Path(item)
        if not isinstance(item, Path):
            raise ConfigError(f"{key}[{i}]", f"expected a path, got {item!r}")
        paths.append(item)
    return tuple(paths)


def check_category_paths(key: str, value: object) -> tuple[tuple[str, ...], ...]:
    """``["News/World", "Tech"]`` or ``[["News", "World"], ["Tech"]]`` -> category paths."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ConfigError(key, f"expected 'a/b' or a list of categories, got {value!r}")
    paths: list[tuple[str, ...]] = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            parts = tuple(p.strip() for p in item.split("/") if p.strip())
        elif isinstance(item, list | tuple) and all(isinstance(p, str) for p in item):
            parts = tuple(p.strip() for p in item if p.strip())
        else:
            raise ConfigError(f"{key}[{i}]", f"expected 'a/b' or a list of names, got {item!r}")
        if not parts:
            raise ConfigError(f"{key}[{i}]", "empty category")
        paths.append(parts)
    return tuple(paths)


def check_filter(key: str, field_name: object, pattern: object) -> tuple[str, str]:
    """One keep/drop rule: a field of :data:`FILTER_FIELDS` and a regular expression."""
    if field_name not in FILTER_FIELDS:
        raise ConfigError(key, f"unknown field {field_name!r} (filter on {', '.join(FILTER_FIELDS)})")
    if not isinstance(pattern, str):
        raise ConfigError(key, f"expected a regular expression, got {pattern!r}")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(key, f"invalid regular expression {pattern!r}: {exc}") from None
    return str(field_name), pattern


def check_filters(key: str, value: object) -> tuple[tuple[str, str], ...]:
    """Keep/drop rules as ``(field, pattern)`` pairs, or a mapping ``{field: pattern or [patterns]}``."""
    if isinstance(value, Mapping):
        pairs = [(f, p) for f, ps in value.items() for p in ([ps] if isinstance(ps, str) else ps)]
    elif isinstance(value, list | tuple):
        pairs = list(value)
    else:
        raise ConfigError(key, f"expected (field, pattern) pairs or a mapping of fields to patterns, got {value!r}")
    result = []
    for i, pair in enumerate(pairs):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ConfigError(f"{key}[{i}]", f"expected a (field, pattern) pair, got {pair!r}")
        result.append(check_filter(f"{key}[{i}]", pair[0], pair[1]))
    return tuple(result)


def check_unique_names(articles: Iterable[ArticleSourceConfig], feeds: Iterable[UpstreamSourceConfig]) -> None:
    """Every article source and feed has its own name (names are part of entry ids)."""
    keys = [(f"articles[{i}].name", a.name) for i, a in enumerate(articles)]
    keys += [(f"feeds[{i}].name", f.name) for i, f in enumerate(feeds)]
    seen: dict[str, str] = {}
    for key, name in keys:
        if name in seen:
            raise ConfigError(key, f"{seen[name]} is also named {name!r}: give every article source and feed "
                              "its own name (it is part of entry ids)")
        seen[name] = key


def upstream_location(key: str, value: str, root: Path) -> tuple[str, bool]:
    """An http(s) URL as it is, or a local file path made absolute: (location, is_local)."""
    scheme = urlsplit(value).scheme.lower()
    if scheme in ("http", "https"):
        if not urlsplit(value).netloc:
            raise ConfigError(key, f"URL without a host: {value!r}")
        return value, False
    if scheme and len(scheme) > 1:  # "C:" on Windows is a drive, not a scheme
        raise ConfigError(key, f"only http and https URLs or local file paths are allowed, got {value!r}")
    return str((root / value).resolve()), True


def _keys(cls: str) -> Any:
    return lambda name: f"{cls}.{name}"


def _set(obj: object, name: str, value: object) -> None:
    """Store a normalized value on a frozen dataclass while it is being made."""
    object.__setattr__(obj, name, value)


def _set_fields(obj: Any, leave_out: tuple[str, ...]) -> frozenset[str]:
    """The fields of a config object made in Python that differ from their defaults: the keys its
    maker set, as ``explicit`` records for a table of ``feedkit.toml``."""
    found = set()
    for item in fields(obj):
        if item.name in leave_out:
            continue
        default = item.default_factory() if item.default_factory is not MISSING else item.default
        if default is MISSING or getattr(obj, item.name) != default:
            found.add(item.name)
    return frozenset(found)


def _check_instance(key: str, value: object, kind: type) -> None:
    if not isinstance(value, kind):
        raise ConfigError(key, f"expected a {kind.__name__}, got {value!r}")


def _instances(key: str, value: object, kind: type) -> tuple[Any, ...]:
    if not isinstance(value, list | tuple):
        raise ConfigError(key, f"expected a list of {kind.__name__}, got {value!r}")
    for i, item in enumerate(value):
        _check_instance(f"{key}[{i}]", item, kind)
    return tuple(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """A whole ``feedkit.toml``: the output folder, the sources, and the channel settings.

    ``Config(out="public", articles=[ArticleSourceConfig(paths=["posts"])])`` is a complete
    config.  Unlike ``feedkit.toml``, sources made in Python do not inherit ``[site]``'s
    ``timezone``, ``language`` and ``author``: set them on each source.
    """

    out: Path
    """The output folder (a ``str`` is made a :class:`~pathlib.Path`)."""
    site: SiteConfig = SiteConfig()
    articles: tuple[ArticleSourceConfig, ...] = ()
    feeds: tuple[UpstreamSourceConfig, ...] = ()
    fetch: FetchConfig = FetchConfig()
    store: Path | None = None
    """SQLite store; default: ``<out>.feedkit.sqlite`` beside (never inside) the output folder."""
    store_url: str | None = None
    """A shared PostgreSQL store (``postgresql://…``) instead of the SQLite file (docs/scale.md)."""
    store_lease_seconds: float = DEFAULT_LEASE_SECONDS
    """``[store] lease_seconds``: how long a lease in a shared store lasts unless renewed, the longest a dead
    daemon's upstreams and publishing wait before another daemon takes them over (1 s to a day)."""
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
    output: OutputConfig = OutputConfig()
    """``[output]``: a bucket instead of the folder ``out`` (then ``out`` only anchors the default store).
    ``Config(out="s3://bucket/prefix")`` sets it too, with ``out`` the stand-in ``bucket-prefix``."""

    @property
    def to_bucket(self) -> bool:
        """Whether the files go to a bucket (``[output] url``) rather than the folder ``out``."""
        return self.output.url is not None

    def __post_init__(self) -> None:
        k = _keys("Config")
        _set(self, "transforms", _instances(k("transforms"), self.transforms, TransformConfig))
        _check_instance(k("output"), self.output, OutputConfig)
        if is_bucket_url(self.out):
            url = check_bucket_url(k("out"), self.out)
            _set(self, "output", replace(self.output, url=url))
            _set(self, "out", bucket_stand_in(url, Path()))
        if isinstance(self.out, str) and self.out.strip():
            _set(self, "out", Path(self.out))
        if not isinstance(self.out, Path):
            raise ConfigError(k("out"), f"expected the output folder as a path, got {self.out!r}")
        if isinstance(self.store, str) and self.store.strip():
            _set(self, "store", Path(self.store))
        if self.store is not None and not isinstance(self.store, Path):
            raise ConfigError(k("store"), f"expected a path or None, got {self.store!r}")
        if self.store_url is not None and not (
                isinstance(self.store_url, str) and self.store_url.startswith(("postgresql://", "postgres://"))):
            raise ConfigError(k("store_url"), f"expected a postgresql:// URL or None, got {self.store_url!r}")
        _set(self, "store_lease_seconds", check_lease_seconds(k("store_lease_seconds"), self.store_lease_seconds))
        for name, kind in (("site", SiteConfig), ("fetch", FetchConfig), ("channels", ChannelsConfig),
                           ("all_channel", ChannelConfig), ("websub", WebSubConfig)):
            _check_instance(k(name), getattr(self, name), kind)
        _set(self, "articles", _instances(k("articles"), self.articles, ArticleSourceConfig))
        _set(self, "feeds", _instances(k("feeds"), self.feeds, UpstreamSourceConfig))
        check_whole_number(k("workers"), self.workers)
        if self.workers < 0:
            raise ConfigError(k("workers"), f"expected 0 (one per core) or more, got {self.workers!r}")
        if self.all_channel.slug is not None:
            raise ConfigError(k("all_channel.slug"), "the channel of all entries always lives in all/: it has no slug")
        for name in ("category", "tag", "author", "source"):
            table = getattr(self, name)
            if not isinstance(table, Mapping):
                raise ConfigError(k(name), f"expected a mapping of names to ChannelConfig, got {table!r}")
            for key, value in table.items():
                check_text(f"{k(name)}[{key!r}]", key)
                _check_instance(f"{k(name)}[{key!r}]", value, ChannelConfig)
        if not isinstance(self.aliases, Mapping):
            raise ConfigError(k("aliases"), f"expected a mapping of names to names, got {self.aliases!r}")
        for alias, target in self.aliases.items():
            check_string(f"{k('aliases')}[{alias!r}]", alias)
            check_string(f"{k('aliases')}[{alias!r}]", target)
        check_unique_names(self.articles, self.feeds)

    @property
    def store_location(self) -> str | Path:
        """What :func:`feedkit.store.open_store` opens: the PostgreSQL URL when set, else the SQLite file."""
        return self.store_url if self.store_url is not None else self.store_path

    @property
    def store_path(self) -> Path:
        if self.store is not None:
            return self.store
        out = self.out.resolve()
        return out.parent / f"{out.name}.feedkit.sqlite"


def canonical(value: object) -> str:
    """``value`` (a config object, or anything made of dataclasses, mappings, sequences, sets and
    scalars) as text that is the same in every process: sets are sorted (``repr`` of a set follows
    the per-process hash seed), mappings sorted by key.  Cache keys and build fingerprints use it."""
    if is_dataclass(value) and not isinstance(value, type):
        inner = ", ".join(f"{f.name}={canonical(getattr(value, f.name))}" for f in fields(value))
        return f"{type(value).__name__}({inner})"
    if isinstance(value, Mapping):
        items = sorted((canonical(k), canonical(v)) for k, v in value.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(value, set | frozenset):
        return "{" + ", ".join(sorted(canonical(item) for item in value)) + "}"
    if isinstance(value, list | tuple):
        return "(" + ", ".join(canonical(item) for item in value) + ")"
    return repr(value)
