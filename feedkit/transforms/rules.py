"""The rule of ``keep``, ``drop`` and ``categories`` transforms: keywords, categories, age.

Every condition given must hold; within one condition's list, any item is enough.
"""

from __future__ import annotations

import html as html_entities
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from feedkit.config.types import TransformConfig
from feedkit.model import CategoryPath, Entry

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class Rule:
    keywords: tuple[str, ...] = ()
    """Lower-cased."""
    categories: tuple[CategoryPath, ...] = ()
    """A one-name path matches that name at any level; a longer path matches itself and below."""
    published_before: datetime | None = None

    @classmethod
    def of(cls, spec: TransformConfig, now: datetime) -> Rule:
        cutoff = now - timedelta(seconds=spec.older_than) if spec.older_than is not None else None
        paths = tuple(tuple(part.strip() for part in item.split("/") if part.strip()) for item in spec.in_categories)
        return cls(tuple(word.lower() for word in spec.keywords), tuple(p for p in paths if p), cutoff)

    @property
    def empty(self) -> bool:
        return not (self.keywords or self.categories or self.published_before is not None)

    def matches(self, entry: Entry) -> bool:
        if self.published_before is not None and not entry.published < self.published_before:
            return False
        if self.categories and not any(_in_category(path, wanted) for path in entry.categories
                                       for wanted in self.categories):
            return False
        return not self.keywords or any(word in _text(entry) for word in self.keywords)


def _in_category(path: CategoryPath, wanted: CategoryPath) -> bool:
    if len(wanted) == 1:
        return wanted[0] in path
    return path[: len(wanted)] == wanted


def _text(entry: Entry) -> str:
    """Title, summary and content text, lower-cased (the content is sanitized HTML: tags are
    simply cut out)."""
    content = html_entities.unescape(_TAG.sub(" ", entry.content_html))
    return f"{entry.title}\n{entry.summary}\n{content}".lower()
