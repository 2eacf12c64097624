"""feedkit explain: one article file or feed, with the reasons for what it becomes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from feedkit.cli import main

from .conftest import EXAMPLES, write_article
from .httpserver import Upstream

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<item><title>One</title><link>https://wire.example/1</link><guid>w-1</guid>
<pubDate>Tue, 07 Jun 2022 07:07:31 GMT</pubDate><category>News</category>
<description>&lt;p&gt;Text &lt;script&gt;x()&lt;/script&gt;&lt;/p&gt;</description></item>
</channel></rss>"""


def explain(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["explain", *args])
    return result.exit_code, result.output


def test_the_seed_shows_date_rule_timezone_nested_channels_and_the_removed_qr_block(seed: Path) -> None:
    code, text = explain(str(seed), "--timezone", "Asia/Shanghai")
    assert code == 0, text
    assert "date: 2022-06-07T07:07:31+00:00 (2022-06-07 15:07:31 in Asia/Shanghai) — from date: " \
           "'Tue, 07 Jun 2022 07:07:31 GMT'" in text
    assert "rule: RFC 822/1123 with its own zone 'GMT'" in text
    assert "timezone assumed for dates without a zone: Asia/Shanghai" in text
    for folder in ("category/金融/", "category/金融/新浪财经/", "category/金融/新浪财经/新浪财经-国內/"):
        assert f"-> {folder}\n" in text, folder
    assert 'boilerplate (drop_boilerplate): <div class="clearfix appendQr_wrap"> 海量资讯' in text
    assert "责任编辑" in text and "name-based UUID of the source name 'seeds'" in text
    code, data = explain(str(seed), "--timezone", "Asia/Shanghai", "--json")
    parsed = json.loads(data)
    entry = parsed["entries"][0]
    assert entry["date"]["timezone"] == "Asia/Shanghai" and "RFC 822" in entry["date"]["rule"]
    assert [c["folder"] for c in entry["channels"]][1:] == [
        "category/金融", "category/金融/新浪财经", "category/金融/新浪财经/新浪财经-国內"]
    assert any("appendQr_wrap" in line for line in entry["removed"])


def test_a_naive_date_names_the_timezone_it_was_read_in(tmp_path: Path) -> None:
    path = write_article(tmp_path / "posts", "a.md", "---\ntitle: A\ndate: '2021-06-30 01:55:27'\n---\nHi\n")
    code, text = explain(str(path), "--timezone", "Asia/Shanghai")
    assert code == 0 and "ISO 8601 / RFC 3339 without a zone: read as wall time in Asia/Shanghai" in text
    assert "2021-06-29T17:55:27+00:00" in text


def test_with_the_example_config_transforms_and_duplicates_are_explained(tmp_path: Path) -> None:
    config = EXAMPLES / "site" / "feedkit.toml"
    code, text = explain("-c", str(config), str(EXAMPLES / "site" / "feeds" / "agency.xml"))
    assert code == 0, text
    assert "feeds[0] of the config" in text and "merged into another entry: same story as" in text


def test_a_transform_that_drops_or_changes_is_named(tmp_path: Path) -> None:
    write_article(tmp_path / "src", "a.md", "---\ntitle: _Hello_ world\ndate: 2022-06-01\n---\nSpam here\n")
    (tmp_path / "feedkit.toml").write_text(
        'out = "out"\n[[articles]]\nname = "s"\npaths = ["src"]\n'
        '[[transforms]]\ntype = "replace"\nfields = ["title"]\npattern = "_(.+?)_"\nreplacement = "“\\\\1”"\n'
        '[[transforms]]\ntype = "drop"\nkeywords = ["spam"]\n', encoding="utf-8")
    code, text = explain("-c", str(tmp_path / "feedkit.toml"), str(tmp_path / "src" / "a.md"))
    assert code == 0, text
    assert "transforms[0] (replace): changed: title: '_Hello_ world' -> '“Hello” world'" in text
    assert "transforms[1] (drop): dropped" in text and "outcome: dropped by transforms[1] (drop)" in text


def test_a_url_goes_through_the_fetch_path_and_its_guard(upstream: Upstream) -> None:
    upstream.route("/feed.xml", RSS)
    code, text = explain(upstream.url("/feed.xml"))
    assert code == 0 and "nothing read" in text and "is loopback" in text  # refused by default
    code, text = explain(upstream.url("/feed.xml"), "--allow-host", upstream.host)
    assert code == 0, text
    assert "format: rss2.0" in text and "title: One" in text and "script element" not in text
    assert "-> category/news/" in text


def test_no_local_file_is_read_because_the_argument_looks_like_a_url() -> None:
    code, text = explain("file:///etc/passwd")
    assert code == 2 and "not a file" in text
