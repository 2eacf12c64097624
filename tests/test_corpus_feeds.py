"""Every feed of ../shared/corpus/feeds through :func:`feedkit.upstream.parse_feed`: no crash,
every non-feed reported, no entry lost to the in-feed de-duplication a build applies.

(The comparison with the expected outputs other parsers ship lives in
``tests/test_peer_suites.py``.)
"""

from __future__ import annotations

import gzip
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedkit.channels.dedupe import collapse
from feedkit.config.types import UpstreamSourceConfig
from feedkit.errors import InputError
from feedkit.upstream.parse import parse_feed

FEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "feeds"
NOW = datetime(2030, 1, 1, tzinfo=UTC)
"""Later than every date in the corpus (the future-date policy is tested in test_upstream)."""
SOURCE = UpstreamSourceConfig(url="corpus", name="corpus")

pytestmark = pytest.mark.skipif(not FEEDS.is_dir(), reason="../shared/corpus/feeds is not present")

def _is_golden(path: Path) -> bool:
    rel = path.relative_to(FEEDS).as_posix()
    if path.name.endswith((".serde.json", "_expected.json")) or rel.startswith("rss-parser/output/"):
        return True
    if rel.startswith("gofeed/") and path.suffix == ".json":
        return path.with_suffix(".xml").exists()
    return path.suffix in (".output",)


def corpus_inputs() -> list[Path]:
    """Every feed file of the corpus (not the goldens, notes and listings)."""
    skip_suffixes = (".txt", ".tsv", ".md")
    return sorted(
        path
        for path in FEEDS.rglob("*")
        if path.is_file() and path.suffix not in skip_suffixes and not _is_golden(path)
    )


def read_body(path: Path) -> bytes:
    body = path.read_bytes()
    return gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body


def _parse_one(path: Path) -> tuple[str, str, int, str, int, int]:
    """(relative path, "feed" | "not-a-feed" | "crash", entries, detail, entries lost to the in-feed
    de-duplication a build applies, enclosures kept)."""
    rel = path.relative_to(FEEDS).as_posix()
    try:
        parsed = parse_feed(read_body(path), url=f"https://corpus.example/{rel}", headers={}, source=SOURCE, now=NOW)
    except InputError as exc:
        return rel, "not-a-feed", 0, exc.reason, 0, 0
    except Exception as exc:
        return rel, "crash", 0, repr(exc), 0, 0
    kept, _ = collapse(parsed.entries, feeds=frozenset({SOURCE.name}))
    enclosures = sum(len(entry.enclosures) for entry in parsed.entries)
    return rel, "feed", len(parsed.entries), parsed.format, len(parsed.entries) - len(kept), enclosures


def test_every_corpus_file_parses_or_is_reported_not_a_feed() -> None:
    inputs = corpus_inputs()
    started = time.perf_counter()
    workers = min(2, os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(_parse_one, inputs, chunksize=32))
    elapsed = time.perf_counter() - started
    statuses = Counter(status for _, status, _, _, _, _ in results)
    formats = Counter(detail for _, status, _, detail, _, _ in results if status == "feed")
    entries = sum(count for _, _, count, _, _, _ in results)
    enclosures = sum(found for *_, found in results)
    print(f"\n{len(inputs)} files in {elapsed:.1f} s on {workers} worker(s): {dict(statuses)}, {entries} entries, "
          f"{enclosures} enclosures")
    print("formats:", dict(formats.most_common()))
    crashes = [(rel, detail) for rel, status, _, detail, _, _ in results if status == "crash"]
    assert crashes == []
    merged = {rel: lost for rel, _, _, _, lost, _ in results if lost}
    assert merged == {}, "entries with different ids were merged within one feed"
    by_path = {rel: (status, count) for rel, status, count, _, _, _ in results}
    assert by_path["rss-parser/input/itunes-missing-image.rss"] == ("feed", 130)
    assert enclosures >= 1300
    assert by_path["RSParser/kc0011.rss"] == ("feed", 20)
    assert by_path["RSParser/DaringFireball.html"][0] == "not-a-feed"
    assert by_path["reader/sqlite_releases.html"][0] == "not-a-feed"
    assert by_path["node-feedparser/compressed.xml"][0] == "feed"
    assert statuses["feed"] >= 2900


def test_the_real_gb2312_feed_kc0011_with_slash_dates() -> None:
    """A real GB2312 feed (expat cannot decode it) whose dates read ``2020/1/10 14:33:00``."""
    shanghai = UpstreamSourceConfig(url="corpus", name="kc0011", timezone="Asia/Shanghai")
    body = read_body(FEEDS / "RSParser" / "kc0011.rss")
    parsed = parse_feed(body, url="http://www.kc0011.net/rss.xml", headers={}, source=shanghai, now=NOW)
    assert parsed.problems == ()
    assert parsed.title == "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文"
    first = parsed.entries[0]
    assert first.title == "建国35周年纪念，华表，和平鸽"
    assert first.published == datetime(2020, 1, 10, 6, 33, tzinfo=UTC)
    assert first.link == "http://www.kc0011.net/dispbbs.asp?BoardID=10&ID=25164257&Page=1"
    assert all(
        datetime(2019, 1, 1, tzinfo=UTC) < e.published < datetime(2021, 1, 1, tzinfo=UTC) for e in parsed.entries
    )
