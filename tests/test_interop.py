"""feedkit beside the design card's libraries: feedgen (to_feedgen) and python-frontmatter.

The python-frontmatter table is the measurement docs/design.md quotes: for each article
shape, whether ``frontmatter.loads`` reads the front matter feedkit reads.  YAML is loaded by
python-frontmatter's own ``YAMLHandler`` inside feedkit; the fences, TOML and JSON stay ours
because of the rows marked False.
"""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser
import frontmatter
import pytest

import feedkit
from feedkit.articles.fields import KNOWN_KEYS
from feedkit.articles.frontmatter import decode, split_front_matter

from .conftest import EXAMPLES

NOW = datetime(2024, 7, 1, tzinfo=UTC)


def test_to_feedgen_fills_a_feed_generator_that_readers_parse() -> None:
    pytest.importorskip("feedgen")
    data = (EXAMPLES / "site" / "feeds" / "podcast.xml").read_bytes()
    entries = feedkit.parse_feed(data, url="https://radio.example.org/feed.xml", now=NOW)
    entries.append(feedkit.Entry(id="urn:x:ctl", title="bell\x07 in title", link="https://example.org/ctl",
                                 published=datetime(2020, 1, 1, tzinfo=UTC), categories=(("A", "B"),)))
    channel = feedkit.Channel(title="Radio", link="https://radio.example.org/", description="Episodes",
                              feed_urls={"atom": "https://example.org/radio.atom"}, language="en")
    fg = feedkit.to_feedgen(channel, entries)
    for document in (fg.atom_str(), fg.rss_str()):
        parsed = feedparser.parse(document)
        assert not parsed.bozo, parsed.bozo_exception
        assert [e.title for e in parsed.entries] == [e.title.replace("\x07", "") for e in entries]  # order kept
        assert parsed.entries[-1].tags[0].term == "A/B"
    assert fg.atom_str() == feedkit.to_feedgen(channel, entries).atom_str()  # no clock in the output
    rss = feedparser.parse(fg.rss_str())
    assert rss.entries[0].enclosures[0].href == entries[0].enclosures[0].url


def test_to_feedgen_fills_a_generator_it_is_given() -> None:
    feedgen = pytest.importorskip("feedgen.feed")
    mine = feedgen.FeedGenerator()
    mine.load_extension("podcast")
    assert feedkit.to_feedgen(feedkit.Channel(title="T", link="https://example.org/"), [], mine) is mine
    assert b"1970-01-01T00:00:00" in mine.atom_str()


SHAPES = {
    # name: (file name, text, does python-frontmatter read what feedkit reads?)
    "YAML": ("a.md", "---\ntitle: A\ndate: 2024-01-02\n---\nbody\n", True),
    "YAML closed with ...": ("a.md", "---\ntitle: A\n...\nbody\n", False),
    "blank line before the fence (the seed's crawler)": ("a.md", "\n---\ntitle: A\n---\nbody\n", True),
    "BOM": ("a.md", "\ufeff---\ntitle: A\n---\nbody\n", False),
    "spaces after the fence": ("a.md", "---  \ntitle: A\n---\nbody\n", True),
    "Hexo without the opening fence": ("a.md", "title: A\ndate: 2024-01-02\n---\nbody\n", False),
    "TOML +++": ("a.md", '+++\ntitle = "A"\ndate = 2024-01-02T03:04:05Z\n+++\nbody\n', None),
    "JSON on one line": ("a.md", '{"title": "A"}\nbody\n', False),
    "JSON over lines": ("a.md", '{\n"title": "A"\n}\nbody\n', True),
    "--- inside the body": ("a.md", "---\ntitle: A\n---\nx\n---\ny\n", True),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_python_frontmatter_against_feedkit_on_each_front_matter_shape(shape: str) -> None:
    name, text, agrees = SHAPES[shape]
    ours = split_front_matter(decode(text.encode("utf-8"), lambda _m: None), name, KNOWN_KEYS)
    assert ours is not None and ours.meta.get("title") == "A"
    try:
        theirs = frontmatter.loads(text)
        theirs_meta = dict(theirs.metadata)
    except Exception:  # python-frontmatter raises on some shapes (the message is not ours to pin)
        theirs_meta = {}
    same = {k: str(v) for k, v in theirs_meta.items()} == {k: str(v) for k, v in ours.meta.items()}
    if agrees is None:  # TOML: read only when the unmaintained `toml` package is installed
        try:
            import toml  # type: ignore[import-untyped]  # noqa: F401
        except ImportError:
            assert not same
            return
        assert same
    else:
        assert same is agrees, (theirs_meta, ours.meta)
