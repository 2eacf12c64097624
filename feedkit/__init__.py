"""feedkit: front-matter articles and upstream feeds -> clean per-category RSS, Atom and JSON feeds.

The public API mirrors the CLI::

    import feedkit
    config = feedkit.load_config(Path("feedkit.toml"))
    report = feedkit.build(config)
    print(report.summary())
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
)
from .configfile import load_config, parse_config
from .errors import ConfigError, FeedkitError, InputError, OutputError
from .model import Author, Channel, ChannelInfo, Entry, Image, Problem, Severity
from .report import BuildReport

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
    "Entry",
    "FeedkitError",
    "FetchConfig",
    "Image",
    "InputError",
    "OutputError",
    "Problem",
    "Severity",
    "SiteConfig",
    "Transform",
    "UpstreamSourceConfig",
    "__version__",
    "build",
    "load_config",
    "parse_config",
]
