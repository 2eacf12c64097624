"""Incremental builds: the parse cache, unchanged channels not rendered, nothing-changed builds.

Every test compares with what a cold build (``full=True``) of the same inputs writes: a cached
build must never change a byte of the output.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from feedkit.config.types import ArticleSourceConfig, ChannelsConfig, Config, SiteConfig
from feedkit.model import Severity
from feedkit.pipeline.build import build
from feedkit.store import Store

from .conftest import write_article

ARTICLE = """---
title: {title}
date: 2022-06-0{day} 10:00:00
categories: [{category}]
---
<p>Body of {title}, <span class="appendQr_wrap">QR</span> with a <a href="/x">link</a>.</p>
"""


def make_site(src: Path, count: int = 6) -> None:
    for i in range(count):
        category = ("金融", "科技", "体育")[i % 3]
        write_article(src, f"{category}/post-{i}.md", ARTICLE.format(title=f"Post {i}", day=1 + i % 9,
                                                                     category=category))


def config_for(src: Path, out: Path, **source: object) -> Config:
    return Config(
        out=out,
        site=SiteConfig(base_url="https://news.example.org/", base_url_set=True, timezone="Asia/Shanghai"),
        articles=(ArticleSourceConfig(**{"paths": (src,), "name": "news", "timezone": "Asia/Shanghai", **source}),),  # type: ignore[arg-type]
        channels=ChannelsConfig(tags=True),
        workers=1,
    )


def files_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def cold(config: Config, tmp_path: Path) -> dict[str, bytes]:
    """What a cold build of ``config`` writes, in a fresh output folder and store."""
    fresh = tmp_path / "cold"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    other = replace(config, out=fresh / "out", store=fresh / "store.sqlite")
    build(other, full=True)
    return files_of(other.out)


def cached_rows(config: Config) -> dict[str, str]:
    with Store.open(config.store_path) as store:
        return {rel: row.digest for rel, row in store.cached_articles("news").items()}


def test_nothing_changed_writes_nothing_and_reads_nothing(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    config = config_for(tmp_path / "src", tmp_path / "out")
    first = build(config)
    assert first.written and cached_rows(config).keys() == {f"{c}/post-{i}.md" for i, c in
                                                             enumerate(["金融", "科技", "体育"] * 2)}
    second = build(config)
    assert second.written == []
    assert sorted(second.unchanged) == sorted(first.written)
    assert (second.read, second.published, second.excluded) == (first.read, first.published, first.excluded)
    assert [c.slug for c in second.channels] == [c.slug for c in first.channels]
    assert second.summary() == first.summary().replace(f"files written {len(first.written)}, unchanged 0",
                                                      f"files written 0, unchanged {len(first.written)}")


def test_a_cached_build_is_byte_identical_to_a_full_build(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    config = config_for(tmp_path / "src", tmp_path / "out")
    build(config)
    write_article(tmp_path / "src", "金融/post-0.md", ARTICLE.format(title="Post 0 changed", day=1, category="金融"))
    (tmp_path / "src" / "体育" / "post-2.md").unlink()
    write_article(tmp_path / "src", "科技/new.md", ARTICLE.format(title="New", day=9, category="科技"))
    report = build(config)
    assert files_of(config.out) == cold(config, tmp_path)
    gone = [p for p in report.problems if "gone since the last build" in p.message]
    assert len(gone) == 1 and gone[0].severity is Severity.INFO and "体育/post-2.md" in gone[0].message


def test_one_changed_article_rewrites_only_its_channels(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    config = config_for(tmp_path / "src", tmp_path / "out")
    build(config)
    write_article(tmp_path / "src", "科技/post-1.md", ARTICLE.format(title="Post 1 v2", day=2, category="科技"))
    report = build(config)
    folders = {path.rsplit("/", 1)[0] for path in report.written if "/" in path}
    assert folders == {"all", "category/科技"}
    assert not any(path.startswith("category/金融") for path in report.written)
    assert files_of(config.out) == cold(config, tmp_path)


def test_identical_bytes_with_a_new_time_cost_a_hash_not_a_parse(tmp_path: Path) -> None:
    """The seed's crawler rewrites every file on every run: same bytes, new modification time."""
    make_site(tmp_path / "src")
    config = config_for(tmp_path / "src", tmp_path / "out")
    build(config)
    with Store.open(config.store_path) as store:
        before = {rel: row.mtime_ns for rel, row in store.cached_articles("news").items()}
    for path in (tmp_path / "src").rglob("*.md"):
        path.write_bytes(path.read_bytes())
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    report = build(config)
    assert report.written == []
    with Store.open(config.store_path) as store:
        after = {rel: row.mtime_ns for rel, row in store.cached_articles("news").items()}
    assert after.keys() == before.keys() and all(after[k] != before[k] for k in after)


def test_an_undated_article_is_read_again_when_only_its_time_changes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_article(src, "undated.md", "---\ntitle: Undated\n---\nbody\n")
    path = src / "undated.md"
    os.utime(path, (1_600_000_000, 1_600_000_000))
    config = config_for(src, tmp_path / "out")
    build(config)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    build(config)
    assert b"2023-11-14" in (config.out / "all" / "atom.xml").read_bytes()
    assert files_of(config.out) == cold(config, tmp_path)


@pytest.mark.parametrize("change", [
    {"timezone": "UTC"},
    {"drop_selectors": (".appendQr_wrap",)},
    {"drop_boilerplate": False},
    {"permalink": ":title/"},
    {"base_url": "https://blog.example.org/"},
    {"excerpt_length": 10},
    {"image_keys": ("cover",)},
    {"default_author": "Someone"},
    {"language": "zh-CN"},
    {"body": "markdown"},
])
def test_every_setting_that_changes_parsing_invalidates_the_cache(tmp_path: Path, change: dict[str, object]) -> None:
    make_site(tmp_path / "src")
    config = config_for(tmp_path / "src", tmp_path / "out")
    build(config)
    changed = config_for(tmp_path / "src", tmp_path / "out", **change)
    build(changed)
    assert files_of(changed.out) == cold(changed, tmp_path)


def test_an_output_file_changed_by_hand_is_written_again(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    config = config_for(tmp_path / "src", tmp_path / "out")
    build(config)
    target = config.out / "category" / "金融" / "rss.xml"
    target.write_bytes(b"tampered")
    (config.out / "all" / "feed.json").unlink()
    report = build(config)
    assert {"category/金融/rss.xml", "all/feed.json"} <= set(report.written)
    assert files_of(config.out) == cold(config, tmp_path)


def test_full_reads_everything_again(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    config = config_for(tmp_path / "src", tmp_path / "out")
    build(config)
    target = config.out / "all" / "rss.xml"
    stat = target.stat()
    report = build(config, full=True)
    assert report.written == [] and "all/rss.xml" in report.unchanged  # compared byte by byte, not rewritten
    assert target.stat().st_mtime_ns == stat.st_mtime_ns


def test_a_check_touches_no_store(tmp_path: Path) -> None:
    make_site(tmp_path / "src")
    config = config_for(tmp_path / "src", tmp_path / "out")
    build(config, dry_run=True)
    assert not config.store_path.exists()


def test_a_generator_site_root_is_cached_too(tmp_path: Path) -> None:
    """A site root's settings carry the build's clock (future posts): the cache must not key on it."""
    from feedkit.config.load import load_config

    from .conftest import EXAMPLES

    site = tmp_path / "site"
    shutil.copytree(EXAMPLES / "hexo-site", site)
    config_file = next(site.glob("feedkit.toml"), None)
    config = (load_config(config_file, out_override=tmp_path / "out") if config_file else
              Config(out=tmp_path / "out", articles=(ArticleSourceConfig(paths=(site,), name="site"),), workers=1))
    first = build(config)
    assert first.written and first.published
    second = build(config)
    assert second.written == [] and second.published == first.published
    with Store.open(config.store_path) as store:
        assert any(store.cached_articles(source.name) for source in config.articles)


def test_the_cache_holds_across_processes_whatever_their_hash_seed(tmp_path: Path) -> None:
    """Cache keys and fingerprints must not follow the per-process hash seed (``repr`` of a set does)."""
    import subprocess
    import sys

    make_site(tmp_path / "src", count=70)  # enough files for worker processes
    (tmp_path / "feedkit.toml").write_text(
        'out = "out"\n[site]\nbase_url = "https://news.example.org/"\n[[articles]]\nname = "src"\npaths = ["src"]\n'
        'timezone = "Asia/Shanghai"\nlanguage = "zh"\ndrop_boilerplate = false\nexcerpt_length = 90\n'
        'image_keys = ["cover"]\n', encoding="utf-8")
    command = [sys.executable, "-m", "feedkit", "build", "--config", str(tmp_path / "feedkit.toml"), "--json", "-q"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    first = subprocess.run(command, env={**env, "PYTHONHASHSEED": "1"}, capture_output=True, text=True, check=True)
    assert '"written": [\n    "' in first.stdout
    with Store.open(tmp_path / "out.feedkit.sqlite") as store:
        keys = {row.config_key for row in store.cached_articles("src").values()}
        fingerprint = store.build_value("input")
    for seed in ("2", "3", "4", "5"):
        again = subprocess.run(command, env={**env, "PYTHONHASHSEED": seed}, capture_output=True, text=True,
                               check=True)
        assert '"written": []' in again.stdout, seed
        with Store.open(tmp_path / "out.feedkit.sqlite") as store:
            assert {row.config_key for row in store.cached_articles("src").values()} == keys, seed
            assert store.build_value("input") == fingerprint, seed
