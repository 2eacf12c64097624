"""What a folder of articles holds, for ``feedkit init``: front-matter syntax, date spellings and
the timezone they hint at, category structure, image keys, repeated classes (boilerplate
candidates), and whether it looks like a site generator's root.

Reads at most :data:`SURVEY_MAX_FILES` files; never raises for bad input (a file that cannot
be read is counted, not reported).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from feedkit import html
from feedkit.articles import fields
from feedkit.articles.discovery import discover
from feedkit.articles.frontmatter import UnusableArticle, decode, split_front_matter
from feedkit.articles.parse import read_article_file
from feedkit.config.types import DEFAULT_IMAGE_KEYS, ArticleSourceConfig
from feedkit.dates import describe_date, parse_date

SURVEY_MAX_FILES = 3000
"""Files read per folder (the rest are counted, not read)."""
ZONE_CANDIDATES = (
    "Asia/Shanghai", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "Europe/London", "Europe/Berlin", "Europe/Amsterdam", "Europe/Paris", "Europe/Moscow", "Asia/Tokyo",
    "Asia/Seoul", "Asia/Kolkata", "Asia/Singapore", "Australia/Sydney", "America/Sao_Paulo", "UTC",
)
"""Zones a set of UTC offsets is matched against, most likely first (the first that fits every offset wins)."""
_HAN = re.compile("[\u4e00-\u9fff]")
_KANA_HANGUL = re.compile("[\u3040-\u30ff\uac00-\ud7af]")
_CLASS = re.compile(r"""\bclass\s*=\s*["']([^"'<>]{1,200})["']""", re.IGNORECASE)
_IMAGE_URL = re.compile(r"(?i)^(?:(?:https?:)?//)?\S+\.(?:png|jpe?g|gif|webp|avif|svg)(?:[?#]\S*)?$")
_OFFSET = re.compile(r"\d\s*([+-])(\d{2}):?(\d{2})$")
SITE_MARKERS = {
    "Hexo": (("_config.yml", "package.json"), ("source/_posts", "source")),
    "Jekyll": (("_config.yml",), ("_posts",)),
    "Hugo": (("config.toml", "hugo.toml", "config.yaml", "hugo.yaml"), ("content",)),
    "Zola": (("config.toml",), ("content",)),
}


@dataclass(slots=True)
class Survey:
    folder: Path
    files: int = 0
    read: int = 0
    syntax: Counter[str] = field(default_factory=Counter)
    date_keys: Counter[str] = field(default_factory=Counter)
    spellings: Counter[str] = field(default_factory=Counter)
    offsets: Counter[str] = field(default_factory=Counter)
    naive_dates: int = 0
    undated: int = 0
    titles: int = 0
    han_titles: int = 0
    kana_hangul_titles: int = 0
    depths: Counter[int] = field(default_factory=Counter)
    top_categories: Counter[str] = field(default_factory=Counter)
    image_keys: Counter[str] = field(default_factory=Counter)
    classes: Counter[str] = field(default_factory=Counter)
    site: str | None = None
    site_content: str | None = None
    observations: list[tuple[datetime, timedelta]] = field(default_factory=list)

    def timezone(self) -> tuple[str, str]:
        """The suggested timezone and why."""
        shifted = [(when, offset) for when, offset in self.observations if offset]
        if shifted:
            fits = {name: sum(when.astimezone(ZoneInfo(name)).utcoffset() == offset for when, offset in shifted)
                    for name in ZONE_CANDIDATES}
            best = max(ZONE_CANDIDATES, key=lambda name: fits[name])  # the first of the best
            shown = ", ".join(f"{o} ×{n}" for o, n in self.offsets.most_common(4))
            if fits[best] >= 0.6 * len(shifted):
                return best, (f"dates carry the offsets {shown}; {best} has those offsets at {fits[best]} "
                              f"of {len(shifted)} of those dates")
            return "UTC", f"dates carry several offsets ({shown}) that no one timezone fits: check it"
        if self.titles and self.han_titles >= 0.3 * self.titles and self.kana_hangul_titles < 0.1 * self.titles:
            return "Asia/Shanghai", f"Chinese text in {self.han_titles} of {self.titles} titles"
        if self.offsets:
            return "UTC", "every date that carries a zone is in UTC"
        return "UTC", "no hint found (dates carry no zone and the text gives none): check it"

    def boilerplate(self) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """Classes found in at least a tenth of the files (at least 3): those ``drop_boilerplate``
        removes, and the others."""
        floor = max(3, self.read // 10)
        repeated = [(name, n) for name, n in self.classes.most_common(40) if n >= floor]
        caught = [(name, n) for name, n in repeated if html.is_boilerplate_class(name)]
        return caught, [(name, n) for name, n in repeated if not html.is_boilerplate_class(name)][:8]


def survey(folder: Path, *, timezone: str = "UTC") -> Survey:
    found = Survey(folder)
    source = ArticleSourceConfig(paths=(folder,), name=folder.name or "articles", timezone=timezone)
    files, _problems = discover(source)
    found.files = len(files)
    found.site, found.site_content = site_root(folder)
    for path, rel_path in files[:SURVEY_MAX_FILES]:
        read = read_article_file(path)
        if not isinstance(read, tuple):
            continue
        try:
            document = split_front_matter(decode(read[0].replace(b"\x00", b""), lambda _m: None), rel_path,
                                          fields.KNOWN_KEYS)
        except (UnusableArticle, RecursionError, MemoryError, ValueError):
            continue
        if document is None:
            continue
        found.read += 1
        found.syntax[document.syntax] += 1
        _look(found, document.meta, document.syntax, document.body)
    return found


def _look(found: Survey, meta: dict[Any, Any], syntax: str, body: str) -> None:
    date_key = next((k for k in fields.DATE_KEYS if k in meta and not isinstance(meta[k], bool)), None)
    if date_key is None:
        found.undated += 1
    else:
        value = meta[date_key]
        found.date_keys[date_key] += 1
        rule = describe_date(value, ZoneInfo("UTC"))
        spelling = "a YAML/TOML date-time" if rule.startswith("a date-time") else re.split(r" with| without|,", rule)[0]
        found.spellings[spelling] += 1
        _zone_of(found, value)
    title = meta.get("title")
    if isinstance(title, str) and title.strip():
        found.titles += 1
        found.han_titles += bool(_HAN.search(title))
        found.kana_hangul_titles += bool(_KANA_HANGUL.search(title))
    for path in fields.categories(meta, flat_lists=syntax in ("toml", "json")):
        found.depths[len(path)] += 1
        found.top_categories[path[0]] += 1
    for key, value in meta.items():
        if isinstance(value, str) and (key in DEFAULT_IMAGE_KEYS or _IMAGE_URL.match(value.strip())):
            found.image_keys[str(key)] += 1
    found.classes.update({token for match in _CLASS.finditer(body) for token in match.group(1).split()})


def _zone_of(found: Survey, value: object) -> None:
    if isinstance(value, datetime):
        offset = value.utcoffset() if value.tzinfo is not None else None
    elif isinstance(value, date):
        offset = None
    elif isinstance(value, str):
        text = value.strip()
        match = _OFFSET.search(text)
        upper = text.upper()
        if match:
            size = timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
            offset = -size if match.group(1) == "-" else size
        elif upper.endswith((" GMT", " UTC", "Z", " UT")):
            offset = timedelta(0)
        else:
            offset = None
    else:
        return
    if offset is None:
        found.naive_dates += 1
        return
    try:
        when = parse_date(value, ZoneInfo("UTC"))
    except ValueError:
        return
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    found.offsets[f"{sign}{minutes // 60:02d}{minutes % 60:02d}"] += 1
    found.observations.append((when.astimezone(UTC), offset))


def site_root(folder: Path) -> tuple[str | None, str | None]:
    """(generator, content folder) when ``folder`` looks like a site generator's root."""
    for name, (configs, contents) in SITE_MARKERS.items():
        config = next((c for c in configs if (folder / c).is_file()), None)
        content = next((c for c in contents if (folder / c).is_dir()), None)
        if config is None or content is None:
            continue
        if name == "Hugo" and config == "config.toml" and _zola_config(folder / config):
            continue
        if name == "Zola" and not _zola_config(folder / config):
            continue
        return name, content
    return None, None


def _zola_config(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:20000]
    except OSError:
        return False
    return re.search(r"(?m)^\s*base_url\s*=", head) is not None and re.search(r"(?m)^\s*baseURL\s*=", head) is None
