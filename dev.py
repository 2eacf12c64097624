#!/usr/bin/env python3
"""Project tasks that work on a fresh machine with only Python 3.11+ and git.

    python3 dev.py demo     build the bundled example site into build/demo/ and serve it (daemon)
    python3 dev.py docs     build the docs site into build/docs/ (open build/docs/index.html)
    python3 dev.py test     lint, type-check and run the whole test suite (the docs site included)
    python3 dev.py soak     run the daemon against a flapping upstream for 15 minutes (SOAK_SECONDS)
    python3 dev.py crash    SIGKILL builds and daemons at random points (CRASH_KILLS, default 120)
    python3 dev.py bench    every benchmark in one run (--quick, --install-peers, --million: see docs/performance.md)
    python3 dev.py scale    1, 2, 3 daemons on one PostgreSQL store × 10,000 local upstreams (docs/performance.md)

Each creates ./.venv and installs feedkit with its development tools (the 'dev' extra,
which includes the 'docs' and 'feedgen' extras) the first time, and again whenever
pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"+ creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[dev]")
    STAMP.write_text(wanted + "\n")


def free_port(preferred: int = 8080) -> int:
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise SystemExit("no free port on 127.0.0.1")


def demo() -> None:
    """Build the example once, then run the daemon on it and serve it on 127.0.0.1.

    The daemon stops by itself after DEMO_SECONDS (default 30; 0 = until Ctrl-C).
    """
    ensure_venv()
    out = ROOT / "build" / "demo"
    run(BIN / "feedkit", "build", "--config", "examples/site/feedkit.toml", "--out", out)
    print(f"demo output: {out} (index.html lists every channel; all/rss.xml is everything)")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    seconds = float(os.environ.get("DEMO_SECONDS", "30"))
    print(f"\nserving the example at {url} - subscribe to {url}all/atom.xml or import {url}index.opml")
    print(f"(the daemon stops after {seconds:g} s; DEMO_SECONDS=0 keeps it running until Ctrl-C)\n", flush=True)
    command = [str(BIN / "feedkit"), "run", "--config", "examples/site/feedkit.toml", "--out", str(out),
               "--base-url", url, "--serve", f"127.0.0.1:{port}", "--log-format", "text"]
    if seconds > 0:
        command += ["--stop-after", str(seconds)]
    child = subprocess.Popen(command, cwd=ROOT)
    try:
        sys.exit(child.wait())
    except KeyboardInterrupt:
        child.send_signal(signal.SIGINT)
        sys.exit(child.wait())


def docs() -> None:
    """Build the docs site (mkdocs.yml) with warnings as errors, offline, into build/docs/."""
    ensure_venv()
    out = ROOT / "build" / "docs"
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    run(BIN / "python", "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", out)
    print(f"docs: {out / 'index.html'}")


def ensure_test_tools() -> None:
    """Best effort: real readers for the tests that check output the way readers see it.

    As root on Debian (CI), install Chromium (the browser-view test), the real site generators
    (Hugo, Jekyll, Hexo: the generator differential test) when the shared corpus is next to the
    repo, and, when the shared tools are next to the repo, feedcheck's 13 feed consumers
    (newsboat among them); PostgreSQL (the shared-store tests start their own server).
    Without them those tests skip; nothing here may fail the test command.
    """
    apt = shutil.which("apt-get")
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if not shutil.which("chromium") and apt and is_root:
        print("+ installing chromium for the browser test (best effort)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in ([apt, "update", "-qq"],
                        [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-noto-cjk"]):
            subprocess.run(command, check=False, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx") and apt and is_root:
        print("+ installing nginx for the reverse-proxy example test (best effort)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "install", "-y", "-qq", "--no-install-recommends", "nginx-light"], check=False, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if apt and is_root and not (shutil.which("pg_ctl") or list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))):
        print("+ installing postgresql for the shared-store tests (best effort)", flush=True)
        subprocess.run([apt, "install", "-y", "-qq", "--no-install-recommends", "postgresql"], check=False,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    generators = ROOT / "tests" / "generators" / "harness.py"
    if is_root and (ROOT.parent / "shared" / "corpus").is_dir():
        # Hugo, Jekyll (Debian) and Hexo (npm, into .cache/generators) for tests/test_generators.py
        subprocess.run([sys.executable, str(generators), "--install-only"], cwd=ROOT, check=False)
    if "FEEDCHECK_HOME" in os.environ:
        return
    installer = ROOT.parent / "shared" / "tools" / "install-feedcheck.sh"
    home = ROOT / ".cache" / "feedcheck"
    if installer.is_file() and is_root and not (home / "venv" / "bin" / "python3").exists():
        print(f"+ installing feedcheck into {home} (best effort)", flush=True)
        log = ROOT / ".cache" / "install-feedcheck.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            done = subprocess.run(["bash", str(installer), str(home)], stdout=out, stderr=subprocess.STDOUT,
                                  check=False)
        if done.returncode != 0:
            print(f"  feedcheck install failed (see {log}); the feedcheck tests will skip", flush=True)
    if (home / "venv" / "bin" / "python3").exists():
        os.environ["FEEDCHECK_HOME"] = str(home)


def test() -> None:
    ensure_venv()
    run(BIN / "ruff", "check", "feedkit", "tests", "benchmarks", "dev.py")
    run(BIN / "mypy", "--strict", "feedkit")
    ensure_test_tools()
    run(BIN / "python", "-m", "pytest", "-q", *sys.argv[2:])


def soak() -> None:
    """The daemon over time: tests/soak.py for SOAK_SECONDS (default 900); figures in docs/operations.md."""
    ensure_venv()
    run(BIN / "python", "-m", "tests.soak", *sys.argv[2:])


def crash() -> None:
    """The long crash-safety run (tests/crashkit.py): the figures in docs/operations.md."""
    ensure_venv()
    run(BIN / "python", "-m", "tests.crashkit", "--kills", os.environ.get("CRASH_KILLS", "120"), *sys.argv[2:])


def bench() -> None:
    """Floors, feedkit builds and refreshes, reader and Hexo where installed, and the plot (benchmarks/run.py)."""
    ensure_venv()
    run(BIN / "python", "-m", "benchmarks.run", *sys.argv[2:])


def scale() -> None:
    """Several daemons on one PostgreSQL store polling 10,000 generated upstreams (benchmarks/scale.py)."""
    ensure_venv()
    run(BIN / "python", "-m", "benchmarks.scale", *sys.argv[2:])


TASKS = {"demo": demo, "docs": docs, "test": test, "soak": soak, "crash": crash, "bench": bench, "scale": scale}

if __name__ == "__main__":
    if sys.version_info < (3, 11):  # noqa: UP036 - this script must explain itself on an old Python
        sys.exit(f"feedkit needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(__doc__)
    TASKS[sys.argv[1]]()
