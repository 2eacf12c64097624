"""Which generator a folder is the site root of: Hexo, Jekyll, Hugo, Zola, or none (a plain folder).

=========  ====================================================================================
Hexo       ``_config.yml`` (or ``.yaml``) and a ``_posts`` folder under its ``source_dir``
           (``source`` by default), or a ``package.json`` that depends on ``hexo``
Jekyll     ``_config.yml`` (or ``.yaml``/``.toml``) and a ``_posts`` folder beside it (or no
           Hexo sign)
Hugo       ``hugo.toml|yaml|json``, or ``config.toml|yaml|json`` without Zola's ``base_url``,
           and a ``content`` folder
Zola       ``config.toml`` with ``base_url`` (Zola's spelling; Hugo's is ``baseURL``) and a
           ``content`` folder
=========  ====================================================================================

Only names, ``package.json`` and (to tell Hugo from Zola) the top-level keys of ``config.toml`` are
looked at.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json", "config.toml", "config.yaml", "config.yml",
                "config.json")
SITE_CONFIGS = ("_config.yml", "_config.yaml", "_config.toml")


def detect(root: Path) -> tuple[str, Path | None] | None:
    """(generator, config file) for a site root, else None."""
    if not root.is_dir():
        return None
    site_config = next((root / name for name in SITE_CONFIGS if (root / name).is_file()), None)
    if site_config is not None:
        return (_hexo_or_jekyll(root, site_config), site_config)
    if (root / "content").is_dir():
        for name in HUGO_CONFIGS:
            path = root / name
            if path.is_file():
                return ("zola" if name == "config.toml" and _is_zola(path) else "hugo", path)
    return None


def config_file(root: Path, generator: str) -> Path | None:
    """The config file a forced ``generator`` reads in ``root`` (None: its defaults)."""
    names = {"hexo": SITE_CONFIGS, "jekyll": SITE_CONFIGS, "hugo": HUGO_CONFIGS, "zola": ("config.toml",)}
    return next((root / name for name in names.get(generator, ()) if (root / name).is_file()), None)


def _hexo_or_jekyll(root: Path, site_config: Path) -> str:
    if site_config.suffix != ".toml" and (_depends_on_hexo(root / "package.json") or (root / "source/_posts").is_dir()):
        return "hexo"
    if (root / "_posts").is_dir():
        return "jekyll"
    if site_config.suffix != ".toml" and any((child / "_posts").is_dir() for child in _folders(root)):
        return "hexo"  # a custom source_dir (vuejs.org: src/_posts)
    return "jekyll"


def _folders(root: Path) -> list[Path]:
    try:
        return [child for child in root.iterdir() if child.is_dir() and not child.name.startswith(".")]
    except OSError:
        return []


def _depends_on_hexo(package_json: Path) -> bool:
    try:
        data = json.loads(package_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    if "hexo" in data:
        return True
    return any(isinstance(deps, dict) and "hexo" in deps for deps in (data.get("dependencies"),
                                                                         data.get("devDependencies")))


def _is_zola(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return "base_url" in data and not any(key.lower() == "baseurl" for key in data)
