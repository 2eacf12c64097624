"""The ``feedkit`` command: a thin layer over the library."""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from feedkit._version import __version__
from feedkit.config.load import (
    STORE_URL_VARIABLE,
    check_output_folder,
    check_store_outside_output,
    choose_output,
    load_config,
    unique_feed_name,
    upstream_location,
)
from feedkit.config.types import (
    GENERATORS,
    INHERITED_SITE_KEYS,
    ArticleSourceConfig,
    Config,
    OutputConfig,
    UpstreamSourceConfig,
    check_base_url,
    check_bucket_url,
    check_timezone,
    inherited_timezone,
    is_bucket_url,
)
from feedkit.daemon.eventlog import LOG_FORMATS, EventLog
from feedkit.daemon.lease import running_daemons
from feedkit.daemon.lock import hold, read_pid_file, running_pid
from feedkit.daemon.serve import IDLE_TIMEOUT, MAX_CONNECTIONS, THREADS, parse_bind
from feedkit.errors import ConfigError, FeedkitError, StoreError
from feedkit.pipeline.build import build
from feedkit.report import BuildReport
from feedkit.selectors import check_selectors
from feedkit.store import Lease, check_store, health_from_state, is_store_url, move_aside, open_store, redact

EXIT_OK = 0
EXIT_SKIPPED = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
CHECK_OUT = Path("feedkit-check-out")
"""Stands in for --out in ``feedkit check`` (nothing is written there)."""

F = TypeVar("F", bound=Callable[..., Any])


class _Seconds(click.FloatRange):
    """A number of seconds: at least ``min``, and finite (``nan`` and ``inf`` are usage errors)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number of seconds.", param, ctx)
        return number


def _seconds(minimum: float) -> _Seconds:
    return _Seconds(min=minimum)


def _output_value(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | str | None:
    """``--out``: a folder (a :class:`Path`), or an ``s3://bucket/prefix`` URL kept as a string."""
    if value is None or not is_bucket_url(value):
        return None if value is None else Path(value)
    try:
        return check_bucket_url("--out", value)
    except ConfigError as exc:
        raise click.BadParameter(exc.reason, ctx, param) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedkit")
def main() -> None:
    """Turn front-matter articles and upstream feeds into clean per-category RSS, Atom and JSON feeds."""


@dataclass(frozen=True, slots=True)
class InputOptions:
    """What the command line says about inputs and output, config file or not."""

    paths: tuple[Path, ...] = ()
    config_path: Path | None = None
    out: Path | str | None = None
    """A folder, or an ``s3://`` URL."""
    title: str | None = None
    base_url: str | None = None
    timezone: str | None = None
    drop_selectors: tuple[str, ...] = ()
    keep_boilerplate: bool = False
    tags: bool | None = None
    generator: str | None = None
    publish_hidden: bool = False
    feeds: tuple[str, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    store: Path | None = None
    allow_code: bool = False
    allow_shrink: bool = False


def input_options(func: F) -> F:
    """The options shared by ``build``, ``check`` (and ``run``)."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("-c", "--config", "config_path", type=click.Path(path_type=Path),
                     help="feedkit.toml to read (relative paths in it are relative to its folder)."),
        click.option("-o", "--out", callback=_output_value, metavar="FOLDER|s3://BUCKET/PREFIX",
                     help="Output folder, or s3://BUCKET/PREFIX to publish to a bucket (overrides 'out' and "
                          "[output] url in the config)."),
        click.option("--feed", "feeds", multiple=True, metavar="URL_OR_PATH",
                     help="An upstream RSS/Atom/JSON feed: http(s) URL or local file (repeatable)."),
        click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST[:PORT]",
                     help="Allow fetching from this host although it is private/loopback (repeatable)."),
        click.option("--store", type=click.Path(path_type=Path),
                     help="SQLite store file (default: OUT.feedkit.sqlite beside the output folder)."),
        click.option("--title", help="Site title: the all channel's title and the start of every channel title."),
        click.option("--base-url", help="Public URL of the output folder, e.g. https://news.example.org/."),
        click.option("--timezone", help="IANA timezone for naive dates of PATHS and --feed, e.g. Asia/Shanghai."),
        click.option("--drop-selector", "drop_selectors", multiple=True,
                     help="CSS selector of boilerplate to remove from bodies of PATHS and --feed (repeatable)."),
        click.option("--keep-boilerplate", is_flag=True,
                     help="Do not remove QR-code, share, ad and editor blocks from bodies of PATHS and --feed."),
        click.option("--tags/--no-tags", default=None, help="Also publish one channel per tag."),
        click.option("--generator", type=click.Choice(GENERATORS),
                     help="Read PATHS as this generator's site root (default auto: detect it; plain: a folder of "
                          "articles)."),
        click.option("--publish-hidden", is_flag=True,
                     help="Also publish the posts of PATHS that the generator hides (Hexo: names starting with _)."),
        click.option("--allow-code", is_flag=True,
                     help="Let [[transforms]] of type 'code' import the 'module:function' they name."),
        click.option("--allow-shrink", is_flag=True,
                     help="Build although more than half of an article source's files went away since the last build."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def report_options(func: F) -> F:
    options = [
        click.option("--strict", is_flag=True, help="Exit with status 1 when any input was skipped."),
        click.option("-q", "--quiet", is_flag=True, help="Print skipped inputs and the summary, no warnings."),
        click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command("build")
@input_options
@report_options
@click.option("--refresh", is_flag=True,
              help="Poll every feed now, whatever its interval, backoff, Retry-After or retirement says.")
@click.option("--full", is_flag=True,
              help="Ignore the parse cache and what the last build published: read and render everything.")
def build_command(strict: bool, quiet: bool, as_json: bool, refresh: bool, full: bool, **inputs: Any) -> None:
    """Build every channel from PATHS (article folders or files), --feed and/or --config."""
    _run_build(InputOptions(**inputs), dry_run=False, strict=strict, quiet=quiet, as_json=as_json, refresh=refresh,
               full=full)


@main.command("check")
@input_options
@report_options
def check_command(strict: bool, quiet: bool, as_json: bool, **inputs: Any) -> None:
    """Read, fetch and render everything like build; write nothing, remember nothing."""
    _run_build(InputOptions(**inputs), dry_run=True, strict=strict, quiet=quiet, as_json=as_json)


@main.command("init")
@click.argument("folders", nargs=-1, type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--feed", "feeds", multiple=True, metavar="URL_OR_PATH", help="An upstream feed to add (repeatable).")
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), default=Path("feedkit.toml"),
              show_default=True, help="The config file to write (relative paths in it are relative to its folder).")
@click.option("-o", "--out", type=click.Path(path_type=Path), help="The output folder to write into the config.")
@click.option("--force", is_flag=True, help="Overwrite the config file if it exists.")
def init_command(folders: tuple[Path, ...], feeds: tuple[str, ...], config_path: Path, out: Path | None,
                 force: bool) -> None:
    """Write a commented feedkit.toml for article FOLDERS (default: this folder) and --feed, saying what it found."""
    if config_path.exists() and not force:
        click.echo(f"feedkit: {config_path} exists: not overwritten (pass --force to replace it)", err=True)
        sys.exit(EXIT_USAGE)
    from feedkit.pipeline.scaffold import scaffold

    try:
        made = scaffold(list(folders or (() if feeds else (Path("."),))), list(feeds), config_path=config_path,
                        out=out)
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(made.text, encoding="utf-8")
    except FeedkitError as exc:
        _fail(exc)
    except OSError as exc:
        click.echo(f"feedkit: cannot write {config_path}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_OUTPUT)
    for line in made.findings:
        click.echo(f"found: {line}")
    click.echo(f"wrote {config_path}: check it, then run: feedkit build -c {config_path}")


@main.command("explain")
@click.argument("target", metavar="FILE_OR_URL")
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path),
              help="feedkit.toml whose settings apply (and whose other entries de-duplication compares with).")
@click.option("--timezone", help="IANA timezone for dates without a zone (without a config), e.g. Asia/Shanghai.")
@click.option("--base-url", help="Public URL of the output folder (links and permalinks).")
@click.option("--drop-selector", "drop_selectors", multiple=True, help="CSS selector of boilerplate (repeatable).")
@click.option("--keep-boilerplate", is_flag=True, help="Do not remove QR-code, share, ad and editor blocks.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="HOST[:PORT]",
              help="Allow fetching from this host although it is private/loopback (repeatable).")
@click.option("--allow-code", is_flag=True, help="Let [[transforms]] of type 'code' import what they name.")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
def explain_command(target: str, as_json: bool, **options: Any) -> None:
    """Show how one article file or upstream feed becomes entries: fields, date rule, id, cleaning,
    transforms, channels, de-duplication."""
    from feedkit.pipeline import explain as explaining

    inputs = InputOptions(**options)
    try:
        config = config_from_options(inputs, require_out=False) if inputs.config_path else None
        from_config = len(config.articles) + len(config.feeds) if config is not None else 0
        if config is None or not explaining.covers(config, target):
            url = explaining.is_url(target)
            config = config_from_options(replace(inputs, paths=() if url else (Path(target),),
                                                 feeds=(target,) if url else ()), require_out=False)
        if not explaining.is_url(target) and not Path(target).is_file():
            raise ConfigError("FILE_OR_URL", f"{target} is not a file (name one article file, or an http(s) URL)")
        explanation = explaining.explain(config, target, now=datetime.now(UTC), from_config=from_config)
    except FeedkitError as exc:
        _fail(exc)
    if as_json:
        click.echo(explanation.to_json())
    else:
        click.echo("\n".join(explanation.lines()))


def store_options(func: F) -> F:
    """The options that find the store: ``status`` and ``reload``."""
    options = [
        click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), help="feedkit.toml to read."),
        click.option("-o", "--out", callback=_output_value, metavar="FOLDER|s3://BUCKET/PREFIX",
                     help="Output folder or s3:// URL (finds the default store)."),
        click.option("--store", type=click.Path(path_type=Path), help="SQLite store file."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command("status")
@store_options
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
def status_command(config_path: Path | None, out: Path | str | None, store: Path | None, as_json: bool) -> None:
    """One line per upstream feed: OK/failing/retired, last success, last error, entries, next attempt."""
    try:
        location = _store_location(config_path, out, store)
        if not is_store_url(location) and not Path(location).is_file():
            raise ConfigError("--store", f"no store at {location}: run 'feedkit build' with feeds first")
        with open_store(location) as opened:
            states = opened.states()
            leases: list[Lease] = opened.leases()
        if config_path is not None:  # only the feeds that config still names
            names = {feed.name for feed in load_config(config_path, out_override=out).feeds}
            states = [state for state in states if state.name in names]
        health = [health_from_state(state) for state in states]
    except FeedkitError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps([h.to_dict() for h in health], ensure_ascii=False, indent=2))
    else:
        for item in health:
            click.echo(item.line())
        if not health:
            click.echo("no upstream feeds in the store")
        for lease in leases:  # a shared PostgreSQL store: which daemon holds what, and which are alive
            until = lease.expires.isoformat(timespec="seconds")
            if lease.kind == "daemon":
                click.echo(f"daemon {lease.owner}: alive (heartbeat lease until {until})")
            else:
                click.echo(f"lease {lease.kind} {lease.name}: held by {lease.owner} until {until}")


@main.command("run")
@input_options
@click.option("--serve", metavar="HOST:PORT",
              help="Serve the output folder over HTTP on this address, e.g. 127.0.0.1:8080 (':8080' is 127.0.0.1); "
                   "not with an s3:// output.")
@click.option("--rescan", type=_seconds(0.1), default=30.0, show_default=True, metavar="SECONDS",
              help="Seconds between looks at the article folders for changed files.")
@click.option("--debounce", type=_seconds(0.0), default=2.0, show_default=True, metavar="SECONDS",
              help="Quiet seconds after the last change before a build starts.")
@click.option("--log-format", type=click.Choice(LOG_FORMATS), default="text", show_default=True,
              help="Log lines on standard error as key=value text or JSON objects.")
@click.option("--pid-file", type=click.Path(path_type=Path), help="Write the daemon's pid to this file.")
@click.option("--stop-after", type=_seconds(0.1), metavar="SECONDS",
              help="Stop by itself after this many seconds (demos, smoke tests).")
@click.option("--serve-connections", type=click.IntRange(1, 65536), default=MAX_CONNECTIONS, show_default=True,
              metavar="N", help="Most connections --serve keeps open at once; more wait until one closes.")
@click.option("--serve-threads", type=click.IntRange(1, 256), default=THREADS, show_default=True, metavar="N",
              help="Threads that answer requests (slow clients never hold one).")
@click.option("--serve-timeout", type=_seconds(1.0), default=IDLE_TIMEOUT, show_default=True, metavar="SECONDS",
              help="Close a connection that sends or reads nothing for this long.")
@click.pass_context
def run_command(ctx: click.Context, /, serve: str | None, rescan: float, debounce: float, log_format: str,
                pid_file: Path | None, stop_after: float | None, serve_connections: int, serve_threads: int,
                serve_timeout: float, **inputs: Any) -> None:
    """Keep every channel current on a schedule (and serve them with --serve) until SIGTERM or Ctrl-C."""
    from feedkit.daemon import service as daemon
    from feedkit.daemon.schedule import utc_now

    options = InputOptions(**inputs)
    # a program that calls main(..., obj={"clock": f}) runs the daemon on its own clock (the soak test does)
    clock = ctx.obj.get("clock", utc_now) if isinstance(ctx.obj, dict) else utc_now
    try:
        settings = daemon.DaemonSettings(serve=parse_bind(serve) if serve is not None else None, rescan=rescan,
                                  debounce=debounce, pid_file=pid_file, stop_after=stop_after,
                                  serve_connections=serve_connections, serve_threads=serve_threads,
                                  serve_timeout=serve_timeout)
        status = daemon.run(lambda: config_from_options(options), settings, EventLog(log_format), clock=clock)
    except FeedkitError as exc:
        _fail(exc)
    sys.exit(status)


@main.command("reload")
@store_options
@click.option("--pid-file", type=click.Path(path_type=Path), help="The --pid-file of the daemon to reload.")
def reload_command(config_path: Path | None, out: Path | str | None, store: Path | None,
                   pid_file: Path | None) -> None:
    """Make the running daemon re-read its config (sends it SIGHUP); it logs what changed.

    With a shared PostgreSQL store: every daemon on this machine that runs on it."""
    elsewhere: list[str] = []
    try:
        if pid_file is not None:
            pids = [read_pid_file(pid_file)]
        else:
            location = _store_location(config_path, out, store)
            if is_store_url(location):
                pids, elsewhere = running_daemons(str(location))
                if not pids:
                    raise StoreError(redact(location), "no feedkit daemon on this machine runs on this store"
                                     + (f" (on other machines: {', '.join(elsewhere)}; reload them there)"
                                        if elsewhere else ""))
            else:
                pids = [running_pid(Path(location))]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGHUP)
            except ProcessLookupError:
                click.echo(f"feedkit: no process {pid}" + (f" (read from {pid_file})" if pid_file else "")
                           + ": is the daemon running?", err=True)
                sys.exit(EXIT_OUTPUT)
            except PermissionError:
                click.echo(f"feedkit: not allowed to signal pid {pid} (it runs as another user): run this as "
                           "that user or root, or 'systemctl reload' its unit", err=True)
                sys.exit(EXIT_OUTPUT)
    except FeedkitError as exc:
        _fail(exc)
    if len(pids) == 1:
        click.echo(f"asked the feedkit daemon (pid {pids[0]}) to reload its config; its log says what changed")
    else:
        click.echo(f"asked the feedkit daemons on this machine (pids {', '.join(map(str, pids))}) to reload their "
                   "config; their logs say what changed")
    if elsewhere:
        click.echo(f"daemons on other machines share this store ({', '.join(elsewhere)}): reload them there")


@main.group("store")
def store_group() -> None:
    """Check the store file, or move a damaged one aside and rebuild it from the sources."""


@store_group.command("check")
@store_options
def store_check_command(config_path: Path | None, out: Path | None, store: Path | None) -> None:
    """Check the store without changing it: header, schema version, PRAGMA integrity_check (exit 3 if damaged)."""
    try:
        path = _store_path(config_path, out, store)
    except FeedkitError as exc:
        _fail(exc)
    if not path.is_file():
        click.echo(f"feedkit: {path}: no store here (a build creates it)", err=True)
        sys.exit(EXIT_OUTPUT)
    problems, counts = check_store(path)
    for problem in problems:
        click.echo(f"damaged: {path}: {problem}", err=True)
    if problems:
        click.echo(f"feedkit: {path} cannot be used. 'feedkit store rebuild' (with the same inputs as build) moves "
                   "it aside and builds a new store from the sources", err=True)
        sys.exit(EXIT_OUTPUT)
    click.echo(f"{path}: ok (" + ", ".join(f"{table} {count}" for table, count in counts.items()) + ")")


@store_group.command("rebuild")
@input_options
@report_options
def store_rebuild_command(strict: bool, quiet: bool, as_json: bool, **inputs: Any) -> None:
    """Move the store aside (STORE.damaged-TIME) and build a new one from the sources, polling every feed now.

    Upstream entries that only lived in the store (ones their feeds no longer carry) are lost."""
    try:
        config = config_from_options(InputOptions(**inputs))
        with hold(config):
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            try:
                aside = move_aside(config.store_path, stamp)
            except OSError as exc:
                raise StoreError(config.store_path, f"cannot move it aside: {exc.strerror or exc}") from None
            with _Progress(quiet=quiet) as progress:
                report = build(config, refresh=True, full=True, progress=progress)
    except FeedkitError as exc:
        _fail(exc)
    if aside is not None:
        click.echo(f"store: moved {config.store_path} to {aside}; built a new store from the sources. Upstream "
                   "entries that only lived in the old store (their feeds no longer carry them) are gone from "
                   "the new one", err=True)
    _print_report(report, quiet=quiet, as_json=as_json)
    sys.exit(EXIT_SKIPPED if strict and not report.ok else EXIT_OK)


def _store_location(config_path: Path | None, out: Path | str | None, store: Path | None) -> str | Path:
    """The store ``status`` reads: ``--store``, else the config's, else ``FEEDKIT_STORE_URL``, else beside ``--out``."""
    if store is None and config_path is not None:
        return load_config(config_path, out_override=out).store_location
    if store is None and os.environ.get(STORE_URL_VARIABLE):
        return os.environ[STORE_URL_VARIABLE]
    return _store_path(config_path, out, store)


def _store_path(config_path: Path | None, out: Path | str | None, store: Path | None) -> Path:
    if store is not None:
        return store
    if config_path is not None:
        return load_config(config_path, out_override=out).store_path
    if out is not None:
        folder, output = choose_output(None, OutputConfig(), Path(), out)
        return Config(out=folder, output=output).store_path
    raise ConfigError("--store", "name the store with --store, --out or --config")


def _run_build(
    inputs: InputOptions, *, dry_run: bool, strict: bool, quiet: bool, as_json: bool, refresh: bool = False,
    full: bool = False,
) -> None:
    try:
        config = config_from_options(inputs, require_out=not dry_run)
        with _Progress(quiet=quiet) as progress, nullcontext() if dry_run else hold(config):
            report = build(config, dry_run=dry_run, refresh=refresh, full=full, progress=progress)
    except FeedkitError as exc:
        _fail(exc)
    _print_report(report, quiet=quiet, as_json=as_json)
    sys.exit(EXIT_SKIPPED if strict and not report.ok else EXIT_OK)


def _fail(exc: FeedkitError) -> None:
    if isinstance(exc, ConfigError):
        click.echo(f"feedkit: config error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"feedkit: {exc}", err=True)
    sys.exit(EXIT_OUTPUT)


class _Progress:
    """How far a build got, on standard error: progress bars on a terminal (only once a stage has
    run for :data:`PROGRESS_DELAY` seconds), else a line per stage at most every
    :data:`PROGRESS_INTERVAL` seconds; nothing with ``--quiet``."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.terminal = sys.stderr.isatty()
        self.bars: dict[str, Any] = {}
        """tqdm bars by stage (tqdm is imported when a first bar is shown)."""
        self.started = time.monotonic()
        self.last_line = 0.0

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        for bar in self.bars.values():
            bar.close()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet or total <= 0:
            return
        if self.terminal:
            bar = self.bars.get(stage)
            if bar is None:
                from tqdm import tqdm

                bar = self.bars[stage] = tqdm(total=total, desc=_STAGE_NAMES.get(stage, stage), unit="",
                                               delay=PROGRESS_DELAY, file=sys.stderr, leave=False,
                                               dynamic_ncols=True)
            bar.update(done - bar.n)
            return
        now = time.monotonic()
        if now - self.started >= PROGRESS_DELAY and (now - self.last_line >= PROGRESS_INTERVAL or done == total):
            self.last_line = now
            click.echo(f"progress: {_STAGE_NAMES.get(stage, stage)} {done}/{total}", err=True)


PROGRESS_DELAY = 2.0
"""Seconds a build runs before progress is shown."""
PROGRESS_INTERVAL = 5.0
"""Seconds between two progress lines when standard error is not a terminal."""
_STAGE_NAMES = {"articles": "articles read", "feeds": "feeds fetched", "documents": "feeds parsed",
                "bodies": "bodies made", "channels": "channels written"}


def _print_report(report: BuildReport, *, quiet: bool, as_json: bool) -> None:
    for line in report.sites:
        click.echo(f"site: {line}", err=True)
    for problem in report.skipped:
        click.echo(f"skipped: {problem}", err=True)
    if not quiet:
        for problem in report.warnings:
            click.echo(f"warning: {problem}", err=True)
        for problem in report.notes:
            click.echo(f"note: {problem}", err=True)
        for source in report.sources:
            click.echo(f"feed: {source.line()}", err=True)
    if as_json:
        click.echo(report.to_json())
    click.echo(report.summary(), err=as_json)


def config_from_options(inputs: InputOptions, *, require_out: bool = True) -> Config:
    """The command line as a :class:`Config`, with or without a config file."""
    base_url = check_base_url("--base-url", inputs.base_url) if inputs.base_url is not None else None
    if inputs.timezone is not None:
        check_timezone("--timezone", inputs.timezone)
    check_selectors(inputs.drop_selectors, "--drop-selector")
    if inputs.config_path is not None:
        config = load_config(inputs.config_path, out_override=inputs.out)
    else:
        if not inputs.paths and not inputs.feeds:
            raise ConfigError("PATHS", "name at least one article folder or file, a --feed, or a --config FILE")
        if inputs.out is None and require_out:
            raise ConfigError("--out", "name the output folder")
        if inputs.out is None:
            config = Config(out=CHECK_OUT)
        else:
            folder, output = choose_output(None, OutputConfig(), Path(), inputs.out)
            config = Config(out=folder, output=output)
    site = config.site
    if base_url is not None:
        site = replace(site, base_url=base_url, base_url_set=True)
    if inputs.title is not None:
        site = replace(site, title=inputs.title, explicit=site.explicit | {"title"})
    if inputs.timezone is not None and inputs.config_path is None:
        site = replace(site, timezone=inputs.timezone, explicit=site.explicit | {"timezone"})
    timezone = inherited_timezone("--timezone", inputs.timezone, site)
    explicit = site.explicit & INHERITED_SITE_KEYS | ({"timezone"} if inputs.timezone is not None else set())
    articles = tuple(
        replace(_cli_source(path, i, inputs.paths), timezone=timezone, drop_selectors=inputs.drop_selectors,
                drop_boilerplate=not inputs.keep_boilerplate, language=site.language,
                generator=inputs.generator or "auto", publish_hidden=inputs.publish_hidden,
                allow_shrink=inputs.allow_shrink, explicit=frozenset(explicit))
        for i, path in enumerate(inputs.paths)
    )
    taken = {s.name for s in config.articles} | {f.name for f in config.feeds}
    for name, origin in [(s.name, str(s.paths[0])) for s in articles]:
        if name in taken:
            raise ConfigError(origin, f"another source is already named {name!r}")
        taken.add(name)
    feeds = tuple(
        _cli_feed(value, i, timezone=timezone, inputs=inputs, taken=taken) for i, value in enumerate(inputs.feeds)
    )
    if inputs.allow_shrink:
        config = replace(config, articles=tuple(replace(s, allow_shrink=True) for s in config.articles))
    config = replace(
        config,
        site=site,
        channels=config.channels if inputs.tags is None else replace(config.channels, tags=inputs.tags),
        articles=config.articles + articles,
        feeds=config.feeds + feeds,
        fetch=replace(config.fetch, allow_hosts=config.fetch.allow_hosts + inputs.allow_hosts),
        store=inputs.store or config.store,
        allow_code=config.allow_code or inputs.allow_code,
    )
    if config.out != CHECK_OUT:
        check_output_folder(config, out_key="--out" if inputs.out is not None else "out", cli_sources=len(articles))
        try:
            check_store_outside_output(config)
        except ConfigError as exc:
            raise ConfigError("--store" if inputs.store else exc.key, exc.reason) from None
    return config


def _cli_source(path: Path, index: int, paths: tuple[Path, ...]) -> ArticleSourceConfig:
    """An article source for a path named on the command line; its name (part of entry ids) is the folder name."""
    name = path.resolve().name if path.is_dir() else path.resolve().parent.name
    names = [p.resolve().name if p.is_dir() else p.resolve().parent.name for p in paths]
    if names.count(name) > 1:
        name = f"{name}-{index + 1}"
    return ArticleSourceConfig(paths=(path,), name=name or "articles")


def _cli_feed(value: str, index: int, *, timezone: str, inputs: InputOptions, taken: set[str]) -> UpstreamSourceConfig:
    """An upstream for ``--feed``; its name (part of entry ids) comes from the URL or file name,
    made unique among the sources (:func:`~feedkit.config.load.unique_feed_name`)."""
    location, is_local = upstream_location(f"--feed[{index}]", value, Path.cwd())
    return UpstreamSourceConfig(
        url=location, name=unique_feed_name(value, taken), timezone=timezone, drop_selectors=inputs.drop_selectors,
        drop_boilerplate=not inputs.keep_boilerplate, is_local=is_local,
    )
