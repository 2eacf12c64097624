"""Draw time and peak memory against article count from the benchmark's JSON results.

    python benchmarks/plot.py RESULTS.json OUT.png

Needs matplotlib (``python3 dev.py bench --install-peers`` puts it into .cache/bench/venv).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main() -> int:
    results = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    curve = sorted(results["curve"], key=lambda row: row["articles"])
    n = [row["articles"] for row in curve]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    lines = (("cold", "cold build", "o-"), ("nochange", "no-change rebuild", "s--"),
             ("floor", "floor: split + CSafeLoader + nh3, 2 processes", "^:"))
    for key, label, style in lines:
        points = [(row["articles"], row[key]) for row in curve if row.get(key) is not None]
        if points:
            left.plot(*zip(*points, strict=True), style, label=label)
    hexo = [(row["articles"], row["hexo"]) for row in curve if row.get("hexo") is not None]
    if hexo:
        left.plot(*zip(*hexo, strict=True), "x", markersize=9, color="crimson", label="Hexo 8 + hexo-generator-feed")
    left.set(xscale="log", yscale="log", xlabel="articles", ylabel="seconds (log)", title="Time")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    right.plot(n, [row["cold_rss"] for row in curve], "o-", label="feedkit build, peak RSS of its largest process")
    right.plot(n, [row["cold_tree"] for row in curve], "s--", label="feedkit build, peak RSS of all its processes")
    hexo_rss = [(row["articles"], row["hexo_rss"]) for row in curve if row.get("hexo_rss") is not None]
    if hexo_rss:
        right.plot(*zip(*hexo_rss, strict=True), "x", markersize=9, color="crimson", label="Hexo, peak RSS")
    right.set(xscale="log", yscale="log", xlabel="articles", ylabel="MiB (log)", title="Peak memory (RSS)")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    fig.suptitle(f"feedkit {results['version']} — {results['machine']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
