"""What changed since last time: the article files (a cheap fingerprint) and the config (a diff).

The daemon's rescan job compares :func:`fingerprint` with the previous one and asks for a
build when it differs; a reload logs :func:`config_changes`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from feedkit.config.types import ArticleSourceConfig, Config, UpstreamSourceConfig


def watched_paths(config: Config) -> list[Path]:
    """The article folders and files, and the local upstream feed files, of ``config``."""
    paths = [path for source in config.articles for path in source.paths]
    return paths + [Path(feed.url) for feed in config.feeds if feed.is_local]


def fingerprint(config: Config) -> str:
    """A hash of the name, size and modification time of every watched file.

    Hidden files and folders are left out (as article discovery leaves them out), and so are
    symlinked folders.  Costs one ``stat`` per file; reads no file.
    """
    digest = hashlib.blake2b(digest_size=16)
    for root in watched_paths(config):
        digest.update(os.fsencode(root) + b"\0")
        for name, size, mtime in _files(root):
            digest.update(b"%s\0%d\0%d\n" % (os.fsencode(name), size, mtime))
    return digest.hexdigest()


def _files(root: Path) -> Iterator[tuple[str, int, int]]:
    try:
        info = root.stat()
    except OSError:
        yield "(missing)", 0, 0
        return
    if not root.is_dir():
        yield "", info.st_size, info.st_mtime_ns
        return
    for folder, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            try:
                info = os.stat(path)
            except OSError:
                continue  # removed meanwhile: the next rescan sees it gone
            yield os.path.relpath(path, root), info.st_size, info.st_mtime_ns


@dataclass(frozen=True, slots=True)
class ConfigChanges:
    """Sources (``articles:NAME``, ``feed:NAME``) added, removed or changed, and other changed settings."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    """Top-level config fields that changed (``site``, ``channels``, ``out``, ``fetch``, …)."""

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.settings)


def config_changes(old: Config, new: Config) -> ConfigChanges:
    """What a reload from ``old`` to ``new`` changes."""
    before, after = _sources(old), _sources(new)
    return ConfigChanges(
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(sorted(key for key in before.keys() & after.keys() if before[key] != after[key])),
        settings=tuple(
            field.name for field in fields(Config)
            if field.name not in ("articles", "feeds") and getattr(old, field.name) != getattr(new, field.name)
        ),
    )


def _sources(config: Config) -> dict[str, ArticleSourceConfig | UpstreamSourceConfig]:
    sources: dict[str, ArticleSourceConfig | UpstreamSourceConfig] = {
        f"articles:{source.name}": source for source in config.articles
    }
    sources.update({f"feed:{feed.name}": feed for feed in config.feeds})
    return sources
