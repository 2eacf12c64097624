"""Every feed of ../shared/corpus/feeds through :func:`feedkit.upstream.parse_feed`, and the
entries compared with the expected outputs other parsers ship (titles, links, dates).

Goldens used (only for inputs a strict parser accepts, per ``WELLFORMEDNESS.tsv``):

* gofeed ``parser/{rss,atom}/X.json`` (format-level model: raw titles, links, parsed dates),
  ``translator/*/X.json`` and ``extensions/*/X.json`` (universal model),
  ``parser/json/X_expected.json`` / ``translator/json/X_expected.json``;
* feed-rs ``X.serde.json``;
* rss-parser ``output/X.json`` for ``input/X.rss|.atom``.

Goldens are partial (gofeed's name the fields a case is about), so a field is compared
only where the golden has it.  Titles are compared as plain text (tags stripped, entities
decoded, whitespace folded); links as absolute percent-encoded URLs; dates as instants.
Every disagreement must be listed in :data:`DELIBERATE` with the reason.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from feedkit.channels.dedupe import collapse
from feedkit.config.types import UpstreamSourceConfig
from feedkit.errors import InputError
from feedkit.links import encode_url
from feedkit.upstream.parse import parse_feed

FEEDS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "feeds"
NOW = datetime(2030, 1, 1, tzinfo=UTC)
"""Later than every date in the corpus (the future-date policy is tested in test_upstream)."""
SOURCE = UpstreamSourceConfig(url="corpus", name="corpus")

pytestmark = pytest.mark.skipif(not FEEDS.is_dir(), reason="../shared/corpus/feeds is not present")

_BARE_JSON_VERSION = (
    "'version' is a bare number ('1.0'/'1.1'), not the https://jsonfeed.org/version/ URL the spec requires: "
    "gofeed accepts it, feedkit reports 'not a JSON Feed' (JSON without a JSON Feed version is not a feed)"
)
_FIRST_LINK = (
    "several <link> elements in one item: feedkit takes the first (the RSS <link>), gofeed the last "
    "(an Atom-style <link href=...> that follows)"
)
_PLAIN_TEXT_TITLE = (
    "a base64 title of a non-HTML type (text/plain, application/octet-stream) is plain text, so its markup is "
    "shown literally; the golden's raw value is compared as if it were HTML"
)
DELIBERATE: dict[tuple[str, str], str] = {
    ("gofeed/parser/json/version_json_10.json", "count"): _BARE_JSON_VERSION,
    ("gofeed/parser/json/version_json_11.json", "count"): _BARE_JSON_VERSION,
    ("gofeed/parser/json/version_json_11_deprecated_author.json", "count"): _BARE_JSON_VERSION,
    ("gofeed/translator/json/json10_full.json", "count"): _BARE_JSON_VERSION,
    ("gofeed/translator/json/json10_simple.json", "count"): _BARE_JSON_VERSION,
    ("gofeed/translator/json/json11_full.json", "count"): _BARE_JSON_VERSION,
    ("gofeed/parser/rss/rdf_item_links.xml", "link"): _FIRST_LINK,
    ("gofeed/parser/rss/rss_channel_item_links.xml", "link"): _FIRST_LINK,
    ("gofeed/translator/rss/feed_item_links_-_rss_channel_item_links.xml", "link"): _FIRST_LINK,
    ("gofeed/parser/atom/atom03_feed_entry_title_base64_escaped_markup.xml", "title"): _PLAIN_TEXT_TITLE,
    ("gofeed/parser/atom/atom10_feed_entry_title_base64.xml", "title"): _PLAIN_TEXT_TITLE,
    ("gofeed/parser/atom/atom10_feed_entry_title_base64_escaped_markup.xml", "title"): _PLAIN_TEXT_TITLE,
}
"""(input path relative to the corpus, field) -> why feedkit differs from the golden ("count":
the number of entries, or the document is not taken for a feed)."""


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


# --- goldens -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    title: str | None
    link: str | None
    date: datetime | None


def _wellformed() -> set[str]:
    rows = (line.split("\t") for line in (FEEDS / "WELLFORMEDNESS.tsv").read_text(encoding="utf-8").splitlines()[1:])
    return {row[0] for row in rows if len(row) > 4 and row[4] in ("yes", "json-ok")}


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _gofeed_items(golden: dict[str, Any], path: Path) -> list[dict[str, Any]] | None:
    items = golden.get("items", golden.get("entries"))
    return items if isinstance(items, list) else None


def _expected_gofeed(item: dict[str, Any], atom_parser: bool) -> Expected:
    link = item.get("link")
    if atom_parser:
        alternates = [x.get("href") for x in item.get("links") or () if x.get("rel") in (None, "alternate")]
        link = next((href for href in alternates if href), None)
    date = None
    for key in ("publishedParsed", "pubDateParsed", "updatedParsed"):
        date = date or _instant(item.get(key))
    if date is None and isinstance(item.get("dublinCoreExt"), dict):
        dates = item["dublinCoreExt"].get("date") or []
        date = _instant(dates[0]) if dates else None
    return Expected(item.get("title"), link, date)


def _expected_feed_rs(item: dict[str, Any]) -> Expected:
    title = (item.get("title") or {}).get("content")
    links = item.get("links") or []
    link = next((x["href"] for x in links if x.get("rel") in (None, "alternate")), None)
    return Expected(title, link, _instant(item.get("published")) or _instant(item.get("updated")))


def _expected_rss_parser(item: dict[str, Any]) -> Expected:
    return Expected(item.get("title"), item.get("link"), _instant(item.get("isoDate")))


def golden_pairs() -> Iterator[tuple[Path, list[Expected]]]:
    """(input, expected entries) for every golden whose input is well-formed."""
    wellformed = _wellformed()
    for golden_path in sorted(FEEDS.rglob("*.json")):
        rel = golden_path.relative_to(FEEDS).as_posix()
        if rel.startswith("gofeed/") and golden_path.with_suffix(".xml").exists():
            source_path, kind = golden_path.with_suffix(".xml"), "gofeed"
        elif rel.startswith("gofeed/") and golden_path.name.endswith("_expected.json"):
            source_path, kind = golden_path.with_name(golden_path.name.replace("_expected.json", ".json")), "gofeed"
        elif golden_path.name.endswith(".serde.json"):
            stem = golden_path.name.removesuffix(".serde.json")
            candidates = [p for p in golden_path.parent.glob(stem + ".*") if not p.name.endswith(".serde.json")]
            if not candidates:
                continue
            source_path, kind = candidates[0], "feed-rs"
        elif rel.startswith("rss-parser/output/"):
            candidates = list((FEEDS / "rss-parser" / "input").glob(golden_path.stem + ".*"))
            if not candidates:
                continue
            source_path, kind = candidates[0], "rss-parser"
        else:
            continue
        if source_path.relative_to(FEEDS).as_posix() not in wellformed:
            continue
        try:
            golden = json.loads(golden_path.read_bytes())
        except ValueError:
            continue
        expected = _expected_items(golden, kind, source_path)
        if expected:
            yield source_path, expected


def _expected_items(golden: dict[str, Any], kind: str, source_path: Path) -> list[Expected]:
    if kind == "feed-rs":
        return [_expected_feed_rs(item) for item in golden.get("entries") or []]
    if kind == "rss-parser":
        return [_expected_rss_parser(item) for item in (golden.get("feed") or {}).get("items") or []]
    atom_parser = "/parser/atom/" in source_path.as_posix()
    items = golden.get("items", golden.get("entries")) or []
    return [_expected_gofeed(item, atom_parser) for item in items if isinstance(item, dict)]


def plain_title(value: str) -> str:
    """What a reader shows of a golden's (raw) title: tags stripped, entities decoded, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", value)).split())


def same_url(value: str) -> str:
    """Scheme and host in lower case, an empty path as ``/``, percent-encoded."""
    parts = urlsplit(encode_url(value.strip()))
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower(), path=parts.path or "/").geturl()


def compare(path: Path, expected: list[Expected]) -> Iterator[tuple[str, bool, str]]:
    """(field, agrees, detail) for each compared field of each entry."""
    rel = path.relative_to(FEEDS).as_posix()
    try:
        parsed = parse_feed(read_body(path), url=f"https://corpus.example/{rel}", headers={}, source=SOURCE, now=NOW)
    except InputError as exc:
        yield "count", False, f"not a feed: {exc.reason}"
        return
    yield "count", len(parsed.entries) == len(expected), f"{len(parsed.entries)} entries, golden has {len(expected)}"
    if len(parsed.entries) != len(expected):
        return
    for entry, want in zip(parsed.entries, expected, strict=True):
        if want.title is not None:
            ok = " ".join(entry.title.split()) == plain_title(want.title)
            yield "title", ok, f"{entry.title!r} != {want.title!r}"
        if want.link is not None and re.match(r"(?i)\s*https?://", want.link):
            ok = same_url(entry.link or "none:") == same_url(want.link)
            yield "link", ok, f"{entry.link!r} != {want.link!r}"
        if want.date is not None:
            ok = entry.published == want.date
            yield "date", ok, f"{entry.published.isoformat()} != {want.date.isoformat()}"


def test_titles_links_and_dates_agree_with_the_goldens() -> None:
    agree: Counter[str] = Counter()
    total: Counter[str] = Counter()
    surprises = []
    deliberate = 0
    for path, expected in golden_pairs():
        rel = path.relative_to(FEEDS).as_posix()
        for field, ok, detail in compare(path, expected):
            total[field] += 1
            agree[field] += ok
            if not ok and (rel, field) in DELIBERATE:
                deliberate += 1
            elif not ok:
                surprises.append(f"{rel} {field}: {detail}")
    rates = {field: f"{agree[field]}/{total[field]} ({100 * agree[field] / total[field]:.1f}%)" for field in total}
    print(f"\nagreement with the goldens: {rates}; {deliberate} documented differences")
    assert surprises == []
    assert deliberate == len(DELIBERATE), "a documented difference no longer occurs: update DELIBERATE"
