"""Jekyll's rules (read from Jekyll 4.3, checked against its output on three real sites).

Posts
    Files in a ``_posts`` folder (at the root or in a folder below it, such as ``es/_posts``)
    whose name is ``YYYY-M(M)-D(D)-slug.ext``; names starting with ``.``, ``_`` or ``#`` or
    ending in ``~`` are not read, nor ``.yml`` data files.  A file without front matter is a
    post too.  ``published: false`` is left out (unless ``unpublished: true``); so is a post
    dated after the build unless ``future: true``.
Date
    The file name's date at midnight in the site's ``timezone``, replaced by a front-matter
    ``date`` - read as leniently as Ruby's ``Time.parse``: ``2016-06-17 12:00-400`` (a
    malformed offset is ignored: wall-clock time), ``2023-01-29 18:30:22 2023 -0800``.
Title
    Front-matter ``title``, else the file name's slug titleized (``no-yaml`` -> ``No Yaml``).
Categories
    The folders above ``_posts`` and front-matter ``categories``/``category`` (a string is split
    on blanks); each is one flat category.
Link
    ``url`` + ``baseurl`` + the front-matter ``permalink``, else the posts collection's
    ``permalink`` (``collections.posts.permalink``, a ``defaults`` entry for posts, or the
    global ``permalink``: a template or one of the styles ``date``, ``pretty``, ``ordinal``,
    ``weekdate``, ``none``).  ``:title`` is the slug (front-matter ``slug`` or the file name's,
    trailing dots removed) slugified the "pretty" way with its case kept; ``:categories`` are
    lower-cased; ``:output_ext`` is ``.html`` for Markdown and HTML and the file's own extension
    otherwise.  ``..`` becomes ``/`` and doubled slashes are squeezed, as Jekyll sanitizes URLs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import quote
from zoneinfo import ZoneInfo

from feedkit.articles.frontmatter import Warn
from feedkit.articles.sites.rules import NOT_CONTENT, POST, LinkInput, Meta, Rules, Verdict
from feedkit.articles.sites.siteconfig import Reader, load_mapping, site_url
from feedkit.config.types import SiteSettings
from feedkit.dates import parse_date
from feedkit.links import encode_url
from feedkit.model import CategoryPath, Problem, Severity

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
KNOWN_PLUGINS = frozenset({"jekyll-feed", "jekyll-seo-tag", "jekyll-sitemap", "jekyll-redirect-from",
                           "jekyll-archives", "jekyll-paginate", "jekyll-paginate-v2", "jemoji", "jekyll-mentions",
                           "jekyll-avatar", "jekyll-gist", "jekyll-github-metadata", "jekyll-include-cache",
                           "jekyll-relative-links", "jekyll-optional-front-matter", "jekyll-titles-from-headings",
                           "jekyll-default-layout", "jekyll-remote-theme"})
"""Plugins that do not change which files are posts, their links or their dates."""
_POST_NAME = re.compile(r"^(\d{2,4})-(\d{1,2})-(\d{1,2})-(.*)(\.[^.]+)$")
_PRETTY = re.compile(r"[^\w.~!$&'()+,;=@]+")
_DEFAULT_SLUG = re.compile(r"[^\w]+")
_LENIENT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?")
_OFFSET = re.compile(r"(?:^|\s|(?<=\d))(Z|[+-]\d{2}:?\d{2})(?:\s|$)")
_MARKUP = frozenset({".html", ".htm"})
_TOKEN = re.compile(r":([a-z_]+)")
_UNRESERVED_ESCAPE = re.compile(r"%(2[dDeE]|5[fF]|7[eE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA])")


def read(root: Path, config_file: Path | None, problems: list[Problem]) -> SiteSettings:
    c = Reader(load_mapping(config_file) if config_file else {}, config_file or root)
    posts = c.table("collections").table("posts")
    permalink = posts.text("permalink") or _defaults_permalink(c) or c.text("permalink") or "date"
    plugins = c.raw("plugins") or c.raw("gems") or []
    unknown = [p for p in plugins if isinstance(p, str) and p not in KNOWN_PLUGINS] if isinstance(plugins,
                                                                                                   list) else []
    if unknown:
        problems.append(Problem(str(config_file), f"not modelled by feedkit: plugins {', '.join(unknown)} (if one "
                                "of them changes which files are posts or their links, feedkit does not know)",
                                Severity.WARNING))
    for note in (c.unsupported(("show_drafts", "collections_dir"), "drafts are not read; posts only in _posts"),
                 c.patterns_about("_posts", ("include", "exclude"))):
        if note:
            problems.append(note)
    archives = c.table("jekyll-archives")
    enabled = archives.raw("enabled")
    category_page = None
    if enabled == "all" or (isinstance(enabled, list) and "categories" in enabled):
        category_page = archives.table("permalinks").text("category") or "/category/:name/"
    ext = c.text("markdown_ext") or "markdown,mkdown,mkdn,mkd,md"
    return SiteSettings(
        generator="jekyll", root=root, config_file=config_file,
        url=site_url(c.text("url"), c.text("baseurl")),
        title=c.text("title"), description=c.text("description"), language=c.text("lang"),
        timezone=c.text("timezone"),
        permalink=STYLES.get(permalink, permalink),
        content_dir="",
        future=c.flag("future", False), unpublished=c.flag("unpublished", False),
        category_dir=category_page,
        markdown_extensions=tuple(e.strip().lower() for e in ext.split(",") if e.strip()),
    )


def _defaults_permalink(c: Reader) -> str | None:
    found = None
    for item in c.raw("defaults") or []:
        if not isinstance(item, dict) or not isinstance(item.get("scope"), dict) or not isinstance(
                item.get("values"), dict):
            continue
        scope, values = item["scope"], item["values"]
        if scope.get("type") in ("posts", None) and scope.get("path", "") in ("", "_posts") and isinstance(
                values.get("permalink"), str):
            found = values["permalink"]
    return found


def _post_parts(rel_path: str) -> tuple[str, ...] | None:
    """The folders above ``_posts`` and the name, for a file in a ``_posts`` folder; else None."""
    parts = rel_path.split("/")
    if "_posts" not in parts[:-1]:
        return None
    index = len(parts) - 1 - parts[::-1].index("_posts")
    return (*tuple(parts[:index]), parts[-1])


def classify(site: SiteSettings, rel_path: str) -> Verdict:
    parts = rel_path.split("/")
    if parts[0] in ("_site", "node_modules", "vendor", ".bundle", ".jekyll-cache", ".sass-cache", "gemfiles"):
        return NOT_CONTENT
    found = _post_parts(rel_path)
    if found is None:
        return NOT_CONTENT
    inner = rel_path.split("/_posts/", 1)[-1] if not rel_path.startswith("_posts/") else rel_path[len("_posts/"):]
    if any(segment.startswith((".", "_", "#")) or segment.endswith("~") for segment in found[:-1] + tuple(
            inner.split("/"))):
        return Verdict(False, "not a post: Jekyll does not read names that start with '.', '_' or '#' or end in '~'")
    name = found[-1]
    if name.lower().endswith((".yml", ".yaml")):
        return Verdict(False, "not a post: Jekyll reads .yml files in _posts as data")
    if not _POST_NAME.match(name):
        return Verdict(False, "not a post: Jekyll takes only YYYY-MM-DD-title.ext files in _posts")
    return POST


def excluded(site: SiteSettings, meta: Meta, published: datetime | None, zone: ZoneInfo) -> str | None:
    flag = meta.get("published")
    if (flag is False or str(flag).lower() == "false") and not site.unpublished:
        return "published: false (Jekyll leaves it out unless unpublished: true)"
    if not site.future and published is not None and site.now is not None and published > site.now:
        return f"dated in the future ({published.isoformat()}); Jekyll publishes it only with future: true"
    return None


def _name_match(rel_path: str) -> re.Match[str] | None:
    return _POST_NAME.match(PurePosixPath(rel_path).name)


def published(site: SiteSettings, meta: Meta, rel_path: str, zone: ZoneInfo, mtime: float | None,
              warn: Warn) -> datetime | None:
    value = meta.get("date")
    if value not in (None, "") and not isinstance(value, bool):
        try:
            return parse_date(value, zone)
        except ValueError as exc:
            lenient = lenient_date(value, zone)
            if lenient is not None:
                warn(f"date: {str(value)[:80]!r} read as {lenient.isoformat()}, as Jekyll (Ruby's Time.parse) does")
                return lenient
            warn(f"{exc}: Jekyll would stop the build here; the file name's date is used")
    found = _name_match(rel_path)
    if found is None:
        return None
    year, month, day = (int(found.group(i)) for i in (1, 2, 3))
    try:
        return parse_date(datetime(year, month, day), zone)
    except ValueError:
        return None


def lenient_date(value: object, zone: ZoneInfo) -> datetime | None:
    """A date as Ruby's ``Time.parse`` reads the spellings real posts use, or None.

    The first ``YYYY-MM-DD`` with an optional time; a well-formed offset (``-0800``, ``+05:30``,
    ``Z``) anywhere after it applies; a malformed one (``-400``) is ignored, so the time is wall-clock
    time in ``zone``.
    """
    if not isinstance(value, str) or len(value) > 100:
        return None
    found = _LENIENT.search(value)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in found.groups())
    try:
        wall = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    offset = _OFFSET.search(value, found.end())
    if offset is None:
        return parse_date(wall, zone)
    text = offset.group(1)
    if text == "Z":
        return wall.replace(tzinfo=UTC)
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return wall.replace(tzinfo=timezone(-delta if text[0] == "-" else delta)).astimezone(UTC)


def _slug(meta: Meta, rel_path: str) -> str:
    own = meta.get("slug")
    if isinstance(own, str | int) and str(own).strip():
        return str(own).strip()
    found = _name_match(rel_path)
    slug = found.group(4) if found else PurePosixPath(rel_path).stem
    return slug.rstrip(".")


def title(site: SiteSettings, meta: Meta, rel_path: str) -> str | None:
    value = meta.get("title")
    if value is not None and not isinstance(value, dict | list):
        return str(value)
    return " ".join(word[:1].upper() + word[1:].lower() for word in _slug(meta, rel_path).split("-"))


def categories(site: SiteSettings, meta: Meta, rel_path: str,
               ours: tuple[CategoryPath, ...]) -> tuple[CategoryPath, ...]:
    names: list[str] = list((_post_parts(rel_path) or ())[:-1])
    for key in ("categories", "category"):
        value = meta.get(key)
        items = value.split() if isinstance(value, str) else value if isinstance(value, list) else [value]
        for item in items:
            if item is not None and not isinstance(item, dict | list) and str(item).strip():
                names.append(str(item).strip())
    return tuple((name,) for name in dict.fromkeys(names))


def link(site: SiteSettings, given: LinkInput) -> str:
    meta = given.meta
    own = meta.get("permalink")
    template = own.strip() if isinstance(own, str) and own.strip() else site.permalink or STYLES["date"]
    template = STYLES.get(template, template)
    local = given.published.astimezone(given.zone)
    slug = _slug(meta, given.rel_path)
    suffix = PurePosixPath(given.rel_path).suffix
    is_markdown = suffix.lower().lstrip(".") in site.markdown_extensions
    cats = [name.lower() for (name,) in (p[:1] for p in given.categories)]
    values = {
        "year": f"{local.year:04d}", "month": f"{local.month:02d}", "i_month": str(local.month),
        "day": f"{local.day:02d}", "i_day": str(local.day), "short_year": f"{local.year % 100:02d}",
        "hour": f"{local.hour:02d}", "minute": f"{local.minute:02d}", "second": f"{local.second:02d}",
        "y_day": f"{local.timetuple().tm_yday:03d}", "short_month": local.strftime("%b"),
        "long_month": local.strftime("%B"), "week": f"{local.isocalendar()[1]:02d}",
        "short_day": local.strftime("%a"), "long_day": local.strftime("%A"),
        "title": _PRETTY.sub("-", slug).strip("-"),
        "slug": _DEFAULT_SLUG.sub("-", slug).strip("-").lower(),
        "name": _DEFAULT_SLUG.sub("-", PurePosixPath(given.rel_path).stem).strip("-").lower(),
        "categories": "/".join(dict.fromkeys(cats)),
        "output_ext": ".html" if is_markdown or suffix.lower() in _MARKUP else suffix,
        "collection": "posts",
        "path": given.rel_path.rsplit(".", 1)[0],
    }

    def expand(found: re.Match[str]) -> str:
        name = found.group(1)
        for candidate in sorted((k for k in values if name.startswith(k)), key=len, reverse=True):
            return _escape(values[candidate]) + name[len(candidate):]
        return found.group(0)

    template = _UNRESERVED_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), template)  # as Addressable normalizes
    path = _TOKEN.sub(expand, template)
    path = re.sub("/+", "/", ("/" + path).replace("..", "/").replace("./", ""))
    return encode_url(given.base + path.lstrip("/"))


def _escape(value: str) -> str:
    return quote(value, safe="/-._~!$&'()*+,;=:@")


def category_url(site: SiteSettings, path: CategoryPath) -> str | None:
    if not site.url or not site.category_dir or len(path) != 1:
        return None
    name = _DEFAULT_SLUG.sub("-", path[0]).strip("-").lower()
    return encode_url(site.url + site.category_dir.replace(":name", name).lstrip("/")) if name else None


RULES = Rules(read=read, classify=classify, excluded=excluded, published=published, title=title, link=link,
              categories=categories, category_url=category_url,
              undated="its file name has no date")
