"""The public namespace: what `import feedkit` offers, how it is documented, and that each piece works alone."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
import tomllib
import types
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import frontmatter
import pytest

import feedkit
from feedkit import errors
from feedkit.config import parse_config

from .conftest import EXAMPLES, REPO

NOW = datetime(2024, 7, 1, tzinfo=UTC)
ENTRY = feedkit.Entry(id="urn:example:1", title="Hello", link="https://example.org/1",
                      published=datetime(2024, 5, 1, 8, tzinfo=UTC), summary="Hi.", content_html="<p>Hi.</p>",
                      categories=(("News", "World"),), tags=("x",), authors=(feedkit.Author("Ann"),))
CHANNEL = feedkit.Channel(title="News", link="https://example.org/")

# --- the namespace ----------------------------------------------------------------------------------


def test_all_is_sorted_and_complete() -> None:
    assert list(feedkit.__all__) == sorted(feedkit.__all__)
    assert len(set(feedkit.__all__)) == len(feedkit.__all__)
    for name in feedkit.__all__:  # the daemon's names are imported on first use
        assert getattr(feedkit, name) is not None
    assert set(feedkit.__all__) <= set(dir(feedkit))
    public = {name for name, value in vars(feedkit).items()
              if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"}
    assert public == set(feedkit.__all__) - {"__version__"}


def _own_doc(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj) and doc.startswith(f"{obj.__name__}("):
        return ""  # the signature dataclasses write when the class has no docstring
    return doc


@pytest.mark.parametrize("name", [n for n in feedkit.__all__ if n != "__version__"])
def test_every_public_name_has_a_docstring(name: str) -> None:
    obj = getattr(feedkit, name)
    if inspect.isclass(obj) or inspect.isfunction(obj):
        assert _own_doc(obj).strip(), f"feedkit.{name} has no docstring"
    for field in dataclasses.fields(obj) if dataclasses.is_dataclass(obj) else ():
        assert not field.name.startswith("_")


def test_the_package_is_typed() -> None:
    assert (REPO / "feedkit" / "py.typed").is_file()


def test_the_exception_tree_has_one_root_drawn_in_its_docstring() -> None:
    classes = [obj for obj in vars(errors).values() if inspect.isclass(obj) and issubclass(obj, Exception)
               and obj.__module__ == "feedkit.errors"]
    assert {c for c in classes if c.__bases__ == (Exception,)} == {feedkit.FeedkitError}
    for cls in classes:
        assert cls.__name__ in (errors.__doc__ or ""), cls
        assert getattr(feedkit, cls.__name__) is cls


# --- config objects made in Python --------------------------------------------------------------------

SAME_AS_TOML = [
    # (Python object, its keyword arguments, the TOML of the same mistake, the TOML key)
    (feedkit.ArticleSourceConfig, {"paths": ["p"], "timezone": "Mars/X"},
     {"articles": [{"paths": ["p"], "timezone": "Mars/X"}]}, "articles[0].timezone"),
    (feedkit.ArticleSourceConfig, {"paths": ["p"], "body": "rst"},
     {"articles": [{"paths": ["p"], "body": "rst"}]}, "articles[0].body"),
    (feedkit.ArticleSourceConfig, {"paths": ["p"], "excerpt_length": 0},
     {"articles": [{"paths": ["p"], "excerpt_length": 0}]}, "articles[0].excerpt_length"),
    (feedkit.ArticleSourceConfig, {"paths": ["p"], "drop_selectors": ["p::before"]},
     {"articles": [{"paths": ["p"], "drop_selectors": ["p::before"]}]}, "articles[0].drop_selectors"),
    (feedkit.UpstreamSourceConfig, {"url": "ftp://x/feed", "name": "x"},
     {"feeds": [{"url": "ftp://x/feed", "name": "x"}]}, "feeds[0].url"),
    (feedkit.UpstreamSourceConfig, {"url": "https://x/feed", "name": "x", "interval": "soon"},
     {"feeds": [{"url": "https://x/feed", "name": "x", "interval": "soon"}]}, "feeds[0].interval"),
    (feedkit.UpstreamSourceConfig, {"url": "https://x/feed", "name": "x", "keep_days": 10**6},
     {"feeds": [{"url": "https://x/feed", "name": "x", "keep_days": 10**6}]}, "feeds[0].keep_days"),
    (feedkit.SiteConfig, {"base_url": "example.org"}, {"site": {"base_url": "example.org"}}, "site.base_url"),
    (feedkit.ChannelsConfig, {"content": "some"}, {"channels": {"content": "some"}}, "channels.content"),
    (feedkit.FetchConfig, {"timeout": -1}, {"fetch": {"timeout": -1}}, "fetch.timeout"),
    (feedkit.WebSubConfig, {"retries": 99}, {"websub": {"retries": 99}}, "websub.retries"),
]


@pytest.mark.parametrize("case", range(len(SAME_AS_TOML)))
def test_config_objects_fail_with_the_messages_of_the_toml_file(case: int, tmp_path: Path) -> None:
    cls, kwargs, raw, toml_key = SAME_AS_TOML[case]
    with pytest.raises(feedkit.ConfigError) as from_python:
        cls(**kwargs)
    with pytest.raises(feedkit.ConfigError) as from_toml:
        parse_config({"out": "out", **raw}, tmp_path)
    assert from_toml.value.key.startswith(toml_key)
    field = toml_key.rsplit(".", 1)[1]
    assert from_python.value.key.startswith(f"{cls.__name__}.{field}")
    assert from_python.value.reason == from_toml.value.reason


def test_config_objects_are_keyword_only_and_normalize_what_python_users_write(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        feedkit.ArticleSourceConfig(("posts",))  # type: ignore[misc]
    source = feedkit.ArticleSourceConfig(paths="posts")  # type: ignore[arg-type]
    assert source.paths == (Path("posts"),)
    feed = feedkit.UpstreamSourceConfig(url=str(tmp_path / "f.xml"), name="f", categories=["News/World"])  # type: ignore[arg-type]
    assert feed.is_local and feed.categories == (("News", "World"),)
    site = feedkit.SiteConfig(base_url="https://example.org/feeds")
    assert site.base_url == "https://example.org/feeds/" and site.base_url_set
    config = feedkit.Config(out="public", articles=[source], feeds=[feed])  # type: ignore[arg-type]
    assert config.out == Path("public") and config.articles == (source,)
    with pytest.raises(feedkit.ConfigError, match=r"feeds\[0\].name.*also named"):
        feedkit.Config(out=Path("o"), articles=[feedkit.ArticleSourceConfig(paths=["p"], name="f")], feeds=[feed])  # type: ignore[arg-type]
    with pytest.raises(feedkit.ConfigError, match=r"Config.articles\[0\]: expected a ArticleSourceConfig"):
        feedkit.Config(out=Path("o"), articles=[{"paths": ["p"]}])  # type: ignore[list-item]


def test_a_config_made_in_python_builds_like_the_same_toml(tmp_path: Path) -> None:
    config = feedkit.Config(
        out=tmp_path / "py",
        site=feedkit.SiteConfig(title="Blog", base_url="https://example.org/"),
        articles=[feedkit.ArticleSourceConfig(name="blog", paths=[EXAMPLES / "site" / "blog"])],
    )
    raw = tomllib.loads(f"""
        out = "toml"
        [site]
        title = "Blog"
        base_url = "https://example.org/"
        [[articles]]
        name = "blog"
        paths = ["{(EXAMPLES / 'site' / 'blog').as_posix()}"]
    """)
    from_toml = parse_config(raw, tmp_path)
    assert dataclasses.replace(from_toml, out=config.out) == config
    report = feedkit.build(config, now=NOW)
    assert report.ok and report.published == 6


# --- one stage at a time ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["rss", "atom", "json"])
def test_render_gives_a_feed_that_readers_parse(fmt: str) -> None:
    data = feedkit.render(CHANNEL, [ENTRY], fmt)
    assert data == feedkit.render(CHANNEL, [ENTRY], fmt)
    if fmt == "json":
        assert b'"title": "Hello"' in data
    else:
        parsed = feedparser.parse(data)
        assert [(e.title, e.link) for e in parsed.entries] == [("Hello", "https://example.org/1")]


def test_render_takes_the_channel_info_of_a_build_report(tmp_path: Path) -> None:
    config = feedkit.load_config(EXAMPLES / "site" / "feedkit.toml", out_override=tmp_path / "out")
    report = feedkit.build(config, now=NOW)
    info = next(c for c in report.channels if c.kind == "all")
    data = feedkit.render(info, [ENTRY], "atom", base_url=config.site.base_url)
    assert b'<link href="https://news.example.org/all/atom.xml" rel="self"' in data


def test_render_names_an_entry_it_cannot_write_unless_told_to_skip_it() -> None:
    naive = dataclasses.replace(ENTRY, id="urn:example:naive", published=datetime(2024, 5, 1))
    with pytest.raises(feedkit.InputError, match="skip_bad_entries"):
        feedkit.render(CHANNEL, [ENTRY, naive], "rss")
    assert feedparser.parse(feedkit.render(CHANNEL, [ENTRY, naive], "rss", skip_bad_entries=True)).entries[0].id \
        == "urn:example:1"
    with pytest.raises(feedkit.ConfigError, match="unknown format 'rdf'"):
        feedkit.render(CHANNEL, [ENTRY], "rdf")


ARTICLE = b"""---
title: Hello
date: 2024-05-01 08:00
categories: [News, World]
---
Some *Markdown*.
"""


def test_parse_article_takes_a_path_bytes_or_a_python_frontmatter_post(tmp_path: Path) -> None:
    path = tmp_path / "hello.md"
    path.write_bytes(ARTICLE)
    source = feedkit.ArticleSourceConfig(paths=(), timezone="Asia/Shanghai")
    from_path = feedkit.parse_article(path, source=source)
    from_bytes = feedkit.parse_article(ARTICLE, source=source, rel_path="hello.md")
    from_post = feedkit.parse_article(frontmatter.load(path), source=source, rel_path="hello.md")
    assert from_path.published == datetime(2024, 5, 1, 0, tzinfo=UTC)
    assert from_path.categories == (("News", "World"),)
    assert dataclasses.replace(from_path, origin="") == dataclasses.replace(from_bytes, origin="") \
        == dataclasses.replace(from_post, origin="")


def test_parse_article_reads_toml_that_python_frontmatter_left_unread() -> None:
    path = EXAMPLES / "site" / "blog" / "2024-04-20-notes-on-time-zones.md"
    post = frontmatter.load(path)
    entry = feedkit.parse_article(post, rel_path=path.name)
    assert entry == dataclasses.replace(feedkit.parse_article(path), origin=path.name)


def test_parse_article_raises_input_error_for_drafts_and_broken_files_and_collects_warnings() -> None:
    with pytest.raises(feedkit.InputError, match="draft"):
        feedkit.parse_article(b"---\ntitle: x\ndate: 2024-01-01\ndraft: true\n---\n")
    with pytest.raises(feedkit.InputError, match="not valid YAML"):
        feedkit.parse_article(b"---\ntitle: [x\n---\n", rel_path="bad.md")
    problems: list[feedkit.Problem] = []
    feedkit.parse_article(b"---\ntitle: x\ndate: 2024-01-01\nlang: 12\n---\nbody", problems=problems)
    assert all(p.severity is not feedkit.Severity.ERROR for p in problems)


def test_parse_feed_reads_a_document_and_names_what_is_not_a_feed() -> None:
    data = (EXAMPLES / "site" / "feeds" / "podcast.xml").read_bytes()
    entries = feedkit.parse_feed(data, url="https://radio.example.org/feed.xml", now=NOW)
    assert len(entries) == 3 and all(e.enclosures for e in entries)
    source = feedkit.UpstreamSourceConfig(url="https://radio.example.org/feed.xml", name="radio",
                                          drop_entries=(("title", "1"),))
    assert len(feedkit.parse_feed(data, source=source, now=NOW)) < 3
    with pytest.raises(feedkit.InputError, match="not a feed"):
        feedkit.parse_feed(b"<html><body>hi</body></html>", url="https://example.org/")


# --- the examples that the docs show ------------------------------------------------------------------


@pytest.mark.parametrize("script", sorted(p.name for p in (EXAMPLES / "python").glob("*.py")))
def test_python_examples_run(script: str, tmp_path: Path) -> None:
    if script == "with_feedgen.py":
        pytest.importorskip("feedgen")
    done = subprocess.run([sys.executable, str(EXAMPLES / "python" / script), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
