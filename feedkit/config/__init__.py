"""Configuration: the frozen config objects, and ``feedkit.toml`` read into them.

:mod:`~feedkit.config.types` holds the objects and the checks every caller shares (TOML and
CLI alike); :mod:`~feedkit.config.load` reads a file; :mod:`~feedkit.config.table` is the
typed, key-naming TOML getter.  Every error is a :class:`~feedkit.errors.ConfigError` naming
the key.  Config imports no stage: it is the first layer above the shared helpers.
"""

from __future__ import annotations

from feedkit.config.load import load_config, parse_config
from feedkit.config.types import (
    ArticleSourceConfig,
    ChannelConfig,
    ChannelsConfig,
    Config,
    FetchConfig,
    OutputConfig,
    SiteConfig,
    UpstreamSourceConfig,
    WebSubConfig,
)

__all__ = [
    "ArticleSourceConfig",
    "ChannelConfig",
    "ChannelsConfig",
    "Config",
    "FetchConfig",
    "OutputConfig",
    "SiteConfig",
    "UpstreamSourceConfig",
    "WebSubConfig",
    "load_config",
    "parse_config",
]
