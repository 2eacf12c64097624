"""HTML cleaning speed: feedkit.html against a floor measured in the same run.

    .venv/bin/python -m benchmarks.bench_html [--bodies N] [--repeat R]

The inputs are N article bodies in the seed's shape (benchmarks/corpus.py: ~4.6 KB of
``cms-style`` paragraphs, image wrappers, comments, the QR-code block and the editor line).
The floor is the least any HTML cleaner does with a body: parse it once with lxml
(``lxml.html.fragment_fromstring``) and sanitize it once with ``nh3.clean``.  Each figure is
the best of R rounds, the rounds interleaved so that a busy moment of the (shared, noisy)
machine hits every figure alike; compare the ratios between commits, not the microseconds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import nh3
from lxml import html as lxml_html

from benchmarks.corpus import body_html
from feedkit.html import clean_html, first_image, html_to_text

SELECTORS = (".appendQr_wrap", ".article-editor")


def per_body(work: Callable[[str], object], bodies: list[str]) -> float:
    """Seconds per body for one pass of ``work`` over ``bodies``."""
    start = time.perf_counter()
    for body in bodies:
        work(body)
    return (time.perf_counter() - start) / len(bodies)


def entry(body: str) -> tuple[str, str | None]:
    """What reading an article or an upstream entry asks of feedkit.html with the default settings
    (``drop_boilerplate`` on, a base URL): the content, then its text (the summary) and first image."""
    content = clean_html(body, base_url="https://bench.example/a/", drop_boilerplate=True)
    return html_to_text(content), first_image(content)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bodies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    bodies = [body_html(i) for i in range(args.bodies)]
    cleaned = [clean_html(body, base_url=None) for body in bodies]
    cases: dict[str, tuple[Callable[[str], object], list[str]]] = {
        "floor: lxml parse + nh3.clean": (
            lambda body: (lxml_html.fragment_fromstring(body, create_parent="div"), nh3.clean(body)), bodies),
        "clean_html": (lambda body: clean_html(body, base_url=None), bodies),
        "clean_html, drop_selectors + drop_boilerplate + base_url": (
            lambda body: clean_html(body, base_url="https://bench.example/a/", drop_selectors=SELECTORS,
                                    drop_boilerplate=True), bodies),
        "html_to_text of a cleaned body": (html_to_text, cleaned),
        "first_image of a cleaned body": (first_image, cleaned),
        "an entry: clean_html (defaults), html_to_text, first_image": (entry, bodies),
    }
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(args.repeat):
        for name, (work, inputs) in cases.items():
            best[name] = min(best[name], per_body(work, inputs))
    floor = best["floor: lxml parse + nh3.clean"]
    size = sum(len(body.encode()) for body in bodies) / len(bodies) / 1000
    print(f"{args.bodies} bodies of {size:.1f} KB (UTF-8), best of {args.repeat}")
    for name, seconds in best.items():
        print(f"{name:62s} {seconds * 1e6:8.1f} µs/body  {seconds / floor:5.2f} x floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
