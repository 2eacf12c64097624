"""RFC 5005 archived feeds: pages from the oldest end, stable URLs, never rewritten needlessly."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest

from feedkit.channels.archive import page_path, plan_archive, shadowed_archives
from feedkit.config.load import parse_config
from feedkit.config.types import ArticleSourceConfig, ChannelsConfig, Config, SiteConfig
from feedkit.errors import ConfigError
from feedkit.model import Entry, Severity
from feedkit.pipeline.build import build

from .conftest import write_article
from .httpserver import Upstream

BASE = "https://news.example.org/"
START = datetime(2022, 1, 1, tzinfo=UTC)
FORMATS = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}


def entries(count: int) -> list[Entry]:
    """``count`` entries, newest first (e0 is the oldest)."""
    made = [Entry(id=f"e{i}", title=f"T{i}", link=f"{BASE}{i}", published=START + timedelta(hours=i))
            for i in range(count)]
    return made[::-1]


def ids(items: tuple[Entry, ...] | list[Entry]) -> list[str]:
    return [entry.id for entry in items]


# --- the plan -------------------------------------------------------------------------


def test_pages_count_from_the_oldest_and_only_full_pages_exist() -> None:
    plan = plan_archive(entries(23), entry_limit=5, page_size=5)
    assert [ids(page) for page in plan.pages] == [
        ["e4", "e3", "e2", "e1", "e0"], ["e9", "e8", "e7", "e6", "e5"],
        ["e14", "e13", "e12", "e11", "e10"], ["e19", "e18", "e17", "e16", "e15"],
    ]
    assert ids(plan.current) == ["e22", "e21", "e20", "e19", "e18"]  # overlaps the newest page


def test_a_new_entry_moves_nothing_between_pages() -> None:
    before = plan_archive(entries(23), entry_limit=5, page_size=5)
    after = plan_archive(entries(24), entry_limit=5, page_size=5)
    assert after.pages == before.pages
    filled = plan_archive(entries(25), entry_limit=5, page_size=5)
    assert filled.pages[:4] == before.pages and ids(filled.pages[4]) == ["e24", "e23", "e22", "e21", "e20"]


def test_no_pages_while_everything_fits_in_the_subscription_document() -> None:
    plan = plan_archive(entries(5), entry_limit=5, page_size=2)
    assert plan.pages == () and ids(plan.current) == ids(entries(5))
    assert plan_archive([], entry_limit=5, page_size=2) == plan_archive([], entry_limit=1, page_size=1)


@pytest.mark.parametrize(("total", "limit", "size"), [(23, 5, 5), (23, 5, 3), (60, 5, 50), (11, 10, 4), (1, 1, 1)])
def test_every_entry_is_on_a_page_or_in_the_subscription_document(total: int, limit: int, size: int) -> None:
    plan = plan_archive(entries(total), entry_limit=limit, page_size=size)
    seen = set(ids(plan.current)).union(*(ids(page) for page in plan.pages))
    assert seen == {f"e{i}" for i in range(total)}
    assert all(len(page) == size for page in plan.pages)
    assert len(plan.current) >= min(limit, total)


def test_page_size_above_the_entry_limit_grows_the_subscription_document() -> None:
    plan = plan_archive(entries(60), entry_limit=5, page_size=50)
    assert len(plan.pages) == 1 and len(plan.current) == 10


def test_plan_rejects_sizes_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        plan_archive(entries(3), entry_limit=0, page_size=5)


def test_page_folders_of_other_channels_are_found() -> None:
    folders = {"all", "category/金融", "category/金融/archive", "category/金融/archive/3", "category/x/archive/1/y"}
    assert shadowed_archives(folders) == {"category/金融": "category/金融/archive/3"}
    assert page_path("category/金融", 3, "atom.xml") == "category/金融/archive/3/atom.xml"


# --- config ---------------------------------------------------------------------------


def test_archive_keys_are_read_and_default_off() -> None:
    assert parse_config({"out": "x"}, Path("/r")).channels.archive is False
    channels = parse_config({"out": "x", "channels": {"archive": True, "archive_page_size": 7}}, Path("/r")).channels
    assert channels.archive is True and channels.archive_page_size == 7


@pytest.mark.parametrize(("channels", "key"), [
    ({"archive_page_size": 0}, "channels.archive_page_size"),
    ({"archive_page_size": "50"}, "channels.archive_page_size"),
    ({"archive": "yes"}, "channels.archive"),
])
def test_archive_key_errors_name_the_key(channels: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"out": "x", "channels": channels}, Path("/r"))
    assert str(info.value).startswith(key)


# --- end to end -----------------------------------------------------------------------

ARTICLE = "---\ntitle: {title}\ndate: {date}\ncategories: [{category}]\n---\n<p>Body of {title}.</p>\n"


def write_articles(src: Path, numbers: range, category: str = "News") -> None:
    for i in numbers:
        date = (START + timedelta(hours=i)).strftime("%Y-%m-%d %H:%M:%S")
        write_article(src, f"a{i:03d}.md", ARTICLE.format(title=f"A{i}", date=date, category=category))


def archive_config(src: Path, out: Path, *, limit: int = 5, size: int = 5, **channels: Any) -> Config:
    return Config(
        out=out,
        site=SiteConfig(title="T", base_url=BASE, base_url_set=True),
        articles=(ArticleSourceConfig(paths=(src,), name="test"),),
        channels=ChannelsConfig(entry_limit=limit, archive=True, archive_page_size=size, **channels),
    )


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def index(out: Path) -> dict[str, dict[str, Any]]:
    return {item["channel"]: item for item in json.loads((out / "index.json").read_text(encoding="utf-8"))}


def links_of(parsed: Any) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in parsed.feed.get("links", [])}


def test_build_writes_pages_for_every_channel_and_format(tmp_path: Path) -> None:
    write_articles(tmp_path / "src", range(23))
    out = tmp_path / "out"
    report = build(archive_config(tmp_path / "src", out))
    assert report.ok, report.problems
    channels = index(out)
    assert channels["all"]["archive_pages"] == 4 and channels["news"]["archive_pages"] == 4
    assert channels["all"]["entries"] == 5
    for folder in ("all", "category/news"):
        for number in range(1, 5):
            for name in FORMATS.values():
                assert (out / page_path(folder, number, name)).is_file()
        assert not (out / folder / "archive" / "5").exists()


def test_feedparser_reads_an_archive_page(tmp_path: Path) -> None:
    write_articles(tmp_path / "src", range(23))
    out = tmp_path / "out"
    build(archive_config(tmp_path / "src", out))
    for fmt in ("rss", "atom"):
        name = FORMATS[fmt]
        parsed = feedparser.parse((out / "category/news/archive/2" / name).read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert [e.title for e in parsed.entries] == ["A9", "A8", "A7", "A6", "A5"]
        links = links_of(parsed)
        assert links["self"] == f"{BASE}category/news/archive/2/{name}"
        assert links["current"] == f"{BASE}category/news/{name}"
        assert links["prev-archive"] == f"{BASE}category/news/archive/1/{name}"
        assert links["next-archive"] == f"{BASE}category/news/archive/3/{name}"
        assert b"<fh:archive/>" in (out / "category/news/archive/2" / name).read_bytes()
    page = json.loads((out / "category/news/archive/2/feed.json").read_text(encoding="utf-8"))
    assert page["feed_url"] == f"{BASE}category/news/archive/2/feed.json" and page["expired"] is True
    assert page["next_url"] == f"{BASE}category/news/archive/1/feed.json"


def test_oldest_and_newest_page_links(tmp_path: Path) -> None:
    write_articles(tmp_path / "src", range(23))
    out = tmp_path / "out"
    build(archive_config(tmp_path / "src", out))
    first = links_of(feedparser.parse((out / "all/archive/1/atom.xml").read_bytes()))
    newest = links_of(feedparser.parse((out / "all/archive/4/atom.xml").read_bytes()))
    current = links_of(feedparser.parse((out / "all/atom.xml").read_bytes()))
    assert "prev-archive" not in first and first["next-archive"] == f"{BASE}all/archive/2/atom.xml"
    assert "next-archive" not in newest and newest["prev-archive"] == f"{BASE}all/archive/3/atom.xml"
    assert current["prev-archive"] == f"{BASE}all/archive/4/atom.xml" and "current" not in current
    assert b"fh:archive" not in (out / "all/atom.xml").read_bytes()


def walk(out: Path, name: str) -> list[str]:
    """Entry titles from the subscription document back through every prev-archive link."""
    url: str | None = f"{BASE}all/{name}"
    titles: list[str] = []
    visited = 0
    while url:
        path = out / url.removeprefix(BASE)
        visited += 1
        assert visited < 50, "prev-archive loop"
        if name == "feed.json":
            data = json.loads(path.read_text(encoding="utf-8"))
            titles += [item["title"] for item in data["items"]]
            url = data.get("next_url")
        else:
            parsed = feedparser.parse(path.read_bytes())
            titles += [e.title for e in parsed.entries]
            url = links_of(parsed).get("prev-archive")
    return titles


@pytest.mark.parametrize("name", sorted(FORMATS.values()))
def test_walking_prev_archive_visits_every_entry_once_plus_the_overlap(tmp_path: Path, name: str) -> None:
    write_articles(tmp_path / "src", range(23))
    build(archive_config(tmp_path / "src", tmp_path / "out"))
    titles = walk(tmp_path / "out", name)
    assert set(titles) == {f"A{i}" for i in range(23)}
    repeated = sorted(t for t in set(titles) if titles.count(t) > 1)
    assert repeated == ["A18", "A19"]  # in the subscription document and on the newest page (RFC 5005 allows it)


def test_a_new_entry_rewrites_no_page_until_one_fills_up(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    write_articles(src, range(23))
    config = archive_config(src, out)
    build(config)
    before = snapshot(out)
    write_articles(src, range(23, 24))
    report = build(config)
    after = snapshot(out)
    pages = [path for path in before if "/archive/" in path]
    assert len(pages) == 2 * 4 * 3
    assert all(after[path] == before[path] for path in pages), "an archive page was rewritten"
    assert not any("/archive/" in path for path in report.written)
    assert "all/atom.xml" in report.written

    write_articles(src, range(24, 25))  # page 5 fills up: it appears, page 4 gains next-archive
    report = build(config)  # (JSON Feed has no next-archive: page 4's feed.json stays)
    rewritten = sorted(path for path in report.written if "/archive/" in path)
    expected = [f"{folder}/archive/4/{name}" for folder in ("all", "category/news") for name in ("rss.xml", "atom.xml")]
    expected += [f"{folder}/archive/5/{name}" for folder in ("all", "category/news") for name in FORMATS.values()]
    assert rewritten == sorted(expected)
    final = snapshot(out)
    assert all(final[path] == before[path] for path in pages if path not in expected)


def test_an_unchanged_build_rewrites_nothing(tmp_path: Path) -> None:
    write_articles(tmp_path / "src", range(23))
    config = archive_config(tmp_path / "src", tmp_path / "out")
    build(config)
    before = snapshot(tmp_path / "out")
    report = build(config)
    assert report.written == [] and snapshot(tmp_path / "out") == before


def test_a_back_dated_article_changes_the_pages_after_it(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    write_articles(src, range(1, 24))
    config = archive_config(src, out)
    build(config)
    write_articles(src, range(0, 1))  # older than everything: every entry shifts by one
    report = build(config)
    assert {f"all/archive/{n}/atom.xml" for n in range(1, 5)} <= set(report.written)
    assert [e.title for e in feedparser.parse((out / "all/archive/1/atom.xml").read_bytes()).entries][-1] == "A0"


def test_pages_of_a_shrunk_channel_keep_their_files(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    write_articles(src, range(23))
    config = archive_config(src, out)
    build(config)
    for i in range(15, 23):
        (src / f"a{i:03d}.md").unlink()
    report = build(config)
    assert index(out)["all"]["archive_pages"] == 3
    assert (out / "all/archive/4/atom.xml").is_file()  # a published URL stays
    newest = links_of(feedparser.parse((out / "all/archive/3/atom.xml").read_bytes()))
    assert "next-archive" not in newest and "all/archive/3/atom.xml" in report.written


def test_archive_off_writes_no_page_and_no_index_key(tmp_path: Path) -> None:
    write_articles(tmp_path / "src", range(23))
    config = replace(archive_config(tmp_path / "src", tmp_path / "out"),
                     channels=ChannelsConfig(entry_limit=5))
    build(config)
    assert not list((tmp_path / "out").rglob("archive"))
    assert "archive_pages" not in index(tmp_path / "out")["all"]
    assert b"prev-archive" not in (tmp_path / "out" / "all/rss.xml").read_bytes()


def test_small_channels_have_zero_pages(tmp_path: Path) -> None:
    write_articles(tmp_path / "src", range(23))
    write_articles(tmp_path / "src2", range(100, 103), category="Small")
    config = archive_config(tmp_path / "src", tmp_path / "out")
    config = replace(config, articles=(*config.articles, ArticleSourceConfig(paths=(tmp_path / "src2",), name="s2")))
    build(config)
    channels = index(tmp_path / "out")
    assert channels["small"]["archive_pages"] == 0 and channels["all"]["archive_pages"] == 5
    assert not (tmp_path / "out" / "category/small/archive").exists()


def test_per_channel_formats_and_limits_apply_to_pages(tmp_path: Path) -> None:
    from feedkit.config.types import ChannelConfig

    write_articles(tmp_path / "src", range(23))
    config = archive_config(tmp_path / "src", tmp_path / "out")
    config = replace(config, category={"News": ChannelConfig(formats=("atom",), entry_limit=20)})
    build(config)
    assert index(tmp_path / "out")["news"]["archive_pages"] == 4
    assert sorted(p.name for p in (tmp_path / "out/category/news/archive/1").iterdir()) == ["atom.xml"]
    assert len(feedparser.parse((tmp_path / "out/category/news/atom.xml").read_bytes()).entries) == 20


def test_a_category_in_the_page_folder_disables_that_archive(tmp_path: Path) -> None:
    write_articles(tmp_path / "src", range(23))
    write_articles(tmp_path / "src2", range(100, 101), category="[News, archive, '1']")
    config = archive_config(tmp_path / "src", tmp_path / "out")
    config = replace(config, articles=(*config.articles, ArticleSourceConfig(paths=(tmp_path / "src2",), name="s2")))
    report = build(config)
    warnings = [p for p in report.problems if p.origin == "category/news"]
    assert warnings and warnings[0].severity is Severity.WARNING and "category/news/archive/1" in warnings[0].message
    sub_category = feedparser.parse((tmp_path / "out/category/news/archive/1/atom.xml").read_bytes())
    assert [e.title for e in sub_category.entries] == ["A100"]  # the sub-category's own feed, untouched by the archive
    assert index(tmp_path / "out")["news"]["archive_pages"] == 0


def test_a_dry_run_writes_no_page(tmp_path: Path) -> None:
    write_articles(tmp_path / "src", range(23))
    report = build(archive_config(tmp_path / "src", tmp_path / "out"), dry_run=True)
    assert report.ok and not (tmp_path / "out").exists()


def test_archive_pages_and_hubs_pass_feedcheck(tmp_path: Path, upstream: Upstream) -> None:
    from feedkit.config.types import WebSubConfig

    from .test_feedcheck import example_config, feedcheck_home, feeds_of, run_feedcheck

    feedcheck_home()
    upstream.route("/hub", status=204)
    config = example_config(tmp_path / "out")
    config = replace(config, channels=replace(config.channels, archive=True, archive_page_size=3, entry_limit=4),
                     fetch=replace(config.fetch, allow_hosts=(upstream.host,)),
                     websub=WebSubConfig(hubs=(upstream.url("/hub?x=1&y=2"),), retries=0))
    report = build(config)
    assert report.ok and not [p for p in report.warnings if "WebSub" in p.message]
    assert index(tmp_path / "out")["all"]["archive_pages"] >= 3
    assert upstream.hits["/hub"] > 0
    run_feedcheck(feeds_of(tmp_path / "out", ["all", "all/archive/1", "all/archive/2", "category/finance/archive/1"]))
