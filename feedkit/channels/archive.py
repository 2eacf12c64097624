"""RFC 5005 §4 archived feeds: a channel's history in pages that do not change.

Pure functions: no I/O.  A channel's entries (newest first, its whole history) are cut
into pages counted from the OLDEST end: page 1 holds the oldest ``page_size`` entries,
page 2 the next ``page_size``, and so on.  Only full pages exist, so a new entry never
moves an entry from one page to another; a page changes only when history itself
changes (a back-dated entry inserted, an entry deleted), or once, when the page after it
appears and it gains its ``next-archive`` link.

Pages exist only when the channel has more entries than its subscription document shows
(``entry_limit``); then there are ``total // page_size`` of them.  The subscription
document shows the newest ``entry_limit`` entries, and more when needed so that every
entry not on a page is in it (only when ``page_size`` exceeds ``entry_limit``).  Entries
may be both in the subscription document and on the newest page: RFC 5005 allows it and
readers de-duplicate by id.

Layout: page ``n`` of the channel in folder ``F`` is ``F/archive/<n>/<file name>``
(:func:`page_path`), one file per format like the subscription document.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from feedkit.links import file_url
from feedkit.model import Channel, Entry

ARCHIVE_FOLDER = "archive"
"""The folder inside a channel's folder that holds its numbered archive pages."""


@dataclass(frozen=True, slots=True)
class ArchivePlan:
    """How one channel's entries are split between its subscription document and its pages."""

    current: tuple[Entry, ...]
    """The subscription document's entries, newest first."""
    pages: tuple[tuple[Entry, ...], ...]
    """``pages[0]`` is page 1 (the oldest entries); each page newest first."""


def plan_archive(entries: Sequence[Entry], entry_limit: int, page_size: int) -> ArchivePlan:
    """Split ``entries`` (newest first, all of them) into the subscription document and full pages."""
    if entry_limit < 1 or page_size < 1:
        raise ValueError(f"entry_limit and page_size must be at least 1, got {entry_limit} and {page_size}")
    total = len(entries)
    count = total // page_size if total > entry_limit else 0
    pages = tuple(
        tuple(entries[total - number * page_size: total - (number - 1) * page_size])
        for number in range(1, count + 1)
    )
    shown = max(entry_limit, total - count * page_size)
    return ArchivePlan(current=tuple(entries[:shown]), pages=pages)


def page_path(folder: str, number: int, file_name: str) -> str:
    """``F/archive/<number>/<file name>``: where page ``number`` (1 = oldest) of the channel in ``F`` goes."""
    return f"{folder}/{ARCHIVE_FOLDER}/{number}/{file_name}"


def page_urls(base_url: str, folder: str, number: int, file_names: Mapping[str, str]) -> dict[str, str]:
    """Format -> absolute URL of page ``number`` in that format."""
    return {fmt: file_url(base_url, page_path(folder, number, name)) for fmt, name in file_names.items()}


def current_channel(channel: Channel, fmt: str, newest_page_url: str | None) -> Channel:
    """The subscription document in ``fmt``: ``prev-archive`` points to the newest page of that format."""
    if newest_page_url is None:
        return channel
    return replace(channel, archive_links={"prev-archive": newest_page_url})


def page_channel(
    channel: Channel, fmt: str, number: int, count: int, urls: Sequence[Mapping[str, str]]
) -> Channel:
    """Archive page ``number`` of ``count`` in ``fmt``.

    ``urls[n - 1]`` are the URLs of page ``n`` by format (:func:`page_urls`).  The page's
    self links are its own URLs; ``current`` is the subscription document, ``prev-archive``
    page ``number - 1`` and ``next-archive`` page ``number + 1`` (both in the same format,
    when they exist).  It advertises no WebSub hub: an archive page does not change.
    """
    links = {"current": channel.feed_urls[fmt]}
    if number > 1:
        links["prev-archive"] = urls[number - 2][fmt]
    if number < count:
        links["next-archive"] = urls[number][fmt]
    return replace(
        channel, feed_urls=dict(urls[number - 1]), archive_links=links, is_archive=True, hubs=()
    )


_PAGE_FOLDER = re.compile(rf"^(?P<owner>.+)/{ARCHIVE_FOLDER}/[0-9]+$")


def shadowed_archives(folders: Collection[str]) -> dict[str, str]:
    """Channel folder -> another channel's folder that sits where one of its archive pages would go.

    A category named ``archive`` with a sub-category named ``3`` under ``金融`` lives in
    ``category/金融/archive/3``, where page 3 of ``category/金融`` would be written; such a
    channel's archive is not written (the other channel keeps its files).
    """
    shadowed: dict[str, str] = {}
    for folder in sorted(folders):
        match = _PAGE_FOLDER.match(folder)
        if match and match["owner"] in folders:
            shadowed.setdefault(match["owner"], folder)
    return shadowed
