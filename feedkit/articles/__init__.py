"""Stage: front-matter article files -> :class:`~feedkit.model.Entry`.

:mod:`~feedkit.articles.discovery` (which files), :mod:`~feedkit.articles.frontmatter`
(decoding, fences, YAML/TOML/JSON), :mod:`~feedkit.articles.fields` (front-matter values ->
typed fields), :mod:`~feedkit.articles.images`, :mod:`~feedkit.articles.parse` (one file ->
one entry, pure) and :mod:`~feedkit.articles.workers` (every file, on every core).
The only stage that imports PyYAML, python-frontmatter and markdown-it.
"""

from __future__ import annotations

from feedkit.articles.frontmatter import FrontMatterDocument
from feedkit.articles.parse import ArticleResult, load_article, parse_article, parse_document
from feedkit.articles.workers import ArticleJob, load_articles

__all__ = [
    "ArticleJob",
    "ArticleResult",
    "FrontMatterDocument",
    "load_article",
    "load_articles",
    "parse_article",
    "parse_document",
]
