"""build() end to end: real files in, real files out."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from feedkit.config.types import ArticleSourceConfig, ChannelsConfig, Config, SiteConfig
from feedkit.model import Severity
from feedkit.pipeline.build import build

from .conftest import write_article

BASE = "https://news.example.org/"


def config_for(src: Path, out: Path, **source: object) -> Config:
    return Config(
        out=out,
        site=SiteConfig(title="T", base_url=BASE, base_url_set=True),
        articles=(ArticleSourceConfig(paths=(src,), name="test", **source),),  # type: ignore[arg-type]
    )


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes())
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def index(out: Path) -> list[dict[str, object]]:
    data = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


ARTICLE = """---
title: {title}
date: 2022-06-0{day} 10:00:00
categories: [{cats}]
---
<p>Body of {title}.</p>
"""


def make_site(src: Path) -> None:
    write_article(src, "a.md", ARTICLE.format(title="A", day=1, cats="News, World"))
    write_article(src, "b.md", ARTICLE.format(title="B", day=2, cats="News"))
    write_article(src, "c.md", ARTICLE.format(title="C", day=3, cats="Sport"))


def test_every_channel_gets_every_format(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    report = build(config_for(tmp_path / "src", tmp_path / "out"))
    assert report.ok and report.read == 3 and report.published == 3
    channels = {c["channel"]: c for c in index(tmp_path / "out")}
    assert set(channels) == {"all", "news", "news/world", "sport"}
    assert channels["news"]["entries"] == 2 and channels["news"]["category"] == ["News"]
    assert channels["all"]["category"] is None
    for channel in channels.values():
        files = channel["files"]
        assert isinstance(files, dict) and set(files) == {"rss", "atom", "json"}
        for rel in files.values():
            assert (tmp_path / "out" / rel).is_file()
    assert (tmp_path / "out" / "index.opml").is_file()
    parsed = feedparser.parse((tmp_path / "out" / "category/news/atom.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["B", "A"]


def test_second_build_rewrites_nothing(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    config = config_for(tmp_path / "src", tmp_path / "out")
    first = build(config)
    before = snapshot(tmp_path / "out")
    second = build(config)
    assert second.written == [] and sorted(second.unchanged) == sorted(first.written)
    assert snapshot(tmp_path / "out") == before


def test_output_is_byte_identical_across_output_folders(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    build(config_for(tmp_path / "src", tmp_path / "one"))
    build(config_for(tmp_path / "src", tmp_path / "two"))
    one = {k: v[2] for k, v in snapshot(tmp_path / "one").items()}
    two = {k: v[2] for k, v in snapshot(tmp_path / "two").items()}
    assert one == two


def test_a_bad_article_is_skipped_and_the_rest_published(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    write_article(tmp_path / "src", "broken.md", "---\ntitle: [unclosed\ndate: 2022-01-01\n---\nbody\n")
    write_article(tmp_path / "src", "baddate.md", "---\ntitle: X\ndate: not a date at all\n---\nbody\n")
    report = build(config_for(tmp_path / "src", tmp_path / "out"))
    assert report.read == 5 and report.published == 3
    skipped = {Path(p.origin).name for p in report.skipped}
    assert skipped == {"broken.md", "baddate.md"}
    assert any("not a date at all" in p.message for p in report.skipped)
    assert {c["channel"] for c in index(tmp_path / "out")} == {"all", "news", "news/world", "sport"}


def test_drafts_are_excluded_not_errors(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    write_article(tmp_path / "src", "d.md", "---\ntitle: D\ndate: 2022-06-09\ndraft: true\n---\nx\n")
    report = build(config_for(tmp_path / "src", tmp_path / "out"))
    assert report.excluded == 1 and report.ok and report.published == 3


def test_a_channel_that_loses_its_entries_keeps_its_files(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    config = config_for(tmp_path / "src", tmp_path / "out")
    build(config)
    (tmp_path / "src" / "c.md").unlink()
    report = build(config)
    channels = {c["channel"]: c for c in index(tmp_path / "out")}
    assert channels["sport"]["entries"] == 0
    rss = tmp_path / "out" / "category/sport/rss.xml"
    assert rss.is_file() and feedparser.parse(rss.read_bytes()).entries == []
    assert "category/sport/rss.xml" in report.written


def test_hostile_category_names_stay_inside_the_output(tmp_path: Path) -> None:
    for i, name in enumerate(["../../escape", "/etc/passwd", "..", "a\\\\..\\\\b", "CON", "\\u0000x"]):
        text = f'---\ntitle: t{i}\ndate: 2022-01-01\ncategories: ["{name}"]\n---\nx\n'
        write_article(tmp_path / "src", f"{i}.md", text)
    report = build(config_for(tmp_path / "src", tmp_path / "out"))
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and "out" not in p.relative_to(tmp_path).parts
               and "src" not in p.relative_to(tmp_path).parts and not p.name.startswith("out.feedkit.sqlite")]
    assert outside == []
    for channel in report.channels:
        for rel in channel.files.values():
            assert (tmp_path / "out" / rel).resolve().is_relative_to((tmp_path / "out").resolve())


def test_check_writes_nothing(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    report = build(config_for(tmp_path / "src", tmp_path / "out"), dry_run=True)
    assert report.published == 3 and len(report.channels) == 4
    assert not (tmp_path / "out").exists()


def test_entry_limit_caps_each_channel(tmp_path: Path) -> None:
    for day in range(1, 8):
        write_article(tmp_path / "src", f"{day}.md", ARTICLE.format(title=f"N{day}", day=day, cats="News"))
    config = config_for(tmp_path / "src", tmp_path / "out")
    config = Config(out=config.out, site=config.site, articles=config.articles, channels=ChannelsConfig(entry_limit=3))
    build(config)
    parsed = feedparser.parse((tmp_path / "out" / "all/rss.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["N7", "N6", "N5"]


def test_transform_can_edit_and_drop(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    from dataclasses import replace

    from feedkit.model import Entry

    def shout(entry: Entry) -> Entry | None:
        return None if entry.title == "C" else replace(entry, title=entry.title + "!")

    def broken(entry: Entry) -> Entry | None:
        raise RuntimeError("boom")

    report = build(config_for(tmp_path / "src", tmp_path / "out"), transforms=[shout])
    assert report.published == 2
    report = build(config_for(tmp_path / "src", tmp_path / "out2"), transforms=[broken])
    assert report.published == 0 and len(report.skipped) == 3 and "boom" in report.skipped[0].message


def test_missing_base_url_is_a_warning(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    config = Config(out=tmp_path / "out", articles=(ArticleSourceConfig(paths=(tmp_path / "src",)),))
    report = build(config)
    assert any(p.origin == "site.base_url" and p.severity is Severity.WARNING for p in report.problems)


def test_missing_source_folder_stops_the_build(tmp_path: Path) -> None:
    """One configured path missing is an unmounted or mistyped folder, not a deletion (docs/operations.md)."""
    from feedkit.errors import InputError

    make_site(tmp_path / "src")
    config = Config(out=tmp_path / "out", site=SiteConfig(base_url=BASE, base_url_set=True),
                    articles=(ArticleSourceConfig(paths=(tmp_path / "src", tmp_path / "nope"), name="x"),))
    with pytest.raises(InputError, match="does not exist") as caught:
        build(config)
    assert caught.value.origin == str(tmp_path / "nope")
    assert not (tmp_path / "out").exists()


def test_unwritable_output_raises_output_error(tmp_path: Path) -> None:
    from feedkit.errors import OutputError

    make_site(tmp_path / "src")
    out = tmp_path / "out"
    out.write_text("a file where the output folder should be", encoding="utf-8")
    with pytest.raises(OutputError) as info:
        build(config_for(tmp_path / "src", out))
    assert str(out) in str(info.value)


def test_output_does_not_depend_on_the_number_of_workers(tmp_path: Path) -> None:
    from dataclasses import replace

    for i in range(80):
        cats = ["News, World", "News", "Sport", "Tech"][i % 4]
        write_article(tmp_path / "src", f"{i:03d}.md", ARTICLE.format(title=f"A{i}", day=1 + i % 9, cats=cats))
    write_article(tmp_path / "src", "broken.md", "---\ntitle: [x\n---\nbody\n")
    base = config_for(tmp_path / "src", tmp_path / "one")
    one = build(replace(base, workers=1))
    two = build(replace(base, out=tmp_path / "two", workers=2))
    assert one.read == two.read == 81 and one.published == two.published == 80
    assert [str(p) for p in one.problems] == [str(p) for p in two.problems]
    first = {k: v[2] for k, v in snapshot(tmp_path / "one").items()}
    second = {k: v[2] for k, v in snapshot(tmp_path / "two").items()}
    assert first == second


def test_a_channel_that_cannot_be_written_does_not_stop_the_others(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    out = tmp_path / "out"
    (out / "category").mkdir(parents=True)
    (out / "category" / "sport").write_text("a file where the channel folder should be", encoding="utf-8")
    report = build(config_for(tmp_path / "src", out))
    assert [p.message.startswith("channel not written") for p in report.skipped] == [True]
    assert "sport" in report.skipped[0].origin
    assert (out / "category/news/rss.xml").is_file() and (out / "index.json").is_file()
    assert "sport" not in {c["channel"] for c in index(out)}
