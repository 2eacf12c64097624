"""Choosing an entry's image (front matter first, then the body) and its MIME type.

The image is the first non-empty ``image_keys`` value (URL string, list -> first item,
mapping -> ``src``/``url``) that is an http(s) URL after resolving it against the base
URL (``//host`` -> https); other schemes are ignored with a warning.  Else the first
``<img>`` of the cleaned body when ``image_from_body``.  The MIME type comes from the
URL's extension; an unknown one is reported as ``image/jpeg`` (what image URLs without
an extension - picsum, CDN resizers - nearly always serve).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from . import html, identity
from .config import ArticleSourceConfig
from .frontmatter import Warn
from .model import Image

_MIME_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}


def image(meta: dict[Any, Any], source: ArticleSourceConfig, base: str, content: str, warn: Warn) -> Image | None:
    """The first usable ``image_keys`` URL, else the first ``<img>`` of ``content`` if allowed."""
    for key in source.image_keys:
        raw = _image_value(meta.get(key))
        if not raw:
            continue
        url = _http_url(raw, base)
        if url is not None:
            return Image(url, image_mime_type(url))
        warn(f"{key}: {raw[:200]!r} is not an http(s) URL: ignored")
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


def _http_url(value: str, base: str) -> str | None:
    try:
        scheme = urlsplit(value).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            return None
        url = identity.resolve_link(value, base)
    except ValueError:
        return None
    return url if identity.is_web_url(url) else None


def image_mime_type(url: str) -> str:
    """MIME type of an image URL from its extension; ``image/jpeg`` when unknown."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return _MIME_TYPES.get(suffix, "image/jpeg")
