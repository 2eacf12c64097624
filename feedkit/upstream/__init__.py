"""Stage: upstream RSS, Atom and JSON feeds -> :class:`~feedkit.model.Entry`.

:mod:`~feedkit.upstream.poll` (which feeds are due, fetching through :mod:`feedkit.net`,
remembering in the store), :mod:`~feedkit.upstream.decode` (bytes -> text),
:mod:`~feedkit.upstream.parse` (one document -> entries, pure), with
:mod:`~feedkit.upstream.fast` (well-formed RSS 2.0 / Atom 1.0 / RSS 1.0 read with lxml; feedparser
takes the rest), :mod:`~feedkit.upstream.items` (feedparser's and JSON Feed's items -> one neutral
record), :mod:`~feedkit.upstream.jsonfeed` (reading JSON Feed) and :mod:`~feedkit.upstream.filters`
(a source's keep/drop rules).  The only stage that imports feedparser and charset-normalizer (and,
besides render, lxml).
"""

from __future__ import annotations

from feedkit.upstream.filters import apply_filters
from feedkit.upstream.parse import ParsedFeed, parse_feed
from feedkit.upstream.poll import collect

__all__ = [
    "ParsedFeed",
    "apply_filters",
    "collect",
    "parse_feed",
]
