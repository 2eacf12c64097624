"""The ``feedkit`` command: a thin layer over the library."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from . import __version__
from .build import build
from .config import (
    ArticleSourceConfig,
    Config,
    check_base_url,
    check_timezone,
    load_config,
)
from .errors import ConfigError, FeedkitError
from .html import check_selectors
from .report import BuildReport

EXIT_OK = 0
EXIT_SKIPPED = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedkit")
def main() -> None:
    """Turn front-matter articles into clean per-category RSS, Atom and JSON feeds."""


def _build_options(func: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("-c", "--config", "config_path", type=click.Path(path_type=Path),
                     help="feedkit.toml to read (relative paths in it are relative to its folder)."),
        click.option("-o", "--out", type=click.Path(path_type=Path),
                     help="Output folder (overrides 'out' in the config)."),
        click.option("--title", help="Site title: the all channel's title and the start of every channel title."),
        click.option("--base-url", help="Public URL of the output folder, e.g. https://news.example.org/."),
        click.option("--timezone", help="IANA timezone for naive dates of PATHS and the site, e.g. Asia/Shanghai."),
        click.option("--drop-selector", "drop_selectors", multiple=True,
                     help="CSS selector of boilerplate to remove from bodies of PATHS (repeatable)."),
        click.option("--keep-boilerplate", is_flag=True,
                     help="Do not remove QR-code, share, ad and editor blocks from bodies of PATHS."),
        click.option("--tags/--no-tags", default=None, help="Also publish one channel per tag."),
        click.option("--strict", is_flag=True, help="Exit with status 1 when any input was skipped."),
        click.option("-q", "--quiet", is_flag=True, help="Print skipped inputs and the summary, no warnings."),
        click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command("build")
@_build_options
def build_command(**kwargs: object) -> None:
    """Build every channel from PATHS (article folders or files) and/or --config."""
    _run(dry_run=False, **kwargs)


@main.command("check")
@_build_options
def check_command(**kwargs: object) -> None:
    """Read and render everything like build, report problems, write nothing."""
    _run(dry_run=True, **kwargs)


def _run(*, dry_run: bool, **kwargs: object) -> None:
    strict = bool(kwargs.pop("strict"))
    quiet = bool(kwargs.pop("quiet"))
    as_json = bool(kwargs.pop("as_json"))
    try:
        config = config_from_options(require_out=not dry_run, **kwargs)  # type: ignore[arg-type]
        report = build(config, dry_run=dry_run)
    except ConfigError as exc:
        click.echo(f"feedkit: config error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except FeedkitError as exc:
        click.echo(f"feedkit: {exc}", err=True)
        sys.exit(EXIT_OUTPUT)
    _print_report(report, quiet=quiet, as_json=as_json)
    sys.exit(EXIT_SKIPPED if strict and not report.ok else EXIT_OK)


def _print_report(report: BuildReport, *, quiet: bool, as_json: bool) -> None:
    for problem in report.skipped:
        click.echo(f"skipped: {problem}", err=True)
    if not quiet:
        for problem in report.warnings:
            click.echo(f"warning: {problem}", err=True)
    if as_json:
        click.echo(report.to_json())
    click.echo(report.summary(), err=as_json)


def config_from_options(
    *,
    paths: tuple[Path, ...],
    config_path: Path | None,
    out: Path | None,
    base_url: str | None,
    timezone: str | None,
    title: str | None = None,
    drop_selectors: tuple[str, ...],
    keep_boilerplate: bool = False,
    tags: bool | None = None,
    require_out: bool = True,
) -> Config:
    """The CLI's arguments as a :class:`Config` (with or without a config file)."""
    if base_url is not None:
        base_url = check_base_url("--base-url", base_url)
    if timezone is not None:
        check_timezone("--timezone", timezone)
    check_selectors(drop_selectors, "--drop-selector")
    if config_path is not None:
        config = load_config(config_path, out_override=out)
    else:
        if not paths:
            raise ConfigError("PATHS", "name at least one article folder or file, or pass --config FILE")
        if out is None and require_out:
            raise ConfigError("--out", "name the output folder")
        config = Config(out=out or Path("feedkit-check-out"))
    site = config.site
    if base_url is not None:
        site = replace(site, base_url=base_url, base_url_set=True)
    if title is not None:
        site = replace(site, title=title)
    if timezone is not None and config_path is None:
        site = replace(site, timezone=timezone)
    channels = config.channels if tags is None else replace(config.channels, tags=tags)
    source_timezone = site.timezone if timezone is None else timezone
    sources = tuple(
        replace(_cli_source(path, i, paths), timezone=source_timezone, drop_selectors=drop_selectors,
                drop_boilerplate=not keep_boilerplate, language=site.language)
        for i, path in enumerate(paths)
    )
    taken = {s.name for s in config.articles}
    for source in sources:
        if source.name in taken:
            raise ConfigError(str(source.paths[0]), f"another article source is already named {source.name!r}")
        taken.add(source.name)
    return replace(config, site=site, channels=channels, articles=config.articles + sources)


def _cli_source(path: Path, index: int, paths: tuple[Path, ...]) -> ArticleSourceConfig:
    """An article source for a path named on the command line; its name (part of entry ids) is the folder name."""
    name = path.resolve().name if path.is_dir() else path.resolve().parent.name
    names = [p.resolve().name if p.is_dir() else p.resolve().parent.name for p in paths]
    if names.count(name) > 1:
        name = f"{name}-{index + 1}"
    return ArticleSourceConfig(paths=(path,), name=name or "articles")
