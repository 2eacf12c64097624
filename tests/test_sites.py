"""Site generators' rules on small synthetic sites (the real sites: tests/test_generators.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feedkit.articles import parse as articles
from feedkit.articles.sites import hexo, jekyll, resolve_source
from feedkit.articles.sites.detect import detect
from feedkit.config.types import ArticleSourceConfig
from feedkit.errors import ConfigError
from feedkit.model import Entry, Problem

from .conftest import write_article

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def read_site(root: Path, **settings: object) -> tuple[dict[str, Entry], list[Problem]]:
    source, problems = resolve_source(ArticleSourceConfig(paths=(root,), name="s", **settings), NOW)  # type: ignore[arg-type]
    files, found = articles.discover(source)
    problems += found
    entries = {}
    for path, rel_path in files:
        result = articles.load_article(path, rel_path, source, site_base_url="https://out.example/")
        problems += result.problems
        if result.entry:
            entries[rel_path] = result.entry
    return entries, problems


def test_abbrlink_is_crc16_arc_of_the_utf8_title() -> None:
    assert hexo.abbrlink("123456789", "crc16", "dec") == str(0xBB3D)  # the CRC-16/ARC check value
    assert hexo.abbrlink("2021", "crc16", "hex") == "3da"  # unpadded lower-case hex (hexo-news)
    assert hexo.abbrlink("123456789", "crc32", "hex") == "cbf43926"


def test_detection(tmp_path: Path) -> None:
    (tmp_path / "h" / "source" / "_posts").mkdir(parents=True)
    (tmp_path / "h" / "_config.yml").write_text("url: https://h.example\n")
    (tmp_path / "j" / "_posts").mkdir(parents=True)
    (tmp_path / "j" / "_config.yml").write_text("---\nurl: https://j.example\n")
    (tmp_path / "u" / "content").mkdir(parents=True)
    (tmp_path / "u" / "config.toml").write_text('baseURL = "https://u.example/"\n')
    (tmp_path / "z" / "content").mkdir(parents=True)
    (tmp_path / "z" / "config.toml").write_text('base_url = "https://z.example"\n')
    (tmp_path / "p").mkdir()
    assert [detect(tmp_path / n)[0] if detect(tmp_path / n) else None for n in "hjuzp"] == [  # type: ignore[index]
        "hexo", "jekyll", "hugo", "zola", None]


def test_jekyll_config_opening_with_a_document_marker_is_never_a_post(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("---\nurl: https://j.example\npermalink: pretty\n", encoding="utf-8")
    write_article(tmp_path, "_posts/2024-04-03-hello.md", "---\ntitle: Hi\n---\nbody\n")
    entries, _ = read_site(tmp_path)
    assert list(entries) == ["_posts/2024-04-03-hello.md"]
    assert entries["_posts/2024-04-03-hello.md"].link == "https://j.example/2024/04/03/hello/"


def test_jekyll_lenient_dates_and_titles(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("url: https://j.example\ntimezone: America/New_York\n", encoding="utf-8")
    write_article(tmp_path, "_posts/2016-06-17-a.md", "---\ntitle: A\ndate: 2016-06-17 12:00-400\n---\nx\n")
    write_article(tmp_path, "_posts/2023-01-29-b.md", "---\ntitle: B\ndate: 2023-01-29 18:30:22 2023 -0800\n---\n")
    write_article(tmp_path, "_posts/2020-01-02-no-front-matter.md", "just text\n")
    write_article(tmp_path, "_posts/2030-01-01-future.md", "---\ntitle: F\n---\n")
    entries, problems = read_site(tmp_path)
    assert entries["_posts/2016-06-17-a.md"].published == datetime(2016, 6, 17, 16, tzinfo=UTC)  # wall clock, NY
    assert entries["_posts/2023-01-29-b.md"].published == datetime(2023, 1, 30, 2, 30, 22, tzinfo=UTC)
    assert entries["_posts/2020-01-02-no-front-matter.md"].title == "No Front Matter"
    assert "_posts/2030-01-01-future.md" not in entries
    assert any("future: true" in p.message for p in problems)
    assert jekyll.lenient_date("not a date", ZoneInfo("UTC")) is None


def test_hugo_rules(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'baseURL = "https://u.example/"\n[permalinks]\nblog = "/:year/:month/:day/:title/"\n', encoding="utf-8")
    write_article(tmp_path, "content/blog/x.md",
                  '+++\ntitle = "CoreDNS-1.0.0 Release"\ndate = "2017-12-01T10:00:00-08:00"\n+++\n')
    write_article(tmp_path, "content/blog/_index.md", '+++\ntitle = "Blog"\n+++\n')
    write_article(tmp_path, "content/blog/draft.md", '+++\ntitle = "D"\ndate = 2020-01-01\ndraft = true\n+++\n')
    write_article(tmp_path, "content/manual/undated.md", "text\n")
    write_article(tmp_path, "content/docs/bundle/index.md", '+++\ntitle = "B"\ndate = 2020-01-01\n+++\n')
    write_article(tmp_path, "content/docs/bundle/part.md", '+++\ntitle = "P"\n+++\n')
    entries, problems = read_site(tmp_path)
    assert entries["content/blog/x.md"].link == "https://u.example/2017/12/01/coredns-1.0.0-release/"
    assert entries["content/docs/bundle/index.md"].link == "https://u.example/docs/bundle/"
    assert set(entries) == {"content/blog/x.md", "content/docs/bundle/index.md"}
    messages = " ".join(p.message for p in problems)
    assert "draft" in messages and "0001-01-01" in messages and "page bundle" in messages


def test_zola_rules(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('base_url = "https://z.example"\ntaxonomies = [{name = "categories"}]\n',
                                          encoding="utf-8")
    write_article(tmp_path, "content/_index.md", '+++\ntitle = "Home"\n+++\n')
    write_article(tmp_path, "content/2024-02-08-Hello World.md", '+++\ntitle = "H"\n+++\n')
    write_article(tmp_path, "content/news/bundle/index.md", '+++\ntitle = "B"\ndate = 2024-01-01\n'
                  '[taxonomies]\ncategories = ["Rust News"]\n+++\n')
    write_article(tmp_path, "content/p.md", '+++\ntitle = "P"\npath = "2024/02/08/Rust-1.76.0"\n+++\n')
    write_article(tmp_path, "content/latest.md", '+++\ntemplate = "latest.html"\n+++\n')
    write_article(tmp_path, "content/d.md", '+++\ntitle = "D"\ndate = 2024-01-01\ndraft = true\n+++\n')
    entries, problems = read_site(tmp_path)
    assert entries["content/2024-02-08-Hello World.md"].link == "https://z.example/hello-world/"
    assert entries["content/2024-02-08-Hello World.md"].published == datetime(2024, 2, 8, tzinfo=UTC)
    assert entries["content/news/bundle/index.md"].link == "https://z.example/news/bundle/"
    assert entries["content/news/bundle/index.md"].categories == (("Rust News",),)
    assert entries["content/p.md"].link == "https://z.example/2024/02/08/Rust-1.76.0/"
    assert set(entries) == {"content/2024-02-08-Hello World.md", "content/news/bundle/index.md", "content/p.md"}
    assert any(p.origin.endswith("latest.md") and "no date" in p.message for p in problems)


def test_feedkit_toml_overrides_the_site(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text("url: https://h.example\ntimezone: Asia/Shanghai\n", encoding="utf-8")
    write_article(tmp_path, "source/_posts/a.md", "---\ntitle: A\ndate: 2022-06-07 08:00:00\n---\n")
    entries, _ = read_site(tmp_path)
    assert entries["source/_posts/a.md"].published == datetime(2022, 6, 7, 0, tzinfo=UTC)
    assert entries["source/_posts/a.md"].link == "https://h.example/2022/06/07/a/"
    entries, _ = read_site(tmp_path, timezone="UTC", base_url="https://mirror.example/",
                           explicit=frozenset({"timezone", "base_url"}))
    assert entries["source/_posts/a.md"].published == datetime(2022, 6, 7, 8, tzinfo=UTC)
    assert entries["source/_posts/a.md"].link == "https://mirror.example/2022/06/07/a/"
    plain, _ = read_site(tmp_path, generator="plain")
    assert "_config.yml" not in plain and "source/_posts/a.md" in plain


def test_forced_generator_needs_one_site_root(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="generator"):
        resolve_source(ArticleSourceConfig(paths=(tmp_path, tmp_path), generator="hugo"))


def test_generator_key_in_feedkit_toml(tmp_path: Path) -> None:
    from feedkit.config.load import parse_config

    config = parse_config({"out": "o", "articles": [{"paths": ["s"], "generator": "jekyll", "publish_hidden": True,
                                                      "timezone": "UTC"}]}, tmp_path)
    source = config.articles[0]
    assert (source.generator, source.publish_hidden, "timezone" in source.explicit) == ("jekyll", True, True)
    with pytest.raises(ConfigError, match=r"articles\[0\]\.generator"):
        parse_config({"out": "o", "articles": [{"paths": ["s"], "generator": "gatsby"}]}, tmp_path)


def test_identical_posts_of_a_site_stay_two_pages_and_a_shared_link_is_reported(tmp_path: Path) -> None:
    """Jekyll publishes byte-identical posts at their own URLs; hexo-abbrlink (hex) gives two posts with one
    title one URL: both are kept, the collision is reported."""
    from feedkit.config.types import Config
    from feedkit.pipeline.build import build

    site = tmp_path / "site"
    (site / "_config.yml").parent.mkdir()
    (site / "_config.yml").write_text("url: https://h.example\npermalink: p/:abbrlink.html\n"
                                      "abbrlink:\n  alg: crc16\n  rep: hex\n", encoding="utf-8")
    text = "---\ntitle: Same\ndate: 2022-06-07 08:00:00\n---\nbody\n"
    write_article(site, "source/_posts/a.md", text)
    write_article(site, "source/_posts/b.md", text)
    report = build(Config(out=tmp_path / "out", articles=(ArticleSourceConfig(paths=(site,), name="s"),)),
                   dry_run=True)
    assert report.published == 2
    assert any("same link https://h.example/p/" in p.message for p in report.problems)
