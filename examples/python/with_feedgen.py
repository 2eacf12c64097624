"""Post-process feedkit's entries with feedgen (pip install 'feedkit[feedgen]').

    python examples/python/with_feedgen.py
"""

from pathlib import Path

import feedkit

feed = Path(__file__).resolve().parent.parent / "site" / "feeds" / "podcast.xml"
entries = feedkit.parse_feed(feed.read_bytes(), url="https://radio.example.org/feed.xml")
channel = feedkit.Channel(title="Radio", link="https://radio.example.org/",
                          feed_urls={"atom": "https://example.org/radio.atom"})
fg = feedkit.to_feedgen(channel, entries)
fg.subtitle("Re-published with feedgen")  # anything feedgen can do from here on
print(fg.atom_str(pretty=True).decode("utf-8")[:400])
