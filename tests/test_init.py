"""feedkit init: a config that builds every shared corpus folder without edits."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedkit.articles.sites import detect
from feedkit.cli import main
from feedkit.config.load import load_config
from feedkit.config.types import ArticleSourceConfig, Config
from feedkit.pipeline.build import build

from .conftest import CORPUS, need_shared, write_article
from .test_corpus_articles import CORPORA


def init(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["init", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("name", sorted(CORPORA))
def test_init_then_build_publishes_every_corpus_folder(name: str, tmp_path: Path) -> None:
    folder = need_shared(CORPUS / name)
    config = tmp_path / "feedkit.toml"
    code, text = init(str(folder), "-c", str(config))
    assert code == 0, text
    tomllib.loads(config.read_text(encoding="utf-8"))
    loaded = load_config(config)
    report = build(loaded)
    assert report.channels and report.published > 0
    if detect(folder) is not None and 'generator = "plain"' not in config.read_text(encoding="utf-8"):
        # a site root is read as its generator builds it (docs/generators.md): the config init wrote
        # publishes exactly what a plain `feedkit build SITE_ROOT` with the same timezone does
        source = ArticleSourceConfig(paths=(folder,), name="direct", timezone=loaded.articles[0].timezone)
        direct = build(Config(out=tmp_path / "direct", articles=(source,), workers=1))
        assert (report.read, report.published, report.excluded) == (direct.read, direct.published, direct.excluded)
        return
    expected = CORPORA[name]
    assert report.read == expected.files and report.excluded == expected.excluded
    assert len(report.skipped) <= expected.skipped_at_most  # every other file became an entry
    assert report.read - report.excluded - len(report.skipped) >= expected.published
    assert report.published > 0.9 * expected.published  # (de-duplication shows identical fixtures once)


def test_init_on_the_seed_corpus_finds_the_timezone_boilerplate_and_structure(tmp_path: Path) -> None:
    folder = need_shared(CORPUS / "hexo-news")
    code, text = init(str(folder), "-c", str(tmp_path / "feedkit.toml"))
    assert code == 0, text
    assert "timezone: Asia/Shanghai (Chinese text in" in text
    assert "appendQr_wrap" in text and "article-editor" in text
    assert "categories: up to 3 level(s) deep" in text and "Hexo site root" in text
    assert load_config(tmp_path / "feedkit.toml").site.timezone == "Asia/Shanghai"


def test_offsets_suggest_a_timezone_and_feeds_are_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for i, stamp in enumerate(("2022-01-10 09:00:00 -0500", "2022-07-10 09:00:00 -0400", "2022-03-20 09:00:00 -0400")):
        write_article(tmp_path / "posts", f"p{i}.md", f"---\ntitle: P{i}\ndate: {stamp}\n"
                      f"categories: [a]\nfeatured_image: /img/{i}.png\n---\n<p class='share-bar'>x</p>Body\n")
    (tmp_path / "wire.xml").write_text("<rss version='2.0'><channel><title>W</title></channel></rss>")
    code, text = init("posts", "--feed", "wire.xml", "-c", "site/feedkit.toml")
    assert code == 0, text
    assert "timezone: America/New_York" in text
    config = load_config(tmp_path / "site" / "feedkit.toml")
    assert config.articles[0].image_keys[-1] == "featured_image"
    assert config.feeds[0].url == str((tmp_path / "wire.xml").resolve()) and config.feeds[0].is_local
    report = build(config)
    assert report.published == 3 and report.ok


def test_an_existing_config_is_never_overwritten_without_force(tmp_path: Path) -> None:
    write_article(tmp_path / "posts", "a.md", "---\ntitle: A\ndate: 2022-01-01\n---\nHi\n")
    config = tmp_path / "feedkit.toml"
    config.write_text("# mine\n")
    code, text = init(str(tmp_path / "posts"), "-c", str(config))
    assert code == 2 and "--force" in text and config.read_text() == "# mine\n"
    code, text = init(str(tmp_path / "posts"), "-c", str(config), "--force")
    assert code == 0 and "[[articles]]" in config.read_text()


def test_the_config_folder_inside_the_articles_gets_an_output_folder_outside(tmp_path: Path) -> None:
    write_article(tmp_path / "blog", "a.md", "---\ntitle: A\ndate: 2022-01-01\n---\nHi\n")
    code, text = init(str(tmp_path / "blog"), "-c", str(tmp_path / "blog" / "feedkit.toml"))
    assert code == 0, text
    config = load_config(tmp_path / "blog" / "feedkit.toml")
    assert config.out.resolve() == (tmp_path / "blog-feeds").resolve()
    assert build(config).published == 1


def test_a_folder_of_feeds_is_reported_not_read_as_articles(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "a.xml").write_text("<rss version='2.0'><channel><title>A</title></channel></rss>")
    code, text = init(str(tmp_path / "feeds"), "-c", str(tmp_path / "feedkit.toml"))
    assert code == 0 and "no front-matter articles found; 1 feed-like file(s)" in text
