"""A real ``feedkit`` process that the crash harness kills (tests/crashkit.py).

    python -m tests.crash_child build --config feedkit.toml
    python -m tests.crash_child run --config feedkit.toml --stop-after 60

It imports feedkit, prints ``go`` (so the harness's random delays start after the interpreter's
start-up), then runs the ``feedkit`` command line as ``python -m feedkit`` would.  With
``CRASH_POINT=KIND:N[:after]`` it sends itself ``SIGKILL`` at the N-th event of KIND:

* ``parse``   reading and parsing one article file (the parse cache is filled after all are read)
* ``store``   a write transaction of the store, after its statements and before its COMMIT
              (``:after``: just after the COMMIT)
* ``render``  rendering one file of a channel (any format, subscription document or archive page)
* ``temp``    the fsync of a temporary output file, its bytes written, before the rename
* ``replace`` the rename of a temporary file over an output file (before it; ``:after``: after it)
* ``archive`` publishing an archive page (before its write; ``:after``: after it)

With ``CRASH_COUNT=FILE`` it counts the events instead and writes them to FILE as JSON when it ends.
Nothing here changes what feedkit does: the hooks wrap functions and kill, nothing else.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import feedkit.articles.workers as workers
import feedkit.pipeline.publish as publish
from feedkit.cli import main
from feedkit.store import Store

KINDS = ("parse", "store", "render", "temp", "replace", "archive")

counts: Counter[str] = Counter()
target: tuple[str, int, bool] | None = None


def event(kind: str, *, after: bool = False) -> None:
    """Count one event of ``kind``; die here if it is the chosen one."""
    if not after:
        counts[kind] += 1
    if target is not None and target[0] == kind and target[1] == counts[kind] and target[2] == after:
        os.kill(os.getpid(), signal.SIGKILL)


def wrap(kind: str, function: Callable[..., Any], when: Callable[..., bool] = lambda *a, **k: True,
         ) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        hit = when(*args, **kwargs)
        if hit:
            event(kind)
        result = function(*args, **kwargs)
        if hit:
            event(kind, after=True)
        return result
    return wrapped


def install() -> None:
    workers.load_article_job = wrap("parse", workers.load_article_job)
    publish._render = wrap("render", publish._render)
    publish.publish_file = wrap("archive", publish.publish_file,
                                lambda config, rel_path, *rest, **kw: "/archive/" in rel_path)
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        if os.path.isfile(f"/proc/self/fd/{descriptor}"):
            event("temp")
        real_fsync(descriptor)

    os.fsync = fsync
    os.replace = wrap("replace", os.replace)
    original = Store._transaction

    @contextmanager
    def transaction(self: Store, *, write: bool = True) -> Iterator[None]:
        if not write:
            with original(self, write=write):
                yield
            return
        with original(self, write=write):
            yield
            event("store")  # the statements ran; the COMMIT has not
        event("store", after=True)

    Store._transaction = transaction  # type: ignore[assignment]


def main_entry() -> None:
    global target
    point = os.environ.get("CRASH_POINT")
    if point:
        kind, number, *rest = point.split(":")
        target = (kind, int(number), rest == ["after"])
    count_file = os.environ.get("CRASH_COUNT")
    if count_file:
        atexit.register(lambda: Path(count_file).write_text(json.dumps(counts), encoding="utf-8"))
    install()
    print("go", flush=True)
    try:
        main.main(args=sys.argv[1:], prog_name="feedkit", standalone_mode=True)
    except SystemExit as exc:
        if count_file:
            Path(count_file).write_text(json.dumps(counts), encoding="utf-8")
        raise exc from None


if __name__ == "__main__":
    main_entry()
