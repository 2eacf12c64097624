"""The library functions that use one stage without the pipeline: render, parse an article, parse a feed.

:func:`render` turns entries into RSS 2.0, Atom 1.0 or JSON Feed 1.1 bytes with the same
renderer ``feedkit build`` uses; :func:`parse_article` and :func:`parse_feed` are the two
normalizers that turn an article file (or a python-frontmatter ``Post``) and an upstream
document into :class:`~feedkit.model.Entry` objects.  All three are pure: no network, no
clock (``parse_feed`` takes ``now``), no files written.

Everything here is re-exported by :mod:`feedkit`; import it from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from feedkit.articles import FrontMatterDocument, load_article
from feedkit.articles import parse_article as _parse_article_bytes
from feedkit.articles import parse_document as _parse_document
from feedkit.articles.frontmatter import opening_fence
from feedkit.config.types import DEFAULT_BASE_URL, FILE_NAMES, FORMATS, ArticleSourceConfig, UpstreamSourceConfig
from feedkit.errors import ConfigError, InputError
from feedkit.links import encode_url
from feedkit.model import Channel, ChannelInfo, Entry, Problem, Severity
from feedkit.render.formats import RENDERERS

__all__ = ["FrontMatterPost", "parse_article", "parse_feed", "render"]


@runtime_checkable
class FrontMatterPost(Protocol):
    """What :func:`parse_article` needs of a python-frontmatter ``frontmatter.Post``.

    Any object with a ``metadata`` mapping and a ``content`` string will do; the ``handler``
    (``TOMLHandler`` / ``JSONHandler``), when present, tells how lists of categories are read
    (as in a ``+++`` or JSON file: a flat list is a list of categories, not one nested path).
    """

    metadata: Mapping[str, Any]
    content: str


def render(
    channel: Channel | ChannelInfo,
    entries: Iterable[Entry],
    format: str = "rss",
    *,
    base_url: str = DEFAULT_BASE_URL,
    stylesheet: str | None = None,
    skip_bad_entries: bool = False,
) -> bytes:
    """A channel and its entries -> the bytes of one feed document (``rss``, ``atom`` or ``json``).

    ``channel`` is a :class:`~feedkit.model.Channel` (``Channel(title=..., link=...)`` is
    enough), or a :class:`~feedkit.model.ChannelInfo` from a :class:`~feedkit.report.BuildReport`
    or ``index.json``, whose links are made from ``base_url`` (the public URL of the output
    folder).  Entries are written in the order given: sort them first
    (``sorted(entries, key=lambda e: e.published, reverse=True)``).  ``stylesheet`` is the
    href of an XSL stylesheet for browsers (RSS and Atom only).

    An entry that cannot be rendered (a naive ``published`` date, a value of the wrong
    type) raises :class:`~feedkit.errors.InputError` naming it; with ``skip_bad_entries``
    it is left out instead, as ``feedkit build`` does.  The output is deterministic: the same
    arguments give the same bytes.

        >>> from datetime import datetime, UTC
        >>> entry = Entry(id="urn:x:1", title="Hello", link="https://example.org/1",
        ...               published=datetime(2024, 5, 1, tzinfo=UTC))
        >>> render(Channel(title="News", link="https://example.org/"), [entry], "json")[:9]
        b'{\\n  "vers'
    """
    if format not in RENDERERS:
        raise ConfigError("format", f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
    if isinstance(channel, ChannelInfo):
        channel = channel_of(channel, base_url)
    elif not isinstance(channel, Channel):
        raise TypeError(f"render() takes a Channel or a ChannelInfo, not {type(channel).__name__}")
    entries = tuple(entries)
    for i, entry in enumerate(entries):
        if not isinstance(entry, Entry):
            raise TypeError(f"render() takes Entry objects; item {i} is a {type(entry).__name__}")
    rendered = RENDERERS[format](channel, entries, stylesheet=stylesheet)
    if rendered.dropped and not skip_bad_entries:
        problem = rendered.dropped[0]
        raise InputError(problem.origin, f"{problem.message} (pass skip_bad_entries=True to leave such entries out)")
    return rendered.data


def channel_of(info: ChannelInfo, base_url: str = DEFAULT_BASE_URL) -> Channel:
    """The renderers' :class:`~feedkit.model.Channel` for a published channel's ``ChannelInfo``.

    Feed URLs are ``base_url`` joined with the channel's files (``info.files``; for a
    format it has no file for, ``<kind>/<slug>/<file name>``, ``all/<file name>`` for the
    channel of all entries).
    """
    folder = "all" if info.kind == "all" else f"{info.kind}/{info.slug}"
    base = base_url if base_url.endswith("/") else base_url + "/"
    feed_urls = {fmt: encode_url(base + info.files.get(fmt, f"{folder}/{FILE_NAMES[fmt]}")) for fmt in FORMATS}
    return Channel(title=info.title, link=base, slug=info.slug, kind=info.kind, description=info.description,
                   category=info.category, feed_urls=feed_urls)


def parse_article(
    article: Path | str | bytes | FrontMatterPost,
    *,
    source: ArticleSourceConfig | None = None,
    rel_path: str | None = None,
    base_url: str = DEFAULT_BASE_URL,
    problems: list[Problem] | None = None,
) -> Entry:
    """One article -> its :class:`~feedkit.model.Entry`, exactly as ``feedkit build`` would make it.

    ``article`` is a file (:class:`~pathlib.Path` or ``str`` path), the file's bytes, or a
    python-frontmatter ``Post`` (``frontmatter.load("post.md")``): its ``metadata`` and
    ``content`` are used as the front matter and body (a ``Post`` whose front matter
    python-frontmatter could not read, such as TOML without the ``toml`` package, is split
    again by feedkit).  ``source`` holds the settings that
    apply (timezone for naive dates, ``drop_selectors``, ``permalink``, the source ``name``
    that is part of the entry id ...); default ``ArticleSourceConfig(paths=())``.
    ``rel_path`` is the article's path inside its source, posix style: it decides the id,
    the body format (``.md`` / ``.html``) and the date when the file name has one; default
    the file's name, ``article.md`` for bytes and a ``Post``.  ``base_url`` is the site's
    public URL (for permalinks and relative links) unless ``source.base_url`` is set.

    Warnings (something was assumed, such as a date without a timezone) are appended to
    ``problems`` when a list is given.  Raises :class:`~feedkit.errors.InputError` when
    the article cannot be used (the message says why), is a draft, or is not an article.
    """
    source = source or ArticleSourceConfig(paths=())
    if isinstance(article, str):
        article = Path(article)
    if isinstance(article, Path):
        result = load_article(article, rel_path or article.name, source, site_base_url=base_url)
        origin = str(article)
    elif isinstance(article, bytes | bytearray | memoryview):
        origin = rel_path or "article.md"
        result = _parse_article_bytes(bytes(article), rel_path or "article.md", source, origin=origin,
                                      site_base_url=base_url)
    elif isinstance(article, FrontMatterPost) and not article.metadata and opening_fence(article.content):
        # python-frontmatter left the front matter in the content (TOML without the `toml`
        # package, a blank line before the fence): split it the way feedkit does.
        origin = rel_path or "article.md"
        result = _parse_article_bytes(article.content.encode("utf-8", "surrogatepass"), origin, source, origin=origin,
                                      site_base_url=base_url)
    elif isinstance(article, FrontMatterPost):
        origin = rel_path or "article.md"
        handler = type(getattr(article, "handler", None)).__name__
        syntax = {"TOMLHandler": "toml", "JSONHandler": "json"}.get(handler, "yaml")
        document = FrontMatterDocument(dict(article.metadata), article.content, syntax)
        result = _parse_document(document, origin, source, origin=origin, site_base_url=base_url)
    else:
        raise TypeError(f"parse_article() takes a path, bytes or a frontmatter.Post, not {type(article).__name__}")
    if problems is not None:
        problems.extend(p for p in result.problems if p.severity is not Severity.ERROR)
    if result.entry is None:
        if result.excluded:
            raise InputError(origin, "a draft (or published: false): not published")
        problem = next((p for p in result.problems if p.severity is Severity.ERROR), None) or result.problems[-1]
        raise InputError(origin, problem.message)
    return result.entry


def parse_feed(
    data: bytes,
    *,
    url: str = "",
    source: UpstreamSourceConfig | None = None,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
    problems: list[Problem] | None = None,
) -> list[Entry]:
    """One RSS, Atom or JSON Feed document -> its entries, as ``feedkit build`` would read them.

    ``url`` is where the document came from: relative links are resolved against it, and
    it names the feed in problems.  ``source`` holds the settings (``name``, part of every
    entry id; ``timezone`` for naive dates; ``categories``; keep/drop rules;
    ``drop_selectors`` ...); default ``UpstreamSourceConfig(url=url or "http://localhost/",
    name="feed")``.  ``headers`` are the HTTP response headers (their ``Content-Type``
    charset is used).  ``now`` (aware, default the clock) replaces missing or future dates.

    Warnings and the entries that were skipped are appended to ``problems`` when a list is
    given.  Raises :class:`~feedkit.errors.InputError` when the bytes are not a feed at all.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"parse_feed() takes the document's bytes, not {type(data).__name__}")
    from feedkit.upstream import apply_filters  # the upstream stage (feedparser) when a first feed is parsed
    from feedkit.upstream import parse_feed as _parse_feed

    source = source or UpstreamSourceConfig(url=url if url.startswith(("http://", "https://")) else DEFAULT_BASE_URL,
                                            name="feed")
    parsed = _parse_feed(bytes(data), url=url or source.url, headers=dict(headers or {}), source=source,
                         now=now or datetime.now(UTC))
    if problems is not None:
        problems.extend(parsed.problems)
    return list(apply_filters(parsed.entries, source)[0])
