"""The bundled example is built by the tests, so it cannot rot."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from feedkit.config.load import load_config
from feedkit.pipeline.build import build

from .conftest import EXAMPLES


def test_example_site_builds_cleanly(tmp_path: Path) -> None:
    config = load_config(EXAMPLES / "site" / "feedkit.toml", out_override=tmp_path / "out")
    assert config.store_path == tmp_path / "out.feedkit.sqlite"
    report = build(config)
    assert report.skipped == [], [str(p) for p in report.skipped]
    assert report.excluded == 2  # one draft in news/, one in blog/
    assert report.published == 24  # 17 articles + 5 feed entries - 1 agency copy of a local article + 3 episodes
    assert {s.name: s.status for s in report.sources} == {"agency": "ok", "partner": "ok", "radio": "ok"}
    channels = {c["channel"]: c for c in json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))}
    assert channels["finance"]["category"] == ["金融"]
    assert channels["finance/示例财经/示例财经-国內"]["entries"] == 4  # alias merged into one channel
    assert not any("国内" in slug for slug in channels)
    assert channels["tech"]["entries"] == 5
    titles = [e.title for e in feedparser.parse((tmp_path / "out" / "all/rss.xml").read_bytes()).entries]
    assert len(titles) == 24 and not any("五月份制造业" in t for t in titles)
    assert titles.count("前5个月铁路货运量保持增长 大宗物资运输总体平稳") == 1
    assert any("{试点}" in t for t in titles)
    podcast = feedparser.parse((tmp_path / "out" / channels["播客"]["files"]["rss"]).read_bytes())
    assert [(e.itunes_episode, e.enclosures[0].href, e.enclosures[0].length) for e in podcast.entries] == [
        ("3", "https://cdn.radio.example.org/ep3.mp3", "24512000"),
        ("2", "https://cdn.radio.example.org/ep2.mp3", "30110000"),
        ("1", "https://cdn.radio.example.org/ep1.mp3", "12040000"),
    ]  # three episodes that share the show's link, each with its audio
    second = build(config)
    assert second.written == []


def test_hexo_site_example_is_read_as_hexo_builds_it(tmp_path: Path) -> None:
    """examples/hexo-site: a site root read the Hexo way, links as hexo-abbrlink makes them."""
    from click.testing import CliRunner

    from feedkit.cli import main

    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(EXAMPLES / "hexo-site"), "--out", str(out),
                                       "--base-url", "https://news.example.org/feeds/"])
    assert result.exit_code == 0, result.output
    assert "hexo site, config" in result.output and "_引号变成下划线_.md: not published by Hexo" in result.output
    feed = json.loads((out / "all" / "feed.json").read_text(encoding="utf-8"))
    assert feed["title"] == "示例新闻" and feed["home_page_url"] == "https://news.example.org/"
    assert [(i["url"], i["date_published"]) for i in feed["items"]] == [
        ("https://news.example.org/p/hello.html", "2022-06-08T01:00:00Z"),
        ("https://news.example.org/p/74e0.html", "2022-06-07T07:07:31Z"),  # crc16 of the title, Asia/Shanghai
    ]
    category = (out / "category" / "科技" / "rss.xml").read_text(encoding="utf-8")
    assert "<link>https://news.example.org/categories/%E7%A7%91%E6%8A%80/</link>" in category
    hidden = CliRunner().invoke(main, ["build", str(EXAMPLES / "hexo-site"), "--out", str(tmp_path / "all"),
                                       "--publish-hidden", "--generator", "hexo"])
    assert hidden.exit_code == 0 and "published 3" in hidden.output


def test_transforms_example_rewrites_entries(tmp_path: Path) -> None:
    config = load_config(EXAMPLES / "transforms" / "feedkit.toml", out_override=tmp_path / "out")
    report = build(config)
    assert report.skipped == [], [str(p) for p in report.skipped]
    feed = json.loads((tmp_path / "out" / "all" / "feed.json").read_text(encoding="utf-8"))
    titles = [item["title"] for item in feed["items"]]
    assert "“稳岗扩就业”多地加大中小企业吸纳就业补贴力度" in titles
    assert not any(title.startswith("_") for title in titles)
    assert not any("铁路货运" in title for title in titles)
    images = [item["image"] for item in feed["items"] if "image" in item]
    assert images and all(url.startswith("https://img-proxy.example.org/?url=https%3A%2F%2Fimg.example.cn")
                          for url in images)
    sources = re.findall(r'src="([^"]+)"', "".join(item.get("content_html", "") for item in feed["items"]))
    assert sources and all(src.startswith("https://img-proxy.example.org/?url=") for src in sources)
    channels = {c["channel"]: c for c in json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))}
    topic = next(c for slug, c in channels.items() if c.get("category") == ["专题", "就业"])
    assert topic["entries"] >= 1


def test_the_systemd_template_for_several_daemons_is_consistent(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """examples/systemd/feedkit@.service (docs/scale.md): names the real command, valid options, the config and
    environment file it installs; the environment file and the config make a shared store and a bucket."""
    from feedkit.cli import main
    from feedkit.daemon.service import DaemonSettings

    folder = EXAMPLES / "systemd"
    text = (folder / "feedkit@.service").read_text(encoding="utf-8")
    settings = _unit_settings(text)
    arguments = shlex.split(settings["ExecStart"][0])
    assert arguments[:2] == ["/usr/local/bin/feedkit", "run"]
    known = {opt for param in main.commands["run"].params for opt in getattr(param, "opts", ())}
    assert {arg for arg in arguments if arg.startswith("--")} <= known
    assert "--serve" not in arguments  # a bucket output: nothing local to serve
    config_path = arguments[arguments.index("--config") + 1]
    assert f"install -D -m 644 shared.toml {config_path}" in text
    environment_file = settings["EnvironmentFile"][0]
    assert f"install -D -m 600 feedkit.env {environment_file}" in text
    assert settings["ExecReload"] == ["/bin/kill -HUP $MAINPID"] and settings["Restart"] == ["on-failure"]
    assert settings["KillSignal"] == ["SIGTERM"]
    assert int(settings["TimeoutStopSec"][0]) > DaemonSettings().stop_grace + 10  # room to release the leases
    environment = dict(line.split("=", 1) for line in (folder / "feedkit.env").read_text(encoding="utf-8").splitlines()
                       if line and not line.startswith("#"))
    assert set(environment) == {"FEEDKIT_STORE_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                "AWS_DEFAULT_REGION"}
    monkeypatch.setenv("FEEDKIT_STORE_URL", environment["FEEDKIT_STORE_URL"])
    config = load_config(folder / "shared.toml")
    assert config.store_url == environment["FEEDKIT_STORE_URL"] and config.store_url.startswith("postgresql://")
    assert config.to_bucket and config.store_lease_seconds == 300
    assert [feed.interval for feed in config.feeds] == [900, 3600]
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:  # systemd's own parser: every key known, every value valid
        unit = tmp_path / "feedkit@.service"
        unit.write_text(text.replace("/usr/local/bin/feedkit", f"{sys.executable} -m feedkit"), encoding="utf-8")
        done = subprocess.run([analyze, "verify", str(tmp_path / "feedkit@1.service")], capture_output=True,
                              text=True, timeout=60, check=False)
        assert [line for line in done.stderr.splitlines() if "feedkit@" in line] == [], done.stderr


def _unit_settings(text: str) -> dict[str, list[str]]:
    """A systemd unit's ``Key=value`` lines (continuations joined), every section together."""
    settings: dict[str, list[str]] = {}
    for line in text.replace("\\\n", " ").splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings
