"""Docs move with code: every CLI option, public name and config key is documented."""

from __future__ import annotations

import dataclasses

import click

import feedkit
from feedkit.cli import main
from feedkit.config import types as config_module

from .conftest import REPO


def test_every_cli_command_and_option_is_documented() -> None:
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        assert f"feedkit {name}" in text, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert any(opt in text for opt in param.opts), (name, param.opts)


def test_every_public_name_is_documented() -> None:
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    for name in feedkit.__all__:
        assert name in text, name
    assert list(feedkit.__all__) == sorted(feedkit.__all__)


def test_every_config_key_is_documented() -> None:
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    for cls in (config_module.SiteConfig, config_module.ChannelsConfig, config_module.ArticleSourceConfig,
                config_module.ChannelConfig, config_module.UpstreamSourceConfig, config_module.FetchConfig,
                config_module.OutputConfig):
        for field in dataclasses.fields(cls):
            if field.name in ("base_url_set", "is_local", "explicit", "site"):  # set by feedkit, not keys
                continue
            assert f"`{field.name}`" in text, (cls.__name__, field.name)
