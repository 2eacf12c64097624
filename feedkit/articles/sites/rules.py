"""The shape of a generator's rules: the few questions feedkit asks each generator module.

Each of :mod:`~feedkit.articles.sites.hexo`, :mod:`~feedkit.articles.sites.jekyll`,
:mod:`~feedkit.articles.sites.hugo` and :mod:`~feedkit.articles.sites.zola` answers them in a
:class:`Rules` (``RULES``); :mod:`~feedkit.articles.sites.page` asks them for each file.
All of them are pure functions of their arguments (they run in worker processes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from feedkit.articles.frontmatter import Warn
from feedkit.config.types import SiteSettings
from feedkit.errors import ConfigError
from feedkit.model import CategoryPath, Problem

Meta = dict[Any, Any]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a file found under the site is one of the generator's posts."""

    post: bool
    reason: str | None = None
    """Why it is not a post (reported); None: not content at all (an image, a data file), said nowhere."""
    hidden: bool = False
    """A post the generator hides (Hexo's ``_``-prefixed files): published with ``publish_hidden``."""


NOT_CONTENT = Verdict(False)
POST = Verdict(True)


@dataclass(frozen=True, slots=True)
class LinkInput:
    """What a generator needs to spell one post's link."""

    meta: Meta
    rel_path: str
    title: str
    published: datetime
    zone: ZoneInfo
    categories: tuple[CategoryPath, ...]
    base: str
    """The site's URL (or the source's base_url)."""


@dataclass(frozen=True, slots=True)
class Rules:
    """One generator's answers."""

    read: Callable[[Path, Path | None, list[Problem]], SiteSettings]
    """(root, config file, warnings) -> the site's settings; ConfigError for a config that cannot be read."""
    classify: Callable[[SiteSettings, str], Verdict]
    """(site, path relative to the root) -> is it a post?"""
    excluded: Callable[[SiteSettings, Meta, datetime | None, ZoneInfo], str | None]
    """(site, front matter, date, zone) -> why the generator leaves this post out (draft, future …), or None."""
    published: Callable[[SiteSettings, Meta, str, ZoneInfo, float | None, Warn], datetime | None]
    """(site, front matter, path, zone, mtime, warn) -> the post's date; None: it has none (then it is
    not published, see :func:`~feedkit.articles.sites.page.site_page`)."""
    title: Callable[[SiteSettings, Meta, str], str | None]
    """(site, front matter, path) -> the title; None: the generator gives none (feedkit's fallback applies)."""
    link: Callable[[SiteSettings, LinkInput], str]
    categories: Callable[[SiteSettings, Meta, str, tuple[CategoryPath, ...]], tuple[CategoryPath, ...]] | None = None
    """(site, front matter, path, feedkit's categories) -> the generator's; None: feedkit's."""
    category_url: Callable[[SiteSettings, CategoryPath], str | None] | None = None
    """The site's own page of a category, if it has one."""
    undated: str = "it has no date"
    """Why a post without a date is left out (the generator's words)."""


def config_error(site_file: Path | None, key: str, reason: str) -> ConfigError:
    return ConfigError(f"{site_file}: {key}" if site_file else key, reason)
