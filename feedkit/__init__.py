"""feedkit: front-matter articles and upstream feeds -> clean per-category RSS, Atom and JSON feeds.

The public API mirrors the CLI::

    import feedkit
    config = feedkit.load_config(Path("feedkit.toml"))
    report = feedkit.build(config)
    print(report.summary())

    feedkit.run(lambda: config, feedkit.DaemonSettings(serve=("127.0.0.1", 8080)))  # the daemon
"""

from __future__ import annotations

from feedkit._version import __version__
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
from feedkit.daemon import DaemonSettings, run
from feedkit.errors import ConfigError, FeedkitError, InputError, OutputError, StoreError
from feedkit.model import Author, Channel, ChannelInfo, Entry, Image, Problem, Severity, Via
from feedkit.pipeline import Transform, build
from feedkit.report import BuildReport, SourceHealth

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
    "Entry",
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
    "parse_config",
    "run",
]
