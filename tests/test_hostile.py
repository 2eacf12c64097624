"""Hostile input, end to end: every bad input gets a clear problem naming it, loses nothing
else, and nothing is written outside the output folder, run, or read because input asked.

Each test is one attack found by trying it against the real CLI and ``build()``; the limits
involved are the named constants of :mod:`feedkit.limits` (documented in docs/limits.md).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feedkit import limits
from feedkit.articles.parse import parse_article
from feedkit.channels.route import slugify
from feedkit.config.load import parse_config
from feedkit.config.types import ArticleSourceConfig, Config, SiteConfig, UpstreamSourceConfig
from feedkit.dates import parse_date
from feedkit.errors import ConfigError, InputError, OutputError
from feedkit.identity import entry_id
from feedkit.model import Severity
from feedkit.output.write import safe_output_path, write_if_changed
from feedkit.pipeline.build import build
from feedkit.upstream.parse import parse_feed

from .conftest import REPO, write_article

BASE = "https://news.example.org/"
NOW = datetime(2024, 1, 1, tzinfo=UTC)
SOURCE = ArticleSourceConfig(paths=(), name="hostile")
FEED = UpstreamSourceConfig(url="https://up.example/feed.xml", name="up")
FAST = 5.0
"""Seconds within which a hostile input must be dealt with (the quadratic cases took hours)."""


def feedkit(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feedkit", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def article(front_matter: str, body: str = "<p>Body.</p>") -> bytes:
    return f"---\n{front_matter}\n---\n{body}\n".encode()


def parse(data: bytes, rel_path: str = "post.md") -> tuple[object, list[str], list[str]]:
    """(entry, error messages, warning messages) of one article."""
    result = parse_article(data, rel_path, SOURCE, origin=rel_path, site_base_url=BASE)
    errors = [p.message for p in result.problems if p.severity is Severity.ERROR]
    warnings = [p.message for p in result.problems if p.severity is Severity.WARNING]
    return result.entry, errors, warnings


def config_for(src: Path, out: Path, **channels: object) -> Config:
    from feedkit.config.types import ChannelsConfig

    return Config(
        out=out,
        site=SiteConfig(title="T", base_url=BASE, base_url_set=True),
        articles=(ArticleSourceConfig(paths=(src,), name="test"),),
        channels=ChannelsConfig(**channels),  # type: ignore[arg-type]
    )


def folders(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_dir()]


def rss_item(inner: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://up.example/</link>'
            f"<item><title>x</title><link>https://up.example/1</link>{inner}</item></channel></rss>").encode()


# --- article folders -----------------------------------------------------------------------


def test_a_symlink_loop_in_the_article_folder_is_reported_and_the_rest_published(tmp_path: Path) -> None:
    src = tmp_path / "posts"
    write_article(src, "good.md", "---\ntitle: Good\ndate: 2022-01-01\n---\nbody\n")
    (src / "loop1.md").symlink_to("loop2.md")
    (src / "loop2.md").symlink_to("loop1.md")
    done = feedkit("build", src, "--out", tmp_path / "out", "--base-url", BASE)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(r"loop1\.md: .*symlink", done.stderr)
    assert "published 1" in done.stdout


def test_the_output_folder_may_not_be_an_article_folder(tmp_path: Path) -> None:
    """Otherwise the next build reads its own index.html as an article."""
    src = tmp_path / "posts"
    write_article(src, "a.md", "---\ntitle: A\ndate: 2022-01-01\n---\nbody\n")
    done = feedkit("build", src, "--out", src, "--base-url", BASE)
    assert done.returncode == 2
    assert "--out" in done.stderr and str(src.resolve()) in done.stderr and "article" in done.stderr
    assert not (src / "index.html").exists()


@pytest.mark.parametrize("out_rel, src_rel", [("posts/public", "posts"), ("site", "site/posts")])
def test_output_and_article_folders_may_not_contain_each_other(tmp_path: Path, out_rel: str, src_rel: str) -> None:
    """Output inside the articles would be read back; articles inside the output would be served (drafts too)."""
    write_article(tmp_path / src_rel, "a.md", "---\ntitle: A\ndate: 2022-01-01\n---\nbody\n")
    with pytest.raises(ConfigError) as caught:
        parse_config({"out": out_rel, "articles": [{"paths": [src_rel]}]}, tmp_path)
    assert caught.value.key == "out" and "articles[0].paths[0]" in str(caught.value)


def test_the_output_folder_may_not_be_a_file_or_the_root(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ConfigError, match=r"^out: .*afile.* is not a folder"):
        parse_config({"out": "afile", "store": "s.sqlite"}, tmp_path)
    with pytest.raises(ConfigError, match=r"^out: .*root"):
        parse_config({"out": "/", "store": str(tmp_path / "s.sqlite")}, tmp_path)


# --- categories, tags and slugs ----------------------------------------------------------


def test_a_category_path_thousands_deep_is_cut_and_reported(tmp_path: Path) -> None:
    """It crashed the whole build with a RecursionError (and made thousands of nested folders)."""
    src = tmp_path / "posts"
    deep = json.dumps([f"d{i}" for i in range(2000)])
    write_article(src, "deep.md", f"---\ntitle: Deep\ndate: 2022-01-01\ncategories: {deep}\n---\nbody\n")
    write_article(src, "fine.md", "---\ntitle: Fine\ndate: 2022-01-02\ncategories: [News]\n---\nbody\n")
    report = build(config_for(src, tmp_path / "out"))
    assert report.published == 2
    categories = [c.category for c in report.channels if c.category]
    assert max(len(c) for c in categories) == limits.MAX_CATEGORY_DEPTH
    assert any(p.origin.endswith("deep.md") and "levels" in p.message for p in report.warnings)


def test_ten_thousand_categories_on_one_article_are_capped_and_reported() -> None:
    many = json.dumps([[f"c{i}"] for i in range(10_000)])
    tags = json.dumps([f"t{i}" for i in range(10_000)])
    entry, errors, warnings = parse(article(f"title: Many\ndate: 2022-01-01\ncategories: {many}\ntags: {tags}"))
    assert entry is not None and not errors
    assert len(entry.categories) == limits.MAX_CATEGORIES  # type: ignore[attr-defined]
    assert len(entry.tags) == limits.MAX_TAGS  # type: ignore[attr-defined]
    assert any("10000 categories" in w for w in warnings) and any("10000 tags" in w for w in warnings)


def test_a_name_of_thousands_of_characters_gets_a_short_slug_and_is_written(tmp_path: Path) -> None:
    """A 2,000-character category made the write fail with ENAMETOOLONG, and that took the whole build down."""
    src = tmp_path / "posts"
    write_article(src, "long.md", "---\ntitle: Long\ndate: 2022-01-01\ncategories: [" + "a" * 2000 + "]\n"
                  "tags: [" + "中" * 150 + "甲, " + "中" * 150 + "乙]\n---\nbody\n")
    write_article(src, "fine.md", "---\ntitle: Fine\ndate: 2022-01-02\ncategories: [News]\n---\nbody\n")
    out = tmp_path / "out"
    report = build(config_for(src, out, tags=True))
    assert report.published == 2
    assert all(len(p.name.encode()) <= limits.MAX_SLUG_SEGMENT_BYTES for p in folders(out))
    tag_slugs = [c.slug for c in report.channels if c.kind == "tag"]
    assert len(tag_slugs) == 2 and len(set(tag_slugs)) == 2  # cut names that share a start stay apart
    assert (out / "category" / "news" / "rss.xml").is_file()


def test_slugs_keep_apart_from_channel_files_and_windows_device_names(tmp_path: Path) -> None:
    """A category 'rss.xml' under 'x' wanted the folder x/rss.xml/ where x's feed file is: the build failed."""
    src = tmp_path / "posts"
    write_article(src, "a.md", "---\ntitle: A\ndate: 2022-01-01\ncategories: [x]\n---\nbody\n")
    write_article(src, "b.md", "---\ntitle: B\ndate: 2022-01-02\ncategories: [x, rss.xml]\n---\nbody\n")
    write_article(src, "c.md", "---\ntitle: C\ndate: 2022-01-03\ncategories: [x, feed.json]\n---\nbody\n")
    report = build(config_for(src, tmp_path / "out"))
    assert report.ok and report.published == 3
    assert (tmp_path / "out" / "category" / "x" / "rss.xml").is_file()
    for name in ("CON", "nul", "Aux.txt", "com1", "LPT9", "rss.xml", "atom.xml", "feed.json"):
        assert slugify(name).lower() not in {"con", "nul", "aux.txt", "com1", "lpt9", "rss.xml", "atom.xml",
                                             "feed.json"}, name
    assert slugify("console") == "console" and slugify("node.js") == "node.js"


def test_names_that_take_a_regular_expression_quadratic_time_are_fast() -> None:
    """A tag of '[' * 300,000 (Markdown link removal) took minutes; a megabyte, over an hour."""
    started = time.monotonic()
    entry, errors, _ = parse(article(f"title: T\ndate: 2022-01-01\ntags: ['{'[' * 300_000}']\n"
                                     f"author: '{'[' * 300_000}'\ncategories: ['{'[' * 300_000}']"))
    assert time.monotonic() - started < FAST
    assert entry is not None and not errors
    assert all(len(tag) <= limits.MAX_NAME_LENGTH for tag in entry.tags)  # type: ignore[attr-defined]


# --- front matter and fields ---------------------------------------------------------------

LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize("key", ["date", "updated"])
def test_a_yaml_alias_bomb_as_a_date_is_reported_quickly(key: str) -> None:
    """The error message printed repr() of 387 million strings: the build hung."""
    front = f"title: T\n{LAUGHS}{key}: *i" + ("" if key == "date" else "\ndate: 2022-01-01")
    started = time.monotonic()
    entry, errors, warnings = parse(article(front))
    assert time.monotonic() - started < FAST
    messages = errors + warnings
    assert any(m.startswith(f"{key}: expected a date, got list") for m in messages)
    assert all(len(m) < 1000 for m in messages)
    assert (entry is None) == (key == "date")


def test_a_date_with_a_megabyte_of_blanks_is_refused_quickly() -> None:
    """The trailing-comment pattern backtracked quadratically (1 MB: about an hour), also for upstream dates."""
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"date: .*longer than"):
        parse_date("2022-01-01" + " " * 1_000_000 + "x", ZoneInfo("UTC"))
    assert time.monotonic() - started < FAST


def test_a_huge_title_is_cut_and_reported() -> None:
    entry, _, warnings = parse(article(f"title: {'T' * 1_000_000}\ndate: 2022-01-01"))
    assert entry is not None
    assert len(entry.title) == limits.MAX_TITLE_LENGTH  # type: ignore[attr-defined]
    assert entry.title.endswith("…")  # type: ignore[attr-defined]
    assert any("title" in w and str(limits.MAX_TITLE_LENGTH) in w for w in warnings)


def test_front_matter_larger_than_the_limit_is_refused_with_the_limit_named() -> None:
    lines = "".join(f"k{i}: value {i}\n" for i in range(limits.MAX_FRONT_MATTER_BYTES // 10))
    entry, errors, _ = parse(article(f"title: T\ndate: 2022-01-01\n{lines}"))
    assert entry is None
    assert any("front matter" in e and str(limits.MAX_FRONT_MATTER_BYTES) in e for e in errors)


@pytest.mark.parametrize("value", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,<script>x</script>",
                                   "vbscript:msgbox(1)", " JavaScript:alert(1)"])
def test_a_permalink_with_an_unsafe_scheme_is_replaced_by_the_pattern(value: str) -> None:
    entry, _, warnings = parse(article(f"title: T\ndate: 2022-01-01\npermalink: {json.dumps(value)}"), "p.md")
    assert entry is not None
    assert entry.link == f"{BASE}2022/01/01/p/"  # type: ignore[attr-defined]
    assert any(w.startswith("permalink: ") and "http(s)" in w for w in warnings)


def test_a_protocol_relative_permalink_is_an_absolute_https_link() -> None:
    entry, _, _ = parse(article("title: T\ndate: 2022-01-01\nlink: //other.example/x"))
    assert entry is not None and entry.link == "https://other.example/x"  # type: ignore[attr-defined]


def test_nul_bytes_in_an_article_with_front_matter_are_removed_not_the_article() -> None:
    entry, errors, warnings = parse(article("title: T\ndate: 2022-01-01", "<p>a\x00b</p>"))
    assert entry is not None and not errors
    assert "ab" in entry.content_html  # type: ignore[attr-defined]
    assert any("NUL" in w for w in warnings)
    binary, _, binary_warnings = parse(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.md")
    assert binary is None and any("binary" in w for w in binary_warnings)


@pytest.mark.parametrize("raw_id", ["javascript:alert(1)", "data:text/html,x", "tag:x,2020:" + "i" * 10_000])
def test_ids_that_are_unsafe_or_huge_iris_are_hashed(raw_id: str) -> None:
    the_id = entry_id("src", "a.md", raw_id)
    assert the_id.startswith("urn:uuid:") and the_id == entry_id("src", "b.md", raw_id)
    assert entry_id("src", "a.md", "tag:example.org,2020:1") == "tag:example.org,2020:1"


# --- upstream feeds ------------------------------------------------------------------------


def test_an_upstream_entry_with_thousands_of_categories_and_levels_does_not_take_the_build_down(
    tmp_path: Path,
) -> None:
    """A hostile upstream crashed every build (and the daemon's) with a RecursionError."""
    cats = "".join(f"<category>c{i}</category>" for i in range(3000))
    deep = " &gt; ".join(f"d{i}" for i in range(2000))
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss_item(f"<pubDate>Tue, 07 Jun 2022 07:07:31 GMT</pubDate>{cats}<category>{deep}</category>"))
    config = Config(out=tmp_path / "out", site=SiteConfig(base_url=BASE, base_url_set=True),
                    feeds=(UpstreamSourceConfig(url=str(feed), name="up", is_local=True),))
    report = build(config, now=NOW)
    assert report.published == 1
    categories = [c.category for c in report.channels if c.category]
    assert len(categories) <= limits.MAX_CATEGORIES + limits.MAX_CATEGORY_DEPTH
    assert max(len(c) for c in categories) <= limits.MAX_CATEGORY_DEPTH
    assert any("categories" in p.message for p in report.warnings)


@pytest.mark.parametrize("element", ["author", "dc:creator"])
@pytest.mark.parametrize("text", ["@" * 1_000_000, "a" * 1_000_000, "-" * 1_000_000])
def test_a_megabyte_author_is_parsed_quickly(element: str, text: str) -> None:
    """feedparser's e-mail pattern (and ours) backtracked quadratically: a hostile upstream stalled the daemon."""
    inner = f'<{element} xmlns:dc="http://purl.org/dc/elements/1.1/">{text}</{element}>'
    started = time.monotonic()
    parsed = parse_feed(rss_item(inner), url=FEED.url, headers={}, source=FEED, now=NOW)
    assert time.monotonic() - started < FAST
    assert len(parsed.entries) == 1
    assert all(len(a.name) <= limits.MAX_NAME_LENGTH for a in parsed.entries[0].authors)


def test_an_upstream_date_with_a_megabyte_of_blanks_is_replaced_quickly() -> None:
    started = time.monotonic()
    parsed = parse_feed(rss_item(f"<pubDate>Tue,{' ' * 1_000_000}x</pubDate>"), url=FEED.url, headers={},
                        source=FEED, now=NOW)
    assert time.monotonic() - started < FAST
    assert parsed.entries[0].published == NOW


def test_a_feed_that_makes_feedparser_raise_is_reported_and_the_rest_published(tmp_path: Path) -> None:
    """feedparser's lenient parser raised KeyError('tags') on this (found by tests/test_fuzz.py): it escaped
    parse_feed and took the whole build down."""
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><item>'
                       b"<title>a</title><category>x</category><category</item>>y</category></item></channel></rss>")
    good = tmp_path / "good.xml"
    good.write_bytes(rss_item("<pubDate>Tue, 07 Jun 2022 07:07:31 GMT</pubDate>"))
    with pytest.raises(InputError, match=r"^.*broken\.xml: .*KeyError"):
        parse_feed(broken.read_bytes(), url=str(broken), headers={}, source=FEED, now=NOW)
    config = Config(out=tmp_path / "out", site=SiteConfig(base_url=BASE, base_url_set=True), feeds=(
        UpstreamSourceConfig(url=str(broken), name="broken", is_local=True),
        UpstreamSourceConfig(url=str(good), name="good", is_local=True)))
    report = build(config, now=NOW)
    assert report.published == 1
    assert any(p.origin == str(broken) for p in report.skipped)


@pytest.mark.parametrize("body", ["<!---->" * 40 + "x", "<!-- -->" * 40 + "<x/>", "<!---->" * 200_000 + "<p>"])
def test_a_body_of_many_comments_is_not_a_feed_quickly(body: str) -> None:
    """The HTML-page pattern backtracked exponentially: 30 empty comments (210 bytes) held a build for minutes."""
    started = time.monotonic()
    with pytest.raises(InputError, match=r"not a feed"):
        parse_feed(body.encode(), url=FEED.url, headers={}, source=FEED, now=NOW)
    assert time.monotonic() - started < FAST


def test_an_html_page_behind_comments_is_still_recognised() -> None:
    body = b"<!-- a -->\n<?xml version='1.0'?><!--b--> <!DOCTYPE html><html><body>x</body></html>"
    with pytest.raises(InputError, match=r"an HTML page"):
        parse_feed(body, url=FEED.url, headers={}, source=FEED, now=NOW)


def test_an_article_body_of_a_million_comments_is_read_quickly() -> None:
    started = time.monotonic()
    entry, errors, _ = parse(article("title: T\ndate: 2022-01-01", "<!---->" * 1_000_000 + "<p>x</p>"))
    assert time.monotonic() - started < 2 * FAST
    assert entry is not None and not errors


def test_an_upstream_title_of_a_megabyte_is_cut() -> None:
    parsed = parse_feed(rss_item("").replace(b"<title>x</title>", b"<title>" + b"T" * 1_000_000 + b"</title>"),
                        url=FEED.url, headers={}, source=FEED, now=NOW)
    assert len(parsed.entries[0].title) == limits.MAX_TITLE_LENGTH


# --- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize("table, key, value", [
    ("feeds", "interval", 99_999_999_999_999_999_999),
    ("feeds", "keep_days", 99_999_999_999_999_999_999),
    ("feeds", "keep_count", 99_999_999_999_999_999_999),
    ("feeds", "priority", 99_999_999_999_999_999_999),
    ("fetch", "max_bytes", 99_999_999_999_999_999_999),
    ("fetch", "max_backoff", 99_999_999_999_999_999_999),
    ("fetch", "timeout", float("nan")),
    ("fetch", "timeout", float("inf")),
    ("fetch", "connect_timeout", float("inf")),
    ("channels", "entry_limit", 99_999_999_999_999_999_999),
    ("websub", "backoff", float("inf")),
])
def test_numbers_out_of_range_are_config_errors_naming_the_key(
    tmp_path: Path, table: str, key: str, value: float
) -> None:
    """They crashed later with OverflowError tracebacks, or (inf, nan) silently disabled a deadline."""
    raw: dict[str, object] = {"out": "out"}
    if table == "feeds":
        raw["feeds"] = [{"url": "https://up.example/feed.xml", key: value}]
    else:
        raw[table] = {key: value}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, tmp_path)
    expected = f"feeds[0].{key}" if table == "feeds" else f"{table}.{key}"
    assert caught.value.key == expected


def test_a_config_with_a_huge_interval_is_a_clear_cli_error(tmp_path: Path) -> None:
    (tmp_path / "feedkit.toml").write_text('out = "out"\n[[feeds]]\nurl = "f.xml"\ninterval = 99999999999999999999\n')
    done = feedkit("build", "--config", tmp_path / "feedkit.toml")
    assert done.returncode == 2 and "feeds[0].interval" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("option", ["--rescan", "--debounce", "--stop-after"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_daemon_seconds_must_be_finite(tmp_path: Path, option: str, value: str) -> None:
    """``--rescan nan`` crashed the daemon with a traceback; ``--debounce inf`` never built again."""
    write_article(tmp_path / "posts", "a.md", "---\ntitle: A\ndate: 2022-01-01\n---\nbody\n")
    stop = ["--stop-after", "1"] if option != "--stop-after" else []
    done = feedkit("run", tmp_path / "posts", "--out", tmp_path / "out", *stop, option, value)
    assert done.returncode == 2, done.stderr
    assert option in done.stderr and "Traceback" not in done.stderr


# --- the output folder -----------------------------------------------------------------------


def test_a_symlink_loop_in_the_output_folder_is_refused_for_reading_and_replaced_for_writing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "all").symlink_to("all")
    with pytest.raises(OutputError, match=r"all/rss\.xml"):
        safe_output_path(out, "all/rss.xml")
    assert write_if_changed(out, "all/rss.xml", b"x") is True  # the looping link is replaced by a folder
    assert (out / "all" / "rss.xml").read_bytes() == b"x"


def test_every_limit_is_documented() -> None:
    text = (REPO / "docs" / "limits.md").read_text(encoding="utf-8")
    names = [name for name in vars(limits) if name.isupper() and not name.startswith("_")]
    assert names
    for name in names:
        assert f"`{name}`" in text, name
        assert str(getattr(limits, name)) in text or f"{getattr(limits, name):,}" in text, name
