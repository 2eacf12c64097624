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

Two stages
    The *head* (front matter: title, dates, categories, tags, authors, id, link, the front
    matter's image) is cheap; the *body* (rendering, cleaning, the summary and the body's
    image: :class:`Body`) is most of the work.  With ``complete=False`` only the head is made
    (the result is *deferred*) and :func:`finish_article` makes the body later - a build
    makes it only for the entries a feed shows.  Either way the result carries a
    ``body_key`` that changes whenever the body would, so "is the body the same" never needs
    the body.  An article without a title of its own is always complete (its title may come
    from the body's first heading).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

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
from feedkit.model import Entry, Image, Problem, Severity
from feedkit.text import excerpt

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

__all__ = [
    "ARTICLE_MAX_BYTES",
    "ArticleResult",
    "Body",
    "FrontMatterDocument",
    "discover",
    "finish_article",
    "image_mime_type",
    "load_article",
    "parse_article",
    "parse_document",
    "split_names",
    "with_body",
]

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
    deferred: bool = False
    """The entry has no summary, content or body image yet: :func:`finish_article` makes them."""
    body_key: str = ""
    """A digest of everything the entry's :class:`Body` is made from besides the source's settings
    (the body, whether it is HTML, the front matter's summary): equal keys, equal bodies."""


@dataclass(frozen=True, slots=True)
class Body:
    """What an article's body gives its entry (the expensive stage, see the module docstring)."""

    content_html: str
    summary: str
    image: Image | None = None
    """The body's first image: used only when the front matter names none."""


def with_body(entry: Entry, body: Body) -> Entry:
    """``entry`` (a deferred result's) with its body."""
    return replace(entry, content_html=body.content_html, summary=body.summary, image=entry.image or body.image)


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
    complete: bool = True,
) -> ArticleResult:
    """One article file's bytes -> an :class:`ArticleResult` (see the module docstring).

    Pure: no I/O and no clock; ``mtime`` (the file's modification time, seconds since
    the epoch) is only used when the article has no date at all.  ``origin`` names the
    file in problems.  Never raises for bad input: whatever is wrong with the file comes
    back as a Problem (only a :class:`~feedkit.errors.FeedkitError` about the configuration,
    such as an invalid ``drop_selectors`` entry, propagates).  ``complete=False`` makes only the
    head (see the module docstring).
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
    return _guarded(lambda: _split(data, rel_path, source, warn), rel_path, source, origin, site_base_url, mtime,
                    warnings, complete)


def _split(data: bytes, rel_path: str, source: ArticleSourceConfig, warn: Warn) -> FrontMatterDocument | None:
    return split_front_matter(decode(data, warn), rel_path, fields.KNOWN_KEYS, is_article=source.site is not None)


def finish_article(data: bytes, rel_path: str, source: ArticleSourceConfig, *, site_base_url: str) -> Body:
    """The :class:`Body` of the article in ``data`` (a deferred result's second stage).

    Pure, like :func:`parse_article`; what it could object to was reported by the head, so a
    file that no longer splits (changed since) gives an empty body."""
    data = data.replace(b"\x00", b"")
    document = _split(data, rel_path, source, lambda _message: None)
    if document is None:
        return Body("", "")
    return _body(document, rel_path, source, source.base_url or site_base_url, with_image=True)


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
    return _guarded(lambda: document, rel_path, source, origin, site_base_url, mtime, [], True)


def _guarded(
    split: Callable[[], FrontMatterDocument | None],
    rel_path: str,
    source: ArticleSourceConfig,
    origin: str,
    site_base_url: str,
    mtime: float | None,
    warnings: list[Problem],
    complete: bool,
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
        entry, body_key, deferred = _entry(document, rel_path, source, origin, site_base_url, mtime, warn, complete)
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
    return ArticleResult(entry, tuple(warnings), deferred=deferred, body_key=body_key)


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
    complete: bool,
) -> tuple[Entry, str, bool]:
    """The entry, its body key, and whether its body is deferred."""
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
    own_title = rules.title(site, meta, rel_path) if site is not None and rules is not None else None
    title_meta = meta if own_title is None else {"title": own_title}
    body = None
    if complete or not fields.has_title(title_meta):
        body = _body(document, rel_path, source, base, with_image=False)
    title = fields.title(title_meta, body.content_html if body is not None else "", rel_path, warn)
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
    updated = fields.updated(meta, source.zone, warn)
    tags = fields.tags(meta, warn)
    image = images.front_matter_image(meta, source, base, warn)
    if body is not None and image is None:
        image = images.body_image(source, body.content_html)
    entry = Entry(
        id=identity.entry_id(source.name, rel_path, fields.front_matter_id(meta)),
        title=title,
        link=link,
        published=published,
        updated=updated,
        summary=body.summary if body is not None else "",
        content_html=body.content_html if body is not None else "",
        categories=categories,
        tags=tags,
        authors=fields.authors(meta, source.default_author),
        image=image,
        language=fields.language(meta, source.language),
        source=source.name,
        origin=origin,
    )
    return entry, _body_key(document, rel_path, source), body is None


def _body_key(document: FrontMatterDocument, rel_path: str, source: ArticleSourceConfig) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(b"html" if _body_is_html(document.body, rel_path, source.body) else b"markdown")
    for key in SUMMARY_KEYS:
        value = document.meta.get(key)
        digest.update(b"\x00" + (value.encode("utf-8", "surrogatepass") if isinstance(value, str) else b"-"))
    digest.update(b"\x00" + document.body.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _body(document: FrontMatterDocument, rel_path: str, source: ArticleSourceConfig, base: str, *,
          with_image: bool) -> Body:
    """The body stage: render, clean, summarize (and, with ``with_image``, the body's first image
    when the source allows it and the front matter names none)."""
    body_is_html = _body_is_html(document.body, rel_path, source.body)
    content = html.clean_html(
        _render(document.body, body_is_html), base_url=base, drop_selectors=source.drop_selectors,
        drop_boilerplate=source.drop_boilerplate,
    )
    image = None
    if with_image and images.front_matter_image(document.meta, source, base, lambda _message: None) is None:
        image = images.body_image(source, content)
    return Body(content, _summary(document, body_is_html, content, source, base), image)


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
    return body if is_html else _markdown().render(body)


@cache
def _markdown() -> MarkdownIt:
    """The Markdown renderer, made (and markdown-it imported) when a first Markdown body comes."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
