"""Choosing an entry's image (front matter first, then the body) and its MIME type.

The image is the first non-empty ``image_keys`` value (URL string, list -> first item,
mapping -> ``src``/``url``) that is an http(s) URL after resolving it against the base
URL (``//host`` -> https); other schemes are ignored with a warning.  Else the first
``<img>`` of the cleaned body when ``image_from_body``.  The MIME type comes from the
URL's extension; an unknown one is reported as ``image/jpeg`` (what image URLs without
an extension - picsum, CDN resizers - nearly always serve).
"""

from __future__ import annotations

from typing import Any

from feedkit import html
from feedkit.articles.frontmatter import Warn
from feedkit.config.types import ArticleSourceConfig
from feedkit.links import http_link, image_mime_type
from feedkit.model import Image


def image(meta: dict[Any, Any], source: ArticleSourceConfig, base: str, content: str, warn: Warn) -> Image | None:
    """The first usable ``image_keys`` URL, else the first ``<img>`` of ``content`` if allowed."""
    return front_matter_image(meta, source, base, warn) or body_image(source, content)


def front_matter_image(meta: dict[Any, Any], source: ArticleSourceConfig, base: str, warn: Warn) -> Image | None:
    """The first usable ``image_keys`` URL (other schemes are warned about)."""
    for key in source.image_keys:
        raw = _image_value(meta.get(key))
        if not raw:
            continue
        url = http_link(raw, base, under_base=True)
        if url is not None:
            return Image(url, image_mime_type(url))
        warn(f"{key}: {raw[:200]!r} is not an http(s) URL: ignored")
    return None


def body_image(source: ArticleSourceConfig, content: str) -> Image | None:
    """The first ``<img>`` of the cleaned ``content``, when the source takes images from bodies."""
    if source.image_from_body:
        found = html.first_image(content)
        if found:
            return Image(found, image_mime_type(found))
    return None


def _image_value(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("src") or value.get("url")
    return value.strip() if isinstance(value, str) else ""
