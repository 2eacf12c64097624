"""Differential test: feedkit reads every corpus site root as the real generator builds it.

For each site root in ``../shared/corpus`` the real generator (Hexo with hexo-abbrlink, Jekyll,
Hugo: see ``tests/generators/harness.py``; ``dev.py test`` installs them best effort) builds a
temporary copy, and every post it publishes must come out of feedkit with the same link, title and
date (UTC, to the second); feedkit must publish nothing the generator does not.  A generator that
is not installed (or no corpus next to the repo) makes its sites skip.  The generators' results are
cached in ``.cache/generators/truth/`` until the site, the scripts or the generator versions change.

The differences that remain are listed in :data:`KNOWN_DIFFERENCES`, each with its reason; any
other difference fails.  Zola cannot be installed here: the Zola corpus is checked against Zola's
documented rules in :func:`test_zola_site_follows_the_documented_rules`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest

from feedkit.articles import parse as articles
from feedkit.articles.sites import resolve_source
from feedkit.articles.workers import load_articles
from feedkit.config.types import ArticleSourceConfig, ChannelsConfig, Config
from feedkit.model import Entry, Problem
from feedkit.pipeline.build import build

from .conftest import CORPUS, need_shared
from .generators import harness

KNOWN_DIFFERENCES = {
    "untitled": "the generator publishes an empty title; feedkit titles the post from its first heading or file "
                "name, and warns",
    "undated": "Hugo lists a page without any date last, dated 0001-01-01; feedkit leaves it out, and says so",
}
"""Every difference feedkit keeps on purpose, by kind; the comparison names the kind of each."""


def feedkit_posts(root: Path) -> tuple[dict[str, Entry], list[Problem]]:
    """What feedkit publishes from a site root: source path (relative to the root) -> entry."""
    source, problems = resolve_source(ArticleSourceConfig(paths=(root,), name="site"), datetime.now(UTC))
    files, found = articles.discover(source)
    problems += found
    jobs = [(path, rel_path, source, "https://feeds.example/", "-", True) for path, rel_path in files]
    parsed, _ = load_articles(jobs, 0)
    entries = {}
    for (_path, rel_path), outcome in zip(files, parsed, strict=True):
        result = outcome.result
        problems += result.problems
        if result.entry is not None:
            entries[rel_path] = result.entry
    return entries, problems


def _title(text: str | None) -> str:
    return " ".join(unescape(text or "").split())


def compare(posts: list[dict[str, str | None]], entries: dict[str, Entry],
            problems: list[Problem]) -> tuple[int, list[str], list[str]]:
    """(posts matched, known differences with their kind, unexplained differences)."""
    entries = dict(entries)
    warned = {(Path(p.origin).name, p.message.split(":")[0]) for p in problems}
    matched, known, unexplained = 0, [], []
    for post in posts:
        source = str(post["source"])
        entry = entries.pop(source, None)
        if post["date"] is None:
            if entry is None and any(name == Path(source).name for name, _ in warned):
                known.append(f"undated: {source}")
            else:
                unexplained.append(f"{source}: Hugo dates it 0001-01-01; feedkit published it or said nothing")
            continue
        if entry is None:
            unexplained.append(f"{source}: the generator publishes it, feedkit does not")
            continue
        date = entry.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        problems_here = []
        if entry.link != post["link"]:
            problems_here.append(f"link {entry.link} != {post['link']}")
        if date != post["date"]:
            problems_here.append(f"date {date} != {post['date']}")
        if _title(entry.title) != _title(post["title"]):
            if not _title(post["title"]) and (Path(source).name, "no title") in warned:
                known.append(f"untitled: {source}")
                continue
            problems_here.append(f"title {entry.title!r} != {post['title']!r}")
        if problems_here:
            unexplained.append(f"{source}: {'; '.join(problems_here)}")
        else:
            matched += 1
    unexplained += [f"{source}: feedkit publishes it, the generator does not" for source in entries]
    return matched, known, unexplained


@pytest.mark.parametrize("name", sorted(harness.SITES))
def test_feedkit_agrees_with_the_generator(name: str, tmp_path: Path) -> None:
    need_shared(CORPUS / harness.SITES[name][1])
    try:
        posts = harness.cached_truth(name)
    except harness.Unavailable as exc:
        pytest.skip(f"{harness.SITES[name][0]} cannot run here: {str(exc)[:300]}")
    root = CORPUS / harness.SITES[name][1]
    if harness.SITES[name][2] in ("docs", "fixtures"):  # jekyll-edgecases holds two site roots: arrange them
        root = tmp_path / name
        harness.arrange_site(name, root)
    entries, problems = feedkit_posts(root)
    matched, known, unexplained = compare(posts, entries, problems)
    assert all(item.split(":")[0] in KNOWN_DIFFERENCES for item in known)
    assert unexplained == [], f"{name}: {matched}/{len(posts)} posts agree; unexplained differences"
    assert matched + len(known) == len(posts)
    # and the whole pipeline (de-duplication included) keeps every one of them
    config = Config(out=tmp_path / "out", articles=(ArticleSourceConfig(paths=(root,), name="site"),),
                    channels=ChannelsConfig(categories=False, formats=("json",), entry_limit=1))
    report = build(config, dry_run=True)
    assert report.published == len(entries)


def test_the_seed_site_links_exactly_as_hexo_abbrlink(tmp_path: Path) -> None:
    """The seed's own site: every link is https://news.zfe.space/p/<crc16 hex of the title>.html."""
    root = need_shared(CORPUS / "hexo-news")
    entries, problems = feedkit_posts(root)
    assert len(entries) == 15
    assert all(e.link.startswith("https://news.zfe.space/p/") and e.link.endswith(".html") for e in entries.values())
    by_title = {e.title: e.link for e in entries.values()}
    assert by_title["2021"] == "https://news.zfe.space/p/3da.html"
    assert by_title["1049元_斤！天价荔枝什么来头？"] == "https://news.zfe.space/p/de7.html"
    seed = [p for p in problems if "纾困帮扶" in p.origin]
    assert seed and "publish_hidden" in seed[0].message


def test_zola_site_follows_the_documented_rules() -> None:
    """blog.rust-lang.org: links are base_url + path + "/", dates the path's day (its feed template's
    rule), the template page releases/latest.md (no title, no date) is left out with a reason."""
    root = need_shared(CORPUS / "toml-zola-rustblog")
    entries, problems = feedkit_posts(root)
    pages = [p for p in (root / "content").rglob("*.md") if p.name != "_index.md"]
    assert len(entries) == len(pages) - 1
    assert "content/releases/latest.md" not in entries
    assert any(p.origin.endswith("latest.md") and "no date" in p.message for p in problems)
    for rel_path, entry in entries.items():
        path = (root / rel_path).read_text(encoding="utf-8").split('path = "', 1)[1].split('"', 1)[0]
        assert entry.link == f"https://blog.rust-lang.org/{path}/", rel_path
        assert entry.published.strftime("%Y/%m/%d") == path.removeprefix("inside-rust/")[:10], rel_path
        assert "/index/" not in entry.link


def test_the_harness_is_standalone() -> None:
    """dev.py runs the harness with the system Python before the venv exists: stdlib only."""
    text = (Path(harness.__file__)).read_text(encoding="utf-8")
    assert "import feedkit" not in text and "from feedkit" not in text
