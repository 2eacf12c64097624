"""Every front-matter corpus in ../shared/corpus through discover + load_article.

Each file must end up published (an entry), excluded (a draft) or skipped with a reason;
nothing may raise.  Run with ``pytest -s`` to see the counts.  The floors below are the
counts measured when this test was written, minus nothing: a drop means a regression.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from feedkit.articles.parse import ArticleResult, discover, load_article
from feedkit.config.types import ArticleSourceConfig
from feedkit.model import Severity

from .conftest import CORPUS, need_shared

SITE = "https://example.org/"


@dataclass(frozen=True)
class Expected:
    timezone: str
    files: int
    """Files discover() must find (exactly)."""
    published: int
    """At least this many must publish."""
    excluded: int
    skipped_at_most: int


CORPORA = {
    "hexo-news": Expected("Asia/Shanghai", files=21, published=20, excluded=0, skipped_at_most=1),
    # 502 without libyaml: PyYAML's pure-Python loader rejects a tab after a list item that LibYAML accepts
    "jekyll-18f": Expected("America/New_York", files=505, published=502, excluded=1, skipped_at_most=2),
    "jekyll-edgecases": Expected("UTC", files=159, published=157, excluded=1, skipped_at_most=1),
    "hugo-toml-coredns": Expected("UTC", files=219, published=219, excluded=0, skipped_at_most=0),
    "hugo-mixed-ritchievink": Expected("Europe/Amsterdam", files=34, published=34, excluded=0, skipped_at_most=0),
    "toml-zola-rustblog": Expected("UTC", files=751, published=751, excluded=0, skipped_at_most=0),
    "hexo-english": Expected("UTC", files=109, published=109, excluded=0, skipped_at_most=0),
}
KNOWN_SKIPS = {
    # title quoted seven times: not YAML
    '"""""""\'第10集\'""""""".md': "front matter is not valid YAML",
    # '12:00-400': a three-digit offset is not guessed
    "2016-06-17-exciting-additions-to-analytics-usa-gov.md": "date: cannot parse",
    # 'authors:\n- melody<TAB><TAB>': only without libyaml (see above)
    "2016-05-19-content-debt-what-it-is-where-to-find-it-and-how-to-prevent-it-in-the-first-place.md": (
        "front matter is not valid YAML"
    ),
    # '2023-01-29 18:30:22 2023 -0800': the year twice
    "2023-01-29-jekyll-3-9-3-released.markdown": "date: cannot parse",
}


def _load(job: tuple[Path, str, ArticleSourceConfig]) -> ArticleResult:
    path, rel_path, source = job
    return load_article(path, rel_path, source, site_base_url=SITE)


@pytest.fixture(scope="module")
def pool() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as executor:
        yield executor


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_corpus(name: str, pool: ProcessPoolExecutor) -> None:
    folder = need_shared(CORPUS / name)
    expected = CORPORA[name]
    source = ArticleSourceConfig(
        paths=(folder,), name=name, timezone=expected.timezone, drop_selectors=(".appendQr_wrap", ".article-editor")
    )
    files, discover_problems = discover(source)
    assert [p for p in discover_problems if p.severity is Severity.ERROR] == []

    results = list(pool.map(_load, [(path, rel, source) for path, rel in files], chunksize=16))
    counts: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    for (path, rel_path), result in zip(files, results, strict=True):
        errors = [p for p in result.problems if p.severity is Severity.ERROR]
        if result.entry is not None:
            counts["published"] += 1
            assert not errors, (rel_path, errors)
            assert result.entry.title and result.entry.published.utcoffset() is not None
            assert result.entry.origin == str(path)
        elif result.excluded:
            counts["excluded"] += 1
            assert not result.problems
        else:
            counts["skipped"] += 1
            assert errors, (rel_path, result.problems)
            assert all(p.origin == str(path) for p in errors)
            reason = KNOWN_SKIPS.get(Path(rel_path).name)
            assert reason is not None and errors[0].message.startswith(reason), (rel_path, errors)
        for problem in result.problems:
            if problem.severity is Severity.WARNING:
                warnings[problem.message.split(":")[0]] += 1

    print(f"\n{name}: {len(files)} files -> {dict(sorted(counts.items()))}; warnings {dict(warnings.most_common(4))}")
    assert sum(counts.values()) == len(files) == expected.files
    assert counts["published"] >= expected.published
    assert counts["excluded"] == expected.excluded
    assert counts["skipped"] <= expected.skipped_at_most
    ids = [r.entry.id for r in results if r.entry is not None]
    assert len(set(ids)) == len(ids), "entry ids must be unique within a source"
