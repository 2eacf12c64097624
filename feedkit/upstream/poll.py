"""Poll the configured upstream feeds and return what every channel should hold from them.

For each feed: decide whether it is due (its interval, backoff and ``Retry-After`` live in
the store), fetch it (conditional GET; a 304 costs no parsing) or read its local file,
parse it, filter it, remember its entries in the store, and hand back the *retained*
entries — so an upstream that is down, slow or broken keeps its earlier entries in the
output, within ``keep_days`` / ``keep_count``.  Every outcome is one line of health in the
report.  ``feedkit check`` (a dry run) fetches and parses without touching the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from feedkit.config.types import Config, FetchConfig, UpstreamSourceConfig
from feedkit.errors import InputError
from feedkit.model import Entry, Problem, Severity
from feedkit.net.fetch import fetch_all, read_local
from feedkit.net.result import FetchResult, Validators
from feedkit.report import BuildReport, Progress, SourceHealth, no_progress
from feedkit.store import SourceState, StoreBackend, daemon_id, health_from_state, open_store
from feedkit.upstream.filters import apply_filters
from feedkit.upstream.parse import ParsedFeed, parse_feed
from feedkit.workers import Workers


def collect(config: Config, *, now: datetime, report: BuildReport, refresh: bool = False,
            progress: Progress = no_progress, workers: Workers | None = None) -> list[Entry]:
    """Entries of every configured feed, polling those that are due (with ``refresh``: all of them,
    retired ones and those waiting out a backoff or ``Retry-After`` included).  Fetched documents
    are parsed on ``workers`` (the build's worker processes; default: this call's own)."""
    if not config.feeds:
        return []
    if report.dry_run:
        return list(_check(config, now=now, report=report))
    if config.store_url is None:
        config.store_path.parent.mkdir(parents=True, exist_ok=True)
    with open_store(config.store_location) as store, \
            nullcontext(workers) if workers is not None else Workers(config.workers) as pool:
        entries = list(_poll(config, store, now=now, report=report, refresh=refresh, progress=progress,
                             workers=pool))
        report.problems.extend(pool.notes)
        pool.notes.clear()
        return entries


CLAIM_BATCH = 100
"""Upstreams a daemon on a shared store leases, fetches and records at a time.  Daemons whose builds
overlap take turns batch by batch, so each polls a share of what is due (one lease of everything due
let the first daemon poll it all, alone), and no lease is held for longer than one batch takes."""


def _poll(config: Config, store: StoreBackend, *, now: datetime, report: BuildReport, refresh: bool,
          progress: Progress, workers: Workers) -> Iterator[Entry]:
    states = {feed.name: store.state(feed.name, feed.url) for feed in config.feeds}
    due = [feed for feed in config.feeds if refresh or _due(store, feed, states[feed.name], now, config.fetch)]
    # A store shared by several daemons: poll only the upstreams leased to this one, and check again
    # that they are due (another daemon may have polled one since the states above were read).
    owner = f"{daemon_id()}:{uuid.uuid4().hex[:8]}"  # this poll (several may run in one process: threads)
    batch = CLAIM_BATCH if config.store_url is not None else max(len(due), 1)  # SQLite: one daemon, one batch
    outcomes: dict[str, str] = {}
    for start in range(0, len(due), batch):
        claimed = set(store.claim_sources([feed.name for feed in due[start:start + batch]], owner=owner,
                                          seconds=config.store_lease_seconds))
        try:
            _poll_claimed(config, store, states, due[start:start + batch], claimed, outcomes, now=now, report=report,
                          refresh=refresh, progress=_offset(progress, start, len(due)), workers=workers)
        finally:
            store.release_sources(sorted(claimed), owner=owner)
    for feed in config.feeds:
        store.prune(feed.name, now=now, keep_days=feed.keep_days, keep_count=feed.keep_count)
        kept = store.entries(feed.name, now=now, keep_days=feed.keep_days, keep_count=feed.keep_count)
        report.sources.append(_health(store.state(feed.name, feed.url), outcomes.get(feed.name, "not due"), len(kept)))
        yield from kept


def _poll_claimed(config: Config, store: StoreBackend, states: dict[str, SourceState],
                  due: Sequence[UpstreamSourceConfig], claimed: set[str], outcomes: dict[str, str], *,
                  now: datetime, report: BuildReport, refresh: bool, progress: Progress, workers: Workers) -> None:
    """Fetch the ``due`` upstreams leased to this poll; record each in the store and its outcome in ``outcomes``."""
    due = [feed for feed in due if feed.name in claimed]
    if due and store.leases():  # a shared store: re-read what another daemon may have changed
        states.update({feed.name: store.state(feed.name, feed.url) for feed in due})
        due = [feed for feed in due if refresh or _due(store, feed, states[feed.name], now, config.fetch)]
    fetched = _fetch(config, due, states, now, progress)
    parsed = _parse_all(due, fetched, now, workers)
    for feed in due:
        result, outcomes[feed.name] = _ingest(store, feed, fetched[feed.name], now=now, report=report,
                                              parsed=parsed.get(feed.name))
        states[feed.name] = store.record_fetch(
            feed.name, result, now=now, interval=feed.interval, max_backoff=config.fetch.max_backoff
        )
        _report_fetch(feed, result, states[feed.name], report)


def _offset(progress: Progress, start: int, total: int) -> Progress:
    """``progress`` told about a batch that starts at ``start`` of ``total``."""
    return lambda stage, done, _total: progress(stage, start + done, total)


MAX_RETRY_AFTER = 7 * 24 * 3600
"""Longest ``Retry-After`` that a planned next attempt is taken to stand for (a week)."""


def plausible_wait(feed: UpstreamSourceConfig, fetch: FetchConfig) -> float:
    """The longest wait (seconds) the store can plan for ``feed``: its interval, its backoff or a ``Retry-After``.

    A ``next_attempt`` further from now than this was planned by a clock that has since been set back.
    """
    return float(max(feed.interval, fetch.max_backoff, MAX_RETRY_AFTER))


def _due(store: StoreBackend, feed: UpstreamSourceConfig, state: SourceState, now: datetime,
         fetch: FetchConfig | None = None) -> bool:
    """Local files always; a feed whose next attempt has come; one whose configured interval
    is now shorter than what was planned (the config changed since the last poll); or one whose
    planned attempt or last attempt lies impossibly far ahead (the clock was set back)."""
    if feed.is_local or store.due(feed.name, now):
        return True
    if state.retired:
        return False
    limit = timedelta(seconds=plausible_wait(feed, fetch or FetchConfig()))
    if state.next_attempt is not None and state.next_attempt - now > limit:
        return True
    if state.last_attempt is not None and state.last_attempt - now > timedelta(seconds=feed.interval):
        return True
    if state.retired or state.failures or state.last_attempt is None:
        return False
    return state.last_attempt + timedelta(seconds=feed.interval) <= now


def _fetch(
    config: Config, due: Sequence[UpstreamSourceConfig], states: dict[str, SourceState], now: datetime,
    progress: Progress = no_progress,
) -> dict[str, FetchResult]:
    remote = [feed for feed in due if not feed.is_local]
    requests = [
        (states[f.name].fetch_url, Validators(states[f.name].etag, states[f.name].last_modified)) for f in remote
    ]
    fetched = fetch_all(requests, config=config.fetch, now=now, on_done=lambda n: progress("feeds", n, len(remote)))
    results = dict(zip((f.name for f in remote), fetched, strict=True))
    for feed in due:
        if feed.is_local:
            results[feed.name] = read_local(Path(feed.url), max_bytes=config.fetch.max_bytes)
    return results


ParseJob = tuple[bytes, str, dict[str, str], UpstreamSourceConfig, datetime]
"""(body, URL, response headers, the feed's settings, now): one fetched document to parse."""


def parse_job(job: ParseJob) -> ParsedFeed | str | None:
    """A worker's parse of one document: the feed; the reason it is not one; or None when some of its
    entries need the store's first-seen times (the document is then parsed again beside the store)."""
    body, url, headers, source, now = job
    asked = False

    def first_seen(_entry_id: str) -> None:
        nonlocal asked
        asked = True

    try:
        parsed = parse_feed(body, url=url, headers=headers, source=source, now=now, first_seen=first_seen)
    except InputError as exc:
        return exc.reason
    return None if asked else parsed


PARALLEL_MIN_BYTES = 1 << 20
"""Fetched documents of fewer bytes than this in all are parsed in this process."""


def _parse_all(due: Sequence[UpstreamSourceConfig], results: Mapping[str, FetchResult], now: datetime,
               workers: Workers) -> dict[str, ParsedFeed | str | None]:
    """Every fetched document parsed (on the worker processes when there is enough to parse)."""
    jobs: list[ParseJob] = []
    names: list[str] = []
    for feed in due:
        result = results.get(feed.name)
        if result is not None and result.outcome == "ok" and result.body is not None:
            jobs.append((result.body, result.final_url, dict(result.headers), feed, now))
            names.append(feed.name)
    if sum(len(job[0]) for job in jobs) < PARALLEL_MIN_BYTES:
        return {}
    return dict(zip(names, workers.map(parse_job, jobs, label="documents", heavy=True), strict=True))


def _ingest(
    store: StoreBackend, feed: UpstreamSourceConfig, result: FetchResult, *, now: datetime, report: BuildReport,
    parsed: ParsedFeed | str | None = None,
) -> tuple[FetchResult, str]:
    """Parse (unless a worker did: ``parsed``) and remember a fetched body; a body that is not a feed turns
    the result into an error."""
    if result.outcome == "not_modified":
        return result, "not modified"
    if result.outcome != "ok" or result.body is None:
        return result, {"gone": "gone", "throttled": "throttled"}.get(result.outcome, "failed")
    try:
        if isinstance(parsed, str):
            raise InputError(result.final_url, parsed)
        if parsed is None:
            parsed = parse_feed(
                result.body, url=result.final_url, headers=result.headers, source=feed, now=now,
                first_seen=lambda entry_id: store.first_seen(feed.name, entry_id),
            )
    except InputError as exc:
        failed = FetchResult(
            url=result.url, outcome="error", status=result.status, body=None, headers=result.headers,
            validators=Validators(), final_url=result.final_url, moved_to=result.moved_to, retry_after=None,
            error=str(exc), elapsed=result.elapsed,
        )
        return failed, "failed"
    report.problems.extend(parsed.problems)
    entries, _filtered = apply_filters(parsed.entries, feed)
    store.save_entries(feed.name, entries, now=now)
    return result, "read" if feed.is_local else "fetched"


def _report_fetch(feed: UpstreamSourceConfig, result: FetchResult, state: SourceState, report: BuildReport) -> None:
    origin = feed.url
    if result.outcome == "error":
        report.problems.append(Problem(origin, _reason(result.error, origin) + _kept(state)))
    elif result.outcome == "gone":
        report.problems.append(Problem(
            origin, "410 Gone: the feed is retired and not polled again" + _kept(state), Severity.WARNING))
    elif result.outcome == "throttled":
        when = state.next_attempt.isoformat() if state.next_attempt else "later"
        report.problems.append(Problem(
            origin, f"asked to wait (HTTP {result.status}); next attempt {when}" + _kept(state), Severity.WARNING))
    if result.moved_to and result.outcome in ("ok", "not_modified"):
        report.problems.append(Problem(
            origin, f"moved permanently to {result.moved_to}; polling that URL from now on (entry ids unchanged)",
            Severity.WARNING))


def _reason(error: str | None, origin: str) -> str:
    text = error or "failed"
    return text[len(origin) + 2:] if text.startswith(origin + ": ") else text


def _kept(state: SourceState) -> str:
    return f"; its {state.entries} stored entries stay published" if state.entries else ""


def _health(state: SourceState, outcome: str, published: int) -> SourceHealth:
    return replace(health_from_state(state, outcome), entries=published)


def _check(config: Config, *, now: datetime, report: BuildReport) -> Iterator[Entry]:
    """A dry run: fetch (unconditionally) and parse every feed; remember nothing."""
    remote = [feed for feed in config.feeds if not feed.is_local]
    fetched = fetch_all([(f.url, Validators()) for f in remote], config=config.fetch, now=now)
    results = dict(zip((f.name for f in remote), fetched, strict=True))
    for feed in config.feeds:
        result = results.get(feed.name) or read_local(Path(feed.url), max_bytes=config.fetch.max_bytes)
        entries: list[Entry] = []
        error: str | None = None
        if result.outcome != "ok" or result.body is None:
            error = _reason(result.error, feed.url) or result.outcome
        else:
            try:
                parsed = parse_feed(result.body, url=result.final_url, headers=result.headers, source=feed, now=now)
            except InputError as exc:
                error = exc.reason
            else:
                report.problems.extend(parsed.problems)
                entries = apply_filters(parsed.entries, feed)[0]
        if error is not None:
            report.problems.append(Problem(feed.url, error))
        report.sources.append(SourceHealth(
            name=feed.name, url=feed.url, status="failing" if error else "ok", outcome="checked",
            last_success=None if error else now, last_error=error, failures=1 if error else 0,
            entries=len(entries), next_attempt=None,
        ))
        yield from entries
