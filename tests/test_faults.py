"""Faults from outside: planted symlinks, vanished sources, full disks, damaged stores, two builds at once.

Each test names the protection it checks and fails when that protection is removed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from feedkit.config.types import ArticleSourceConfig, ChannelsConfig, Config, SiteConfig
from feedkit.errors import InputError, OutputError, StoreError
from feedkit.output.write import write_if_changed
from feedkit.pipeline.build import build
from feedkit.store import Store

from .conftest import REPO, write_article

ARTICLE = """---
title: Post {i}
date: 2022-06-{day:02d} 10:00:00
categories: [{category}]
---
<p>Body of post {i}.</p>
"""


def make_posts(src: Path, count: int = 8) -> None:
    for i in range(count):
        write_article(src, f"post-{i}.md", ARTICLE.format(i=i, day=1 + i % 28, category=("news", "tech")[i % 2]))


def config_for(src: Path, out: Path, **source: object) -> Config:
    return Config(
        out=out,
        site=SiteConfig(base_url="https://news.example.org/", base_url_set=True),
        articles=(ArticleSourceConfig(**{"paths": (src,), "name": "posts", **source}),),  # type: ignore[arg-type]
        channels=ChannelsConfig(archive=True, archive_page_size=3, entry_limit=3),
        workers=1,
    )


def files_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def feedkit(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "feedkit", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


@pytest.fixture
def site(tmp_path: Path) -> Config:
    make_posts(tmp_path / "posts")
    return config_for(tmp_path / "posts", tmp_path / "out")


# ---------------------------------------------------------------- planted symlinks


@pytest.mark.parametrize("full", [False, True])
def test_a_symlinked_output_file_is_replaced_not_written_through(site: Config, tmp_path: Path, full: bool) -> None:
    build(site)
    clean = files_of(site.out)
    victim = tmp_path / "victim.xml"
    victim.write_bytes(b"not yours")
    (site.out / "all" / "rss.xml").unlink()
    (site.out / "all" / "rss.xml").symlink_to(victim)
    report = build(site, full=full)  # without --full, the nothing-changed shortcut must notice the link
    assert victim.read_bytes() == b"not yours"
    assert not (site.out / "all" / "rss.xml").is_symlink()
    assert files_of(site.out) == clean  # the channel stays published and the indexes list it as before
    assert "all" in [c.slug for c in report.channels]
    named = [p for p in report.warnings if "symlink" in p.message]
    assert [p.origin for p in named] == [str(site.out / "all" / "rss.xml")]
    assert str(victim) in named[0].message


def test_a_symlinked_file_with_the_same_stat_is_still_noticed(site: Config, tmp_path: Path) -> None:
    """The shortcut compares size and mtime: a link made to look like the file must still count as a change."""
    build(site)
    target = min((p for p in site.out.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    copy = tmp_path / "elsewhere"
    shutil.copy2(target, copy)
    info = target.stat()
    link = str(copy)
    assert len(link) < info.st_size < 4000
    link = "/" * (info.st_size - len(link)) + link  # the link's own size equals the file's
    target.unlink()
    target.symlink_to(link)
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns), follow_symlinks=False)
    assert os.lstat(target).st_size == info.st_size and os.lstat(target).st_mtime_ns == info.st_mtime_ns
    build(site)
    assert not target.is_symlink()


def test_a_symlinked_channel_folder_is_replaced_by_a_real_one(site: Config, tmp_path: Path) -> None:
    build(site)
    clean = files_of(site.out)
    outside = tmp_path / "outside"
    shutil.move(site.out / "category" / "news", outside)  # same files, same stat, now behind a link
    (site.out / "category" / "news").symlink_to(outside, target_is_directory=True)
    before = files_of(outside)
    report = build(site)
    assert files_of(outside) == before  # nothing written through the link
    assert (site.out / "category" / "news").is_dir() and not (site.out / "category" / "news").is_symlink()
    assert files_of(site.out) == clean
    assert any("category/news/" in p.message and "symlink" in p.message for p in report.warnings)


def test_a_symlink_loop_where_a_folder_goes_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "all").symlink_to("all")
    replaced: list[str] = []
    assert write_if_changed(out, "all/rss.xml", b"x", replaced=replaced) is True
    assert (out / "all" / "rss.xml").read_bytes() == b"x"
    assert replaced == ["all/ -> all"]


def test_a_regular_file_where_a_folder_goes_is_an_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "all").write_bytes(b"a file")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        write_if_changed(out, "all/rss.xml", b"x")
    assert (out / "all").read_bytes() == b"a file"


# ---------------------------------------------------------------- a source that vanished or shrank


def test_a_mistyped_article_folder_fails_and_leaves_the_output_untouched(tmp_path: Path) -> None:
    make_posts(tmp_path / "posts")
    assert feedkit("build", "posts", "--out", "public", cwd=tmp_path).returncode == 0
    before = files_of(tmp_path / "public")
    done = feedkit("build", "posts-typo/", "--out", "public", cwd=tmp_path)
    assert done.returncode != 0
    assert "posts-typo" in done.stderr and "does not exist" in done.stderr
    assert "previous output is left as it was" in done.stderr
    assert files_of(tmp_path / "public") == before


def test_an_unreadable_article_folder_fails_and_leaves_the_output_untouched(
        site: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """An NFS mount gone stale: the folder is there but cannot be listed."""
    build(site)
    before = files_of(site.out)
    real_scandir = os.scandir
    posts = site.articles[0].paths[0]

    def stale(path: Any = ".") -> Any:
        if Path(path) == posts:
            raise OSError(116, "Stale file handle", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", stale)
    with pytest.raises(InputError, match="Stale file handle") as caught:
        build(site)
    assert str(posts) in str(caught.value)
    monkeypatch.undo()
    assert files_of(site.out) == before


def test_a_source_that_lost_more_than_half_its_files_is_held_back(site: Config) -> None:
    build(site)
    before = files_of(site.out)
    posts = site.articles[0].paths[0]
    for path in sorted(posts.glob("*.md"))[:5]:  # 5 of 8 gone: an emptied mount, a bad sync
        path.unlink()
    for attempt in range(2):  # refused every time until accepted: nothing was remembered meanwhile
        with pytest.raises(InputError, match=r"5 of its 8 article files are gone") as caught:
            build(site)
        assert str(posts) in str(caught.value) and "allow_shrink" in str(caught.value)
        assert files_of(site.out) == before, attempt
    report = build(replace(site, articles=(replace(site.articles[0], allow_shrink=True),)))
    assert report.published == 3
    build(site)  # the new size is the normal one now


def test_an_emptied_folder_is_held_back_too(tmp_path: Path) -> None:
    make_posts(tmp_path / "posts")
    assert feedkit("build", "posts", "--out", "public", cwd=tmp_path).returncode == 0
    before = files_of(tmp_path / "public")
    shutil.rmtree(tmp_path / "posts")
    (tmp_path / "posts").mkdir()  # the mount point without its mount
    done = feedkit("build", "posts", "--out", "public", cwd=tmp_path)
    assert done.returncode != 0 and "shrank sharply" in done.stderr and "--allow-shrink" in done.stderr
    assert files_of(tmp_path / "public") == before
    assert feedkit("build", "posts", "--out", "public", "--allow-shrink", cwd=tmp_path).returncode == 0


def test_removing_a_few_files_needs_no_permission(site: Config) -> None:
    build(site)
    posts = site.articles[0].paths[0]
    for path in sorted(posts.glob("*.md"))[:4]:  # exactly half: fine
        path.unlink()
    assert build(site).published == 4
