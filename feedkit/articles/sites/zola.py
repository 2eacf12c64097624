"""Zola's rules (from Zola's documentation; Zola could not be installed to check them).

Posts
    Every ``.md`` page under ``content`` except sections (``_index.md``) and ``draft = true``
    pages.  A page without a date is in no Zola feed: feedkit leaves it out and says so.
Date
    ``date``; else a ``YYYY-MM-DD`` (``_`` or ``-``) prefix of the file name (a bundle's folder
    name); else - the rule of feed templates such as blog.rust-lang.org's - the ``YYYY/MM/DD`` in
    ``path`` at midnight UTC (reported).  Naive dates are UTC.
Title
    ``title`` (none: feedkit's fallback applies).
Link
    ``base_url`` + ``path`` + ``/`` when the page sets ``path``; else the section folders, then
    ``slug`` (or the file name without its date prefix, or a bundle's folder name) slugified,
    and a final ``/``.
Categories
    ``[taxonomies] categories``; pages at ``/categories/<term>/`` when the site declares that
    taxonomy.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from feedkit.articles.frontmatter import Warn
from feedkit.articles.sites.rules import NOT_CONTENT, POST, LinkInput, Meta, Rules, Verdict
from feedkit.articles.sites.siteconfig import Reader, load_mapping, site_url
from feedkit.config.types import SiteSettings
from feedkit.dates import date_from_path, parse_date
from feedkit.links import encode_url
from feedkit.model import CategoryPath, Problem, Severity

_DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?)?[_-](.+)$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def read(root: Path, config_file: Path | None, problems: list[Problem]) -> SiteSettings:
    c = Reader(load_mapping(config_file) if config_file else {}, config_file or root)
    note = c.unsupported(("ignored_content", "languages", "slugify"),
                         "every .md page is read, in one language, with Zola's default slugs")
    if note:
        problems.append(note)
    taxonomies = c.raw("taxonomies")
    names = {t.get("name") for t in taxonomies if isinstance(t, dict)} if isinstance(taxonomies, list) else set()
    if "languages" in c.data:
        problems.append(Problem(str(config_file), "multilingual pages (name.LANG.md) are read as their own pages",
                                Severity.WARNING))
    return SiteSettings(
        generator="zola", root=root, config_file=config_file, url=site_url(c.text("base_url"), None),
        title=c.text("title"), description=c.text("description"), language=c.text("default_language"),
        timezone="UTC", content_dir="content", category_dir="categories" if "categories" in names else None,
    )


def classify(site: SiteSettings, rel_path: str) -> Verdict:
    path = PurePosixPath(rel_path)
    if not rel_path.startswith("content/") or path.suffix != ".md" or path.name == "_index.md":
        return NOT_CONTENT
    return POST


def excluded(site: SiteSettings, meta: Meta, published: datetime | None, zone: ZoneInfo) -> str | None:
    if meta.get("draft") is True:
        return "draft = true (Zola builds drafts only with --drafts)"
    return None


def _name(rel_path: str) -> str:
    path = PurePosixPath(rel_path)
    return path.parent.name if path.stem == "index" else path.stem


def published(site: SiteSettings, meta: Meta, rel_path: str, zone: ZoneInfo, mtime: float | None,
              warn: Warn) -> datetime | None:
    value = meta.get("date")
    if value not in (None, ""):
        return parse_date(value, zone)
    found = _DATE_PREFIX.match(_name(rel_path))
    if found:
        return parse_date(f"{found.group(1)}-{found.group(2)}-{found.group(3)}", zone)
    path = meta.get("path")
    day = date_from_path(path + "/") if isinstance(path, str) else None
    if day is not None:
        warn(f"no date: used {day.isoformat()} from the 'path' key (midnight UTC), as the site's feed template "
             "does (Zola itself gives the page no date)")
        return parse_date(day, ZoneInfo("UTC"))
    return None


def title(site: SiteSettings, meta: Meta, rel_path: str) -> str | None:
    value = meta.get("title")
    return None if value is None or isinstance(value, dict | list) else str(value)


def slugify(text: str) -> str:
    """Zola's default slug: accents dropped, lower-case ASCII letters and digits, runs of anything else -> ``-``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("-", plain.lower()).strip("-")


def link(site: SiteSettings, given: LinkInput) -> str:
    own = given.meta.get("path")
    if isinstance(own, str) and own.strip().strip("/"):
        return encode_url(given.base + own.strip().strip("/") + "/")
    inner = PurePosixPath(given.rel_path[len("content/"):] if given.rel_path.startswith("content/") else
                          given.rel_path)
    folders = list(inner.parent.parts)
    if inner.stem == "index" and folders:
        folders.pop()
    slug_value = given.meta.get("slug")
    if isinstance(slug_value, str) and slug_value.strip():
        slug = slugify(slug_value)
    else:
        found = _DATE_PREFIX.match(_name(given.rel_path))
        slug = slugify(found.group(4) if found else _name(given.rel_path))
    path = "/".join([*(slugify(f) for f in folders), slug])
    return encode_url(given.base + path + "/")


def categories(site: SiteSettings, meta: Meta, rel_path: str,
               ours: tuple[CategoryPath, ...]) -> tuple[CategoryPath, ...]:
    taxonomies = meta.get("taxonomies")
    found = taxonomies.get("categories") if isinstance(taxonomies, dict) else None
    names = [str(n).strip() for n in found if str(n).strip()] if isinstance(found, list) else []
    return tuple(dict.fromkeys([(n,) for n in names] + [(n,) for path in ours for n in path]))


def category_url(site: SiteSettings, path: CategoryPath) -> str | None:
    if not site.url or not site.category_dir or len(path) != 1 or not slugify(path[0]):
        return None
    return encode_url(f"{site.url}{site.category_dir}/{slugify(path[0])}/")


RULES = Rules(read=read, classify=classify, excluded=excluded, published=published, title=title, link=link,
              categories=categories, category_url=category_url, undated="Zola puts no page without a date in a feed")
