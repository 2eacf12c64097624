from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feedkit.channels.dedupe import canonical_url, collapse, title_key
from feedkit.model import Entry, Severity, Via

T0 = datetime(2022, 6, 7, 7, 7, 31, tzinfo=UTC)


def entry(id_: str, *, source: str, link: str = "", title: str = "t", hours: float = 0, content: str = "",
          origin: str = "", updated: datetime | None = None) -> Entry:
    return Entry(id=id_, title=title, link=link, published=T0 + timedelta(hours=hours), updated=updated,
                 content_html=content, source=source, origin=origin or f"{source}/{id_}")


def test_canonical_url_ignores_what_does_not_change_the_page() -> None:
    same = [
        "https://www.example.com/a/b/?utm_source=x&id=3&utm_medium=rss#top",
        "http://example.com/a/b?id=3",
        "https://EXAMPLE.com:443/a/b?fbclid=zzz&id=3",
    ]
    assert len({canonical_url(u) for u in same}) == 1
    assert canonical_url("https://example.com/a?id=3") != canonical_url("https://example.com/a?id=4")
    assert canonical_url("https://example.com:8080/a") != canonical_url("https://example.com/a")


def test_title_key_for_chinese_and_latin() -> None:
    assert title_key("“纾困帮扶 益企惠企”——助力中小企业！") == title_key("纾困帮扶益企惠企助力中小企业")
    assert title_key("Ｈｅｌｌｏ,  World!") == title_key("hello world")


def test_same_link_across_sources_is_one_story_local_article_wins() -> None:
    article = entry("urn:a", source="news", link="https://news.example.org/2022/x/")
    copy = entry("guid-1", source="planet", link="https://news.example.org/2022/x?utm_source=rss", hours=1)
    kept, problems = collapse([copy, article], priority=lambda e: 100 if e.source == "news" else 0)
    assert [(p.origin, p.severity) for p in problems] == [("planet/guid-1", Severity.INFO)]
    assert "news/urn:a" in problems[0].message  # a merge names both copies
    assert [e.id for e in kept] == ["urn:a"]
    assert kept[0].via == (Via("planet", "https://news.example.org/2022/x?utm_source=rss"),)


def test_near_duplicate_chinese_titles_within_two_days() -> None:
    title = "国家发展改革委积极开展中小企业服务月活动"
    a = entry("1", source="sina", link="https://finance.sina.com.cn/1", title=title)
    b = entry("2", source="agg", link="https://agg.example/9", title=f"“{title}”！", hours=30)
    c = entry("3", source="agg2", link="https://x.example/3", title=title, hours=24 * 9)
    kept, _ = collapse([a, b, c], source_hosts={"sina": "finance.sina.com.cn", "agg": "agg.example"})
    assert sorted(e.id for e in kept) == ["1", "3"]  # c is a week later: a different story


def test_original_publisher_beats_an_aggregator_at_equal_priority() -> None:
    title = "A very specific headline"
    original = entry("o", source="pub", link="https://pub.example/story", title=title, hours=2)
    aggregated = entry("g", source="agg", link="https://mirror.example/item/1", title=title)
    kept, _ = collapse([aggregated, original], source_hosts={"pub": "pub.example", "agg": "agg.example"})
    assert [e.id for e in kept] == ["o"]
    assert kept[0].via == (Via("agg", "https://mirror.example/item/1"),)


def test_short_titles_never_match_and_same_source_titles_never_match() -> None:
    a = entry("1", source="a", link="https://a/1", title="Update")
    b = entry("2", source="b", link="https://b/2", title="Update")
    c = entry("3", source="a", link="https://a/3", title="Weekly digest of the news")
    d = entry("4", source="a", link="https://a/4", title="Weekly digest of the news", hours=1)
    kept, _ = collapse([a, b, c, d])
    assert len(kept) == 4


def test_identical_content_start_is_one_story() -> None:
    body = "<p>" + "新闻正文内容" * 50 + "</p>"
    a = entry("1", source="a", link="https://a/1", title="标题甲", content=body)
    b = entry("2", source="b", link="https://b/2", title="完全不同的标题", content=body + "<p>尾注</p>", hours=200)
    kept, _ = collapse([a, b])
    assert len(kept) == 1


def test_same_link_in_one_source_is_never_collapsed() -> None:
    """Distinct entries of one source share links all the time (a podcast's show page, a link blog)."""
    a = entry("1", source="blog", link="https://x/2022/06/", title="First")
    b = entry("2", source="blog", link="https://x/2022/06/", title="Second")
    assert len(collapse([a, b])[0]) == 2
    assert len(collapse([a, b], feeds=frozenset({"blog"}))[0]) == 2


def test_two_entries_of_one_source_are_not_merged_through_a_third() -> None:
    """A copy in another source that matches both must not join two entries of one feed."""
    ep1 = entry("ep1", source="podcast", link="https://show.example/")
    ep2 = entry("ep2", source="podcast", link="https://show.example/")
    planet = entry("p", source="planet", link="https://show.example/")
    kept, _ = collapse([ep1, ep2, planet], feeds=frozenset({"podcast", "planet"}),
                       priority=lambda e: 10 if e.source == "podcast" else 0)
    assert sorted(e.id for e in kept if e.source == "podcast") == ["ep1", "ep2"]
    assert len(kept) == 2  # the planet's copy joined one of them, not both


def test_identical_article_files_are_one_entry() -> None:
    a = entry("1", source="blog", origin="a.md")
    b = entry("2", source="blog", origin="copy/a.md")
    kept, problems = collapse([a, b])
    assert [e.origin for e in kept] == ["a.md"]
    assert [p.origin for p in problems] == ["copy/a.md"] and "a.md" in problems[0].message


def test_identical_entries_of_a_feed_with_different_ids_stay_apart() -> None:
    a = entry("1", source="feed", origin="u#1")
    b = entry("2", source="feed", origin="u#2")
    assert len(collapse([a, b], feeds=frozenset({"feed"}))[0]) == 2


def test_same_id_from_two_files_keeps_the_fresher_and_warns() -> None:
    old = entry("same", source="s", origin="a.md")
    new = entry("same", source="s", origin="b.md", updated=T0 + timedelta(days=3))
    kept, problems = collapse([new, old])
    assert [e.origin for e in kept] == ["b.md"]
    assert len(problems) == 1 and problems[0].severity is Severity.WARNING
    assert "a.md" in str(problems[0]) or "b.md" in str(problems[0])


def test_result_does_not_depend_on_input_order() -> None:
    items = [
        entry("1", source="a", link="https://a/1", title="Something happened today in town"),
        entry("2", source="b", link="https://b/2", title="Something happened today in town", hours=1),
        entry("3", source="c", link="https://a/1?utm_campaign=x", title="other", hours=3),
    ]
    first, _ = collapse(items)
    second, _ = collapse(list(reversed(items)))
    assert first == second and len(first) == 1
