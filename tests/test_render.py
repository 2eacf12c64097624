"""Rendering: golden files for RSS 2.0, Atom 1.0, JSON Feed 1.1, OPML and index.json, plus quirks.

Regenerate the golden files with ``FEEDKIT_UPDATE_GOLDEN=1 pytest tests/test_render.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from feedkit.model import Author, Channel, ChannelInfo, Entry, Image, Via
from feedkit.render.common import FH_NS
from feedkit.render.formats import (
    FILE_NAMES,
    RENDERERS,
    Rendered,
    file_url,
    format_rfc822,
    format_rfc3339,
    render_atom,
    render_index_json,
    render_json,
    render_opml,
    render_rss,
)

GOLDEN = Path(__file__).parent / "data" / "golden"
UPDATE = os.environ.get("FEEDKIT_UPDATE_GOLDEN") == "1"
BASE = "https://example.com/"

SEED_TITLE = "_纾困帮扶 益企惠企_助力中小企业渡难关、谋发展——国家发展改革委积极开展中小企业服务月活动"
SEED_IMAGE = "https://n.sinaimg.cn/finance/crawl/51/w550h301/20220607/8502-e565c9b2b8ed2f0de45aca6c5d51810e.png"

CHANNEL = Channel(
    slug="all",
    kind="all",
    title="示例站点",
    description="",
    category=None,
    link=BASE,
    feed_urls={fmt: f"{BASE}all/{name}" for fmt, name in FILE_NAMES.items()},
    language="zh-CN",
    author=None,
)

CHINESE = Entry(
    id="urn:uuid:0b7a4c57-6a6e-5d1c-9a3f-2f0c1d6e8a01",
    title=SEED_TITLE,
    link="https://example.com/2022/06/07/纾困帮扶/",
    published=datetime(2022, 6, 7, 7, 7, 31, tzinfo=UTC),
    summary="为深入贯彻党中央、国务院决策部署，落实国务院促进中小企业发展工作领导小组通知要求……",
    content_html=f'<p>\u3000\u3000为深入贯彻党中央、国务院决策部署。</p><img src="{SEED_IMAGE}" alt="">',
    categories=(("金融", "新浪财经", "新浪财经－国內"),),
    authors=(Author("新浪财经"),),
    image=Image(SEED_IMAGE, "image/png"),
    language="zh-CN",
    source="hexo-news",
    origin="source/_posts/000_dfe2e70512514d13.md",
)

ENGLISH = Entry(
    id="tag:example.com,2022:release-notes",
    title="Release notes: feeds for everyone",
    link="https://example.com/posts/release notes?x=1",
    published=datetime(2022, 6, 6, 18, 0, tzinfo=timezone(timedelta(hours=8))),
    updated=datetime(2022, 6, 8, 9, 30, 15, 123456, tzinfo=UTC),
    summary="Two authors, some tags.",
    content_html="<p>Hello <em>world</em>.</p>",
    categories=(("Tech",), ("Tech", "Python")),
    tags=("python", "feeds", "Tech"),
    authors=(Author("Ada Lovelace", "ada@example.com", "https://example.com/ada"), Author("Grace Hopper")),
    image=Image("https://example.com/img/cover.jpg", "image/jpeg"),
    language="en_US",
    origin="posts/release-notes.md",
)

PLAIN = Entry(
    id="urn:uuid:5f0e7c1e-2a57-5b3a-8d41-1c2b3a4d5e6f",
    title="No author, no image",
    link="https://example.com/plain/",
    published=datetime(2022, 6, 5, 0, 0, tzinfo=UTC),
    content_html="<p>Plain.</p>",
    origin="posts/plain.md",
)

ILLEGAL = Entry(
    id="urn:uuid:9d3c1b2a-0f1e-5d4c-8b7a-6f5e4d3c2b1a",
    title="Bell\x07 and\x00 null\x0b and \ufffe noise",
    link="https://example.com/illegal/\x01",
    published=datetime(2022, 6, 4, 12, 0, tzinfo=UTC),
    summary="Vertical\x0btab\x1f",
    content_html="<p>form\x0cfeed \ud800 surrogate</p>",
    categories=(("Bad\x02Name",),),
    tags=("tag\x03",),
    authors=(Author("Esc\x1bape"),),
    origin="posts/illegal.md",
)

MARKUP = Entry(
    id="urn:uuid:1a2b3c4d-5e6f-5a7b-8c9d-0e1f2a3b4c5d",
    title="Tom & Jerry <b>not bold</b> ]]> end",
    link="https://example.com/markup/?a=1&b=2",
    published=datetime(2022, 6, 3, 8, 15, tzinfo=UTC),
    summary="5 < 6 & 7 > 3 ]]>",
    content_html='<p>A &amp; B</p><![CDATA[ x ]]><p title="]]>">&lt;tag&gt;</p>',
    tags=("a&b", "<c>"),
    origin="posts/markup.md",
)

ENTRIES = (CHINESE, ENGLISH, PLAIN, ILLEGAL, MARKUP)

INFOS = (
    ChannelInfo("all", "all", "示例站点", "Everything", None, 5, {"rss": "all/rss.xml", "atom": "all/atom.xml",
                                                                 "json": "all/feed.json"}),
    ChannelInfo("金融/新浪财经", "category", "金融 / 新浪财经", "", ("金融", "新浪财经"), 1,
                {"json": "category/金融/新浪财经/feed.json", "rss": "category/金融/新浪财经/rss.xml"}),
    ChannelInfo("python", "tag", "Tag: python & <co>", "", None, 1, {"atom": "tag/python/atom.xml"}),
    ChannelInfo("empty", "tag", "No files", "", None, 0, {}),
)

# Every optional channel field set, as build would for the archive page 2 of the "all" channel.
FULL_CHANNEL = replace(
    CHANNEL,
    feed_urls={fmt: f"{BASE}all/archive/2/{name}" for fmt, name in FILE_NAMES.items()},
    icon="https://example.com/favicon.png",
    logo="https://example.com/图片/logo.png",
    copyright="© 2022 示例站点 & friends",
    full_content=False,
    hubs=("https://pubsubhubbub.appspot.com/", "https://hub.example.com/websub?x=1&y=2"),
    is_archive=True,
)
VIA = (
    Via("新浪财经", "https://finance.sina.com.cn/china/2022-06-07/doc.shtml"),
    Via("mirror", "https://mirror.example/a b"),
)
FULL_ENTRIES = (replace(CHINESE, via=VIA), ENGLISH, PLAIN, ILLEGAL,
                replace(MARKUP, via=(Via("", "https://x.example/?a=1&b=2"),)))


def full_channel(fmt: str) -> Channel:
    """:data:`FULL_CHANNEL` with RFC 5005 links to the pages of its own format."""
    name = FILE_NAMES[fmt]
    archive_links = {
        "next-archive": f"{BASE}all/archive/3/{name}",  # given out of order: written in RFC 5005 order
        "prev-archive": f"{BASE}all/archive/1/{name}",
        "current": f"{BASE}all/{name}",
    }
    return replace(FULL_CHANNEL, archive_links=archive_links)


OUTPUTS = {
    "rss.xml": lambda: render_rss(CHANNEL, ENTRIES).data,
    "atom.xml": lambda: render_atom(CHANNEL, ENTRIES).data,
    "feed.json": lambda: render_json(CHANNEL, ENTRIES).data,
    "index.opml": lambda: render_opml("示例站点 feeds", INFOS, "https://example.com"),
    "index.json": lambda: render_index_json(INFOS),
    "full/rss.xml": lambda: render_rss(full_channel("rss"), FULL_ENTRIES).data,
    "full/atom.xml": lambda: render_atom(full_channel("atom"), FULL_ENTRIES).data,
    "full/feed.json": lambda: render_json(full_channel("json"), FULL_ENTRIES).data,
}


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_golden(name: str) -> None:
    data = OUTPUTS[name]()
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"{path} missing: run with FEEDKIT_UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"{name} differs from {path}; regenerate with FEEDKIT_UPDATE_GOLDEN=1"


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_identical_input_gives_identical_bytes(fmt: str) -> None:
    first = RENDERERS[fmt](CHANNEL, ENTRIES)
    second = RENDERERS[fmt](replace(CHANNEL), [replace(entry) for entry in ENTRIES])
    assert first == second
    assert first.dropped == ()


# --- read back with feedparser -------------------------------------------------------

EXPECTED_TERMS = {
    CHINESE.id: ["金融/新浪财经/新浪财经－国內"],
    ENGLISH.id: ["Tech", "Tech/Python", "python", "feeds"],
    PLAIN.id: [],
    ILLEGAL.id: ["BadName", "tag"],
    MARKUP.id: ["a&b", "<c>"],
}
EXPECTED_LINKS = {
    CHINESE.id: "https://example.com/2022/06/07/%E7%BA%BE%E5%9B%B0%E5%B8%AE%E6%89%B6/",
    ENGLISH.id: "https://example.com/posts/release%20notes?x=1",
    PLAIN.id: "https://example.com/plain/",
    ILLEGAL.id: "https://example.com/illegal/",
    MARKUP.id: "https://example.com/markup/?a=1&b=2",
}
EXPECTED_TITLES = {
    CHINESE.id: SEED_TITLE,
    ENGLISH.id: ENGLISH.title,
    PLAIN.id: PLAIN.title,
    ILLEGAL.id: "Bell and null and  noise",
    MARKUP.id: MARKUP.title,
}


def _read_back(fmt: str, data: bytes) -> tuple[str, list[dict[str, Any]]]:
    """(feed title, entries as id/title/link/terms/published) as a reader sees them.

    feedparser 6.0 reads RSS and Atom but not JSON Feed, which is read with :mod:`json`.
    """
    if fmt == "json":
        feed = json.loads(data)
        return feed["title"], [
            {"id": item["id"], "title": item["title"], "link": item.get("url"), "terms": item.get("tags", []),
             "published": datetime.fromisoformat(item["date_published"])}
            for item in feed["items"]
        ]
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed.feed.title, [
        {"id": item.id, "title": item.title, "link": item.link, "terms": [tag.term for tag in item.get("tags", [])],
         "published": datetime(*item.published_parsed[:6], tzinfo=UTC)}
        for item in parsed.entries
    ]


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_readers_get_every_entry_back(fmt: str) -> None:
    title, items = _read_back(fmt, RENDERERS[fmt](CHANNEL, ENTRIES).data)
    assert title == "示例站点"
    assert [item["id"] for item in items] == [entry.id for entry in ENTRIES]
    for item, entry in zip(items, ENTRIES, strict=True):
        assert item["title"] == EXPECTED_TITLES[entry.id]
        assert item["link"] == EXPECTED_LINKS[entry.id]  # the article, never the image
        assert item["terms"] == EXPECTED_TERMS[entry.id]
        assert item["published"] == entry.published.astimezone(UTC)


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_image_is_not_an_alternate_link(fmt: str) -> None:
    parsed = feedparser.parse(RENDERERS[fmt](CHANNEL, [CHINESE]).data)
    item = parsed.entries[0]
    alternates = [link.href for link in item.get("links", []) if link.get("rel") == "alternate"]
    assert alternates == [EXPECTED_LINKS[CHINESE.id]]
    assert item.link == EXPECTED_LINKS[CHINESE.id]


def test_atom_updated_dates_read_back() -> None:
    parsed = feedparser.parse(render_atom(CHANNEL, ENTRIES).data)
    assert parsed.feed.updated == "2022-06-08T09:30:15Z"  # ENGLISH.updated, the newest of all
    english = parsed.entries[1]
    assert english.updated == "2022-06-08T09:30:15Z"
    assert english.published == "2022-06-06T10:00:00Z"
    assert parsed.entries[0].updated == "2022-06-07T07:07:31Z"  # no updated: published


# --- RSS details ---------------------------------------------------------------------


def _xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False))


def test_rss_header_and_channel() -> None:
    data = render_rss(CHANNEL, ENTRIES).data
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<rss ')
    channel = _xml(data).find("channel")
    assert channel is not None
    assert channel.findtext("link") == BASE
    assert channel.findtext("description") == "示例站点"  # empty description falls back to the title
    assert channel.findtext("language") == "zh-CN"
    assert channel.findtext("generator") == "feedkit"
    assert channel.findtext("lastBuildDate") == "Wed, 08 Jun 2022 09:30:15 +0000"
    self_link = channel.find("{http://www.w3.org/2005/Atom}link")
    assert self_link is not None
    assert dict(self_link.attrib) == {"href": f"{BASE}all/rss.xml", "rel": "self", "type": "application/rss+xml"}
    assert _xml(data).nsmap["media"] == "http://search.yahoo.com/mrss/"


def test_rss_item_fields() -> None:
    item = _xml(render_rss(CHANNEL, [ENGLISH]).data).find("channel/item")
    assert item is not None
    guid = item.find("guid")
    assert guid is not None and guid.text == ENGLISH.id and guid.get("isPermaLink") == "false"
    assert item.findtext("pubDate") == "Mon, 06 Jun 2022 10:00:00 +0000"
    assert item.findtext("description") == "Two authors, some tags."
    assert item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") == ENGLISH.content_html
    assert [c.text for c in item.findall("category")] == ["Tech", "Tech/Python", "python", "feeds"]
    assert [c.text for c in item.findall("{http://purl.org/dc/elements/1.1/}creator")] == [
        "Ada Lovelace", "Grace Hopper"]
    enclosure = item.find("enclosure")
    assert enclosure is not None
    assert dict(enclosure.attrib) == {"url": "https://example.com/img/cover.jpg", "length": "0", "type": "image/jpeg"}
    media = item.find("{http://search.yahoo.com/mrss/}content")
    assert media is not None and media.get("medium") == "image" and media.get("type") == "image/jpeg"
    thumbnail = item.find("{http://search.yahoo.com/mrss/}thumbnail")
    assert thumbnail is not None and thumbnail.get("url") == "https://example.com/img/cover.jpg"


def test_rss_untitled_item_still_has_title_or_description() -> None:
    untitled = replace(PLAIN, title="", summary="")
    item = _xml(render_rss(CHANNEL, [untitled]).data).find("channel/item")
    assert item is not None
    assert item.find("title") is None
    assert item.findtext("description") == PLAIN.content_html
    bare = replace(untitled, content_html="")
    item = _xml(render_rss(CHANNEL, [bare]).data).find("channel/item")
    assert item is not None
    assert item.findtext("description") == PLAIN.link
    titled = _xml(render_rss(CHANNEL, [replace(PLAIN, summary="")]).data).find("channel/item")
    assert titled is not None and titled.find("description") is None


def test_rss_without_entries_has_no_last_build_date() -> None:
    channel = _xml(render_rss(CHANNEL, []).data).find("channel")
    assert channel is not None
    assert channel.find("lastBuildDate") is None
    assert channel.find("item") is None


def test_non_ascii_stays_utf8() -> None:
    for fmt in RENDERERS:
        data = RENDERERS[fmt](CHANNEL, [CHINESE]).data
        assert "新浪财经".encode() in data, fmt
        assert b"&#" not in data and b"\\u" not in data, fmt


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_cdata_terminator_in_content_is_escaped(fmt: str) -> None:
    data = RENDERERS[fmt](CHANNEL, [MARKUP]).data
    assert b"]]>" not in data
    assert b"<![CDATA[" not in data
    root = _xml(data)
    texts = [element.text or "" for element in root.iter()]
    assert MARKUP.content_html in texts
    assert MARKUP.title in texts


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_illegal_xml_characters_are_removed_everywhere(fmt: str) -> None:
    data = RENDERERS[fmt](CHANNEL, [ILLEGAL]).data
    text = data.decode("utf-8")
    for char in "\x00\x01\x02\x03\x07\x0b\x0c\x1b\x1f\ufffe":
        assert char not in text
    assert "\\u00" not in text  # not escaped in JSON either: removed


# --- Atom details --------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_head() -> None:
    feed = _xml(render_atom(CHANNEL, ENTRIES).data)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    assert feed.findtext(f"{ATOM}id") == f"{BASE}all/atom.xml"
    assert feed.find(f"{ATOM}subtitle") is None  # empty description
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"self": f"{BASE}all/atom.xml", "alternate": BASE}
    assert feed.findtext(f"{ATOM}generator") == "feedkit"
    # PLAIN, ILLEGAL-less-author and MARKUP have no author: the feed carries one
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "示例站点"


def test_atom_feed_author_only_when_some_entry_lacks_one() -> None:
    feed = _xml(render_atom(CHANNEL, [CHINESE, ENGLISH]).data)
    assert feed.find(f"{ATOM}author") is None
    with_site_author = replace(CHANNEL, author="Site Owner")
    feed = _xml(render_atom(with_site_author, [CHINESE, PLAIN]).data)
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Site Owner"


def test_atom_empty_channel() -> None:
    channel = replace(CHANNEL, feed_urls={}, description="Nothing yet")
    feed = _xml(render_atom(channel, []).data)
    assert feed.findtext(f"{ATOM}updated") == "1970-01-01T00:00:00Z"
    assert feed.findtext(f"{ATOM}id", "").startswith("urn:uuid:")
    assert feed.findtext(f"{ATOM}subtitle") == "Nothing yet"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "示例站点"


def test_atom_entry_fields() -> None:
    entry = _xml(render_atom(CHANNEL, [ENGLISH]).data).find(f"{ATOM}entry")
    assert entry is not None
    assert entry.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
    links = [(link.get("rel"), link.get("href"), link.get("type")) for link in entry.findall(f"{ATOM}link")]
    assert links == [
        ("alternate", "https://example.com/posts/release%20notes?x=1", "text/html"),
        ("enclosure", "https://example.com/img/cover.jpg", "image/jpeg"),
    ]
    assert entry.findtext(f"{ATOM}published") == "2022-06-06T10:00:00Z"
    assert entry.findtext(f"{ATOM}updated") == "2022-06-08T09:30:15Z"  # microseconds dropped
    authors = [(a.findtext(f"{ATOM}name"), a.findtext(f"{ATOM}email"), a.findtext(f"{ATOM}uri"))
               for a in entry.findall(f"{ATOM}author")]
    assert authors == [("Ada Lovelace", "ada@example.com", "https://example.com/ada"), ("Grace Hopper", None, None)]
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["Tech", "Tech/Python", "python", "feeds"]
    summary = entry.find(f"{ATOM}summary")
    content = entry.find(f"{ATOM}content")
    assert summary is not None and summary.get("type") == "text"
    assert content is not None and content.get("type") == "html" and content.text == ENGLISH.content_html


def test_atom_entry_without_link_gets_content() -> None:
    bare = replace(PLAIN, link="", content_html="")
    entry = _xml(render_atom(CHANNEL, [bare]).data).find(f"{ATOM}entry")
    assert entry is not None
    assert entry.find(f"{ATOM}link") is None
    assert entry.find(f"{ATOM}content") is not None


def test_unusable_language_is_left_out() -> None:
    channel = replace(CHANNEL, language="Chinese (simplified)")
    assert b"xml:lang" not in render_atom(channel, [PLAIN]).data
    assert b"<language>" not in render_rss(channel, [PLAIN]).data
    assert "language" not in json.loads(render_json(channel, [PLAIN]).data)


# --- JSON Feed details ---------------------------------------------------------------


def test_json_feed_shape() -> None:
    feed = json.loads(render_json(CHANNEL, ENTRIES).data)
    assert list(feed) == ["version", "title", "home_page_url", "feed_url", "language", "items"]
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == f"{BASE}all/feed.json"
    english = feed["items"][1]
    assert english == {
        "id": ENGLISH.id,
        "url": "https://example.com/posts/release%20notes?x=1",
        "title": ENGLISH.title,
        "content_html": ENGLISH.content_html,
        "summary": ENGLISH.summary,
        "image": "https://example.com/img/cover.jpg",
        "date_published": "2022-06-06T10:00:00Z",
        "date_modified": "2022-06-08T09:30:15Z",
        "tags": ["Tech", "Tech/Python", "python", "feeds"],
        "authors": [{"name": "Ada Lovelace", "url": "https://example.com/ada"}, {"name": "Grace Hopper"}],
        "language": "en-US",
    }
    plain = feed["items"][2]
    assert "date_modified" not in plain and "authors" not in plain and "image" not in plain


def test_json_item_without_html_has_content_text() -> None:
    item = json.loads(render_json(CHANNEL, [replace(PLAIN, content_html="", summary="Just text")]).data)["items"][0]
    assert item["content_text"] == "Just text"
    assert "content_html" not in item


def test_json_author_email_becomes_mailto() -> None:
    entry = replace(PLAIN, authors=(Author("Mail Only", email="m@example.com"),))
    item = json.loads(render_json(CHANNEL, [entry]).data)["items"][0]
    assert item["authors"] == [{"name": "Mail Only", "url": "mailto:m@example.com"}]


def test_json_ends_with_newline() -> None:
    assert render_json(CHANNEL, []).data.endswith(b"}\n")


# --- one bad entry does not take the channel down -----------------------------------


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_entry_that_cannot_be_rendered_is_dropped_and_reported(fmt: str) -> None:
    naive = replace(PLAIN, id="urn:x:naive", published=datetime(2022, 6, 1, 12, 0), origin="posts/naive.md")
    no_origin = replace(naive, id="urn:x:no-origin", origin="")
    result = RENDERERS[fmt](CHANNEL, [CHINESE, naive, MARKUP, no_origin])
    assert isinstance(result, Rendered)
    assert [problem.origin for problem in result.dropped] == ["posts/naive.md", "urn:x:no-origin"]
    assert "naive datetime" in result.dropped[0].message
    assert "urn:x:naive" in result.dropped[0].message
    _, items = _read_back(fmt, result.data)
    assert [item["id"] for item in items] == [CHINESE.id, MARKUP.id]
    assert b"naive" not in result.data


def test_dropped_entry_does_not_count_for_the_channel_date() -> None:
    later_but_broken = replace(PLAIN, id="urn:x:broken", published=datetime(2030, 1, 1), updated=None)
    rss = _xml(render_rss(CHANNEL, [later_but_broken, CHINESE]).data)
    assert rss.findtext("channel/lastBuildDate") == "Tue, 07 Jun 2022 07:07:31 +0000"
    atom = _xml(render_atom(CHANNEL, [later_but_broken, CHINESE]).data)
    assert atom.findtext(f"{ATOM}updated") == "2022-06-07T07:07:31Z"


# --- dates ----------------------------------------------------------------------------


def test_dates_are_formatted_in_utc_by_hand() -> None:
    moment = datetime(2022, 1, 2, 3, 4, 5, 999999, tzinfo=timezone(timedelta(hours=-5)))
    assert format_rfc822(moment) == "Sun, 02 Jan 2022 08:04:05 +0000"
    assert format_rfc3339(moment) == "2022-01-02T08:04:05Z"
    assert format_rfc3339(datetime(999, 12, 31, tzinfo=UTC)) == "0999-12-31T00:00:00Z"
    with pytest.raises(ValueError, match="naive"):
        format_rfc822(datetime(2022, 1, 1))


# --- OPML and index.json ------------------------------------------------------------


def test_opml_outlines() -> None:
    opml = _xml(render_opml("Feeds", INFOS, "https://example.com"))
    assert opml.get("version") == "2.0"
    assert opml.findtext("head/title") == "Feeds"
    assert opml.find("head/dateCreated") is None
    outlines = [dict(outline.attrib) for outline in opml.findall("body/outline")]
    assert outlines == [
        {"type": "rss", "text": "示例站点", "title": "示例站点", "xmlUrl": "https://example.com/all/rss.xml",
         "description": "Everything"},
        {"type": "rss", "text": "金融 / 新浪财经", "title": "金融 / 新浪财经",
         "xmlUrl": "https://example.com/category/%E9%87%91%E8%9E%8D/%E6%96%B0%E6%B5%AA%E8%B4%A2%E7%BB%8F/rss.xml",
         "category": "金融/新浪财经"},
        {"type": "rss", "text": "Tag: python & <co>", "title": "Tag: python & <co>",
         "xmlUrl": "https://example.com/tag/python/atom.xml"},
    ]


def test_file_url_joins_with_one_slash() -> None:
    assert file_url("https://example.com/feeds", "a b/rss.xml") == "https://example.com/feeds/a%20b/rss.xml"
    assert file_url("https://example.com/feeds/", "/x/rss.xml") == "https://example.com/feeds/x/rss.xml"


def test_index_json() -> None:
    index = json.loads(render_index_json(INFOS))
    assert [item["channel"] for item in index] == ["all", "金融/新浪财经", "python", "empty"]
    assert index[1] == {
        "channel": "金融/新浪财经",
        "kind": "category",
        "title": "金融 / 新浪财经",
        "description": "",
        "category": ["金融", "新浪财经"],
        "entries": 1,
        "files": {"rss": "category/金融/新浪财经/rss.xml", "json": "category/金融/新浪财经/feed.json"},
    }
    assert index[0]["category"] is None
    data = render_index_json(INFOS)
    assert data.endswith(b"]\n") and "金融".encode() in data


# --- any text renders -----------------------------------------------------------------

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)  # controls and lone surrogates too


@settings(max_examples=150, deadline=None)
@given(
    title=ANY_TEXT, summary=ANY_TEXT, content=ANY_TEXT, link_path=ANY_TEXT, tag=ANY_TEXT,
    category=st.lists(ANY_TEXT, min_size=1, max_size=3), author=ANY_TEXT, language=ANY_TEXT,
)
def test_any_text_renders_in_every_format(
    title: str, summary: str, content: str, link_path: str, tag: str, category: list[str], author: str, language: str,
) -> None:
    entry = replace(
        ENGLISH, title=title, summary=summary, content_html=content, link="https://example.com/" + link_path,
        tags=(tag,), categories=(tuple(category),), authors=(Author(author, email=author, uri=author),),
        language=language,
    )
    channel = replace(CHANNEL, title=title, description=summary, language=language, author=author)
    for fmt, render in RENDERERS.items():
        result = render(channel, [entry, PLAIN])
        assert result.dropped == (), fmt
        assert result == render(channel, [entry, PLAIN]), fmt
        if fmt == "json":
            assert len(json.loads(result.data.decode("utf-8"))["items"]) == 2
        else:
            root = _xml(result.data)
            assert len(root.findall(".//item") + root.findall(f"{ATOM}entry")) == 2, fmt


# --- optional channel fields and via links --------------------------------------------

RSS_ATOM_LINK = "{http://www.w3.org/2005/Atom}link"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
ICON = "https://example.com/favicon.png"
LOGO = "https://example.com/logo.png"
HUBS = ("https://hub.example.com/", "https://hub2.example.com/websub?a=1&b=2")


def _rss_head(channel: Channel, entries: tuple[Entry, ...] = (PLAIN,)) -> etree._Element:
    head = _xml(render_rss(channel, entries).data).find("channel")
    assert head is not None
    return head


def _atom_links(element: etree._Element) -> list[dict[str, str]]:
    return [{str(key): str(value) for key, value in link.attrib.items()} for link in element.findall(f"{ATOM}link")]


def _json(channel: Channel, entries: tuple[Entry, ...] = (PLAIN,)) -> dict[str, Any]:
    feed: dict[str, Any] = json.loads(render_json(channel, entries).data)
    return feed


@pytest.mark.parametrize(("icon", "logo", "expected"), [(ICON, LOGO, LOGO), (ICON, None, ICON), (None, LOGO, LOGO)])
def test_rss_image_is_the_logo_else_the_icon(icon: str | None, logo: str | None, expected: str) -> None:
    image = _rss_head(replace(CHANNEL, icon=icon, logo=logo)).find("image")
    assert image is not None
    assert [(child.tag, child.text) for child in image] == [("url", expected), ("title", "示例站点"), ("link", BASE)]


def test_rss_without_icon_or_logo_has_no_image() -> None:
    assert _rss_head(replace(CHANNEL, icon="", logo=" ")).find("image") is None


def test_atom_icon_and_logo() -> None:
    feed = _xml(render_atom(replace(CHANNEL, icon=ICON, logo="https://example.com/图 logo.png"), [PLAIN]).data)
    assert feed.findtext(f"{ATOM}icon") == ICON
    assert feed.findtext(f"{ATOM}logo") == "https://example.com/%E5%9B%BE%20logo.png"
    only_icon = _xml(render_atom(replace(CHANNEL, icon=ICON), [PLAIN]).data)
    assert only_icon.find(f"{ATOM}logo") is None


def test_json_favicon_is_the_icon_and_icon_the_logo_else_the_icon() -> None:
    both = _json(replace(CHANNEL, icon=ICON, logo=LOGO))
    assert (both["favicon"], both["icon"]) == (ICON, LOGO)
    only_icon = _json(replace(CHANNEL, icon=ICON))
    assert (only_icon["favicon"], only_icon["icon"]) == (ICON, ICON)
    only_logo = _json(replace(CHANNEL, logo=LOGO))
    assert "favicon" not in only_logo and only_logo["icon"] == LOGO


def test_copyright_in_rss_and_atom_not_in_json() -> None:
    channel = replace(CHANNEL, copyright="© Copyleft A & B\x07")
    assert _rss_head(channel).findtext("copyright") == "© Copyleft A & B"
    rights = _xml(render_atom(channel, [PLAIN]).data).find(f"{ATOM}rights")
    assert rights is not None and rights.text == "© Copyleft A & B" and rights.get("type") == "text"
    assert render_json(channel, [PLAIN]).data == render_json(CHANNEL, [PLAIN]).data  # JSON Feed has no field


def test_rss_summary_only_channel_has_no_content_encoded() -> None:
    item = _rss_head(replace(CHANNEL, full_content=False), (ENGLISH,)).find("item")
    assert item is not None
    assert item.find(CONTENT_ENCODED) is None
    assert item.findtext("description") == ENGLISH.summary
    assert b"<em>" not in render_rss(replace(CHANNEL, full_content=False), [ENGLISH]).data


def test_rss_summary_only_untitled_item_falls_back_to_its_link_not_its_content() -> None:
    untitled = replace(PLAIN, title="", summary="")
    item = _rss_head(replace(CHANNEL, full_content=False), (untitled,)).find("item")
    assert item is not None and item.findtext("description") == PLAIN.link


def test_atom_summary_only_channel_has_no_content() -> None:
    entry = _xml(render_atom(replace(CHANNEL, full_content=False), [ENGLISH]).data).find(f"{ATOM}entry")
    assert entry is not None
    assert entry.find(f"{ATOM}content") is None
    assert entry.findtext(f"{ATOM}summary") == ENGLISH.summary


def test_json_summary_only_channel_has_content_text() -> None:
    item = _json(replace(CHANNEL, full_content=False), (ENGLISH,))["items"][0]
    assert "content_html" not in item
    assert item["content_text"] == item["summary"] == ENGLISH.summary


def test_rss_hubs_next_to_the_self_link() -> None:
    head = _rss_head(replace(CHANNEL, hubs=(*HUBS, HUBS[0], "")))
    links = [dict(link.attrib) for link in head.findall(RSS_ATOM_LINK)]
    assert links == [
        {"href": f"{BASE}all/rss.xml", "rel": "self", "type": "application/rss+xml"},
        {"href": HUBS[0], "rel": "hub"},
        {"href": HUBS[1], "rel": "hub"},
    ]


def test_atom_hubs_next_to_the_self_link() -> None:
    links = _atom_links(_xml(render_atom(replace(CHANNEL, hubs=HUBS), [PLAIN]).data))
    assert [(link["rel"], link["href"]) for link in links] == [
        ("self", f"{BASE}all/atom.xml"), ("alternate", BASE), ("hub", HUBS[0]), ("hub", HUBS[1])]


def test_json_hubs() -> None:
    feed = _json(replace(CHANNEL, hubs=HUBS))
    assert feed["hubs"] == [{"type": "WebSub", "url": HUBS[0]}, {"type": "WebSub", "url": HUBS[1]}]
    assert feed["feed_url"] == f"{BASE}all/feed.json"
    assert list(feed)[-2:] == ["hubs", "items"]


ARCHIVE_LINKS = {"next-archive": f"{BASE}a/3", "current": f"{BASE}a/", "prev-archive": f"{BASE}a/1 x"}
ARCHIVE_ORDER = [("current", f"{BASE}a/"), ("prev-archive", f"{BASE}a/1%20x"), ("next-archive", f"{BASE}a/3")]


def test_rss_archive_links_in_rfc5005_order() -> None:
    head = _rss_head(replace(CHANNEL, archive_links=ARCHIVE_LINKS))
    links = [(link.get("rel"), link.get("href")) for link in head.findall(RSS_ATOM_LINK)]
    assert links == [("self", f"{BASE}all/rss.xml"), *ARCHIVE_ORDER]
    assert head.find(f"{{{FH_NS}}}archive") is None


def test_atom_archive_links_in_rfc5005_order() -> None:
    feed = _xml(render_atom(replace(CHANNEL, archive_links=ARCHIVE_LINKS), [PLAIN]).data)
    links = [(link["rel"], link["href"]) for link in _atom_links(feed)]
    assert links == [("self", f"{BASE}all/atom.xml"), ("alternate", BASE), *ARCHIVE_ORDER]
    assert feed.find(f"{{{FH_NS}}}archive") is None


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_archive_page_says_fh_archive_and_only_it_declares_fh(fmt: str) -> None:
    data = RENDERERS[fmt](replace(CHANNEL, is_archive=True), [PLAIN]).data
    root = _xml(data)
    head = root.find("channel") if fmt == "rss" else root
    assert head is not None
    marker = head.find(f"{{{FH_NS}}}archive")
    assert marker is not None and len(marker) == 0 and not marker.text
    assert root.nsmap["fh"] == FH_NS
    assert FH_NS.encode() not in RENDERERS[fmt](CHANNEL, [PLAIN]).data


def test_json_next_url_is_the_prev_archive_and_an_archive_page_is_expired() -> None:
    feed = _json(replace(CHANNEL, archive_links=ARCHIVE_LINKS))
    assert feed["next_url"] == f"{BASE}a/1%20x"  # JSON Feed's next_url leads to older items
    assert "expired" not in feed
    archive = _json(replace(CHANNEL, archive_links={"current": f"{BASE}a/"}, is_archive=True))
    assert "next_url" not in archive and archive["expired"] is True


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_unknown_archive_relation_is_a_caller_error(fmt: str) -> None:
    channel = replace(CHANNEL, archive_links={"alternate": f"{BASE}x", "current": BASE})
    with pytest.raises(ValueError, match=r"channel 'all': archive_links has relation.*'alternate'"):
        RENDERERS[fmt](channel, [PLAIN])


def test_atom_via_links_after_the_article_link() -> None:
    entry = _xml(render_atom(CHANNEL, [FULL_ENTRIES[0], FULL_ENTRIES[4]]).data).findall(f"{ATOM}entry")
    assert [link for link in _atom_links(entry[0]) if link["rel"] == "via"] == [
        {"href": VIA[0].link, "rel": "via", "title": "新浪财经"},
        {"href": "https://mirror.example/a%20b", "rel": "via", "title": "mirror"},
    ]
    assert _atom_links(entry[1]) == [
        {"href": EXPECTED_LINKS[MARKUP.id], "rel": "alternate", "type": "text/html"},
        {"href": "https://x.example/?a=1&b=2", "rel": "via"},  # no source name: no title
    ]


def test_json_via_extension() -> None:
    items = _json(CHANNEL, (FULL_ENTRIES[0], PLAIN, FULL_ENTRIES[4]))["items"]
    assert items[0]["_feedkit"] == {"via": [{"source": "新浪财经", "url": VIA[0].link},
                                            {"source": "mirror", "url": "https://mirror.example/a%20b"}]}
    assert list(items[0])[-1] == "_feedkit"
    assert "_feedkit" not in items[1]
    assert items[2]["_feedkit"] == {"via": [{"url": "https://x.example/?a=1&b=2"}]}


def test_rss_writes_nothing_for_via() -> None:
    with_via = render_rss(CHANNEL, [replace(PLAIN, via=VIA)]).data
    assert with_via == render_rss(CHANNEL, [PLAIN]).data


def test_via_links_are_cleaned_and_written_once() -> None:
    noisy = (Via("a\x07", "https://v.example/1\x00"), Via("a", "https://v.example/1"), Via("b", " "))
    entry = _xml(render_atom(CHANNEL, [replace(PLAIN, via=noisy)]).data).find(f"{ATOM}entry")
    assert entry is not None
    assert [link for link in _atom_links(entry) if link["rel"] == "via"] == [
        {"href": "https://v.example/1", "rel": "via", "title": "a"}]


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_readers_take_the_article_link_from_the_full_feed(fmt: str) -> None:
    parsed = feedparser.parse(RENDERERS[fmt](full_channel(fmt), FULL_ENTRIES).data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [item.link for item in parsed.entries] == [EXPECTED_LINKS[entry.id] for entry in FULL_ENTRIES]
    assert parsed.feed.rights == FULL_CHANNEL.copyright
    logo = parsed.feed.image.href if fmt == "rss" else parsed.feed.logo
    assert logo == "https://example.com/%E5%9B%BE%E7%89%87/logo.png"
    assert {link.href for link in parsed.feed.links if link.rel == "hub"} == set(FULL_CHANNEL.hubs)


def test_full_json_feed_follows_the_spec() -> None:
    feed = _json(full_channel("json"), FULL_ENTRIES)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    spec_order = ["version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url",
                  "icon", "favicon", "authors", "language", "expired", "hubs", "items"]
    assert list(feed) == [key for key in spec_order if key in feed]
    for item in feed["items"]:
        assert isinstance(item["id"], str) and ("content_html" in item or "content_text" in item)
        assert all(key in JSON_ITEM_KEYS or key.startswith("_") for key in item)


JSON_ITEM_KEYS = {"id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
                  "banner_image", "date_published", "date_modified", "authors", "tags", "language", "attachments"}


@settings(max_examples=100, deadline=None)
@given(text=ANY_TEXT, flag=st.booleans())
def test_any_text_in_the_new_fields_renders_in_every_format(text: str, flag: bool) -> None:
    url = "https://example.com/" + text
    channel = replace(CHANNEL, icon=url, logo=url, copyright=text, full_content=flag, hubs=(url, text),
                      archive_links={"current": url, "prev-archive": text}, is_archive=flag)
    entry = replace(ENGLISH, via=(Via(text, url), Via(text, text)))
    for fmt, render in RENDERERS.items():
        result = render(channel, [entry])
        assert result.dropped == (), fmt
        assert result == render(channel, [entry]), fmt
        if fmt == "json":
            assert len(json.loads(result.data.decode("utf-8"))["items"]) == 1
        else:
            _xml(result.data)


def test_rss_descriptions_hold_plain_text_as_html() -> None:
    """RSS descriptions are HTML to every reader: a plain-text summary of ``<script>alert(1)</script>`` (an
    article whose text says so) was published as a script element there (found by the hostile mix's
    output check).  The summary and the channel's description (made of category names) are escaped."""
    hostile = replace(ENGLISH, summary="<script>alert(1)</script> & <img src=x onerror=alert(1)>")
    channel = replace(CHANNEL, description="News: <img src=x onerror=alert(2)>")
    root = _xml(render_rss(channel, [hostile]).data)
    assert root.findtext("channel/description") == "News: &lt;img src=x onerror=alert(2)&gt;"
    assert root.findtext("channel/item/description") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;")
    summary = feedparser.parse(render_rss(channel, [hostile]).data).entries[0].summary  # HTML, shown as the text
    assert etree.fromstring(f"<p>{summary}</p>").text == hostile.summary
