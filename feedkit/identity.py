"""Stable entry ids and permalinks.

An entry id is derived only from the source's name and the article's path inside the
source (or from a front-matter ``id``), never from its link, title, date or the output
format, so readers never see an old entry again because one of those changed.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import PurePosixPath
from urllib.parse import urljoin

from feedkit.limits import MAX_ID_LENGTH
from feedkit.links import encode_url
from feedkit.text import strip_illegal_xml_chars

ID_NAMESPACE = uuid.UUID("6f1c1f0e-5a38-4c43-9a52-5b0d6c3f0a11")
_IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_TOKEN = re.compile(
    r":(i_month|i_day|post_title|short_year|year|month|day|hour|minute|second|title|name|categories|category|id|hash|"
    r"abbrlink|slug|filename|sections|section|output_ext|path|collection)"
)
UNSAFE_ID_SCHEMES = frozenset({"javascript", "vbscript", "data", "file"})
"""An id in one of these schemes is never published as written (a reader might follow it as a link)."""


@lru_cache(maxsize=1024)  # an article's id and its permalink both ask, one after the other
def id_key(rel_path: str) -> str:
    """The part of an article's path that identifies it: posix, NFC, without extension."""
    posix = PurePosixPath(rel_path.replace("\\", "/"))
    stem = str(posix.with_suffix("")) if posix.suffix else str(posix)
    return unicodedata.normalize("NFC", stem)


def entry_id(source: str, rel_path: str, front_matter_id: str | None = None) -> str:
    """The stable id of an article.

    A front-matter ``id`` that is already an absolute IRI (``tag:...``, ``https://...``)
    is used as it is - unless it is longer than :data:`~feedkit.limits.MAX_ID_LENGTH`, in
    one of :data:`UNSAFE_ID_SCHEMES` or holds characters XML cannot (so readers never see it);
    any other front-matter id is hashed with the source name.  Otherwise the id is a
    name-based UUID of the source name and :func:`id_key`.
    """
    if front_matter_id is not None:
        value = unicodedata.normalize("NFC", front_matter_id.strip())
        scheme = value.partition(":")[0].lower()
        if (_IRI_SCHEME.match(value) and len(value) <= MAX_ID_LENGTH and scheme not in UNSAFE_ID_SCHEMES
                and strip_illegal_xml_chars(value) == value):
            return value
        return "urn:uuid:" + str(uuid.uuid5(ID_NAMESPACE, _hashable(f"{source}\nid:{value}")))
    return "urn:uuid:" + str(uuid.uuid5(ID_NAMESPACE, _hashable(f"{source}\npath:{id_key(rel_path)}")))


def _hashable(name: str) -> str:
    """``name`` itself, or (if it holds lone surrogates, which UTF-8 cannot encode) a distinct escaped form."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogatepass").decode("utf-8", "backslashreplace")
    return name


def permalink(
    pattern: str,
    base_url: str,
    *,
    rel_path: str,
    title: str,
    published: datetime,
    zone: tzinfo,
    categories: tuple[tuple[str, ...], ...] = (),
    front_matter_id: str | None = None,
    values: Mapping[str, str] | None = None,
) -> str:
    """Expand a Hexo-style permalink pattern and join it to ``base_url``.

    Tokens: ``:year :month :i_month :day :i_day :short_year :hour :minute :second`` (in the
    source's timezone), ``:title`` (path inside the source without extension), ``:name`` (file
    name without extension), ``:post_title`` (the title), ``:category`` (the first category
    path, ``a/b``), ``:id`` (front-matter id, else ``:name``), ``:hash`` (first 12 hex digits of
    the path's hash).  ``values`` gives (or replaces) token values: a site generator's rules
    (:mod:`feedkit.articles.sites`) spell ``:title``, ``:slug``, ``:abbrlink``, ``:section``,
    ``:categories``, ``:output_ext`` … their generator's way.  Unknown tokens (and tokens
    ``values`` does not give and the list above does not define) are kept literally.
    """
    local = published.astimezone(zone)
    key = id_key(rel_path)
    name = PurePosixPath(key).name
    first_category = "/".join(categories[0]) if categories else "uncategorized"
    defaults = {
        "year": f"{local.year:04d}",
        "month": f"{local.month:02d}",
        "i_month": str(local.month),
        "day": f"{local.day:02d}",
        "i_day": str(local.day),
        "hour": f"{local.hour:02d}",
        "minute": f"{local.minute:02d}",
        "second": f"{local.second:02d}",
        "title": key,
        "name": name,
        "post_title": title.replace("/", "-"),
        "category": first_category,
        "id": (front_matter_id or name).replace("/", "-"),
        "hash": uuid.uuid5(ID_NAMESPACE, key).hex[:12] if ":hash" in pattern else "",
        "short_year": f"{local.year % 100:02d}",
    }

    table = {**defaults, **values} if values else defaults

    def expand(match: re.Match[str]) -> str:
        token = match.group(1)
        return table.get(token, match.group(0))

    path = _TOKEN.sub(expand, pattern)
    path = "/".join(seg for seg in path.split("/") if seg not in (".", ".."))
    return encode_url(urljoin(base_url, "./" + path.lstrip("/")))  # "./": a first segment with ":" is no scheme
