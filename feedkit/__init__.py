"""feedkit: front-matter articles and upstream feeds -> clean per-category RSS, Atom and JSON feeds.

The public API mirrors the CLI::

    import feedkit
    config = feedkit.load_config(Path("feedkit.toml"))
    report = feedkit.build(config)
    print(report.summary())

    feedkit.run(lambda: config, feedkit.DaemonSettings(serve=("127.0.0.1", 8080)))  # the daemon
"""

from __future__ import annotations

__version__ = "0.1.0"

from .build import Transform, build
from .config import (
    ArticleSourceConfig,
    ChannelConfig,
    ChannelsConfig,
    Config,
    FetchConfig,
    SiteConfig,
    UpstreamSourceConfig,
    WebSubConfig,
)
from .configfile import load_config, parse_config
from .daemon import DaemonSettings, run
from .errors import ConfigError, FeedkitError, InputError, OutputError, StoreError
from .model import Author, Channel, ChannelInfo, Entry, Image, Problem, Severity, Via
from .report import BuildReport, SourceHealth

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
