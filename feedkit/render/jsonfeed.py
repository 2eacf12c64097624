"""Channel + entries -> JSON Feed 1.1 bytes, and the channel list -> ``index.json``.

(:mod:`feedkit.jsonfeed` is the other direction: it reads upstream JSON Feeds.)

Keys are written in a fixed order (the spec's), UTF-8, two-space indent, trailing newline;
the rules shared with the other formats are in :mod:`feedkit.render`.  JSON Feed specifics:

* ``favicon`` is the channel's icon; ``icon`` its logo, else its icon.  JSON Feed has no
  copyright field: the channel's copyright is not written.
* WebSub hubs are ``hubs: [{"type": "WebSub", "url": ...}]``.  Of the RFC 5005 archive
  links only ``prev-archive`` has a JSON Feed counterpart: ``next_url`` (which points to
  older items); an archive page says ``"expired": true`` (it will not change).
* An item has ``content_html``, or ``content_text`` (the summary) when there is no HTML or
  the channel carries summaries only; ``date_modified`` only when the entry has an
  ``updated`` time; no ``banner_image`` (the entry's one image is ``image``).
* An entry's other copies (:attr:`Entry.via`) go in the extension object
  ``"_feedkit": {"via": [{"source": ..., "url": ...}]}`` (extension keys start with ``_``;
  readers that do not know it ignore it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from feedkit.model import Author, Channel, ChannelInfo, Enclosure, Entry, Problem
from feedkit.render import common as base

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
EXTENSION_KEY = "_feedkit"
"""The item key of feedkit's JSON Feed extension object."""


def render_json(channel: Channel, entries: Sequence[Entry], *, stylesheet: str | None = None) -> base.Rendered:
    """JSON Feed 1.1 (see the module docstring for what goes where).

    ``stylesheet`` is accepted so every renderer has one signature; JSON has no stylesheet.
    """
    feed = _feed_head(channel)
    items: list[dict[str, Any]] = []
    dropped: list[Problem] = []
    for entry in entries:
        try:
            item = _item(entry, channel)
            json.dumps(item, ensure_ascii=False).encode("utf-8")  # fail here, not for the whole feed
        except Exception as exc:  # one entry must not take the channel down
            dropped.append(base.dropped_problem(entry, "JSON", exc))
            continue
        items.append(item)
    feed["items"] = items
    return base.Rendered(_dump(feed), tuple(dropped))


def _dump(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _feed_head(channel: Channel) -> dict[str, Any]:
    """The top-level keys before ``items``, in the order the JSON Feed 1.1 spec lists them."""
    feed: dict[str, Any] = {"version": JSON_FEED_VERSION, "title": base.clean_text(channel.title)}
    if channel.link:
        feed["home_page_url"] = base.clean_url(channel.link)
    if channel.feed_urls.get("json"):
        feed["feed_url"] = base.clean_url(channel.feed_urls["json"])
    description = base.clean_text(channel.description).strip()
    if description:
        feed["description"] = description
    older = dict(base.archive_links(channel)).get("prev-archive")
    if older:
        feed["next_url"] = older
    big_icon = base.channel_image_url(channel)
    if big_icon:
        feed["icon"] = big_icon
    favicon = base.optional_url(channel.icon)
    if favicon:
        feed["favicon"] = favicon
    author = base.clean_text(channel.author or "").strip()
    if author:
        feed["authors"] = [{"name": author}]
    language = base.language_tag(channel.language)
    if language:
        feed["language"] = language
    if channel.is_archive:
        feed["expired"] = True
    hubs = base.hub_urls(channel)
    if hubs:
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in hubs]
    return feed


def _item(entry: Entry, channel: Channel) -> dict[str, Any]:
    item: dict[str, Any] = {"id": base.clean_text(entry.id)}
    link = base.clean_url(entry.link)
    if link:
        item["url"] = link
    item["title"] = base.clean_text(entry.title)
    content = base.entry_content(entry, channel)
    summary = base.clean_text(entry.summary)
    if content:
        item["content_html"] = content
    else:
        item["content_text"] = summary
    if summary:
        item["summary"] = summary
    if entry.image is not None:
        item["image"] = base.clean_url(entry.image.url)
    item["date_published"] = base.format_rfc3339(entry.published)
    if entry.updated is not None:
        item["date_modified"] = base.format_rfc3339(entry.updated)
    terms = base.category_terms(entry)
    if terms:
        item["tags"] = terms
    authors = [_author(author) for author in base.usable_authors(entry)]
    if authors:
        item["authors"] = authors
    language = base.language_tag(entry.language)
    if language:
        item["language"] = language
    attachments = [_attachment(enclosure) for enclosure in base.entry_enclosures(entry)]
    if attachments:
        item["attachments"] = attachments
    extension: dict[str, Any] = {}
    via = [{"source": source, "url": url} if source else {"url": url} for source, url in base.via_links(entry)]
    if via:
        extension["via"] = via
    if entry.episode is not None:
        episode = {key: value for key, value in asdict(entry.episode).items() if value is not None}
        if "image" in episode:
            episode["image"] = base.clean_url(episode["image"])
        extension["episode"] = episode
    if extension:
        item[EXTENSION_KEY] = extension
    return item


def _attachment(enclosure: Enclosure) -> dict[str, Any]:
    attachment: dict[str, Any] = {"url": enclosure.url, "mime_type": enclosure.mime_type}
    if enclosure.length:
        attachment["size_in_bytes"] = enclosure.length
    if enclosure.duration:
        attachment["duration_in_seconds"] = enclosure.duration
    return attachment


def _author(author: Author) -> dict[str, str]:
    """JSON Feed authors have a name and a url; an email becomes a ``mailto:`` url."""
    person = {"name": author.name}
    if author.uri:
        person["url"] = author.uri
    elif author.email:
        person["url"] = "mailto:" + author.email
    return person


# --- index.json -----------------------------------------------------------------------


def render_index_json(
    channels: Sequence[ChannelInfo], archive_pages: Mapping[tuple[str, str], int] | None = None
) -> bytes:
    """``index.json``: one object per channel, in the given order, for tools and the next build.

    ``archive_pages`` (``(kind, slug)`` -> number of RFC 5005 archive pages) is given when
    archives are on; then every channel has an ``archive_pages`` key (0 when missing).
    """
    index = []
    for info in channels:
        item: dict[str, Any] = {
            "channel": base.clean_text(info.slug),
            "kind": base.clean_text(info.kind),
            "title": base.clean_text(info.title),
            "description": base.clean_text(info.description),
            "category": [base.clean_text(name) for name in info.category] if info.category else None,
            "entries": info.entries,
            "files": _ordered_files(info.files),
        }
        if archive_pages is not None:
            item["archive_pages"] = archive_pages.get((info.kind, info.slug), 0)
        index.append(item)
    return _dump(index)


@dataclass(frozen=True, slots=True)
class IndexedChannel:
    """One channel as an earlier build's ``index.json`` lists it."""

    kind: str
    slug: str
    title: str
    description: str
    category: tuple[str, ...] | None


def read_index_json(data: bytes) -> Iterator[IndexedChannel]:
    """The channels listed by an ``index.json`` that :func:`render_index_json` wrote, in order.

    The one reader of the format.  Raises ``ValueError``, ``KeyError`` or ``TypeError`` (while
    iterating) when the document is not such an index; items whose slug is not a string are
    skipped.
    """
    listed = json.loads(data)
    if not isinstance(listed, list):
        raise ValueError("not a list")
    for item in listed:
        kind, slug = item["kind"], item["channel"]
        if not isinstance(slug, str):
            continue
        category = tuple(str(name) for name in item["category"]) if item.get("category") else None
        title = str(item["title"])
        yield IndexedChannel(str(kind), slug, title, str(item.get("description") or title), category)


def _ordered_files(files: Mapping[str, str]) -> dict[str, str]:
    """Known formats first (rss, atom, json), then any other in name order."""
    order = {fmt: position for position, fmt in enumerate(base.FEED_PREFERENCE)}
    ordered = sorted(files, key=lambda fmt: (order.get(fmt, len(order)), fmt))
    return {fmt: base.clean_text(files[fmt]) for fmt in ordered}
