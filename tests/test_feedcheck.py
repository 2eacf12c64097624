"""Output checked the way readers see it: ../shared/tools/feedcheck --strict.

feedcheck runs each feed through 13 real consumers (newsboat, feedparser, reader,
rss-parser, …) and the RELAX NG / RSS rule checks, and fails on any disagreement about an
entry's title, link, date or categories.  `python3 dev.py test` installs it where it can
(root on Debian, shared tools next to the repo); elsewhere these tests skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from feedkit.config.load import load_config
from feedkit.config.types import Config, UpstreamSourceConfig
from feedkit.pipeline.build import build

from .conftest import CORPUS, EXAMPLES, SEED, SHARED, need_shared

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


_ENCLOSURE_PROBE = r"""
import json, sys
import atoma, fastfeedparser, feedparser
rss, atom = sys.argv[1], sys.argv[2]
seen = {}
with open(rss, "rb") as f:
    data = f.read()
seen["feedparser rss"] = [[e.href for e in x.get("enclosures", [])] for x in feedparser.parse(data).entries]
seen["fastfeedparser rss"] = [[e.get("url") or e.get("href") for e in x.get("enclosures") or []]
                              for x in fastfeedparser.parse(data).entries]
seen["atoma rss"] = [[x.enclosures[0].url] if x.enclosures else [] for x in atoma.parse_rss_bytes(data).items]
with open(atom, "rb") as f:
    data = f.read()
seen["feedparser atom"] = [[e.href for e in x.get("enclosures", [])] for x in feedparser.parse(data).entries]
seen["atoma atom"] = [[link.href for link in x.links if link.rel == "enclosure"]
                      for x in atoma.parse_atom_bytes(data).entries]
print(json.dumps(seen))
"""

_NODE_PROBE = r"""
const Parser = require('rss-parser');
const fs = require('fs');
new Parser().parseString(fs.readFileSync(process.argv[process.argv.length - 1], 'utf8')).then(feed => {
  console.log(JSON.stringify(feed.items.map(item => item.enclosure ? [item.enclosure.url] : [])));
});
"""


def test_a_republished_podcast_keeps_every_episode_and_its_audio_in_every_reader(tmp_path: Path) -> None:
    """The 130-episode podcast of the peer suites (episodes share the show's link): 130 items, each
    with its audio, as feedparser, fastfeedparser, atoma and rss-parser (node) read RSS and Atom."""
    home = feedcheck_home()
    podcast = need_shared(CORPUS / "feeds" / "rss-parser" / "input" / "itunes-missing-image.rss")
    config = replace(load_config(EXAMPLES / "site" / "feedkit.toml", out_override=tmp_path / "out"),
                     articles=(), feeds=())
    config = replace(config, channels=replace(config.channels, entry_limit=200, tags=False),
                     feeds=(UpstreamSourceConfig(url=str(podcast), name="taverncast", is_local=True),))
    report = build(config)
    assert report.published == 130 and report.skipped == []
    out = tmp_path / "out" / "all"
    run_feedcheck([out / "rss.xml", out / "atom.xml"])
    probe = subprocess.run([str(home / "venv" / "bin" / "python3"), "-c", _ENCLOSURE_PROBE,
                            str(out / "rss.xml"), str(out / "atom.xml")],
                           capture_output=True, text=True, timeout=300, check=True)
    seen = json.loads(probe.stdout)
    expected = [entry["attachments"][0]["url"] for entry in json.loads((out / "feed.json").read_bytes())["items"]]
    assert len(expected) == 130 and all(url.endswith(".mp3") or "mp3" in url for url in expected)
    for reader, enclosures in seen.items():
        assert [urls[0] if urls else None for urls in enclosures] == expected, reader
    node = shutil.which("node")
    if node and (home / "node" / "node_modules" / "rss-parser").is_dir():
        result = subprocess.run([node, "-e", _NODE_PROBE, str(out / "rss.xml")], cwd=home / "node",
                                capture_output=True, text=True, timeout=300, check=True)
        assert [urls[0] if urls else None for urls in json.loads(result.stdout)] == expected, "rss-parser"
