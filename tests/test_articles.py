from __future__ import annotations

import os
import pickle
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from feedkit import identity
from feedkit.articles.parse import (
    ARTICLE_MAX_BYTES,
    ArticleResult,
    discover,
    image_mime_type,
    load_article,
    parse_article,
    split_names,
)
from feedkit.config.types import ArticleSourceConfig
from feedkit.model import Author, Entry, Image, Severity

from .conftest import CORPUS, need_shared

SITE = "https://example.org/"
SEED_DROP = (".appendQr_wrap", ".article-editor")
MTIME = datetime(2023, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def make_source(tmp_path: Path, **settings: Any) -> ArticleSourceConfig:
    return ArticleSourceConfig(paths=(tmp_path,), name="blog", **settings)


def load(tmp_path: Path, data: bytes | str, rel_path: str = "post.md", **settings: Any) -> ArticleResult:
    """Write ``data`` (bytes exactly as given) to tmp_path/rel_path and load it."""
    path = tmp_path / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    os.utime(path, (MTIME, MTIME))
    return load_article(path, rel_path, make_source(tmp_path, **settings), site_base_url=SITE)


def entry_of(result: ArticleResult) -> Entry:
    assert result.entry is not None, result.problems
    return result.entry


def messages(result: ArticleResult, severity: Severity | None = None) -> list[str]:
    return [p.message for p in result.problems if severity is None or p.severity is severity]


def errors(result: ArticleResult) -> list[str]:
    return messages(result, Severity.ERROR)


def warnings(result: ArticleResult) -> list[str]:
    return messages(result, Severity.WARNING)


def post(front_matter: str, body: str = "Body text.\n") -> str:
    return f"---\n{front_matter}\n---\n{body}"


DATED = "date: 2022-06-07 15:07:31"


# --- discover ---------------------------------------------------------------------------


def touch(path: Path, data: bytes = b"---\ntitle: x\n---\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def rel_paths(found: list[tuple[Path, str]]) -> list[str]:
    return [rel for _, rel in found]


def test_discover_finds_articles_sorted_by_posix_rel_path(tmp_path: Path) -> None:
    for rel in ("b.md", "a/z.markdown", "a/b/c.html", "page.htm", "A.md"):
        touch(tmp_path / rel)
    found, problems = discover(make_source(tmp_path))
    assert rel_paths(found) == ["A.md", "a/b/c.html", "a/z.markdown", "b.md", "page.htm"]
    assert found[1][0] == tmp_path / "a" / "b" / "c.html"
    assert problems == []


def test_discover_skips_hidden_files_and_folders(tmp_path: Path) -> None:
    touch(tmp_path / ".git" / "x.md")
    touch(tmp_path / ".hidden.md")
    touch(tmp_path / "a" / ".draft" / "y.md")
    touch(tmp_path / "seen.md")
    found, problems = discover(make_source(tmp_path))
    assert rel_paths(found) == ["seen.md"]
    assert problems == []


def test_discover_applies_include_and_exclude_globs(tmp_path: Path) -> None:
    for rel in ("top.md", "posts/a.md", "posts/deep/b.md", "drafts/c.md", "posts/_index.md", "notes.html"):
        touch(tmp_path / rel)
    source = make_source(tmp_path, include_files=("**/*.md",), exclude_files=("drafts/**", "**/_index.md"))
    found, _ = discover(source)
    assert rel_paths(found) == ["posts/a.md", "posts/deep/b.md", "top.md"]


def test_discover_single_star_does_not_cross_folders(tmp_path: Path) -> None:
    touch(tmp_path / "top.md")
    touch(tmp_path / "sub" / "deep.md")
    found, _ = discover(make_source(tmp_path, include_files=("*.md",)))
    assert rel_paths(found) == ["top.md"]


def test_discover_other_extensions_only_with_a_front_matter_fence(tmp_path: Path) -> None:
    touch(tmp_path / "fenced.txt", b"\n---\ntitle: t\n---\nbody")
    touch(tmp_path / "toml.text", b"+++\ntitle = 't'\n+++\nbody")
    touch(tmp_path / "plain.txt", b"just text")
    touch(tmp_path / "data.json", b'{"title": "not an article"}')
    touch(tmp_path / "image.png", b"\x89PNG\r\n\x1a\n\x00\x00---\n")
    touch(tmp_path / "binary.txt", b"---\ntitle: x\n---\n\x00\x01")
    found, problems = discover(make_source(tmp_path))
    assert rel_paths(found) == ["fenced.txt", "toml.text"]
    assert problems == []


def test_discover_reports_a_missing_configured_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    found, problems = discover(ArticleSourceConfig(paths=(missing,), name="blog"))
    assert found == []
    assert [(p.origin, p.severity) for p in problems] == [(str(missing), Severity.ERROR)]
    assert "does not exist" in problems[0].message


def test_discover_takes_a_directly_named_file_with_its_name_as_rel_path(tmp_path: Path) -> None:
    path = touch(tmp_path / "deep" / "2022-06-07-one.md")
    found, problems = discover(ArticleSourceConfig(paths=(path,), name="blog", include_files=("*.html",)))
    assert found == [(path, "2022-06-07-one.md")]
    assert problems == []


def test_discover_reports_files_over_the_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    with big.open("wb") as handle:
        handle.truncate(ARTICLE_MAX_BYTES + 1)
    touch(tmp_path / "small.md")
    found, problems = discover(make_source(tmp_path))
    assert rel_paths(found) == ["small.md"]
    assert [p.origin for p in problems] == [str(big)]
    assert str(ARTICLE_MAX_BYTES) in problems[0].message
    assert problems[0].severity is Severity.ERROR


def test_discover_does_not_follow_symlinks_out_of_the_folder(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    secret = touch(outside / "secret.md")
    touch(root / "real.md")
    (root / "leak.md").symlink_to(secret)
    (root / "linked-folder").symlink_to(outside, target_is_directory=True)
    (root / "alias.md").symlink_to(root / "real.md")
    found, problems = discover(ArticleSourceConfig(paths=(root,), name="blog"))
    assert rel_paths(found) == ["alias.md", "real.md"]
    assert sorted(p.origin for p in problems) == [str(root / "leak.md"), str(root / "linked-folder")]
    assert all(p.severity is Severity.WARNING for p in problems)


def test_discover_reports_the_same_rel_path_in_two_folders(tmp_path: Path) -> None:
    first, second = touch(tmp_path / "one" / "x.md"), touch(tmp_path / "two" / "x.md")
    found, problems = discover(ArticleSourceConfig(paths=(tmp_path / "one", tmp_path / "two"), name="blog"))
    assert found == [(first, "x.md")]
    assert [p.origin for p in problems] == [str(second)]
    assert "ids would collide" in problems[0].message


# --- load_article -----------------------------------------------------------------------


def test_load_article_turns_os_errors_into_problems(tmp_path: Path) -> None:
    source = make_source(tmp_path)
    missing = load_article(tmp_path / "gone.md", "gone.md", source, site_base_url=SITE)
    assert missing.entry is None
    assert [p.origin for p in missing.problems] == [str(tmp_path / "gone.md")]
    assert "cannot read" in errors(missing)[0]
    folder = load_article(tmp_path, "x.md", source, site_base_url=SITE)
    assert folder.entry is None and errors(folder) == ["not a regular file"]


def test_load_article_refuses_files_over_the_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    with big.open("wb") as handle:
        handle.truncate(ARTICLE_MAX_BYTES + 1)
    result = load_article(big, "big.md", make_source(tmp_path), site_base_url=SITE)
    assert result.entry is None and "larger than" in errors(result)[0]


def test_problems_name_the_file(tmp_path: Path) -> None:
    result = load(tmp_path, post("title: x\ndate: nonsense"))
    assert [p.origin for p in result.problems] == [str(tmp_path / "post.md")]


# --- front matter framing ---------------------------------------------------------------


def test_empty_line_before_the_opening_fence(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, "\n---\ntitle: Crawler\ndate: 2022-06-07\n---\n\nBody\n"))
    assert entry.title == "Crawler"
    assert entry.published == utc(2022, 6, 7)


def test_hexo_front_matter_without_an_opening_fence(tmp_path: Path) -> None:
    text = "title: Categories\ndate: 2013-12-24 23:30:09\ncategories:\n- Foo\n- Bar\n---\n\nThis post has categories.\n"
    entry = entry_of(load(tmp_path, text))
    assert entry.title == "Categories"
    assert entry.published == utc(2013, 12, 24, 23, 30, 9)
    assert entry.categories == (("Foo", "Bar"),)
    assert entry.summary == "This post has categories."


def test_markdown_with_a_rule_but_no_front_matter_is_all_body(tmp_path: Path) -> None:
    text = "# Notes\n\nNote: this is prose, not YAML.\n\n---\n\nMore prose.\n"
    entry = entry_of(load(tmp_path, text, "2022-06-07-notes.md"))
    assert entry.title == "Notes"
    assert "More prose." in entry.content_html
    assert "<hr" in entry.content_html


def test_triple_dash_inside_a_title_is_not_a_fence(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, post(f"title: Foo --- Bar\n{DATED}", "Triple the fun!\n")))
    assert entry.title == "Foo --- Bar"
    assert entry.content_html == "<p>Triple the fun!</p>"


def test_trailing_spaces_after_the_fences(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, f"---  \ntitle: Spaces\n{DATED}\n---\t \nBest **post** ever\n"))
    assert entry.title == "Spaces"
    assert entry.content_html == "<p>Best <strong>post</strong> ever</p>"


def test_crlf_line_ends(tmp_path: Path) -> None:
    data = b"---\r\ntitle: Windows\r\ndate: 2022-06-07\r\ntags:\r\n- a\r\n- b\r\n---\r\n\r\nLine one\r\n"
    entry = entry_of(load(tmp_path, data))
    assert (entry.title, entry.tags, entry.published) == ("Windows", ("a", "b"), utc(2022, 6, 7))
    assert "\r" not in entry.content_html


def test_utf8_bom(tmp_path: Path) -> None:
    data = "\ufeff---\ntitle: 标题\ndate: 2022-06-07\n---\n正文\n".encode()
    result = load(tmp_path, data)
    assert entry_of(result).title == "标题"
    assert result.problems == ()


def test_gb18030_text_is_decoded_with_a_warning(tmp_path: Path) -> None:
    data = "---\ntitle: 标题\ndate: 2022-06-07\n---\n正文内容\n".encode("gb18030")
    result = load(tmp_path, data)
    assert entry_of(result).title == "标题"
    assert entry_of(result).content_html == "<p>正文内容</p>"
    assert warnings(result) == ["not valid UTF-8: decoded as GB18030"]


def test_undecodable_bytes_are_an_error(tmp_path: Path) -> None:
    result = load(tmp_path, b"---\ntitle: x\n---\n\xff\xfe\xff")
    assert result.entry is None
    assert "neither UTF-8" in errors(result)[0]


def test_binary_file_is_not_an_article(tmp_path: Path) -> None:
    result = load(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert result.entry is None and not result.excluded
    assert errors(result) == []
    assert "binary" in warnings(result)[0]


def test_yaml_syntax_error_names_the_line_and_the_reason(tmp_path: Path) -> None:
    text = '\n---\ntitle: """""""\'第10集\'"""""""\ndate: 2021-03-22 04:50:47\n---\nbody\n'
    result = load(tmp_path, text)
    assert result.entry is None
    (message,) = errors(result)
    assert message.startswith("front matter is not valid YAML (line 3): ")
    assert "expected key" in message


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    result = load(tmp_path, post("title: !!python/object/apply:os.system ['echo hacked']\n" + DATED))
    assert result.entry is None
    assert "not valid YAML" in errors(result)[0]


def test_front_matter_that_is_not_a_mapping_is_an_error(tmp_path: Path) -> None:
    result = load(tmp_path, post("- just\n- a list"))
    assert result.entry is None
    assert errors(result) == ["front matter is a list, not a mapping of keys to values"]


def test_unclosed_front_matter_is_an_error(tmp_path: Path) -> None:
    result = load(tmp_path, "---\ntitle: never closed\n\nbody\n")
    assert result.entry is None
    assert "never closed" in errors(result)[0]


def test_empty_front_matter_is_allowed(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, "---\n---\nEmpty YAML.\n", "2009-06-22-empty-yaml.markdown"))
    assert entry.title == "empty yaml"
    assert entry.published == utc(2009, 6, 22)


def test_toml_front_matter_with_real_datetimes(tmp_path: Path) -> None:
    text = '+++\ntitle = "TOML"\ndate = 2022-06-07T15:07:31+08:00\ntags = ["a", "b"]\n[extra]\nx = 1\n+++\nBody\n'
    entry = entry_of(load(tmp_path, text))
    assert (entry.title, entry.published, entry.tags) == ("TOML", utc(2022, 6, 7, 7, 7, 31), ("a", "b"))


def test_toml_naive_datetime_and_date_take_the_source_timezone(tmp_path: Path) -> None:
    naive = entry_of(load(tmp_path, '+++\ntitle = "x"\ndate = 2022-06-07T15:07:31\n+++\n', timezone="Asia/Shanghai"))
    day = entry_of(load(tmp_path, '+++\ntitle = "x"\ndate = 2022-06-07\n+++\n', timezone="Asia/Shanghai"))
    assert naive.published == utc(2022, 6, 7, 7, 7, 31)
    assert day.published == utc(2022, 6, 6, 16)


def test_toml_syntax_error_names_the_line_in_the_file(tmp_path: Path) -> None:
    result = load(tmp_path, '\n+++\ntitle = "ok"\ndate = = 2022\n+++\n')
    assert result.entry is None
    (message,) = errors(result)
    assert message.startswith("front matter is not valid TOML: ")
    assert "line 4" in message


def test_json_front_matter(tmp_path: Path) -> None:
    text = '{\n  "title": "JSON {braces}",\n  "date": "2022-06-07T07:07:31Z",\n  "tags": ["x"]\n}\n\nThe body.\n'
    entry = entry_of(load(tmp_path, text))
    assert (entry.title, entry.published, entry.tags) == ("JSON {braces}", utc(2022, 6, 7, 7, 7, 31), ("x",))
    assert entry.content_html == "<p>The body.</p>"


def test_broken_json_front_matter_is_an_error(tmp_path: Path) -> None:
    result = load(tmp_path, '{\n  "title": "x",\n  oops\n}\nbody')
    assert result.entry is None
    assert errors(result)[0].startswith("JSON front matter is not valid (line 3)")


def test_no_front_matter_in_an_article_extension(tmp_path: Path) -> None:
    result = load(tmp_path, "# CoreDNS Manual\n\nSome text.\n", "manual/intro.md")
    entry = entry_of(result)
    assert entry.title == "CoreDNS Manual"
    assert entry.published == datetime.fromtimestamp(MTIME, tz=UTC)


def test_other_extension_without_a_closed_fence_is_not_an_article(tmp_path: Path) -> None:
    result = load(tmp_path, "---\nkey: value\n", "config.yml")
    assert result.entry is None and errors(result) == []


# --- title --------------------------------------------------------------------------------


def test_title_entities_decoded_and_whitespace_folded(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, post(f"title: '  &#123;A&#125;  &amp;\tB\u3000 '\n{DATED}")))
    assert entry.title == "{A} & B"


def test_numeric_title_becomes_text(tmp_path: Path) -> None:
    assert entry_of(load(tmp_path, post(f"title: 2021\n{DATED}"))).title == "2021"


def test_missing_title_uses_the_first_markdown_heading(tmp_path: Path) -> None:
    result = load(tmp_path, post(DATED, "Intro\n\n# The *Heading*\n\n## Second\n"))
    assert entry_of(result).title == "The Heading"
    assert warnings(result) == ["no title: used the first heading 'The Heading'"]


def test_missing_title_uses_the_first_html_h1(tmp_path: Path) -> None:
    result = load(tmp_path, post(DATED, "<div><h1>HTML <b>title</b></h1><p>x</p></div>\n"))
    assert entry_of(result).title == "HTML title"


def test_missing_title_uses_the_file_name_without_date_prefix(tmp_path: Path) -> None:
    result = load(tmp_path, post(DATED, "no heading\n"), "_posts/2022-06-07-my_first-post.md")
    assert entry_of(result).title == "my first post"
    assert warnings(result) == ["no title: used the file name 'my first post'"]


def test_missing_title_of_an_index_file_uses_its_folder(tmp_path: Path) -> None:
    assert entry_of(load(tmp_path, post(DATED), "posts/great-news/index.md")).title == "great news"


# --- dates ----------------------------------------------------------------------------------


def test_date_string_takes_the_source_timezone(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, post("title: x\ndate: 2022-06-07 15:07:31"), timezone="Asia/Shanghai"))
    assert entry.published == utc(2022, 6, 7, 7, 7, 31)


def test_rfc822_date_string_is_utc_whatever_the_source_timezone(tmp_path: Path) -> None:
    text = post("title: x\ndate: Tue, 07 Jun 2022 07:07:31 GMT")
    assert entry_of(load(tmp_path, text, timezone="Asia/Shanghai")).published == utc(2022, 6, 7, 7, 7, 31)


def test_yaml_date_with_offset(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, post("title: x\ndate: 2019-07-02 11:21:02 -0400")))
    assert entry.published == utc(2019, 7, 2, 15, 21, 2)


@pytest.mark.parametrize("key", ["published", "pubDate"])
def test_other_date_keys(tmp_path: Path, key: str) -> None:
    entry = entry_of(load(tmp_path, post(f"title: x\n{key}: 2022-06-07T07:07:31Z")))
    assert entry.published == utc(2022, 6, 7, 7, 7, 31)


def test_published_true_is_a_flag_not_a_date(tmp_path: Path) -> None:
    result = load(tmp_path, post("title: x\npublished: true"), "2016-01-12-x.md")
    assert entry_of(result).published == utc(2016, 1, 12)


def test_date_from_the_file_name_with_a_warning(tmp_path: Path) -> None:
    result = load(tmp_path, post("title: x"), "_posts/2017-2-5-i-dont-like-zeroes.md", timezone="Asia/Shanghai")
    assert entry_of(result).published == utc(2017, 2, 4, 16)
    assert warnings(result) == ["no date: used 2017-02-05 from the file path (midnight, Asia/Shanghai)"]


def test_date_from_a_zola_path_key(tmp_path: Path) -> None:
    result = load(tmp_path, '+++\npath = "2025/06/26/Rust-1.88.0"\ntitle = "Rust"\n+++\nx\n', "Rust-1.88.0.md")
    assert entry_of(result).published == utc(2025, 6, 26)
    assert warnings(result) == ["no date: used 2025-06-26 from the 'path' key (midnight, UTC)"]


def test_date_from_updated_with_a_warning(tmp_path: Path) -> None:
    result = load(tmp_path, post("title: x\nupdated: 2022-06-07T07:07:31Z"))
    entry = entry_of(result)
    assert entry.published == entry.updated == utc(2022, 6, 7, 7, 7, 31)
    assert warnings(result) == ["no date: used the updated date 2022-06-07T07:07:31+00:00"]


def test_date_from_the_modification_time_with_a_warning(tmp_path: Path) -> None:
    result = load(tmp_path, post("title: x"))
    assert entry_of(result).published == datetime.fromtimestamp(MTIME, tz=UTC)
    assert warnings(result) == ["no date: used the file's modification time 2023-01-02T03:04:05+00:00"]


def test_no_date_and_no_mtime_is_an_error() -> None:
    source = ArticleSourceConfig(paths=(), name="blog")
    result = parse_article(b"---\ntitle: x\n---\n", "x.md", source, origin="x.md", site_base_url=SITE)
    assert result.entry is None
    assert errors(result)[0].startswith("no date")


def test_unparseable_date_is_an_error_naming_the_value(tmp_path: Path) -> None:
    result = load(tmp_path, post("title: x\ndate: 2016-06-17 12:00-400"), "2016-06-17-x.md")
    assert result.entry is None
    (message,) = errors(result)
    assert message.startswith("date: cannot parse '2016-06-17 12:00-400'")


def test_date_before_1990_is_kept_with_a_warning(tmp_path: Path) -> None:
    result = load(tmp_path, post("title: x\ndate: Mon, 19 Jan 1970 12:17:23 GMT"))
    assert entry_of(result).published == utc(1970, 1, 19, 12, 17, 23)
    assert warnings(result) == ["date: Mon, 19 Jan 1970 12:17:23 GMT is before 1990; kept, but check it"]


def test_date_in_the_future_is_kept(tmp_path: Path) -> None:
    assert entry_of(load(tmp_path, post("title: x\ndate: 2099-01-01"))).published == utc(2099, 1, 1)


@pytest.mark.parametrize("key", ["updated", "last_modified_at", "lastmod", "modified"])
def test_updated_keys(tmp_path: Path, key: str) -> None:
    entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}\n{key}: 2022-07-01")))
    assert entry.updated == utc(2022, 7, 1)


def test_unparseable_updated_is_dropped_with_a_warning(tmp_path: Path) -> None:
    result = load(tmp_path, post(f"title: x\n{DATED}\nupdated: someday"))
    assert entry_of(result).updated is None
    assert warnings(result)[0].startswith("updated: cannot parse 'someday'")


# --- categories and tags --------------------------------------------------------------------


def categories_of(tmp_path: Path, yaml_value: str) -> tuple[tuple[str, ...], ...]:
    return entry_of(load(tmp_path, post(f"title: x\n{DATED}\n{yaml_value}"))).categories


def test_yaml_list_of_categories_is_one_path(tmp_path: Path) -> None:
    value = "categories: \n - 金融\n - 新浪财经\n - 新浪财经－国內"
    assert categories_of(tmp_path, value) == (("金融", "新浪财经", "新浪财经－国內"),)


def test_list_of_lists_is_several_paths(tmp_path: Path) -> None:
    value = "categories:\n- [Diary, Life]\n- [Diary, Work]\n- Solo"
    assert categories_of(tmp_path, value) == (("Diary", "Life"), ("Diary", "Work"), ("Solo",))


def test_category_string_with_spaces_is_split_like_jekyll(tmp_path: Path) -> None:
    assert categories_of(tmp_path, "categories: foo bar baz") == (("foo",), ("bar",), ("baz",))


def test_category_string_with_commas_is_split_on_commas(tmp_path: Path) -> None:
    assert categories_of(tmp_path, "categories: Open Source, 新闻，Tech") == (("Open Source",), ("新闻",), ("Tech",))


def test_cjk_category_string_is_one_name(tmp_path: Path) -> None:
    assert categories_of(tmp_path, "category: Bing 壁纸") == (("Bing 壁纸",),)


def test_numeric_category_and_empty_values(tmp_path: Path) -> None:
    assert categories_of(tmp_path, "category: 2013") == (("2013",),)
    assert categories_of(tmp_path, "categories:") == ()
    assert categories_of(tmp_path, "categories: ['', null, a]") == (("a",),)


def test_category_and_categories_are_merged(tmp_path: Path) -> None:
    assert categories_of(tmp_path, "categories: [a, b]\ncategory: c") == (("a", "b"), ("c",))


def test_markdown_links_in_category_names_keep_their_text(tmp_path: Path) -> None:
    value = "categories:\n    - 二次元\n    - Webtoons - [Naver](https://comic.naver.com)"
    assert categories_of(tmp_path, value) == (("二次元", "Webtoons - Naver"),)


def test_category_names_keep_their_spelling(tmp_path: Path) -> None:
    assert categories_of(tmp_path, "categories: ['  Ｆｕｌｌ Width ', MixedCase]") == (("Ｆｕｌｌ Width", "MixedCase"),)


def test_toml_category_lists_are_flat_like_hugo(tmp_path: Path) -> None:
    text = '+++\ntitle = "x"\ndate = 2022-06-07\ncategories = [ "plugin", "external" ]\n+++\n'
    assert entry_of(load(tmp_path, text)).categories == (("plugin",), ("external",))


def test_tags_list_string_comma_and_dedup(tmp_path: Path) -> None:
    def tags(value: str) -> tuple[str, ...]:
        return entry_of(load(tmp_path, post(f"title: x\n{DATED}\n{value}"))).tags

    assert tags("tags:\n- federal front door\n- api\n- api") == ("federal front door", "api")
    assert tags("tags: ay bee cee") == ("ay", "bee", "cee")
    assert tags("tags: python, machine learning") == ("python", "machine learning")
    assert tags("tag: code\ntags: [code, food]\nkeywords: seo") == ("code", "food", "seo")
    assert tags("tags:") == ()
    assert tags("tags: [1.5, [nested, list]]") == ("1.5", "nested", "list")


def test_split_names_rule() -> None:
    assert split_names("foo bar baz") == ["foo", "bar", "baz"]
    assert split_names("a b, c") == ["a b", "c"]
    assert split_names("AGE 动漫") == ["AGE 动漫"]
    assert split_names(" ,  , ") == []


# --- authors --------------------------------------------------------------------------------


def authors_of(tmp_path: Path, yaml_value: str, **settings: Any) -> tuple[Author, ...]:
    return entry_of(load(tmp_path, post(f"title: x\n{DATED}\n{yaml_value}"), **settings)).authors


def test_author_forms(tmp_path: Path) -> None:
    assert authors_of(tmp_path, "author: 新浪财经") == (Author("新浪财经"),)
    assert authors_of(tmp_path, "authors: [greg, noah]") == (Author("greg"), Author("noah"))
    mapping = "author:\n  name: Ann\n  email: ann@example.org\n  url: https://ann.example.org/"
    assert authors_of(tmp_path, mapping) == (Author("Ann", "ann@example.org", "https://ann.example.org/"),)
    listed = "authors:\n- name: A\n  uri: https://a.example/\n- {name: B, link: 'javascript:x', email: nope}"
    assert authors_of(tmp_path, listed) == (Author("A", None, "https://a.example/"), Author("B"))


def test_default_author_when_none_is_given(tmp_path: Path) -> None:
    assert authors_of(tmp_path, "tags: []", default_author="Desk") == (Author("Desk"),)
    assert authors_of(tmp_path, "author: Me", default_author="Desk") == (Author("Me"),)
    assert authors_of(tmp_path, "tags: []") == ()


# --- summary --------------------------------------------------------------------------------


def test_summary_from_description_as_plain_text(tmp_path: Path) -> None:
    text = post(f"title: x\n{DATED}\ndescription: '<p>Short <b>desc</b> &amp; more</p>'", "Body.\n")
    assert entry_of(load(tmp_path, text)).summary == "Short desc & more"


def test_summary_key_order(tmp_path: Path) -> None:
    text = post(f"title: x\n{DATED}\nexcerpt: E\ndescription: D\nsummary: S")
    assert entry_of(load(tmp_path, text)).summary == "S"
    text = post(f"title: x\n{DATED}\nexcerpt: '[A link](https://x.example) text'")
    assert entry_of(load(tmp_path, text)).summary == "A link text"


def test_summary_from_the_part_before_more(tmp_path: Path) -> None:
    body = "Visible *intro*.\n\n<!-- more -->\n\nThe rest of the post.\n"
    entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}", body)))
    assert entry.summary == "Visible intro."
    assert "The rest of the post." in entry.content_html


def test_summary_from_the_body_is_capped(tmp_path: Path) -> None:
    body = "这是一个很长的句子" * 40 + "\n"
    entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}", body), excerpt_length=20))
    assert entry.summary.endswith("…")
    assert len(entry.summary) <= 20


def test_summary_from_a_key_is_capped_too(tmp_path: Path) -> None:
    text = post(f"title: x\n{DATED}\ndescription: {'word ' * 200}")
    assert len(entry_of(load(tmp_path, text, excerpt_length=30)).summary) <= 60


# --- drafts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["draft: true", "published: false", "draft: 'yes'"])
def test_drafts_are_excluded_without_a_problem(tmp_path: Path, flag: str) -> None:
    result = load(tmp_path, post(f"title: x\n{flag}\ndate: garbage"))
    assert result == ArticleResult(entry=None, problems=(), excluded=True)


def test_draft_false_is_published(tmp_path: Path) -> None:
    assert load(tmp_path, post(f"title: x\n{DATED}\ndraft: false")).entry is not None


# --- id, link, language ---------------------------------------------------------------------


def test_id_comes_from_source_and_path(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}"), "a/b.md"))
    assert entry.id == identity.entry_id("blog", "a/b.md")
    moved = entry_of(load(tmp_path, post("title: other\ndate: 2020-01-01\npermalink: /x/"), "a/b.md"))
    assert moved.id == entry.id


@pytest.mark.parametrize("key", ["id", "guid", "uuid"])
def test_id_from_front_matter(tmp_path: Path, key: str) -> None:
    entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}\n{key}: 42"), "a/b.md"))
    assert entry.id == identity.entry_id("blog", "a/b.md", "42")


@pytest.mark.parametrize("key", ["permalink", "link", "url"])
def test_link_from_front_matter(tmp_path: Path, key: str) -> None:
    entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}\n{key}: /my category/post/")))
    assert entry.link == "https://example.org/my%20category/post/"


def test_link_with_permalink_tokens_is_expanded(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, post("title: x\ndate: 2022-06-07\npermalink: /:year/:name"), "a/slug.md"))
    assert entry.link == "https://example.org/2022/slug"


def test_absolute_link_is_kept(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}\nlink: https://other.example/p?id=1")))
    assert entry.link == "https://other.example/p?id=1"


def test_link_from_the_permalink_pattern_and_source_base_url(tmp_path: Path) -> None:
    text = post("title: x\ndate: 2022-06-07 23:30:00")
    entry = entry_of(load(tmp_path, text, "posts/hello.md", base_url="https://news.example/", timezone="Asia/Shanghai"))
    assert entry.link == "https://news.example/2022/06/07/posts/hello/"
    assert entry_of(load(tmp_path, text, "posts/hello.md")).link == "https://example.org/2022/06/07/posts/hello/"


def test_language(tmp_path: Path) -> None:
    assert entry_of(load(tmp_path, post(f"title: x\n{DATED}\nlang: zh-CN"), language="en")).language == "zh-CN"
    assert entry_of(load(tmp_path, post(f"title: x\n{DATED}\nlanguage: de"))).language == "de"
    assert entry_of(load(tmp_path, post(f"title: x\n{DATED}"), language="en")).language == "en"


def test_source_and_origin(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}"), "a.md"))
    assert (entry.source, entry.origin) == ("blog", str(tmp_path / "a.md"))


# --- images ---------------------------------------------------------------------------------


def image_of(tmp_path: Path, yaml_value: str, body: str = "Text.\n", **settings: Any) -> ArticleResult:
    return load(tmp_path, post(f"title: x\n{DATED}\n{yaml_value}", body), **settings)


def test_image_key_forms(tmp_path: Path) -> None:
    png = "https://cdn.example/a.png"
    assert entry_of(image_of(tmp_path, f"headimg: '{png}'")).image == Image(png, "image/png")
    assert entry_of(image_of(tmp_path, f"image: ['{png}', 'https://cdn.example/b.gif']")).image == Image(
        png, "image/png"
    )
    assert entry_of(image_of(tmp_path, f"cover: {{src: '{png}'}}")).image == Image(png, "image/png")
    assert entry_of(image_of(tmp_path, f"banner: {{url: '{png}'}}")).image == Image(png, "image/png")


def test_empty_image_key_falls_through_to_the_next(tmp_path: Path) -> None:
    result = image_of(tmp_path, "headimg: ''\nthumbnail: 'https://cdn.example/t.webp'")
    assert entry_of(result).image == Image("https://cdn.example/t.webp", "image/webp")


def test_relative_and_protocol_relative_images(tmp_path: Path) -> None:
    relative = image_of(tmp_path, "image: /assets/blog/x.jpg", base_url="https://18f.example/")
    assert entry_of(relative).image == Image("https://18f.example/assets/blog/x.jpg", "image/jpeg")
    protocol = image_of(tmp_path, "image: //cdn.example/y.avif")
    assert entry_of(protocol).image == Image("https://cdn.example/y.avif", "image/avif")


def test_non_http_image_is_ignored_with_a_warning(tmp_path: Path) -> None:
    result = image_of(tmp_path, "image: 'data:image/png;base64,AAAA'", image_from_body=False)
    assert entry_of(result).image is None
    assert warnings(result) == ["image: 'data:image/png;base64,AAAA' is not an http(s) URL: ignored"]


def test_image_from_the_body(tmp_path: Path) -> None:
    body = '<div><p>x</p><img src="/pics/cat.gif"></div>\n'
    found = image_of(tmp_path, "tags: []", body, base_url="https://site.example/")
    assert entry_of(found).image == Image("https://site.example/pics/cat.gif", "image/gif")
    off = image_of(tmp_path, "tags: []", body, image_from_body=False)
    assert entry_of(off).image is None


def test_image_mime_types() -> None:
    assert image_mime_type("https://x/a.JPG") == "image/jpeg"
    assert image_mime_type("https://x/a.jpeg?w=1") == "image/jpeg"
    assert image_mime_type("https://x/a.svg") == "image/svg+xml"
    assert image_mime_type("https://x/a.png#frag") == "image/png"
    assert image_mime_type("https://picsum.photos/400/300?random=1") == "image/jpeg"


# --- body -----------------------------------------------------------------------------------

CRAWLER_BODY = (
    "\n<div>   \n<p>第一段</p>\n\n            <style>.x&#123;color:red&#125;</style>\n"
    '            <div class="appendQr_wrap"><img src="https://x.example/qr.png"></div>\n'
    "            <!-- comment -->\n\n<p>第二段</p>\n  \n</div>\n            "
)


def test_html_body_with_indented_lines_is_not_a_code_block(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}", CRAWLER_BODY), drop_selectors=SEED_DROP))
    assert "<pre" not in entry.content_html and "<code" not in entry.content_html
    assert "&lt;" not in entry.content_html
    assert "第一段" in entry.content_html and "第二段" in entry.content_html
    assert "color" not in entry.content_html and "qr.png" not in entry.content_html
    assert "comment" not in entry.content_html


def test_markdown_body_is_rendered(tmp_path: Path) -> None:
    body = "Intro with ~~old~~ *new*.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n    code block\n"
    html = entry_of(load(tmp_path, post(f"title: x\n{DATED}", body))).content_html
    assert "<s>old</s>" in html and "<em>new</em>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<pre><code>code block" in html


def test_markdown_that_starts_with_html_is_still_markdown(tmp_path: Path) -> None:
    body = '<figure><img src="https://x.example/a.png"></figure>\n\nSee [this](https://x.example/).\n'
    html = entry_of(load(tmp_path, post(f"title: x\n{DATED}", body))).content_html
    assert '<a href="https://x.example/">this</a>' in html


def test_html_extension_is_html(tmp_path: Path) -> None:
    entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}", "Text *not emphasis*\n"), "page.html"))
    assert entry.content_html == "Text *not emphasis*"


@pytest.mark.parametrize(("mode", "expected"), [("html", "# Not a heading"), ("markdown", "<h1>Not a heading</h1>")])
def test_source_body_setting_forces_the_format(tmp_path: Path, mode: str, expected: str) -> None:
    entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}", "# Not a heading\n"), body=mode))
    assert entry.content_html == expected


def test_hexo_tags_are_left_as_text(tmp_path: Path) -> None:
    body = "Before\n\n{% youtube TIbZDRXM-Tg %}\n\nAfter\n"
    html = entry_of(load(tmp_path, post(f"title: x\n{DATED}", body))).content_html
    assert "{% youtube TIbZDRXM-Tg %}" in html


def test_relative_links_in_the_body_are_absolute(tmp_path: Path) -> None:
    body = "[doc](/docs/x.html) ![pic](img/a.png)\n"
    html = entry_of(load(tmp_path, post(f"title: x\n{DATED}", body), base_url="https://b.example/blog/")).content_html
    assert 'href="https://b.example/docs/x.html"' in html
    assert 'src="https://b.example/blog/img/a.png"' in html


def test_script_in_the_body_is_removed(tmp_path: Path) -> None:
    body = '<div><p onclick="x()">Hi</p><script>alert(1)</script></div>\n'
    assert entry_of(load(tmp_path, post(f"title: x\n{DATED}", body))).content_html == "<div><p>Hi</p></div>"


# --- purity ---------------------------------------------------------------------------------


def test_parse_article_is_deterministic_and_picklable() -> None:
    source = ArticleSourceConfig(paths=(), name="blog", timezone="Asia/Shanghai")
    data = post("title: x\ncategories: [a, b]\nauthor: {name: A}\ndate: 2022-06-07 15:07:31").encode()
    first = parse_article(data, "a.md", source, origin="a.md", site_base_url=SITE, mtime=0.0)
    second = parse_article(data, "a.md", source, origin="a.md", site_base_url=SITE, mtime=0.0)
    assert first == second
    assert pickle.loads(pickle.dumps(first)) == first
    assert pickle.loads(pickle.dumps(source)) == source


def test_deeply_nested_front_matter_does_not_escape() -> None:
    source = ArticleSourceConfig(paths=(), name="blog")
    data = ("---\ntitle: " + "[" * 100000 + "\n---\n").encode()
    result = parse_article(data, "a.md", source, origin="a.md", site_base_url=SITE, mtime=0.0)
    assert result.entry is None and errors(result)


# --- the seed -------------------------------------------------------------------------------

SEED_TITLE = "_纾困帮扶 益企惠企_助力中小企业渡难关、谋发展——国家发展改革委积极开展中小企业服务月活动"
SEED_IMAGE = "https://n.sinaimg.cn/finance/crawl/51/w550h301/20220607/8502-e565c9b2b8ed2f0de45aca6c5d51810e.png"


def weight(text: str) -> float:
    import unicodedata

    return sum(1 if unicodedata.east_asian_width(c) in ("W", "F") else 0.5 for c in text)


def test_the_seed(tmp_path: Path, seed: Path) -> None:
    rel_path = f"金融/新浪财经/新浪财经－国內/{SEED_TITLE}.md"
    result = load(tmp_path, seed.read_bytes(), rel_path, timezone="Asia/Shanghai", drop_selectors=SEED_DROP)
    entry = entry_of(result)
    assert result.problems == ()
    assert entry.title == SEED_TITLE
    assert entry.published == utc(2022, 6, 7, 7, 7, 31)
    assert entry.categories == (("金融", "新浪财经", "新浪财经－国內"),)
    assert entry.authors == (Author("新浪财经"),)
    assert entry.image == Image(SEED_IMAGE, "image/png")
    assert 0 < weight(entry.summary) <= 140
    assert entry.summary.startswith("为深入贯彻党中央")
    html = entry.content_html
    assert "<style" not in html and "&#123;" not in html and "color:" not in html
    assert "<!--" not in html
    assert "343233024.png" not in html and "appendQr" not in html and "新浪财经APP" not in html
    assert "责任编辑" not in html
    assert "<pre" not in html and "<code" not in html
    assert html.count("<img") == 3
    assert entry.id == identity.entry_id("blog", rel_path)


def test_hexo_news_title_quoted_seven_times_is_reported() -> None:
    folder = need_shared(CORPUS / "hexo-news" / "post" / "二次元" / "AGE 动漫 - 番剧详情")
    path = folder / '"""""""\'第10集\'""""""".md'
    source = ArticleSourceConfig(paths=(folder,), name="news")
    result = load_article(path, path.name, source, site_base_url=SITE)
    assert result.entry is None
    assert errors(result)[0].startswith("front matter is not valid YAML (line 3)")


def test_summary_of_a_long_body_equals_the_excerpt_of_all_its_text(tmp_path: Path) -> None:
    from feedkit.html import html_to_text
    from feedkit.text import excerpt

    body = "".join(
        f"<p>　　第{i}段，这是一个很长的句子，用来测试摘要。Sentence {i} is here.</p>\n\n" for i in range(400)
    )
    for length in (10, 140, 500):
        entry = entry_of(load(tmp_path, post(f"title: x\n{DATED}", f"<div>{body}</div>"), excerpt_length=length))
        assert entry.summary == excerpt(html_to_text(entry.content_html), length)
