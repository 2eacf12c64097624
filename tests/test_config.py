from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from feedkit.config.load import load_config, parse_config
from feedkit.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feedkit.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_full_config_round_trip(tmp_path: Path) -> None:
    path = write(tmp_path, """
out = "public"
[site]
title = "示例"
base_url = "https://news.example.org"
timezone = "Asia/Shanghai"
[channels]
tags = true
entry_limit = 10
formats = ["atom", "rss"]
[[articles]]
name = "news"
paths = ["news", "one.md"]
drop_selectors = [".appendQr_wrap"]
body = "html"
[category."新浪财经－国內"]
slug = "domestic"
[aliases]
"新浪财经-国内" = "新浪财经－国內"
""")
    config = load_config(path)
    assert config.out == tmp_path / "public"
    assert config.site.base_url == "https://news.example.org/"
    assert config.channels.formats == ("atom", "rss") and config.channels.entry_limit == 10
    source = config.articles[0]
    assert source.paths == (tmp_path / "news", tmp_path / "one.md")
    assert source.timezone == "Asia/Shanghai"  # inherited from [site]
    assert source.body == "html"
    assert config.category["新浪财经－国內"].slug == "domestic"
    assert config.aliases == {"新浪财经-国内": "新浪财经－国內"}


def test_out_override_wins(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'out = "a"\n'), out_override=tmp_path / "b")
    assert config.out == tmp_path / "b"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('out = "o"\n[site]\ntimezone = "Asia/Shangai"\n', "site.timezone"),
        ('out = "o"\n[site]\nbase_url = "ftp://x"\n', "site.base_url"),
        ('out = "o"\n[site]\ntitel = "x"\n', "site.titel"),
        ('out = "o"\n[channels]\nformats = ["rss", "html"]\n', "channels.formats[1]"),
        ('out = "o"\n[channels]\nentry_limit = 0\n', "channels.entry_limit"),
        ('out = "o"\n[channels]\ntags = "yes"\n', "channels.tags"),
        ('out = "o"\n[[articles]]\nname = "x"\n', "articles[0].paths"),
        ('out = "o"\n[[articles]]\npaths = ["a"]\nbody = "rst"\n', "articles[0].body"),
        ('out = "o"\n[[articles]]\npaths = ["a"]\n[[articles]]\npaths = ["b"]\n', "articles[1].name"),
        ('out = "o"\n[[articles]]\npaths = ["a"]\nname = "x"\n[[feeds]]\nurl = "f.xml"\nname = "x"\n', "feeds[0].name"),
        ('out = "o"\n[all]\nslug = "everything"\n', "all.slug"),
        ('[site]\ntitle = "x"\n', "out"),
        ('out = "o"\n[category.x]\nslug = ""\n', "category.x.slug"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert info.value.key == key
    assert str(info.value).startswith(key + ":")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "out = \n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value) and "TOML" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_defaults() -> None:
    config = parse_config({"out": "x"}, Path("/r"))
    assert config.channels.formats == ("rss", "atom", "json")
    assert config.site.base_url_set is False


def test_renamed_keys_still_work_with_a_warning(tmp_path: Path) -> None:
    text = ('out = "o"\n[[articles]]\npaths = ["posts"]\ninclude = ["*.md"]\nexclude = ["drafts/**"]\n'
            '[[feeds]]\nurl = "https://example.org/feed.xml"\n[feeds.include]\ntitle = ["a"]\n'
            '[feeds.exclude]\ntitle = ["b"]\n')
    with pytest.warns(FutureWarning) as warned:
        config = parse_config(tomllib.loads(text), tmp_path)
    messages = [str(w.message) for w in warned]
    assert "articles[0].include: this key was renamed to 'include_files'" in messages[0]
    assert len(messages) == 4 and "feeds[0].exclude: this key was renamed to 'drop_entries'" in messages[3]
    assert config.articles[0].include_files == ("*.md",)
    assert config.articles[0].exclude_files == ("drafts/**",)
    assert config.feeds[0].keep_entries == (("title", "a"),)
    assert config.feeds[0].drop_entries == (("title", "b"),)


def test_old_and_new_name_together_is_an_error(tmp_path: Path) -> None:
    text = 'out = "o"\n[[articles]]\npaths = ["posts"]\ninclude = ["*.md"]\ninclude_files = ["*.html"]\n'
    with pytest.raises(ConfigError, match="renamed to 'include_files', which is also set") as info:
        parse_config(tomllib.loads(text), tmp_path)
    assert info.value.key == "articles[0].include"


def test_a_source_inherits_the_site_timezone_unless_it_sets_its_own(tmp_path: Path) -> None:
    text = ('out = "o"\n[site]\ntimezone = "Asia/Shanghai"\n[[articles]]\npaths = ["a"]\n'
            '[[articles]]\nname = "b"\npaths = ["b"]\ntimezone = "Europe/Berlin"\n')
    config = parse_config(tomllib.loads(text), tmp_path)
    assert [a.timezone for a in config.articles] == ["Asia/Shanghai", "Europe/Berlin"]
    assert str(config.articles[0].zone) == "Asia/Shanghai"
