"""Every benchmark in one run: floors, feedkit builds and refreshes, peers, and the plot.

    python3 dev.py bench                     # 10k and 100k articles, 200 feeds × 50 entries, plot
    python3 dev.py bench --install-peers     # first install reader, Hexo 8 and matplotlib into .cache/bench/
    python3 dev.py bench --quick             # a smoke run in seconds (the test suite runs it)
    python3 dev.py bench --million           # also a cold build of 1,000,000 generated articles

Everything is generated into a temporary folder (articles in the seed's shape, see
benchmarks/corpus.py) and served from 127.0.0.1 by a server this run starts and that stops by
itself.  feedkit runs as a child process (``python -m feedkit build …``, the worktree's code),
and its peak RSS is the child's ``ru_maxrss`` (the largest single process of its tree: the
build process or a worker).  Every time is compared with a floor measured in the same run,
because the machines are shared and noisy: compare ratios between commits, not seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import nh3
import yaml
from lxml import etree

from benchmarks import corpus

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench"
PEER_VENV = CACHE / "venv"
PEER_PYTHON = PEER_VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
HEXO_HOME = CACHE / "hexo"
PLOT = ROOT / "docs" / "images" / "performance.png"
BASE_URL = "https://bench.example/"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CHILD_TIMEOUT = 4 * 3600.0
"""No child may run longer than this (the 1M build is the longest)."""
PEER_PACKAGES = ("reader>=3.12", "sgmllib3k", "matplotlib>=3.7")  # reader's vendored feedparser imports sgmllib
HEXO_PACKAGES = ("hexo@8", "hexo-generator-feed@3", "hexo-renderer-marked@7")


@dataclass
class Child:
    seconds: float
    rss_mib: float
    """The build process's own peak RSS: its ``VmHWM`` sampled every 50 ms (Linux), else ``ru_maxrss``."""
    tree_mib: float
    """The peak of the sum of the RSS of the child and all its descendants, sampled every 50 ms (Linux)."""
    returncode: int
    stdout: str
    stderr: str


PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and its descendants now (0 where /proc is missing)."""
    children: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return 0
    for name in names:
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    ppid = int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            pass
    return total


def high_water(pid: int) -> int:
    """The process's own peak RSS in bytes (``VmHWM``; 0 where /proc is missing)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class TreeSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.hwm, self.done = pid, 0, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, tree_rss(self.pid))
            self.hwm = max(self.hwm, high_water(self.pid))


def run_child(command: Sequence[str | Path], *, cwd: Path | None = None, env: dict[str, str] | None = None,
              timeout: float = CHILD_TIMEOUT) -> Child:
    """Run a command to completion; wall time and the child's peak RSS (``wait4``'s ``ru_maxrss``)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in command], cwd=cwd, env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted: take the child down with us (its workers follow it)
            proc.kill()
            proc.wait()
            raise
        finally:
            killer.cancel()
            sampler.done.set()
            sampler.join()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is KiB on Linux, bytes on macOS.  On Linux a child's ru_maxrss is never below the
        # peak of this (large) benchmark process at the fork (the high-water mark is copied at fork and
        # kept across exec), so the child's own VmHWM, sampled, is what counts where /proc has it.
        rss = usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)
        if sampler.hwm:
            rss = sampler.hwm / 2**20
        return Child(seconds, rss, max(sampler.peak / 2**20, rss), proc.returncode,
                     out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


# --- floors ---------------------------------------------------------------------------------------

def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def md_files(folder: Path) -> list[str]:
    return sorted(entry.path for entry in os.scandir(folder) if entry.name.endswith(".md"))


def read_all(paths: list[str]) -> int:
    total = 0
    for path in paths:
        with open(path, "rb") as handle:
            total += len(handle.read())
    return total


def split_yaml(path: str) -> str:
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8")
    _, front, body = text.split("---", 2)
    yaml.load(front, Loader=LOADER)
    return body


def split_yaml_nh3(path: str) -> int:
    return len(nh3.clean(split_yaml(path)))


def split_yaml_nh3_chunk(paths: list[str]) -> int:
    return sum(split_yaml_nh3(path) for path in paths)


def floor_two_processes(paths: list[str]) -> None:
    """The same work on two processes, start-up included (what a build on 2 cores could reach)."""
    context = multiprocessing.get_context("forkserver" if sys.platform != "win32" else "spawn")
    chunks = [paths[i:i + 500] for i in range(0, len(paths), 500)]
    with context.Pool(2) as pool:
        sum(pool.imap_unordered(split_yaml_nh3_chunk, chunks))


def article_floors(folder: Path) -> dict[str, float]:
    paths = md_files(folder)
    read_all(paths)  # warm the page cache: every figure here is a warm-cache figure
    return {
        "read": timed(lambda: read_all(paths)),
        "yaml": timed(lambda: [split_yaml(p) for p in paths]),
        "nh3_one": timed(lambda: [split_yaml_nh3(p) for p in paths]),
        "nh3_two": timed(lambda: floor_two_processes(paths)),
    }


def get_all(port: int, feeds: int, parse: bool, parallel: int = 8) -> int:
    """GET every feed (``parallel`` keep-alive connections, like feedkit's default); optionally parse it."""
    local = threading.local()

    def one(k: int) -> int:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local.conn.request("GET", f"/feed/{k}.xml", headers={"Accept-Encoding": "identity"})
        response = local.conn.getresponse()
        body = response.read()
        if parse:
            root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, huge_tree=True))
            return len(root.findall("channel/item"))
        return len(body)

    with ThreadPoolExecutor(parallel) as pool:
        return sum(pool.map(one, range(feeds)))


def server_stats(port: int) -> dict[str, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/_stats")
    data: dict[str, int] = json.loads(conn.getresponse().read())
    conn.close()
    return data


# --- feedkit --------------------------------------------------------------------------------------

@dataclass
class Feedkit:
    options: str = field(default="")

    @property
    def has(self) -> Callable[[str], bool]:
        return lambda flag: flag in self.options

    def command(self, *args: str | Path) -> list[str | Path]:
        quiet = ["--quiet"] if self.has("--quiet") else []
        return [sys.executable, "-m", "feedkit", "build", *args, "--base-url", BASE_URL, "--json", *quiet]


def child_env() -> dict[str, str]:
    """Run this checkout's feedkit whatever the venv's editable install points at."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}


@dataclass
class Build:
    seconds: float
    rss_mib: float
    tree_mib: float
    written: int
    published: int
    outcomes: dict[str, int] = field(default_factory=dict)
    served: dict[str, int] = field(default_factory=dict)


def feedkit_build(fk: Feedkit, *args: str | Path) -> Build:
    child = run_child(fk.command(*args), env=child_env())
    if child.returncode != 0:
        raise SystemExit(f"feedkit build failed ({child.returncode}):\n{child.stderr[-3000:]}")
    report = json.loads(child.stdout)
    outcomes: dict[str, int] = {}
    for source in report.get("sources", []):
        outcomes[source["outcome"]] = outcomes.get(source["outcome"], 0) + 1
    return Build(child.seconds, child.rss_mib, child.tree_mib, len(report["written"]), report["published"], outcomes)


def fresh(out: Path) -> Path:
    """An output folder with no previous output and no store beside it (a cold build)."""
    shutil.rmtree(out, ignore_errors=True)
    for sibling in out.parent.glob(out.name + ".*"):
        if sibling.is_file():
            sibling.unlink()
    return out


def article_scenarios(fk: Feedkit, folder: Path, out: Path, full: bool) -> dict[str, Build]:
    results = {"cold": feedkit_build(fk, folder, "--out", fresh(out))}
    results["nochange"] = feedkit_build(fk, folder, "--out", out)
    if full:
        corpus.touch_all(folder, time.time() + 5)
        results["touched"] = feedkit_build(fk, folder, "--out", out)
        count = len(md_files(folder))
        corpus.change_one(folder, count - 1)  # the newest: it is in every feed of its channels
        results["one"] = feedkit_build(fk, folder, "--out", out)
        if fk.has("--full"):
            results["full"] = feedkit_build(fk, folder, "--out", out, "--full")
    return results


# --- peers ----------------------------------------------------------------------------------------

def install_peers() -> None:
    """Install reader + matplotlib (a venv) and Hexo 8 + hexo-generator-feed (npm) into .cache/bench/."""
    import venv

    CACHE.mkdir(parents=True, exist_ok=True)
    if not PEER_PYTHON.exists():
        print(f"+ creating {PEER_VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(PEER_VENV)
    command = [str(PEER_PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PEER_PACKAGES]
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True)
    npm = shutil.which("npm")
    if npm is None:
        print("npm not found: Hexo is not installed (install Node.js 20+ and run this again)", flush=True)
        return
    HEXO_HOME.mkdir(parents=True, exist_ok=True)
    package = HEXO_HOME / "package.json"
    if not package.exists():
        package.write_text(json.dumps({"name": "feedkit-bench-hexo", "private": True}) + "\n")
    command = [npm, "install", "--no-audit", "--no-fund", "--silent", *HEXO_PACKAGES]
    print("+", " ".join(command), f"(in {HEXO_HOME})", flush=True)
    subprocess.run(command, check=True, cwd=HEXO_HOME)


def peer_python_has(module: str) -> bool:
    if not PEER_PYTHON.exists():
        return False
    return subprocess.run([str(PEER_PYTHON), "-c", f"import {module}"], capture_output=True).returncode == 0


def hexo_installed() -> bool:
    return shutil.which("node") is not None and (HEXO_HOME / "node_modules" / "hexo" / "package.json").exists()


def hexo_version() -> str:
    return str(json.loads((HEXO_HOME / "node_modules" / "hexo" / "package.json").read_text())["version"])


HEXO_CONFIG = """title: bench
url: https://bench.example
language: zh-CN
timezone: Asia/Shanghai
permalink: p/:title.html
source_dir: source
public_dir: public
new_post_name: :title.md
post_asset_folder: false
feed:
  type: [atom, rss2]
  path: [atom.xml, rss2.xml]
  limit: 20
  content: true
"""


def run_hexo(folder: Path, site: Path) -> Child:
    """A cold ``hexo generate`` with Hexo 8, hexo-generator-feed and hexo-renderer-marked, nothing else.

    No theme and no other generator: the cheapest Hexo site that publishes feeds.  The renderer
    is needed because Hexo treats a file in ``_posts`` that it cannot render as an asset.
    """
    shutil.rmtree(site, ignore_errors=True)
    posts = site / "source" / "_posts"
    posts.mkdir(parents=True)
    for path in md_files(folder):
        os.link(path, posts / Path(path).name)
    (site / "_config.yml").write_text(HEXO_CONFIG, encoding="utf-8")
    plugins = {name: "*" for name in ("hexo-generator-feed", "hexo-renderer-marked")}  # Hexo loads these
    (site / "package.json").write_text(json.dumps({"name": "bench-site", "private": True, "hexo": {
        "version": hexo_version()}, "dependencies": {"hexo": hexo_version(), **plugins}}) + "\n")
    (site / "node_modules").symlink_to(HEXO_HOME / "node_modules")
    return run_child(["node", ROOT / "benchmarks" / "peer_hexo.js", site], cwd=site)


# --- the run --------------------------------------------------------------------------------------

def say(text: str = "") -> None:
    print(text, flush=True)


def ratio(value: float | None, floor: float | None) -> str:
    if value is None or not floor:
        return ""
    return f"{value / floor:.2f} ×"


def fmt_build(name: str, build: Build, floor: float) -> str:
    return (f"  {name:<46} {build.seconds:8.2f} s  {ratio(build.seconds, floor):>9} floor  "
            f"peak RSS {build.rss_mib:6.0f} MiB (tree {build.tree_mib:6.0f})  written {build.written}")


def version() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "feedkit"], cwd=ROOT, capture_output=True, text=True)
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def bench_articles(fk: Feedkit, tmp: Path, sizes: list[int], curve: list[int], results: dict[str, object],
                   hexo_at: int | None) -> None:
    rows: list[dict[str, object]] = []
    results["articles"] = rows
    curve_rows: list[dict[str, object]] = []
    results["curve"] = curve_rows
    for n in sorted(set(sizes) | set(curve)):
        folder = tmp / f"posts-{n}"
        start = time.perf_counter()
        size = corpus.make_articles(folder, n)
        made = time.perf_counter() - start
        main = n in sizes
        floors = article_floors(folder) if main else {"nh3_two": timed(lambda f=folder: floor_two_processes(
            md_files(f)))}
        builds = article_scenarios(fk, folder, tmp / f"out-{n}", full=main)
        point: dict[str, object] = {"articles": n, "cold": builds["cold"].seconds,
                                    "nochange": builds["nochange"].seconds,
                                    "cold_rss": builds["cold"].rss_mib,
                                    "cold_tree": builds["cold"].tree_mib, "floor": floors["nh3_two"]}
        if main:
            say(f"\n{n:,} articles ({size / 1e6:.1f} MB, {size / n / 1000:.2f} KB each; generated in {made:.1f} s, "
                f"warm cache); published {builds['cold'].published:,}")
            say(f"  floor: read bytes                              {floors['read']:8.2f} s")
            say(f"  floor: split + PyYAML CSafeLoader              {floors['yaml']:8.2f} s")
            say(f"  floor: + nh3 cleaning, one process             {floors['nh3_one']:8.2f} s")
            say(f"  floor: + nh3 cleaning, two processes (FLOOR)   {floors['nh3_two']:8.2f} s")
            labels = {"cold": "feedkit cold build (no output, no store)", "nochange": "no-change rebuild",
                      "touched": "rebuild, all files rewritten (same bytes)",
                      "one": "rebuild after changing one file", "full": "forced full rebuild (--full)"}
            for key, label in labels.items():
                if key in builds:
                    say(fmt_build(label, builds[key], floors["nh3_two"]))
            row: dict[str, object] = {"articles": n, "bytes": size, "floors": floors,
                                      **{key: asdict(build) for key, build in builds.items()}}
            if hexo_at == n:
                say("  Hexo: cold `hexo generate` …")
                hexo = run_hexo(folder, tmp / f"hexo-{n}")
                if hexo.returncode == 0:
                    data = json.loads(hexo.stdout.strip().splitlines()[-1])
                    cold = builds["cold"]
                    say(f"  {'Hexo ' + hexo_version() + ' + feed + marked, cold':<46} {hexo.seconds:8.2f} s  "
                        f"{ratio(hexo.seconds, floors['nh3_two']):>9} floor  peak RSS {hexo.rss_mib:7.0f} MiB  "
                        f"({data['posts']:,} posts)")
                    say(f"  Hexo / feedkit time: {hexo.seconds / cold.seconds:.2f} ×; feedkit's peak RSS (tree) is "
                        f"{100 * cold.tree_mib / hexo.rss_mib:.0f} % of Hexo's")
                    row["hexo"] = {"seconds": hexo.seconds, "rss_mib": hexo.rss_mib, "posts": data["posts"]}
                    point["hexo"], point["hexo_rss"] = hexo.seconds, hexo.rss_mib
                else:
                    say(f"  Hexo failed ({hexo.returncode}): {hexo.stderr[-800:]}")
                    row["hexo"] = {"error": hexo.stderr[-800:]}
            rows.append(row)
        else:
            say(f"  curve {n:>9,} articles: cold {builds['cold'].seconds:6.2f} s, no-change "
                f"{builds['nochange'].seconds:6.2f} s, peak RSS {builds['cold'].rss_mib:5.0f} MiB "
                f"(tree {builds['cold'].tree_mib:5.0f})")
        curve_rows.append(point)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(tmp / f"out-{n}", ignore_errors=True)
        shutil.rmtree(tmp / f"hexo-{n}", ignore_errors=True)
    if len(rows) >= 2:
        small, big = rows[0], rows[-1]
        grow = int(big["articles"]) / int(small["articles"])  # type: ignore[call-overload]
        t = big["cold"]["seconds"] / small["cold"]["seconds"]  # type: ignore[index]
        m = big["cold"]["rss_mib"] / small["cold"]["rss_mib"]  # type: ignore[index]
        say(f"\n  {grow:.0f} × the articles: cold time {t:.1f} ×, peak RSS {m:.2f} ×")


def bench_upstream(fk: Feedkit, tmp: Path, feeds: int, entries: int, results: dict[str, object],
                   with_reader: bool) -> None:
    server = subprocess.Popen([sys.executable, "-m", "benchmarks.upstream_server", "--feeds", str(feeds),
                               "--entries", str(entries), "--stop-after", "3600"], cwd=ROOT, env=child_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        words = server.stdout.readline().split()
        if len(words) < 4 or words[0] != "port":
            raise SystemExit("the upstream server did not start")
        port, total = int(words[1]), int(words[3])
        say(f"\n{feeds} upstream feeds × {entries} entries ({total / 1e6:.1f} MB) on 127.0.0.1:{port}")
        get_all(port, feeds, parse=False)  # warm up the server and the connections
        # The best of three: these floors take a fraction of a second and the machine is noisy.
        get_only = min(timed(lambda: get_all(port, feeds, parse=False)) for _ in range(3))
        parsed = min(timed(lambda: get_all(port, feeds, parse=True)) for _ in range(3))
        server_stats(port)
        say(f"  floor: GET only (8 connections)                {get_only:8.2f} s")
        say(f"  floor: GET + lxml parse (FLOOR)                {parsed:8.2f} s")
        urls: list[str | Path] = []
        for k in range(feeds):
            urls += ["--feed", f"http://127.0.0.1:{port}/feed/{k}.xml"]
        out = fresh(tmp / "out-upstream")
        args = [*urls, "--allow-host", f"127.0.0.1:{port}", "--out", out]
        refresh = ["--refresh"] if fk.has("--refresh") else []
        cold = feedkit_build(fk, *args)
        cold.served = server_stats(port)
        again = feedkit_build(fk, *args, *refresh)
        again.served = server_stats(port)
        for label, build in (("feedkit cold refresh", cold), ("feedkit all-304 refresh", again)):
            say(f"  {label:<46} {build.seconds:8.2f} s  {ratio(build.seconds, parsed):>9} floor  "
                f"peak RSS {build.rss_mib:6.0f} MiB (tree {build.tree_mib:6.0f})  server answered {build.served}, "
                f"written {build.written}")
        section: dict[str, object] = {"feeds": feeds, "entries": entries, "bytes": total, "get": get_only,
                                      "get_lxml": parsed, "cold": asdict(cold), "all304": asdict(again)}
        if with_reader:
            db = tmp / "reader.sqlite"
            runs = []
            for label in ("cold", "all-304"):
                child = run_child([PEER_PYTHON, ROOT / "benchmarks" / "peer_reader.py", db, str(port), str(feeds)])
                if child.returncode != 0:
                    say(f"  reader failed: {child.stderr[-800:]}")
                    break
                data = json.loads(child.stdout.strip().splitlines()[-1])
                data.update(rss_mib=child.rss_mib, served=server_stats(port))
                runs.append(data)
                say(f"  {'reader update_feeds(), ' + label:<46} {data['seconds']:8.2f} s  "
                    f"{ratio(data['seconds'], parsed):>9} floor  peak RSS {child.rss_mib:7.0f} MiB  "
                    f"server answered {data['served']}, {data['entries']} entries")
            if len(runs) == 2:
                say(f"  feedkit / reader time: cold {cold.seconds / runs[0]['seconds']:.2f} ×, "
                    f"all-304 {again.seconds / runs[1]['seconds']:.2f} ×")
                section["reader"] = runs
        results["upstream"] = section
    finally:
        if server.stdin:
            server.stdin.close()  # the server stops when its stdin closes
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def plot(results_file: Path, target: Path) -> str:
    script = ROOT / "benchmarks" / "plot.py"
    for python in (Path(sys.executable), PEER_PYTHON):
        if python.exists() and subprocess.run([str(python), "-c", "import matplotlib"],
                                              capture_output=True).returncode == 0:
            target.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([str(python), str(script), str(results_file), str(target)], check=True)
            return f"plot: {target}"
    return "plot skipped: matplotlib is not installed (python3 dev.py bench --install-peers)"


def load() -> str:
    """The 1, 5 and 15 minute load averages (the benchmark needs an otherwise idle machine)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="A smoke run: 100 articles and 4 small feeds.")
    parser.add_argument("--install-peers", action="store_true",
                        help="Install reader, matplotlib and Hexo 8 into .cache/bench/ first.")
    parser.add_argument("--no-peers", action="store_true", help="Do not run reader or Hexo even if installed.")
    parser.add_argument("--sizes", type=int, nargs="+", help="Article counts with every scenario (default 10000 "
                        "100000).")
    parser.add_argument("--curve", type=int, nargs="+", help="Extra article counts for the plot (cold and "
                        "no-change only; default 10 100 1000).")
    parser.add_argument("--million", action="store_true", help="Also build 1,000,000 generated articles (cold and "
                        "no-change, on the curve).")
    parser.add_argument("--feeds", type=int, help="Upstream feeds (default 200).")
    parser.add_argument("--entries", type=int, help="Entries per upstream feed (default 50).")
    parser.add_argument("--plot", type=Path, help=f"Where the PNG goes (default {PLOT.relative_to(ROOT)}; "
                        "none with --quick).")
    parser.add_argument("--results", type=Path, help="Where the JSON results go (default .cache/bench/).")
    parser.add_argument("--tmp", type=Path, help="Folder for the generated inputs (default: the system's temp).")
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        # SIGTERM unwinds like Ctrl-C: the running child is killed, the server stopped, the inputs deleted.
        signal.signal(signal.SIGTERM, interrupt)
    if args.install_peers:
        install_peers()
    quick = args.quick
    sizes = args.sizes or ([100] if quick else [10_000, 100_000])
    curve = args.curve or ([10] if quick else [10, 100, 1000])
    if args.million:  # cold and no-change only (a point of the curve): the other scenarios add nothing there
        curve = [*curve, 1_000_000]
    feeds = args.feeds or (4 if quick else 200)
    entries = args.entries or (5 if quick else 50)
    peers = not (quick or args.no_peers)
    with_reader = peers and peer_python_has("reader")
    with_hexo = peers and hexo_installed()
    fk = Feedkit(run_child([sys.executable, "-m", "feedkit", "build", "--help"], env=child_env()).stdout)
    results: dict[str, object] = {
        "date": date.today().isoformat(), "version": version(), "command": " ".join(["dev.py bench", *(argv or
                                                                                                        sys.argv[1:])]),
        "machine": f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python "
                   f"{platform.python_version()}", "full_flag": fk.has("--full")}
    results["load_before"] = load()
    say(f"load average before: {results['load_before']} (other work on the machine skews every figure)")
    say(f"feedkit {results['version']} on {results['machine']}; "
        f"`feedkit build --full` {'available' if fk.has('--full') else 'not available (not measured)'}")
    say(f"peers: reader {'yes' if with_reader else 'not run'}, Hexo {'yes' if with_hexo else 'not run'}"
        + ("" if (with_reader and with_hexo) or not peers else " (python3 dev.py bench --install-peers)"))
    hexo_at = min((n for n in sizes if n >= 10_000), default=None) if with_hexo else None
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="feedkit-bench-", dir=args.tmp) as name:
        tmp = Path(name)
        bench_upstream(fk, tmp, feeds, entries, results, with_reader)
        bench_articles(fk, tmp, sizes, curve, results, hexo_at)
    results["seconds"] = time.perf_counter() - started
    results["load_after"] = load()
    target = args.results or CACHE / f"results-{'quick' if quick else 'full'}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    say(f"\nresults: {target} (whole run {results['seconds']:.0f} s; load average after: {results['load_after']})")
    if args.plot or not quick:
        say(plot(target, args.plot or PLOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
