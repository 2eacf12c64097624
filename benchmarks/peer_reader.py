"""Run lemon24/reader's ``update_feeds`` on the benchmark's upstream (runs in the bench cache's venv).

    .cache/bench/venv/bin/python benchmarks/peer_reader.py DB PORT FEEDS

The first call on a new DB adds the feeds and times a cold ``update_feeds()``; a second call on
the same DB times the next ``update_feeds()`` (every feed answers 304).  Prints JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from reader import make_reader


def main() -> int:
    db, port, feeds = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    cold = not db.exists()
    reader = make_reader(str(db))
    if cold:
        for k in range(feeds):
            reader.add_feed(f"http://127.0.0.1:{port}/feed/{k}.xml")
    start = time.perf_counter()
    try:  # poll every feed now, as feedkit's --refresh does (reader >= 3.13 skips feeds not yet due)
        reader.update_feeds(scheduled=False)
    except TypeError:
        reader.update_feeds()
    seconds = time.perf_counter() - start
    entries = reader.get_entry_counts().total
    reader.close()
    print(json.dumps({"seconds": seconds, "entries": entries, "cold": cold}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
