"""Build-speed benchmark: feedkit build vs. a floor measured in the same run.

    .venv/bin/python benchmarks/bench_build.py [--articles N] [--repeat R]

The input is N synthetic articles (generated into a temporary folder from a template
in the seed's shape: YAML front matter, nested Chinese categories, an HTML body with
boilerplate).  The floor is the least any tool must do with them: read every file and
parse its YAML front matter.  The ratio (build / floor) is what to compare between
commits; absolute seconds depend on the (shared, noisy) machine.  Results and the
command line go to docs/performance.md by hand.
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

from feedkit.config.types import ArticleSourceConfig, Config, SiteConfig
from feedkit.pipeline.build import build

TEMPLATE = """
---
title: '_合成文章 {i}：第{i}号示例新闻标题'
categories:
 - {top}
 - 示例财经
 - 示例财经－{leaf}
headimg: 'https://img.example.cn/{i}.png'
author: 示例财经
comments: false
date: {date}
thumbnail: 'https://img.example.cn/{i}.png'
---

<div>
<p cms-style="font-L">　　这是第{i}篇合成的示例文章，用于测量构建速度。它有几个句子。内容并不重要，重要的是形状。</p>
<div class="img_wrapper"><img src="https://img.example.cn/{i}-body.png" alt referrerpolicy="no-referrer"></div>
<p cms-style="font-L">　　第二段落继续说明一些情况，并且包含一个链接 <a href="/news/{i}">相关</a>。</p>
<!-- 文末二维码 start -->
<style>.appendQr_wrap&#123;border:1px solid #E6E6E6;&#125;</style>
<div class="clearfix appendQr_wrap"><div class="appendQr_normal_txt">扫码下载示例APP</div></div>
<p class="article-editor">责任编辑：示例</p>
</div>
"""


def make_articles(folder: Path, count: int) -> None:
    for i in range(count):
        top = ("金融", "科技", "体育")[i % 3]
        leaf = ("国內", "国际", "综合", "市场")[i % 4]
        day = 1 + i % 28
        date = f"Tue, {day:02d} Jun 2022 {i % 24:02d}:07:31 GMT" if i % 2 else f"2022-06-{day:02d} 10:00:00"
        path = folder / top / f"{leaf}" / f"article-{i}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(TEMPLATE.format(i=i, top=top, leaf=leaf, date=date), encoding="utf-8")


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
