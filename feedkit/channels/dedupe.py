"""Collapse copies of one story that arrive from several sources (or twice from one).

Within one source, an entry's identity is its id: two entries of one source are one
entry only when they share an id, or — for article sources — when they are the same
content twice (title, body, summary, dates, categories and tags all equal: a file copied
to a second path).  A feed's distinct entries are never merged, however many of them
share a link (a podcast's show page, a link blog, a sponsor post).

Across sources, two entries are the same story when (in this order):

1. **exact keys** — they share an id, or their links are the same after
   :func:`canonical_url` (scheme, ``www.``, default port, fragment, trailing slash and
   tracking parameters such as ``utm_*`` do not count);
2. **near duplicates** — their titles are equal after :func:`title_key` (NFKC, case folded,
   punctuation, symbols and spaces removed; at least :data:`MIN_TITLE_KEY` characters, so
   "Update" does not match "Update") and they were published within
   :data:`NEAR_DUPLICATE_WINDOW` of each other; or their texts start with the same
   :data:`CONTENT_KEY_LENGTH` characters after the same normalization.

The copies form one group (transitively), but a group never holds two entries of one
source that are not one entry by the rule above: a match that would bring them together
(directly or through a third copy) is not made.  The **winner** is the copy with the highest
source priority (local articles 100, feeds their ``priority``, default 0); then an
*original* copy — one whose link is on the same host as its source — over an
aggregator's; then the earliest published; then the most recently updated; then by
source name and origin, so the choice never depends on input order.  The winner keeps its
own id and lists the others in :attr:`~feedkit.model.Entry.via`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from feedkit.model import Entry, Problem, Severity, Via

NEAR_DUPLICATE_WINDOW = timedelta(days=2)
MIN_TITLE_KEY = 8
CONTENT_KEY_LENGTH = 200
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_hsenc", "_hsmi", "spm",
     "share_token", "ref_src", "from", "isappinstalled"}
)
"""Query parameters that never change which page a link opens (plus every ``utm_*``)."""


def canonical_url(url: str) -> str:
    """A link's identity: no scheme, lower-case host without ``www.``, no default port, no
    fragment, no trailing slash, no tracking parameters; other parameters sorted."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMETERS
    )
    path = parts.path.rstrip("/") or "/"
    netloc = f"{host}:{port}" if port else host
    return urlunsplit(("", netloc, path, urlencode(query), ""))


def title_key(text: str) -> str:
    """NFKC, case folded, only letters and digits (of every script)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded if unicodedata.category(char)[0] in "LN")


def _text_key(entry: Entry) -> str | None:
    """The first :data:`CONTENT_KEY_LENGTH` characters of the entry's text under :func:`title_key`.

    Works a piece at a time and stops once the key is long enough, so a long body costs what its
    start costs.  Pieces end just after a ``>`` (content: where a tag ends, so no tag is cut and the
    tag's space separates the pieces) or at a space (summary), and NFKC joins nothing across either."""
    html_text = bool(entry.content_html)
    text = entry.content_html or entry.summary
    key = ""
    start = 0
    while start < len(text) and len(key) < CONTENT_KEY_LENGTH:
        cut = text.find(">" if html_text else " ", start + 2048)
        end = len(text) if cut < 0 else cut + 1
        piece = text[start:end]
        key += title_key(_TAG.sub(" ", piece) if html_text else piece)
        start = end
    key = key[:CONTENT_KEY_LENGTH]
    return key if len(key) == CONTENT_KEY_LENGTH else None


_TAG = re.compile(r"<[^>]*>")


class _Groups:
    """Union-find over entry positions that never puts two different entries of one source in a group.

    Each group remembers the sources of its members; joining two groups that both hold an
    entry of the same source is refused, unless the caller says the two entries are one
    entry (``same_entry``: a shared id within a source, or the same article twice).
    """

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.parent = list(range(len(entries)))
        one: dict[str, frozenset[str]] = {}
        self.sources: list[frozenset[str]] = [one.setdefault(e.source, frozenset((e.source,))) for e in entries]
        """The sources of each group's members (the same object for every lone entry of one source)."""

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, *, same_entry: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not same_entry and self.sources[ra] & self.sources[rb]:
            return False
        keep, gone = min(ra, rb), max(ra, rb)
        self.parent[gone] = keep
        self.sources[keep] = self.sources[keep] | self.sources[gone]
        return True


def collapse(
    entries: Sequence[Entry],
    *,
    priority: Callable[[Entry], int] = lambda _entry: 0,
    source_hosts: Mapping[str, str] | None = None,
    feeds: frozenset[str] = frozenset(),
    sites: frozenset[str] = frozenset(),
    same_content: Callable[[Entry], object] | None = None,
) -> tuple[list[Entry], list[Problem]]:
    """One entry per story (see the module docstring), a warning per id shared by two files,
    and a note naming both entries for every merge of two sources' copies.

    ``feeds`` names the upstream sources; every other source is an article source, where
    identical content at two paths is one entry - except in ``sites``, article sources read as a
    generator's site, where every post is its own page (the generator publishes both copies).
    ``same_content`` gives what stands for an entry's content and summary in that comparison (default:
    the two themselves; a build whose article bodies are not made yet passes their body keys).
    """
    ordered = sorted(entries, key=lambda e: (e.source, e.origin, e.id))
    groups = _Groups(ordered)
    problems: list[Problem] = []
    _join_within_sources(ordered, groups, feeds | sites, problems,
                         same_content or (lambda entry: (entry.content_html, entry.summary)))
    if len({entry.source for entry in ordered}) > 1:  # the rest joins copies of different sources
        _join_across_sources(ordered, groups)
    members: dict[int, list[Entry]] = {}
    for i, entry in enumerate(ordered):
        members.setdefault(groups.find(i), []).append(entry)
    hosts = source_hosts or {}
    result = []
    for group in members.values():
        winner = _winner(group, priority, hosts)
        result.append(winner)
        problems.extend(_merge_notes(winner, group))
    return result, problems


def _join_across_sources(ordered: Sequence[Entry], groups: _Groups) -> None:
    """Copies from different sources: the same id or link, then near duplicates."""
    exact: dict[str, int] = {}
    for i, entry in enumerate(ordered):
        for key in (f"id:{entry.id}", f"url:{canonical_url(entry.link)}" if entry.link else None):
            if key is None:
                continue
            if key not in exact:
                exact[key] = i
            elif ordered[exact[key]].source != entry.source:
                groups.union(exact[key], i)
    _join_near_duplicates(ordered, groups)


def _join_within_sources(ordered: Sequence[Entry], groups: _Groups, feeds: frozenset[str],
                         problems: list[Problem], same_content: Callable[[Entry], object]) -> None:
    """One entry per id within a source; and per identical content within an article source."""
    by_id: dict[tuple[str, str], int] = {}
    by_content: dict[tuple[object, ...], int] = {}
    for i, entry in enumerate(ordered):
        first = by_id.setdefault((entry.source, entry.id), i)
        if first != i:
            other = ordered[first]
            if other.origin != entry.origin:
                problems.append(Problem(entry.origin, f"same id {entry.id} as {other.origin}", Severity.WARNING))
            groups.union(first, i, same_entry=True)
            continue
        if entry.source in feeds:
            continue
        key = (entry.source, entry.title, same_content(entry), entry.published, entry.updated, entry.categories,
               entry.tags)
        first = by_content.setdefault(key, i)
        if first != i:
            problems.append(Problem(entry.origin, f"the same article as {ordered[first].origin}: published once",
                                    Severity.WARNING))
            groups.union(first, i, same_entry=True)


def _merge_notes(winner: Entry, group: Sequence[Entry]) -> list[Problem]:
    """An INFO-level note per copy of another source merged into ``winner``."""
    return [
        Problem(copy.origin, f"same story as {winner.origin} ({winner.source}): shown once, as {winner.id}",
                Severity.INFO)
        for copy in group if copy is not winner and copy.source != winner.source
    ]


def _join_near_duplicates(ordered: Sequence[Entry], groups: _Groups) -> None:
    by_title: dict[str, list[int]] = {}
    by_text: dict[str, list[int]] = {}
    for i, entry in enumerate(ordered):
        key = title_key(entry.title)
        if len(key) >= MIN_TITLE_KEY:
            by_title.setdefault(key, []).append(i)
        text = _text_key(entry)
        if text:
            by_text.setdefault(text, []).append(i)
    for bucket in by_title.values():
        for a_pos, a in enumerate(bucket):
            for b in bucket[a_pos + 1:]:
                first, second = ordered[a], ordered[b]
                close = abs(first.published - second.published) <= NEAR_DUPLICATE_WINDOW
                if close and first.source != second.source:
                    groups.union(a, b)
    for bucket in by_text.values():
        for b in bucket[1:]:
            if ordered[bucket[0]].source != ordered[b].source:
                groups.union(bucket[0], b)


def _winner(group: list[Entry], priority: Callable[[Entry], int], hosts: Mapping[str, str]) -> Entry:
    if len(group) == 1:
        return group[0]

    def rank(entry: Entry) -> tuple[int, int, datetime, float, str, str]:
        original = hosts.get(entry.source) is not None and _host(entry.link) == hosts.get(entry.source)
        freshness = (entry.updated or entry.published).timestamp()
        return (-priority(entry), 0 if original else 1, entry.published, -freshness, entry.source, entry.origin)

    ranked = sorted(group, key=rank)
    winner = ranked[0]
    via = {(copy.source, copy.link) for copy in ranked[1:] if copy.link and copy.link != winner.link}
    via.update((v.source, v.link) for copy in group for v in copy.via)
    return replace(winner, via=tuple(Via(source, link) for source, link in sorted(via)))


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")
