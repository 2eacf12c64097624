"""Properties of whole builds, checked with hypothesis (tests/test_fuzz.py covers the parsers alone).

* Slugs never leave the output folder and never collide silently: every category, tag or
  configured slug becomes safe path segments, and two names that share a slug give a
  problem naming both, never one channel overwriting another.
* Sanitizing is idempotent and leaves no active content, judged by the independent checker
  (tests/outputcheck.py) rather than by the sanitizer's own rules.
* Rendering then parsing (feedkit reading its own RSS, Atom and JSON Feed) gives back the
  titles, links, dates and categories, for arbitrary Unicode.
* A build never raises for any article bytes or any upstream bytes, and what it writes
  passes the output checker.
* The parse cache never changes output: any sequence of edits built incrementally ends in
  exactly the files of a cold build (``full=True``) with a new store.

The default run is short (``FEEDKIT_FUZZ_EXAMPLES`` scales every property here as in
tests/test_fuzz.py; docs/testing.md has the long run).
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedkit import limits
from feedkit.channels.route import RoutingOptions, route, slugify, user_slug
from feedkit.config.types import ArticleSourceConfig, Config, SiteConfig, UpstreamSourceConfig
from feedkit.html import clean_html
from feedkit.links import encode_url
from feedkit.model import Channel, Entry
from feedkit.output.write import safe_output_path
from feedkit.pipeline.build import build
from feedkit.render.formats import RENDERERS
from feedkit.upstream.parse import EARLIEST, parse_feed

from .outputcheck import check_html_fragment, check_tree
from .test_fuzz import BODY_PIECES, HOSTILE_TEXT, front_matter, json_document, mutated_feed, yaml_document

SCALE = int(os.environ.get("FEEDKIT_FUZZ_EXAMPLES", "100")) / 100
"""1 in the default run; FEEDKIT_FUZZ_EXAMPLES=5000 makes every property here run 50 times longer."""


def examples(default: int) -> settings:
    return settings(max_examples=max(1, int(default * SCALE)), deadline=None,
                    derandomize="FEEDKIT_FUZZ_EXAMPLES" not in os.environ, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


BASE = "https://news.example.org/"
NOW = datetime(2024, 1, 1, tzinfo=UTC)
names = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(min_size=0, max_size=40),
                  st.text(alphabet=st.sampled_from(list("./\\-_~ +#:%\x00\u202e中Aa")), max_size=12))


# --- slugs -----------------------------------------------------------------------------------


@examples(300)
@given(name=names)
def test_a_slug_is_one_safe_path_segment(name: str) -> None:
    slug = slugify(name)
    assert slug and "/" not in slug and "\\" not in slug and "\x00" not in slug
    assert slug not in (".", "..") and not slug.startswith(".")
    assert len(slug.encode("utf-8")) <= limits.MAX_SLUG_SEGMENT_BYTES
    assert slug == slug.strip() and unicodedata.normalize("NFKC", slug) == slug
    assert slugify(name) == slug  # stable: the same name always lands in the same folder


@examples(200)
@given(value=names)
def test_a_configured_slug_stays_inside_the_output_folder(value: str) -> None:
    slug = user_slug(value)
    out = Path("/nonexistent-out")
    for rel_path in (f"category/{slug}/rss.xml", f"tag/{slug}/feed.json"):
        assert safe_output_path(out, rel_path) == out / rel_path  # raises for anything that would escape
    assert all(segment not in ("", ".", "..") for segment in slug.split("/"))


def entry_in(categories: tuple[tuple[str, ...], ...], tags: tuple[str, ...], number: int) -> Entry:
    return Entry(id=f"urn:e:{number}", title=f"E{number}", link=f"{BASE}{number}",
                 published=NOW - timedelta(hours=number), categories=categories, tags=tags)


@examples(100)
@given(paths=st.lists(st.lists(names.filter(str.strip), min_size=1, max_size=3).map(tuple), min_size=1, max_size=8),
       tags=st.lists(names.filter(str.strip), max_size=6))
def test_slugs_never_collide_silently(paths: list[tuple[str, ...]], tags: list[str]) -> None:
    entries = [entry_in((path,), (tags[i % len(tags)],) if tags else (), i) for i, path in enumerate(paths)]
    channels, problems = route(entries, RoutingOptions(site_title="T", tags=True))
    folders = [c.folder for c in channels]
    assert len(folders) == len(set(folders)), "two channels share a folder"
    published = {(c.kind, c.category if c.kind == "category" else (c.title,)) for c in channels}
    wanted_categories = {path[:depth] for path in paths for depth in range(1, len(path) + 1)}
    for category in wanted_categories:
        if not any(kind == "category" and key == category for kind, key in published):
            origin = f"category {'/'.join(category)!r}"
            assert any(p.origin == origin for p in problems), f"{category} vanished without a problem"
    for channel in channels:
        safe_output_path(Path("/nonexistent-out"), f"{channel.folder}/rss.xml")


# --- sanitizing ---------------------------------------------------------------------------


fragments = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from([*BODY_PIECES, "<script>alert(1)</script>", "<svg onload=x>",
                              "<a href='jav&#x09;ascript:x'>", "<img src=x onerror=y>", "<pre>", "</pre>", "\n\n\n",
                              "<iframe src=//e>", "<b>",
                              "<object data=x>", "<style>*{}</style>", "<form action=javascript:x>", "<base href=//e>",
                              "<math><mi xlink:href='javascript:x'>", "<a href='data:text/html,x'>",
                              "<video poster=javascript:x>", "<meta http-equiv=refresh content='0;url=//e'>",
                              "&lt;script&gt;", "<!--", "-->", "<![CDATA[", "]]>"]), max_size=25).map("".join),
)


@examples(300)
@given(html=fragments, base_url=st.sampled_from([None, "https://example.com/a/"]))
def test_sanitizing_is_idempotent_and_the_checker_finds_nothing_active(html: str, base_url: str | None) -> None:
    once = clean_html(html, base_url=base_url)
    assert clean_html(once, base_url=base_url) == once
    assert check_html_fragment(once, "clean_html output") == []


# --- rendering then parsing ---------------------------------------------------------------

FOLD = re.compile(r"\s+")


def double_encoded_utf8(text: str) -> bool:
    """Text that reads as UTF-8 taken for Latin-1 (``Â¡`` for ``¡``): feedparser, feedkit's reader for RSS and
    Atom, turns it back into the UTF-8 reading, on purpose (real feeds double-encode far more often than a title
    means ``Â¡``).  The one accepted difference of the round trip."""
    try:
        return text.encode("latin-1").decode("utf-8") != text
    except UnicodeError:
        return False


plain = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn", "Zl", "Zp")), min_size=1,
                max_size=60).map(lambda s: FOLD.sub(" ", s).strip()).filter(bool).filter(lambda s:
                                                                                     not double_encoded_utf8(s))
category_name = plain.map(lambda s: s.replace("/", " ").replace(">", " ")).map(lambda s: FOLD.sub(" ", s).strip())
CHANNEL = Channel(slug="all", kind="all", title="Round trip", description="d", category=None, link=BASE,
                  feed_urls={fmt: f"{BASE}all/{fmt}" for fmt in ("rss", "atom", "json")})
FEED = UpstreamSourceConfig(url=f"{BASE}all/feed", name="self")


@st.composite
def round_trip_entries(draw: st.DrawFn) -> list[Entry]:
    count = draw(st.integers(min_value=1, max_value=4))
    entries = []
    for number in range(count):
        # feedkit's reader refuses dates before EARLIEST and after the build (its policy, tested in test_upstream)
        published = draw(st.datetimes(min_value=EARLIEST.replace(tzinfo=None), max_value=NOW.replace(tzinfo=None),
                                      timezones=st.just(UTC))).replace(microsecond=0)
        path = draw(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")), max_size=20))
        categories = draw(st.lists(st.lists(category_name.filter(bool), min_size=1, max_size=3).map(tuple),
                                   max_size=3, unique=True))
        entries.append(Entry(id=f"urn:rt:{number}", title=draw(plain), link=f"{BASE}{number}/{path}",
                             published=published, categories=tuple(categories)))
    return entries


@examples(100)
@given(entries=round_trip_entries(), fmt=st.sampled_from(sorted(RENDERERS)))
def test_rendering_then_parsing_gives_back_titles_links_dates_and_categories(entries: list[Entry], fmt: str) -> None:
    rendered = RENDERERS[fmt](CHANNEL, entries)
    assert not rendered.dropped
    parsed = parse_feed(rendered.data, url=FEED.url, headers={}, source=FEED, now=NOW)
    by_id = {entry.id: entry for entry in parsed.entries}
    assert sorted(by_id) == sorted(entry.id for entry in entries)
    for entry in entries:
        back = by_id[entry.id]
        assert back.title == entry.title
        assert back.link == encode_url(entry.link.strip())  # blanks around a URL are not part of it
        assert back.published == entry.published
        assert ["/".join(p) for p in back.categories] == ["/".join(p) for p in entry.categories]


# --- builds never raise ---------------------------------------------------------------------

any_article = st.one_of(
    st.binary(max_size=600),
    st.builds(lambda meta, body, shape: _document(shape, meta, body), front_matter,
              st.lists(st.sampled_from(BODY_PIECES), max_size=10).map("".join),
              st.sampled_from([yaml_document, json_document])),
)


def _document(shape: object, meta: dict[object, object], body: str) -> bytes:
    try:
        return shape(meta, body)  # type: ignore[operator, no-any-return]
    except Exception:  # not representable in that syntax: any bytes will do
        return repr(meta).encode("utf-8", "surrogatepass")


@examples(25)
@example(articles=[b"<a href=javascript:"], upstream=b"")  # its summary text was HTML in the RSS description
@given(articles=st.lists(any_article, min_size=1, max_size=4),
       upstream=st.one_of(st.binary(max_size=600), mutated_feed()))
def test_a_build_never_raises_for_any_article_or_upstream_bytes(articles: list[bytes], upstream: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        src = root / "posts"
        src.mkdir()
        (src / "good.md").write_text("---\ntitle: Good\ndate: 2022-01-01\ncategories: [Kept]\n---\nbody\n")
        for number, data in enumerate(articles):
            (src / f"a{number}.md").write_bytes(data)
        feed = root / "feed.xml"
        feed.write_bytes(upstream)
        config = Config(out=root / "out", store=root / "store.sqlite",
                        site=SiteConfig(title="T", base_url=BASE, base_url_set=True),
                        articles=(ArticleSourceConfig(paths=(src,), name="posts"),),
                        feeds=(UpstreamSourceConfig(url=str(feed), name="up", is_local=True),))
        report = build(config, now=NOW)
        assert report.published >= 1  # the good article, whatever the others hold
        assert check_tree(root / "out") == []


# --- the parse cache never changes output ---------------------------------------------------

EDIT_TEXTS = [
    "---\ntitle: One\ndate: 2022-01-01\ncategories: [A]\n---\nfirst\n",
    "---\ntitle: One, edited\ndate: 2022-01-01\ncategories: [A, B]\n---\nfirst, edited\n",
    "---\ntitle: Two\ndate: 2022-02-02\ntags: [t]\ncategories: [B/C]\n---\nsecond\n",
    "---\ntitle: Three\ndate: 2022-03-03\ndraft: true\n---\ndraft\n",
    "---\ntitle: Broken\ndate: [\n---\nbody\n",
    "---\ntitle: Same as one\ndate: 2022-01-01\ncategories: [A]\n---\nfirst\n",
    "---\ntitle: 日本語\ndate: 2022-04-04 10:00\ncategories: [金融]\n---\n<p>x<script>y</script></p>\n",
]
edits = st.lists(st.tuples(st.sampled_from(["a.md", "b.md", "sub/c.md"]),
                           st.one_of(st.none(), st.sampled_from(EDIT_TEXTS))), min_size=1, max_size=6)


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@examples(15)
@given(steps=edits)
def test_an_incremental_build_after_any_edits_equals_a_cold_build(steps: list[tuple[str, str | None]]) -> None:
    """After every edit, the incremental build (parse cache, channel memory in the store) writes exactly the
    files of a cold build: ``full=True`` with a new, empty store over an output folder with the same history
    (the previous ``index.json`` is what keeps emptied channels published, docs/output.md)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        src = root / "posts"
        src.mkdir()

        def config(name: str, store: str) -> Config:
            return Config(out=root / name, store=root / store,
                          site=SiteConfig(title="T", base_url=BASE, base_url_set=True),
                          articles=(ArticleSourceConfig(paths=(src,), name="posts", timezone="Asia/Tokyo"),))

        mtime = 1_700_000_000
        for step, (rel_path, text) in enumerate(steps):
            path = src / rel_path
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                mtime += 10
                os.utime(path, (mtime, mtime))
            build(config("warm", "warm.sqlite"), now=NOW)
            build(config("cold", f"cold-{step}.sqlite"), now=NOW, full=True)
            assert snapshot(root / "warm") == snapshot(root / "cold"), f"after step {step}: {rel_path}"
