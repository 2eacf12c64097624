"""Static site generators: which files of a site root are posts, and their links, dates and titles.

A path that is a site root (:mod:`~feedkit.articles.sites.detect`) is read the way its generator
builds it - one small module per generator: :mod:`~feedkit.articles.sites.hexo`,
:mod:`~feedkit.articles.sites.jekyll`, :mod:`~feedkit.articles.sites.hugo`,
:mod:`~feedkit.articles.sites.zola`, each a :class:`~feedkit.articles.sites.rules.Rules`.
:func:`resolve_source` reads the site's config once per build into
:class:`~feedkit.config.types.SiteSettings` and fills the source's settings that ``feedkit.toml``
left open (the site's URL, timezone, language); discovery and the article parser then ask the
generator's rules about every file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from feedkit.articles.sites import hexo, hugo, jekyll, zola
from feedkit.articles.sites.detect import config_file, detect
from feedkit.articles.sites.rules import LinkInput, Rules, Verdict
from feedkit.config.types import ArticleSourceConfig, SiteSettings, resolve_timezone
from feedkit.errors import ConfigError
from feedkit.model import CategoryPath, Entry, Problem, Severity

__all__ = [
    "LinkInput",
    "Rules",
    "Verdict",
    "category_url",
    "content_roots",
    "describe",
    "link_collisions",
    "resolve_source",
    "rules_for",
]

RULES: dict[str, Rules] = {"hexo": hexo.RULES, "jekyll": jekyll.RULES, "hugo": hugo.RULES, "zola": zola.RULES}
MACHINE_ZONE = {"hexo": "Hexo", "jekyll": "Jekyll"}
"""Generators that read dates without an offset in the build machine's zone when the site sets none."""


def rules_for(site: SiteSettings) -> Rules:
    return RULES[site.generator]


def resolve_source(source: ArticleSourceConfig, now: datetime | None = None,
                   ) -> tuple[ArticleSourceConfig, list[Problem]]:
    """``source`` with its site read (``source.site``) and the site's settings filled in where
    ``feedkit.toml`` and the command line left them open; plain folders come back unchanged.

    ``now`` (the build's time) decides which posts are in the future or expired.  A config
    that cannot be read raises :class:`~feedkit.errors.ConfigError` naming the file.
    """
    if source.generator == "plain":
        return source, []
    if source.site is not None:
        return replace(source, site=replace(source.site, now=now)), []
    if source.generator == "auto":
        found = detect(source.paths[0]) if len(source.paths) == 1 else None
        if found is None:
            return source, []
        generator, site_file = found
    else:
        if len(source.paths) != 1 or not source.paths[0].is_dir():
            raise ConfigError(f"articles source {source.name!r}: generator",
                              f"generator = {source.generator!r} needs one path: the site's root folder")
        generator, site_file = source.generator, config_file(source.paths[0], source.generator)
    problems: list[Problem] = []
    site = RULES[generator].read(source.paths[0], site_file, problems)
    site = replace(site, now=now)
    origin = str(site_file or source.paths[0])
    changes: dict[str, object] = {"site": site}
    if "timezone" not in source.explicit:
        if site.timezone:
            try:
                resolve_timezone("timezone", site.timezone)
                changes["timezone"] = site.timezone
            except ConfigError:
                problems.append(Problem(origin, f"timezone {site.timezone!r} is not an IANA zone: dates without "
                                        f"an offset are read in {source.timezone}", Severity.WARNING))
        elif generator in MACHINE_ZONE:
            problems.append(Problem(origin, f"the site sets no timezone: {MACHINE_ZONE[generator]} reads dates "
                                    "without an offset in the build machine's zone, feedkit in "
                                    f"{source.timezone} (set timezone in feedkit.toml or --timezone to match "
                                    "the machine that builds the site)", Severity.WARNING))
    if "base_url" not in source.explicit:
        if site.url:
            changes["base_url"] = site.url
        else:
            problems.append(Problem(origin, "the site's config gives no absolute URL: item links start at the "
                                    "output's base URL (set base_url for this source)", Severity.WARNING))
    if "language" not in source.explicit and site.language:
        changes["language"] = site.language
    return replace(source, **changes), problems  # type: ignore[arg-type]


def describe(source: ArticleSourceConfig) -> str | None:
    """One report line: which generator and config file a source was read with."""
    site = source.site
    if site is None:
        return None
    where = str(site.config_file) if site.config_file else f"{site.root} (no config file: the generator's defaults)"
    return (f"articles source {source.name!r}: {site.generator} site, config {where}; item links start at "
            f"{source.base_url}")


def link_collisions(sources: Sequence[ArticleSourceConfig], entries: Sequence[Entry]) -> list[Problem]:
    """A warning for every post of a generator's site whose link another post of that site also has.

    Both keep the link the generator gives them (hexo-abbrlink 2.2.1 with ``rep: hex`` never detects
    a collision, so two posts with one title share one URL): the report says which.
    """
    site_sources = {source.name for source in sources if source.site is not None}
    first: dict[tuple[str, str], Entry] = {}
    problems = []
    for entry in entries:
        if entry.source not in site_sources or not entry.link:
            continue
        other = first.setdefault((entry.source, entry.link), entry)
        if other is not entry:
            problems.append(Problem(entry.origin, f"has the same link {entry.link} as {other.origin}: the generator "
                                    "gives both that link (with hexo-abbrlink: the same title, a collision the plugin "
                                    "does not detect in hex mode); only one of the pages exists", Severity.WARNING))
    return problems


def category_url(site: SiteSettings, path: CategoryPath) -> str | None:
    """The site's own page of category ``path``, when the site has category pages."""
    rules = rules_for(site)
    return rules.category_url(site, path) if rules.category_url else None


def content_roots(site: SiteSettings) -> list[Path]:
    """The folders to walk for posts (those that exist)."""
    if not site.content_dir:
        return [site.root]
    roots = [site.root / site.content_dir]
    if site.generator == "hexo" and site.drafts:
        roots.append(site.root / site.content_dir[: -len("_posts")] / "_drafts")
    return [root for root in roots if root.is_dir()]
