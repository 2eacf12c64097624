"""WebSub: hubs advertised in every format, publish pings after builds that changed a channel.

The hub is tests/httpserver.py on 127.0.0.1: it records every POST body and answers with the
statuses a test gives it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from feedkit.config import types as config_module
from feedkit.config.load import parse_config
from feedkit.config.types import ArticleSourceConfig, ChannelsConfig, Config, FetchConfig, SiteConfig, WebSubConfig
from feedkit.errors import ConfigError
from feedkit.model import Severity
from feedkit.output.websub import backoff_delays, notify_hubs
from feedkit.pipeline.build import build

from .conftest import REPO, write_article
from .httpserver import Upstream

BASE = "https://news.example.org/"
FAST = WebSubConfig(timeout=2.0, retries=2, backoff=0.01)
ARTICLE = "---\ntitle: {title}\ndate: 2022-06-0{day} 10:00:00\ncategories: [{cats}]\n---\n<p>{body}</p>\n"


def make_site(src: Path) -> None:
    write_article(src, "a.md", ARTICLE.format(title="A", day=1, cats="News", body="a"))
    write_article(src, "b.md", ARTICLE.format(title="B", day=2, cats="Sport", body="b"))


def site_config(src: Path, out: Path, hub: Upstream, websub: WebSubConfig = FAST, **channels: object) -> Config:
    return Config(
        out=out,
        site=SiteConfig(title="T", base_url=BASE, base_url_set=True),
        articles=(ArticleSourceConfig(paths=(src,), name="test"),),
        fetch=FetchConfig(allow_hosts=(hub.host,)),
        channels=ChannelsConfig(**channels),  # type: ignore[arg-type]
        websub=dataclasses.replace(websub, hubs=websub.hubs or (hub.url("/hub"),)),
    )


def pings(hub: Upstream, path: str = "/hub") -> list[dict[str, list[str]]]:
    return [parse_qs(body.decode("ascii"), strict_parsing=True) for body in hub.posts.get(path, [])]


def pinged_topics(hub: Upstream, path: str = "/hub") -> list[str]:
    found = []
    for form in pings(hub, path):
        assert form["hub.mode"] == ["publish"] and len(form["hub.url"]) == 1
        found.append(form["hub.url"][0])
    return found


def feed_urls(out: Path, channels: set[str] | None = None) -> set[str]:
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    return {BASE + rel for item in index if channels is None or item["channel"] in channels
            for rel in item["files"].values()}


# --- notify_hubs ----------------------------------------------------------------------


def test_a_ping_is_a_form_encoded_publish_post(upstream: Upstream) -> None:
    upstream.route("/hub", status=204)
    topic = f"{BASE}category/金融/atom.xml"
    problems = notify_hubs(dataclasses.replace(FAST, hubs=(upstream.url("/hub"),)),
                           FetchConfig(allow_hosts=(upstream.host,)), [topic])
    assert problems == []
    assert pinged_topics(upstream) == [topic]
    assert upstream.requests["/hub"][0]["content-type"] == "application/x-www-form-urlencoded"
    assert upstream.requests["/hub"][0]["user-agent"].startswith("feedkit/")


def test_a_failed_attempt_is_retried_with_backoff(upstream: Upstream) -> None:
    upstream.route("/hub", statuses=(500, 503, 202))
    waits: list[float] = []
    settings = WebSubConfig(hubs=(upstream.url("/hub"),), retries=3, backoff=0.5)
    problems = notify_hubs(settings, FetchConfig(allow_hosts=(upstream.host,)), [f"{BASE}all/rss.xml"],
                           sleep=waits.append)
    assert problems == [] and upstream.hits["/hub"] == 3
    assert waits == [0.5, 1.0]


def test_backoff_is_deterministic_and_bounded() -> None:
    assert backoff_delays(WebSubConfig(retries=3, backoff=1.0)) == [1.0, 2.0, 4.0]
    assert backoff_delays(WebSubConfig(retries=10, backoff=30.0))[-1] == config_module.MAX_WEBSUB_BACKOFF
    assert backoff_delays(WebSubConfig(retries=0)) == []


def test_a_rejected_topic_is_not_retried_and_the_others_are_still_sent(upstream: Upstream) -> None:
    upstream.route("/hub", status=400)
    topics = [f"{BASE}all/rss.xml", f"{BASE}all/atom.xml"]
    problems = notify_hubs(dataclasses.replace(FAST, hubs=(upstream.url("/hub"),)),
                           FetchConfig(allow_hosts=(upstream.host,)), topics)
    assert upstream.hits["/hub"] == 2
    assert [p.severity for p in problems] == [Severity.WARNING] * 2
    assert all(p.origin == upstream.url("/hub") and "HTTP 400" in p.message for p in problems)
    assert [topic in p.message for p, topic in zip(problems, topics, strict=True)] == [True, True]


def test_a_redirect_is_not_followed(upstream: Upstream) -> None:
    upstream.redirect("/hub", "/elsewhere", status=307)
    problems = notify_hubs(dataclasses.replace(FAST, hubs=(upstream.url("/hub"),)),
                           FetchConfig(allow_hosts=(upstream.host,)), [f"{BASE}all/rss.xml"])
    assert "HTTP 307" in problems[0].message and "final URL" in problems[0].message
    assert upstream.hits["/elsewhere"] == 0


def test_a_hub_that_does_not_answer_times_out(upstream: Upstream) -> None:
    upstream.hang("/hub")
    settings = WebSubConfig(hubs=(upstream.url("/hub"),), timeout=0.3, retries=0)
    problems = notify_hubs(settings, FetchConfig(allow_hosts=(upstream.host,)), [f"{BASE}a/rss.xml", f"{BASE}b"])
    assert "no answer within 0.3 s" in problems[0].message and f"{BASE}a/rss.xml" in problems[0].message
    assert "1 more updated feed(s) not announced" in problems[1].message and upstream.hits["/hub"] == 1


def test_a_loopback_hub_needs_allow_hosts(upstream: Upstream) -> None:
    upstream.route("/hub", status=204)
    problems = notify_hubs(dataclasses.replace(FAST, hubs=(upstream.url("/hub"),)), FetchConfig(),
                           [f"{BASE}all/rss.xml", f"{BASE}all/atom.xml"])
    assert upstream.hits["/hub"] == 0
    assert "loopback" in problems[0].message and "allow_hosts" in problems[0].message
    assert "1 more updated feed(s)" in problems[1].message


def test_nothing_to_announce_sends_nothing(upstream: Upstream) -> None:
    settings = dataclasses.replace(FAST, hubs=(upstream.url("/hub"),))
    assert notify_hubs(settings, FetchConfig(allow_hosts=(upstream.host,)), []) == []
    assert notify_hubs(WebSubConfig(), FetchConfig(), [f"{BASE}all/rss.xml"]) == []
    assert upstream.hits["/hub"] == 0


# --- builds ---------------------------------------------------------------------------


def test_every_format_advertises_the_hubs(tmp_path: Path, upstream: Upstream) -> None:
    upstream.route("/hub", status=204)
    make_site(tmp_path / "src")
    out = tmp_path / "out"
    build(site_config(tmp_path / "src", out, upstream))
    hub = upstream.url("/hub")
    assert f'<atom:link href="{hub}" rel="hub"/>'.encode() in (out / "category/news/rss.xml").read_bytes()
    assert f'<link href="{hub}" rel="hub"/>'.encode() in (out / "category/news/atom.xml").read_bytes()
    feed = json.loads((out / "category/news/feed.json").read_text(encoding="utf-8"))
    assert feed["hubs"] == [{"type": "WebSub", "url": hub}]


def test_builds_ping_only_for_files_they_changed(tmp_path: Path, upstream: Upstream) -> None:
    upstream.route("/hub", statuses=(500, 204))  # the very first attempt fails, the retry is accepted
    src, out = tmp_path / "src", tmp_path / "out"
    make_site(src)
    config = site_config(src, out, upstream)

    first = build(config)
    assert first.ok and first.warnings == []
    topics = pinged_topics(upstream)
    assert len(topics) == len(set(topics)) + 1  # one topic was sent twice (the retry)
    assert set(topics) == feed_urls(out) and len(set(topics)) == 3 * 3  # all, news, sport × 3 formats

    build(config)  # nothing changed: no ping
    assert len(pinged_topics(upstream)) == len(topics)

    write_article(src, "b.md", ARTICLE.format(title="B2", day=2, cats="Sport", body="b"))
    build(config)
    new = pinged_topics(upstream)[len(topics):]
    assert sorted(new) == sorted(feed_urls(out, {"all", "sport"}))


def test_a_hub_that_is_down_is_a_warning_and_the_build_succeeds(tmp_path: Path, upstream: Upstream) -> None:
    with Upstream.running() as gone:
        down = gone.url("/hub")
    make_site(tmp_path / "src")
    config = site_config(tmp_path / "src", tmp_path / "out", upstream, WebSubConfig(hubs=(down,), retries=1,
                                                                                     backoff=0.01, timeout=2))
    config = dataclasses.replace(config, fetch=FetchConfig(allow_hosts=(down.split("/")[2],)))
    report = build(config)
    assert report.ok and (tmp_path / "out" / "all/rss.xml").is_file()
    warnings = [p for p in report.warnings if p.origin == down]
    assert len(warnings) == 2
    assert "cannot connect" in warnings[0].message and "(2 attempts)" in warnings[0].message
    assert BASE in warnings[0].message and "8 more updated feed(s) not announced" in warnings[1].message


def test_two_hubs_each_get_every_topic(tmp_path: Path, upstream: Upstream) -> None:
    upstream.route("/one", status=204)
    upstream.route("/two", status=202)
    make_site(tmp_path / "src")
    websub = dataclasses.replace(FAST, hubs=(upstream.url("/one"), upstream.url("/two")))
    build(site_config(tmp_path / "src", tmp_path / "out", upstream, websub, formats=("atom",)))
    assert sorted(pinged_topics(upstream, "/one")) == sorted(pinged_topics(upstream, "/two"))
    assert len(pinged_topics(upstream, "/one")) == 3


def test_a_dry_run_pings_nobody(tmp_path: Path, upstream: Upstream) -> None:
    upstream.route("/hub", status=204)
    make_site(tmp_path / "src")
    build(site_config(tmp_path / "src", tmp_path / "out", upstream), dry_run=True)
    assert upstream.hits["/hub"] == 0


def test_archive_pages_are_neither_advertised_nor_announced(tmp_path: Path, upstream: Upstream) -> None:
    upstream.route("/hub", status=204)
    for day in range(1, 8):
        write_article(tmp_path / "src", f"{day}.md", ARTICLE.format(title=f"N{day}", day=day, cats="News", body=day))
    out = tmp_path / "out"
    build(site_config(tmp_path / "src", out, upstream, entry_limit=2, archive=True, archive_page_size=2))
    page = out / "all/archive/1/atom.xml"
    assert page.is_file() and b'rel="hub"' not in page.read_bytes()
    assert not any("/archive/" in topic for topic in pinged_topics(upstream))
    assert set(pinged_topics(upstream)) == feed_urls(out)


# --- config ---------------------------------------------------------------------------


def test_websub_keys_are_read() -> None:
    raw = {"out": "x", "websub": {"hubs": ["https://hub.example/", "https://hub.example/websub?x=1"],
                                  "timeout": 5, "retries": 0, "backoff": 0.5}}
    websub = parse_config(raw, Path("/r")).websub
    assert websub == WebSubConfig(hubs=("https://hub.example/", "https://hub.example/websub?x=1"), timeout=5.0,
                                  retries=0, backoff=0.5)
    assert parse_config({"out": "x"}, Path("/r")).websub.hubs == ()


@pytest.mark.parametrize(("websub", "key"), [
    ({"hubs": ["ftp://hub.example/"]}, "websub.hubs[0]"),
    ({"hubs": ["https://ok.example/", "hub.example"]}, "websub.hubs[1]"),
    ({"hubs": ["https://hub.example:99999/"]}, "websub.hubs[0]"),
    ({"hubs": [3]}, "websub.hubs[0]"),
    ({"timeout": 0}, "websub.timeout"),
    ({"retries": -1}, "websub.retries"),
    ({"retries": 11}, "websub.retries"),
    ({"backoff": "1s"}, "websub.backoff"),
    ({"hub": ["https://hub.example/"]}, "websub.hub"),
])
def test_websub_errors_name_the_key(websub: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"out": "x", "websub": websub}, Path("/r"))
    assert str(info.value).startswith(key)


def test_every_websub_key_is_documented() -> None:
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert "## `[websub]`" in text
    for field in dataclasses.fields(WebSubConfig):
        assert f"`{field.name}`" in text, field.name
