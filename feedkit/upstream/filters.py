"""Include/exclude rules of an upstream source (``[feeds.keep_entries]`` / ``[feeds.drop_entries]``).

A rule is ``(field, regex)``.  Fields: ``title``; ``content`` (the text of the HTML
content plus the summary); ``author`` (each author's name); ``category`` (each category
path written ``a/b``, and each tag).  Regexes are searched (``re.search``), case
sensitive: start one with ``(?i)`` to ignore case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from feedkit.config.types import FILTER_FIELDS, UpstreamSourceConfig
from feedkit.errors import ConfigError
from feedkit.html import html_to_text
from feedkit.model import Entry


def apply_filters(entries: Sequence[Entry], source: UpstreamSourceConfig) -> tuple[list[Entry], int]:
    """Keep the entries that match an ``include`` rule (if there are any) and no ``exclude``
    rule (rules: module docstring).  Returns the kept entries, in order, and how many were
    filtered out.  Raises :class:`~feedkit.errors.ConfigError` for an unknown field or a bad
    regex (the config loader checks both already)."""
    include = [(field, _rule(source, "keep_entries", field, pattern)) for field, pattern in source.keep_entries]
    exclude = [(field, _rule(source, "drop_entries", field, pattern)) for field, pattern in source.drop_entries]
    kept = [entry for entry in entries if (not include or _matches(entry, include)) and not _matches(entry, exclude)]
    return kept, len(entries) - len(kept)


def _matches(entry: Entry, rules: Sequence[tuple[str, re.Pattern[str]]]) -> bool:
    return any(pattern.search(value) for field, pattern in rules for value in _field_values(entry, field))


def _field_values(entry: Entry, field: str) -> list[str]:
    if field == "title":
        return [entry.title]
    if field == "content":
        return [html_to_text(entry.content_html) + "\n" + entry.summary]
    if field == "author":
        return [author.name for author in entry.authors]
    return ["/".join(path) for path in entry.categories] + list(entry.tags)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _rule(source: UpstreamSourceConfig, kind: str, field: str, pattern: str) -> re.Pattern[str]:
    key = f"feeds[{source.name}].{kind}.{field}"
    if field not in FILTER_FIELDS:
        raise ConfigError(key, f"unknown field (filter on {', '.join(FILTER_FIELDS)})")
    try:
        return _compiled(pattern)
    except re.error as exc:
        raise ConfigError(key, f"invalid regular expression {pattern!r}: {exc}") from None
