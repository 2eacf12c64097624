"""The independent output checker (tests/outputcheck.py) catches what it must.

Every rule is shown failing on a hand-made bad file, and the checker is shown catching real
regressions: feedkit built with its sanitizer switched off, or with unsafe ids let through,
publishes files the checker refuses.  (The same checker runs over every file the rest of the
suite builds: tests/outputcheck_plugin.py.)
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

import feedkit.html
import feedkit.identity
from feedkit.config.types import ArticleSourceConfig, Config, SiteConfig
from feedkit.pipeline.build import build

from .conftest import write_article
from .outputcheck import check_bytes, check_tree, is_output_root

BASE = "https://news.example.org/"


def rss(items: str, head: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>{head}<rss version="2.0" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
            f"<link>https://a.example/</link><description>d</description>{items}</channel></rss>").encode()


def item(inner: str, guid: str = "urn:x:1") -> str:
    return f"<item><title>x</title><link>https://a.example/1</link><guid>{guid}</guid>{inner}</item>"


def atom(entries: str) -> bytes:
    return (f'<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:f</id><title type="text">t</title>'
            f"<updated>2024-01-01T00:00:00Z</updated>{entries}</feed>").encode()


def entry(inner: str, the_id: str = "urn:e:1") -> str:
    return f'<entry><id>{the_id}</id><title type="text">e</title><updated>2024-01-01T00:00:00Z</updated>{inner}</entry>'


def jsonfeed(items: list[object], **top: object) -> bytes:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t", **top, "items": items}).encode()


GOOD = {
    "all/rss.xml": rss(item("<description>&lt;p&gt;hi &lt;a href=\"https://a.example/\"&gt;x&lt;/a&gt;&lt;/p&gt;"
                            "</description>") + item("", "urn:x:2")),
    "all/atom.xml": atom(entry('<content type="html">&lt;img src="https://a.example/i.png"&gt;</content>')),
    "all/feed.json": jsonfeed([{"id": "1", "url": "https://a.example/1", "content_html": "<p>x</p>"},
                               {"id": "2", "title": "a < b & <script> as text"}]),
    "index.html": b"<!DOCTYPE html><html><head><title>t</title></head><body><a href='all/rss.xml'>x</a></body></html>",
    "index.opml": b'<opml version="2.0"><head><title>t</title></head><body><outline text="x" '
                  b'xmlUrl="https://a.example/rss.xml"/></body></opml>',
}

BAD = [
    ("script element", "rss.xml", rss(item("<script>alert(1)</script>")), "active element"),
    ("handler in carried html", "rss.xml", rss(item("<description>&lt;img src=x onerror=alert(1)&gt;</description>")),
     "event handler attribute"),
    ("tab in a javascript URL", "rss.xml",
     rss(item("<content:encoded><![CDATA[<a href=\"java&#x09;script:alert(1)\">x</a>]]></content:encoded>")),
     "forbidden URL scheme"),
    ("entity-escaped scheme", "atom.xml",
     atom(entry('<content type="html">&lt;a href="&amp;#106;avascript:x"&gt;y&lt;/a&gt;</content>')),
     "forbidden URL scheme"),
    ("javascript link", "rss.xml", rss(item("").replace("https://a.example/1", "javascript:alert(1)")),
     "forbidden URL scheme"),
    ("vbscript href", "atom.xml", atom(entry('<link href="VBScript:msgbox(1)"/>')), "forbidden URL scheme"),
    ("file guid", "rss.xml", rss(item("", "file:///etc/passwd")), "forbidden URL scheme"),
    ("data image", "atom.xml", atom(entry('<content type="html">&lt;img src="data:image/png;base64,AA"&gt;</content>')),
     "forbidden URL scheme"),
    ("xhtml handler", "atom.xml", atom(entry('<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                                              '<p onclick="x()">y</p></div></content>')), "event handler attribute"),
    ("markup in an rss title", "rss.xml", rss(item("").replace("<title>x</title>", "<title><b>x</b></title>")),
     "markup in title"),
    ("html atom title", "atom.xml", atom(entry("").replace('type="text">e', 'type="html">e')), "markup in title"),
    ("doctype", "rss.xml", rss(item(""), '<!DOCTYPE rss [<!ENTITY x "y">]>'), "DTD"),
    ("not closed", "rss.xml", rss(item(""))[:-20], "not well-formed"),
    ("duplicate guid", "rss.xml", rss(item("") + item("")), "duplicate id"),
    ("missing guid", "rss.xml", rss("<item><title>x</title></item>"), "missing id"),
    ("duplicate atom id", "atom.xml", atom(entry("") + entry("")), "duplicate id"),
    ("NaN", "feed.json", b'{"version": "https://jsonfeed.org/version/1.1", "items": [], "x": NaN}', "not well-formed"),
    ("bad json", "feed.json", b'{"items": [', "not well-formed"),
    ("file url in json", "feed.json", jsonfeed([{"id": "1", "url": "file:///etc/passwd"}]), "forbidden URL scheme"),
    ("data image in json", "feed.json", jsonfeed([{"id": "1", "image": "data:image/png;base64,AA"}]),
     "forbidden URL scheme"),
    ("script in content_html", "feed.json", jsonfeed([{"id": "1", "content_html": "<script>x()</script>"}]),
     "active element"),
    ("duplicate json ids", "feed.json", jsonfeed([{"id": "1"}, {"id": "1"}]), "duplicate id"),
    ("json title not text", "feed.json", jsonfeed([{"id": "1", "title": {"html": "<b>x</b>"}}]), "markup in title"),
    ("onload in the page", "index.html", b"<html><body onload='x()'>y</body></html>", "event handler attribute"),
    ("iframe in the page", "index.html", b"<html><body><iframe src='https://a.example/'></iframe></body></html>",
     "active element"),
    ("javascript in opml", "index.opml", b'<opml version="2.0"><body><outline xmlUrl="javascript:x"/></body></opml>',
     "forbidden URL scheme"),
    ("script in the stylesheet", "feed.xsl",
     b'<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><xsl:template match="/">'
     b"<html><script>x()</script></html></xsl:template></xsl:stylesheet>", "active element"),
]


@pytest.mark.parametrize("rel_path", sorted(GOOD))
def test_good_files_pass(rel_path: str) -> None:
    assert check_bytes(rel_path, GOOD[rel_path]) == []


@pytest.mark.parametrize("label, rel_path, data, rule", BAD, ids=[case[0] for case in BAD])
def test_each_rule_catches_its_bad_file(label: str, rel_path: str, data: bytes, rule: str) -> None:
    findings = check_bytes(rel_path, data)
    assert rule in {f.rule for f in findings}, (label, findings)
    assert all(f.path == rel_path for f in findings)


@pytest.mark.unchecked_output("plants a symlink and a bad index on purpose")
def test_a_folder_check_names_symlinks_missing_files_and_bad_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for rel_path, data in GOOD.items():
        (out / rel_path).parent.mkdir(parents=True, exist_ok=True)
        (out / rel_path).write_bytes(data)
    (out / "index.json").write_text(json.dumps([{"channel": "all", "files": {"rss": "all/rss.xml",
                                                                             "atom": "gone/atom.xml"}}]))
    assert is_output_root(out)
    (out / "x").mkdir()
    (out / "x" / "rss.xml").symlink_to(tmp_path / "elsewhere.xml")
    (out / "x" / "feed.json").write_bytes(b"[")
    rules = {(f.path, f.rule) for f in check_tree(out)}
    assert rules == {("x/rss.xml", "symlink in the output"), ("index.json", "names a missing file"),
                     ("x/feed.json", "not well-formed")}


# --- real regressions are caught -----------------------------------------------------------

HOSTILE_BODY = ('<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a><script>alert(2)</script>'
                '<img src="data:image/png;base64,AAAA"><iframe src="https://evil.example/"></iframe></p>')


def build_hostile_site(tmp_path: Path, same_id: bool = False) -> Path:
    src, out = tmp_path / "posts", tmp_path / "out"
    write_article(src, "a.md", f"---\ntitle: A\ndate: 2022-01-01\nid: 'javascript:alert(1)'\n---\n{HOSTILE_BODY}\n")
    write_article(src, "b.md", f"---\ntitle: B\ndate: 2022-01-02\nid: 'javascript:alert({1 if same_id else 2})'\n"
                  f"---\n{HOSTILE_BODY}\n")
    config = Config(out=out, site=SiteConfig(title="T", base_url=BASE, base_url_set=True),
                    articles=(ArticleSourceConfig(paths=(src,), name="test"),), store=tmp_path / "store.sqlite")
    report = build(config)
    assert report.published == 2
    return out


def test_the_real_build_of_hostile_articles_is_clean(tmp_path: Path) -> None:
    assert check_tree(build_hostile_site(tmp_path)) == []


@pytest.mark.unchecked_output("builds with the sanitizer switched off on purpose")
def test_a_build_without_the_sanitizer_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feedkit.html, "clean_html", lambda html, **_: html)
    rules = {f.rule for f in check_tree(build_hostile_site(tmp_path))}
    assert {"active element", "event handler attribute", "forbidden URL scheme"} <= rules


@pytest.mark.unchecked_output("builds with unsafe ids let through on purpose")
def test_a_build_that_lets_unsafe_ids_through_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feedkit.identity, "entry_id", lambda source, rel_path, raw: raw or rel_path)
    findings = check_tree(build_hostile_site(tmp_path))
    assert any(f.path == "all/atom.xml" and f.rule == "forbidden URL scheme" for f in findings)


@pytest.mark.unchecked_output("builds with de-duplication switched off on purpose")
def test_a_build_that_publishes_one_id_twice_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = importlib.import_module("feedkit.pipeline.build")
    monkeypatch.setattr(pipeline, "collapse", lambda entries, **_: (list(entries), []))
    findings = check_tree(build_hostile_site(tmp_path, same_id=True))
    assert {(f.path, f.rule) for f in findings} >= {("all/atom.xml", "duplicate id"), ("all/rss.xml", "duplicate id"),
                                                   ("all/feed.json", "duplicate id")}
