"""Front-matter article files (Hexo / Jekyll / Hugo / Zola) -> :class:`~feedkit.model.Entry`.

The stages, one module each:

* :mod:`feedkit.discovery` - which files of a source are candidate articles
  (:func:`discover`, re-exported here);
* :mod:`feedkit.frontmatter` - bytes -> text -> front matter (YAML / TOML / JSON) and body;
* :mod:`feedkit.fields` - front-matter values -> title, dates, categories, tags, authors,
  id, link, language, draft flag;
* :mod:`feedkit.images` - the image and its MIME type;
* this module - the entry points (:func:`load_article`, :func:`parse_article`), the body
  and the summary, and the assembled Entry.

Made here
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
    * summary: ``summary``, ``description``, ``excerpt`` (HTML or Markdown, as text); else
      the body before ``<!-- more -->``; else the start of the body.  Always capped with
      :func:`feedkit.html.excerpt` at ``excerpt_length``.  (``subtitle`` is not a summary.)

:func:`parse_article` is a pure function of its arguments (no I/O, no clock), so it can
run in worker processes; everything it returns is picklable.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from markdown_it import MarkdownIt

from feedkit import html, identity
from feedkit.articles import fields, images, sites
from feedkit.articles.discovery import ARTICLE_MAX_BYTES, HEAD_BYTES, discover
from feedkit.articles.fields import SUMMARY_KEYS, split_names
from feedkit.articles.frontmatter import (
    FrontMatterDocument,
    UnusableArticle,
    Warn,
    decode,
    opening_fence,
    split_front_matter,
)
from feedkit.config.types import ArticleSourceConfig
from feedkit.errors import FeedkitError
from feedkit.links import image_mime_type
from feedkit.model import Entry, Problem, Severity
from feedkit.text import excerpt

__all__ = [
    "ARTICLE_MAX_BYTES",
    "ArticleResult",
    "FrontMatterDocument",
    "discover",
    "image_mime_type",
    "load_article",
    "parse_article",
    "parse_document",
    "split_names",
]

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_MORE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
_HTML_START = re.compile(
    r"<(?:!doctype|html|body|div|p|section|article|aside|header|footer|nav|main|table|figure|"
    r"h[1-6]|ul|ol|dl|blockquote|pre|img|hr|iframe|video|audio|picture|center|form)[\s>/]",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ArticleResult:
    """What reading one article file gave."""

    entry: Entry | None
    """None when skipped (see ``problems``), excluded (a draft) or not an article."""
    problems: tuple[Problem, ...]
    """Errors (the file was skipped) and warnings (used, but something was assumed)."""
    excluded: bool = False
    """True for drafts and ``published: false`` (not an error)."""


# --- reading -----------------------------------------------------------------------------


def load_article(path: Path, rel_path: str, source: ArticleSourceConfig, *, site_base_url: str) -> ArticleResult:
    """Read one file (at most :data:`ARTICLE_MAX_BYTES`) and :func:`parse_article` it.

    A file that cannot be read, is not a regular file or is too large gives an error
    Problem naming it.
    """
    read = read_article_file(path)
    if isinstance(read, ArticleResult):
        return read
    data, info = read
    return parse_article(data, rel_path, source, origin=str(path), site_base_url=site_base_url, mtime=info.st_mtime)


def read_article_file(path: Path) -> tuple[bytes, os.stat_result] | ArticleResult:
    """The bytes and stat of an article file, or the skipped result that says why it cannot be read."""
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
    return data, info


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
        text_data = data.replace(b"\x00", b"")
        if opening_fence(text_data[:HEAD_BYTES].decode("utf-8", "replace")) is None:
            return ArticleResult(None, (Problem(origin, "binary file (NUL bytes): not an article", Severity.WARNING),))
        warn(f"{len(data) - len(text_data)} NUL byte(s) removed")
        data = text_data
    return _guarded(lambda: split_front_matter(decode(data, warn), rel_path, fields.KNOWN_KEYS,
                                               is_article=source.site is not None),
                    rel_path, source, origin, site_base_url, mtime, warnings)


def parse_document(
    document: FrontMatterDocument,
    rel_path: str,
    source: ArticleSourceConfig,
    *,
    origin: str,
    site_base_url: str,
    mtime: float | None = None,
) -> ArticleResult:
    """Front matter already split from its body -> an :class:`ArticleResult`, as :func:`parse_article`.

    For callers that read the front matter themselves (a python-frontmatter ``Post``:
    ``FrontMatterDocument(post.metadata, post.content, "yaml")``).  Pure, never raises for bad input.
    """
    return _guarded(lambda: document, rel_path, source, origin, site_base_url, mtime, [])


def _guarded(
    split: Callable[[], FrontMatterDocument | None],
    rel_path: str,
    source: ArticleSourceConfig,
    origin: str,
    site_base_url: str,
    mtime: float | None,
    warnings: list[Problem],
) -> ArticleResult:
    def warn(message: str) -> None:
        warnings.append(Problem(origin, message, Severity.WARNING))

    try:
        document = split()
        if document is None:
            message = "no front matter and not an article extension: not an article"
            return ArticleResult(None, (Problem(origin, message, Severity.WARNING),))
        if source.site is None and fields.is_draft(document.meta):
            return ArticleResult(None, (), excluded=True)
        entry = _entry(document, rel_path, source, origin, site_base_url, mtime, warn)
    except NotAPost as exc:
        return ArticleResult(None, (*warnings, Problem(origin, f"not published: {exc}", Severity.WARNING)),
                             excluded=True)
    except UnusableArticle as exc:
        return ArticleResult(None, (*warnings, Problem(origin, str(exc))))
    except (RecursionError, MemoryError) as exc:
        message = f"too deeply nested or too large ({type(exc).__name__})"
        return ArticleResult(None, (*warnings, Problem(origin, message)))
    except FeedkitError:
        raise  # a configuration problem (e.g. a bad drop selector) concerns every file
    except Exception as exc:  # one bad input must never take the build down
        message = f"unexpected error while reading this file ({type(exc).__name__}: {exc})"
        return ArticleResult(None, (*warnings, Problem(origin, message)))
    return ArticleResult(entry, tuple(warnings))


# --- the entry ---------------------------------------------------------------------------


class NotAPost(Exception):
    """The site's generator does not publish this file as a post; the message says why."""


def _entry(
    document: FrontMatterDocument,
    rel_path: str,
    source: ArticleSourceConfig,
    origin: str,
    site_base_url: str,
    mtime: float | None,
    warn: Warn,
) -> Entry:
    meta = document.meta
    base = source.base_url or site_base_url
    site = source.site
    rules = sites.rules_for(site) if site is not None else None
    if site is not None and rules is not None:
        found = rules.published(site, meta, rel_path, source.zone, mtime, warn)
        if found is None:
            raise NotAPost(f"it has no date ({rules.undated})")
        reason = rules.excluded(site, meta, found, source.zone)
        if reason:
            raise NotAPost(reason)
        published = found
    else:
        published = fields.published(meta, rel_path, source.zone, mtime, warn)
    body_is_html = _body_is_html(document.body, rel_path, source.body)
    content = html.clean_html(
        _render(document.body, body_is_html), base_url=base, drop_selectors=source.drop_selectors,
        drop_boilerplate=source.drop_boilerplate,
    )
    own_title = rules.title(site, meta, rel_path) if site is not None and rules is not None else None
    title = fields.title(meta if own_title is None else {"title": own_title}, content, rel_path, warn)
    categories = fields.categories(meta, flat_lists=document.syntax in ("toml", "json"), warn=warn)
    if site is not None and rules is not None:
        if rules.categories is not None:
            categories = rules.categories(site, meta, rel_path, categories)
        link = rules.link(site, sites.LinkInput(meta, rel_path, title, published, source.zone, categories, base))
    else:
        link = fields.link(
            meta, source, base, rel_path=rel_path, title=title, published=published, categories=categories,
            warn=warn,
        )
    return Entry(
        id=identity.entry_id(source.name, rel_path, fields.front_matter_id(meta)),
        title=title,
        link=link,
        published=published,
        updated=fields.updated(meta, source.zone, warn),
        summary=_summary(document, body_is_html, content, source, base),
        content_html=content,
        categories=categories,
        tags=fields.tags(meta, warn),
        authors=fields.authors(meta, source.default_author),
        image=images.image(meta, source, base, content, warn),
        language=fields.language(meta, source.language),
        source=source.name,
        origin=origin,
    )


def _summary(
    document: FrontMatterDocument, body_is_html: bool, content: str, source: ArticleSourceConfig, base: str
) -> str:
    for key in SUMMARY_KEYS:
        value = document.meta.get(key)
        if isinstance(value, str) and value.strip():
            text = html.html_to_text(_render(value, _body_is_html(value, "", "auto")))
            if text:
                return excerpt(text, source.excerpt_length)
    before_more = _MORE.split(document.body, maxsplit=1)
    if len(before_more) == 2:
        lead_html = _render(before_more[0], body_is_html)
        lead = html.clean_html(
            lead_html, base_url=base, drop_selectors=source.drop_selectors, drop_boilerplate=source.drop_boilerplate
        )
        text = html.html_to_text(lead)
        if text:
            return excerpt(text, source.excerpt_length)
    return excerpt(html.html_to_text(content), source.excerpt_length)


# --- the body ----------------------------------------------------------------------------


def _body_is_html(body: str, rel_path: str, mode: str) -> bool:
    if mode != "auto":
        return mode == "html"
    if PurePosixPath(rel_path).suffix.lower() in (".html", ".htm"):
        return True
    rest = _strip_comments(body)
    return _HTML_START.match(rest) is not None and rest.endswith(">")


def _strip_comments(text: str) -> str:
    """``text`` without the HTML comments and whitespace at its start and end.

    Moves two indexes instead of slicing in a loop, so a body of a million comments costs
    one pass, not a million copies."""
    start, end = 0, len(text)
    while True:
        while start < end and text[start].isspace():
            start += 1
        close = text.find("-->", start, end) if text.startswith("<!--", start, end) else -1
        if close < 0:
            break
        start = close + 3
    while True:
        while end > start and text[end - 1].isspace():
            end -= 1
        opening = text.rfind("<!--", start, end) if text.endswith("-->", start, end) else -1
        if opening < 0:
            break
        end = opening
    return text[start:end]


def _render(body: str, is_html: bool) -> str:
    return body if is_html else _MARKDOWN.render(body)
