"""feedkit.upstream: one upstream document -> entries (small feeds written here as bytes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedkit.config.types import UpstreamSourceConfig
from feedkit.errors import ConfigError, InputError
from feedkit.identity import entry_id
from feedkit.model import Author, Entry, Image, Severity
from feedkit.upstream.parse import ParsedFeed, apply_filters, parse_feed

URL = "https://example.org/feed.xml"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SOURCE = UpstreamSourceConfig(url=URL, name="example")
ATOM_NS = 'xmlns="http://www.w3.org/2005/Atom"'
MODULES = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
)


def parse(
    body: bytes | str,
    *,
    url: str = URL,
    headers: dict[str, str] | None = None,
    source: UpstreamSourceConfig = SOURCE,
    first_seen: dict[str, datetime] | None = None,
) -> ParsedFeed:
    data = body.encode("utf-8") if isinstance(body, str) else body
    known = first_seen or {}
    return parse_feed(data, url=url, headers=headers or {}, source=source, now=NOW, first_seen=known.get)


def rss(items: str, channel: str = "<title>Example</title><link>https://example.org/</link>", attrs: str = "") -> str:
    head = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {MODULES} {attrs}>'
    return f"{head}<channel>{channel}{items}</channel></rss>"


def item(body: str, date: str = "Sat, 01 Jun 2024 08:00:00 GMT") -> str:
    return f"<item>{body}<pubDate>{date}</pubDate></item>" if date else f"<item>{body}</item>"


def only(parsed: ParsedFeed) -> Entry:
    assert len(parsed.entries) == 1, parsed
    return parsed.entries[0]


def warnings(parsed: ParsedFeed) -> list[str]:
    return [str(p) for p in parsed.problems if p.severity is Severity.WARNING]


# --- formats ------------------------------------------------------------------------------------


def test_rss2_item_becomes_an_entry() -> None:
    parsed = parse(
        rss(
            item(
                "<title>Hello &amp; welcome</title><link>https://example.org/a</link><guid>https://example.org/?p=1</guid>"
                "<description>&lt;p&gt;Short &lt;b&gt;intro&lt;/b&gt;&lt;/p&gt;</description>"
                "<content:encoded><![CDATA[<p>Full <b>body</b></p>]]></content:encoded>"
                "<dc:creator>Ann</dc:creator><category>News</category>"
            )
        )
    )
    entry = only(parsed)
    assert (parsed.title, parsed.link, parsed.format, parsed.problems) == (
        "Example",
        "https://example.org/",
        "rss2.0",
        (),
    )
    assert entry.id == "https://example.org/?p=1"
    assert entry.title == "Hello & welcome"
    assert entry.link == "https://example.org/a"
    assert entry.published == datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
    assert entry.content_html == "<p>Full <b>body</b></p>"
    assert entry.summary == "Short intro"
    assert entry.authors == (Author("Ann"),)
    assert entry.categories == (("News",),)
    assert entry.tags == ()
    assert (entry.source, entry.origin) == ("example", URL)


@pytest.mark.parametrize(
    ("document", "expected_format"),
    [
        (
            '<rss version="0.91"><channel><title>T</title><link>https://example.org/</link>'
            "<item><title>Old</title><link>https://example.org/old</link></item></channel></rss>",
            "rss0.91",
        ),
        (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://example.org/"><title>T</title>'
            '<link>https://example.org/</link></channel><item rdf:about="https://example.org/old"><title>Old</title>'
            "<link>https://example.org/old</link><dc:date>2024-05-01T10:00:00Z</dc:date></item></rdf:RDF>",
            "rss1.0",
        ),
        (
            '<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title><entry><title>Old</title>'
            '<link rel="alternate" type="text/html" href="https://example.org/old"/><id>tag:example.org,2004:1</id>'
            "<issued>2024-05-01T10:00:00Z</issued><modified>2024-05-02T10:00:00Z</modified></entry></feed>",
            "atom0.3",
        ),
        (
            f"<feed {ATOM_NS}><title>T</title><entry><title>Old</title><link href='https://example.org/old'/>"
            "<id>tag:example.org,2004:1</id><updated>2024-05-01T10:00:00Z</updated></entry></feed>",
            "atom1.0",
        ),
    ],
)
def test_rss_0_91_rss_1_0_and_atom_0_3_1_0_are_read(document: str, expected_format: str) -> None:
    parsed = parse(document)
    entry = only(parsed)
    assert parsed.format == expected_format
    assert (entry.title, entry.link) == ("Old", "https://example.org/old")
    if expected_format != "rss0.91":
        assert entry.published == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def test_atom_entry_fields_and_inherited_feed_author() -> None:
    parsed = parse(
        f'<feed {ATOM_NS} xml:lang="en"><title type="html">A &lt;i&gt;feed&lt;/i&gt;</title>'
        "<link rel='alternate' href='https://example.org/'/><link rel='self' href='https://example.org/feed.xml'/>"
        "<author><name>Feed Author</name><email>fa@example.org</email></author>"
        "<entry><id>tag:example.org,2024:1</id><title type='text'>1 &lt; 2</title>"
        "<link rel='alternate' type='text/html' href='https://example.org/1'/>"
        "<link rel='enclosure' type='image/png' href='https://cdn.example.org/1.png'/>"
        "<published>2024-05-01T10:00:00+02:00</published><updated>2024-05-03T10:00:00Z</updated>"
        "<summary>Sum</summary><content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>Body</p></div>"
        "</content><category term='tech' label='Technology'/></entry></feed>"
    )
    entry = only(parsed)
    assert (parsed.title, parsed.link) == ("A feed", "https://example.org/")
    assert entry.title == "1 < 2"
    assert entry.published == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert entry.updated == datetime(2024, 5, 3, 10, 0, tzinfo=UTC)
    assert (entry.summary, entry.content_html) == ("Sum", "<p>Body</p>")
    assert entry.authors == (Author("Feed Author", "fa@example.org"),)
    assert entry.categories == (("Technology",),)
    assert entry.image == Image("https://cdn.example.org/1.png", "image/png")
    assert entry.language == "en"


# --- JSON Feed ----------------------------------------------------------------------------------


def json_feed(items: list[object], version: str = "https://jsonfeed.org/version/1.1", **extra: object) -> str:
    return json.dumps(
        {"version": version, "title": "J", "home_page_url": "https://example.org/", "items": items, **extra}
    )


def test_json_feed_1_1_item() -> None:
    parsed = parse(
        json_feed(
            [
                {
                    "id": "42",
                    "url": "https://example.org/42",
                    "title": "Answer",
                    "content_html": "<p>Deep <em>thought</em></p>",
                    "summary": "Short",
                    "image": "https://example.org/42.webp",
                    "banner_image": "https://example.org/b.jpg",
                    "date_published": "2024-05-01T10:00:00+08:00",
                    "date_modified": "2024-05-02T10:00:00Z",
                    "tags": ["Science", "Fiction > Comedy"],
                    "authors": [{"name": "Douglas", "url": "https://example.org/dna"}],
                    "language": "en-GB",
                }
            ],
            language="en",
        )
    )
    entry = only(parsed)
    assert (parsed.format, parsed.title, parsed.link) == ("json1.1", "J", "https://example.org/")
    assert entry.id == entry_id("example", "", "42")
    assert (entry.title, entry.link, entry.summary) == ("Answer", "https://example.org/42", "Short")
    assert entry.content_html == "<p>Deep <em>thought</em></p>"
    assert entry.published == datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
    assert entry.updated == datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    assert entry.image == Image("https://example.org/42.webp", "image/webp")
    assert entry.categories == (("Science",), ("Fiction", "Comedy"))
    assert entry.authors == (Author("Douglas", None, "https://example.org/dna"),)
    assert entry.language == "en-GB"


def test_json_feed_1_0_author_external_url_text_content_and_feed_authors() -> None:
    parsed = parse(
        json_feed(
            [
                {
                    "id": 7,
                    "external_url": "https://other.example/x",
                    "content_text": "Line one\n\nLine <two>",
                    "date_published": "2024-05-01T10:00:00Z",
                    "author": {"name": "Old Style"},
                },
                {
                    "id": "8",
                    "content_text": "No author",
                    "date_published": "2024-05-01T10:00:00Z",
                    "banner_image": "https://example.org/banner.png",
                },
                "not an object",
            ],
            version="https://jsonfeed.org/version/1",
            author={"name": "Feed Person"},
        )
    )
    first, second = parsed.entries
    assert parsed.format == "json1.0"
    assert first.id == entry_id("example", "", "7")
    assert first.link == "https://other.example/x"
    assert first.content_html == "<p>Line one</p><p>Line &lt;two&gt;</p>"
    assert first.title == "Line one Line <two>"
    assert first.authors == (Author("Old Style"),)
    assert second.authors == (Author("Feed Person"),)
    assert second.image == Image("https://example.org/banner.png", "image/png")
    assert any("1 item(s) are not JSON objects" in w for w in warnings(parsed))


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (json.dumps({"title": "no version", "items": []}), "not a JSON Feed"),
        (json.dumps({"version": "1.1", "items": []}), "not a JSON Feed"),
        (json.dumps({"version": "https://jsonfeed.org/version/1.1"}), "without an 'items' list"),
        (json.dumps([1, 2]), "not a JSON Feed"),
        ('{"version": "https://jsonfeed.org/version/1.1", "items": [', "not valid JSON"),
    ],
)
def test_json_that_is_not_a_json_feed_is_an_input_error(body: str, reason: str) -> None:
    with pytest.raises(InputError) as info:
        parse(body)
    assert info.value.origin == URL
    assert reason in info.value.reason
    assert URL in str(info.value)


# --- not a feed, broken XML ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b" \r\n\t ", "empty body"),
        (b"<!DOCTYPE html><html><head><title>Blog</title></head><body><p>hi</p></body></html>", "HTML page"),
        (b"<!-- x --><html lang='en'><body>hello</body></html>", "HTML page"),
        (b"Just some plain text, no markup at all.", "neither XML nor JSON"),
        (b'<?xml version="1.0"?><opml version="2.0"><body/></opml>', "without an RSS, Atom or RDF root"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut', "truncated"),
    ],
)
def test_a_body_that_is_not_a_feed_is_an_input_error_naming_url_and_reason(body: bytes, reason: str) -> None:
    with pytest.raises(InputError) as info:
        parse(body)
    assert info.value.origin == URL
    assert reason in info.value.reason


def test_truncated_xml_keeps_the_entries_that_could_be_read_with_a_warning() -> None:
    full = rss(
        item("<title>One</title><link>https://example.org/1</link>")
        + item("<title>Two</title><link>https://example.org/2</link>")
    )
    parsed = parse(full[: full.index("<title>Two")])
    assert [e.title for e in parsed.entries] == ["One"]
    assert any("not well-formed XML" in w for w in warnings(parsed))


def test_undefined_html_entities_do_not_kill_the_feed() -> None:
    parsed = parse(
        rss(
            item(
                "<title>Caf&eacute;&nbsp;open</title><link>https://example.org/c</link>"
                "<description>a&nbsp;b &copy; 2024</description>"
            )
        )
    )
    entry = only(parsed)
    assert entry.title == "Café open"
    assert entry.summary == "a b © 2024"
    assert any("not well-formed XML" in w for w in warnings(parsed))


def test_external_entities_are_never_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e SYSTEM "file:///etc/passwd">'
        f'<!ENTITY s SYSTEM "{secret.as_uri()}">]>'
        + rss(
            item("<title>A &e; &s;</title><link>https://example.org/a</link><description>&e;&s;</description>")
        ).split("?>", 1)[1]
    )
    parsed = parse(body)
    text = repr(parsed)
    assert "root:" not in text and "TOP-SECRET" not in text
    assert [e.link for e in parsed.entries] == ["https://example.org/a"]


def test_a_body_naming_a_local_file_is_not_read() -> None:
    with pytest.raises(InputError):
        parse(b"/etc/passwd")


def test_entity_expansion_bomb_is_not_expanded() -> None:
    laughs = '<!ENTITY a "lol">' + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    body = f'<?xml version="1.0"?><!DOCTYPE rss [{laughs}]>' + rss(item("<title>&i;</title>")).split("?>", 1)[1]
    parsed = parse(body)
    assert len(repr(parsed)) < 10_000


# --- encodings ----------------------------------------------------------------------------------

CHINESE = "新浪财经：国家发展改革委积极开展中小企业服务月活动"


def encoded_feed(title: str, encoding: str | None, codec: str) -> bytes:
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>' if encoding else '<?xml version="1.0"?>'
    return (
        declaration + rss(item(f"<title>{title}</title><link>https://example.org/x</link>")).split("?>", 1)[1]
    ).encode(codec)


@pytest.mark.parametrize(
    ("title", "declared", "codec"),
    [
        (CHINESE, "gb2312", "gb2312"),
        ("朱镕基访问香港", "gb2312", "gbk"),  # 镕 is GBK, not GB2312: read as GB18030
        (CHINESE, "GBK", "gbk"),
        (CHINESE + "€", "gb18030", "gb18030"),
        ("臺灣經濟成長率上修", "big5", "big5"),
        ("Москва сегодня", "windows-1251", "cp1251"),
        ("Ça va très bien", "iso-8859-1", "latin-1"),
        (CHINESE, "utf-16", "utf-16"),  # with BOM
        (CHINESE, "utf-16", "utf-16-le"),  # without BOM
    ],
)
def test_declared_encodings(title: str, declared: str, codec: str) -> None:
    parsed = parse(encoded_feed(title, declared, codec))
    assert only(parsed).title == title
    assert parsed.problems == ()


@pytest.mark.parametrize(
    ("title", "codec"),
    [
        (CHINESE + "，中小企业服务月活动正在全国各地展开，帮助企业渡过难关。", "gb18030"),
        ("Москва сегодня: погода, пробки и новости дня в столице России", "cp1251"),
        ("臺灣經濟成長率上修，主計總處今日公布最新預測數據", "big5"),
        ("Ibope: Bolsonaro perde em simulações de 2º turno, diz pesquisa divulgada hoje", "cp1252"),
    ],
)
def test_undeclared_encodings_are_detected_with_a_warning(title: str, codec: str) -> None:
    parsed = parse(encoded_feed(title, None, codec))
    assert only(parsed).title == title
    assert any("no encoding declared" in w for w in warnings(parsed))


def test_http_charset_wins_over_the_xml_declaration() -> None:
    body = encoded_feed("Москва", "iso-8859-5", "cp1251")
    parsed = parse(body, headers={"Content-Type": "application/rss+xml; charset=windows-1251"})
    assert only(parsed).title == "Москва"


def test_a_declared_charset_the_body_does_not_fit_is_skipped() -> None:
    body = encoded_feed(CHINESE, "gb2312", "gb2312")
    parsed = parse(body, headers={"content-type": "text/xml; charset=utf-8"})
    assert only(parsed).title == CHINESE


def test_valid_utf8_beats_a_declared_latin1() -> None:
    body = encoded_feed("Grüße aus Köln", None, "utf-8")
    parsed = parse(body, headers={"Content-Type": "text/xml; charset=ISO-8859-1"})
    assert only(parsed).title == "Grüße aus Köln"


def test_a_few_broken_utf8_bytes_are_replaced_with_a_warning() -> None:
    title = "Schöne Grüße aus Köln"
    body = encoded_feed(title, "utf-8", "utf-8").replace(title.encode(), title.encode() + b"\xff")
    parsed = parse(body)
    assert only(parsed).title == title + "\ufffd"
    assert any("not UTF-8" in w for w in warnings(parsed))


def test_a_short_undeclared_latin1_text_is_not_taken_for_broken_utf8() -> None:
    parsed = parse(encoded_feed("Café", None, "latin-1"))
    assert only(parsed).title == "Café"


# --- ids ----------------------------------------------------------------------------------------


def test_guid_ids_absolute_iris_are_kept_others_are_hashed_with_the_source_name() -> None:
    parsed = parse(
        rss(
            item("<title>a</title><guid isPermaLink='false'>tag:example.org,2024:a</guid>")
            + item("<title>b</title><guid isPermaLink='false'>12345</guid>")
            + item("<title>c</title><guid isPermaLink='false'>has spaces inside</guid>")
        )
    )
    assert [e.id for e in parsed.entries] == [
        "tag:example.org,2024:a",
        entry_id("example", "", "12345"),
        entry_id("example", "", "has spaces inside"),
    ]
    assert all(e.id.startswith(("tag:", "urn:uuid:")) for e in parsed.entries)


def test_ids_survive_a_moved_feed_and_changed_titles_dates_and_links() -> None:
    first = parse(rss(item("<title>v1</title><guid>17</guid><link>https://example.org/a</link>")))
    later = parse(
        rss(
            item("<title>v2</title><guid>17</guid><link>https://example.org/b</link>", "Sun, 02 Jun 2024 08:00:00 GMT")
        ),
        url="https://new.example.net/moved.xml",
    )
    assert only(first).id == only(later).id == entry_id("example", "", "17")


def test_without_guid_the_id_comes_from_link_title_and_date_never_the_link_alone() -> None:
    by_link = parse(rss(item("<title>v1</title><link>https://Example.org/a</link>")))
    by_link_again = parse(rss(item("<title>v1</title><link>https://example.org/a</link>")))
    other_post_same_link = parse(rss(item("<title>v2</title><link>https://example.org/a</link>")))
    assert only(by_link).id == only(by_link_again).id
    assert only(by_link).id != only(other_post_same_link).id
    assert only(by_link).id.startswith("urn:uuid:")
    by_title = parse(rss(item("<title>Only a title</title>")))
    assert only(by_title).id == only(parse(rss(item("<title>Only a title</title>")))).id
    assert only(by_title).id != only(parse(rss(item("<title>Other title</title>")))).id
    assert only(by_title).link == ""


def test_episodes_linking_to_the_feeds_page_are_told_apart_by_enclosure_else_title() -> None:
    channel = "<title>Show</title><link>https://example.org/show</link>"
    parsed = parse(
        rss(
            item(
                "<title>Ep 1</title><link>https://example.org/show</link>"
                "<enclosure url='https://cdn.example.org/1.mp3' type='audio/mpeg' length='1'/>"
            )
            + item(
                "<title>Ep 2</title><link>https://example.org/show</link>"
                "<enclosure url='https://cdn.example.org/2.mp3' type='audio/mpeg' length='1'/>"
            )
            + item("<title>Ep 3</title><link>https://example.org/show</link>"),
            channel=channel,
        )
    )
    assert [e.id for e in parsed.entries] == [
        entry_id("example", "", "enclosure https://cdn.example.org/1.mp3"),
        entry_id("example", "", "enclosure https://cdn.example.org/2.mp3"),
        entry_id("example", "", "title Ep 3\nSat, 01 Jun 2024 08:00:00 GMT"),
    ]
    assert {e.link for e in parsed.entries} == {"https://example.org/show"}


def test_untitled_entries_without_guid_or_link_are_told_apart_by_their_whole_text() -> None:
    same_start = "The same long opening sentence that many short posts share, word for word, "
    parsed = parse(
        rss(
            item(f"<description>{same_start} then one thing.</description>", "")
            + item(f"<description>{same_start} then another.</description>", "")
        )
    )
    assert len({e.id for e in parsed.entries}) == 2
    assert parsed.entries[0].title == parsed.entries[1].title


def test_other_sources_give_other_ids_for_the_same_raw_guid() -> None:
    other = UpstreamSourceConfig(url=URL, name="other")
    document = rss(item("<title>a</title><guid isPermaLink='false'>1</guid>"))
    assert only(parse(document)).id != only(parse(document, source=other)).id


def test_a_repeated_id_keeps_the_first_entry() -> None:
    parsed = parse(
        rss(item("<title>first</title><guid>tag:x,1</guid>") + item("<title>second</title><guid>tag:x,1</guid>"))
    )
    assert [e.title for e in parsed.entries] == ["first"]
    assert any("repeats an earlier entry's id" in w for w in warnings(parsed))


# --- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-05-01 10:00:00", datetime(2024, 5, 1, 2, 0, tzinfo=UTC)),  # naive: Asia/Shanghai
        ("2016/6/29 15:07:41", datetime(2016, 6, 29, 7, 7, 41, tzinfo=UTC)),
        ("2015年04月08日10:05", datetime(2015, 4, 8, 2, 5, tzinfo=UTC)),
        ("Tue, 07 Jun 2022 07:07:31 GMT", datetime(2022, 6, 7, 7, 7, 31, tzinfo=UTC)),
        ("Tue, 07 Jun 2022 15:07:31 CST", datetime(2022, 6, 7, 7, 7, 31, tzinfo=UTC)),  # China Standard Time here
        ("mer, 16 nov 2022 00:38:15 +0100", datetime(2022, 11, 15, 23, 38, 15, tzinfo=UTC)),
        ("5 Jun 2023 10:00 AM", datetime(2023, 6, 5, 10, 0, tzinfo=UTC)),  # feedparser's parse
    ],
)
def test_dates_are_read_as_written_in_the_sources_timezone(written: str, expected: datetime) -> None:
    shanghai = UpstreamSourceConfig(url=URL, name="cn", timezone="Asia/Shanghai")
    parsed = parse(rss(item("<title>t</title><link>https://example.org/t</link>", written)), source=shanghai)
    assert only(parsed).published == expected
    assert parsed.problems == ()


def test_updated_stands_in_for_a_missing_published() -> None:
    parsed = parse(rss(item("<title>t</title><dc:date>2024-05-01T10:00:00Z</dc:date>", "")))
    assert (only(parsed).published, only(parsed).updated) == (datetime(2024, 5, 1, 10, 0, tzinfo=UTC), None)


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", "no date"),
        ("sometime last week", "unreadable date 'sometime last week'"),
        ("2004년 05월 28일 01:31:15 PM", "unreadable date"),  # feedparser would take the month from today
        ("Mon, 03 Jun 2024 12:00:01 GMT", "is in the future"),
        ("Thu, 01 Jan 1970 00:00:00 GMT", "is before 1990"),
    ],
)
def test_missing_future_and_ancient_dates_use_first_seen_else_now(written: str, reason: str) -> None:
    document = rss(item("<title>t</title><link>https://example.org/t</link>", written))
    parsed = parse(document)
    assert only(parsed).published == NOW
    [problem] = parsed.problems
    assert problem.severity is Severity.WARNING
    assert problem.origin == URL + "#https://example.org/t"
    assert reason in problem.message and "the time of this build" in problem.message
    seen = datetime(2024, 5, 20, tzinfo=UTC)
    remembered = parse(document, first_seen={only(parsed).id: seen})
    assert only(remembered).published == seen
    assert "first-seen time" in remembered.problems[0].message


def test_a_date_less_than_a_day_ahead_is_kept() -> None:
    parsed = parse(rss(item("<title>t</title>", "Sun, 02 Jun 2024 11:00:00 GMT")))
    assert only(parsed).published == datetime(2024, 6, 2, 11, 0, tzinfo=UTC)


# --- links, content, titles, summaries ----------------------------------------------------------


def test_relative_links_resolve_against_xml_base_then_the_feed_url() -> None:
    parsed = parse(
        rss(
            item("<title>a</title><link>/posts/a</link><description>&lt;img src='img/a.png'&gt;</description>")
            + "<item xml:base='https://cdn.example.net/base/'><title>b</title><link>b.html</link>"
            "<description>&lt;a href='x.html'&gt;x&lt;/a&gt;</description></item>",
        )
    )
    first, second = parsed.entries
    assert first.link == "https://example.org/posts/a"
    assert first.content_html == '<img src="https://example.org/posts/img/a.png">'  # against the entry link
    assert first.image == Image("https://example.org/posts/img/a.png", "image/png")
    assert second.link == "https://cdn.example.net/base/b.html"
    assert second.content_html == '<a href="https://cdn.example.net/base/x.html">x</a>'


def test_links_are_percent_encoded_and_only_http_links_kept() -> None:
    parsed = parse(
        rss(
            item("<title>a</title><link>https://example.org/新闻/a b</link>")
            + item("<title>b</title><link>javascript:alert(1)</link>")
        )
    )
    assert [e.link for e in parsed.entries] == ["https://example.org/%E6%96%B0%E9%97%BB/a%20b", ""]


def test_a_permalink_guid_is_the_link_when_there_is_none() -> None:
    parsed = parse(
        rss(item("<title>a</title><guid>https://example.org/p/1</guid>") + item("<title>b</title><guid>p-2</guid>"))
    )
    assert [e.link for e in parsed.entries] == ["https://example.org/p/1", ""]


def test_a_local_feed_resolves_against_its_own_link() -> None:
    parsed = parse(rss(item("<title>a</title><link>/a</link>")), url="/srv/feeds/local.xml")
    assert only(parsed).link == "https://example.org/a"


def test_content_is_sanitized() -> None:
    parsed = parse(
        rss(
            item(
                "<title>x</title><link>https://example.org/x</link><content:encoded><![CDATA["
                "<p onclick='evil()'>ok</p><img src=\"javascript:alert(1)\"><script>alert(2)</script>"
                "<a href='javascript:alert(3)'>link</a>]]></content:encoded>"
            )
        )
    )
    html = only(parsed).content_html
    assert "javascript" not in html and "script" not in html and "onclick" not in html
    assert html.startswith("<p>ok</p>")


def test_untitled_entries_take_an_excerpt_of_content_else_summary() -> None:
    long_text = "第一句话说明了情况。" * 20
    parsed = parse(
        rss(
            item(f"<content:encoded>&lt;p&gt;{long_text}&lt;/p&gt;</content:encoded><link>https://example.org/1</link>")
            + item("<description>Only a summary here</description><link>https://example.org/2</link>")
        )
    )
    first, second = parsed.entries
    assert first.title == "第一句话说明了情况。" * 4
    assert second.title == "Only a summary here"


def test_html_titles_become_plain_text() -> None:
    parsed = parse(
        rss(
            item("<title><![CDATA[<b>Bold</b> &amp; <i>brave</i>]]></title>")
            + item("<title>Fish &amp;amp; chips</title>")
        )
    )
    assert [e.title for e in parsed.entries] == ["Bold & brave", "Fish & chips"]


def test_summary_is_an_excerpt_of_the_sources_length() -> None:
    short = UpstreamSourceConfig(url=URL, name="example", excerpt_length=10)
    parsed = parse(rss(item("<title>t</title><description>" + "word " * 50 + "</description>")), source=short)
    assert len(only(parsed).summary) <= 20
    assert only(parsed).summary.endswith("…")


def test_drop_selectors_and_boilerplate_apply_to_upstream_content() -> None:
    source = UpstreamSourceConfig(url=URL, name="example", drop_selectors=(".ad",))
    story = "<p>" + "A long enough story about the day. " * 5 + "</p>"
    parsed = parse(
        rss(
            item(
                f"<title>t</title><content:encoded><![CDATA[{story}<div class='ad'>Buy!</div>"
                "<div class='share-bar'>share</div>]]></content:encoded>"
            )
        ),
        source=source,
    )
    assert only(parsed).content_html == story


# --- categories, authors, images, language ------------------------------------------------------


def test_categories_from_the_source_and_the_feed_with_paths() -> None:
    source = UpstreamSourceConfig(url=URL, name="example", categories=(("金融", "新浪财经"),))
    parsed = parse(
        rss(
            item(
                "<title>t</title><category>Markets</category><category>News > World</category>"
                "<category>Tech/AI</category><category>Markets</category><itunes:keywords>a,b</itunes:keywords>"
            )
        ),
        source=source,
    )
    assert only(parsed).categories == (("金融", "新浪财经"), ("Markets",), ("News", "World"), ("Tech", "AI"))
    assert only(parsed).tags == ()


def test_entry_categories_can_be_turned_off() -> None:
    source = UpstreamSourceConfig(url=URL, name="example", categories=(("Feeds",),), use_entry_categories=False)
    parsed = parse(rss(item("<title>t</title><category>Markets</category>")), source=source)
    assert only(parsed).categories == (("Feeds",),)


def test_authors_are_split_into_name_and_email() -> None:
    parsed = parse(
        rss(
            item("<title>a</title><author>ann@example.org (Ann Lee)</author>")
            + item("<title>b</title><dc:creator>Bob Wu &lt;bob@example.org&gt;</dc:creator>")
            + item("<title>c</title><dc:creator>张三</dc:creator>")
        )
    )
    assert [e.authors for e in parsed.entries] == [
        (Author("Ann Lee", "ann@example.org"),),
        (Author("Bob Wu", "bob@example.org"),),
        (Author("张三"),),
    ]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (
            '<media:thumbnail url="https://i.example.org/t.jpg"/><media:content url="https://i.example.org/m.png" '
            'medium="image"/>',
            Image("https://i.example.org/t.jpg", "image/jpeg"),
        ),
        (
            '<media:content url="https://i.example.org/m" type="image/webp"/>',
            Image("https://i.example.org/m", "image/webp"),
        ),
        ('<media:content url="https://v.example.org/m.mp4" type="video/mp4"/>', None),
        (
            '<enclosure url="https://i.example.org/e" type="image/gif" length="1"/>',
            Image("https://i.example.org/e", "image/gif"),
        ),
        ('<enclosure url="https://a.example.org/e.mp3" type="audio/mpeg" length="1"/>', None),
        (
            '<itunes:image href="https://i.example.org/cover.png"/>',
            Image("https://i.example.org/cover.png", "image/png"),
        ),
        (
            "<description>&lt;p&gt;x&lt;img src='https://i.example.org/body.gif'&gt;&lt;/p&gt;</description>",
            Image("https://i.example.org/body.gif", "image/gif"),
        ),
    ],
)
def test_entry_images(markup: str, expected: Image | None) -> None:
    parsed = parse(rss(item("<title>t</title><link>https://example.org/t</link>" + markup)))
    assert only(parsed).image == expected


def test_language_from_the_channel() -> None:
    parsed = parse(rss(item("<title>t</title>"), channel="<title>T</title><language>zh-cn</language>"))
    assert only(parsed).language == "zh-cn"


# --- robustness ---------------------------------------------------------------------------------


def test_one_broken_entry_is_skipped_and_the_rest_kept() -> None:
    document = rss(
        item("<title>good</title><guid>tag:x,1</guid>")
        + item("<title>bad</title><guid>tag:x,2</guid>", "")
        + item("<title>also good</title><guid>tag:x,3</guid>")
    )

    def first_seen(the_id: str) -> datetime | None:
        raise RuntimeError(f"store broken for {the_id}")

    parsed = parse_feed(document.encode(), url=URL, headers={}, source=SOURCE, now=NOW, first_seen=first_seen)
    assert [e.title for e in parsed.entries] == ["good", "also good"]
    [problem] = parsed.problems
    assert problem.severity is Severity.ERROR
    assert problem.origin == URL + "#entry-2"
    assert "entry skipped" in problem.message and "store broken for tag:x,2" in problem.message


def test_parsing_is_deterministic() -> None:
    document = rss(item("<title>a</title><description>&lt;p&gt;x&lt;/p&gt;</description>")).encode()
    assert parse(document) == parse(document)


# --- filters ------------------------------------------------------------------------------------


def _entry(title: str, **fields: object) -> Entry:
    return Entry(id=f"tag:x,{title}", title=title, link="", published=NOW, **fields)  # type: ignore[arg-type]


FILTER_ENTRIES = [
    _entry("Rust 1.80 released", content_html="<p>Compiler news</p>", categories=(("Tech", "Rust"),)),
    _entry("Sponsored: buy now", summary="advert", authors=(Author("Ad Bot"),)),
    _entry("Markets close higher", content_html="<p>Stocks</p>", tags=("finance",)),
]


@pytest.mark.parametrize(
    ("include", "exclude", "kept"),
    [
        ((), (), ["Rust 1.80 released", "Sponsored: buy now", "Markets close higher"]),
        ((("title", "(?i)rust"),), (), ["Rust 1.80 released"]),
        ((), (("title", "^Sponsored"),), ["Rust 1.80 released", "Markets close higher"]),
        ((), (("content", "advert"),), ["Rust 1.80 released", "Markets close higher"]),
        ((("content", "Stocks"), ("category", "^Tech/Rust$")), (), ["Rust 1.80 released", "Markets close higher"]),
        ((("category", "finance"),), (), ["Markets close higher"]),
        ((), (("author", "Bot"),), ["Rust 1.80 released", "Markets close higher"]),
        ((("title", "e"),), (("title", "Sponsored"),), ["Rust 1.80 released", "Markets close higher"]),
    ],
)
def test_apply_filters(
    include: tuple[tuple[str, str], ...], exclude: tuple[tuple[str, str], ...], kept: list[str]
) -> None:
    source = UpstreamSourceConfig(url=URL, name="example", keep_entries=include, drop_entries=exclude)
    result, dropped = apply_filters(FILTER_ENTRIES, source)
    assert [e.title for e in result] == kept
    assert dropped == len(FILTER_ENTRIES) - len(kept)


def test_apply_filters_rejects_unknown_fields_and_bad_patterns() -> None:
    with pytest.raises(ConfigError, match="unknown field"):
        apply_filters(FILTER_ENTRIES, UpstreamSourceConfig(url=URL, name="example", keep_entries=(("body", "x"),)))
    with pytest.raises(ConfigError, match="invalid regular expression"):
        apply_filters(FILTER_ENTRIES, UpstreamSourceConfig(url=URL, name="example", drop_entries=(("title", "("),)))


def test_future_tolerance_is_one_day() -> None:
    document = rss(item("<title>t</title>", (NOW + timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")))
    assert only(parse(document)).published == NOW + timedelta(days=1)


def test_a_link_ending_in_a_semicolon_keeps_it() -> None:
    """urljoin drops an empty ';params' part: '/0/;' came back as '/0/', another resource (found by
    tests/test_properties.py, rendering then parsing)."""
    parsed = parse(rss(item("<title>a</title><link>https://example.org/0/;</link>")
                       + item("<title>b</title><link>p;</link>")))
    assert [e.link for e in parsed.entries] == ["https://example.org/0/;", "https://example.org/p;"]
