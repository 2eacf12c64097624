"""Render a list of Entry objects to RSS, Atom and JSON Feed without the pipeline.

    python examples/python/render_entries.py OUT_FOLDER
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

import feedkit

entries = [
    feedkit.Entry(
        id="urn:example:release-2",
        title="Release 2.0",
        link="https://example.org/releases/2",
        published=datetime(2024, 6, 1, 9, 0, tzinfo=UTC),
        summary="Faster builds and a Python API.",
        content_html="<p>Faster builds and a <em>Python API</em>.</p>",
        categories=(("Releases",),),
        authors=(feedkit.Author("Ann Example", "ann@example.org"),),
    ),
    feedkit.Entry(
        id="urn:example:release-1",
        title="Release 1.0",
        link="https://example.org/releases/1",
        published=datetime(2024, 1, 15, 9, 0, tzinfo=UTC),
        summary="The first release.",
    ),
]
channel = feedkit.Channel(
    title="Example releases",
    link="https://example.org/releases/",
    description="Every release of Example",
    feed_urls={"rss": "https://example.org/releases.xml", "atom": "https://example.org/releases.atom",
               "json": "https://example.org/releases.json"},
)

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    for fmt, name in (("rss", "releases.xml"), ("atom", "releases.atom"), ("json", "releases.json")):
        data = feedkit.render(channel, entries, fmt)  # entries are written in the order given
        (out / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")
