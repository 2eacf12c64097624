"""Front-matter values -> the typed fields of an :class:`~feedkit.model.Entry`.

PyYAML, tomllib and json hand back whatever the author wrote (a date may be a ``str``, a
naive or aware ``datetime`` or a ``date``; a category a string, a list or a list of
lists), so every function here accepts any value and either makes sense of it or says
what it ignored.

Fields (first key present wins)
    * title: ``title``; entity references decoded (``&#123;`` -> ``{``), whitespace
      folded, cut at :data:`~feedkit.limits.MAX_TITLE_LENGTH` with a warning.  Missing: the
      first ``<h1>``/``# heading`` of the body, else the file name (Jekyll date prefix
      removed, ``-``/``_`` -> spaces; ``index`` -> its folder), with a warning.
    * published: ``date``, ``published`` (unless it is true/false), ``pubDate``.  Missing:
      the date in the file path (:func:`feedkit.dates.date_from_path`), in a Zola ``path``
      key, then ``updated``, then the file's mtime - each with a warning saying what was
      used.  Unparseable: the article is skipped (never guessed).  Before 1990: kept, warned.
    * updated: ``updated``, ``last_modified_at``, ``lastmod``, ``modified``; unparseable
      -> dropped with a warning.
    * categories: ``categories`` then ``category``.  In YAML front matter a list is ONE
      path from the top down (Hexo: ``[金融, 新浪财经, 新浪财经－国內]`` is one category three
      levels deep); a list holding lists is several paths (a plain item beside them is a
      one-level path).  In TOML/JSON front matter (Hugo, Zola: flat taxonomies) every list
      item is its own one-level category.  A string is split by :func:`split_names`.
      Markdown links in names keep their text only; names are otherwise kept as written
      (cut at :data:`~feedkit.limits.MAX_NAME_LENGTH`).  At most
      :data:`~feedkit.limits.MAX_CATEGORIES` paths of :data:`~feedkit.limits.MAX_CATEGORY_DEPTH`
      levels; the rest is dropped with a warning.
    * tags: ``tags``, ``tag``, ``keywords`` (all merged): lists flattened, strings split by
      :func:`split_names`, duplicates dropped keeping the first; at most
      :data:`~feedkit.limits.MAX_TAGS`.
    * authors: ``author`` and ``authors``: a string, a mapping ``{name, email, url|uri|link}``
      or a list of those; none -> the source's ``default_author``.
    * draft: ``draft: true`` or ``published: false`` -> excluded, not an error.
    * id: ``id``, ``guid``, ``uuid`` -> :func:`feedkit.identity.entry_id`.
    * link: ``permalink``, ``link``, ``url`` -> joined to the base URL (a value with
      ``:tokens`` such as Jekyll's ``/:title`` is expanded like the source's pattern, see
      :func:`feedkit.identity.permalink`); else the source's permalink pattern - which is also
      used, with a warning, when the value is not an http(s) URL (``javascript:``, ``file:``).
    * language: ``lang``, ``language``, else the source's language.

The image is chosen by :mod:`feedkit.images`; the summary and the body are made in
:mod:`feedkit.articles`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from html import unescape
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from feedkit import html, identity
from feedkit.articles.frontmatter import UnusableArticle, Warn
from feedkit.config.types import ArticleSourceConfig
from feedkit.dates import date_from_path, parse_date
from feedkit.limits import MAX_AUTHORS, MAX_NAME_LENGTH, MAX_TAGS, MAX_TITLE_LENGTH, bounded_categories, capped, clip
from feedkit.links import http_link
from feedkit.model import Author, CategoryPath
from feedkit.text import strip_illegal_xml_chars

EARLIEST_PLAUSIBLE_YEAR = 1990
"""A published date before this year is kept but warned about."""

DATE_KEYS = ("date", "published", "pubDate", "pubdate")
UPDATED_KEYS = ("updated", "last_modified_at", "lastmod", "modified")
CATEGORY_KEYS = ("categories", "category")
TAG_KEYS = ("tags", "tag", "keywords")
AUTHOR_KEYS = ("author", "authors")
SUMMARY_KEYS = ("summary", "description", "excerpt")
ID_KEYS = ("id", "guid", "uuid")
LINK_KEYS = ("permalink", "link", "url")
LANGUAGE_KEYS = ("lang", "language")
KNOWN_KEYS = frozenset(
    DATE_KEYS + UPDATED_KEYS + CATEGORY_KEYS + TAG_KEYS + AUTHOR_KEYS + SUMMARY_KEYS + ("title", "draft", "layout")
)
"""Keys that mark a mapping as front matter (for Hexo's fenceless YAML)."""

_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_JEKYLL_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")
_CJK = re.compile("[\u1100-\u11ff\u2e80-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff00-\uffef]")
_NAME_COMMAS = re.compile("[,，]")
_PERMALINK_TOKEN = re.compile(r"(?:^|/):[a-z_]+")


def is_draft(meta: dict[Any, Any]) -> bool:
    """``draft: true`` or ``published: false`` (booleans or yes/no/true/false strings)."""
    return _flag(meta.get("draft")) is True or _flag(meta.get("published")) is False


def has_title(meta: dict[Any, Any]) -> bool:
    """Does the front matter give a usable title (so :func:`title` never needs the body)?"""
    return bool(_clean_text(_scalar_text(meta.get("title")) or ""))


def title(meta: dict[Any, Any], content: str, rel_path: str, warn: Warn) -> str:
    """The title; else the first ``<h1>`` of the cleaned ``content``; else the file name."""
    raw = meta.get("title")
    text = _scalar_text(raw)
    if raw is not None and text is None:
        warn(f"title is a {type(raw).__name__}, not text: ignored")
    cleaned = _clean_text(text or "")
    if cleaned:
        return _clipped_title(cleaned, warn)
    heading = _H1.search(content)
    heading_text = " ".join(html.html_to_text(heading.group(1)).split()) if heading else ""
    if heading_text:
        heading_text = _clipped_title(heading_text, warn)
        warn(f"no title: used the first heading {heading_text[:200]!r}")
        return heading_text
    name = _title_from_file_name(rel_path)
    warn(f"no title: used the file name {name!r}")
    return name


def _clipped_title(text: str, warn: Warn) -> str:
    if len(text) > MAX_TITLE_LENGTH:
        warn(f"title: {len(text)} characters long: cut to {MAX_TITLE_LENGTH}")
    return clip(text, MAX_TITLE_LENGTH)


def _title_from_file_name(rel_path: str) -> str:
    path = PurePosixPath(rel_path)
    stem = path.stem
    if stem in ("index", "_index") and path.parent.name:
        stem = path.parent.name
    stem = _JEKYLL_DATE_PREFIX.sub("", stem)
    return " ".join(stem.replace("-", " ").replace("_", " ").split()) or stem or rel_path


MTIME_FALLBACK = "no date: used the file's modification time"
"""How the warning of an article dated by its file's modification time begins (the parse cache
must re-read such a file when only its time changed)."""


def published(meta: dict[Any, Any], rel_path: str, tz: ZoneInfo, mtime: float | None, warn: Warn) -> datetime:
    """The published date, or a fallback (path, ``updated``, mtime) with a warning.

    Raises :class:`~feedkit.frontmatter.UnusableArticle` when the date cannot be parsed or
    there is none at all.
    """
    found = _first(meta, (key for key in DATE_KEYS if not isinstance(meta.get(key), bool)))
    if found is not None:
        key, value = found
        try:
            date = parse_date(value, tz, key=key)
        except ValueError as exc:
            raise UnusableArticle(str(exc)) from None
        if date.year < EARLIEST_PLAUSIBLE_YEAR:
            warn(f"{key}: {value!s} is before {EARLIEST_PLAUSIBLE_YEAR}; kept, but check it")
        return date
    return _fallback_date(meta, rel_path, tz, mtime, warn)


def _fallback_date(meta: dict[Any, Any], rel_path: str, tz: ZoneInfo, mtime: float | None, warn: Warn) -> datetime:
    zola_path = meta.get("path")
    for where, path in (("the file path", rel_path), ("the 'path' key", zola_path)):
        day = date_from_path(path) if isinstance(path, str) else None
        if day is not None:
            warn(f"no date: used {day.isoformat()} from {where} (midnight, {tz})")
            return parse_date(day, tz)
    last_update = updated(meta, tz, lambda message: None)
    if last_update is not None:
        warn(f"no date: used the updated date {last_update.isoformat()}")
        return last_update
    if mtime is not None:
        try:
            modified = datetime.fromtimestamp(mtime, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise UnusableArticle(f"no date, and the file's modification time {mtime!r} is out of range") from None
        warn(f"{MTIME_FALLBACK} {modified.isoformat()}")
        return modified
    raise UnusableArticle(
        "no date: set 'date' in the front matter or start the file name with it (2022-06-07-title.md)"
    )


def updated(meta: dict[Any, Any], tz: ZoneInfo, warn: Warn) -> datetime | None:
    """The updated date; None when missing or (with a warning) unparseable."""
    found = _first(meta, UPDATED_KEYS)
    if found is None:
        return None
    try:
        return parse_date(found[1], tz, key=found[0])
    except ValueError as exc:
        warn(f"{exc}; dropped")
        return None


def split_names(text: str) -> list[str]:
    """A category/tag string -> names.

    With a comma (``,`` or ``，``) it is split on commas ("a, b c" -> ["a", "b c"]).
    Otherwise a string holding CJK characters is one name ("Bing 壁纸"), and any other
    string is split on whitespace, as Jekyll does ("foo bar baz" -> ["foo", "bar", "baz"]).
    """
    if _NAME_COMMAS.search(text):
        pieces = _NAME_COMMAS.split(text)
    elif _CJK.search(text):
        pieces = [text]
    else:
        pieces = text.split()
    return [name for name in map(_name, pieces) if name]


def categories(meta: dict[Any, Any], *, flat_lists: bool, warn: Warn | None = None) -> tuple[CategoryPath, ...]:
    """Category paths, duplicates dropped; ``flat_lists`` for TOML/JSON front matter.

    At most :data:`~feedkit.limits.MAX_CATEGORIES` paths of at most
    :data:`~feedkit.limits.MAX_CATEGORY_DEPTH` levels; ``warn`` hears what was cut.
    """
    paths: list[CategoryPath] = []
    for key in CATEGORY_KEYS:
        paths.extend(_category_paths(meta.get(key), flat_lists))
    kept, notes = bounded_categories(list(dict.fromkeys(paths)))
    for note in notes:
        (warn or _ignore)(note)
    return kept


def _category_paths(value: object, flat_lists: bool) -> list[CategoryPath]:
    if isinstance(value, str):
        return [(name,) for name in split_names(value)]
    if not isinstance(value, list):
        name = _name(value)
        return [(name,)] if name else []
    if flat_lists:
        return [(name,) for name in _flat_names(value)]
    if any(isinstance(item, list) for item in value):
        paths = [_path(item) if isinstance(item, list) else (_name(item),) for item in value]
        return [path for path in paths if path and all(path)]
    path = _path(value)
    return [path] if path else []


def _path(items: list[Any]) -> CategoryPath:
    return tuple(name for name in map(_name, items) if name)


def _flat_names(value: object) -> list[str]:
    if isinstance(value, str):
        return split_names(value)
    if isinstance(value, list):
        items = [x for item in value for x in (item if isinstance(item, list) else [item])]
        return [name for name in map(_name, items) if name]
    name = _name(value)
    return [name] if name else []


def tags(meta: dict[Any, Any], warn: Warn | None = None) -> tuple[str, ...]:
    """Tags of every tag key, flattened, duplicates dropped keeping the first; at most
    :data:`~feedkit.limits.MAX_TAGS` (``warn`` hears about the rest)."""
    names: list[str] = []
    for key in TAG_KEYS:
        names.extend(_flat_names(meta.get(key)))
    kept, note = capped(list(dict.fromkeys(names)), MAX_TAGS, "tags")
    if note:
        (warn or _ignore)(note)
    return kept


def _ignore(message: str) -> None:
    """A :data:`~feedkit.frontmatter.Warn` that drops the message."""


def authors(meta: dict[Any, Any], default_author: str | None) -> tuple[Author, ...]:
    """Authors of every author key, duplicates dropped, at most :data:`~feedkit.limits.MAX_AUTHORS`;
    else ``default_author`` if set."""
    found: list[Author] = []
    for key in AUTHOR_KEYS:
        value = meta.get(key)
        for item in value if isinstance(value, list) else [value]:
            author = _author(item)
            if author is not None and author not in found and len(found) < MAX_AUTHORS:
                found.append(author)
    if not found and default_author:
        found.append(Author(default_author))
    return tuple(found)


def _author(value: object) -> Author | None:
    if not isinstance(value, dict):
        name = _name(value)
        return Author(name) if name else None
    name = _name(value.get("name"))
    email = _name(value.get("email")) or None
    uri_found = _first(value, ("url", "uri", "link", "website"))
    uri = (_scalar_text(uri_found[1]) or "").strip() if uri_found else ""
    if email is not None and "@" not in email:
        email = None
    if uri and urlsplit(uri).scheme not in ("http", "https"):
        uri = ""
    if not name and not email:
        return None
    return Author(name or email or "", email, uri or None)


def front_matter_id(meta: dict[Any, Any]) -> str | None:
    """The article's own id (``id``, ``guid``, ``uuid``) as text, if it has one."""
    return _text_value(meta, ID_KEYS)


def link(
    meta: dict[Any, Any],
    source: ArticleSourceConfig,
    base: str,
    *,
    rel_path: str,
    title: str,
    published: datetime,
    categories: tuple[CategoryPath, ...],
    warn: Warn | None = None,
) -> str:
    """The front matter's link resolved against ``base``, else the permalink it or the source spells.

    A link that is not http(s) (``javascript:``, ``file:``, ``data:`` ...) or not a URL at all is
    replaced by the source's permalink, and ``warn`` hears about it.
    """
    found = _first(meta, LINK_KEYS)
    link_value = _text_value(meta, LINK_KEYS)
    if link_value and not _PERMALINK_TOKEN.search(link_value):
        resolved = http_link(link_value, base, under_base=True)
        if resolved is not None:
            return resolved
        (warn or _ignore)(f"{found[0] if found else 'link'}: {link_value[:200]!r} is not an http(s) URL: "
                          "the permalink pattern is used instead")
        link_value = None
    return identity.permalink(
        link_value or source.permalink,
        base,
        rel_path=rel_path,
        title=title,
        published=published,
        zone=source.zone,
        categories=categories,
        front_matter_id=front_matter_id(meta),
    )


def language(meta: dict[Any, Any], default: str | None) -> str | None:
    """``lang``/``language``, else ``default``."""
    return _text_value(meta, LANGUAGE_KEYS) or default


def _clean_text(text: str) -> str:
    """Entity references decoded, characters XML cannot hold removed, whitespace folded."""
    return " ".join(strip_illegal_xml_chars(unescape(text)).split())


def _scalar_text(value: object) -> str | None:
    """A string, number or date as text; None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return None


def _text_value(meta: dict[Any, Any], keys: Iterable[str]) -> str | None:
    found = _first(meta, keys)
    if found is None or isinstance(found[1], bool):
        return None
    text = _scalar_text(found[1])
    return text.strip() or None if text is not None else None


def _name(value: object) -> str:
    """A category, tag or author name: at most :data:`~feedkit.limits.MAX_NAME_LENGTH` characters (cut
    before the Markdown-link pattern runs, whose backtracking is quadratic in the length)."""
    text = _scalar_text(value)
    if text is None:
        return ""
    text = text[: 4 * MAX_NAME_LENGTH]
    return _clean_text(_MARKDOWN_LINK.sub(r"\1", text))[:MAX_NAME_LENGTH].strip()


def _first(meta: dict[Any, Any], keys: Iterable[str]) -> tuple[str, Any] | None:
    """The first key with a non-empty value."""
    for key in keys:
        value = meta.get(key)
        if value is not None and value != "" and value != []:
            return key, value
    return None


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "false", "no"):
        return value.strip().lower() in ("true", "yes")
    return None
