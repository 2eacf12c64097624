"""The command line, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import feedparser

from .conftest import SEED, need_shared, write_article

SEED_TITLE = "_纾困帮扶 益企惠企_助力中小企业渡难关、谋发展——国家发展改革委积极开展中小企业服务月活动"


def feedkit(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feedkit", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_seed_acceptance(tmp_path: Path) -> None:
    """`feedkit build ../shared/seeds --out /tmp/o --base-url https://news.example.org/` (issue 2, done-when)."""
    seeds = need_shared(SEED).parent
    out = tmp_path / "o"
    result = feedkit("build", seeds, "--out", out, "--base-url", "https://news.example.org/")
    assert result.returncode == 0, result.stderr
    assert "read 1, published 1" in result.stdout
    channels = {c["channel"]: c for c in json.loads((out / "index.json").read_text(encoding="utf-8"))}
    by_category = {tuple(c["category"] or ()): c for c in channels.values()}
    assert set(by_category) == {(), ("金融",), ("金融", "新浪财经"), ("金融", "新浪财经", "新浪财经－国內")}
    for channel in channels.values():
        assert channel["entries"] == 1
        for fmt in ("rss", "atom"):
            parsed = feedparser.parse((out / channel["files"][fmt]).read_bytes())
            assert not parsed.bozo, parsed.bozo_exception
            (entry,) = parsed.entries
            assert entry.title == SEED_TITLE
            assert entry.published_parsed[:6] == (2022, 6, 7, 7, 7, 31)
            content = entry.content[0].value
            for gone in ("<style", "appendQr", "343233024.png", "<!--", "责任编辑", "&#123;"):
                assert gone not in content
            assert "8502-e565c9b2b8ed2f0de45aca6c5d51810e.png" in content
            raw = (out / channel["files"][fmt]).read_text(encoding="utf-8")
            assert 'referrerpolicy="no-referrer"' in raw  # feedparser's own sanitizer drops it
            assert len(entry.summary) <= 140
            assert entry.link.startswith("https://news.example.org/")
            images = [link.href for link in entry.links if link.rel == "enclosure"]
            assert images == ["https://n.sinaimg.cn/finance/crawl/51/w550h301/20220607/"
                              "8502-e565c9b2b8ed2f0de45aca6c5d51810e.png"]
        feed = json.loads((out / channel["files"]["json"]).read_text(encoding="utf-8"))
        assert feed["items"][0]["date_published"] == "2022-06-07T07:07:31Z"


def test_build_without_config_and_rebuild_is_unchanged(tmp_path: Path) -> None:
    write_article(tmp_path / "posts", "a.md", "---\ntitle: A\ndate: 2022-06-07 15:07:31\ncategories: 金融\n---\nhi\n")
    args = ("build", tmp_path / "posts", "--out", tmp_path / "out", "--base-url", "https://x.org/",
            "--timezone", "Asia/Shanghai")
    first = feedkit(*args)
    assert first.returncode == 0, first.stderr
    second = feedkit(*args)
    assert second.returncode == 0
    assert "files written 0" in second.stdout and "unchanged 10" in second.stdout  # 2 channels x 3 + 4 index files
    parsed = feedparser.parse((tmp_path / "out/all/atom.xml").read_bytes())
    assert parsed.entries[0].published == "2022-06-07T07:07:31Z"


def test_skipped_files_get_one_line_and_strict_exits_1(tmp_path: Path) -> None:
    write_article(tmp_path / "posts", "good.md", "---\ntitle: A\ndate: 2022-06-07\n---\nhi\n")
    bad = write_article(tmp_path / "posts", "bad.md", "---\ntitle: [x\n---\nhi\n")
    result = feedkit("build", tmp_path / "posts", "--out", tmp_path / "out", "--base-url", "https://x.org/")
    assert result.returncode == 0
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == 1 and str(bad) in skipped[0]
    strict = feedkit("build", tmp_path / "posts", "--out", tmp_path / "out", "--strict")
    assert strict.returncode == 1


def test_bad_usage_exits_2_naming_the_key(tmp_path: Path) -> None:
    assert feedkit("build", tmp_path, "--out", tmp_path / "o", "--timezone", "Mars/Base").returncode == 2
    result = feedkit("build", tmp_path, "--out", tmp_path / "o", "--base-url", "ftp://x")
    assert result.returncode == 2 and "--base-url" in result.stderr
    result = feedkit("build", tmp_path)
    assert result.returncode == 2 and "--out" in result.stderr
    (tmp_path / "f.toml").write_text('out = "o"\n[site]\nbogus = 1\n', encoding="utf-8")
    result = feedkit("build", "--config", tmp_path / "f.toml")
    assert result.returncode == 2 and "site.bogus" in result.stderr
    result = feedkit("build", tmp_path, "--out", tmp_path / "o", "--drop-selector", "p[[")
    assert result.returncode == 2 and "--drop-selector" in result.stderr


def test_check_writes_nothing_and_reports(tmp_path: Path) -> None:
    write_article(tmp_path / "posts", "bad.md", "---\ntitle: A\ndate: someday\n---\nhi\n")
    result = feedkit("check", tmp_path / "posts", "--strict", cwd=tmp_path)
    assert result.returncode == 1 and "someday" in result.stderr
    assert "nothing written" in result.stdout
    assert not (tmp_path / "feedkit-check-out").exists()


def test_json_report(tmp_path: Path) -> None:
    write_article(tmp_path / "posts", "a.md", "---\ntitle: A\ndate: 2022-06-07\n---\nhi\n")
    result = feedkit("build", tmp_path / "posts", "--out", tmp_path / "out", "--json", "-q")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["published"] == 1 and data["channels"][0]["slug"] == "all"


def test_version_and_help() -> None:
    assert feedkit("--version").stdout.startswith("feedkit")
    for command in ("build", "check"):
        assert feedkit(command, "--help").returncode == 0
