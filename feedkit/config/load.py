"""Reading ``feedkit.toml`` into the frozen objects of :mod:`feedkit.config`.

Every error is a :class:`~feedkit.errors.ConfigError` naming the key
(``feeds[2].interval: expected …``); unknown keys are errors, so typos do not pass silently.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "STORE_URL_VARIABLE",
    "check_output_folder",
    "check_store_outside_output",
    "default_feed_name",
    "load_config",
    "parse_config",
    "unique_feed_name",
    "upstream_location",
]

from feedkit.config.table import MAX_KEEP_DAYS, Table
from feedkit.config.types import (
    BODY_FORMATS,
    CONTENT_MODES,
    FILTER_FIELDS,
    GENERATORS,
    INHERITED_SITE_KEYS,
    MAX_WEBSUB_RETRIES,
    ArticleSourceConfig,
    ChannelConfig,
    ChannelsConfig,
    Config,
    FetchConfig,
    SiteConfig,
    UpstreamSourceConfig,
    WebSubConfig,
    check_base_url,
    check_category_paths,
    check_filter,
    check_hub_url,
    check_timezone,
    check_unique_names,
    inherited_timezone,
    upstream_location,
)
from feedkit.errors import ConfigError


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
    """Build a :class:`~feedkit.config.Config` from already-parsed TOML data."""
    top = Table(raw, "")
    out_value = top.text("out")
    if out_override is not None:
        out = out_override
    elif out_value is not None:
        out = root / out_value
    else:
        raise ConfigError("out", "no output folder: set 'out' in the config or pass --out")
    store_value, store_url = _store(top)
    site = _site(top.table("site"))
    channels = _channels(top.table("channels"))
    articles = tuple(_article_source(t, root, site) for t in top.tables("articles"))
    feed_tables = top.tables("feeds")
    taken = {a.name for a in articles} | {t.data["name"] for t in feed_tables if isinstance(t.data.get("name"), str)}
    feeds = tuple(_upstream_source(t, root, site, taken) for t in feed_tables)
    check_unique_names(articles, feeds)
    config = Config(
        out=out,
        site=site,
        articles=articles,
        feeds=feeds,
        fetch=_fetch(top.table("fetch")),
        store=root / store_value if store_value else None,
        store_url=store_url,
        workers=_workers(top),
        channels=channels,
        all_channel=_all_channel(top.table("all")),
        category=_channel_map(top.table("category")),
        tag=_channel_map(top.table("tag")),
        author=_channel_map(top.table("author")),
        source=_channel_map(top.table("source")),
        aliases=_aliases(top.table("aliases")),
        websub=_websub(top.table("websub")),
    )
    top.reject_unknown()
    check_output_folder(config, out_key="--out" if out_override is not None else "out")
    check_store_outside_output(config)
    return config


STORE_URL_VARIABLE = "FEEDKIT_STORE_URL"


def _store(top: Table) -> tuple[str | None, str | None]:
    """``store = "file"``, or ``[store]`` with ``path`` and/or ``url``; ``FEEDKIT_STORE_URL`` overrides the URL."""
    if isinstance(top.data.get("store"), dict):
        table = top.table("store")
        path, url = table.text("path"), table.text("url")
        table.reject_unknown()
    else:
        path, url = top.text("store"), None
    return path, os.environ.get(STORE_URL_VARIABLE) or url


def _workers(top: Table) -> int:
    workers = top.get("workers", int, Config(out=Path()).workers)
    if workers < 0:
        raise ConfigError(top.key("workers"), f"expected 0 (one per core) or more, got {workers!r}")
    return int(workers)


def check_output_folder(config: Config, *, out_key: str = "out", cli_sources: int = 0) -> None:
    """The output folder is a folder (or does not exist yet), not the root of the file system,
    and apart from every article folder: output inside an article folder would be read back
    as articles by the next build (its ``index.html`` first), and articles inside the output
    folder would be published with it (drafts included).  ``out_key`` names the output folder
    in the error; the last ``cli_sources`` article sources came from the command line (``PATHS``).
    """
    out = config.out.resolve()
    if out.exists() and not out.is_dir():
        raise ConfigError(out_key, f"{config.out} exists and is not a folder")
    if out == Path(out.anchor):
        raise ConfigError(out_key, f"{out} is the root of the file system: name a folder of its own for the output")
    from_file = len(config.articles) - cli_sources
    for i, source in enumerate(config.articles):
        for j, path in enumerate(source.paths):
            folder = path.resolve()
            if folder == out or folder.is_relative_to(out) or out.is_relative_to(folder):
                key = f"articles[{i}].paths[{j}]" if i < from_file else "PATHS"
                raise ConfigError(out_key, f"the output folder {out} and the article folder {folder} ({key}) overlap: "
                                  "the next build would read its own output as articles, or publish the article "
                                  "files; keep them apart")


def check_store_outside_output(config: Config) -> None:
    """The output folder is served publicly: the store must never be inside it."""
    if config.store_url is not None:
        return  # a database: nothing of it is in a folder
    out, store = config.out.resolve(), config.store_path.resolve()
    if store == out or store.is_relative_to(out):
        raise ConfigError("store", f"{store} is inside the output folder {out}, which is published: move it out")


def _site(t: Table) -> SiteConfig:
    d = SiteConfig()
    base_url = t.get("base_url", str, None)
    link = t.get("link", str, None)
    site = SiteConfig(
        title=t.text("title", d.title) or d.title,
        description=t.get("description", str, d.description),
        base_url=check_base_url(t.key("base_url"), base_url) if base_url is not None else d.base_url,
        base_url_set=base_url is not None,
        link=check_base_url(t.key("link"), link) if link is not None else None,
        language=t.text("language"),
        author=t.text("author"),
        icon=t.text("icon"),
        logo=t.text("logo"),
        copyright=t.text("copyright"),
        timezone=check_timezone(t.key("timezone"), t.get("timezone", str, d.timezone)),
        explicit=frozenset(t.data),
    )
    t.reject_unknown()
    return site


def _channels(t: Table) -> ChannelsConfig:
    d = ChannelsConfig()
    result = ChannelsConfig(
        all=t.get("all", bool, d.all),
        categories=t.get("categories", bool, d.categories),
        tags=t.get("tags", bool, d.tags),
        authors=t.get("authors", bool, d.authors),
        sources=t.get("sources", bool, d.sources),
        entry_limit=t.positive_int("entry_limit", d.entry_limit),
        formats=t.formats("formats", d.formats) or d.formats,
        content=t.choice("content", CONTENT_MODES, d.content) or d.content,
        all_title=t.text("all_title"),
        include_categories=t.strings("include_categories"),
        exclude_categories=t.strings("exclude_categories"),
        stylesheet=t.get("stylesheet", bool, d.stylesheet),
        archive=t.get("archive", bool, d.archive),
        archive_page_size=t.positive_int("archive_page_size", d.archive_page_size),
    )
    t.reject_unknown()
    return result


def _channel(t: Table) -> ChannelConfig:
    link = t.get("link", str, None)
    entry_limit = t.get("entry_limit", int, None)
    if entry_limit is not None and entry_limit < 1:
        raise ConfigError(t.key("entry_limit"), f"expected a whole number of at least 1, got {entry_limit!r}")
    result = ChannelConfig(
        slug=t.text("slug"),
        title=t.text("title"),
        description=t.get("description", str, None),
        link=check_base_url(t.key("link"), link) if link is not None else None,
        language=t.text("language"),
        icon=t.text("icon"),
        logo=t.text("logo"),
        author=t.text("author"),
        copyright=t.text("copyright"),
        entry_limit=entry_limit,
        content=t.choice("content", CONTENT_MODES, None),
        formats=t.formats("formats", None),
    )
    t.reject_unknown()
    return result


def _all_channel(t: Table) -> ChannelConfig:
    if "slug" in t.data:
        raise ConfigError(t.key("slug"), "the channel of all entries always lives in all/: it has no slug")
    return _channel(t)


def _channel_map(t: Table) -> dict[str, ChannelConfig]:
    return {name: _channel(t.table(name)) for name in t.data}


def _aliases(t: Table) -> dict[str, str]:
    return {alias: t.get(alias, str) for alias in t.data}


def _article_source(t: Table, root: Path, site: SiteConfig) -> ArticleSourceConfig:
    paths = t.strings("paths")
    if not paths:
        raise ConfigError(t.key("paths"), "name at least one folder or file of articles")
    d = ArticleSourceConfig(paths=())
    t.renamed("include", "include_files")
    t.renamed("exclude", "exclude_files")
    base_url = t.get("base_url", str, None)
    source = ArticleSourceConfig(
        paths=tuple(root / p for p in paths),
        name=t.text("name", d.name) or d.name,
        include_files=t.strings("include_files", d.include_files),
        exclude_files=t.strings("exclude_files", d.exclude_files),
        timezone=inherited_timezone(t.key("timezone"), t.get("timezone", str, None), site),
        body=t.choice("body", BODY_FORMATS, d.body) or d.body,
        image_keys=t.strings("image_keys", d.image_keys),
        image_from_body=t.get("image_from_body", bool, d.image_from_body),
        drop_selectors=t.selectors("drop_selectors"),
        drop_boilerplate=t.get("drop_boilerplate", bool, d.drop_boilerplate),
        base_url=check_base_url(t.key("base_url"), base_url) if base_url is not None else None,
        permalink=t.get("permalink", str, d.permalink),
        excerpt_length=t.positive_int("excerpt_length", d.excerpt_length),
        default_author=t.get("default_author", str, site.author),
        language=t.get("language", str, site.language),
        generator=t.choice("generator", GENERATORS, d.generator) or d.generator,
        publish_hidden=t.get("publish_hidden", bool, d.publish_hidden),
        explicit=frozenset(t.data) | (site.explicit & INHERITED_SITE_KEYS),
    )
    t.reject_unknown()
    return source


def default_feed_name(location: str) -> str:
    """A stable source name from a URL or path (used when a feed has no ``name``)."""
    parts = urlsplit(location)
    raw = f"{parts.netloc}{parts.path}" if parts.netloc else Path(location).stem
    return re.sub(r"[^\w.-]+", "-", raw).strip("-.") or "feed"


def unique_feed_name(location: str, taken: set[str]) -> str:
    """An automatic name for a feed that no other source has (and add it to ``taken``).

    :func:`default_feed_name` first; for two local files of one name (``x/Blog.rss`` and
    ``x/Blog.atom``) the file name with its extension, then with its folder; else a number.
    Explicit names are never changed: they are part of entry ids.
    """
    base = default_feed_name(location)
    candidates = [base]
    if not urlsplit(location).netloc:
        path = Path(location)
        candidates += [re.sub(r"[^\w.-]+", "-", path.name).strip("-.") or base,
                       re.sub(r"[^\w.-]+", "-", f"{path.parent.name}-{path.name}").strip("-.") or base]
    name = next((c for c in candidates if c not in taken), None)
    number = 2
    while name is None:
        name = f"{base}-{number}" if f"{base}-{number}" not in taken else None
        number += 1
    taken.add(name)
    return name


_UPSTREAM_DEFAULTS = UpstreamSourceConfig(url="http://localhost/", name="defaults")
"""Holds the defaults of the keys a ``[[feeds]]`` table may leave out (url and name are never left out)."""


def _upstream_source(t: Table, root: Path, site: SiteConfig, taken: set[str]) -> UpstreamSourceConfig:
    url_value = t.text("url")
    if url_value is None:
        raise ConfigError(t.key("url"), "every [[feeds]] table needs a url (http(s) URL or local file path)")
    location, is_local = upstream_location(t.key("url"), url_value, root)
    d = _UPSTREAM_DEFAULTS
    t.renamed("include", "keep_entries")
    t.renamed("exclude", "drop_entries")
    source = UpstreamSourceConfig(
        url=location,
        name=t.text("name") or unique_feed_name(url_value, taken),
        categories=_category_paths(t, "categories"),
        use_entry_categories=t.get("use_entry_categories", bool, d.use_entry_categories),
        timezone=inherited_timezone(t.key("timezone"), t.get("timezone", str, None), site),
        interval=t.duration("interval", d.interval),
        keep_entries=_filters(t.table("keep_entries")),
        drop_entries=_filters(t.table("drop_entries")),
        priority=t.get("priority", int, d.priority),
        drop_selectors=t.selectors("drop_selectors"),
        drop_boilerplate=t.get("drop_boilerplate", bool, d.drop_boilerplate),
        excerpt_length=t.positive_int("excerpt_length", d.excerpt_length),
        keep_days=t.positive_int("keep_days", d.keep_days, MAX_KEEP_DAYS),
        keep_count=t.positive_int("keep_count", d.keep_count),
        is_local=is_local,
    )
    t.reject_unknown()
    return source


def _category_paths(t: Table, name: str) -> tuple[tuple[str, ...], ...]:
    """``["News/World", "Tech"]`` or ``[["News", "World"], ["Tech"]]`` -> category paths."""
    return check_category_paths(t.key(name), t.get(name, (list, str), []))


def _filters(t: Table) -> tuple[tuple[str, str], ...]:
    result: list[tuple[str, str]] = []
    for field_name in t.data:
        if field_name not in FILTER_FIELDS:
            raise ConfigError(t.key(field_name), f"unknown field (filter on {', '.join(FILTER_FIELDS)})")
        for i, pattern in enumerate(t.strings(field_name)):
            result.append(check_filter(f"{t.key(field_name)}[{i}]", field_name, pattern))
    return tuple(result)


def _fetch(t: Table) -> FetchConfig:
    defaults = FetchConfig()
    result = FetchConfig(
        timeout=t.positive_number("timeout", defaults.timeout),
        connect_timeout=t.positive_number("connect_timeout", defaults.connect_timeout),
        max_bytes=t.positive_int("max_bytes", defaults.max_bytes),
        max_redirects=t.get("max_redirects", int, defaults.max_redirects),
        max_parallel=t.positive_int("max_parallel", defaults.max_parallel),
        per_host=t.positive_int("per_host", defaults.per_host),
        allow_hosts=t.strings("allow_hosts"),
        user_agent=t.text("user_agent"),
        max_backoff=t.duration("max_backoff", defaults.max_backoff),
    )
    if result.max_redirects < 0:
        raise ConfigError(t.key("max_redirects"), "must not be negative")
    t.reject_unknown()
    return result


def _websub(t: Table) -> WebSubConfig:
    defaults = WebSubConfig()
    hubs = t.strings("hubs")
    retries = t.get("retries", int, defaults.retries)
    if not 0 <= retries <= MAX_WEBSUB_RETRIES:
        raise ConfigError(t.key("retries"), f"expected a whole number from 0 to {MAX_WEBSUB_RETRIES}, got {retries!r}")
    result = WebSubConfig(
        hubs=tuple(dict.fromkeys(check_hub_url(f"{t.key('hubs')}[{i}]", hub) for i, hub in enumerate(hubs))),
        timeout=t.positive_number("timeout", defaults.timeout),
        retries=retries,
        backoff=t.positive_number("backoff", defaults.backoff),
    )
    t.reject_unknown()
    return result
