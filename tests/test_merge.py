from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from feedkit.channels.route import RoutingOptions, apply_aliases, category_slug, route, slugify, sort_key
from feedkit.config.types import ChannelConfig
from feedkit.model import Entry, Severity


def entry(id_: str, day: int, categories: tuple[tuple[str, ...], ...] = (), tags: tuple[str, ...] = (),
          origin: str = "", updated_day: int | None = None) -> Entry:
    return Entry(
        id=id_, title=id_, link=f"https://example.org/{id_}",
        published=datetime(2022, 6, day, tzinfo=UTC),
        updated=datetime(2022, 6, updated_day, tzinfo=UTC) if updated_day else None,
        categories=categories, tags=tags, origin=origin or id_,
    )


def test_slug_keeps_unicode_and_normalizes_width() -> None:
    assert slugify("新浪财经－国內") == "新浪财经-国內"
    assert slugify("Hello World!") == "hello-world"
    assert slugify("Ｆｕｌｌ　Ｗｉｄｔｈ") == "full-width"


def test_slug_cannot_escape_or_be_empty() -> None:
    for hostile in ["..", "../etc", "/", "a/b", "a\\b", "  ", ".", "\x00", "%2e%2e"]:
        slug = slugify(hostile)
        assert slug and "/" not in slug and "\\" not in slug and slug not in (".", "..")
        assert not slug.startswith(".")


def test_slug_keeps_cplusplus_apart_from_c() -> None:
    assert slugify("C++") != slugify("C")
    assert slugify("C#") != slugify("C")


@given(st.text())
def test_slug_is_always_one_safe_segment(name: str) -> None:
    slug = slugify(name)
    assert slug and "/" not in slug and "\\" not in slug and "\x00" not in slug
    assert slug.strip(".") == slug or slug.startswith("_")


def test_category_slug_is_a_folder_path() -> None:
    assert category_slug(("金融", "新浪财经", "新浪财经－国內")) == "金融/新浪财经/新浪财经-国內"


def test_nested_category_appears_in_every_ancestor_channel() -> None:
    path = ("金融", "新浪财经", "新浪财经－国內")
    channels, problems = route([entry("a", 1, (path,))], RoutingOptions(site_title="S"))
    assert problems == []
    assert [(c.kind, c.slug) for c in channels] == [
        ("all", "all"), ("category", "金融"), ("category", "金融/新浪财经"),
        ("category", "金融/新浪财经/新浪财经-国內"),
    ]
    assert all(len(c.entries) == 1 for c in channels)
    assert channels[3].category == path


def test_entry_in_two_paths_with_a_shared_prefix_appears_once() -> None:
    e = entry("a", 1, (("A", "B"), ("A", "C")))
    channels, _ = route([e], RoutingOptions(site_title="S"))
    by_slug = {c.slug: c for c in channels}
    assert len(by_slug["a"].entries) == 1


def test_aliases_merge_two_spellings() -> None:
    one = entry("a", 1, (("金融", "新浪财经", "新浪财经－国內"),))
    two = entry("b", 2, (("金融", "新浪财经", "新浪财经-国内"),))
    aliases = {"新浪财经-国内": "新浪财经－国內"}
    merged = [apply_aliases(e, aliases) for e in (one, two)]
    channels, problems = route(sorted(merged, key=sort_key), RoutingOptions(site_title="S"))
    assert problems == []
    leaf = [c for c in channels if c.category == ("金融", "新浪财经", "新浪财经－国內")]
    assert len(leaf) == 1 and [e.id for e in leaf[0].entries] == ["b", "a"]


def test_slug_collision_is_an_error_naming_both() -> None:
    a = entry("a", 1, (("Foo Bar",),))
    b = entry("b", 2, (("foo-bar",),))
    channels, problems = route([b, a], RoutingOptions(site_title="S"))
    assert len(problems) == 1 and problems[0].severity is Severity.ERROR
    assert "Foo Bar" in str(problems[0]) and "foo-bar" in str(problems[0])
    assert [c.slug for c in channels if c.kind == "category"] == ["foo-bar"]


def test_override_by_leaf_name_and_by_path() -> None:
    e = entry("a", 1, (("金融", "新浪财经"),))
    overrides = {"金融": ChannelConfig(slug="finance", title="Finance"), "金融/新浪财经": ChannelConfig(slug="sina")}
    channels, _ = route([e], RoutingOptions(site_title="S", settings={"category": overrides}))
    titles = {c.slug: c.title for c in channels if c.kind == "category"}
    assert titles == {"finance": "Finance", "sina": "S: 金融 / 新浪财经"}


def test_children_inherit_a_configured_parent_slug() -> None:
    e = entry("a", 1, (("金融", "新浪财经", "国内"),))
    settings = {"category": {"金融": ChannelConfig(slug="finance")}}
    channels, _ = route([e], RoutingOptions(site_title="S", settings=settings))
    slugs = [c.slug for c in channels if c.kind == "category"]
    assert slugs == ["finance", "finance/新浪财经", "finance/新浪财经/国内"]


def test_user_slug_cannot_escape() -> None:
    e = entry("a", 1, (("x",),))
    settings = {"category": {"x": ChannelConfig(slug="../../etc")}}
    channels, _ = route([e], RoutingOptions(site_title="S", settings=settings))
    assert [c.slug for c in channels if c.kind == "category"] == ["etc"]


def test_tag_channels_only_when_enabled() -> None:
    e = entry("a", 1, tags=("Python", "新闻"))
    off, _ = route([e], RoutingOptions(site_title="S"))
    on, _ = route([e], RoutingOptions(site_title="S", tags=True))
    assert [c.kind for c in off] == ["all"]
    assert sorted(c.slug for c in on if c.kind == "tag") == ["python", "新闻"]


def test_sort_is_newest_first_then_id() -> None:
    entries = [entry("b", 1), entry("a", 1), entry("c", 3)]
    assert [e.id for e in sorted(entries, key=sort_key)] == ["c", "a", "b"]


def test_author_and_source_channels() -> None:
    from feedkit.model import Author

    a = replace_entry(entry("a", 1), authors=(Author("Ada"), Author("Grace")), source="blog")
    b = replace_entry(entry("b", 2), authors=(Author("Ada"),), source="news")
    channels, problems = route([b, a], RoutingOptions(site_title="S", authors=True, sources=True))
    assert problems == []
    by_key = {(c.kind, c.slug): [e.id for e in c.entries] for c in channels}
    assert by_key[("author", "ada")] == ["b", "a"] and by_key[("author", "grace")] == ["a"]
    assert by_key[("source", "blog")] == ["a"] and by_key[("source", "news")] == ["b"]
    assert {c.folder for c in channels if c.kind == "author"} == {"author/ada", "author/grace"}


def test_include_and_exclude_categories() -> None:
    e = entry("a", 1, (("金融", "新浪财经", "国内"), ("体育",), ("科技", "手机")))
    only = RoutingOptions(site_title="S", include_categories=("金融/新浪财经", "手机"))
    channels, _ = route([e], only)
    paths = sorted("/".join(c.category or ()) for c in channels if c.kind == "category")
    assert paths == ["科技/手机", "金融/新浪财经", "金融/新浪财经/国内"]
    without = RoutingOptions(site_title="S", exclude_categories=("新浪财经", "体育"))
    channels, _ = route([e], without)
    assert sorted("/".join(c.category or ()) for c in channels if c.kind == "category") == ["科技", "科技/手机", "金融"]


def replace_entry(e: Entry, **changes: object) -> Entry:
    from dataclasses import replace

    return replace(e, **changes)  # type: ignore[arg-type]
