"""Entries -> channels: aliases, de-duplication, routing, slugs, ordering.

Pure functions: no I/O.  A channel's files live in a folder named after its kind and
slug (``category/金融/新浪财经/``), so slugs are folder paths made of slugified names.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from feedkit.config.types import FILE_NAMES, ChannelConfig
from feedkit.limits import MAX_SLUG_SEGMENT_BYTES
from feedkit.model import CategoryPath, Entry, Problem, Severity

_SLUG_KEEP = re.compile(r"[^\w\-.~]+", re.UNICODE)
_DASHES = re.compile(r"-{2,}")
_WINDOWS_DEVICE = re.compile(r"(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\..*)?", re.IGNORECASE)
_HASH_LENGTH = 8


def slugify(name: str) -> str:
    """One path segment: NFKC-normalized, lower-cased, Unicode letters and digits kept.

    ``+`` and ``#`` become ``plus`` and ``sharp`` (``C++`` and ``C`` stay apart).
    Separators, reserved and control characters become ``-``; leading and trailing
    dots and dashes are removed, so ``..`` or an empty segment cannot result (a name
    with nothing usable becomes ``_`` plus a short hash of the name).  A segment that
    would be the name of a channel's own file (``rss.xml``, ``atom.xml``, ``feed.json``)
    or a Windows device name (``con``, ``nul``, ``aux.txt``, ``com1`` ...) gets a leading
    ``_``; one longer than :data:`~feedkit.limits.MAX_SLUG_SEGMENT_BYTES` (UTF-8) is cut
    and ends in ``-`` plus a short hash of the name, so file systems accept it and long
    names that start alike stay apart.
    """
    text = unicodedata.normalize("NFKC", name).strip().lower()
    text = text.replace("+", "-plus-").replace("#", "-sharp-")
    text = _SLUG_KEEP.sub("-", text.replace("_", "-"))
    text = _DASHES.sub("-", text).strip("-.~")
    if not text:
        return "_" + _short_hash(name)
    if text in FILE_NAMES.values() or _WINDOWS_DEVICE.fullmatch(text):
        return "_" + text
    if len(text.encode("utf-8")) > MAX_SLUG_SEGMENT_BYTES:
        room = MAX_SLUG_SEGMENT_BYTES - _HASH_LENGTH - 1
        cut = text.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip("-.~")
        return f"{cut}-{_short_hash(name)}"
    return text


def _short_hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_LENGTH]


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


def spelling_key(name: str) -> str:
    """What two spellings of one name share: NFKC (full-width letters are ASCII), case folded,
    runs of white space as one space."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def unify_spellings(entries: Sequence[Entry], preferred: Collection[str] = ()) -> tuple[list[Entry], list[Problem]]:
    """Categories (level by level, under the same parent) and tags that differ only in case,
    width or spacing become one name: the spelling most entries use (then one in ``preferred``,
    the names the config gives settings to, then the first in code-point order).  Each merge is
    reported as a note naming every spelling."""
    counts: dict[tuple[str, ...], Counter[str]] = {}
    paths: Counter[CategoryPath] = Counter(path for entry in entries for path in entry.categories)
    for path, times in paths.items():  # each distinct path once: a big site has few of them
        for depth in range(1, len(path) + 1):
            key = ("category", *(spelling_key(name) for name in path[:depth]))
            counts.setdefault(key, Counter())[path[depth - 1]] += times
    for tag, times in Counter(tag for entry in entries for tag in entry.tags).items():
        counts.setdefault(("tag", spelling_key(tag)), Counter())[tag] += times
    wanted = set(preferred)
    chosen: dict[tuple[str, ...], str] = {}
    problems: list[Problem] = []
    for key, spellings in counts.items():
        best = min(spellings, key=lambda name: (-spellings[name], name not in wanted, name))
        chosen[key] = best
        if len(spellings) > 1:
            listed = ", ".join(repr(name) for name in sorted(spellings))
            problems.append(Problem(key[0], f"{listed} differ only in case, width or spacing: "
                                            f"published as one {key[0]}, {best!r}", Severity.INFO))
    if not problems:
        return list(entries), []

    def path_of(path: CategoryPath) -> CategoryPath:
        keys = [spelling_key(name) for name in path]
        return tuple(chosen[("category", *keys[:depth])] for depth in range(1, len(path) + 1))

    unified = []
    for entry in entries:
        categories = tuple(dict.fromkeys(path_of(path) for path in entry.categories))
        tags = tuple(dict.fromkeys(chosen[("tag", spelling_key(tag))] for tag in entry.tags))
        same = categories == entry.categories and tags == entry.tags
        unified.append(entry if same else replace(entry, categories=categories, tags=tags))
    return unified, sorted(problems, key=lambda p: p.message)


def sort_key(entry: Entry) -> tuple[float, str]:
    """Newest first, then by id: a total, stable order."""
    return (-entry.published.timestamp(), entry.id)


KINDS = ("all", "category", "tag", "author", "source")
"""Channel kinds, in the order they are published; each kind has its own folder."""


@dataclass(frozen=True, slots=True)
class PlannedChannel:
    """A channel before rendering: its identity, its settings and all of its entries, newest first."""

    kind: str
    slug: str
    title: str
    description: str
    category: CategoryPath | None
    entries: tuple[Entry, ...]
    settings: ChannelConfig = ChannelConfig()
    """The matching ``[category."…"]`` (``[tag."…"]``, ``[all]`` …) table, if any."""

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
    authors: bool = False
    sources: bool = False
    include_categories: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    settings: Mapping[str, Mapping[str, ChannelConfig]] = field(default_factory=dict)
    """Per kind (``category``, ``tag``, ``author``, ``source``): name -> settings."""
    all_settings: ChannelConfig = ChannelConfig()


def route(entries: Sequence[Entry], options: RoutingOptions) -> tuple[list[PlannedChannel], list[Problem]]:
    """Group sorted entries into channels.

    An entry in ``a/b/c`` appears in the channels of ``a``, ``a/b`` and ``a/b/c``.
    Two channels of one kind whose slugs collide are an error naming both: the first
    in sort order keeps the slug, the other channel is not published.
    """
    problems: list[Problem] = []
    channels: list[PlannedChannel] = []
    if options.all_channel:
        s = options.all_settings
        title = s.title or options.all_title or options.site_title
        description = s.description or options.site_description or title
        channels.append(PlannedChannel("all", "all", title, description, None, tuple(entries), s))
    if options.categories:
        members: dict[CategoryPath, list[Entry]] = {}
        for entry in entries:
            prefixes = {path[:depth] for path in entry.categories for depth in range(1, len(path) + 1)}
            for prefix in sorted(prefixes):
                if category_wanted(prefix, options):
                    members.setdefault(prefix, []).append(entry)
        channels.extend(_category_channels(members, options, problems))
    named: list[tuple[str, bool, Callable[[Entry], Iterable[str]]]] = [
        ("tag", options.tags, lambda e: e.tags),
        ("author", options.authors, lambda e: (a.name for a in e.authors)),
        ("source", options.sources, lambda e: (e.source,) if e.source else ()),
    ]
    for kind, enabled, names_of in named:
        if enabled:
            groups: dict[str, list[Entry]] = {}
            for entry in entries:
                for name in dict.fromkeys(names_of(entry)):
                    groups.setdefault(name, []).append(entry)
            channels.extend(_named_channels(kind, groups, options, problems))
    return channels, problems


def category_wanted(path: CategoryPath, options: RoutingOptions) -> bool:
    def matches(item: str) -> bool:
        return any(item in ("/".join(path[:depth]), path[depth - 1]) for depth in range(1, len(path) + 1))

    if options.include_categories and not any(matches(item) for item in options.include_categories):
        return False
    return not any(matches(item) for item in options.exclude_categories)


def _category_channels(
    members: Mapping[CategoryPath, list[Entry]], options: RoutingOptions, problems: list[Problem]
) -> list[PlannedChannel]:
    taken: dict[str, CategoryPath] = {}
    result: list[PlannedChannel] = []
    overrides = options.settings.get("category", {})
    for path in sorted(members):
        settings = _override(path, overrides) or ChannelConfig()
        slug = _slug_for(path, overrides)
        if slug in taken:
            problems.append(_collision("category", path, taken[slug], slug))
            continue
        taken[slug] = path
        title = settings.title or f"{options.site_title}: {' / '.join(path)}"
        description = settings.description or title
        result.append(PlannedChannel("category", slug, title, description, path, tuple(members[path]), settings))
    return result


_KIND_TITLES = {"tag": "#{}", "author": "{}", "source": "{}"}


def _named_channels(
    kind: str, groups: Mapping[str, list[Entry]], options: RoutingOptions, problems: list[Problem]
) -> list[PlannedChannel]:
    taken: dict[str, CategoryPath] = {}
    result: list[PlannedChannel] = []
    overrides = options.settings.get(kind, {})
    for name in sorted(groups):
        settings = overrides.get(name) or ChannelConfig()
        slug = user_slug(settings.slug) if settings.slug else slugify(name)
        if slug in taken:
            problems.append(_collision(kind, (name,), taken[slug], slug))
            continue
        taken[slug] = (name,)
        title = settings.title or f"{options.site_title}: {_KIND_TITLES[kind].format(name)}"
        result.append(
            PlannedChannel(kind, slug, title, settings.description or title, None, tuple(groups[name]), settings)
        )
    return result


def _slug_for(path: CategoryPath, overrides: Mapping[str, ChannelConfig]) -> str:
    """A configured slug, else the parent's slug plus this name: ``finance/sina`` under a parent slugged ``finance``."""
    override = _override(path, overrides)
    if override and override.slug:
        return user_slug(override.slug)
    if len(path) == 1:
        return slugify(path[0])
    return f"{_slug_for(path[:-1], overrides)}/{slugify(path[-1])}"


def _override(path: CategoryPath, overrides: Mapping[str, ChannelConfig]) -> ChannelConfig | None:
    return overrides.get("/".join(path)) or overrides.get(path[-1])


def _collision(kind: str, path: CategoryPath, other: CategoryPath, slug: str) -> Problem:
    table = "category" if kind == "category" else kind
    return Problem(
        f"{kind} {'/'.join(path)!r}",
        f"its slug {slug!r} is already used by {kind} {'/'.join(other)!r}; give one of them its own slug "
        f"in [{table}.\"…\"] or merge them with [aliases] (this channel was not published)",
    )
