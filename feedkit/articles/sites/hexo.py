"""Hexo's rules (read from Hexo 5.4 / 6.2 / 8.1, checked against their output on four real sites).

Posts
    Files under ``<source_dir>/_posts/`` (``_drafts/`` too with ``render_drafts``) with a
    renderable extension; any path segment below ``_posts`` that starts with ``_`` or ``.``
    hides the file (Hexo's ``(^|/)[_.]`` rule; reported, and published with
    ``publish_hidden``), and so does a name ending in ``%`` or ``~``.  With
    ``post_asset_folder`` only files with ``new_post_name``'s extension are posts.
    ``published: false`` is left out; so is a post dated in the future unless ``future: true``.
Date
    Front-matter ``date``; unparseable or missing: the date in the file name as
    ``new_post_name`` spells it (``:year-:month-:day-:title.md``); else the file's time (Hexo
    takes its birth time, feedkit its modification time, reported).  Naive dates are in the
    site's ``timezone``.
Title
    Front-matter ``title`` only (Hexo leaves it empty otherwise; feedkit's fallback applies).
Link
    ``url`` + ``root`` + the ``permalink`` pattern, or a front-matter ``permalink``.
    ``:title`` is the path under ``_posts`` without extension (``new_post_name``'s own tokens
    taken out), ``:abbrlink`` as hexo-abbrlink 2.2.1 computes it (below), ``:category`` the last
    category's slug.  ``pretty_urls.trailing_index``/``trailing_html: false`` drop a trailing
    ``index.html``/``.html``.
hexo-abbrlink
    For posts whose layout is ``post``: a front-matter ``abbrlink`` as written, else the CRC
    (``alg``: ``crc16`` = CRC-16/ARC, or ``crc32``) of the title's UTF-8 bytes, in decimal or
    (``rep: hex``) lower-case unpadded hex.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from datetime import datetime
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from feedkit import identity
from feedkit.articles.frontmatter import Warn
from feedkit.articles.sites.rules import NOT_CONTENT, POST, LinkInput, Meta, Rules, Verdict, config_error
from feedkit.articles.sites.siteconfig import Reader, load_mapping, site_url
from feedkit.config.types import SiteSettings
from feedkit.dates import parse_date
from feedkit.links import encode_url
from feedkit.model import CategoryPath, Problem, Severity

RENDERABLE = frozenset({".md", ".markdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt", ".mdtext", ".html", ".htm"})
UNMODELLED = ("permalink_defaults", "category_map", "filename_case")
_HIDDEN = re.compile(r"(^|/)[_.]")
_SLUG_SPECIAL = re.compile(r"""[\s~`!@#$%^&*()\-_+=\[\]{}|\\;:"'<>,.?/]+""")
_FILE_NAME_TOKENS = {"year": r"(\d{4})", "month": r"(\d{2})", "day": r"(\d{2})", "i_month": r"(\d{1,2})",
                     "i_day": r"(\d{1,2})", "hash": r"([0-9a-f]{12})"}


def read(root: Path, config_file: Path | None, problems: list[Problem]) -> SiteSettings:
    c = Reader(load_mapping(config_file) if config_file else {}, config_file or root)
    pretty = c.table("pretty_urls")
    abbrlink = c.table("abbrlink")
    alg = (abbrlink.text("alg") or "crc16").lower() if c.has("abbrlink") else None
    if alg not in (None, "crc16", "crc32"):
        raise config_error(config_file, "abbrlink.alg", f"hexo-abbrlink knows crc16 and crc32, got {alg!r}")
    rep = (abbrlink.text("rep") or "dec").lower()
    if rep not in ("dec", "hex"):
        raise config_error(config_file, "abbrlink.rep", f"hexo-abbrlink knows dec and hex, got {rep!r}")
    new_post_name = c.text("new_post_name") or ":title.md"
    source_dir = (c.text("source_dir") or "source").strip("/")
    for note in (c.unsupported(UNMODELLED, "names are taken as Hexo's defaults give them"),
                 c.patterns_about("_posts", ("include", "exclude", "ignore"))):
        if note:
            problems.append(note)
    if c.text("permalink") and ":abbrlink" in (c.text("permalink") or "") and alg is None:
        problems.append(Problem(str(config_file), "permalink uses :abbrlink but there is no abbrlink: block; "
                                "hexo-abbrlink's defaults (crc16, dec) are assumed", Severity.WARNING))
        alg = "crc16"
    return SiteSettings(
        generator="hexo", root=root, config_file=config_file,
        url=site_url(c.text("url"), c.text("root")),
        title=c.text("title"), description=c.text("description"), language=c.text("language"),
        timezone=c.text("timezone"),
        permalink=c.text("permalink") or ":year/:month/:day/:title/",
        content_dir=f"{source_dir}/_posts" if source_dir else "_posts",
        drafts=c.flag("render_drafts", False), future=c.flag("future", True),
        trailing_index=pretty.flag("trailing_index", True), trailing_html=pretty.flag("trailing_html", True),
        new_post_name=new_post_name,
        post_extension=PurePosixPath(new_post_name).suffix if c.flag("post_asset_folder", False) else None,
        abbrlink_alg=alg, abbrlink_rep=rep,
        default_layout=c.text("default_layout") or "post",
        category_dir=(c.text("category_dir") or "categories").strip("/"),
    )


def _under_posts(site: SiteSettings, rel_path: str) -> str | None:
    """The path below ``_posts/`` (or ``_drafts/`` when drafts are built), else None."""
    posts = site.content_dir
    if rel_path.startswith(posts + "/"):
        return rel_path[len(posts) + 1 :]
    drafts = posts[: -len("_posts")] + "_drafts"
    if site.drafts and rel_path.startswith(drafts + "/"):
        return rel_path[len(drafts) + 1 :]
    return None


def classify(site: SiteSettings, rel_path: str) -> Verdict:
    inner = _under_posts(site, rel_path)
    suffix = PurePosixPath(rel_path).suffix.lower()
    if inner is None or suffix not in RENDERABLE:
        return NOT_CONTENT
    if site.post_extension and suffix != site.post_extension.lower():
        return Verdict(False, f"not a post: with post_asset_folder Hexo takes only {site.post_extension} files")
    if inner.endswith(("%", "~")):
        return Verdict(False, "not a post: Hexo ignores files whose name ends in % or ~")
    if _HIDDEN.search(inner):
        return Verdict(False, "not published by Hexo: it ignores files and folders under _posts whose name "
                              "starts with '_' or '.' (set publish_hidden = true to publish them anyway)", hidden=True)
    return POST


def excluded(site: SiteSettings, meta: Meta, published: datetime | None, zone: ZoneInfo) -> str | None:
    if meta.get("published") is False or str(meta.get("published")).lower() == "false":
        return "published: false (Hexo leaves it out)"
    if not site.future and published is not None and site.now is not None and published > site.now:
        return f"dated in the future ({published.isoformat()}); the site sets future: false"
    return None


def _file_name_parts(site: SiteSettings, rel_path: str) -> dict[str, str]:
    """``new_post_name``'s tokens read back out of the path below ``_posts`` (Hexo's parseFilename)."""
    inner = _under_posts(site, rel_path) or rel_path
    stem = inner[: -len(PurePosixPath(inner).suffix)] if PurePosixPath(inner).suffix else inner
    rule = site.new_post_name
    rule = rule[: -len(PurePosixPath(rule).suffix)] if PurePosixPath(rule).suffix else rule
    names: list[str] = []

    def token(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return _FILE_NAME_TOKENS.get(match.group(1), "(.+?)")

    pattern = re.sub(r":(\w+)", token, re.escape(rule).replace(r"\:", ":"))
    found = re.fullmatch(pattern, stem)
    if found is None:
        return {"title": stem}
    parts = dict(zip(names, found.groups(), strict=True))
    parts.setdefault("title", stem)
    return parts


def published(site: SiteSettings, meta: Meta, rel_path: str, zone: ZoneInfo, mtime: float | None,
              warn: Warn) -> datetime | None:
    value = meta.get("date")
    if value not in (None, "") and not isinstance(value, bool):
        try:
            return parse_date(value, zone)
        except ValueError as exc:
            warn(f"{exc}: Hexo drops a date it cannot parse")
    parts = _file_name_parts(site, rel_path)
    if "year" in parts:
        try:
            day = datetime(int(parts["year"]), int(parts.get("month") or parts.get("i_month") or 1),
                           int(parts.get("day") or parts.get("i_day") or 1))
            warn(f"no date: used {day.date().isoformat()} from the file name (new_post_name "
                 f"{site.new_post_name!r}), midnight {zone}, as Hexo does")
            return parse_date(day, zone)
        except ValueError:
            pass
    if mtime is not None:
        moment = datetime.fromtimestamp(mtime, tz=ZoneInfo("UTC"))
        warn(f"no date: used the file's modification time {moment.isoformat()} (Hexo uses the file's creation "
             "time, which a copy or checkout changes: set date in the front matter)")
        return moment
    return None


def title(site: SiteSettings, meta: Meta, rel_path: str) -> str | None:
    value = meta.get("title")
    return None if value is None or isinstance(value, dict | list) else str(value)


def abbrlink(title_text: str, alg: str, rep: str) -> str:
    """hexo-abbrlink 2.2.1's link for a title: CRC-16/ARC or CRC-32 of its UTF-8 bytes, decimal or hex."""
    data = title_text.encode("utf-8")
    if alg == "crc32":
        number = zlib.crc32(data)
    else:
        number = 0
        for byte in data:
            number ^= byte
            for _ in range(8):
                number = (number >> 1) ^ 0xA001 if number & 1 else number >> 1
    return format(number, "x") if rep == "hex" else str(number)


def slugize(name: str) -> str:
    """hexo-util's ``slugize``: accents dropped, runs of blanks and punctuation -> ``-``, case kept."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return _SLUG_SPECIAL.sub("-", plain.replace("\x00", "")).strip("-")


def link(site: SiteSettings, given: LinkInput) -> str:
    meta = given.meta
    own = meta.get("permalink")
    if isinstance(own, str) and own.strip():
        path = own.strip().lstrip("/")
        return _pretty(site, encode_url(given.base + path))
    parts = _file_name_parts(site, given.rel_path)
    slug = parts["title"]
    values = {"title": slug, "name": PurePosixPath(slug).name,
              "category": slugize(given.categories[0][-1]) if given.categories else "uncategorized"}
    layout = meta.get("layout") or site.default_layout
    if site.abbrlink_alg and layout == "post":
        written = meta.get("abbrlink")
        raw_title = meta.get("title")
        values["abbrlink"] = str(written) if written not in (None, "") else abbrlink(
            "" if raw_title is None else str(raw_title), site.abbrlink_alg, site.abbrlink_rep)
    url = identity.permalink(site.permalink or "", given.base, rel_path=given.rel_path, title=given.title,
                             published=given.published, zone=given.zone, categories=given.categories,
                             values=values)
    return _pretty(site, url)


def _pretty(site: SiteSettings, url: str) -> str:
    if not site.trailing_index and url.endswith("/index.html"):
        url = url[: -len("index.html")]
    if not site.trailing_html and url.endswith(".html") and not url.endswith("/index.html"):
        url = url[: -len(".html")]
    return url


def category_url(site: SiteSettings, path: CategoryPath) -> str | None:
    if not site.url or not site.category_dir:
        return None
    slugs = [slugize(name) for name in path]
    if not all(slugs):
        return None
    return encode_url(f"{site.url}{site.category_dir}/{'/'.join(slugs)}/")


RULES = Rules(read=read, classify=classify, excluded=excluded, published=published, title=title, link=link,
              category_url=category_url,
              undated="Hexo would date it by the file's creation time, which feedkit cannot read")
