"""The browser view: the ``<?xml-stylesheet?>`` instruction, the XSL stylesheet and ``index.html``.

Regenerate the golden ``index.html`` with ``FEEDKIT_UPDATE_GOLDEN=1 pytest tests/test_pages.py``
and review the diff.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html

from feedkit.model import Author, Channel, ChannelInfo, Entry, Image
from feedkit.render.formats import FILE_NAMES, RENDERERS, render_atom, render_rss
from feedkit.render.pages import (
    STYLESHEET_NAME,
    channel_key,
    render_index_html,
    stylesheet_bytes,
    stylesheet_href,
)

GOLDEN = Path(__file__).parent / "data" / "golden"
UPDATE = os.environ.get("FEEDKIT_UPDATE_GOLDEN") == "1"
BASE = "https://example.com/"
SEED_TITLE = "_纾困帮扶 益企惠企_助力中小企业渡难关、谋发展"
SEED_IMAGE = "https://n.sinaimg.cn/finance/crawl/51/w550h301/20220607/8502-e565c9b2b8ed2f0de45aca6c5d51810e.png"

CHANNEL = Channel(
    slug="金融", kind="category", title="示例新闻：金融", description="金融与财经新闻", category=("金融",),
    link=BASE, feed_urls={fmt: f"{BASE}category/金融/{name}" for fmt, name in FILE_NAMES.items()},
    language="zh-CN",
)
CHINESE = Entry(
    id="urn:uuid:0b7a4c57-6a6e-5d1c-9a3f-2f0c1d6e8a01", title=SEED_TITLE,
    link="https://example.com/2022/06/07/纾困帮扶/", published=datetime(2022, 6, 7, 7, 7, 31, tzinfo=UTC),
    summary="为深入贯彻党中央、国务院决策部署……", content_html="<p>正文<b>加粗</b></p>",
    categories=(("金融", "新浪财经"),), tags=("中小企业",), authors=(Author("新浪财经"),),
    image=Image(SEED_IMAGE, "image/png"),
)
HOSTILE = Entry(
    id="urn:uuid:1a2b3c4d-5e6f-5a7b-8c9d-0e1f2a3b4c5d", title="Tom & Jerry <b>not bold</b>",
    link="javascript:alert(1)", published=datetime(2022, 6, 6, 20, 5, tzinfo=timezone(timedelta(hours=8))),
    summary="<script>alert('x')</script> & <img src=x onerror=alert(2)>",
    content_html="<p>CONTENT-ONLY-MARKER</p>", tags=("<c>",),
    image=Image("javascript:alert(3)", "image/png"),
)
ENTRIES = (CHINESE, HOSTILE)


def transform(feed: bytes) -> html.HtmlElement:
    """Apply the packaged stylesheet the way a browser does and parse the HTML it writes."""
    xslt = etree.XSLT(etree.fromstring(stylesheet_bytes()))
    result = xslt(etree.fromstring(feed))
    return html.document_fromstring(str(result))


def texts(page: html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(element.text_content().split()) for element in page.xpath(xpath)]


# --- the processing instruction -------------------------------------------------------


@pytest.mark.parametrize(("feed_path", "href"), [
    ("all/rss.xml", "../feed.xsl"),
    ("category/金融/新浪财经/atom.xml", "../../../feed.xsl"),
    ("/tag/python/rss.xml", "../../feed.xsl"),
    ("rss.xml", "feed.xsl"),
])
def test_stylesheet_href_climbs_one_level_per_folder(feed_path: str, href: str) -> None:
    assert stylesheet_href(feed_path) == href


@pytest.mark.parametrize("feed_path", ["", "/", "../rss.xml", "all/./rss.xml"])
def test_stylesheet_href_refuses_paths_that_are_not_plain(feed_path: str) -> None:
    with pytest.raises(ValueError, match="not a plain relative file path"):
        stylesheet_href(feed_path)


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_stylesheet_instruction_follows_the_declaration_and_changes_nothing_else(render: object) -> None:
    assert callable(render)
    plain = render(CHANNEL, ENTRIES).data
    styled = render(CHANNEL, ENTRIES, stylesheet="../feed.xsl").data
    declaration, rest = plain.split(b"\n", 1)
    assert styled == declaration + b'\n<?xml-stylesheet type="text/xsl" href="../feed.xsl"?>\n' + rest
    root = etree.fromstring(styled)
    instruction = root.getprevious()
    assert isinstance(instruction, etree._XSLTProcessingInstruction)
    assert instruction.get("href") == "../feed.xsl"


def test_renderers_mapping_still_works_without_a_stylesheet() -> None:
    for fmt in ("rss", "atom", "json"):
        assert b"xml-stylesheet" not in RENDERERS[fmt](CHANNEL, ENTRIES).data


def test_stylesheet_href_cannot_break_out_of_the_instruction() -> None:
    data = render_rss(CHANNEL, ENTRIES, stylesheet='a b"?><x y="&.xsl').data
    second_line = data.split(b"\n")[1]
    assert second_line == b'<?xml-stylesheet type="text/xsl" href="a%20b%22?%3E%3Cx%20y=%22&amp;.xsl"?>'
    assert etree.fromstring(data).tag == "rss"


def test_empty_stylesheet_href_is_refused() -> None:
    with pytest.raises(ValueError, match="empty stylesheet href"):
        render_atom(CHANNEL, ENTRIES, stylesheet=" ")


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_feedparser_reads_a_styled_feed_like_a_plain_one(render: object) -> None:
    assert callable(render)
    plain = feedparser.parse(render(CHANNEL, ENTRIES).data)
    styled = feedparser.parse(render(CHANNEL, ENTRIES, stylesheet="../../feed.xsl").data)
    assert not styled.bozo
    assert styled.feed.title == plain.feed.title == "示例新闻：金融"
    assert [(e.title, e.get("link"), e.published_parsed) for e in styled.entries] == [
        (e.title, e.get("link"), e.published_parsed) for e in plain.entries
    ]


# --- the XSL stylesheet ---------------------------------------------------------------


def test_stylesheet_is_xslt_1_without_output_escaping_tricks_or_external_resources() -> None:
    source = stylesheet_bytes()
    root = etree.fromstring(source)
    assert root.get("version") == "1.0"
    assert root.xpath("//@disable-output-escaping") == []
    assert b"<script" not in source and b"@import" not in source and b"url(" not in source
    assert STYLESHEET_NAME == "feed.xsl"


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_stylesheet_shows_the_channel_the_subscribe_box_and_every_entry(render: object) -> None:
    assert callable(render)
    page = transform(render(CHANNEL, ENTRIES, stylesheet="../feed.xsl").data)
    kind = "rss" if render is render_rss else "atom"
    assert page.get("lang") == "zh-CN"
    assert texts(page, "//h1") == ["示例新闻：金融"]
    assert texts(page, "//p[@class='description']") == ["金融与财经新闻"]
    assert texts(page, "//section[@id='subscribe']//code") == [
        f"https://example.com/category/%E9%87%91%E8%9E%8D/{FILE_NAMES[kind]}"]
    assert "NetNewsWire" in texts(page, "//section[@id='subscribe']")[0]
    assert texts(page, "//article/h3") == [SEED_TITLE, "Tom & Jerry <b>not bold</b>"]
    assert texts(page, "//article[1]//time") == ["2022-06-07 07:07 UTC"]
    assert texts(page, "//article[2]//time") == ["2022-06-06 12:05 UTC"]
    assert texts(page, "//article[1]//span[@class='author']") == ["新浪财经"]
    assert texts(page, "//article[1]//ul[@class='categories']/li") == ["金融/新浪财经", "中小企业"]
    assert page.xpath("//article[1]//img/@src") == [SEED_IMAGE]
    assert page.xpath("//article[1]/h3/a/@href") == ["https://example.com/2022/06/07/%E7%BA%BE%E5%9B%B0%E5%B8%AE%E6%89%B6/"]


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_stylesheet_shows_markup_in_untrusted_text_as_text(render: object) -> None:
    assert callable(render)
    page = transform(render(CHANNEL, ENTRIES).data)
    assert page.xpath("//script") == []
    assert page.xpath("//b") == []
    assert texts(page, "//article[2]/p[@class='summary']") == [
        "<script>alert('x')</script> & <img src=x onerror=alert(2)>"]
    assert texts(page, "//article[2]//ul[@class='categories']/li") == ["<c>"]
    assert page.xpath("//@onerror") == []


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_stylesheet_links_and_images_only_http_urls(render: object) -> None:
    assert callable(render)
    page = transform(render(CHANNEL, ENTRIES).data)
    assert not [url for url in page.xpath("//@href | //@src") if not url.startswith("https://")]
    assert page.xpath("//article[2]/h3/a") == []
    assert page.xpath("//article[2]//img") == []


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_stylesheet_never_shows_the_html_content(render: object) -> None:
    assert callable(render)
    page = transform(render(CHANNEL, ENTRIES).data)
    assert "CONTENT-ONLY-MARKER" not in page.text_content()
    assert "加粗" not in page.text_content()


def test_stylesheet_speaks_english_to_an_english_feed_and_handles_an_empty_one() -> None:
    channel = Channel(title="Example", link=BASE, language="en")
    page = transform(render_atom(channel, ()).data)
    assert page.get("lang") == "en"
    assert texts(page, "//h2") == ["This is a feed"]
    assert texts(page, "//p[@class='kind']") == ["Atom · 0 entries"]
    assert texts(page, "//p[@class='empty']") == ["No entries yet."]
    assert texts(page, "//p[@class='url']") == ["Copy the URL from your browser's address bar."]
    assert texts(page, "//h1") == ["Example"]


def test_stylesheet_keeps_a_date_it_does_not_know_as_written() -> None:
    feed = b"""<rss version="2.0"><channel><title>T</title><item><title>A</title>
        <pubDate>Mon, 6 Jun 2022 08:00:00 GMT</pubDate></item></channel></rss>"""
    assert texts(transform(feed), "//time") == ["Mon, 6 Jun 2022 08:00:00 GMT"]


def test_stylesheet_shortens_a_long_summary() -> None:
    entry = Entry("urn:x:1", "Long", "https://example.com/l", datetime(2022, 1, 1, tzinfo=UTC), summary="字" * 700)
    page = transform(render_rss(CHANNEL, (entry,)).data)
    assert texts(page, "//p[@class='summary']") == ["字" * 600 + "…"]


# --- index.html -----------------------------------------------------------------------

INFOS = (
    ChannelInfo("all", "all", "示例站点", "Everything", None, 5,
                {"rss": "all/rss.xml", "atom": "all/atom.xml", "json": "all/feed.json"}),
    ChannelInfo("金融", "category", "金融", "", ("金融",), 3, {"rss": "category/金融/rss.xml"}),
    ChannelInfo("金融/新浪财经", "category", "金融 / 新浪财经", "Sina", ("金融", "新浪财经"), 1,
                {"rss": "category/金融/新浪财经/rss.xml", "atom": "category/金融/新浪财经/atom.xml"}),
    ChannelInfo("tech/python", "category", "Tech / Python", "", ("Tech", "Python"), 2,
                {"atom": "category/tech/python/atom.xml"}),
    ChannelInfo("evil", "tag", '"><script>alert(1)</script>\x07', "", None, 1, {"rss": "tag/evil/rss.xml"}),
    ChannelInfo("empty", "tag", "No files", "", None, 0, {}),
    ChannelInfo("ada", "author", "Ada", "", None, 1, {"json": "author/ada/feed.json"}),
)
UPDATED = {"all": datetime(2022, 6, 7, 15, 7, 31, tzinfo=timezone(timedelta(hours=8))),
           "category/金融/新浪财经": datetime(2022, 6, 1, tzinfo=UTC), "tag/empty": None}


def index(**kwargs: object) -> bytes:
    return render_index_html("示例站点 <feeds>", "All & everything", INFOS, "https://example.com",
                             updated=UPDATED, language="zh_CN", **kwargs)  # type: ignore[arg-type]


def test_index_html_golden() -> None:
    data = index()
    path = GOLDEN / "index.html"
    if UPDATE:
        path.write_bytes(data)
    assert path.exists(), f"{path} missing: run with FEEDKIT_UPDATE_GOLDEN=1"
    assert data == path.read_bytes(), f"index.html differs from {path}; regenerate with FEEDKIT_UPDATE_GOLDEN=1"


def test_index_html_is_deterministic_and_starts_with_a_doctype() -> None:
    assert index() == index()
    assert index().startswith(b"<!DOCTYPE html>\n<html lang=\"zh-CN\">")


def test_index_html_has_autodiscovery_links_for_every_feed_file() -> None:
    page = html.document_fromstring(index())
    links = [(link.get("type"), link.get("title"), link.get("href"))
             for link in page.xpath("/html/head/link[@rel='alternate']")]
    assert links == [
        ("application/rss+xml", "示例站点 (RSS)", "https://example.com/all/rss.xml"),
        ("application/atom+xml", "示例站点 (Atom)", "https://example.com/all/atom.xml"),
        ("application/feed+json", "示例站点 (JSON Feed)", "https://example.com/all/feed.json"),
        ("application/rss+xml", "金融 (RSS)", "https://example.com/category/%E9%87%91%E8%9E%8D/rss.xml"),
        ("application/rss+xml", "金融 / 新浪财经 (RSS)",
         "https://example.com/category/%E9%87%91%E8%9E%8D/%E6%96%B0%E6%B5%AA%E8%B4%A2%E7%BB%8F/rss.xml"),
        ("application/atom+xml", "金融 / 新浪财经 (Atom)",
         "https://example.com/category/%E9%87%91%E8%9E%8D/%E6%96%B0%E6%B5%AA%E8%B4%A2%E7%BB%8F/atom.xml"),
        ("application/atom+xml", "Tech / Python (Atom)", "https://example.com/category/tech/python/atom.xml"),
        ("application/rss+xml", '"><script>alert(1)</script> (RSS)', "https://example.com/tag/evil/rss.xml"),
        ("application/feed+json", "Ada (JSON Feed)", "https://example.com/author/ada/feed.json"),
    ]


def test_index_html_escapes_untrusted_titles() -> None:
    data = index()
    page = html.document_fromstring(data)
    assert page.xpath("//script") == []
    assert b"<script>" not in data
    assert texts(page, "//title") == ["示例站点 <feeds>"]
    assert texts(page, "//li[@id='tag/evil']//a[@class='name']") == ['"><script>alert(1)</script>']
    assert texts(page, "//header/p") == ["All & everything"]


def test_index_html_groups_channels_and_nests_categories_by_path() -> None:
    page = html.document_fromstring(index())
    assert texts(page, "//h2[@class='group']") == ["全部", "分类", "标签", "作者"]
    sina = page.xpath("//li[@id='category/金融']/ul/li[@id='category/金融/新浪财经']")
    assert len(sina) == 1
    assert texts(page, "//li[@id='category/金融/新浪财经']//a[@class='name']") == ["新浪财经"]
    # "Tech" has no channel of its own: a plain label holds its child.
    tech = page.xpath("//main/ul/li[not(@id)][.//span[@class='name']='Tech']")
    assert len(tech) == 1
    assert tech[0].xpath("ul/li/@id") == ["category/tech/python"]


def test_index_html_lists_formats_counts_and_last_updates() -> None:
    page = html.document_fromstring(index())
    all_channel = page.xpath("//li[@id='all']")[0]
    assert all_channel.xpath(".//a[@class='name']/@href") == ["all/rss.xml"]
    assert [(a.text, a.get("href")) for a in all_channel.xpath(".//span[@class='formats']/a")] == [
        ("RSS", "all/rss.xml"), ("Atom", "all/atom.xml"), ("JSON Feed", "all/feed.json")]
    assert texts(all_channel, ".//span[@class='count']") == ["5 篇"]
    assert all_channel.xpath(".//time/@datetime") == ["2022-06-07T07:07:31Z"]
    assert texts(all_channel, ".//time") == ["更新于 2022-06-07 07:07 UTC"]
    sina = page.xpath("//li[@id='category/金融/新浪财经']")[0]
    assert sina.xpath("./div//a/@href")[0] == "category/%E9%87%91%E8%9E%8D/%E6%96%B0%E6%B5%AA%E8%B4%A2%E7%BB%8F/rss.xml"
    assert texts(sina, "./p/span[@class='description']") == ["Sina"]
    assert page.xpath("//li[@id='category/金融']/p/time") == []
    assert texts(page, "//li[@id='tag/empty']/p") == ["0 篇 · 没有文件"]
    assert page.xpath("//li[@id='tag/empty']//a") == []


def test_index_html_links_the_opml_file_to_subscribe_to_everything() -> None:
    page = html.document_fromstring(index())
    assert [(a.get("href"), a.text) for a in page.xpath("//section[@class='subscribe']//a")] == [
        ("index.opml", "https://example.com/index.opml")]


def test_index_html_in_english_without_dates_or_language() -> None:
    data = render_index_html("Site", "", INFOS[:1], "https://example.com/")
    page = html.document_fromstring(data)
    assert page.get("lang") is None
    assert texts(page, "//li[@id='all']/p") == ["5 entries · Everything"]
    assert texts(page, "//h2[@class='group']") == ["Everything"]
    assert page.xpath("//header/p") == []


def test_index_html_refuses_a_naive_update_time() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        render_index_html("Site", "", INFOS[:1], BASE, updated={"all": datetime(2022, 1, 1)})


def test_channel_key_is_the_channel_folder() -> None:
    assert [channel_key(info) for info in INFOS[:3]] == ["all", "category/金融", "category/金融/新浪财经"]
