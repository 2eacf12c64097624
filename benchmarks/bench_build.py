"""Build-speed benchmark: feedkit build vs. a floor measured in the same run.

    .venv/bin/python -m benchmarks.bench_build [--articles N] [--repeat R]

The input is N synthetic articles in the seed's shape (benchmarks/corpus.py: YAML front
matter, nested Chinese categories, a ~4 KB HTML body with boilerplate) in a temporary
folder.  This one calls ``build()`` in-process; ``python3 dev.py bench`` (benchmarks/run.py)
runs every scenario against the ``feedkit`` command.  The floor is the least any tool must
do with them: read every file and parse its YAML front matter.  The ratio (build / floor)
is what to compare between commits; absolute seconds depend on the (shared, noisy) machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

from benchmarks.corpus import make_articles
from feedkit.config.types import ArticleSourceConfig, Config, SiteConfig
from feedkit.pipeline.build import build

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def floor(folder: Path) -> float:
    start = time.perf_counter()
    for path in sorted(folder.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        yaml.load(text.split("---", 2)[1], Loader=LOADER)
    return time.perf_counter() - start


def run_build(folder: Path, out: Path, workers: int = 0) -> tuple[float, int]:
    config = Config(out=out, site=SiteConfig(title="bench", base_url="https://bench.example/", base_url_set=True),
                    articles=(ArticleSourceConfig(paths=(folder,), name="bench", timezone="Asia/Shanghai"),),
                    workers=workers)
    start = time.perf_counter()
    report = build(config)
    elapsed = time.perf_counter() - start
    assert report.ok, report.skipped[:3]
    return elapsed, report.published


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "posts"
        make_articles(folder, args.articles)
        floors, cold, warm, single = [], [], [], []
        for r in range(args.repeat):
            floors.append(floor(folder))
            out = Path(tmp) / f"out{r}"
            cold.append(run_build(folder, out)[0])
            warm.append(run_build(folder, out)[0])  # nothing changed: nothing written
            single.append(run_build(folder, Path(tmp) / f"single{r}", workers=1)[0])
        tracemalloc.start()
        run_build(folder, Path(tmp) / "mem")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    f, c, w = statistics.median(floors), statistics.median(cold), statistics.median(warm)
    one = statistics.median(single)
    print(f"articles: {args.articles}, repeat: {args.repeat} (medians)")
    print(f"floor (read + YAML only): {f:.3f} s")
    print(f"build, empty output:      {c:.3f} s  = {c / f:.1f} x floor  ({args.articles / c:.0f} articles/s)")
    print(f"build, unchanged output:  {w:.3f} s  = {w / f:.1f} x floor")
    print(f"build, one process:       {one:.3f} s  = {one / f:.1f} x floor  (workers: {one / c:.2f} x faster)")
    print(f"peak traced memory:       {peak / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
