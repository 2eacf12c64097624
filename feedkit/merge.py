"""Entries -> channels: aliases, de-duplication, routing, slugs, ordering.

Pure functions: no I/O.  A channel's files live in a folder named after its kind and
slug (``category/金融/新浪财经/``), so slugs are folder paths made of slugified names.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .config import CategoryConfig
from .model import CategoryPath, Entry, Problem, Severity

_SLUG_KEEP = re.compile(r"[^\w\-.~]+", re.UNICODE)
_DASHES = re.compile(r"-{2,}")


def slugify(name: str) -> str:
    """One path segment: NFKC-normalized, lower-cased, Unicode letters and digits kept.

    ``+`` and ``#`` become ``plus`` and ``sharp`` (``C++`` and ``C`` stay apart).
    Separators, reserved and control characters become ``-``; leading and trailing
    dots and dashes are removed, so ``..`` or an empty segment cannot result (a name
    with nothing usable becomes ``_`` plus a short hash of the name).
    """
    text = unicodedata.normalize("NFKC", name).strip().lower()
    text = text.replace("+", "-plus-").replace("#", "-sharp-")
    text = _SLUG_KEEP.sub("-", text.replace("_", "-"))
    text = _DASHES.sub("-", text).strip("-.~")
    if not text:
        text = "_" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return text


def category_slug(path: CategoryPath) -> str:
    return "/".join(slugify(name) for name in path)


def user_slug(value: str) -> str:
    """A slug set in the config: each ``/``-separated part slugified like a name."""
    parts = [part for part in value.replace("\\", "/").split("/") if part.strip(" .")]
    return "/".join(slugify(part) for part in parts) or slugify(value)


def apply_aliases(entry: Entry, aliases: Mapping[str, str]) -> Entry:
    """Rename categories and tags that are aliases of another name (per path segment)."""
    if not aliases:
        return entry
    categories = tuple(
        dict.fromkeys(tuple(aliases.get(name, name) for name in path) for path in entry.categories)
    )
    tags = tuple(dict.fromkeys(aliases.get(tag, tag) for tag in entry.tags))
    if categories == entry.categories and tags == entry.tags:
        return entry
    return replace(entry, categories=categories, tags=tags)


def sort_key(entry: Entry) -> tuple[float, str]:
    """Newest first, then by id: a total, stable order."""
    return (-entry.published.timestamp(), entry.id)


def dedupe(entries: Iterable[Entry]) -> tuple[list[Entry], list[Problem]]:
    """Keep one entry per id: the most recently updated; ties go to the first origin in sort order."""
    best: dict[str, Entry] = {}
    problems: list[Problem] = []
    for entry in sorted(entries, key=lambda e: (e.id, e.origin)):
        kept = best.get(entry.id)
        if kept is None:
            best[entry.id] = entry
            continue
        winner, loser = (entry, kept) if _freshness(entry) > _freshness(kept) else (kept, entry)
        best[entry.id] = winner
        problems.append(
            Problem(loser.origin, f"same id {entry.id} as {winner.origin}; kept that one", Severity.WARNING)
        )
    return sorted(best.values(), key=sort_key), problems


def _freshness(entry: Entry) -> datetime:
    return entry.updated or entry.published


@dataclass(frozen=True, slots=True)
class PlannedChannel:
    """A channel before rendering: its identity and all of its entries, newest first."""

    kind: str
    slug: str
    title: str
    description: str
    category: CategoryPath | None
    entries: tuple[Entry, ...]

    @property
    def folder(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}/{self.slug}"


@dataclass(frozen=True, slots=True)
class RoutingOptions:
    site_title: str
    site_description: str = ""
    all_channel: bool = True
    all_title: str | None = None
    categories: bool = True
    tags: bool = False
    overrides: Mapping[str, CategoryConfig] | None = None


def route(entries: Sequence[Entry], options: RoutingOptions) -> tuple[list[PlannedChannel], list[Problem]]:
    """Group sorted entries into channels.

    An entry in ``a/b/c`` appears in the channels of ``a``, ``a/b`` and ``a/b/c``.
    Two categories whose slugs collide are an error naming both: the first in sort
    order keeps the slug, the other channel is not published.
    """
    problems: list[Problem] = []
    channels: list[PlannedChannel] = []
    if options.all_channel:
        title = options.all_title or options.site_title
        channels.append(
            PlannedChannel("all", "all", title, options.site_description or title, None, tuple(entries))
        )
    if options.categories:
        members: dict[CategoryPath, list[Entry]] = {}
        for entry in entries:
            prefixes = {path[:depth] for path in entry.categories for depth in range(1, len(path) + 1)}
            for prefix in prefixes:
                members.setdefault(prefix, []).append(entry)
        channels.extend(_category_channels(members, options, problems))
    if options.tags:
        tagged: dict[str, list[Entry]] = {}
        for entry in entries:
            for tag in entry.tags:
                tagged.setdefault(tag, []).append(entry)
        channels.extend(_tag_channels(tagged, options, problems))
    return channels, problems


def _category_channels(
    members: Mapping[CategoryPath, list[Entry]], options: RoutingOptions, problems: list[Problem]
) -> list[PlannedChannel]:
    taken: dict[str, CategoryPath] = {}
    result: list[PlannedChannel] = []
    overrides = options.overrides or {}
    for path in sorted(members):
        override = _override(path, overrides)
        slug = _slug_for(path, overrides)
        if slug in taken:
            problems.append(_collision("category", path, taken[slug], slug))
            continue
        taken[slug] = path
        title = (override.title if override else None) or f"{options.site_title}: {' / '.join(path)}"
        description = (override.description if override else None) or title
        result.append(PlannedChannel("category", slug, title, description, path, tuple(members[path])))
    return result


def _tag_channels(
    tagged: Mapping[str, list[Entry]], options: RoutingOptions, problems: list[Problem]
) -> list[PlannedChannel]:
    taken: dict[str, CategoryPath] = {}
    result: list[PlannedChannel] = []
    for tag in sorted(tagged):
        slug = slugify(tag)
        if slug in taken:
            problems.append(_collision("tag", (tag,), taken[slug], slug))
            continue
        taken[slug] = (tag,)
        title = f"{options.site_title}: #{tag}"
        result.append(PlannedChannel("tag", slug, title, title, None, tuple(tagged[tag])))
    return result


def _slug_for(path: CategoryPath, overrides: Mapping[str, CategoryConfig]) -> str:
    """A configured slug, else the parent's slug plus this name: ``finance/sina`` under a parent slugged ``finance``."""
    override = _override(path, overrides)
    if override and override.slug:
        return user_slug(override.slug)
    if len(path) == 1:
        return slugify(path[0])
    return f"{_slug_for(path[:-1], overrides)}/{slugify(path[-1])}"


def _override(path: CategoryPath, overrides: Mapping[str, CategoryConfig]) -> CategoryConfig | None:
    return overrides.get("/".join(path)) or overrides.get(path[-1])


def _collision(kind: str, path: CategoryPath, other: CategoryPath, slug: str) -> Problem:
    return Problem(
        f"{kind} {'/'.join(path)!r}",
        f"its slug {slug!r} is already used by {kind} {'/'.join(other)!r}; give one of them its own slug "
        f"in [category] or merge them with [aliases] (this channel was not published)",
    )
