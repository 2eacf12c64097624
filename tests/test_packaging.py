"""The built wheel works in a fresh virtual environment: `feedkit build` on the bundled example.

The wheel is built from this tree without network (``pip wheel --no-build-isolation``, with the
setuptools of the test environment), installed with ``--no-deps`` into a new venv, and the venv
is given the test environment's installed dependencies through a ``.pth`` line, so nothing is
downloaded and the test stays fast.  The new venv then checks that every dependency the wheel
declares is installed, and runs ``feedkit build`` from the installed wheel (not this tree).
Skipped when the tools to build a wheel are missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

import feedkit

from .conftest import EXAMPLES, REPO

DEPENDENCIES_PRESENT = """
import importlib.metadata as m, re
missing = []
for requirement in m.requires("feedkit") or []:
    if "extra ==" in requirement:
        continue
    name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)
    try:
        m.version(name)
    except m.PackageNotFoundError:
        missing.append(name)
print("missing: " + ", ".join(missing) if missing else "ok")
"""
"""Run in the new venv: every dependency the wheel declares is installed (what ``pip check`` would say)."""


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=env)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("setuptools", reason="building the wheel offline needs setuptools (the dev extra has it)")
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("src") / "feedkit"
    # Build from a clean copy: a build/ or *.egg-info left in the tree must not leak into the wheel.
    done = _run("git", "-C", REPO, "ls-files", "-z", cwd=REPO)
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    for rel in filter(None, done.stdout.split("\0")):
        if (REPO / rel).is_file():
            (source / rel).parent.mkdir(parents=True, exist_ok=True)
            (source / rel).write_bytes((REPO / rel).read_bytes())
    done = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
                "--wheel-dir", out, source, cwd=out)
    assert done.returncode == 0, done.stdout + done.stderr
    [built] = out.glob("feedkit-*.whl")
    return built


def test_the_wheel_carries_one_version_its_data_files_and_the_type_marker(wheel: Path) -> None:
    assert wheel.name.startswith(f"feedkit-{feedkit.__version__}-")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"feedkit-{feedkit.__version__}.dist-info/METADATA").decode("utf-8")
    assert {"feedkit/py.typed", "feedkit/render/stylesheet.xsl", "feedkit/_version.py"} <= names
    assert not any(n.startswith(("tests/", "docs/", "examples/")) for n in names)
    assert f"Version: {feedkit.__version__}\n" in metadata
    assert "Provides-Extra: feedgen" in metadata and "Provides-Extra: docs" in metadata
    assert "Requires-Dist: python-frontmatter" in metadata


def test_the_wheel_installs_into_a_fresh_venv_and_builds_the_example(wheel: Path, tmp_path: Path) -> None:
    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / ("Scripts" if os.name == "nt" else "bin") / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path)
                .stdout.strip())
    # The wheel goes into the new venv; its dependencies come from this environment (no download).
    done = _run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", site, wheel,
                cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    where = _run(python, "-c", "import feedkit; print(feedkit.__file__, feedkit.__version__)", cwd=tmp_path, env=env)
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(str(site)), where.stdout  # the installed wheel, not this tree
    assert where.stdout.split()[1] == feedkit.__version__
    check = _run(python, "-c", DEPENDENCIES_PRESENT, cwd=tmp_path, env=env)
    assert check.returncode == 0 and check.stdout.strip() == "ok", check.stdout + check.stderr
    out = tmp_path / "public"
    done = _run(python, "-m", "feedkit", "build", "--config", EXAMPLES / "site" / "feedkit.toml", "--out", out,
                "--store", tmp_path / "store.sqlite", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert (out / "all" / "rss.xml").is_file() and (out / "index.html").is_file()
    assert (out / "stylesheet.xsl").is_file() or any(out.rglob("*.xsl"))  # package data made it into the wheel
    version = _run(python, "-m", "feedkit", "--version", cwd=tmp_path, env=env)
    assert feedkit.__version__ in version.stdout
