"""Configuration: ``feedkit.toml`` -> frozen config objects.

Every error names the offending key (``articles[0].timezone``), so a user can find it.
The same objects are built by the CLI when no config file is given.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .html import check_selectors

FORMATS = ("rss", "atom", "json")
BODY_FORMATS = ("auto", "html", "markdown")
DEFAULT_IMAGE_KEYS = ("headimg", "thumbnail", "image", "cover", "banner")
DEFAULT_INCLUDE = ("**/*",)
DEFAULT_PERMALINK = ":year/:month/:day/:title/"
DEFAULT_BASE_URL = "http://localhost/"


@dataclass(frozen=True, slots=True)
class ArticleSourceConfig:
    """A folder tree (or single files) of front-matter articles."""

    paths: tuple[Path, ...]
    name: str = "articles"
    """Names the source in reports and in entry ids: keep it stable."""
    include: tuple[str, ...] = DEFAULT_INCLUDE
    """Glob patterns (relative to each path) of files to consider.  ``.md``, ``.markdown``,
    ``.html`` and ``.htm`` files are always articles; other matched files are read only
    when they begin with a front-matter fence."""
    exclude: tuple[str, ...] = ()
    timezone: str = "UTC"
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


@dataclass(frozen=True, slots=True)
class CategoryConfig:
    """Overrides for one category channel (matched by leaf name or by full path ``a/b/c``)."""

    slug: str | None = None
    title: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class SiteConfig:
    title: str = "feedkit"
    description: str = ""
    base_url: str = DEFAULT_BASE_URL
    base_url_set: bool = False
    language: str | None = None
    author: str | None = None
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class ChannelsConfig:
    all: bool = True
    categories: bool = True
    tags: bool = False
    entry_limit: int = 50
    formats: tuple[str, ...] = FORMATS
    all_title: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    out: Path
    site: SiteConfig = SiteConfig()
    articles: tuple[ArticleSourceConfig, ...] = ()
    channels: ChannelsConfig = ChannelsConfig()
    category: Mapping[str, CategoryConfig] = field(default_factory=dict)
    """Per-category overrides keyed by leaf name or by ``a/b/c`` path."""
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Category or tag name -> the name it is merged into."""


def check_timezone(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(key, f"expected a timezone name such as 'Asia/Shanghai', got {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(key, f"unknown timezone {value!r} (use an IANA name such as 'Asia/Shanghai')") from None
    return value


def check_base_url(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(key, f"expected an http(s) URL, got {value!r}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(key, f"expected an absolute http(s) URL such as 'https://example.org/', got {value!r}")
    return value if value.endswith("/") else value + "/"


class _Table:
    """A TOML table being read: typed getters that name the key on error, unknown keys rejected."""

    def __init__(self, data: Mapping[str, Any], prefix: str) -> None:
        self.data = data
        self.prefix = prefix
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        self.used.add(name)
        if name not in self.data:
            return default
        value = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise ConfigError(self.key(name), f"expected {_kind_names(kinds)}, got {value!r}")
        if not isinstance(value, kinds):
            raise ConfigError(self.key(name), f"expected {_kind_names(kinds)}, got {value!r}")
        return value

    def strings(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.get(name, (list, str), None)
        if value is None:
            return default
        if isinstance(value, str):
            return (value,)
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise ConfigError(f"{self.key(name)}[{i}]", f"expected a string, got {item!r}")
        return tuple(value)

    def positive_int(self, name: str, default: int) -> int:
        value = self.get(name, int, default)
        if value < 1:
            raise ConfigError(self.key(name), f"expected a whole number of at least 1, got {value!r}")
        return int(value)

    def table(self, name: str) -> _Table:
        value = self.get(name, dict, {})
        return _Table(value, self.key(name))

    def reject_unknown(self) -> None:
        for name in self.data:
            if name not in self.used:
                raise ConfigError(self.key(name), "unknown key (see docs/configuration.md)")


def _kind_names(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", int: "a whole number", bool: "true or false", list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def load_config(path: Path, out_override: Path | None = None) -> Config:
    """Read ``feedkit.toml``.  Relative paths in it are relative to the file's folder."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot read config file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not valid TOML: {exc}") from None
    return parse_config(raw, path.parent, out_override)


def parse_config(raw: Mapping[str, Any], root: Path, out_override: Path | None = None) -> Config:
    """Build a :class:`Config` from already-parsed TOML data."""
    top = _Table(raw, "")
    out_value = top.get("out", str, None)
    if out_override is not None:
        out = out_override
    elif out_value is not None:
        out = root / out_value
    else:
        raise ConfigError("out", "no output folder: set 'out' in the config or pass --out")

    site_t = top.table("site")
    base_url_raw = site_t.get("base_url", str, None)
    site = SiteConfig(
        title=site_t.get("title", str, "feedkit"),
        description=site_t.get("description", str, ""),
        base_url=check_base_url(site_t.key("base_url"), base_url_raw) if base_url_raw is not None else DEFAULT_BASE_URL,
        base_url_set=base_url_raw is not None,
        language=site_t.get("language", str, None),
        author=site_t.get("author", str, None),
        timezone=check_timezone(site_t.key("timezone"), site_t.get("timezone", str, "UTC")),
    )
    site_t.reject_unknown()

    channels = _parse_channels(top.table("channels"))

    articles_raw = top.get("articles", list, [])
    articles = tuple(
        _parse_article_source(item, f"articles[{i}]", root, site) for i, item in enumerate(articles_raw)
    )
    names = [a.name for a in articles]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError("articles", f"two article sources are named {name!r}: give each a unique 'name'")

    category_t = top.table("category")
    category: dict[str, CategoryConfig] = {}
    for cat_name in category_t.data:
        cat_t = category_t.table(cat_name)
        slug = cat_t.get("slug", str, None)
        if slug is not None and not slug.strip():
            raise ConfigError(cat_t.key("slug"), "must not be empty")
        category[cat_name] = CategoryConfig(
            slug=slug, title=cat_t.get("title", str, None), description=cat_t.get("description", str, None)
        )
        cat_t.reject_unknown()

    aliases_t = top.table("aliases")
    aliases: dict[str, str] = {}
    for alias in aliases_t.data:
        aliases[alias] = aliases_t.get(alias, str)
    top.reject_unknown()
    return Config(out=out, site=site, articles=articles, channels=channels, category=category, aliases=aliases)


def _parse_channels(t: _Table) -> ChannelsConfig:
    formats = t.strings("formats", FORMATS)
    for i, fmt in enumerate(formats):
        if fmt not in FORMATS:
            raise ConfigError(f"{t.key('formats')}[{i}]", f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    if not formats:
        raise ConfigError(t.key("formats"), "name at least one format")
    result = ChannelsConfig(
        all=t.get("all", bool, True),
        categories=t.get("categories", bool, True),
        tags=t.get("tags", bool, False),
        entry_limit=t.positive_int("entry_limit", 50),
        formats=tuple(dict.fromkeys(formats)),
        all_title=t.get("all_title", str, None),
    )
    t.reject_unknown()
    return result


def _parse_article_source(raw: object, prefix: str, root: Path, site: SiteConfig) -> ArticleSourceConfig:
    if not isinstance(raw, dict):
        raise ConfigError(prefix, "expected a table ([[articles]])")
    t = _Table(raw, prefix)
    paths = t.strings("paths")
    if not paths:
        raise ConfigError(t.key("paths"), "name at least one folder or file of articles")
    body = t.get("body", str, "auto")
    if body not in BODY_FORMATS:
        raise ConfigError(t.key("body"), f"expected one of {', '.join(BODY_FORMATS)}, got {body!r}")
    base_url = t.get("base_url", str, None)
    source = ArticleSourceConfig(
        paths=tuple(root / p for p in paths),
        name=t.get("name", str, "articles"),
        include=t.strings("include", DEFAULT_INCLUDE),
        exclude=t.strings("exclude", ()),
        timezone=check_timezone(t.key("timezone"), t.get("timezone", str, site.timezone)),
        body=body,
        image_keys=t.strings("image_keys", DEFAULT_IMAGE_KEYS),
        image_from_body=t.get("image_from_body", bool, True),
        drop_selectors=_selectors(t, "drop_selectors"),
        drop_boilerplate=t.get("drop_boilerplate", bool, True),
        base_url=check_base_url(t.key("base_url"), base_url) if base_url is not None else None,
        permalink=t.get("permalink", str, DEFAULT_PERMALINK),
        excerpt_length=t.positive_int("excerpt_length", 140),
        default_author=t.get("default_author", str, site.author),
        language=t.get("language", str, site.language),
    )
    if not source.name.strip():
        raise ConfigError(t.key("name"), "must not be empty")
    t.reject_unknown()
    return source


def _selectors(t: _Table, name: str) -> tuple[str, ...]:
    selectors = t.strings(name, ())
    check_selectors(selectors, t.key(name))
    return selectors
