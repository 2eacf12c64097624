"""One article file read with its reasons: which key and rule gave the date, why the id is what
it is, what cleaning the body took away (``feedkit explain``).

It reads the file exactly as :func:`~feedkit.articles.parse.parse_article` does (the entry
comes from that function) and repeats only the cheap parts that leave no trace in an Entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from feedkit import html
from feedkit.articles import fields
from feedkit.articles.frontmatter import UnusableArticle, decode, split_front_matter
from feedkit.articles.parse import ArticleResult, _body_is_html, _render, parse_article, read_article_file
from feedkit.config.types import ArticleSourceConfig
from feedkit.dates import describe_date
from feedkit.identity import id_key


@dataclass(slots=True)
class ArticleTrace:
    result: ArticleResult
    syntax: str = "none"
    """Front matter: ``yaml``, ``toml``, ``json`` or ``none``."""
    keys: tuple[str, ...] = ()
    body: str = ""
    """``html`` or ``markdown``."""
    date_key: str | None = None
    date_value: str | None = None
    date_rule: str = ""
    id_reason: str = ""
    removed: list[str] = field(default_factory=list)


def trace_article(path: Path, rel_path: str, source: ArticleSourceConfig, *, site_base_url: str) -> ArticleTrace:
    read = read_article_file(path)
    if isinstance(read, ArticleResult):
        return ArticleTrace(read)
    data, info = read
    result = parse_article(data, rel_path, source, origin=str(path), site_base_url=site_base_url,
                           mtime=info.st_mtime)
    trace = ArticleTrace(result)
    try:
        document = split_front_matter(decode(data.replace(b"\x00", b""), lambda _m: None), rel_path,
                                      fields.KNOWN_KEYS)
    except (UnusableArticle, RecursionError, MemoryError, ValueError):
        return trace
    if document is None:
        return trace
    meta = document.meta
    trace.syntax, trace.keys = document.syntax, tuple(str(key) for key in meta)
    is_html = _body_is_html(document.body, rel_path, source.body)
    trace.body = "html" if is_html else "markdown"
    found = next(((k, meta[k]) for k in fields.DATE_KEYS if k in meta and not isinstance(meta[k], bool)), None)
    if found is not None:
        trace.date_key, trace.date_value = found[0], str(found[1])
        trace.date_rule = describe_date(found[1], source.zone)
    else:
        fallback = next((p.message for p in result.problems if p.message.startswith("no date")), None)
        trace.date_rule = fallback or "no date key"
    own_id = fields.front_matter_id(meta)
    if own_id is not None:
        trace.id_reason = f"from the front matter's id {own_id!r} (used as it is when it is an absolute IRI, " \
                          "else hashed with the source name)"
    else:
        trace.id_reason = (f"a name-based UUID of the source name {source.name!r} and the path {id_key(rel_path)!r} "
                           "(without its extension): the link, title and date play no part, so it stays stable")
    base = source.base_url or site_base_url
    html.clean_html(_render(document.body, is_html), base_url=base, drop_selectors=source.drop_selectors,
                    drop_boilerplate=source.drop_boilerplate, log=trace.removed)
    return trace
