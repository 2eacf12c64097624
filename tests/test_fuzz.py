"""Property tests (fuzzing) of the two parsers of untrusted input and of the renderers behind them.

* :func:`feedkit.articles.parse_article` never raises, whatever the bytes or the front matter:
  what is wrong comes back as problems.
* :func:`feedkit.upstream.parse_feed` raises nothing but :class:`~feedkit.errors.InputError`,
  for arbitrary bytes and for real feeds mutated (bytes flipped, cut, spliced with hostile
  snippets).
* Every entry either gives has aware UTC dates and XML-safe strings, and every renderer turns
  them into a document that parses (RSS and Atom: well-formed XML; JSON Feed: JSON).

The default run is short (``FUZZ_EXAMPLES`` examples per property, a few seconds in all).
For a long run set ``FEEDKIT_FUZZ_EXAMPLES`` (docs/testing.md)::

    FEEDKIT_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feedkit.articles.parse import parse_article
from feedkit.config.types import ArticleSourceConfig, UpstreamSourceConfig
from feedkit.errors import InputError
from feedkit.model import Channel, Entry
from feedkit.render.formats import RENDERERS
from feedkit.upstream.parse import parse_feed

FUZZ_EXAMPLES = int(os.environ.get("FEEDKIT_FUZZ_EXAMPLES", "100"))
"""Examples per property; the environment variable makes a long run."""
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize="FEEDKIT_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)

SOURCE = ArticleSourceConfig(paths=(), name="fuzz", timezone="Asia/Shanghai")
FEED = UpstreamSourceConfig(url="https://up.example/feed.xml", name="fuzz-feed", timezone="Asia/Shanghai")
NOW = datetime(2024, 1, 1, tzinfo=UTC)
CHANNEL = Channel(slug="all", kind="all", title="Fuzz", description="Fuzzed entries", category=None,
                  link="https://news.example.org/",
                  feed_urls={fmt: f"https://news.example.org/all/{fmt}" for fmt in ("rss", "atom", "json")})
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# --- the inputs ------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "", " ", "\x00", "\x01\x08\x0b\x0c\x1f", "\ufffe\uffff", "\ud800", "\u202e\u200b\ufeff", "../../etc/passwd",
    "..", "/", "\\", "C:\\x", "CON", "nul", "rss.xml", "javascript:alert(1)", "file:///etc/passwd",
    "//evil.example/", "data:text/html,<script>x</script>", "<script>alert(1)</script>", "&xxe;", "&#0;",
    "&#xD800;", "]]>", "<![CDATA[x]]>", "<!---->" * 30 + "x", "[" * 500, "@" * 500, " " * 500 + "x",
    "新浪财经－国內", "2022年06月07日 10:05", "Tue, 07 Jun 2022 07:07:31 GMT", "0000-01-01",
    "9999-12-31T23:59:59-14:00",
    "1e400", "-1", "x" * 3000, "中" * 1000, "a > b > c", "a/b/c", "<!-- more -->",
]
text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=60))
scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
                   st.floats(allow_nan=True, allow_infinity=True), text,
                   st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
                   st.dates())
value = st.recursive(scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(text, inner, max_size=4)), max_leaves=12)
KEYS = ["title", "date", "updated", "categories", "category", "tags", "keywords", "author", "authors", "permalink",
        "link", "id", "guid", "image", "cover", "thumbnail", "description", "summary", "excerpt", "draft",
        "published", "lang", "path", "url"]
front_matter = st.dictionaries(st.one_of(st.sampled_from(KEYS), text), value, max_size=8)
BODY_PIECES = ["<p>", "</p>", "<div>", "<img src=x>", "<a href='javascript:x'>", "# h", "    code", "<!-- more -->",
               "&nbsp;", "{% x %}", "\n", "中文。", "<h1>t</h1>"]
body = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=300),
                 st.lists(st.sampled_from(BODY_PIECES), max_size=20).map("".join))


def yaml_document(meta: dict[Any, Any], text_body: str) -> bytes:
    return ("---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + text_body).encode("utf-8", "surrogatepass")


def json_document(meta: dict[Any, Any], text_body: str) -> bytes:
    return (json.dumps(meta, default=str) + "\n" + text_body).encode("utf-8", "surrogatepass")


def toml_document(meta: dict[Any, Any], text_body: str) -> bytes:
    lines = [f"{json.dumps(str(k))} = {json.dumps(v if isinstance(v, str | int | bool) else str(v))}"
             for k, v in meta.items()]
    return ("+++\n" + "\n".join(lines) + "\n+++\n" + text_body).encode("utf-8", "surrogatepass")


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Upstream 新闻</title><link>https://up.example/</link>
<description>d</description><language>zh-cn</language>
<item><title>第一条 &amp; more</title><link>https://up.example/1</link><guid>https://up.example/1</guid>
<pubDate>Tue, 07 Jun 2022 07:07:31 GMT</pubDate><dc:creator>编辑</dc:creator><category>金融</category>
<category>News &gt; World</category><description>&lt;p&gt;摘要。&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>正文 <img src="//n.sinaimg.cn/x.jpg"> <a href="/rel">link</a></p>]]></content:encoded>
<media:thumbnail url="https://up.example/t.png"/>
<enclosure url="https://up.example/a.mp3" type="audio/mpeg" length="1"/>
</item><item><title>Second</title><guid isPermaLink="false">x-2</guid><pubDate>2016/6/29 15:07:41</pubDate>
<author>a@b.example (Someone)</author><description>plain text</description></item></channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://agency.example/news/" xml:lang="en">
<title type="html">Agency &lt;b&gt;news&lt;/b&gt;</title><id>urn:agency</id><updated>2022-06-08T00:00:00Z</updated>
<link href="https://agency.example/"/><author><name>Desk</name><email>desk@agency.example</email></author>
<entry><id>urn:agency:1</id><title>One</title><link rel="alternate" href="one.html"/>
<published>2022-06-08T01:00:00+08:00</published><updated>2022-06-09T01:00:00Z</updated>
<summary>Short</summary><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Full <b>text</b></p></div>
</content><category term="World" label="World news"/></entry>
<entry><id>urn:agency:2</id><title type="text">Two</title><updated>2022-06-07T00:00:00Z</updated>
<content type="html">&lt;p&gt;Body &lt;script&gt;x()&lt;/script&gt;&lt;/p&gt;</content></entry></feed>"""
RDF = """<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example/"><title>RDF</title><link>https://rdf.example/</link></channel>
<item rdf:about="https://rdf.example/1"><title>R1</title><link>https://rdf.example/1</link>
<dc:date>2022-06-07T10:00:00+09:00</dc:date><dc:subject>Tech</dc:subject></item></rdf:RDF>"""
JSON_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "JSON", "home_page_url": "https://json.example/",
    "authors": [{"name": "J"}], "language": "en",
    "items": [{"id": "1", "url": "https://json.example/1", "title": "J1", "content_html": "<p>x</p>",
               "date_published": "2022-06-07T10:00:00Z", "tags": ["a", "b/c"], "image": "https://json.example/i.png"},
              {"id": "2", "content_text": "plain\n\ntext", "date_modified": "2022-06-08T10:00:00+02:00"}],
}, ensure_ascii=False)
SEED_FEEDS = [RSS.encode(), ATOM.encode(), RDF.encode(), JSON_FEED.encode(), RSS.encode("utf-16"),
              RSS.replace('encoding="utf-8"', 'encoding="gb2312"').encode("gb18030")]
SNIPPETS = [
    b"<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>", b"&xxe;", b"<!ENTITY a \"&b;&b;\">", b"\x00",
    b"\xff\xfe", b"\xc3\x28", b"]]>", b"<item>", b"</item>", b"<entry>", b"<link>javascript:alert(1)</link>",
    b"<pubDate>0000-00-00</pubDate>", b"<pubDate>Sun, 31 Dec 9999 23:59:59 -1400</pubDate>",
    b"<guid>" + b"g" * 3000 + b"</guid>", b"<category>" + b" &gt; ".join([b"c"] * 50) + b"</category>",
    b"<author>" + b"@" * 2000 + b"</author>",
    b'{"items": [[1], 2, {"id": [1]}]}', b'"date_published": 1e400', b"<!---->" * 30,
    b"<x>" * 300,
    b"&#0;", b"&#xFFFE;", b"\x1b[31m", "\u202e".encode(), b"<?xml version='1.0' encoding='bogus'?>",
]


@st.composite
def mutated_feed(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEED_FEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "splice"]))
        position = draw(st.integers(min_value=0, max_value=len(data)))
        if action == "flip" and data:
            index = min(position, len(data) - 1)
            data[index] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del data[position:position + draw(st.integers(min_value=1, max_value=40))]
        elif action == "truncate":
            del data[position:]
        else:
            data[position:position] = draw(st.sampled_from(SNIPPETS))
    return bytes(data)


# --- the properties --------------------------------------------------------------------------


def check_entries(entries: Sequence[Entry]) -> None:
    """Aware UTC dates, XML-safe strings; and every renderer makes a document that parses."""
    for entry in entries:
        for moment in (entry.published, entry.updated):
            if moment is not None:
                assert moment.utcoffset() == timedelta(0), moment
        strings = [entry.id, entry.title, entry.link, entry.summary, entry.content_html, entry.language or "",
                   *entry.tags, *(name for path in entry.categories for name in path),
                   *(part or "" for a in entry.authors for part in (a.name, a.email, a.uri)),
                   entry.image.url if entry.image else ""]
        for value in strings:
            assert not ILLEGAL_XML.search(value), (entry.origin, value[:80])
    for fmt, render in RENDERERS.items():
        rendered = render(CHANNEL, entries)
        if fmt == "json":
            json.loads(rendered.data)
        else:
            etree.fromstring(rendered.data, etree.XMLParser(resolve_entities=False, no_network=True))
        assert len(rendered.dropped) <= len(entries)


def check_article(data: bytes, rel_path: str) -> None:
    result = parse_article(data, rel_path, SOURCE, origin=rel_path, site_base_url="https://news.example.org/",
                           mtime=1_654_585_651.0)
    for problem in result.problems:
        assert problem.origin == rel_path and problem.message
    check_entries([result.entry] if result.entry is not None else [])


def check_feed(data: bytes, headers: dict[str, str] | None = None) -> None:
    try:
        parsed = parse_feed(data, url=FEED.url, headers=headers or {}, source=FEED, now=NOW)
    except InputError as exc:
        assert exc.origin == FEED.url and exc.reason
        return
    check_entries(parsed.entries)


@FUZZ
@given(data=st.binary(max_size=2000), rel_path=st.sampled_from(["post.md", "post.html", "notes.txt", "a/b/c.markdown"]))
def test_parse_article_never_raises_on_arbitrary_bytes(data: bytes, rel_path: str) -> None:
    check_article(data, rel_path)


@FUZZ
@given(meta=front_matter, text_body=body,
       shape=st.sampled_from([yaml_document, json_document, toml_document]),
       rel_path=st.sampled_from(["2022-06-07-post.md", "post.html", "post.txt", "CON.md"]))
def test_parse_article_never_raises_on_structured_front_matter(
    meta: dict[Any, Any], text_body: str, shape: Any, rel_path: str
) -> None:
    try:
        data = shape(meta, text_body)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):
        return  # not representable in that syntax
    check_article(data, rel_path)


@FUZZ
@given(data=st.binary(max_size=2000),
       content_type=st.sampled_from([None, "text/html", "application/rss+xml; charset=gbk", "application/json",
                                     "text/plain; charset=bogus"]))
def test_parse_feed_raises_only_input_error_on_arbitrary_bytes(data: bytes, content_type: str | None) -> None:
    check_feed(data, {"Content-Type": content_type} if content_type else None)


@FUZZ
@given(data=mutated_feed())
def test_parse_feed_raises_only_input_error_on_mutated_real_feeds(data: bytes) -> None:
    check_feed(data)


JSON_KEYS = ["id", "url", "external_url", "title", "content_html", "content_text", "summary", "image", "banner_image",
             "date_published", "date_modified", "authors", "author", "tags", "language", "attachments", "_x"]
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
              st.floats(allow_nan=False, allow_infinity=False), text),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from([*JSON_KEYS, "name"]), inner, max_size=4)),
    max_leaves=10,
)
json_item = st.one_of(st.dictionaries(st.sampled_from(JSON_KEYS), json_value, max_size=8), json_value)


@FUZZ
@given(items=st.lists(json_item, max_size=5),
       top=st.dictionaries(st.sampled_from([*JSON_KEYS, "home_page_url", "feed_url"]), json_value, max_size=4))
def test_parse_feed_raises_only_input_error_on_json_feeds_of_wrong_types(
    items: list[Any], top: dict[str, Any]
) -> None:
    document = {**top, "version": "https://jsonfeed.org/version/1.1", "items": items}
    check_feed(json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def test_the_seed_feeds_give_entries() -> None:
    """The mutations start from feeds that parse: a seed that did not would test nothing."""
    for seed in SEED_FEEDS:
        parsed = parse_feed(seed, url=FEED.url, headers={}, source=FEED, now=NOW)
        assert parsed.entries, seed[:60]
        check_entries(parsed.entries)
