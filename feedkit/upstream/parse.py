"""One upstream response (or local feed file) -> :class:`~feedkit.model.Entry` objects.

:func:`parse_feed` is pure (no I/O, no clock: ``now`` and the store's ``first_seen`` are
passed in), so it can run in worker processes.  Fetching lives elsewhere; feedparser is
only ever handed bytes in a stream, never a string it could take for a URL or a path.

Formats
    RSS 0.9x/1.0/2.0, Atom 0.3/1.0 through feedparser, with its sanitizer and
    URI resolution off: content goes through :func:`feedkit.html.clean_html` like article
    bodies.  JSON Feed 1.x through :mod:`feedkit.jsonfeed`.  ``ParsedFeed.format`` is
    ``rss2.0``, ``rss1.0``, ``rss0.91``, ``atom1.0``, ``atom0.3``, ``json1.1``, ...

Not a feed (:class:`~feedkit.errors.InputError` naming the URL and the reason)
    An empty body, an HTML page, plain text or any XML without an RSS/Atom/RDF root, JSON
    that is not a JSON Feed, and XML so broken (truncated) that no entry can be read.
    XML so broken that feedparser itself raises is not a feed either.
    Broken XML from which entries *can* be read (undefined HTML entities such as
    ``&nbsp;``, a truncated tail) is used, with a WARNING; an entry left with no id, link,
    title or text (the cut-off last one) is then dropped.

Encodings (:mod:`feedkit.feedtext`)
    A byte-order mark decides; else the encodings the HTTP ``Content-Type`` charset and the
    XML declaration name, in that order, each only if the body decodes with it; a declared
    Latin-1 / ASCII / windows-1252 loses to a body that is valid UTF-8; GB2312 and GBK are
    read as their superset GB18030, Big5 as Big5-HKSCS.  Undeclared: UTF-8, else detected
    (charset-normalizer), with a WARNING.  XML entities are never expanded from external
    DTDs (feedparser strips the DOCTYPE and turns off external entities).

Ids
    The item's ``guid`` / ``id`` as written (a relative one resolved against an ``xml:base``
    of the document, as feedparser does; never against the feed URL, so a moved feed keeps
    its ids) through :func:`feedkit.identity.entry_id`: an absolute IRI is kept, anything
    else becomes a ``urn:uuid:`` of the source name and the raw id.  Without one: a
    ``urn:uuid:`` of the source name and the entry's link (absolute, percent-encoded) -
    unless that is the feed's own page, as in podcasts linking every episode to the show;
    else of its first enclosure URL; else of its title (untitled: its whole text) and its
    date *as written* (``""`` if none).  So the same entry gets the same id in every fetch.
    A second entry with an id already seen in the same document is skipped with a WARNING.

Dates
    ``published`` (else ``updated``) as written, read by :func:`feedkit.dates.parse_date`
    (naive dates in the source's timezone; Chinese and ``2016/6/29`` forms that feedparser
    misreads; a leading non-English weekday is ignored), falling back to feedparser's own
    parse when the string shows the year, month and day it found.  A missing or unreadable date, one
    more than a day after ``now`` or one before 1990 is replaced by the entry's first-seen
    time from the store (``first_seen(entry_id)``), else ``now``, with a WARNING naming the
    feed and the entry.  ``updated`` is kept when it is readable, later than ``published``
    and not in the future.

Links, content, title, summary
    The entry's ``alternate`` link (for RSS without ``<link>``, a ``guid`` that is an
    absolute http(s) URL), resolved against ``xml:base`` and then the feed URL (a local
    file: the feed's own http(s) link), percent-encoded; only http(s) links are kept.
    Content: the full content, else the summary/description, cleaned with the source's
    ``drop_selectors`` / ``drop_boilerplate``; its relative URLs are resolved against the
    ``xml:base`` in force, else the entry's link, else the feed's base.  The title is
    plain text (tags stripped from HTML titles, entities decoded, whitespace folded);
    without one, an excerpt of the content (else of the summary) of
    :data:`TITLE_EXCERPT_LENGTH`.  The summary is the plain-text excerpt
    (``excerpt_length``) of the summary, else of the cleaned content.

Categories, authors, image, language (what is picked: :mod:`feedkit.feeditems`)
    ``source.categories`` for every entry; with ``use_entry_categories`` also each category
    the feed gives the entry (JSON Feed ``tags`` included) as a one-level path, except that
    a name containing `` > `` or ``/`` is a path (``News > World``, ``News/World``); a
    URL-like term is ignored.  ``Entry.tags`` stay empty.  Bounded by :mod:`feedkit.limits`:
    at most ``MAX_CATEGORIES`` paths of ``MAX_CATEGORY_DEPTH`` levels (a WARNING says what was
    cut), names and authors cut at ``MAX_NAME_LENGTH``, at most ``MAX_AUTHORS`` authors, titles
    cut at ``MAX_TITLE_LENGTH`` (WARNING).  The image is the first http(s)
    feed-given one, else the first ``<img>`` of the cleaned content; its MIME type is the
    one the feed gives, else guessed from the URL.  Language: ``xml:lang``, else the feed's.

One entry that cannot be built is skipped with an ERROR problem; the others are kept.
"""

from __future__ import annotations

import html as html_lib
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import feedparser  # type: ignore[import-untyped]
import feedparser.namespaces._base  # type: ignore[import-untyped]
import feedparser.namespaces.itunes  # type: ignore[import-untyped]

from feedkit.config.types import UpstreamSourceConfig
from feedkit.dates import parse_date
from feedkit.errors import InputError
from feedkit.html import clean_html, first_image, html_to_text
from feedkit.identity import entry_id
from feedkit.limits import MAX_AUTHORS, MAX_NAME_LENGTH, MAX_TITLE_LENGTH, bounded_categories, clip
from feedkit.links import http_link, image_mime_type, is_http_url, join_http
from feedkit.model import Author, CategoryPath, Entry, Image, Problem, Severity
from feedkit.text import excerpt, strip_illegal_xml_chars
from feedkit.upstream import decode as feedtext
from feedkit.upstream import media
from feedkit.upstream.fast import parse_fast
from feedkit.upstream.filters import apply_filters
from feedkit.upstream.items import (
    RawItem,
    alternate_links,
    authors_of,
    detail_language,
    from_feedparser,
    from_json_feed,
    is_html,
    split_person,
    string,
)
from feedkit.upstream.jsonfeed import read_json_feed

FAST_PATH = True
"""Read well-formed RSS 2.0 / Atom 1.0 / RSS 1.0 with :mod:`feedkit.upstream.fast` first (feedparser
takes whatever it rejects); ``tests/test_fast_parse.py`` turns it off to compare the two paths."""
TITLE_EXCERPT_LENGTH = 40
"""Length (CJK characters; twice as many Latin ones) of a title made from the content."""
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
"""Dates before this are placeholders (``Thu, 01 Jan 1970``) and are replaced."""
FUTURE_TOLERANCE = timedelta(days=1)
"""Dates later than ``now`` plus this are replaced."""

__all__ = ["EARLIEST", "FUTURE_TOLERANCE", "TITLE_EXCERPT_LENGTH", "ParsedFeed", "apply_filters", "parse_feed"]

FirstSeen = Callable[[str], "datetime | None"]
_T = TypeVar("_T")
_FORMATS = {"rss090": "rss0.90", "rss091n": "rss0.91", "rss091u": "rss0.91", "rss10": "rss1.0", "rss20": "rss2.0"}
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAY = re.compile(r"^\s*[^\W\d_]+\.?,\s*")
_XML_DECLARATION = re.compile(r"^<\?xml[^>]*\?>")
_HTML_START = re.compile(r"(?i)<!doctype\s+html|<html[\s>]")
_PROLOG_ITEMS = (("<!--", "-->"), ("<?xml", ">"))


def _checked_author_detail(sync: Callable[..., None]) -> Callable[..., None]:
    """feedparser's ``_sync_author_detail``, with our own split of a plain author string.

    feedparser finds the address with a pattern that stops at a four-letter top-level domain
    (``jonas@insanity.industries (Jonas)`` became the name ``stries (Jonas``) and backtracks
    quadratically (a megabyte-long ``<author>`` took hours).  When the author is a plain string
    (no structured detail yet), :func:`~feedkit.upstream.items.split_person` splits it; the
    structured case (Atom ``<author><name>``) stays feedparser's.
    """

    def checked(parser: Any, key: str = "author") -> None:
        context = parser._get_context()
        value = context.get(key)
        if isinstance(value, str) and len(value) > 2 * MAX_NAME_LENGTH:
            context[key] = value = value[: 2 * MAX_NAME_LENGTH]
        detail = context.get(f"{key}s", [feedparser.FeedParserDict()])[-1]
        if detail or not isinstance(value, str) or not value.strip():
            sync(parser, key)
            return
        name, email = split_person(value)
        if name or email:
            context.setdefault(f"{key}_detail", detail)
        if name:
            detail["name"] = name
        if email:
            detail["email"] = email

    return checked


feedparser.mixin._FeedParserMixin._sync_author_detail = _checked_author_detail(
    feedparser.mixin._FeedParserMixin._sync_author_detail
)


def _text_over_foreign_uri(start: Callable[..., None]) -> Callable[..., None]:
    """feedparser's ``_start_link``, except that a ``uri``/``url`` attribute in another scheme
    (``<link uri="at://…">https://example.org/item</link>``) does not stand in for ``href``:
    feedparser would take the attribute and drop the element's http(s) text."""

    def start_link(parser: Any, attrs_d: dict[str, str]) -> None:
        if "href" not in attrs_d:
            for key in ("uri", "url"):
                value = attrs_d.get(key)
                if isinstance(value, str) and urlsplit(value.strip()).scheme.lower() not in ("", "http", "https"):
                    del attrs_d[key]
        start(parser, attrs_d)

    return start_link


feedparser.namespaces._base.Namespace._start_link = _text_over_foreign_uri(
    feedparser.namespaces._base.Namespace._start_link
)


def _end_itunes_explicit(parser: Any) -> None:
    """Keep ``itunes:explicit`` as written: feedparser maps only ``yes``/``clean`` and loses the
    ``true``/``false`` that Apple's current specification asks for
    (:func:`feedkit.upstream.media.episode` reads every spelling)."""
    parser._get_context()["itunes_explicit"] = parser.pop("itunes_explicit", 0)


feedparser.namespaces.itunes.Namespace._end_itunes_explicit = _end_itunes_explicit


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What :func:`parse_feed` read from one document."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    """Per-entry and per-document problems (skipped entries, assumed dates, broken XML)."""
    title: str | None
    link: str | None
    """The feed's human page (absolute http(s) URL)."""
    format: str
    """``rss2.0``, ``atom1.0``, ``rss1.0``, ``json1.1``, ..."""


@dataclass(frozen=True, slots=True)
class _Context:
    url: str
    base: str | None
    """What relative links are resolved against after ``xml:base`` (None: drop them)."""
    source: UpstreamSourceConfig
    now: datetime
    first_seen: FirstSeen
    feed_link: str | None = None
    """The feed's own human page: an entry link equal to it does not identify the entry."""


def parse_feed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str],
    source: UpstreamSourceConfig,
    now: datetime,
    first_seen: FirstSeen = lambda _id: None,
) -> ParsedFeed:
    """One upstream document -> entries (policies in the module docstring).

    ``headers`` are the HTTP response headers in any case (``{}`` for a local file);
    ``first_seen`` gives the store's first-seen time of an entry id, if known.
    Raises :class:`~feedkit.errors.InputError` (``url``, reason) when the body is not a
    feed at all.
    """
    decoded = feedtext.decode(body, headers)
    problems = [Problem(url, note, Severity.WARNING) for note in decoded.notes]
    text = decoded.text.lstrip("\ufeff \t\r\n")
    if not text:
        raise InputError(url, "empty body: not a feed")
    context = _Context(url, url if is_http_url(url) else None, source, now, first_seen)
    if text[0] in "{[":
        return _parse_json(text, context, problems)
    return _parse_xml(text, headers, context, problems)


def _parse_json(text: str, context: _Context, problems: list[Problem]) -> ParsedFeed:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(context.url, f"not valid JSON ({exc}): not a feed") from None
    feed = read_json_feed(data, context.url)
    if feed.skipped:
        problems.append(Problem(context.url, f"{feed.skipped} item(s) are not JSON objects: skipped", Severity.WARNING))
    home = http_link(feed.home_page_url, context.base)
    context = replace(context, base=context.base or home, feed_link=home)
    entries = _build_entries(feed.items, from_json_feed, context, problems)
    return ParsedFeed(entries, tuple(problems), _plain(feed.title or "", False) or None, home, f"json{feed.version}")


def _parse_xml(text: str, headers: Mapping[str, str], context: _Context, problems: list[Problem]) -> ParsedFeed:
    url = context.url
    document = '<?xml version="1.0" encoding="utf-8"?>' + _XML_DECLARATION.sub("", text, count=1)
    language = next((v for k, v in headers.items() if k.lower() == "content-language"), None)
    parser_headers = {"content-type": "application/xml; charset=utf-8"}
    if language:
        parser_headers["content-language"] = language
    fast = parse_fast(document[document.index("?>") + 2 :], language) if FAST_PATH else None
    if fast is not None:
        return _from_result(fast.version, fast.feed, fast.entries, None, context, problems)
    try:
        result = feedparser.parse(
            io.BytesIO(document.encode("utf-8", errors="replace")),
            response_headers=parser_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # its lenient parser raises on some broken markup (KeyError 'tags')
        raise InputError(url, f"XML so broken that feedparser failed on it ({type(exc).__name__}: {exc})") from None
    version = str(result.get("version") or "")
    error = result.get("bozo_exception") if result.get("bozo") else None
    if not version:
        raise InputError(url, _not_a_feed(text, error))
    if error is not None and not result.entries and _looks_truncated(text, error):
        raise InputError(url, f"truncated or broken XML ({error}): no entry could be read")
    if error is not None:
        problems.append(
            Problem(url, f"not well-formed XML ({error}): read leniently, entries may be incomplete", Severity.WARNING)
        )
    return _from_result(version, result.feed, result.entries, error, context, problems)


def _from_result(
    version: str, feed: Any, raw_entries: Sequence[Any], error: object, context: _Context, problems: list[Problem]
) -> ParsedFeed:
    """feedparser's result (or :mod:`feedkit.upstream.fast`'s, shaped alike) -> the parsed feed."""
    link = http_link(next(iter(alternate_links(feed)), None), context.base)
    context = replace(context, base=context.base or link, feed_link=link)
    inherited = authors_of(feed) if version.startswith("atom") else ()
    feed_language = string(feed.get("language")) or detail_language(feed) or None

    def convert(raw: Any) -> RawItem:
        return from_feedparser(raw, version.startswith("rss"), inherited, feed_language)

    entries = _build_entries(raw_entries, convert, context, problems, broken=error is not None)
    title = _plain(string(feed.get("title")), is_html(feed.get("title_detail"))) or None
    return ParsedFeed(entries, tuple(problems), title, link, _FORMATS.get(version, _format_name(version)))


def _format_name(version: str) -> str:
    """feedparser's ``atom10`` -> ``atom1.0``, ``rss092`` -> ``rss0.92``; others as they are."""
    match = re.fullmatch(r"(rss|atom)(\d)(\d+)", version)
    return f"{match.group(1)}{match.group(2)}.{match.group(3)}" if match else version


def _not_a_feed(text: str, error: object) -> str:
    if _is_html_page(text):
        return "an HTML page, not a feed"
    if text.startswith("<"):
        detail = f" ({error})" if error is not None else ""
        return f"XML without an RSS, Atom or RDF root element{detail}: not a feed"
    return f"not a feed (neither XML nor JSON: starts with {text[:40]!r})"


def _is_html_page(text: str) -> bool:
    """Does ``text`` start (after comments and XML declarations) with an HTML doctype or ``<html>``?

    A scan, not one regular expression: a pattern for "comments, then a doctype" backtracks
    exponentially on a run of empty comments (30 of them, 210 bytes, held a build for minutes)."""
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        item = next((item for item in _PROLOG_ITEMS if text.startswith(item[0], position)), None)
        if item is None:
            return _HTML_START.match(text, position) is not None
        end = text.find(item[1], position + len(item[0]))
        if end < 0:
            return False
        position = end + len(item[1])


def _looks_truncated(text: str, error: object) -> bool:
    message = str(error)
    return not text.rstrip().endswith(">") or "no element found" in message or "unclosed token" in message


def _build_entries(
    raws: Iterable[_T],
    convert: Callable[[_T], RawItem],
    context: _Context,
    problems: list[Problem],
    broken: bool = False,
) -> tuple[Entry, ...]:
    """Build every entry; one that fails is skipped with an ERROR, a repeated id with a
    WARNING, and so is an empty one (no id, link, title or text) in a ``broken`` document
    (the truncated tail the lenient parser leaves)."""
    entries: list[Entry] = []
    seen: set[str] = set()
    for position, raw in enumerate(raws, start=1):
        try:
            item = convert(raw)
            entry = _build_entry(item, position, context, problems) if not broken or _has_substance(item) else None
        except Exception as exc:  # one broken entry must not take the feed down
            problems.append(Problem(f"{context.url}#entry-{position}", f"entry skipped: {exc!r}"))
            continue
        if entry is None:
            problems.append(
                Problem(
                    f"{context.url}#entry-{position}",
                    "empty entry (no id, link, title or text): skipped",
                    Severity.WARNING,
                )
            )
        elif entry.id in seen:
            problems.append(
                Problem(
                    f"{context.url}#{entry.id}",
                    f"entry {position} repeats an earlier entry's id: skipped",
                    Severity.WARNING,
                )
            )
        else:
            seen.add(entry.id)
            entries.append(entry)
    return tuple(entries)


def _has_substance(item: RawItem) -> bool:
    return any(text.strip() for text in (item.raw_id or "", *item.links, item.title, item.content, item.summary))


def _build_entry(item: RawItem, position: int, context: _Context, problems: list[Problem]) -> Entry:
    source = context.source
    link = next(filter(None, (http_link(candidate, context.base) for candidate in item.links)), None)
    content_base = (join_http(context.base, item.xml_base) if item.xml_base else None) or link or context.base
    body, body_is_html = (
        (item.content, item.content_is_html) if item.content.strip() else (item.summary, item.summary_is_html)
    )
    content_html = ""
    if body.strip():
        content_html = clean_html(
            body if body_is_html else _text_to_html(body),
            base_url=content_base,
            drop_selectors=source.drop_selectors,
            drop_boilerplate=source.drop_boilerplate,
        )
    has_own_summary = item.content.strip() and item.summary.strip() and item.summary != item.content
    summary_text = _plain(item.summary, item.summary_is_html) if has_own_summary else html_to_text(content_html)
    given_title = _plain(item.title, item.title_is_html)
    title = given_title or _plain(excerpt(summary_text, TITLE_EXCERPT_LENGTH), False)
    the_id = _entry_id(item, link, given_title or _plain(summary_text, False), context)
    origin = f"{context.url}#{(item.raw_id or link or f'entry-{position}')[:200]}"
    published, updated = _dates(item, the_id, origin, context, problems)
    categories, notes = bounded_categories(_categories(item.terms, source))
    if len(title) > MAX_TITLE_LENGTH:
        notes.append(f"title: {len(title)} characters long: cut to {MAX_TITLE_LENGTH}")
    problems.extend(Problem(origin, note, Severity.WARNING) for note in notes)
    return Entry(
        id=the_id,
        title=clip(title, MAX_TITLE_LENGTH),
        link=link or "",
        published=published,
        updated=updated,
        summary=excerpt(summary_text, source.excerpt_length),
        content_html=content_html,
        categories=categories,
        authors=_bounded_authors(item.authors),
        image=_image(item.images, content_base, content_html),
        enclosures=media.enclosures(item.enclosures, content_base),
        episode=media.episode(item.episode, content_base),
        language=_plain(item.language or "", False) or None,
        source=source.name,
        origin=context.url,
    )


def _entry_id(item: RawItem, link: str | None, text: str, context: _Context) -> str:
    """The feed's id; else one derived from the link (unless it is the feed's own page) *with* the
    title (else the whole text) and the date as written, so entries without ids that share a link
    (a podcast's show page, a link blog) stay apart; else from the first enclosure (an episode's
    file); else from the title and date alone."""
    name = context.source.name
    if item.raw_id:
        return entry_id(name, "", item.raw_id)
    key = f"title {text}\n{item.published or item.updated or ''}"
    if link and link != context.feed_link:
        parts = urlsplit(link)
        return entry_id(
            name, "", "link " + parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()
            + "\n" + key
        )
    enclosure = next((e.url.strip() for e in item.enclosures if not e.media_rss), None)
    if enclosure:
        return entry_id(name, "", f"enclosure {enclosure}")
    return entry_id(name, "", key)


def _dates(
    item: RawItem, the_id: str, origin: str, context: _Context, problems: list[Problem]
) -> tuple[datetime, datetime | None]:
    tz = context.source.zone
    published = _read_date(item.published, item.published_parsed, tz)
    updated = _read_date(item.updated, item.updated_parsed, tz)
    written = item.published or item.updated
    if published is None:
        published, updated = updated, None
    latest = context.now + FUTURE_TOLERANCE
    reason = _date_problem(published, written, latest)
    if reason is not None or published is None:
        seen = context.first_seen(the_id)
        published = seen or context.now
        used = "the first-seen time" if seen else "the time of this build"
        problems.append(Problem(origin, f"{reason}: using {used} {published.isoformat()}", Severity.WARNING))
    if updated is not None and not published < updated <= latest:
        updated = None
    return published, updated


def _date_problem(published: datetime | None, written: str | None, latest: datetime) -> str | None:
    """Why a published date cannot be used, or None."""
    if published is None:
        return f"unreadable date {written!r}" if written else "no date"
    if published > latest:
        return f"date {published.isoformat()} is in the future"
    if published < EARLIEST:
        return f"date {published.isoformat()} is before {EARLIEST.year}"
    return None


def _read_date(written: str | None, parsed: datetime | None, tz: ZoneInfo) -> datetime | None:
    """Our parse of the date as written (again without a non-English weekday: ``mer, 16 nov 2022``),
    else feedparser's if :func:`_plausible`."""
    for text in (written, _WEEKDAY.sub("", written or "", count=1)):
        if text:
            try:
                return parse_date(text, tz)
            except ValueError:
                continue
    return parsed if parsed is not None and _plausible(parsed, written or "") else None


def _plausible(parsed: datetime, written: str) -> bool:
    """Does the string show the year, month and day feedparser found?  It fills in what it
    cannot read from today's date (``2004년 05월 28일`` -> 2004-12-01 in December)."""
    numbers = {int(digits) for digits in re.findall(r"\d+", written)}
    month_named = _MONTH_NAMES[parsed.month - 1] in written.lower()
    return (
        (parsed.year in numbers or (parsed.year % 100 in numbers and parsed.year >= 1950))
        and parsed.day in numbers
        and (parsed.month in numbers or month_named)
    )


def _categories(terms: Sequence[str], source: UpstreamSourceConfig) -> tuple[CategoryPath, ...]:
    paths = list(source.categories)
    if source.use_entry_categories:
        paths += [path for path in map(_category_path, terms) if path]
    return tuple(dict.fromkeys(paths))


def _category_path(term: str) -> CategoryPath:
    """``News > World`` and ``News/World`` are paths; a URL-like term is no category.  Names are cut at
    :data:`~feedkit.limits.MAX_NAME_LENGTH`."""
    folded = _plain(term, False)
    if "://" in folded:
        return ()
    separator = " > " if " > " in folded else "/"
    return tuple(part.strip()[:MAX_NAME_LENGTH].strip() for part in folded.split(separator) if part.strip())


def _bounded_authors(authors: Sequence[Author]) -> tuple[Author, ...]:
    """At most :data:`~feedkit.limits.MAX_AUTHORS`, names cut at :data:`~feedkit.limits.MAX_NAME_LENGTH`,
    characters XML cannot hold removed."""
    bounded = []
    for author in authors[:MAX_AUTHORS]:
        name = _plain(author.name[:MAX_NAME_LENGTH], False)
        email = strip_illegal_xml_chars(author.email or "") or None
        uri = strip_illegal_xml_chars(author.uri or "") or None
        if name:
            bounded.append(Author(name, email, uri))
    return tuple(bounded)


def _image(candidates: Sequence[tuple[str, str | None]], base: str | None, content_html: str) -> Image | None:
    for raw, mime_type in candidates:
        url = http_link(raw, base)
        if url:
            return Image(url, mime_type if mime_type and mime_type.startswith("image/") else image_mime_type(url))
    found = first_image(content_html)
    return Image(found, image_mime_type(found)) if found else None


def _plain(value: str, is_html: bool) -> str:
    """Plain one-line text: tags stripped from HTML, whitespace folded, illegal characters dropped."""
    text = html_to_text(value) if is_html else value
    return strip_illegal_xml_chars(" ".join(text.split()))


def _text_to_html(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join("<p>" + html_lib.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
