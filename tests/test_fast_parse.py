"""The fast upstream parse path (:mod:`feedkit.upstream.fast`) against feedparser's, on every file of
``../shared/corpus/feeds``: the same entries (every field of every :class:`~feedkit.model.Entry`), the
same title, link, format and problems, or the fast path declined the document."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from feedkit.errors import InputError
from feedkit.upstream import parse as parse_module
from feedkit.upstream.fast import parse_fast
from feedkit.upstream.parse import ParsedFeed, parse_feed
from tests.test_corpus_feeds import FEEDS, NOW, SOURCE, corpus_inputs, read_body

ACCEPTED: dict[str, str] = {}
"""Corpus file -> why its entries may differ between the two paths (none so far)."""


@contextmanager
def _feedparser_only() -> Iterator[None]:
    parse_module.FAST_PATH = False
    try:
        yield
    finally:
        parse_module.FAST_PATH = True


def _outcome(body: bytes, url: str) -> ParsedFeed | str:
    try:
        return parse_feed(body, url=url, headers={}, source=SOURCE, now=NOW)
    except InputError as exc:
        return f"not a feed: {exc.reason}"


def _differences(fast: ParsedFeed | str, slow: ParsedFeed | str) -> list[str]:
    if isinstance(fast, str) or isinstance(slow, str):
        return [] if fast == slow else [f"{fast!r:.200} != {slow!r:.200}"]
    found = [f"{name}: {getattr(fast, name)!r:.200} != {getattr(slow, name)!r:.200}"
             for name in ("title", "link", "format", "problems") if getattr(fast, name) != getattr(slow, name)]
    if len(fast.entries) != len(slow.entries):
        found.append(f"{len(fast.entries)} entries != {len(slow.entries)}")
    for position, (a, b) in enumerate(zip(fast.entries, slow.entries, strict=False), start=1):
        for name in a.__dataclass_fields__:
            if getattr(a, name) != getattr(b, name):
                found.append(f"entry {position} {name}: {getattr(a, name)!r:.200} != {getattr(b, name)!r:.200}")
    return found


@pytest.mark.skipif(not FEEDS.is_dir(), reason="../shared/corpus/feeds is not present")
def test_fast_path_gives_feedparsers_entries_on_the_whole_corpus() -> None:
    taken = 0
    differing: dict[str, list[str]] = {}
    for path in corpus_inputs():
        rel = path.relative_to(FEEDS).as_posix()
        body = read_body(path)
        url = f"https://corpus.example/{rel}"
        fast = _outcome(body, url)
        with _feedparser_only():
            slow = _outcome(body, url)
        if fast is not slow and not isinstance(fast, str) and _took_fast(body):
            taken += 1
        found = _differences(fast, slow)
        if found and rel not in ACCEPTED:
            differing[rel] = found[:5]
    print(f"\nfast path took {taken} corpus files")
    assert differing == {}
    assert taken >= 1000


def _took_fast(body: bytes) -> bool:
    text = parse_module.feedtext.decode(body, {}).text.lstrip("\ufeff \t\r\n")
    return parse_fast(parse_module._XML_DECLARATION.sub("", text, count=1), None) is not None
