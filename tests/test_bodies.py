"""Article bodies are made only for the entries a feed shows, and the output never shows it.

A build reads the heads of its article files, routes them, and makes bodies (render, clean,
summary, the body's image) only for the entries of the channels it renders
(:mod:`feedkit.pipeline.bodies`).  These tests pin what a user can see of that: the same bytes
as a build that makes every body, bodies remembered in the store for the shown entries only, a
body not made again while its file is unchanged, and copies of one article still published once.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from pathlib import Path

from feedkit.config.types import ArticleSourceConfig, ChannelsConfig, Config, SiteConfig
from feedkit.model import Entry
from feedkit.pipeline.build import build

from .conftest import write_article

ARTICLE = """---
title: Post {i}
date: 2022-06-{day:02d} {hour:02d}:00:00
categories: [{category}]
{extra}---
{body}
"""
BODY = ('<div><p>Body of post {i}, long enough to be summarized.</p><img src="/img/{i}.png">'
        '<p class="article-editor">责任编辑：某某</p><style>.x{{color:red}}</style></div>')


def make_site(src: Path, count: int) -> None:
    for i in range(count):
        category = ("金融", "科技", "体育")[i % 3]
        extra = "summary: A summary of its own\n" if i % 7 == 0 else ""
        text = BODY.format(i=i) if i % 5 else f"Markdown **post** {i}\n\n<!-- more -->\n\nThe rest of it."
        write_article(src, f"post-{i:03d}.md", ARTICLE.format(i=i, day=1 + i // 24, hour=i % 24, category=category,
                                                             extra=extra, body=text))


def config_for(src: Path, out: Path, limit: int = 5) -> Config:
    return Config(
        out=out,
        site=SiteConfig(base_url="https://news.example.org/", base_url_set=True, timezone="Asia/Shanghai"),
        articles=(ArticleSourceConfig(paths=(src,), name="news", timezone="Asia/Shanghai"),),
        channels=ChannelsConfig(entry_limit=limit),
        workers=1,
    )


def files_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def stored_bodies(config: Config) -> set[str]:
    with sqlite3.connect(config.store_path) as db:
        return {row[0] for row in db.execute("SELECT rel_path FROM article_bodies")}


def keep(entry: Entry) -> Entry:
    """A transform that changes nothing: with it, every body is made before routing."""
    return entry


def test_only_the_entries_a_feed_shows_get_bodies(tmp_path: Path) -> None:
    make_site(tmp_path / "src", 60)
    config = config_for(tmp_path / "src", tmp_path / "out")
    report = build(config)
    assert report.ok and report.published == 60
    shown = {(c.kind, c.slug): c.entries for c in report.channels}
    assert shown[("all", "all")] == 5 and len(shown) == 4  # all + three categories, five entries each
    made = stored_bodies(config)
    newest = {f"post-{i:03d}.md" for i in range(45, 60)}  # the five newest of each category
    assert made == newest


def test_a_build_that_makes_only_shown_bodies_writes_the_bytes_of_one_that_makes_all(tmp_path: Path) -> None:
    make_site(tmp_path / "src", 40)
    lazy = config_for(tmp_path / "src", tmp_path / "lazy" / "out", limit=4)
    eager = replace(lazy, out=tmp_path / "eager" / "out")
    build(lazy)
    build(eager, transforms=[keep])
    assert files_of(lazy.out) == files_of(eager.out)
    build(lazy, full=True)  # and again with nothing from the store
    assert files_of(lazy.out) == files_of(eager.out)


def test_more_entries_shown_later_get_their_bodies_then(tmp_path: Path) -> None:
    make_site(tmp_path / "src", 30)
    config = config_for(tmp_path / "src", tmp_path / "out", limit=2)
    build(config)
    before = stored_bodies(config)
    wider = replace(config, channels=ChannelsConfig(entry_limit=10))
    build(wider)
    assert before < stored_bodies(wider)
    fresh = replace(wider, out=tmp_path / "fresh" / "out")
    build(fresh, transforms=[keep])
    assert files_of(wider.out) == files_of(fresh.out)


def test_a_body_is_not_made_again_while_its_file_is_unchanged(tmp_path: Path) -> None:
    """The parse cache trusts an unchanged size and modification time; so does the body cache: a
    file given other bytes of the same size, with its old time put back, keeps its old body."""
    src = tmp_path / "src"
    make_site(src, 12)
    config = config_for(src, tmp_path / "out")
    build(config)
    path = src / "post-011.md"
    info = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Body of post 11", "Body of post XX"), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    write_article(src, "post-999.md", ARTICLE.format(i=999, day=28, hour=1, category="金融", extra="",
                                                      body="<p>A new post.</p>"))
    build(config)
    feed = (config.out / "all" / "rss.xml").read_text(encoding="utf-8")
    assert "Body of post 11" in feed and "Body of post XX" not in feed and "A new post." in feed


def test_copies_of_one_article_are_published_once_without_their_bodies_being_made(tmp_path: Path) -> None:
    src = tmp_path / "src"
    make_site(src, 10)
    (src / "copy-of-post-003.md").write_bytes((src / "post-003.md").read_bytes())
    config = config_for(src, tmp_path / "out", limit=50)
    report = build(config)
    assert report.published == 10
    assert any("the same article as" in p.message for p in report.problems)
    different = (src / "post-004.md").read_text(encoding="utf-8").replace("Body of post 4", "Another body")
    write_article(src, "edited-post-004.md", different)
    report = build(config)
    assert report.published == 11  # same title, dates and categories, another body: a second entry
