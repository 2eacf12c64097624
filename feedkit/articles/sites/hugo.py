"""Hugo's rules (read from Hugo 0.111, checked against its output on two real sites).

Posts
    Every content file under ``contentDir`` (``content``) is a regular page, except section
    pages (``_index.*``) and the other files of a leaf bundle (a folder with an ``index.*``:
    that file is the page).  Left out: ``draft``, a ``publishDate`` (else ``date``) after the
    build, an ``expiryDate`` before it (unless ``buildDrafts``/``buildFuture``/``buildExpired``),
    and ``_build``/``build`` with ``list: never`` or ``render: never``.  A page without any date
    is listed by Hugo last, dated 0001-01-01: feedkit leaves it out and says so.
Date
    ``date``, ``publishDate``, ``pubdate``, ``published``, ``lastmod``, ``modified`` (Hugo's
    default order); naive dates are in ``timeZone`` (UTC by default, whatever the machine).
Title
    ``title`` (Hugo leaves it empty otherwise; feedkit's fallback applies).
Link
    ``baseURL`` + the front-matter ``url``, else the section's ``[permalinks]`` pattern, else
    ``/<folders>/<slug or file name>/`` (``.html`` with ``uglyURLs``).  ``:title`` is the
    title urlized (lower-cased, blanks -> ``-``, punctuation dropped), ``:slug`` the ``slug``
    urlized (else ``:title``), ``:filename`` the file name (a bundle's folder name),
    ``:section``/``:sections`` the folders.
Categories
    The ``categories`` taxonomy's terms (flat); category pages at ``/categories/<term>/`` when
    the site has that taxonomy.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from feedkit import identity
from feedkit.articles.frontmatter import Warn
from feedkit.articles.sites.rules import NOT_CONTENT, POST, LinkInput, Meta, Rules, Verdict
from feedkit.articles.sites.siteconfig import Reader, load_mapping, site_url
from feedkit.config.types import SiteSettings
from feedkit.dates import parse_date
from feedkit.links import encode_url
from feedkit.model import CategoryPath, Problem, Severity

CONTENT = frozenset({".md", ".markdown", ".mdown", ".html", ".htm", ".adoc", ".asciidoc", ".org", ".pandoc",
                     ".pdc", ".rst", ".mmark"})
DATE_KEYS = ("date", "publishdate", "pubdate", "published", "lastmod", "modified")
_OFFSET = re.compile(r"\d([+-])(\d{2}):?(\d{2})$")


def read(root: Path, config_file: Path | None, problems: list[Problem]) -> SiteSettings:
    c = Reader(load_mapping(config_file) if config_file else {}, config_file or root, fold_case=True)
    permalinks = c.table("permalinks")
    sections = tuple((str(k), str(v)) for k, v in permalinks.data.items() if isinstance(v, str))
    if any(not isinstance(v, str) for v in permalinks.data.values()):
        problems.append(Problem(str(config_file), "not modelled by feedkit: permalinks per page kind (only "
                                "section = pattern is read)", Severity.WARNING))
    note = c.unsupported(("frontmatter", "disablePathToLower", "removePathAccents", "module"),
                         "Hugo's defaults are assumed for dates and paths")
    if note:
        problems.append(note)
    languages = c.raw("languages")
    if isinstance(languages, dict) and len(languages) > 1:
        names = ", ".join(map(str, languages))
        problems.append(Problem(str(config_file), f"not modelled by feedkit: languages ({names}"
                                "): a multilingual tree is read as one language, without language prefixes in links",
                                Severity.WARNING))
    taxonomies = c.raw("taxonomies")
    disabled = {str(k).lower() for k in (c.raw("disableKinds") or []) if isinstance(k, str)}
    has_categories = (not isinstance(taxonomies, dict) or "category" in taxonomies) and not disabled & {
        "taxonomy", "term"}
    category_dir = None
    if has_categories:
        category_dir = str(taxonomies["category"]) if isinstance(taxonomies, dict) else "categories"
    return SiteSettings(
        generator="hugo", root=root, config_file=config_file,
        url=site_url(c.text("baseURL"), None),
        title=c.text("title"), description=c.table("params").text("description"),
        language=c.text("languageCode") or c.text("defaultContentLanguage"),
        timezone=c.text("timeZone") or "UTC",
        section_permalinks=sections,
        content_dir=(c.text("contentDir") or "content").strip("/"),
        drafts=c.flag("buildDrafts", False), future=c.flag("buildFuture", False),
        expired=c.flag("buildExpired", False), ugly_urls=c.flag("uglyURLs", False),
        category_dir=category_dir,
    )


def _inner(site: SiteSettings, rel_path: str) -> str | None:
    prefix = site.content_dir + "/" if site.content_dir else ""
    return rel_path[len(prefix):] if rel_path.startswith(prefix) else None


def classify(site: SiteSettings, rel_path: str) -> Verdict:
    inner = _inner(site, rel_path)
    path = PurePosixPath(rel_path)
    if inner is None or path.suffix.lower() not in CONTENT or path.stem.startswith("_index"):
        return NOT_CONTENT
    folder = site.root / path.parent
    for bundle in [folder, *folder.parents]:
        if bundle == site.root / site.content_dir or not bundle.is_relative_to(site.root / site.content_dir):
            break
        index = [p for p in _siblings(bundle) if p.startswith("index.") and PurePosixPath(p).suffix in CONTENT]
        if index and not (bundle == folder and path.name in index):
            return Verdict(False, f"not a page: a resource of the page bundle {bundle.relative_to(site.root)}/")
    return POST


def _siblings(folder: Path) -> list[str]:
    try:
        return [p.name for p in folder.iterdir() if p.is_file()]
    except OSError:
        return []


def _date(meta: Meta, key: str, zone: ZoneInfo) -> datetime | None:
    for k, value in meta.items():
        if isinstance(k, str) and k.lower() == key and value not in (None, "") and not isinstance(value, bool):
            try:
                return parse_date(value, zone, key=k)
            except ValueError:
                return None
    return None


def excluded(site: SiteSettings, meta: Meta, published: datetime | None, zone: ZoneInfo) -> str | None:
    if _flag(meta.get("draft")) and not site.drafts:
        return "draft (Hugo builds drafts only with buildDrafts)"
    for key in ("_build", "build"):
        options = meta.get(key)
        if isinstance(options, dict) and ("never" in (str(options.get("list")).lower(),
                                                       str(options.get("render")).lower())):
            return f"{key} says list/render never (Hugo does not list it)"
    now = site.now
    if now is None:
        return None
    publish = _date(meta, "publishdate", zone) or published
    if publish is not None and publish > now and not site.future:
        return f"published in the future ({publish.isoformat()}); Hugo builds it only with buildFuture"
    expiry = _date(meta, "expirydate", zone)
    if expiry is not None and expiry <= now and not site.expired:
        return f"expired ({expiry.isoformat()}); Hugo builds it only with buildExpired"
    return None


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes"))


def published(site: SiteSettings, meta: Meta, rel_path: str, zone: ZoneInfo, mtime: float | None,
              warn: Warn) -> datetime | None:
    for key in DATE_KEYS:
        found = _date(meta, key, zone)
        if found is not None:
            if key != "date":
                warn(f"no date: used {key}, as Hugo does")
            return found
    return None


def title(site: SiteSettings, meta: Meta, rel_path: str) -> str | None:
    value = meta.get("title")
    return None if value is None or isinstance(value, dict | list) or str(value) == "" else str(value)


def urlize(text: str) -> str:
    """Hugo's ``urlize`` of a title or slug: letters, digits and ``._~#+-@/`` kept, blanks -> ``-``,
    everything else dropped, lower-cased."""
    out: list[str] = []
    hyphen = False
    for char in text.strip():
        if char in "./\\_#+~-@" or (unicodedata.category(char)[0] in "LNM" and unicodedata.category(char) not in (
                "Nl", "No")):
            if hyphen:
                out.append("-")
                hyphen = False
            out.append(char)
        elif out and char.isspace():
            hyphen = True
    return "".join(out).lower()


def _file_name(inner: str) -> str:
    path = PurePosixPath(inner)
    return path.parent.name if path.stem == "index" and path.parent.name else path.stem


def link(site: SiteSettings, given: LinkInput) -> str:
    meta = given.meta
    own = meta.get("url")
    if isinstance(own, str) and own.strip():
        return encode_url(given.base + own.strip().lstrip("/"))
    inner = _inner(site, given.rel_path) or given.rel_path
    folders = PurePosixPath(inner).parent.parts
    if PurePosixPath(inner).stem == "index":
        folders = folders[:-1]
    section = folders[0] if folders else ""
    slug_value = meta.get("slug")
    slug = urlize(str(slug_value)) if isinstance(slug_value, str | int) and str(slug_value).strip() else ""
    name = _file_name(inner)
    pattern = dict(site.section_permalinks).get(section)
    if pattern is None:
        last = slug or urlize(name)
        path = "/".join(urlize(f) for f in folders)
        tail = f"{last}.html" if site.ugly_urls else f"{last}/"
        return encode_url(given.base + (f"{path}/" if path else "") + tail)
    local = _written_offset(meta, given.published) or given.published.astimezone(given.zone)
    values = {"year": f"{local.year:04d}", "month": f"{local.month:02d}", "day": f"{local.day:02d}",
              "title": urlize(given.title), "slug": slug or urlize(given.title), "filename": urlize(name),
              "section": section, "sections": "/".join(folders),
              "monthname": local.strftime("%B"), "weekday": str(local.isoweekday() % 7),
              "weekdayname": local.strftime("%A"), "yearday": str(local.timetuple().tm_yday)}
    return identity.permalink(pattern, given.base, rel_path=given.rel_path, title=given.title,
                              published=given.published, zone=given.zone, categories=given.categories,
                              values=values)


def _written_offset(meta: Meta, published: datetime) -> datetime | None:
    """``published`` at the offset its front matter wrote (Hugo keeps it: the URL's day is that day)."""
    for key in DATE_KEYS:
        value = next((v for k, v in meta.items() if isinstance(k, str) and k.lower() == key), None)
        if isinstance(value, datetime) and value.tzinfo is not None:
            return published.astimezone(value.tzinfo)
        if isinstance(value, str):
            found = _OFFSET.search(value.strip())
            if found is None:
                return None
            sign, hours, minutes = found.groups()
            delta = timedelta(hours=int(hours), minutes=int(minutes))
            return published.astimezone(timezone(-delta if sign == "-" else delta))
        if value is not None:
            return None
    return None


def categories(site: SiteSettings, meta: Meta, rel_path: str,
               ours: tuple[CategoryPath, ...]) -> tuple[CategoryPath, ...]:
    return tuple(dict.fromkeys((name,) for path in ours for name in path))


def category_url(site: SiteSettings, path: CategoryPath) -> str | None:
    if not site.url or not site.category_dir or len(path) != 1 or not urlize(path[0]):
        return None
    return encode_url(f"{site.url}{site.category_dir}/{urlize(path[0])}/")


RULES = Rules(read=read, classify=classify, excluded=excluded, published=published, title=title, link=link,
              categories=categories, category_url=category_url,
              undated="Hugo lists such a page last, dated 0001-01-01; feedkit leaves it out")
