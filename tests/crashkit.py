"""Crash safety, measured: ``SIGKILL`` real ``feedkit build`` and ``feedkit run`` processes at random points.

    python -m tests.crashkit --kills 120 [--seed N] [--articles 60] [--json]     (python3 dev.py crash)

A workspace holds articles and a local upstream feed in two states, A and B.  The reference
outputs are what uninterrupted builds give: ``OA`` (A built from nothing) and ``OB`` (B built
on top of A).  Each kill starts from A's output and store, switches the inputs to B, starts
``feedkit build`` or ``feedkit run`` (tests/crash_child.py) and kills it with ``SIGKILL``:
either after a random delay, or at a chosen event (parsing a file, a store transaction before
or after its COMMIT, rendering, the temporary file's fsync, the rename over an output file,
an archive page).  After each kill it checks:

* every output file is complete: it parses, and its bytes are those of ``OA`` or of ``OB``
  (temporary ``.NAME.feedkit-XXXXXXXX.tmp`` files may be left; they are counted);
* ``index.json`` names no missing file;
* the store opens and passes ``PRAGMA integrity_check``;
* the next ``feedkit build`` succeeds, leaves no temporary file, and its output is byte for
  byte ``OB``; the store passes ``integrity_check`` again.

The tests (tests/test_crash.py) run a few kills; ``python3 dev.py crash`` runs hundreds and
prints the figures recorded in docs/operations.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

REPO = Path(__file__).resolve().parents[1]
TEMP_FILE = re.compile(r"^\..+\.feedkit-[0-9a-f]{8}\.tmp$")
CATEGORIES = ("news", "tech", "sport", "金融", "culture", "science")
CONFIG = """\
out = "public"
workers = 1

[site]
title = "Crash"
base_url = "https://crash.example.org/"
timezone = "Asia/Shanghai"

[channels]
tags = true
archive = true
archive_page_size = 4
entry_limit = 4

[[articles]]
paths = ["posts"]
name = "posts"

[[feeds]]
url = "wire.xml"
name = "wire"
"""
ARTICLE = """---
title: "{title}"
date: 2022-{month:02d}-{day:02d} 10:{minute:02d}:00
categories: [{category}]
tags: [t{tag}]
---
<p>{body}</p>
"""
ITEM = """<item><title>Wire {i}{edit}</title><link>https://wire.example.com/{i}</link><guid>wire-{i}</guid>
<pubDate>{day:02d} Mar 2022 08:00:00 GMT</pubDate><category>news</category><description>Wire story {i}{edit}.
</description></item>"""


class CrashFailure(AssertionError):
    """A check after a kill failed."""


@dataclass
class Figures:
    kills: int = 0
    survived: int = 0
    torn_files: int = 0
    files_checked: int = 0
    temp_files_left: int = 0
    new_files_seen: int = 0
    """Files that held B's bytes when the kill came (the killed build had got that far)."""
    by_point: Counter[str] = field(default_factory=Counter)
    by_command: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"kills": self.kills, "survived": self.survived, "torn_files": self.torn_files,
                "files_checked": self.files_checked, "temp_files_left": self.temp_files_left,
                "new_files_seen": self.new_files_seen, "by_point": dict(sorted(self.by_point.items())),
                "by_command": dict(sorted(self.by_command.items())), "seconds": round(self.seconds, 1),
                "failures": self.failures}


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "PYTHONDONTWRITEBYTECODE": "1"}


def write_inputs(root: Path, state: str, articles: int) -> None:
    """The inputs in state A or B: B edits a fifth of the articles, adds a fifth, removes a tenth,
    and changes and adds upstream items."""
    posts = root / "posts"
    shutil.rmtree(posts, ignore_errors=True)
    posts.mkdir(parents=True)
    count = articles if state == "A" else articles + articles // 5
    for i in range(count):
        if state == "B" and i % 10 == 3:
            continue  # removed in B
        edited = state == "B" and i % 5 == 1
        body = f"Body of article {i}" + (" — edited in B" if edited else "") + ". " + "Lorem ipsum. " * (i % 7)
        (posts / CATEGORIES[i % len(CATEGORIES)]).mkdir(exist_ok=True)
        (posts / CATEGORIES[i % len(CATEGORIES)] / f"post-{i:03d}.md").write_text(ARTICLE.format(
            title=f"Article {i}" + (" (edited)" if edited else ""), month=1 + i % 12, day=1 + i % 28,
            minute=i % 60, category=CATEGORIES[i % len(CATEGORIES)], tag=i % 4, body=body), encoding="utf-8")
    items = 12 if state == "A" else 16
    body = "\n".join(ITEM.format(i=i, day=1 + i, edit=" (updated)" if state == "B" and i % 4 == 0 else "")
                     for i in range(items))
    (root / "wire.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
                                   f"<link>https://wire.example.com/</link>{body}</channel></rss>", encoding="utf-8")
    (root / "feedkit.toml").write_text(CONFIG, encoding="utf-8")


def feedkit(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feedkit", *args], cwd=root, env=env(), capture_output=True,
                          text=True, timeout=timeout)


def output_files(out: Path) -> tuple[dict[str, bytes], list[str]]:
    """The output's files (by path) and its leftover temporary files."""
    files: dict[str, bytes] = {}
    temps: list[str] = []
    for path in sorted(out.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(out).as_posix()
        if TEMP_FILE.match(path.name):
            temps.append(rel)
        else:
            files[rel] = path.read_bytes()
    return files, temps


def parse_check(rel: str, data: bytes) -> str | None:
    """Why ``data`` is not a complete file of its kind, or None."""
    try:
        if rel.endswith(".json"):
            json.loads(data)
        elif rel.endswith((".xml", ".opml", ".xsl")):
            ElementTree.fromstring(data)
        elif rel.endswith(".html") and not data.rstrip().endswith(b"</html>"):
            return "HTML without its end"
    except (ValueError, ElementTree.ParseError) as exc:
        return f"does not parse: {exc}"
    return None


def named_files(index: bytes) -> list[str]:
    """Every output path that index.json names (any string value that is a file path)."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and re.fullmatch(r"[^:\s]+\.(xml|json)", value):
            found.append(value)

    walk(json.loads(index))
    return found


def integrity(store: Path) -> str:
    connection = sqlite3.connect(store, timeout=30)
    try:
        rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    finally:
        connection.close()
    if rows != ["ok"]:
        return "; ".join(map(str, rows[:5]))
    if not {"articles", "builds", "outputs", "sources", "entries"} <= set(tables):
        return f"tables missing: {tables}"
    return "ok"


def snapshot(root: Path) -> Path:
    """A copy of the workspace's output and store (state after a build)."""
    saved = root.parent / f"{root.name}-saved"
    shutil.rmtree(saved, ignore_errors=True)
    saved.mkdir()
    shutil.copytree(root / "public", saved / "public", symlinks=True)
    for store in root.glob("public.feedkit.sqlite*"):
        if not store.name.endswith(".lock"):
            shutil.copy2(store, saved / store.name)
    return saved


def restore(root: Path, saved: Path) -> None:
    shutil.rmtree(root / "public", ignore_errors=True)
    for store in root.glob("public.feedkit.sqlite*"):
        if not store.name.endswith(".lock"):
            store.unlink()
    shutil.copytree(saved / "public", root / "public", symlinks=True)
    for store in saved.glob("public.feedkit.sqlite*"):
        shutil.copy2(store, root / store.name)


class Harness:
    """One workspace, its two reference outputs, and the kill loop."""

    def __init__(self, root: Path, *, articles: int, seed: int) -> None:
        self.root = root
        self.articles = articles
        self.random = random.Random(seed)
        self.figures = Figures()
        root.mkdir(parents=True, exist_ok=True)
        write_inputs(root, "A", articles)
        self._build_ok()
        self.old, _ = output_files(root / "public")
        self.saved = snapshot(root)
        write_inputs(root, "B", articles)
        counts_file = root.parent / "counts.json"
        started = time.monotonic()
        child = self._child("build", {"CRASH_COUNT": str(counts_file)})
        assert child.stdout is not None
        child.stdout.readline()
        self.go_seconds = 0.0
        go = time.monotonic()
        child.communicate(timeout=300)
        self.build_seconds = max(time.monotonic() - go, 0.05)
        self.go_seconds = go - started
        if child.returncode != 0:
            raise CrashFailure(f"the calibrating build failed ({child.returncode})")
        self.counts: dict[str, int] = json.loads(counts_file.read_text(encoding="utf-8"))
        self.new, temps = output_files(root / "public")
        assert not temps
        self._build_ok()  # a second build over B changes nothing
        if output_files(root / "public")[0] != self.new:
            raise CrashFailure("a second build of the same inputs changed the output")
        if self.old == self.new:
            raise CrashFailure("states A and B give the same output: nothing to tear")

    def _build_ok(self) -> None:
        done = feedkit(self.root, "build", "--config", "feedkit.toml", "-q")
        if done.returncode != 0:
            raise CrashFailure(f"build failed ({done.returncode}): {done.stderr[-2000:]}")

    def _child(self, command: str, extra: dict[str, str]) -> subprocess.Popen[str]:
        args = ["build", "--config", "feedkit.toml", "-q"] if command == "build" else \
            ["run", "--config", "feedkit.toml", "--stop-after", "120", "--rescan", "60", "--log-format", "json"]
        return subprocess.Popen([sys.executable, "-m", "tests.crash_child", *args], cwd=self.root,
                                env={**env(), **extra}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True, start_new_session=True)

    def plan(self, number: int) -> tuple[str, str | None, float]:
        """What kill ``number`` does: the command, the event to die at (or None) and the delay (or 0)."""
        command = "run" if number % 4 == 3 else "build"
        if number % 3 == 2:
            return command, None, self.random.uniform(0, self.build_seconds * 1.1)
        kinds = [kind for kind in ("parse", "store", "render", "temp", "replace", "archive") if self.counts.get(kind)]
        kind = kinds[(number // 3 * 2 + number % 3) % len(kinds)]
        after = kind in ("store", "replace", "archive") and self.random.random() < 0.5
        return command, f"{kind}:{self.random.randint(1, self.counts[kind])}" + (":after" if after else ""), 0.0

    def kill_once(self, number: int) -> None:
        command, point, delay = self.plan(number)
        restore(self.root, self.saved)
        label = f"{command} {point or f'after {delay:.3f}s'}"
        child = self._child(command, {"CRASH_POINT": point} if point else {})
        assert child.stdout is not None
        child.stdout.readline()  # "go": feedkit is imported
        if point is None:
            time.sleep(delay)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
        else:
            deadline = time.monotonic() + max(20.0, self.build_seconds * 10)
            while child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            if child.poll() is None:  # the event never came (a daemon idles): kill it now
                os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=60)
        child.stdout.close()
        self.figures.kills += 1
        self.figures.by_command[command] += 1
        self.figures.by_point[point.split(":")[0] + (":after" if point.endswith(":after") else "")
                              if point else "timer"] += 1
        try:
            self.check(label, killed=child.returncode == -signal.SIGKILL)
        except CrashFailure as exc:
            self.figures.failures.append(f"kill {number} ({label}): {exc}")
            shutil.copytree(self.root, self.root.parent / f"failed-{number}", symlinks=True, dirs_exist_ok=True)
            return
        self.figures.survived += 1

    def check(self, label: str, *, killed: bool) -> None:
        out = self.root / "public"
        files, temps = output_files(out)
        self.figures.temp_files_left += len(temps)
        for rel, data in files.items():
            self.figures.files_checked += 1
            reason = parse_check(rel, data)
            if reason is None and data != self.old.get(rel) and data != self.new.get(rel):
                reason = "bytes are neither the old nor the new version"
            if reason is not None:
                self.figures.torn_files += 1
                raise CrashFailure(f"{rel}: {reason}")
            self.figures.new_files_seen += data != self.old.get(rel)
        if "index.json" not in files:
            raise CrashFailure("index.json is missing")
        missing = [rel for rel in named_files(files["index.json"]) if rel not in files]
        if missing:
            raise CrashFailure(f"index.json names missing files: {missing[:5]}")
        store = self.root / "public.feedkit.sqlite"
        state = integrity(store)
        if state != "ok":
            raise CrashFailure(f"store after the kill: {state}")
        done = feedkit(self.root, "build", "--config", "feedkit.toml", "-q")
        if done.returncode != 0:
            raise CrashFailure(f"the next build failed ({done.returncode}): {done.stderr[-1500:]}")
        after, temps = output_files(out)
        if temps:
            raise CrashFailure(f"the next build left temporary files: {temps[:5]}")
        if after != self.new:
            differ = sorted(set(after) ^ set(self.new)) or [p for p in after if after[p] != self.new[p]]
            raise CrashFailure(f"the next build's output differs from an uninterrupted build's: {differ[:5]}")
        state = integrity(store)
        if state != "ok":
            raise CrashFailure(f"store after the next build: {state}")


def run(kills: int, *, seed: int, articles: int, workdir: Path | None = None,
        progress: bool = False) -> Figures:
    """Run ``kills`` kills in a fresh workspace; return the figures."""
    started = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="feedkit-crash-", dir=workdir))
    harness = Harness(base / "site", articles=articles, seed=seed)
    for number in range(kills):
        harness.kill_once(number)
        if progress and (number + 1) % 10 == 0:
            print(f"  {number + 1}/{kills} kills, {harness.figures.survived} survived, "
                  f"{harness.figures.torn_files} torn", flush=True)
    harness.figures.seconds = time.monotonic() - started
    if not harness.figures.failures:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"failed workspaces kept in {base}", file=sys.stderr)
    return harness.figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=120)
    parser.add_argument("--seed", type=int, default=20240610)
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    figures = run(options.kills, seed=options.seed, articles=options.articles, progress=not options.json)
    if options.json:
        print(json.dumps(figures.to_dict(), ensure_ascii=False, indent=2))
    else:
        data = figures.to_dict()
        print(f"kills {data['kills']}, survived {data['survived']}, torn files {data['torn_files']} "
              f"(of {data['files_checked']} files checked after the kills; {data['new_files_seen']} already new), "
              f"temporary files left by kills {data['temp_files_left']} (all removed by the next build), "
              f"{data['seconds']} s")
        print(f"kill points: {data['by_point']}; commands: {data['by_command']}")
        for failure in figures.failures:
            print(f"FAILED {failure}")
    sys.exit(1 if figures.failures or figures.survived != figures.kills else 0)


if __name__ == "__main__":
    main()
