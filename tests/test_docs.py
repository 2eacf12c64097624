"""Docs move with code: every CLI option, public name and config key is documented, and the site builds.

The docs site (mkdocs.yml) is built here, offline and with warnings as errors, so a broken
link, a page left out of the navigation or a docstring mkdocstrings cannot read fails the
test command.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

import feedkit
from feedkit.cli import main
from feedkit.config import types as config_module

from .conftest import REPO


def _commands(group: click.Group, prefix: str = "feedkit") -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")


def test_every_cli_command_and_option_is_documented() -> None:
    """Each command, option (both spellings of a flag pair) and argument is explained in docs/cli.md's prose."""
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    prose = text.split("<!-- cli-help -->")[0]
    assert isinstance(main, click.Group)
    for option in main.params:
        if isinstance(option, click.Option):
            assert any(opt in prose for opt in option.opts), ("feedkit", option.opts)
    for name, command in _commands(main):
        assert name in prose, name
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert any(opt in prose for opt in param.opts), (name, param.opts)
                for opt in param.secondary_opts:
                    assert opt in prose, (name, opt)
            elif isinstance(param, click.Argument):
                assert (param.human_readable_name or "").upper() in prose, (name, param.name)


def test_every_public_name_is_documented() -> None:
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    for name in feedkit.__all__:
        assert name in text, name
    assert list(feedkit.__all__) == sorted(feedkit.__all__)


def test_every_config_key_is_documented() -> None:
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for cls in (config_module.SiteConfig, config_module.ChannelsConfig, config_module.ArticleSourceConfig,
                config_module.ChannelConfig, config_module.UpstreamSourceConfig, config_module.FetchConfig,
                config_module.TransformConfig, config_module.OutputConfig):
        for field in dataclasses.fields(cls):
            if field.name in ("base_url_set", "is_local", "explicit", "site"):  # set by feedkit, not keys
                continue
            assert f"`{field.name}`" in text, (cls.__name__, field.name)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs site built by mkdocs --strict (as ``python3 dev.py docs`` does)."""
    pytest.importorskip("mkdocs", reason="the docs tools are the 'docs' extra (installed by dev.py)")
    pytest.importorskip("mkdocstrings")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_the_docs_site_builds_with_warnings_as_errors(site: Path) -> None:
    for page in ("index.html", "quickstart.html", "tutorial.html", "troubleshooting.html", "security.html",
                 "changelog.html", "transforms.html", "reference/python.html"):
        assert (site / page).is_file(), page


def test_the_docs_site_fetches_nothing_from_the_network(site: Path) -> None:
    """No fonts, scripts or styles from elsewhere: the site works offline and from a folder."""
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r"<(?:script|link|img)\b[^>]*(?:src|href)=\"(?:https?:)?//[^\"]*\"", html)
        assert [r for r in remote if "rel=\"canonical\"" not in r] == [], page


def test_every_public_name_is_in_the_generated_api_reference(site: Path) -> None:
    html = (site / "reference" / "python.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="(feedkit\.[\w.]+)"', html))
    for name in feedkit.__all__:
        assert f"feedkit.{name}" in anchors or any(a.endswith(f".{name}") for a in anchors), name


def test_every_cli_command_is_in_the_generated_help(site: Path) -> None:
    html = (site / "cli.html").read_text(encoding="utf-8")
    assert isinstance(main, click.Group)
    for name, command in _commands(main):
        assert f"<code>{name}</code>" in html, name
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.opts[-1] in html, (name, param.opts)


def test_every_top_level_key_is_documented() -> None:
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for name in ("out", "workers", "store", "allow_code", "transforms"):
        assert f"`{name}`" in text or f"[[{name}]]" in text, name
