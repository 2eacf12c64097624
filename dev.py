#!/usr/bin/env python3
"""Project tasks that work on a fresh machine with only Python 3.11+ and git.

    python3 dev.py demo     build the bundled example site into build/demo/
    python3 dev.py test     lint, type-check and run the whole test suite

Both create ./.venv and install feedkit with its development tools the first time
(and again whenever pyproject.toml changes).
"""

from __future__ import annotations

import hashlib
import os
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


def demo() -> None:
    ensure_venv()
    run(BIN / "feedkit", "build", "--config", "examples/site/feedkit.toml", "--out", "build/demo")
    print(f"demo output: {ROOT / 'build/demo'} (index.json lists every channel; all/rss.xml is everything)")


def test() -> None:
    ensure_venv()
    run(BIN / "ruff", "check", "feedkit", "tests", "benchmarks", "dev.py")
    run(BIN / "mypy", "--strict", "feedkit")
    run(BIN / "python", "-m", "pytest", "-q", *sys.argv[2:])


TASKS = {"demo": demo, "test": test}

if __name__ == "__main__":
    if sys.version_info < (3, 11):  # noqa: UP036 - this script must explain itself on an old Python
        sys.exit(f"feedkit needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(__doc__)
    TASKS[sys.argv[1]]()
