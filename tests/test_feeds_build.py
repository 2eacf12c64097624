"""Articles + upstream feeds through build(): the upstream issue's acceptance scenario.

Real HTTP server on 127.0.0.1, real SQLite store, real files; ``now`` moves forward between
builds so feeds become due again (no sleeping).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser

from feedkit.config.types import ArticleSourceConfig, Config, FetchConfig, SiteConfig, UpstreamSourceConfig
from feedkit.pipeline.build import build

from .conftest import write_article
from .httpserver import Upstream

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
BASE = "https://news.example.org/"


def rss(items: list[tuple[str, str, str, str]], title: str = "Upstream") -> bytes:
    """items: (guid, title, link, pubDate)."""
    body = "".join(
        f"<item><guid>{g}</guid><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate>"
        f"<description>&lt;p&gt;{t} — body text.&lt;/p&gt;</description><category>World</category></item>"
        for g, t, link, d in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://up.example/</link><description>d</description>{body}</channel></rss>").encode()


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Agency</title><id>urn:agency</id>
<updated>2022-06-08T00:00:00Z</updated><link href="https://agency.example/"/>
<entry><id>urn:agency:1</id><title>央行发布新一期货币政策报告</title><link href="https://agency.example/1"/>
<updated>2022-06-08T01:00:00Z</updated><summary>报告全文。</summary><category term="金融"/></entry>
</feed>"""


def site(tmp: Path) -> Path:
    src = tmp / "articles"
    write_article(src, "金融/local-story.md", (
        "---\ntitle: 国家发展改革委积极开展中小企业服务月活动\ndate: Tue, 07 Jun 2022 07:07:31 GMT\n"
        "categories: [金融]\npermalink: 2022/06/07/local-story/\n---\n<p>本地文章正文。</p>\n"))
    write_article(src, "科技/other.md", (
        "---\ntitle: 另一篇本地文章\ndate: 2022-06-06 10:00:00\ncategories: [科技]\n---\n<p>正文。</p>\n"))
    return src


def config_for(tmp: Path, server: Upstream) -> Config:
    def feed(name: str, path: str, **kw: object) -> UpstreamSourceConfig:
        return UpstreamSourceConfig(url=server.url(path), name=name, **kw)  # type: ignore[arg-type]

    return Config(
        out=tmp / "out",
        site=SiteConfig(title="T", base_url=BASE, base_url_set=True),
        articles=(ArticleSourceConfig(paths=(site(tmp),), name="local"),),
        feeds=(
            feed("planet", "/planet.xml", categories=(("聚合",),)),
            feed("agency", "/agency.atom"),
            feed("flaky", "/flaky.xml"),
        ),
        fetch=FetchConfig(allow_hosts=(server.host,), timeout=5),
    )


def serve_initial(server: Upstream) -> None:
    server.route("/planet.xml", rss([
        # the local article again, through an aggregator, with tracking parameters
        ("p1", "国家发展改革委积极开展中小企业服务月活动", f"{BASE}2022/06/07/local-story/?utm_source=planet",
         "Tue, 07 Jun 2022 09:00:00 GMT"),
        ("p2", "Planet-only story", "https://elsewhere.example/p2", "Wed, 08 Jun 2022 10:00:00 GMT"),
    ]), etag='"planet-1"')
    server.route("/agency.atom", ATOM.encode(), headers={"Content-Type": "application/atom+xml"},
                 last_modified="Wed, 08 Jun 2022 01:00:00 GMT")
    server.route("/flaky.xml", rss([("f1", "Flaky story", "https://flaky.example/1", "Thu, 09 Jun 2022 10:00:00 GMT")]),
                 etag='"flaky-1"')


def titles(out: Path, rel: str = "all/atom.xml") -> list[str]:
    return [e.title for e in feedparser.parse((out / rel).read_bytes()).entries]


def files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_upstream_scenario(tmp_path: Path) -> None:
    with Upstream.running() as server:
        serve_initial(server)
        config = config_for(tmp_path, server)
        port = server.port
        first = build(config, now=T0)
        assert first.ok, [str(p) for p in first.skipped]
        all_titles = titles(config.out)
        assert all_titles.count("国家发展改革委积极开展中小企业服务月活动") == 1  # the duplicate collapsed
        assert {"Planet-only story", "央行发布新一期货币政策报告", "Flaky story", "另一篇本地文章"} <= set(all_titles)
        assert len(all_titles) == 5
        # the local article won and remembers the aggregator's copy
        atom = feedparser.parse((config.out / "all/atom.xml").read_bytes())
        local = next(e for e in atom.entries if e.title.startswith("国家发展改革委"))
        assert local.link == f"{BASE}2022/06/07/local-story/"
        assert [link.href for link in local.links if link.rel == "via"] == [
            f"{BASE}2022/06/07/local-story/?utm_source=planet"]
        channels = {c["channel"]: c for c in json.loads((config.out / "index.json").read_text(encoding="utf-8"))}
        assert channels["金融"]["entries"] == 2  # the local article + the agency's entry (its own category)
        assert {s.name: s.status for s in first.sources} == {"planet": "ok", "agency": "ok", "flaky": "ok"}

        # unchanged upstreams: only conditional requests, all 304, nothing rewritten
        before = files(config.out)
        second = build(config, now=T0 + timedelta(hours=1))
        assert second.written == []
        assert {s.outcome for s in second.sources} == {"not modified"}
        assert server.requests["/planet.xml"][-1].get("if-none-match") == '"planet-1"'
        assert server.requests["/agency.atom"][-1].get("if-modified-since") == "Wed, 08 Jun 2022 01:00:00 GMT"
        assert files(config.out) == before

        # one upstream starts failing: its earlier entries stay, nothing changes
        server.route("/flaky.xml", b"oops", status=500)
        third = build(config, now=T0 + timedelta(hours=2))
        assert "Flaky story" in titles(config.out)
        assert third.written == []
        assert {s.name: s.status for s in third.sources}["flaky"] == "failing"
        assert any("flaky.xml" in p.origin and "500" in p.message for p in third.skipped)

    # the whole upstream server is gone: output unchanged
    down = build(config, now=T0 + timedelta(hours=8))
    assert down.written == [] and files(config.out) == before
    assert all(s.status == "failing" for s in down.sources)

    # it comes back with a new item: the item is added
    with Upstream.running(port=port) as server:
        serve_initial(server)
        server.route("/planet.xml", rss([
            ("p2", "Planet-only story", "https://elsewhere.example/p2", "Wed, 08 Jun 2022 10:00:00 GMT"),
            ("p3", "A brand new planet story", "https://elsewhere.example/p3", "Fri, 10 Jun 2022 10:00:00 GMT"),
        ]), etag='"planet-2"')
        back = build(config, now=T0 + timedelta(days=2))
        assert back.ok, [str(p) for p in back.skipped]
        now_titles = titles(config.out)
        assert now_titles[0] == "A brand new planet story"
        assert "国家发展改革委积极开展中小企业服务月活动" in now_titles  # p1 left the planet feed: the local one stays
        assert "Planet-only story" in now_titles
        assert all(s.status == "ok" for s in back.sources)


def test_feed_that_is_not_a_feed_is_reported_and_the_rest_published(tmp_path: Path) -> None:
    with Upstream.running() as server:
        serve_initial(server)
        server.route("/agency.atom", b"<!DOCTYPE html><html><body>Login</body></html>",
                     headers={"Content-Type": "text/html"})
        config = config_for(tmp_path, server)
        report = build(config, now=T0)
        problems = [p for p in report.skipped if "agency.atom" in p.origin]
        assert len(problems) == 1 and "html" in problems[0].message.lower()
        assert "Planet-only story" in titles(config.out)


def test_gone_feed_is_retired_and_keeps_its_entries(tmp_path: Path) -> None:
    with Upstream.running() as server:
        serve_initial(server)
        config = config_for(tmp_path, server)
        build(config, now=T0)
        server.route("/flaky.xml", b"", status=410)
        report = build(config, now=T0 + timedelta(hours=1))
        assert {s.name: s.status for s in report.sources}["flaky"] == "retired"
        assert "Flaky story" in titles(config.out)
        hits = server.hits["/flaky.xml"]
        build(config, now=T0 + timedelta(days=3))
        assert server.hits["/flaky.xml"] == hits  # never polled again


def test_local_feed_file_and_check_does_not_touch_the_store(tmp_path: Path) -> None:
    feed_file = tmp_path / "local.xml"
    feed_file.write_bytes(rss([("l1", "From a file", "https://file.example/1", "Tue, 07 Jun 2022 09:00:00 GMT")]))
    config = Config(out=tmp_path / "out", site=SiteConfig(base_url=BASE, base_url_set=True),
                    feeds=(UpstreamSourceConfig(url=str(feed_file), name="file", is_local=True),))
    checked = build(config, dry_run=True, now=T0)
    assert checked.published == 1 and not config.store_path.exists()
    built = build(config, now=T0)
    assert built.published == 1 and config.store_path.is_file()
    assert titles(config.out) == ["From a file"]


def test_refresh_polls_now_and_a_shorter_interval_applies_at_once(tmp_path: Path) -> None:
    from dataclasses import replace

    with Upstream.running() as server:
        serve_initial(server)
        config = config_for(tmp_path, server)
        build(config, now=T0)
        hits = server.hits["/planet.xml"]
        build(config, now=T0 + timedelta(minutes=5))  # interval 30 min: not due
        assert server.hits["/planet.xml"] == hits
        build(config, now=T0 + timedelta(minutes=6), refresh=True)
        assert server.hits["/planet.xml"] == hits + 1
        shorter = replace(config, feeds=tuple(replace(f, interval=60) for f in config.feeds))
        report = build(shorter, now=T0 + timedelta(minutes=8))  # 2 min after the last poll, interval now 1 min
        assert server.hits["/planet.xml"] == hits + 2
        assert {s.outcome for s in report.sources} == {"not modified"}


def test_check_reports_feed_health(tmp_path: Path) -> None:
    with Upstream.running() as server:
        serve_initial(server)
        server.route("/flaky.xml", b"nope", status=500)
        config = config_for(tmp_path, server)
        report = build(config, dry_run=True, now=T0)
        health = {s.name: (s.status, s.outcome) for s in report.sources}
        assert health == {"planet": ("ok", "checked"), "agency": ("ok", "checked"), "flaky": ("failing", "checked")}
        assert not config.store_path.exists()
