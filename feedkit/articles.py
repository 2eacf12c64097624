"""Front-matter article files (Hexo / Jekyll / Hugo / Zola) -> :class:`~feedkit.model.Entry`.

Which files are articles
    ``.md``, ``.markdown``, ``.html`` and ``.htm`` files always (with or without front
    matter); a file with any other extension only when its text (after a BOM and blank
    lines) starts with a ``---`` or ``+++`` front-matter fence that is closed again.  JSON
    front matter (a ``{...}`` object at the start) is read in article extensions only, so
    a ``data.json`` beside the posts is not an article.  Files with NUL bytes are binary,
    not articles.  Hidden files and folders (``.git``) are never read.

Front matter
    ``---`` YAML ``---`` (or ``...``), ``+++`` TOML ``+++``, or a leading JSON object.
    Blank lines before the opening fence (the seed's crawler writes one), a UTF-8 BOM,
    CRLF line ends and spaces after a fence are accepted; ``---`` inside a value is not a
    fence.  Hexo also accepts YAML *without* an opening fence (``title: x`` ... ``---``):
    that is recognised only in ``.md``/``.markdown`` files whose first line is a
    ``key:`` line and whose text before the first ``---`` line is a YAML mapping with a
    known front-matter key.  YAML is loaded with PyYAML's safe loader only (LibYAML's
    ``CSafeLoader`` when installed: it also accepts tabs after a value, which the
    pure-Python loader rejects).  Text that is not UTF-8 is decoded as GB18030 (with a
    warning).

Fields (first key present wins)
    * title: ``title``; entity references decoded (``&#123;`` -> ``{``), whitespace
      folded.  Missing: the first ``<h1>``/``# heading`` of the body, else the file name
      (Jekyll date prefix removed, ``-``/``_`` -> spaces; ``index`` -> its folder), with a
      warning.
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
      Markdown links in names keep their text only; names are otherwise kept as written.
    * tags: ``tags``, ``tag``, ``keywords`` (all merged): lists flattened, strings split by
      :func:`split_names`, duplicates dropped keeping the first.
    * authors: ``author`` and ``authors``: a string, a mapping ``{name, email, url|uri|link}``
      or a list of those; none -> the source's ``default_author``.
    * summary: ``summary``, ``description``, ``excerpt`` (HTML or Markdown, as text); else
      the body before ``<!-- more -->``; else the start of the body.  Always capped with
      :func:`feedkit.html.excerpt` at ``excerpt_length``.  (``subtitle`` is not a summary.)
    * draft: ``draft: true`` or ``published: false`` -> excluded, not an error.
    * id: ``id``, ``guid``, ``uuid`` -> :func:`feedkit.identity.entry_id`.
    * link: ``permalink``, ``link``, ``url`` -> joined to the base URL (a value with
      ``:tokens`` such as Jekyll's ``/:title`` is expanded like the source's pattern, see
      :func:`feedkit.identity.permalink`); else the source's permalink pattern.
    * language: ``lang``, ``language``, else the source's language.
    * image: the first non-empty ``image_keys`` value (URL string, list -> first item,
      mapping -> ``src``/``url``) that is an http(s) URL after resolving it against the
      base URL (``//host`` -> https); other schemes are ignored with a warning.  Else the
      first ``<img>`` of the cleaned body when ``image_from_body``.  The MIME type comes
      from the URL's extension; an unknown one is reported as ``image/jpeg`` (what image
      URLs without an extension - picsum, CDN resizers - nearly always serve).
    * body: HTML stays HTML; Markdown is rendered with markdown-it-py (CommonMark + tables
      + strikethrough, raw HTML allowed: the sanitizer runs afterwards).  With
      ``body = "auto"`` a ``.html``/``.htm`` file is HTML, and so is a body whose first
      content (after HTML comments) is a block HTML tag (``<div>``, ``<p>``, ``<figure>``,
      ...) *and* whose last content (before trailing comments) ends with ``>`` - so the
      crawler's ``<div>`` ... ``</div>`` bodies with indented lines do not become code
      blocks, while a Markdown post that merely opens with a ``<figure>`` (18F does this)
      is still rendered as Markdown.  Hexo ``{% tag %}`` and Hugo ``{{< shortcode >}}``
      syntax is left as text.  Then :func:`feedkit.html.clean_html` with the source's
      ``drop_selectors``.

:func:`parse_article` is a pure function of its arguments (no I/O, no clock), so it can
run in worker processes; everything it returns is picklable.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from html import unescape
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import yaml
from markdown_it import MarkdownIt

from . import html, identity
from .config import ArticleSourceConfig
from .dates import date_from_path, parse_date
from .errors import FeedkitError
from .model import Author, CategoryPath, Entry, Image, Problem, Severity
from .text import excerpt, strip_illegal_xml_chars

ARTICLE_EXTENSIONS = frozenset({".md", ".markdown", ".html", ".htm"})
"""Files with these extensions are always articles."""
ARTICLE_MAX_BYTES = 10 * 1024 * 1024
"""Larger files are skipped and reported."""
HEAD_BYTES = 4096
"""How much of a file with another extension is read to look for a front-matter fence."""
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

_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_MORE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
_HTML_START = re.compile(
    r"<(?:!doctype|html|body|div|p|section|article|aside|header|footer|nav|main|table|figure|"
    r"h[1-6]|ul|ol|dl|blockquote|pre|img|hr|iframe|video|audio|picture|center|form)[\s>/]",
    re.IGNORECASE,
)
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_JEKYLL_DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")
_KEY_LINE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*\s*:(?:\s|$)")
_CJK = re.compile("[\u1100-\u11ff\u2e80-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff00-\uffef]")
_NAME_COMMAS = re.compile("[,，]")
_TOML_LINE = re.compile(r"line (\d+)")
_PERMALINK_TOKEN = re.compile(r"(?:^|/):[a-z_]+")
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


@dataclass(frozen=True, slots=True)
class ArticleResult:
    """What reading one article file gave."""

    entry: Entry | None
    """None when skipped (see ``problems``), excluded (a draft) or not an article."""
    problems: tuple[Problem, ...]
    """Errors (the file was skipped) and warnings (used, but something was assumed)."""
    excluded: bool = False
    """True for drafts and ``published: false`` (not an error)."""


Warn = Callable[[str], None]


class _Unusable(Exception):
    """The article cannot be used; the message says why (without the file name)."""


@dataclass(frozen=True, slots=True)
class _Document:
    meta: dict[Any, Any]
    body: str
    syntax: str
    """``yaml``, ``toml``, ``json`` or ``none``."""


# --- discovery ---------------------------------------------------------------------------


def discover(source: ArticleSourceConfig) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """All candidate article files of a source as ``(path, rel_path)``, sorted by rel_path.

    ``rel_path`` is posix and relative to the configured path the file was found under; a
    configured path that is a file is used as it is (``rel_path`` = its name, include and
    exclude do not apply to it).  Inside folders only files matching an ``include`` glob
    and no ``exclude`` glob are taken (``**`` spans folders, ``*`` does not).  Hidden files
    and folders are skipped; symlinked folders are not followed and symlinked files only
    when they point inside the configured folder (both reported as warnings); files larger
    than :data:`ARTICLE_MAX_BYTES` are reported as errors.  Two files with the same
    rel_path (from two configured folders) would get the same id: the later is reported.
    """
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for root in source.paths:
        for path, rel_path in _candidates(root, source, problems):
            if rel_path in found:
                message = f"same relative path as {found[rel_path]}: ids would collide; skipped"
                problems.append(Problem(str(path), message))
                continue
            found[rel_path] = path
    return [(found[rel_path], rel_path) for rel_path in sorted(found)], problems


def _candidates(root: Path, source: ArticleSourceConfig, problems: list[Problem]) -> Iterator[tuple[Path, str]]:
    if not root.exists():
        problems.append(Problem(str(root), f"configured path of source {source.name!r} does not exist"))
        return
    if not root.is_dir():
        if _size_ok(root, problems):
            yield root, root.name
        return
    for path, rel_path in _walk(root, problems):
        if not _matches_any(rel_path, source.include) or _matches_any(rel_path, source.exclude):
            continue
        if _size_ok(path, problems) and _is_article_file(path, rel_path, problems):
            yield path, rel_path


def _walk(root: Path, problems: list[Problem]) -> Iterator[tuple[Path, str]]:
    real_root = root.resolve()

    def report(error: OSError) -> None:
        problems.append(Problem(str(error.filename or root), f"cannot list folder: {error.strerror or error}"))

    for folder, dirnames, filenames in os.walk(root, onerror=report, followlinks=False):
        here = Path(folder)
        for name in sorted(dirnames):
            if name.startswith(".") or (here / name).is_symlink():
                if not name.startswith("."):
                    problems.append(Problem(str(here / name), "symlinked folder not followed", Severity.WARNING))
                dirnames.remove(name)
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            if name.startswith(".") or not _inside(path, real_root, problems):
                continue
            yield path, path.relative_to(root).as_posix()


def _inside(path: Path, real_root: Path, problems: list[Problem]) -> bool:
    if not path.is_symlink():
        return True
    target = path.resolve()
    if target.is_relative_to(real_root) and target.is_file():
        return True
    message = "symlink points outside the article folder (or nowhere): skipped"
    problems.append(Problem(str(path), message, Severity.WARNING))
    return False


def _size_ok(path: Path, problems: list[Problem]) -> bool:
    try:
        info = path.stat()
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read file: {exc.strerror or exc}"))
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    if info.st_size > ARTICLE_MAX_BYTES:
        problems.append(Problem(str(path), f"file is larger than {ARTICLE_MAX_BYTES} bytes ({info.st_size}): skipped"))
        return False
    return True


def _is_article_file(path: Path, rel_path: str, problems: list[Problem]) -> bool:
    if _has_article_extension(rel_path):
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read file: {exc.strerror or exc}"))
        return False
    return b"\x00" not in head and _opening_fence(head.decode("utf-8", "replace")) is not None


def _has_article_extension(rel_path: str) -> bool:
    return PurePosixPath(rel_path).suffix.lower() in ARTICLE_EXTENSIONS


def _matches_any(rel_path: str, patterns: Sequence[str]) -> bool:
    return any(_glob_regex(pattern).fullmatch(rel_path) for pattern in patterns)


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob relative to the configured folder: ``**/`` any folders, ``*`` and ``?`` within one name."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


# --- reading -----------------------------------------------------------------------------


def load_article(path: Path, rel_path: str, source: ArticleSourceConfig, *, site_base_url: str) -> ArticleResult:
    """Read one file (at most :data:`ARTICLE_MAX_BYTES`) and :func:`parse_article` it.

    A file that cannot be read, is not a regular file or is too large gives an error
    Problem naming it.
    """
    origin = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return _skipped(origin, "not a regular file")
        with path.open("rb") as handle:
            data = handle.read(ARTICLE_MAX_BYTES + 1)
    except OSError as exc:
        return _skipped(origin, f"cannot read file: {exc.strerror or exc}")
    if len(data) > ARTICLE_MAX_BYTES:
        return _skipped(origin, f"file is larger than {ARTICLE_MAX_BYTES} bytes: skipped")
    return parse_article(data, rel_path, source, origin=origin, site_base_url=site_base_url, mtime=info.st_mtime)


def _skipped(origin: str, message: str) -> ArticleResult:
    return ArticleResult(entry=None, problems=(Problem(origin, message),))


def parse_article(
    data: bytes,
    rel_path: str,
    source: ArticleSourceConfig,
    *,
    origin: str,
    site_base_url: str,
    mtime: float | None = None,
) -> ArticleResult:
    """One article file's bytes -> an :class:`ArticleResult` (see the module docstring).

    Pure: no I/O and no clock; ``mtime`` (the file's modification time, seconds since
    the epoch) is only used when the article has no date at all.  ``origin`` names the
    file in problems.  Never raises for bad input: whatever is wrong with the file comes
    back as a Problem (only a :class:`~feedkit.errors.FeedkitError` about the configuration,
    such as an invalid ``drop_selectors`` entry, propagates).
    """
    warnings: list[Problem] = []

    def warn(message: str) -> None:
        warnings.append(Problem(origin, message, Severity.WARNING))

    if b"\x00" in data:
        return ArticleResult(None, (Problem(origin, "binary file (NUL bytes): not an article", Severity.WARNING),))
    try:
        document = _split_front_matter(_decode(data, warn), rel_path)
        if document is None:
            message = "no front matter and not an article extension: not an article"
            return ArticleResult(None, (Problem(origin, message, Severity.WARNING),))
        if _is_draft(document.meta):
            return ArticleResult(None, (), excluded=True)
        entry = _entry(document, rel_path, source, origin, site_base_url, mtime, warn)
    except _Unusable as exc:
        return ArticleResult(None, (*warnings, Problem(origin, f"{exc}; skipped")))
    except (RecursionError, MemoryError) as exc:
        message = f"too deeply nested or too large ({type(exc).__name__}); skipped"
        return ArticleResult(None, (*warnings, Problem(origin, message)))
    except FeedkitError:
        raise  # a configuration problem (e.g. a bad drop selector) concerns every file
    except Exception as exc:  # one bad input must never take the build down
        message = f"unexpected error while reading this file ({type(exc).__name__}: {exc}); skipped"
        return ArticleResult(None, (*warnings, Problem(origin, message)))
    return ArticleResult(entry, tuple(warnings))


def _decode(data: bytes, warn: Warn) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise _Unusable(f"neither UTF-8 (bad byte at offset {utf8_error.start}) nor GB18030 text") from None
        warn("not valid UTF-8: decoded as GB18030")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- front matter ------------------------------------------------------------------------


def _opening_fence(text: str) -> tuple[int, str] | None:
    """(line index, fence) of a ``---``/``+++`` first line after blank lines, else None."""
    text = text.removeprefix("\ufeff")
    for index, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        if line.strip():
            fence = line.rstrip()
            return (index, fence) if fence in ("---", "+++") else None
    return None


def _split_front_matter(text: str, rel_path: str) -> _Document | None:
    """Front matter and body, or None when a non-article-extension file has no closed fence."""
    article_extension = _has_article_extension(rel_path)
    lines = text.split("\n")
    opening = _opening_fence(text)
    if opening is not None:
        start, fence = opening
        closers = ("---", "...") if fence == "---" else ("+++",)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].rstrip() in closers), None)
        if end is None:
            if not article_extension:
                return None
            raise _Unusable(f"front matter opened with {fence!r} on line {start + 1} is never closed")
        raw = "\n".join(lines[start + 1 : end])
        body = "\n".join(lines[end + 1 :])
        if fence == "---":
            return _Document(_mapping(_load_yaml(raw, start + 2)), body, "yaml")
        return _Document(_mapping(_load_toml(raw, start + 2)), body, "toml")
    if not article_extension:
        return None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _json_document(text, len(text) - len(stripped))
    return _fenceless_yaml(lines, rel_path) or _Document({}, text, "none")


def _fenceless_yaml(lines: list[str], rel_path: str) -> _Document | None:
    """Hexo's front matter without an opening ``---`` (see the module docstring)."""
    if PurePosixPath(rel_path).suffix.lower() not in (".md", ".markdown"):
        return None
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None or not _KEY_LINE.match(lines[start]):
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        return None
    try:
        meta = yaml.load("\n".join(lines[start:end]), Loader=_YAML_LOADER)
    except (yaml.YAMLError, ValueError, OverflowError):
        return None
    if not isinstance(meta, dict) or not KNOWN_KEYS.intersection(k for k in meta if isinstance(k, str)):
        return None
    return _Document(meta, "\n".join(lines[end + 1 :]), "yaml")


def _load_yaml(raw: str, first_line: int) -> object:
    try:
        return yaml.load(raw, Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + first_line})" if mark is not None else ""
        reason = ": ".join(part for part in (exc.context, exc.problem) if part)
        raise _Unusable(f"front matter is not valid YAML{where}: {reason or exc}") from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise _Unusable(f"front matter is not valid YAML: {exc}") from None


def _load_toml(raw: str, first_line: int) -> object:
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        reason = _TOML_LINE.sub(lambda m: f"line {int(m.group(1)) + first_line - 1}", str(exc))
        raise _Unusable(f"front matter is not valid TOML: {reason}") from None


def _json_document(text: str, offset: int) -> _Document:
    try:
        meta, end = json.JSONDecoder().raw_decode(text, offset)
    except json.JSONDecodeError as exc:
        raise _Unusable(f"JSON front matter is not valid (line {exc.lineno}): {exc.msg}") from None
    return _Document(_mapping(meta), text[end:].lstrip(" \t").removeprefix("\n"), "json")


def _mapping(value: object) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Unusable(f"front matter is a {type(value).__name__}, not a mapping of keys to values")
    return value


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


def _is_draft(meta: dict[Any, Any]) -> bool:
    return _flag(meta.get("draft")) is True or _flag(meta.get("published")) is False


# --- the entry ---------------------------------------------------------------------------


def _entry(
    document: _Document,
    rel_path: str,
    source: ArticleSourceConfig,
    origin: str,
    site_base_url: str,
    mtime: float | None,
    warn: Warn,
) -> Entry:
    meta = document.meta
    base = source.base_url or site_base_url
    published = _published(meta, rel_path, source.timezone, mtime, warn)
    body_is_html = _body_is_html(document.body, rel_path, source.body)
    content = html.clean_html(
        _render(document.body, body_is_html), base_url=base, drop_selectors=source.drop_selectors,
        drop_boilerplate=source.drop_boilerplate,
    )
    title = _title(meta, content, rel_path, warn)
    categories = _categories(meta, flat_lists=document.syntax in ("toml", "json"))
    front_matter_id = _text_value(meta, ID_KEYS)
    link_value = _text_value(meta, LINK_KEYS)
    if link_value and not _PERMALINK_TOKEN.search(link_value):
        link = identity.resolve_link(link_value, base)
    else:
        link = identity.permalink(
            link_value or source.permalink,
            base,
            rel_path=rel_path,
            title=title,
            published=published,
            timezone=source.timezone,
            categories=categories,
            front_matter_id=front_matter_id,
        )
    return Entry(
        id=identity.entry_id(source.name, rel_path, front_matter_id),
        title=title,
        link=link,
        published=published,
        updated=_updated(meta, source.timezone, warn),
        summary=_summary(meta, document.body, body_is_html, content, source, base),
        content_html=content,
        categories=categories,
        tags=_tags(meta),
        authors=_authors(meta, source.default_author),
        image=_image(meta, source, base, content, warn),
        language=_text_value(meta, LANGUAGE_KEYS) or source.language,
        source=source.name,
        origin=origin,
    )


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


def _title(meta: dict[Any, Any], content: str, rel_path: str, warn: Warn) -> str:
    raw = meta.get("title")
    text = _scalar_text(raw)
    if raw is not None and text is None:
        warn(f"title is a {type(raw).__name__}, not text: ignored")
    title = _clean_text(text or "")
    if title:
        return title
    heading = _H1.search(content)
    heading_text = " ".join(html.html_to_text(heading.group(1)).split()) if heading else ""
    if heading_text:
        warn(f"no title: used the first heading {heading_text!r}")
        return heading_text
    name = _title_from_file_name(rel_path)
    warn(f"no title: used the file name {name!r}")
    return name


def _title_from_file_name(rel_path: str) -> str:
    path = PurePosixPath(rel_path)
    stem = path.stem
    if stem in ("index", "_index") and path.parent.name:
        stem = path.parent.name
    stem = _JEKYLL_DATE_PREFIX.sub("", stem)
    return " ".join(stem.replace("-", " ").replace("_", " ").split()) or stem or rel_path


def _published(meta: dict[Any, Any], rel_path: str, tz: str, mtime: float | None, warn: Warn) -> datetime:
    found = _first(meta, (key for key in DATE_KEYS if not isinstance(meta.get(key), bool)))
    if found is not None:
        key, value = found
        try:
            published = parse_date(value, tz, key=key)
        except ValueError as exc:
            raise _Unusable(str(exc)) from None
        if published.year < EARLIEST_PLAUSIBLE_YEAR:
            warn(f"{key}: {value!s} is before {EARLIEST_PLAUSIBLE_YEAR}; kept, but check it")
        return published
    return _fallback_date(meta, rel_path, tz, mtime, warn)


def _fallback_date(meta: dict[Any, Any], rel_path: str, tz: str, mtime: float | None, warn: Warn) -> datetime:
    zola_path = meta.get("path")
    for where, path in (("the file path", rel_path), ("the 'path' key", zola_path)):
        day = date_from_path(path) if isinstance(path, str) else None
        if day is not None:
            warn(f"no date: used {day.isoformat()} from {where} (midnight, {tz})")
            return parse_date(day, tz)
    updated = _updated(meta, tz, lambda message: None)
    if updated is not None:
        warn(f"no date: used the updated date {updated.isoformat()}")
        return updated
    if mtime is not None:
        try:
            modified = datetime.fromtimestamp(mtime, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise _Unusable(f"no date, and the file's modification time {mtime!r} is out of range") from None
        warn(f"no date: used the file's modification time {modified.isoformat()}")
        return modified
    raise _Unusable("no date: set 'date' in the front matter or start the file name with it (2022-06-07-title.md)")


def _updated(meta: dict[Any, Any], tz: str, warn: Warn) -> datetime | None:
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


def _name(value: object) -> str:
    text = _scalar_text(value)
    if text is None:
        return ""
    return _clean_text(_MARKDOWN_LINK.sub(r"\1", text))


def _categories(meta: dict[Any, Any], *, flat_lists: bool) -> tuple[CategoryPath, ...]:
    paths: list[CategoryPath] = []
    for key in CATEGORY_KEYS:
        paths.extend(_category_paths(meta.get(key), flat_lists))
    return tuple(dict.fromkeys(paths))


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


def _tags(meta: dict[Any, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for key in TAG_KEYS:
        names.extend(_flat_names(meta.get(key)))
    return tuple(dict.fromkeys(names))


def _authors(meta: dict[Any, Any], default_author: str | None) -> tuple[Author, ...]:
    authors: list[Author] = []
    for key in AUTHOR_KEYS:
        value = meta.get(key)
        for item in value if isinstance(value, list) else [value]:
            author = _author(item)
            if author is not None and author not in authors:
                authors.append(author)
    if not authors and default_author:
        authors.append(Author(default_author))
    return tuple(authors)


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


def _summary(
    meta: dict[Any, Any], body: str, body_is_html: bool, content: str, source: ArticleSourceConfig, base: str
) -> str:
    for key in SUMMARY_KEYS:
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            text = html.html_to_text(_render(value, _body_is_html(value, "", "auto")))
            if text:
                return excerpt(text, source.excerpt_length)
    before_more = _MORE.split(body, maxsplit=1)
    if len(before_more) == 2:
        lead_html = _render(before_more[0], body_is_html)
        lead = html.clean_html(
            lead_html, base_url=base, drop_selectors=source.drop_selectors, drop_boilerplate=source.drop_boilerplate
        )
        text = html.html_to_text(lead)
        if text:
            return excerpt(text, source.excerpt_length)
    return excerpt(html.html_to_text(content), source.excerpt_length)


def _image(meta: dict[Any, Any], source: ArticleSourceConfig, base: str, content: str, warn: Warn) -> Image | None:
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
    return url if urlsplit(url).scheme in ("http", "https") else None


def image_mime_type(url: str) -> str:
    """MIME type of an image URL from its extension; ``image/jpeg`` when unknown."""
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return _MIME_TYPES.get(suffix, "image/jpeg")


def _body_is_html(body: str, rel_path: str, mode: str) -> bool:
    if mode != "auto":
        return mode == "html"
    if PurePosixPath(rel_path).suffix.lower() in (".html", ".htm"):
        return True
    rest = _strip_comments(body)
    return _HTML_START.match(rest) is not None and rest.endswith(">")


def _strip_comments(text: str) -> str:
    """``text`` without the HTML comments and whitespace at its start and end."""
    text = text.strip()
    while text.startswith("<!--") and "-->" in text:
        text = text[text.index("-->") + 3 :].lstrip()
    while text.endswith("-->") and "<!--" in text:
        text = text[: text.rindex("<!--")].rstrip()
    return text


def _render(body: str, is_html: bool) -> str:
    return body if is_html else _MARKDOWN.render(body)
