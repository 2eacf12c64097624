from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedkit.errors import ConfigError
from feedkit.html import check_selectors, clean_html, first_image, html_to_text
from feedkit.text import character_limit, excerpt, strip_illegal_xml_chars

SEED_IMAGES = [
    "https://n.sinaimg.cn/finance/crawl/51/w550h301/20220607/8502-e565c9b2b8ed2f0de45aca6c5d51810e.png",
    "https://n.sinaimg.cn/finance/crawl/48/w550h298/20220607/515c-af2573f9bfac4da7ee42a1322bd5dc20.png",
    "https://n.sinaimg.cn/finance/crawl/110/w550h360/20220607/98df-c2e92e5d81863f7efbbee50392fe017f.png",
]
SEED_DROP = [".appendQr_wrap", ".article-editor"]


def seed_body(seed: Path) -> str:
    return seed.read_text(encoding="utf-8").split("---", 2)[2]


def clean(html: str, base_url: str | None = None) -> str:
    return clean_html(html, base_url=base_url)


def weight(text: str) -> float:
    return sum(1 if unicodedata.east_asian_width(c) in ("W", "F") else 0.5 for c in text)


# --- check_selectors ------------------------------------------------------------------


def test_valid_selectors_pass() -> None:
    check_selectors([".appendQr_wrap", "p.article-editor", "div > p:first-child", "#id, span[data-x]"], "k")


@pytest.mark.parametrize("bad", ["p..x", "", "a::before", ".x,", "[unclosed"])
def test_invalid_selector_is_named_with_key(bad: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_selectors([".ok", bad], "sources.news.drop_selectors")
    assert info.value.key == "sources.news.drop_selectors"
    assert repr(bad) in str(info.value)


def test_clean_html_rejects_bad_selector() -> None:
    with pytest.raises(ConfigError, match="drop_selectors"):
        clean_html("<p>x</p>", base_url=None, drop_selectors=["p..x"])


# --- clean_html: structure ------------------------------------------------------------


@pytest.mark.parametrize("empty", ["", "   \n\t ", "<!-- only a comment -->", "<script>x()</script>", "<div> </div>"])
def test_empty_input_gives_empty_string(empty: str) -> None:
    assert clean(empty) == ""


def test_dtd_entities_are_not_expanded_and_nothing_is_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    html = f'<!DOCTYPE p [<!ENTITY e SYSTEM "file://{secret}">]><p>a&e;b</p><img src="file://{secret}">'
    out = clean(html)
    assert "TOPSECRET" not in out and "file:" not in out
    assert html_to_text(html).count("TOPSECRET") == 0


@pytest.mark.parametrize("html", ["<ul><source><pre>x</pre></source></ul>", "<b><p>x</p></b>", "<p><div>x</div></p>"])
def test_parser_disagreements_still_give_a_stable_result(html: str) -> None:
    """libxml2 (HTML4 rules) and nh3 (HTML5) nest these differently; cleaning repeats until stable."""
    out = clean(html)
    assert ">x<" in out and clean(out) == out


def test_whole_documents_give_their_bodies() -> None:
    """lxml.html's fragment parser asserted exactly one <body>: these raised AssertionError."""
    for html in ("<html></html>", "<html><head><title>t</title></head></html>", "<html><frameset></frameset></html>"):
        assert clean(html) == "" and html_to_text(html) == "" and first_image(html) is None
    assert clean("<html><body><p>a</p></body><body>b</body></html>") == "<p>a</p>b"
    assert clean("<!doctype html><html><head><title>t</title></head><body class=c><p>x</p></body></html>") == "<p>x</p>"


def test_comments_are_removed() -> None:
    assert clean("<p>a<!-- secret -->b</p><!-- news_keyword_pub,stock, -->") == "<p>ab</p>"


@pytest.mark.parametrize(
    "tag", ["script", "style", "iframe", "object", "form", "noscript", "template", "textarea", "svg", "title"]
)
def test_dangerous_elements_are_removed_with_content(tag: str) -> None:
    out = clean(f"<p>keep</p><{tag}>SECRET<b>x</b></{tag}>tail")
    assert "SECRET" not in out and tag not in out
    assert out == "<p>keep</p>tail"


def test_embed_and_base_are_removed() -> None:
    assert clean('<embed src="https://e.com/x.swf"><base href="https://evil.com/"><p>x</p>') == "<p>x</p>"


def test_event_handlers_class_id_style_are_dropped() -> None:
    out = clean('<p onclick="x()" class="c" id="i" style="color:red" cms-style="font-L" onmouseover="y">t</p>')
    assert out == "<p>t</p>"
    assert clean('<img src="https://a.com/i.png" onerror="alert(1)" class="c">') == '<img src="https://a.com/i.png">'


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java&#9;script:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "tel:+123",
        "file:///etc/passwd",
    ],
)
def test_unsafe_link_schemes_are_dropped_and_link_unwrapped(url: str) -> None:
    assert clean(f'<p><a href="{url}">text</a></p>', "https://example.com/") == "<p>text</p>"


def test_data_images_are_dropped() -> None:
    out = clean('<p>a<img src="data:image/png;base64,iVBORw0KGgo=">b</p><img src="javascript:x">')
    assert out == "<p>ab</p>"


def test_allowed_schemes_survive() -> None:
    html = '<a href="http://a.com/">1</a><a href="https://a.com/">2</a><a href="mailto:me@a.com">3</a>'
    assert clean(html) == html


def test_image_attributes_are_kept() -> None:
    html = (
        '<img src="https://n.sinaimg.cn/x.png" alt="chart" title="t" width="550" height="301" '
        'srcset="https://n.sinaimg.cn/x2.png 2x" sizes="100vw" loading="lazy" referrerpolicy="no-referrer">'
    )
    assert clean(html) == html


def test_allowlist_unwraps_unknown_tags() -> None:
    assert clean('<p><font color="red">red</font> <marquee>m</marquee></p>') == "<p>red m</p>"


def test_video_keeps_media_attributes_and_gets_controls() -> None:
    out = clean('<video src="https://a.com/v.mp4" poster="https://a.com/p.jpg" autoplay onplay="x()"></video>')
    assert out == '<video src="https://a.com/v.mp4" poster="https://a.com/p.jpg" controls=""></video>'


def test_picture_sources_are_kept() -> None:
    html = '<picture><source srcset="https://a.com/i.webp" type="image/webp"><img src="https://a.com/i.png"></picture>'
    assert clean(html) == html


# --- clean_html: drop_selectors ---------------------------------------------------------


def test_drop_selectors_remove_boilerplate_before_classes_are_stripped() -> None:
    html = (
        '<p>story</p><div class="clearfix appendQr_wrap"><div class="appendQr_normal">'
        '<img src="https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"></div>'
        '<div class="appendQr_normal_txt">海量资讯</div></div>'
        '<p class="article-editor">责任编辑：王翔 </p>after'
    )
    assert clean_html(html, base_url=None, drop_selectors=SEED_DROP) == "<p>story</p>after"
    assert "343233024" in clean(html)


def test_drop_selectors_accept_any_css() -> None:
    html = '<div><p>a</p><p data-ad="1">ad</p><span id="x">b</span></div>'
    assert clean_html(html, base_url=None, drop_selectors=["p[data-ad]", "#x"]) == "<div><p>a</p></div>"


# --- clean_html: URLs -------------------------------------------------------------------


def test_relative_urls_are_resolved_against_base() -> None:
    html = (
        '<a href="../other/">a</a><img src="img/x.png" srcset="x1.png 1x, /x2.png 2x">'
        '<video src="v.mp4" poster="p.jpg"></video>'
    )
    assert clean(html, "https://example.com/blog/post/") == (
        '<a href="https://example.com/blog/other/">a</a>'
        '<img src="https://example.com/blog/post/img/x.png" '
        'srcset="https://example.com/blog/post/x1.png 1x, https://example.com/x2.png 2x">'
        '<video src="https://example.com/blog/post/v.mp4" poster="https://example.com/blog/post/p.jpg" controls="">'
        "</video>"
    )


def test_protocol_relative_urls_become_https_even_without_base() -> None:
    assert clean('<img src="//n.sinaimg.cn/x.png">') == '<img src="https://n.sinaimg.cn/x.png">'
    assert clean('<img src="//n.sinaimg.cn/x.png">', "http://a.com/") == '<img src="https://n.sinaimg.cn/x.png">'


def test_relative_urls_without_base_are_kept() -> None:
    assert clean('<a href="/about">a</a><img src="x.png">') == '<a href="/about">a</a><img src="x.png">'


def test_non_ascii_urls_are_percent_encoded() -> None:
    out = clean('<a href="https://例子.com/图片/a b.png?q=é">x</a>')
    assert out == '<a href="https://xn--fsqu00a.com/%E5%9B%BE%E7%89%87/a%20b.png?q=%C3%A9">x</a>'


def test_srcset_commas_inside_urls_and_unsafe_candidates() -> None:
    out = clean('<img src="https://a.com/i.png" srcset="https://c.com/w_1,h_2/i.png 2x, javascript:x 3x">')
    assert out == '<img src="https://a.com/i.png" srcset="https://c.com/w_1,h_2/i.png 2x">'


def test_url_whitespace_is_trimmed_but_hyphens_kept() -> None:
    assert clean('<a href=" \n https://a.com/x-\n ">x</a>') == '<a href="https://a.com/x-">x</a>'


def test_malformed_url_is_dropped() -> None:
    assert clean('<p><a href="http://[::1">x</a></p>') == "<p>x</p>"


# --- clean_html: text, empties, whitespace -----------------------------------------------


def test_character_references_become_literal_braces() -> None:
    assert clean("<p>f&#123;x&#125; &amp; &lt;b&gt;</p>") == "<p>f{x} &amp; &lt;b&gt;</p>"


def test_elements_left_empty_are_removed() -> None:
    html = '<div class="img_wrapper"><span class="img_descr"></span></div><div><div> </div></div><p><a>x</a></p>'
    assert clean(html) == "<p>x</p>"


def test_img_br_hr_and_table_cells_are_kept_when_empty() -> None:
    html = '<p><br></p><hr><table><tbody><tr><td></td><th></th></tr></tbody></table><div><img src="https://a.com/i"></div>'
    assert clean(html) == html


def test_blank_line_runs_are_collapsed_but_pre_is_kept() -> None:
    out = clean("<p>a</p>\n\n\n\n   \n<p>b   c\n\n d</p>\n\n<pre>x\n\n\n  y</pre>")
    assert out == "<p>a</p>\n<p>b c\nd</p>\n<pre>x\n\n\n  y</pre>"


def test_illegal_xml_characters_are_removed() -> None:
    assert clean("<p>a\x00b\x0bc\x1fd\ufffe</p>") == "<p>abcd</p>"


def test_seed_body(seed: Path) -> None:
    out = clean_html(seed_body(seed), base_url="https://finance.sina.com.cn/", drop_selectors=SEED_DROP)
    assert out.count("<p>") == 5
    assert re.findall(r'<img src="([^"]+)" alt="" referrerpolicy="no-referrer">', out) == SEED_IMAGES
    assert out.count("<img") == 3
    for gone in ["<style", "<!--", "343233024.png", "责任编辑", "appendQr", "cms-style", "class=", "id=", "&#123;"]:
        assert gone not in out
    assert "\n\n" not in out
    assert clean_html(out, base_url=None) == out
    assert clean_html(seed_body(seed), base_url="https://finance.sina.com.cn/", drop_selectors=SEED_DROP) == out


# --- clean_html: properties ----------------------------------------------------------------

_TAGS = ["p", "div", "span", "a", "b", "i", "em", "ul", "li", "table", "tr", "td", "pre", "blockquote", "h2",
         "script", "style", "iframe", "svg", "form", "font", "source", "picture", "video", "figure", "select"]
_ATTRS = st.sampled_from([
    ' href="javascript:alert(1)"', ' src="jAvAsCrIpT:x"', ' onclick="alert(1)"', ' onerror=alert(1)',
    ' href="//h.com/x"', ' src="data:image/png;base64,AA"', ' class="x"', ' style="a:b"', ' href="/rel"',
    ' src="https://a.com/i.png"', ' srcset="a.png 1x, javascript:x 2x"', ' href="http://例.com/é"',
    ' poster="vbscript:x"', ' title="a>b"', "",
])
_TEXT = st.sampled_from(["x", " ", "\n\n\n", "&#123;", "<", "&amp;", "　　中文", "&lt;script&gt;", "\x00", "a b"])
_LEAVES = st.one_of(
    _TEXT,
    st.builds(lambda a: f"<img{a}>", _ATTRS),
    st.sampled_from(["<br>", "<hr>", "<!-- c -->", "</p>", "<td>", "<script>alert(1)</script>", "javascript:x"]),
)
_FRAGMENTS = st.recursive(
    _LEAVES,
    lambda inner: st.builds(
        lambda tag, attr, body: f"<{tag}{attr}>{''.join(body)}</{tag}>",
        st.sampled_from(_TAGS), _ATTRS, st.lists(inner, max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=5).map("".join), st.sampled_from([None, "https://example.com/a/"]))
def test_clean_html_is_idempotent_and_safe(html: str, base_url: str | None) -> None:
    out = clean_html(html, base_url=base_url)
    assert clean_html(out, base_url=base_url) == out
    assert clean_html(html, base_url=base_url) == out
    lowered = out.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<svg" not in lowered
    assert not re.search(r"\son[a-z]+=", lowered)
    assert "class=" not in lowered and "style=" not in lowered
    for url in re.findall(r'(?:href|src|srcset|poster)="([^"]*)"', lowered):
        assert not re.search(r"(javascript|vbscript|data):", url)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' &;#abpsciript:onx\n")), max_size=80))
def test_clean_html_survives_arbitrary_markup(html: str) -> None:
    out = clean_html(html, base_url=None)
    assert clean_html(out, base_url=None) == out
    assert "<script" not in out.lower()


# --- first_image ----------------------------------------------------------------------------


def test_first_image_skips_non_http_sources() -> None:
    html = '<img src="x.png"><img src="data:image/png;base64,AA"><img><img src="https://a.com/1.png"><img src="http://b/2">'
    assert first_image(html) == "https://a.com/1.png"


def test_first_image_none() -> None:
    assert first_image("<p>no images</p>") is None
    assert first_image("") is None


def test_first_image_of_seed(seed: Path) -> None:
    out = clean_html(seed_body(seed), base_url=None, drop_selectors=SEED_DROP)
    assert first_image(out) == SEED_IMAGES[0]


# --- html_to_text ---------------------------------------------------------------------------


def test_html_to_text_blocks_and_breaks() -> None:
    html = "<h2>Title</h2><p>one<br>two</p><div>three</div><ul><li>a</li><li>b</li></ul>tail"
    assert html_to_text(html) == "Title\n\none\ntwo\n\nthree\n\na\n\nb\n\ntail"


def test_html_to_text_folds_whitespace_decodes_entities_and_skips_scripts() -> None:
    html = "<p>  a \n\n  b&nbsp;&amp;&#123;c&#125; </p><script>var x;</script><style>p{}</style><!-- c -->"
    assert html_to_text(html) == "a b &{c}"


def test_html_to_text_removes_full_width_indentation_at_paragraph_starts() -> None:
    assert html_to_text("<p>　　第一段。</p><p>　　第二段　中间。</p>") == "第一段。\n\n第二段　中间。"


def test_html_to_text_plain_input_and_empty() -> None:
    assert html_to_text("just text") == "just text"
    assert html_to_text("") == ""


def test_html_to_text_of_seed(seed: Path) -> None:
    text = html_to_text(clean_html(seed_body(seed), base_url=None, drop_selectors=SEED_DROP))
    paragraphs = text.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("为深入贯彻党中央")
    assert paragraphs[-1].endswith("推动中小企业发展工作再上新台阶。")


# --- excerpt ---------------------------------------------------------------------------------

CHINESE = "　　今天上午，我们在公园里散步，看见很多人在跑步和打太极拳。" * 3 + "大家都很开心地说天气真好"


def seed_first_paragraph(seed: Path) -> str:
    body = clean_html(seed_body(seed), base_url=None, drop_selectors=SEED_DROP)
    return html_to_text(body).split("\n\n")[0]


ENGLISH = (
    "The quick brown fox jumps over the lazy dog. It was not amused by this at all, and it said so loudly. "
    "Then everybody went home and had a very long and well deserved rest after such an eventful afternoon."
)


def test_excerpt_short_text_is_returned_whole_but_folded() -> None:
    assert excerpt("  Hello \n\n world  ") == "Hello world"
    assert excerpt("　　短文。") == "短文。"


def test_excerpt_chinese_sentence_boundary_without_ellipsis() -> None:
    out = excerpt(CHINESE, 40)
    assert out == "今天上午，我们在公园里散步，看见很多人在跑步和打太极拳。"
    assert excerpt(CHINESE, 60) == "今天上午，我们在公园里散步，看见很多人在跑步和打太极拳。" * 2


def test_excerpt_chinese_cuts_at_limit_when_no_sentence_end_is_late_enough() -> None:
    text = "今天上午我们在公园里散步看见很多人在跑步" * 5
    assert excerpt(text, 10) == "今天上午我们在公园…"
    assert excerpt("短句。" + text, 10) == "短句。今天上午我们…"  # the 。 is too early


def test_excerpt_of_seed_first_paragraph(seed: Path) -> None:
    paragraph = seed_first_paragraph(seed)
    out = excerpt(paragraph, 60)
    assert out.startswith("为深入贯彻党中央、国务院决策部署，落实国务院") and out.endswith("…")
    assert len(out) == 60 and paragraph.startswith(out[:-1])  # 59 characters + "…"
    sentence = excerpt(paragraph, 160)  # the first 。 (character 151) lies in the last 40% of 160
    assert sentence.endswith("政企云交流视频座谈会顺利召开。")
    assert paragraph.startswith(sentence) and len(sentence) == 151


def test_excerpt_default_length_is_140_cjk_characters(seed: Path) -> None:
    out = excerpt(seed_first_paragraph(seed))
    assert out.endswith("…")
    assert len(out) == 140  # digits and Latin inside Chinese text count like every other character


def test_cjk_text_gets_length_characters_latin_text_twice_as_many() -> None:
    assert character_limit("中文" * 100, 140) == 140
    assert character_limit("中文内容里有 2 个数字和 English 单词的混合文本" * 5, 20) == 20
    assert character_limit("plain English " * 30, 140) == 280
    assert character_limit("", 140) == 280


def test_excerpt_english_sentence_boundary_and_word_boundary() -> None:
    assert excerpt(ENGLISH, 60) == (
        "The quick brown fox jumps over the lazy dog. It was not amused by this at all, and it said so loudly."
    )
    out = excerpt(ENGLISH, 40)
    assert out == "The quick brown fox jumps over the lazy dog. It was not amused by this at all…"  # no "," before …
    out = excerpt("word " * 100, 10)
    assert out == "word word word word…"


def test_excerpt_sentence_boundary_too_early_is_ignored() -> None:
    text = "Short. " + "then a very long sentence without any end at all that goes on and on and on and on"
    assert excerpt(text, 30) == "Short. then a very long sentence without any end at all…"


def test_excerpt_latin_dot_needs_a_following_space() -> None:
    text = "Version 3.14159 of the thing is described at example.com in much detail today"
    assert excerpt(text, 20) == "Version 3.14159 of the thing is…"


def test_excerpt_mixed_text() -> None:
    text = "新浪财经报道：中小企业 SME 服务月活动 in Beijing 顺利召开并取得圆满成功，各方代表积极参与讨论"
    assert excerpt(text, 20) == "新浪财经报道：中小企业 SME 服务月…"
    latin_heavy = "新浪财经 Sina Finance reports that the SME service month in Beijing and Shanghai went well"
    assert excerpt(latin_heavy, 20) == "新浪财经 Sina Finance reports that the SME…"  # 40 characters at most


def test_excerpt_without_any_boundary() -> None:
    assert excerpt("a" * 500, 10) == "a" * 19 + "…"
    assert excerpt("中" * 500, 10) == "中" * 9 + "…"


def test_excerpt_tiny_lengths() -> None:
    assert excerpt("abcdef", 1) == "a…"
    assert excerpt("中文字", 1) == "…"
    assert excerpt("abc", 0) == ""


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab .,!?。，中文字カ한　\n\t😀Ｆ…")) | st.characters(), max_size=400),
    st.integers(min_value=0, max_value=200),
)
def test_excerpt_never_exceeds_the_limit(text: str, length: int) -> None:
    out = excerpt(text, length)
    assert len(out) <= 2 * length
    assert excerpt(out, length) == out or out.endswith("…")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("中文字カ한。，　\n")), max_size=600), st.integers(1, 200))
def test_excerpt_of_cjk_text_never_exceeds_length_characters(text: str, length: int) -> None:
    assert len(excerpt(text, length)) <= length


# --- strip_illegal_xml_chars -------------------------------------------------------------------


def test_strip_illegal_xml_chars() -> None:
    assert strip_illegal_xml_chars("a\x00\x01\x08b\tc\nd\re\x0b\x0c\x1ff\ufffe\uffffg\ud800h") == "ab\tc\nd\refgh"
    assert strip_illegal_xml_chars("中文 😀 \x7f\x85") == "中文 😀 \x7f\x85"


@pytest.mark.parametrize("newlines", [1, 2, 6, 12])
def test_blank_lines_at_the_start_of_pre_do_not_make_cleaning_unstable(newlines: int) -> None:
    """HTML parsers drop one newline after ``<pre>`` each time: six made clean_html change its own output
    (found by test_clean_html_is_idempotent_and_safe)."""
    out = clean_html("<pre><p></p>" + "\n" * newlines + "x\n  y</pre>", base_url=None)
    assert out == "<pre>x\n  y</pre>"
    assert clean_html(out, base_url=None) == out
