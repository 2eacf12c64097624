"""Faults from outside: planted symlinks, vanished sources, full disks, damaged stores, two builds at once.

Each test names the protection it checks and fails when that protection is removed.
"""

from __future__ import annotations

import json
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
from xml.etree import ElementTree

import pytest

from feedkit.config.types import ArticleSourceConfig, ChannelsConfig, Config, SiteConfig
from feedkit.daemon.lock import StoreLock
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


# ---------------------------------------------------------------- store faults


def built_site(tmp_path: Path) -> Path:
    make_posts(tmp_path / "posts")
    done = feedkit("build", "posts", "--out", "public", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path / "public.feedkit.sqlite"


def damage(store: Path, how: str) -> None:
    if how == "corrupt":
        data = bytearray(store.read_bytes())
        data[:100] = b"\x00garbage" * 12 + b"\x00" * 4  # the header and the first page's start
        store.write_bytes(bytes(data))
    elif how == "truncated":
        with sqlite3.connect(store) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        data = store.read_bytes()
        store.write_bytes(data[: len(data) // 2 + 100])
    elif how == "newer":
        with sqlite3.connect(store) as connection:
            connection.execute("PRAGMA user_version = 99")
    else:
        raise ValueError(how)


@pytest.mark.parametrize("how", ["corrupt", "truncated", "newer"])
def test_a_damaged_store_is_a_clear_error_with_the_recovery(tmp_path: Path, how: str) -> None:
    store = built_site(tmp_path)
    before = files_of(tmp_path / "public")
    damage(store, how)
    write_article(tmp_path / "posts", "new.md", ARTICLE.format(i=99, day=28, category="news"))
    done = feedkit("build", "posts", "--out", "public", cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert str(store) in done.stderr and "feedkit store rebuild" in done.stderr, done.stderr
    assert files_of(tmp_path / "public") == before
    checked = feedkit("store", "check", "--out", "public", cwd=tmp_path)
    assert checked.returncode == 3 and str(store) in checked.stderr, checked
    rebuilt = feedkit("store", "rebuild", "posts", "--out", "public", cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert ("moved" in rebuilt.stderr and "lost" in rebuilt.stderr) or "gone" in rebuilt.stderr
    assert list(tmp_path.glob("public.feedkit.sqlite.damaged-*"))
    assert feedkit("store", "check", "--out", "public", cwd=tmp_path).returncode == 0
    fresh = tmp_path / "fresh"
    assert feedkit("build", "posts", "--out", fresh, cwd=tmp_path).returncode == 0
    assert files_of(tmp_path / "public") == files_of(fresh)


def test_store_check_passes_a_healthy_store(tmp_path: Path) -> None:
    built_site(tmp_path)
    done = feedkit("store", "check", "--out", "public", cwd=tmp_path)
    assert done.returncode == 0 and ": ok (" in done.stdout and "articles 8" in done.stdout


def test_a_locked_store_names_the_file_and_what_to_do(tmp_path: Path) -> None:
    store = built_site(tmp_path)
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # e.g. a sqlite3 shell left in a write transaction
    try:
        with Store.open(store, busy_timeout=0.2) as opened, pytest.raises(StoreError) as caught:
            opened.cache_articles("posts", [])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(store) in str(caught.value) and "locked by another process" in str(caught.value)
    assert "try again" in str(caught.value)


def test_a_second_build_on_the_same_output_refuses_at_once(tmp_path: Path) -> None:
    store = built_site(tmp_path)
    before = files_of(tmp_path / "public")
    write_article(tmp_path / "posts", "new.md", ARTICLE.format(i=99, day=28, category="news"))
    with StoreLock.acquire(store):  # a build (or the daemon) in progress
        done = feedkit("build", "posts", "--out", "public", cwd=tmp_path)
        assert done.returncode == 3
        assert f"pid {os.getpid()}" in done.stderr and "already running" in done.stderr
        assert files_of(tmp_path / "public") == before
        other_store = feedkit("build", "posts", "--out", "public", "--store", tmp_path / "other.sqlite",
                              cwd=tmp_path)
        assert other_store.returncode == 3 and "already running" in other_store.stderr  # same output folder
    assert feedkit("build", "posts", "--out", "public", cwd=tmp_path).returncode == 0


# ---------------------------------------------------------------- the file system says no


@contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` (root only); skips the test where it cannot be made."""
    where.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


BIG = "<p>" + "lorem ipsum dolor sit amet " * 2000 + "</p>"


@pytest.mark.parametrize("store_on", ["same disk", "other disk"])
def test_a_full_disk_leaves_the_old_files_intact_and_says_so(tmp_path: Path, store_on: str) -> None:
    make_posts(tmp_path / "posts")
    with small_tmpfs(tmp_path / "disk", "400k") as disk:
        out = disk / "public"  # the store beside it, on the same small disk (the default), or elsewhere
        store = disk / "public.feedkit.sqlite" if store_on == "same disk" else tmp_path / "store.sqlite"
        done = feedkit("build", "posts", "--out", out, "--store", store, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        before = files_of(out)
        for i in range(8):  # each ~50 KB, shown in several channels and formats: far more than is left
            write_article(tmp_path / "posts", f"big-{i}.md", ARTICLE.format(i=100 + i, day=20 + i, category="news")
                          .replace("<p>Body", BIG + "<p>Body"))
        done = feedkit("build", "posts", "--out", out, "--store", store, cwd=tmp_path)
        assert done.returncode == 3, done.stderr
        if store_on == "same disk":  # the parse cache fills it first
            assert f"{store}: cannot write the store: database or disk is full" in done.stderr, done.stderr
            assert "Nothing was committed" in done.stderr and "free some space" in done.stderr
        else:
            assert "No space left on device" in done.stderr and str(out) in done.stderr, done.stderr
            assert "every file in the output folder is still its old or its new complete version" in done.stderr
        after = files_of(out)
        assert set(after) == set(before)  # no temporary file left, nothing new half-written
        assert after[INDEX] == before[INDEX]
        for path, data in after.items():
            parse_output(path, data)
        assert check_integrity(store)
        subprocess.run(["mount", "-o", "remount,size=16m", str(disk)], check=True)  # space freed
        assert feedkit("build", "posts", "--out", out, "--store", store, cwd=tmp_path).returncode == 0
        assert feedkit("build", "posts", "--out", tmp_path / "fresh", cwd=tmp_path).returncode == 0
        assert files_of(out) == files_of(tmp_path / "fresh")


def test_a_read_only_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    make_posts(tmp_path / "posts")
    with small_tmpfs(tmp_path / "disk", "4m") as disk:
        out = disk / "public"
        store = tmp_path / "store.sqlite"
        assert feedkit("build", "posts", "--out", out, "--store", store, cwd=tmp_path).returncode == 0
        before = files_of(out)
        remounted = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True)
        if remounted.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remounted.stderr.strip()}")
        write_article(tmp_path / "posts", "new.md", ARTICLE.format(i=99, day=28, category="news"))
        done = feedkit("build", "posts", "--out", out, "--store", store, cwd=tmp_path)
        assert done.returncode == 3
        assert "Read-only file system" in done.stderr and str(out) in done.stderr, done.stderr
        assert "remount it read-write or choose another --out" in done.stderr
        assert files_of(out) == before
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        assert feedkit("build", "posts", "--out", out, "--store", store, cwd=tmp_path).returncode == 0


INDEX = "index.json"


def parse_output(path: str, data: bytes) -> None:
    """Every output file is complete: it parses as what its name says."""
    if path.endswith(".json"):
        json.loads(data)
    elif path.endswith((".xml", ".opml", ".xsl")):
        ElementTree.fromstring(data)
    else:
        assert data.rstrip().endswith(b"</html>"), path


def check_integrity(store: Path) -> bool:
    with sqlite3.connect(store) as connection:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")] == ["ok"]
