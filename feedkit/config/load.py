"""Reading ``feedkit.toml`` into the frozen objects of :mod:`feedkit.config`.

Every error is a :class:`~feedkit.errors.ConfigError` naming the key
(``feeds[2].interval: expected …``); unknown keys are errors, so typos do not pass silently.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
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
    CATEGORY_MODES,
    CHINESE_CONVERSIONS,
    CHINESE_FIELDS,
    CONTENT_MODES,
    DEFAULT_LEASE_SECONDS,
    FILTER_FIELDS,
    GENERATORS,
    INHERITED_SITE_KEYS,
    MAX_WEBSUB_RETRIES,
    TRANSFORM_TEXT_FIELDS,
    TRANSFORM_TYPES,
    ArticleSourceConfig,
    ChannelConfig,
    ChannelsConfig,
    Config,
    FetchConfig,
    OutputConfig,
    SiteConfig,
    TransformConfig,
    UpstreamSourceConfig,
    WebSubConfig,
    bucket_stand_in,
    check_base_url,
    check_bucket_url,
    check_cache_control,
    check_category_paths,
    check_filter,
    check_hub_url,
    check_lease_seconds,
    check_timezone,
    check_unique_names,
    inherited_timezone,
    is_bucket_url,
    upstream_location,
)
from feedkit.errors import ConfigError


def load_config(path: Path, out_override: Path | str | None = None) -> Config:
    """Read ``feedkit.toml``.  Relative paths in it are relative to the file's folder.

    ``out_override`` (``--out``) is a folder, or an ``s3://bucket/prefix`` URL (a str) to publish to.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), f"cannot read config file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), f"not valid TOML: {exc}") from None
    return parse_config(raw, path.parent, out_override)


def parse_config(raw: Mapping[str, Any], root: Path, out_override: Path | str | None = None) -> Config:
    """Build a :class:`~feedkit.config.Config` from already-parsed TOML data."""
    top = Table(raw, "")
    out_value = top.text("out")
    out, output = choose_output(out_value, _output(top.table("output")), root, out_override)
    store_value, store_url, lease_seconds = _store(top)
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
        store_lease_seconds=lease_seconds,
        workers=_workers(top),
        channels=channels,
        all_channel=_all_channel(top.table("all")),
        category=_channel_map(top.table("category")),
        tag=_channel_map(top.table("tag")),
        author=_channel_map(top.table("author")),
        source=_channel_map(top.table("source")),
        aliases=_aliases(top.table("aliases")),
        websub=_websub(top.table("websub")),
        transforms=_transforms(top, {a.name for a in articles} | {f.name for f in feeds}),
        allow_code=top.get("allow_code", bool, False),
        output=output,
    )
    top.reject_unknown()
    check_output_folder(config, out_key="--out" if out_override is not None else "out")
    check_store_outside_output(config)
    return config


def choose_output(out_value: str | None, output: OutputConfig, root: Path,
                  out_override: Path | str | None) -> tuple[Path, OutputConfig]:
    """``(out, output)``: ``--out`` wins (a folder, or an ``s3://`` URL), then ``out``, then ``[output] url``.

    For a bucket, ``out`` is the stand-in :func:`~feedkit.config.types.bucket_stand_in` in ``root``
    (only the default store is placed by it).  Setting both ``out`` and ``[output] url`` is an error.
    """
    if out_override is not None:
        if is_bucket_url(out_override):
            url = check_bucket_url("--out", out_override)
            return bucket_stand_in(url, root), replace(output, url=url)
        return Path(out_override), replace(output, url=None)
    if out_value is not None and output.url is not None:
        raise ConfigError("output.url", "set either 'out' (a folder) or [output] url (a bucket), not both")
    if out_value is not None and is_bucket_url(out_value):
        url = check_bucket_url("out", out_value)
        return bucket_stand_in(url, root), replace(output, url=url)
    if out_value is not None:
        return root / out_value, output
    if output.url is not None:
        return bucket_stand_in(output.url, root), output
    raise ConfigError("out", "no output folder: set 'out' (or [output] url) in the config or pass --out")


CREDENTIAL_KEYS = frozenset({
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "access_key", "access_key_id",
    "secret_key", "secret_access_key", "session_token", "credentials", "profile", "password",
})
"""Keys some tools read credentials from; feedkit refuses them so no secret ends up in a config file."""


def _output(t: Table) -> OutputConfig:
    for key in t.data:
        if key.lower() in CREDENTIAL_KEYS:
            raise ConfigError(t.key(key), "credentials are never read from feedkit.toml: use the AWS "
                              "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE) or "
                              "~/.aws/credentials, and remove this key")
    d = OutputConfig()
    url = t.get("url", str, None)
    endpoint = t.get("endpoint_url", str, None)
    cache_control = check_cache_control(t.key("cache_control"), t.get("cache_control", str, d.cache_control))
    result = OutputConfig(
        url=check_bucket_url(t.key("url"), url) if url is not None else None,
        endpoint_url=check_hub_url(t.key("endpoint_url"), endpoint) if endpoint is not None else None,
        region=t.text("region"),
        cache_control=cache_control,
    )
    t.reject_unknown()
    return result


STORE_URL_VARIABLE = "FEEDKIT_STORE_URL"


def _store(top: Table) -> tuple[str | None, str | None, float]:
    """``store = "file"``, or ``[store]`` with ``path``, ``url`` and ``lease_seconds``; ``FEEDKIT_STORE_URL``
    overrides the URL."""
    lease = DEFAULT_LEASE_SECONDS
    if isinstance(top.data.get("store"), dict):
        table = top.table("store")
        path, url = table.text("path"), table.text("url")
        lease = check_lease_seconds(table.key("lease_seconds"),
                                    table.get("lease_seconds", (int, float), DEFAULT_LEASE_SECONDS))
        table.reject_unknown()
    else:
        path, url = top.text("store"), None
    return path, os.environ.get(STORE_URL_VARIABLE) or url, lease


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
    if config.to_bucket:  # nothing local is published; a bucket cannot overlap an article folder
        return
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
    if config.to_bucket or config.store_url is not None:
        return  # a bucket or a database: no folder to compare
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
        allow_shrink=t.get("allow_shrink", bool, d.allow_shrink),
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


_RULE_KEYS = ("keywords", "in_categories", "older_than")
_TRANSFORM_KEYS: dict[str, tuple[str, ...]] = {
    "replace": ("fields", "pattern", "replacement"),
    "drop_elements": ("selectors",),
    "proxy_images": ("template", "hosts"),
    "categories": ("categories", "mode", *_RULE_KEYS),
    "keep": _RULE_KEYS,
    "drop": _RULE_KEYS,
    "chinese": ("fields", "convert"),
    "code": ("function",),
}
"""The keys each transform type takes besides ``type``, ``sources`` and ``name``."""
_FUNCTION = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")


def _transforms(top: Table, source_names: set[str]) -> tuple[TransformConfig, ...]:
    return tuple(_transform(t, source_names) for t in top.tables("transforms"))


def _transform(t: Table, source_names: set[str]) -> TransformConfig:
    kind = t.choice("type", TRANSFORM_TYPES, None)
    if kind is None:
        raise ConfigError(t.key("type"), "every [[transforms]] table needs a type: one of "
                          + ", ".join(TRANSFORM_TYPES))
    for name in t.data:
        if name not in ("type", "sources", *_TRANSFORM_KEYS[kind]):
            takes = ", ".join(_TRANSFORM_KEYS[kind])
            raise ConfigError(t.key(name), f"not a key of a {kind!r} transform (it takes sources, {takes})")
    sources = t.strings("sources")
    for i, name in enumerate(sources):
        if name not in source_names:
            known = ", ".join(sorted(source_names)) or "none"
            raise ConfigError(f"{t.key('sources')}[{i}]",
                              f"no article source or feed is named {name!r} (known: {known})")
    d = TransformConfig(type=kind)
    fields = t.strings("fields")
    allowed_fields = CHINESE_FIELDS if kind == "chinese" else TRANSFORM_TEXT_FIELDS
    for i, name in enumerate(fields):
        if name not in allowed_fields:
            raise ConfigError(f"{t.key('fields')}[{i}]", f"expected one of {', '.join(allowed_fields)}, got {name!r}")
    older = t.duration("older_than", 1) if "older_than" in t.data else None
    result = TransformConfig(
        type=kind,
        sources=sources,
        fields=fields,
        pattern=_pattern(t) if kind == "replace" else "",
        replacement=t.get("replacement", str, d.replacement),
        selectors=t.selectors("selectors"),
        template=_template(t) if kind == "proxy_images" else "",
        hosts=tuple(host.lower().strip(".") for host in t.strings("hosts")),
        keywords=tuple(word for word in t.strings("keywords") if word.strip()),
        in_categories=t.strings("in_categories"),
        older_than=older,
        categories=_category_paths(t, "categories"),
        mode=t.choice("mode", CATEGORY_MODES, d.mode) or d.mode,
        convert=t.choice("convert", CHINESE_CONVERSIONS, d.convert) or d.convert,
        function=_function(t) if kind == "code" else "",
    )
    if kind == "drop_elements" and not result.selectors:
        raise ConfigError(t.key("selectors"), "name at least one CSS selector of elements to remove")
    if kind in ("keep", "drop") and not (result.keywords or result.in_categories or older is not None):
        raise ConfigError(t.key("type"), f"a {kind!r} transform needs a rule: keywords, in_categories or older_than")
    if kind == "categories" and not result.categories and result.mode == "add":
        raise ConfigError(t.key("categories"), "name the categories to add ('a/b' or a list of names)")
    t.reject_unknown()
    return result


def _pattern(t: Table) -> str:
    pattern = t.text("pattern")
    if pattern is None:
        raise ConfigError(t.key("pattern"), "a 'replace' transform needs a regular expression")
    try:
        compiled = re.compile(pattern)
        compiled.sub(t.get("replacement", str, ""), "")
    except re.error as exc:
        raise ConfigError(t.key("pattern"), f"invalid regular expression or replacement: {exc}") from None
    return pattern


def _template(t: Table) -> str:
    template = t.text("template")
    if template is None or ("{url}" not in template and "{url_raw}" not in template):
        raise ConfigError(t.key("template"), "expected a URL with {url} or {url_raw}, such as "
                          "'https://proxy.example/?url={url}'")
    try:
        example = template.format(url="https%3A%2F%2Fexample.org%2Fa.png", url_raw="https://example.org/a.png")
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(t.key("template"), f"only {{url}} and {{url_raw}} may stand in braces ({exc})") from None
    parts = urlsplit(example)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(t.key("template"), f"expected an absolute http(s) URL, got {template!r}")
    return template


def _function(t: Table) -> str:
    function = t.text("function")
    if function is None or not _FUNCTION.match(function):
        raise ConfigError(t.key("function"), f"expected 'module:function' such as 'mytransforms:fix_titles', "
                          f"got {function!r}")
    return function
