"""Transforms: the built-ins, the config keys that name them, the chain, and builds that use them."""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedkit.config.load import parse_config
from feedkit.config.types import Config
from feedkit.errors import ConfigError
from feedkit.model import Entry, Image, Problem
from feedkit.pipeline.build import build
from feedkit.transforms import apply_steps, compile_steps, trace_steps

from .conftest import write_article

NOW = datetime(2024, 6, 1, tzinfo=UTC)
ENTRY = Entry(
    id="urn:x", title="_纾困帮扶 益企惠企_助力中小企业", link="https://news.example/a",
    published=NOW - timedelta(days=3),
    summary="发展改革委 summary", content_html='<p>正文 <img src="https://n.sinaimg.cn/a.png"></p><p>责任编辑：某人</p>',
    categories=(("金融", "新浪财经"),), tags=("发展",), image=Image("https://n.sinaimg.cn/a.png", "image/png"),
    source="news", origin="/src/a.md",
)


def config(toml: str, **sources: str) -> Config:
    head = 'out = "out"\n[[articles]]\nname = "news"\npaths = ["src"]\n[[feeds]]\nname = "wire"\nurl = "w.xml"\n'
    return parse_config(tomllib.loads(head + toml), Path("/tmp/site"))


def run(toml: str, entry: Entry = ENTRY, *, allow_code: bool = False) -> Entry | None:
    cfg = config(toml)
    steps = compile_steps(replace(cfg, allow_code=allow_code) if allow_code else cfg, now=NOW)
    problems: list[Problem] = []
    result = list(apply_steps([entry], steps, problems))
    assert not problems, problems
    return result[0] if result else None


def test_replace_fixes_the_crawlers_underscored_quotes() -> None:
    out = run('[[transforms]]\ntype = "replace"\nfields = ["title"]\npattern = "^_(.+?)_"\nreplacement = "“\\\\1”"\n')
    assert out is not None and out.title == "“纾困帮扶 益企惠企”助力中小企业"
    assert out.content_html == ENTRY.content_html


def test_replace_in_content_is_sanitized_again() -> None:
    out = run('[[transforms]]\ntype = "replace"\nfields = ["content"]\npattern = "正文"\n'
              'replacement = "<script>x()</script><b>正文</b>"\n')
    assert out is not None and "<script" not in out.content_html and "<b>正文</b>" in out.content_html


def test_drop_elements_by_css_selector() -> None:
    out = run('[[transforms]]\ntype = "drop_elements"\nselectors = ["p:last-child", "img"]\n')
    assert out is not None and out.content_html == "<p>正文 </p>"


def test_drop_elements_refuses_a_bad_selector() -> None:
    with pytest.raises(ConfigError, match=r"transforms\[0\]\.selectors"):
        config('[[transforms]]\ntype = "drop_elements"\nselectors = ["p::before"]\n')


def test_proxy_images_rewrites_content_images_and_the_entry_image() -> None:
    out = run('[[transforms]]\ntype = "proxy_images"\ntemplate = "https://proxy.example/?url={url}"\n'
              'hosts = ["sinaimg.cn"]\n')
    proxied = "https://proxy.example/?url=https%3A%2F%2Fn.sinaimg.cn%2Fa.png"
    assert out is not None and out.image == Image(proxied, "image/png")
    assert f'src="{proxied.replace("&", "&amp;")}"' in out.content_html
    assert run('[[transforms]]\ntype = "proxy_images"\ntemplate = "https://p.example/{url_raw}"\n'
               'hosts = ["other.example"]\n') == ENTRY


@pytest.mark.parametrize("template", ["https://proxy.example/", "ftp://p/{url}", "https://p/{nope}?{url}"])
def test_proxy_template_is_checked(template: str) -> None:
    with pytest.raises(ConfigError, match=r"transforms\[0\]\.template"):
        config(f'[[transforms]]\ntype = "proxy_images"\ntemplate = "{template}"\n')


def test_categories_by_rule_add_or_set() -> None:
    added = run('[[transforms]]\ntype = "categories"\nkeywords = ["中小企业"]\ncategories = ["专题/中小企业"]\n')
    assert added is not None and added.categories == (("金融", "新浪财经"), ("专题", "中小企业"))
    replaced = run('[[transforms]]\ntype = "categories"\nin_categories = ["新浪财经"]\nmode = "set"\n'
                   'categories = ["财经"]\n')
    assert replaced is not None and replaced.categories == (("财经",),)
    untouched = run('[[transforms]]\ntype = "categories"\nin_categories = ["金融/其他"]\ncategories = ["x"]\n')
    assert untouched == ENTRY


@pytest.mark.parametrize(("rule", "kept_by_keep"), [
    ('keywords = ["SUMMARY"]', True),  # case-insensitive, in the summary
    ('keywords = ["责任编辑"]', True),  # in the content text
    ('keywords = ["体育"]', False),
    ('in_categories = ["金融"]', True),
    ('in_categories = ["新浪财经"]', True),
    ('in_categories = ["新浪财经/金融"]', False),
    ('older_than = "2d"', True),
    ('older_than = "7d"', False),
    ('keywords = ["发展"]\nin_categories = ["科技"]', False),  # every condition must hold
])
def test_keep_and_drop_by_rule(rule: str, kept_by_keep: bool) -> None:
    assert (run(f'[[transforms]]\ntype = "keep"\n{rule}\n') is not None) == kept_by_keep
    assert (run(f'[[transforms]]\ntype = "drop"\n{rule}\n') is not None) == (not kept_by_keep)


def test_sources_limit_a_transform() -> None:
    toml = '[[transforms]]\ntype = "drop"\nsources = ["wire"]\nkeywords = ["发展"]\n'
    assert run(toml) == ENTRY
    assert run(toml, replace(ENTRY, source="wire")) is None


def test_chinese_conversion() -> None:
    pytest.importorskip("opencc")
    out = run('[[transforms]]\ntype = "chinese"\nconvert = "s2t"\nfields = ["title", "categories", "tags"]\n')
    assert out is not None and out.title == "_紓困幫扶 益企惠企_助力中小企業"
    assert out.categories == (("金融", "新浪財經"),) and out.tags == ("發展",)
    assert out.summary == ENTRY.summary


@pytest.mark.parametrize(("toml", "key"), [
    ('[[transforms]]\ntype = "shout"\n', "transforms[0].type"),
    ('[[transforms]]\npattern = "x"\n', "transforms[0].type"),
    ('[[transforms]]\ntype = "replace"\npattern = "("\n', "transforms[0].pattern"),
    ('[[transforms]]\ntype = "replace"\npattern = "x"\ntemplate = "y"\n', "transforms[0].template"),
    ('[[transforms]]\ntype = "replace"\npattern = "x"\nfields = ["link"]\n', "transforms[0].fields[0]"),
    ('[[transforms]]\ntype = "drop"\n', "transforms[0].type"),
    ('[[transforms]]\ntype = "drop"\nsources = ["nope"]\nkeywords = ["x"]\n', "transforms[0].sources[0]"),
    ('[[transforms]]\ntype = "chinese"\nconvert = "x2y"\n', "transforms[0].convert"),
    ('[[transforms]]\ntype = "code"\nfunction = "os.system"\n', "transforms[0].function"),
    ('[[transforms]]\ntype = "keep"\nolder_than = "soon"\n', "transforms[0].older_than"),
])
def test_config_errors_name_the_key(toml: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config(toml)
    assert caught.value.key == key


def test_code_needs_the_explicit_opt_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_transforms.py").write_text(
        "from dataclasses import replace\n\ndef shout(entry):\n    return replace(entry, title=entry.title.upper())\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    toml = '[[transforms]]\ntype = "code"\nfunction = "my_transforms:shout"\n'
    with pytest.raises(ConfigError) as caught:
        compile_steps(config(toml), now=NOW)
    assert caught.value.key == "transforms[0].function" and "allow_code" in caught.value.reason
    entry = replace(ENTRY, title="quiet")
    assert (out := run(toml, entry, allow_code=True)) is not None and out.title == "QUIET"
    allowed = parse_config(tomllib.loads('allow_code = true\nout = "o"\n' + toml), tmp_path)
    assert allowed.allow_code and len(compile_steps(allowed, now=NOW)) == 1
    with pytest.raises(ConfigError, match="cannot import"):
        compile_steps(replace(config(toml.replace("my_transforms", "no_such_module_x")), allow_code=True), now=NOW)
    sys.modules.pop("my_transforms", None)


def test_a_failing_transform_skips_only_that_entry() -> None:
    def picky(entry: Entry) -> Entry:
        if entry.title == "bad":
            raise ValueError("no")
        return entry

    steps = compile_steps(Config(out=Path("o")), now=NOW, extra=[picky, lambda e: "not an entry"])  # type: ignore
    problems: list[Problem] = []
    assert list(apply_steps([replace(ENTRY, title="bad")], steps[:1], problems)) == []
    assert "transform picky failed" in problems[0].message and problems[0].origin == "/src/a.md"
    assert list(apply_steps([ENTRY], steps, problems)) == [] and "not an Entry" in problems[-1].message


def test_trace_says_what_each_step_changed() -> None:
    cfg = config('[[transforms]]\ntype = "replace"\nfields = ["title"]\npattern = "^_(.+?)_"\nreplacement = "“\\\\1”"\n'
                 '[[transforms]]\ntype = "drop"\nsources = ["wire"]\nkeywords = ["x"]\n'
                 '[[transforms]]\ntype = "drop"\nkeywords = ["助力"]\n')
    entry, results = trace_steps(ENTRY, compile_steps(cfg, now=NOW))
    assert entry is None
    assert [(r.step, r.outcome) for r in results] == [
        ("transforms[0] (replace)", "changed"), ("transforms[1] (drop)", "not applied"),
        ("transforms[2] (drop)", "dropped")]
    assert results[0].changes == ("title: '_纾困帮扶 益企惠企_助力中小企业' -> '“纾困帮扶 益企惠企”助力中小企业'",)


ARTICLE = """---
title: _Post {n}_ news
date: 2022-06-0{n} 10:00:00
categories: [金融]
---
<p>Body {n} <img src="https://img.example/{n}.png"></p>
"""


def site(tmp_path: Path, transforms: str) -> Path:
    for n in (1, 2, 3):
        write_article(tmp_path / "src", f"{n}.md", ARTICLE.format(n=n))
    path = tmp_path / "feedkit.toml"
    path.write_text('out = "out"\nallow_code = true\n[site]\nbase_url = "https://n.example/"\n'
                    '[[articles]]\nname = "news"\npaths = ["src"]\n' + transforms, encoding="utf-8")
    return path


def titles(out: Path) -> list[str]:
    return [item["title"] for item in json.loads((out / "all" / "feed.json").read_text(encoding="utf-8"))["items"]]


def test_a_changed_transform_changes_the_next_incremental_build(tmp_path: Path) -> None:
    from feedkit.config.load import load_config

    path = site(tmp_path, '[[transforms]]\ntype = "replace"\nfields = ["title"]\npattern = "^_(.+?)_"\n'
                          'replacement = "«\\\\1»"\n')
    report = build(load_config(path))
    assert report.ok and titles(tmp_path / "out") == ["«Post 3» news", "«Post 2» news", "«Post 1» news"]
    path.write_text(path.read_text(encoding="utf-8").replace("«\\\\1»", "“\\\\1”"), encoding="utf-8")
    build(load_config(path))
    assert titles(tmp_path / "out") == ["“Post 3” news", "“Post 2” news", "“Post 1” news"]
    path.write_text(path.read_text(encoding="utf-8") + '[[transforms]]\ntype = "drop"\nkeywords = ["Body 2"]\n')
    report = build(load_config(path))
    assert report.published == 2 and titles(tmp_path / "out") == ["“Post 3” news", "“Post 1” news"]


def test_editing_a_code_transforms_module_rebuilds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from feedkit.config.load import load_config

    module = tmp_path / "lib" / "site_rules.py"
    module.parent.mkdir()
    module.write_text("from dataclasses import replace\ndef mark(entry):\n"
                      "    return replace(entry, title=entry.title + ' [A]')\n")
    monkeypatch.syspath_prepend(str(module.parent))
    path = site(tmp_path, '[[transforms]]\ntype = "code"\nfunction = "site_rules:mark"\n')
    build(load_config(path))
    assert titles(tmp_path / "out")[0] == "_Post 3_ news [A]"
    assert build(load_config(path)).unchanged  # nothing changed: skipped
    module.write_text("from dataclasses import replace\ndef mark(entry):\n"
                      "    return replace(entry, title=entry.title + ' [B]')\n")
    sys.modules.pop("site_rules", None)
    report = build(load_config(path))
    assert titles(tmp_path / "out")[0] == "_Post 3_ news [B]" and report.ok
    sys.modules.pop("site_rules", None)


def test_an_age_rule_is_never_skipped_as_unchanged(tmp_path: Path) -> None:
    from feedkit.config.load import load_config

    path = site(tmp_path, '[[transforms]]\ntype = "drop"\nolder_than = "10d"\n')
    first = datetime(2022, 6, 11, 12, tzinfo=UTC)
    assert build(load_config(path), now=first).published == 2
    assert build(load_config(path), now=first + timedelta(days=1)).published == 1
