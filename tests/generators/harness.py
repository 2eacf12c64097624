#!/usr/bin/env python3
"""The real site generators on the corpus site roots: install them (best effort) and build each site.

    python3 tests/generators/harness.py --install-only   (what ``dev.py test`` runs, as root)
    python3 tests/generators/harness.py [--install]      (build every site, print the post counts)

Installs Hugo and Jekyll (+ jekyll-feed and the plugins the corpus configs load) from Debian, and
Hexo (+ hexo-abbrlink, hexo-generator-feed, a Markdown renderer) from npm into
``.cache/generators/npm/<set>``: one set per Hexo generation the corpus sites ask for.  Nothing here
may fail the test command: whatever cannot be installed makes its sites skip.

:func:`truth` builds one corpus site root with its generator in a temporary copy (the corpus is only
read; a minimal layout, stub tags and shortcodes are added to the copy) and returns every post the
generator publishes as ``{source, link, title, date}`` (``date``: UTC, to the second; Hugo gives
``None`` for a page without a date).  Every generator runs with ``TZ=UTC``.
Standard library only: ``dev.py`` runs it before the virtual environment has anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CACHE = REPO / ".cache" / "generators"
CORPUS = REPO.parent / "shared" / "corpus"

APT_PACKAGES = ("hugo", "jekyll", "ruby-jekyll-feed", "ruby-jekyll-redirect-from", "ruby-jekyll-seo-tag",
                "ruby-jekyll-sitemap", "ruby-jekyll-avatar", "ruby-jekyll-mentions")
NPM_SETS = {  # pinned to what the sites' package.json files ask for (as close as the registry allows)
    "hexo5": ("hexo@5.4.0", "hexo-abbrlink@2.2.1", "hexo-generator-feed@3.0.0", "hexo-renderer-marked@4.1.0"),
    "hexo6": ("hexo@6.2.0", "hexo-generator-feed@3.0.0", "hexo-renderer-marked@0.3.2"),
    "hexo8": ("hexo@8.1.2", "hexo-abbrlink@2.2.1", "hexo-generator-feed@3.0.0", "hexo-renderer-marked@7.0.1",
              "hexo-tag-embed@1.0.0"),
}
SITES: dict[str, tuple[str, str, str]] = {
    # name: (generator, corpus folder, npm set or jekyll layout)
    "hexo-news": ("hexo", "hexo-news", "hexo5"),
    "hexojs-site": ("hexo", "hexo-english/hexojs-site", "hexo8"),
    "vuejs-v2-blog": ("hexo", "hexo-english/vuejs-v2-blog", "hexo6"),
    "hexo-theme-unit-test": ("hexo", "hexo-english/hexo-theme-unit-test", "hexo8"),
    "jekyll-18f": ("jekyll", "jekyll-18f", ""),
    "jekyll-docs": ("jekyll", "jekyll-edgecases", "docs"),
    "jekyll-fixtures": ("jekyll", "jekyll-edgecases", "fixtures"),
    "hugo-coredns": ("hugo", "hugo-toml-coredns", ""),
    "hugo-ritchievink": ("hugo", "hugo-mixed-ritchievink", ""),
}
ENV = {**os.environ, "TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HUGO_ENABLEGITINFO": "false"}
HUGO_SHORTCODES = frozenset({"figure", "gist", "highlight", "instagram", "param", "ref", "relref", "tweet", "vimeo",
                             "youtube", "twitter", "twitter_simple", "vimeo_simple", "comment"})


class Unavailable(Exception):
    """The generator is not installed, or could not build the site here: its sites skip."""


def install() -> None:
    """Best effort, as root: Debian packages, then the npm sets into the cache."""
    apt, npm = shutil.which("apt-get"), shutil.which("npm")
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": False}
    missing = [p for p in APT_PACKAGES if subprocess.run(["dpkg", "-s", p], **quiet).returncode]  # type: ignore[call-overload]
    if not shutil.which("node") or not npm:
        missing += ["nodejs", "npm"]
    if missing and apt and is_root:
        print(f"+ installing {' '.join(missing)} for the generator test (best effort)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt, "update", "-qq"], env=env, **quiet)  # type: ignore[call-overload]
        subprocess.run([apt, "install", "-y", "-qq", "--no-install-recommends", *missing], env=env, **quiet)  # type: ignore[call-overload]
    npm = shutil.which("npm")
    if not npm:
        return
    for name, packages in NPM_SETS.items():
        prefix = CACHE / "npm" / name
        if all((prefix / "node_modules" / p.rsplit("@", 1)[0] / "package.json").exists() for p in packages):
            continue
        print(f"+ npm install {' '.join(packages)} into {prefix} (best effort)", flush=True)
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error",
                        *packages], env={**os.environ, "npm_config_cache": str(CACHE / "npm-cache")}, **quiet)  # type: ignore[call-overload]


def _run(command: list[str], cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"{command[0]}: {exc}") from None
    if done.returncode != 0:
        raise Unavailable(f"{' '.join(command[:2])} failed ({done.returncode}): {(done.stdout + done.stderr)[-1500:]}")
    return done.stdout


def available(generator: str, extra: str = "") -> str | None:
    """None when the generator can run here, else why not."""
    if generator == "hugo":
        return None if shutil.which("hugo") else "hugo is not installed"
    if generator == "jekyll":
        if not shutil.which("ruby"):
            return "ruby is not installed"
        probe = subprocess.run(["ruby", "-e", "require 'jekyll'; require 'jekyll-feed'"], capture_output=True,
                               check=False)
        return None if probe.returncode == 0 else "jekyll (with jekyll-feed) is not installed"
    if not shutil.which("node"):
        return "node is not installed"
    if not (CACHE / "npm" / extra / "node_modules" / "hexo" / "package.json").exists():
        return f"hexo ({extra}) is not installed in {CACHE / 'npm' / extra}"
    return None


def truth(name: str, work: Path) -> list[dict[str, str | None]]:
    """Every post the real generator publishes for corpus site ``name`` (built in ``work``)."""
    generator, _folder, extra = SITES[name]
    why = available(generator, extra)
    if why:
        raise Unavailable(why)
    site = work / name
    if site.exists():
        shutil.rmtree(site)
    arrange_site(name, site)
    build = {"hexo": _hexo, "jekyll": _jekyll, "hugo": _hugo}[generator]
    return build(site, extra)


def arrange_site(name: str, site: Path) -> None:
    """A copy of the corpus site root in ``site`` (jekyll-edgecases is two site roots, see its SOURCE.txt)."""
    _generator, folder, extra = SITES[name]
    source = CORPUS / folder
    if extra == "docs":
        shutil.copytree(source / "docs_posts", site / "_posts")
        config = (source / "_config.yml").read_text(encoding="utf-8")
        (site / "_config.yml").write_text(config, encoding="utf-8")
    elif extra == "fixtures":
        shutil.copytree(source / "test_source_posts", site / "_posts")
        (site / "_config.yml").write_text("url: https://example.org\n", encoding="utf-8")
    else:
        shutil.copytree(source, site, symlinks=True)


def _hexo(site: Path, npm_set: str) -> list[dict[str, str | None]]:
    (site / "node_modules").symlink_to(CACHE / "npm" / npm_set / "node_modules")
    (site / "scripts").mkdir(exist_ok=True)
    shutil.copy(HERE / "hexo_stub_tags.js", site / "scripts" / "zz_stub_tags.js")
    out = site.parent / f"{site.name}.truth.json"
    _run(["node", str(HERE / "hexo_truth.js"), str(site), str(out)])
    return list(json.loads(out.read_text(encoding="utf-8"))["posts"])


def _jekyll(site: Path, layout: str) -> list[dict[str, str | None]]:
    config = site / "_config.yml"
    lines = config.read_text(encoding="utf-8").splitlines()
    # jemoji is not packaged for Debian; it only renders emoji
    config.write_text("\n".join(line for line in lines if line.strip() != "- jemoji") + "\n", encoding="utf-8")
    (site / "_plugins").mkdir(exist_ok=True)
    shutil.copy(HERE / "jekyll_stubs.rb", site / "_plugins" / "zz_stubs.rb")
    out = site.parent / f"{site.name}.truth.json"
    _run(["ruby", str(HERE / "jekyll_truth.rb"), str(site), str(out)])
    return list(json.loads(out.read_text(encoding="utf-8"))["posts"])


def _hugo(site: Path, _: str) -> list[dict[str, str | None]]:
    config = next(n for n in ("hugo.toml", "config.toml", "hugo.yaml", "config.yaml", "config.json")
                  if (site / n).exists())
    for line in (site / config).read_text(encoding="utf-8").splitlines():
        key, _sep, value = line.partition("=")
        if key.strip() == "theme" and value.strip():  # themes are not in the corpus: an empty one lets Hugo start
            (site / "themes" / value.strip().strip("\"'")).mkdir(parents=True, exist_ok=True)
    shutil.copytree(HERE / "hugo" / "layouts", site / "layouts", dirs_exist_ok=True)
    shutil.copy(HERE / "hugo" / "harness.toml", site / "harness.toml")
    import re

    used: set[str] = set()
    for path in (site / "content").rglob("*"):
        if path.is_file() and path.suffix in (".md", ".markdown", ".html"):
            used |= set(re.findall(r"\{\{[<%]\s*/?\s*([A-Za-z0-9_-]+)", path.read_text(errors="replace")))
    for shortcode in sorted(used - HUGO_SHORTCODES):
        stub = site / "layouts" / "shortcodes" / f"{shortcode}.html"
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("{{ .Inner }}", encoding="utf-8")
    _run(["hugo", "--config", f"{config},harness.toml", "--quiet"], cwd=site)
    data = json.loads((site / "public" / "harness-truth.json").read_text(encoding="utf-8"))
    return [{"source": p["source"], "link": p["link"], "title": p["title"],
             "date": None if p["date_is_zero"] else p["date"]} for p in data["posts"] if p["kind"] == "page"]


def cache_key(name: str) -> str:
    """Changes when the site's files, these scripts or the generator versions change."""
    generator, folder, extra = SITES[name]
    digest = hashlib.sha256()
    for path in sorted((CORPUS / folder).rglob("*")):
        if path.is_file():
            info = path.stat()
            digest.update(f"{path}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    for path in sorted(HERE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.read_bytes())
    digest.update(f"{name}:{extra}:{_versions(generator, extra)}".encode())
    return digest.hexdigest()[:16]


def _versions(generator: str, extra: str) -> str:
    if generator == "hexo":
        package = CACHE / "npm" / extra / "package-lock.json"
        return package.read_text(encoding="utf-8") if package.exists() else ""
    command = ["hugo", "version"] if generator == "hugo" else ["ruby", "-e", "require 'jekyll'; print Jekyll::VERSION"]
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""


def cached_truth(name: str) -> list[dict[str, str | None]]:
    """:func:`truth`, remembered in ``.cache/generators/truth/`` until the site, scripts or versions change."""
    why = available(SITES[name][0], SITES[name][2])
    if why:
        raise Unavailable(why)
    path = CACHE / "truth" / f"{name}-{cache_key(name)}.json"
    if path.exists():
        return list(json.loads(path.read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory(prefix="feedkit-generators-") as work:
        posts = truth(name, Path(work))
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(f"{name}-*.json"):
        old.unlink()
    path.write_text(json.dumps(posts, ensure_ascii=False, indent=1), encoding="utf-8")
    return posts


if __name__ == "__main__":
    if "--install" in sys.argv or "--install-only" in sys.argv:
        install()
    if "--install-only" in sys.argv:
        sys.exit(0)
    for site_name in SITES:
        try:
            print(site_name, len(cached_truth(site_name)), "posts", flush=True)
        except Unavailable as exc:
            print(site_name, "skipped:", exc, flush=True)
