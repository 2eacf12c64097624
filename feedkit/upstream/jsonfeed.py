"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1) -> plain typed records.

Only the reading side: :func:`read_json_feed` checks that a decoded document *is* a JSON
Feed and pulls out what :mod:`feedkit.upstream` needs, tolerating what real feeds do:

* ``version`` must be a ``https://jsonfeed.org/version/...`` URL (``http://`` too);
  anything else is not a JSON Feed (:class:`~feedkit.errors.InputError`).
* ``items`` must be a list; an item that is not an object is skipped and counted.
* Fields of the wrong type are ignored (as if absent), except that a numeric ``id`` is
  used as its decimal string (the spec asks for strings; some generators write numbers).
* Authors: 1.1 ``authors`` (list) or 1.0 ``author`` (object); an item without authors
  inherits the feed's (as 1.1 says).  Each author needs a ``name``; its ``url`` is kept.
* ``language`` (1.1) of the item, else of the feed; ``attachments``: url, mime_type, size and duration as written.

Nothing here resolves URLs, parses dates or touches HTML: the values are handed over as
the feed wrote them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feedkit.errors import InputError
from feedkit.model import Author

_VERSION = re.compile(r"^https?://jsonfeed\.org/version/(\d+(?:\.\d+)?)/?$")


@dataclass(frozen=True, slots=True)
class JsonAttachment:
    """One ``attachments`` object, as written (values of the wrong type are None)."""

    url: str
    mime_type: str | None = None
    size_in_bytes: object = None
    duration_in_seconds: object = None


@dataclass(frozen=True, slots=True)
class JsonItem:
    """One item of a JSON Feed, fields as written (``None`` when absent or mistyped)."""

    id: str | None
    url: str | None
    external_url: str | None
    title: str | None
    content_html: str | None
    content_text: str | None
    summary: str | None
    image: str | None
    banner_image: str | None
    date_published: str | None
    date_modified: str | None
    tags: tuple[str, ...]
    authors: tuple[Author, ...]
    language: str | None
    attachments: tuple[JsonAttachment, ...] = ()
    """The ``attachments`` that have a ``url``."""


@dataclass(frozen=True, slots=True)
class JsonFeed:
    version: str
    """``"1.0"``, ``"1.1"``, ... (from the ``version`` URL)."""
    title: str | None
    home_page_url: str | None
    feed_url: str | None
    language: str | None
    items: tuple[JsonItem, ...]
    skipped: int
    """Items that were not JSON objects."""


def read_json_feed(data: object, origin: str) -> JsonFeed:
    """A decoded JSON document -> :class:`JsonFeed`.

    Raises :class:`~feedkit.errors.InputError` naming ``origin`` when the document is
    not a JSON Feed (not an object, no JSON Feed ``version``, no ``items`` list).
    """
    if not isinstance(data, Mapping):
        raise InputError(origin, f"JSON, but not a JSON Feed (the document is a {type(data).__name__}, not an object)")
    version_url = data.get("version")
    match = _VERSION.match(version_url) if isinstance(version_url, str) else None
    if match is None:
        raise InputError(
            origin, f"JSON, but not a JSON Feed ('version' is {version_url!r}, not 'https://jsonfeed.org/version/1.1')"
        )
    raw_items = data.get("items")
    if not isinstance(raw_items, list):
        raise InputError(origin, f"JSON Feed without an 'items' list ('items' is {type(raw_items).__name__})")
    feed_authors = _authors(data)
    feed_language = _string(data, "language")
    items = tuple(_item(raw, feed_authors, feed_language) for raw in raw_items if isinstance(raw, Mapping))
    return JsonFeed(
        version=match.group(1) if "." in match.group(1) else match.group(1) + ".0",
        title=_string(data, "title"),
        home_page_url=_string(data, "home_page_url"),
        feed_url=_string(data, "feed_url"),
        language=feed_language,
        items=items,
        skipped=len(raw_items) - len(items),
    )


def _item(raw: Mapping[str, Any], feed_authors: tuple[Author, ...], feed_language: str | None) -> JsonItem:
    raw_id = raw.get("id")
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    tags = raw.get("tags")
    return JsonItem(
        id=raw_id if isinstance(raw_id, str) else None,
        url=_string(raw, "url"),
        external_url=_string(raw, "external_url"),
        title=_string(raw, "title"),
        content_html=_string(raw, "content_html"),
        content_text=_string(raw, "content_text"),
        summary=_string(raw, "summary"),
        image=_string(raw, "image"),
        banner_image=_string(raw, "banner_image"),
        date_published=_string(raw, "date_published"),
        date_modified=_string(raw, "date_modified"),
        tags=tuple(tag for tag in tags if isinstance(tag, str)) if isinstance(tags, list) else (),
        authors=_authors(raw) or feed_authors,
        language=_string(raw, "language") or feed_language,
        attachments=_attachments(raw),
    )


def _attachments(raw: Mapping[str, Any]) -> tuple[JsonAttachment, ...]:
    attachments = raw.get("attachments")
    if not isinstance(attachments, list):
        return ()
    return tuple(
        JsonAttachment(url, _string(a, "mime_type"), a.get("size_in_bytes"), a.get("duration_in_seconds"))
        for a in attachments if isinstance(a, Mapping) and (url := _string(a, "url"))
    )


def _string(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _authors(data: Mapping[str, Any]) -> tuple[Author, ...]:
    """1.1 ``authors`` (a list), else 1.0 ``author`` (one object)."""
    raw = data.get("authors")
    if not isinstance(raw, list):
        single = data.get("author")
        raw = [single] if single is not None else []
    authors = []
    for person in raw:
        if not isinstance(person, Mapping):
            continue
        name, url = _string(person, "name"), _string(person, "url")
        if name and name.strip():
            email = url[len("mailto:") :] if url and url.lower().startswith("mailto:") else None
            authors.append(Author(name.strip(), email, None if email else url))
    return tuple(authors)
