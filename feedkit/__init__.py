"""feedkit: front-matter articles and upstream feeds -> clean per-category RSS, Atom and JSON feeds.

Everything a Python user needs is in this one namespace (``feedkit.__all__``); the
submodules are internal and may move.

The pipeline, as ``feedkit build`` and ``feedkit run`` use it::

    import feedkit

    config = feedkit.Config(
        out="public",
        site=feedkit.SiteConfig(title="My site", base_url="https://example.org/feeds/"),
        articles=[feedkit.ArticleSourceConfig(paths=["source/_posts"], timezone="Asia/Shanghai")],
        feeds=[feedkit.UpstreamSourceConfig(url="https://example.com/feed.xml", name="example")],
    )                                    # or feedkit.load_config(Path("feedkit.toml"))
    report = feedkit.build(config)       # a BuildReport: what was read, skipped, written
    print(report.summary())

    feedkit.run(lambda: config, feedkit.DaemonSettings(serve=("127.0.0.1", 8080)))  # the daemon

One stage at a time, without the pipeline (no files written, no network)::

    entry = feedkit.parse_article(Path("post.md"))       # or bytes, or a frontmatter.Post
    entries = feedkit.parse_feed(xml_bytes, url="https://example.com/feed.xml")
    data = feedkit.render(feedkit.Channel(title="News", link="https://example.org/"), entries, "atom")

Config objects are frozen, keyword-only and check their values with the same messages as
``feedkit.toml``; data objects (:class:`Entry` and friends) are frozen dataclasses with
timezone-aware UTC datetimes.  Every exception feedkit raises on purpose derives from
:class:`FeedkitError` (the tree is drawn in :mod:`feedkit.errors`).
"""

from __future__ import annotations

import typing

from feedkit._version import __version__
from feedkit.api import parse_article, parse_feed, render
from feedkit.config import (
    ArticleSourceConfig,
    ChannelConfig,
    ChannelsConfig,
    Config,
    FetchConfig,
    OutputConfig,
    SiteConfig,
    UpstreamSourceConfig,
    WebSubConfig,
    load_config,
    parse_config,
)
from feedkit.errors import ConfigError, FeedkitError, InputError, OutputError, StoreError
from feedkit.interop import to_feedgen
from feedkit.model import Author, Channel, ChannelInfo, Enclosure, Entry, Episode, Image, Problem, Severity, Via
from feedkit.pipeline.build import Transform, build
from feedkit.report import BuildReport, SourceHealth

if typing.TYPE_CHECKING:
    from feedkit.daemon import DaemonSettings, run


def __getattr__(name: str) -> typing.Any:
    """The daemon's names load it on first use: ``feedkit build`` and library users that never run the
    daemon do not pay for APScheduler and waitress."""
    if name in ("DaemonSettings", "run"):
        from feedkit.daemon import service

        value = getattr(service, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'feedkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "ArticleSourceConfig",
    "Author",
    "BuildReport",
    "Channel",
    "ChannelConfig",
    "ChannelInfo",
    "ChannelsConfig",
    "Config",
    "ConfigError",
    "DaemonSettings",
    "Enclosure",
    "Entry",
    "Episode",
    "FeedkitError",
    "FetchConfig",
    "Image",
    "InputError",
    "OutputConfig",
    "OutputError",
    "Problem",
    "Severity",
    "SiteConfig",
    "SourceHealth",
    "StoreError",
    "Transform",
    "UpstreamSourceConfig",
    "Via",
    "WebSubConfig",
    "__version__",
    "build",
    "load_config",
    "parse_article",
    "parse_config",
    "parse_feed",
    "render",
    "run",
    "to_feedgen",
]
