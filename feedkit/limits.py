"""How much one input may hold: the bounds that keep a hostile article or upstream entry
from taking a build down (deep recursion, file names the file system refuses, thousands
of channels, regular expressions that backtrack for hours).

Each limit is applied where the value is read, with a warning naming the file or URL, and
is documented in docs/limits.md (with the limits that live beside their code:
:data:`feedkit.discovery.ARTICLE_MAX_BYTES`, ``[fetch] max_bytes``, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from feedkit.model import CategoryPath

_T = TypeVar("_T")

MAX_CATEGORIES = 100
"""Category paths per entry (article or upstream entry); the rest are dropped with a warning."""
MAX_CATEGORY_DEPTH = 10
"""Levels of one category path (``a/b/c`` has 3); deeper levels are dropped with a warning."""
MAX_TAGS = 100
"""Tags per article; the rest are dropped with a warning."""
MAX_AUTHORS = 100
"""Authors per entry; the rest are dropped."""
MAX_NAME_LENGTH = 200
"""Characters of one category, tag or author name; longer names are cut."""
MAX_TITLE_LENGTH = 1000
"""Characters of a title; a longer one is cut (ending in ``…``) with a warning."""
MAX_FRONT_MATTER_BYTES = 1024 * 1024
"""Bytes of an article's front matter (UTF-8); a larger one makes the article unusable."""
MAX_DATE_LENGTH = 100
"""Characters of a date string; a longer one is not a date."""
MAX_ID_LENGTH = 1024
"""Characters of an id kept as written (an absolute IRI); a longer id is hashed into a ``urn:uuid:``."""
MAX_SLUG_SEGMENT_BYTES = 120
"""UTF-8 bytes of one slug segment (one folder name); a longer slug is cut and ends in a hash of the name."""
MAX_ENCLOSURES = 32
"""Enclosures (attachments, media files) kept per entry; the rest are left out with a warning."""
MAX_ENCLOSURE_BYTES = 2**53
"""The largest enclosure length believed (bytes); a larger one is recorded as unknown."""
MAX_DURATION_SECONDS = 10 * 365 * 86400
"""The longest enclosure or episode duration believed; a longer one is recorded as unknown."""


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in ``…`` when it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def capped(items: Sequence[_T], limit: int, what: str) -> tuple[tuple[_T, ...], str | None]:
    """The first ``limit`` items, and a warning (``"10000 tags: only the first 100 are used"``) if there were more."""
    if len(items) <= limit:
        return tuple(items), None
    return tuple(items[:limit]), f"{len(items)} {what}: only the first {limit} are used"


def bounded_categories(paths: Sequence[CategoryPath]) -> tuple[tuple[CategoryPath, ...], list[str]]:
    """At most :data:`MAX_CATEGORIES` paths of at most :data:`MAX_CATEGORY_DEPTH` levels, and warnings about
    what was cut."""
    warnings: list[str] = []
    deepest = max((len(path) for path in paths), default=0)
    if deepest > MAX_CATEGORY_DEPTH:
        warnings.append(f"a category path of {deepest} levels: only the first {MAX_CATEGORY_DEPTH} levels are used")
        paths = list(dict.fromkeys(path[:MAX_CATEGORY_DEPTH] for path in paths))
    kept, note = capped(paths, MAX_CATEGORIES, "categories")
    return kept, warnings + ([note] if note else [])
