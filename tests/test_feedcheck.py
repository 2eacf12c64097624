"""Output checked the way readers see it: ../shared/tools/feedcheck --strict.

feedcheck runs each feed through 13 real consumers (newsboat, feedparser, reader,
rss-parser, …) and the RELAX NG / RSS rule checks, and fails on any disagreement about an
entry's title, link, date or categories.  `python3 dev.py test` installs it where it can
(root on Debian, shared tools next to the repo); elsewhere these tests skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from feedkit.config.load import load_config
from feedkit.config.types import Config
from feedkit.pipeline.build import build

from .conftest import EXAMPLES, SEED, SHARED

FEEDCHECK = SHARED / "tools" / "feedcheck"


def feedcheck_home() -> Path:
    home = os.environ.get("FEEDCHECK_HOME")
    if not FEEDCHECK.is_file() or not home or not (Path(home) / "venv" / "bin" / "python3").exists():
        pytest.skip("feedcheck is not installed (python3 dev.py test installs it as root when ../shared exists)")
    return Path(home)


def run_feedcheck(files: list[Path]) -> None:
    home = feedcheck_home()
    report = files[0].parent / "feedcheck.json"
    result = subprocess.run(
        [sys.executable, str(FEEDCHECK), "--strict", "--json", str(report), *map(str, files)],
        env={**os.environ, "FEEDCHECK_HOME": str(home)}, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def feeds_of(out: Path, folders: list[str]) -> list[Path]:
    files = [out / folder / name for folder in folders for name in ("rss.xml", "atom.xml")]
    assert all(f.is_file() for f in files), [str(f) for f in files if not f.is_file()]
    return files


def example_config(out: Path) -> Config:
    return load_config(EXAMPLES / "site" / "feedkit.toml", out_override=out)


def test_example_site_default_options(tmp_path: Path) -> None:
    feedcheck_home()
    report = build(example_config(tmp_path / "out"))
    assert report.ok
    index = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))
    deepest = max((c for c in index if c["kind"] == "category"), key=lambda c: (len(c["category"]), c["channel"]))
    first_tag = next(c for c in index if c["kind"] == "tag")
    folders = ["all", "category/finance", f"category/{deepest['channel']}", f"tag/{first_tag['channel']}"]
    run_feedcheck(feeds_of(tmp_path / "out", folders))


def test_example_site_excerpts_authors_sources_no_stylesheet(tmp_path: Path) -> None:
    feedcheck_home()
    config = example_config(tmp_path / "out")
    config = replace(
        config,
        site=replace(config.site, icon="https://news.example.org/icon.png", logo="https://news.example.org/logo.png",
                     copyright="© 2026 示例新闻"),
        channels=replace(config.channels, content="excerpt", authors=True, sources=True, stylesheet=False),
    )
    assert build(config).ok
    run_feedcheck(feeds_of(tmp_path / "out", ["all", "source/news", "source/agency", "author/示例财经"]))


def test_seed_channels(tmp_path: Path) -> None:
    feedcheck_home()
    if not SEED.exists():
        pytest.skip("seed not present")
    from feedkit.config.types import ArticleSourceConfig, SiteConfig

    config = Config(out=tmp_path / "out", site=SiteConfig(base_url="https://news.example.org/", base_url_set=True),
                    articles=(ArticleSourceConfig(paths=(SEED.parent,), name="seeds"),))
    assert build(config).ok
    run_feedcheck(sorted((tmp_path / "out").rglob("*.xml")))
