"""``feedkit explain FILE_OR_URL``: one article file or upstream feed through the same stages as a
build, saying at each why the entry looks the way it does.

An article: its front matter, the date and the rule that read it (and the timezone assumed), the
id and why, what the sanitizer and boilerplate removal took away, what each transform changed,
the channels it lands in, and whether it is skipped, dropped or merged by de-duplication.  A
feed: fetched through :func:`feedkit.net.fetch.fetch_all` (the build's fetch path, with its
network guard) or read from a local file named on the command line or in the config, then
every entry the same way (filters instead of the body's removals).

With a config, de-duplication is judged against every article of its sources and the upstream
entries its store remembers (nothing is fetched for that, nothing written); without one there is
nothing to compare with.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from feedkit.articles.trace import ArticleTrace, trace_article
from feedkit.channels.dedupe import collapse
from feedkit.channels.route import apply_aliases, route, unify_spellings
from feedkit.config.types import ArticleSourceConfig, Config, UpstreamSourceConfig
from feedkit.errors import InputError
from feedkit.model import Entry, Problem, Severity
from feedkit.net.fetch import fetch_all, read_local
from feedkit.net.result import Validators
from feedkit.pipeline import incremental
from feedkit.pipeline.build import LOCAL_PRIORITY, _configured_names, _routing_options, _source_hosts
from feedkit.report import BuildReport
from feedkit.store import Store
from feedkit.transforms import StepResult, apply_steps, compile_steps, trace_steps
from feedkit.upstream.filters import apply_filters
from feedkit.upstream.parse import parse_feed

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf", ".json", ".feed")


@dataclass(slots=True)
class EntryExplanation:
    id: str
    id_reason: str
    fields: dict[str, Any]
    date: dict[str, str]
    removed: list[str] = field(default_factory=list)
    transforms: list[dict[str, Any]] = field(default_factory=list)
    channels: list[dict[str, str]] = field(default_factory=list)
    outcome: str = "published"
    dedupe: str = ""


@dataclass(slots=True)
class Explanation:
    input: str
    kind: str
    """``article`` or ``feed``."""
    source: dict[str, str]
    read: dict[str, Any] = field(default_factory=dict)
    entries: list[EntryExplanation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    outcome: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, default=str)

    def lines(self) -> list[str]:
        out = [f"{self.kind} {self.input}", f"  source: {self.source['name']} ({self.source['why']}); "
               f"timezone {self.source['timezone']}"]
        out += [f"  read: {key}: {value}" for key, value in self.read.items()]
        out += [f"  problem: {problem}" for problem in self.problems]
        if self.outcome:
            out.append(f"  outcome: {self.outcome}")
        for entry in self.entries:
            out += ["", f"entry {entry.id}", f"  id: {entry.id_reason}"]
            out += [f"  {name}: {value}" for name, value in entry.fields.items()]
            out.append(f"  date: {entry.date['published']} — from {entry.date['from']}")
            out.append(f"    rule: {entry.date['rule']}")
            out.append(f"    timezone assumed for dates without a zone: {entry.date['timezone']}")
            if entry.removed:
                out.append("  taken away by cleaning:")
                out += [f"    - {line}" for line in entry.removed]
            out.append("  transforms:" + ("" if entry.transforms else " none"))
            for step in entry.transforms:
                detail = "; ".join(step["changes"]) or step["error"] or ""
                out.append(f"    - {step['step']}: {step['outcome']}" + (f": {detail}" if detail else ""))
            out.append(f"  channels ({len(entry.channels)}):" + ("" if entry.channels else " none"))
            out += [f"    - {c['title']} -> {c['folder']}/" for c in entry.channels]
            out.append(f"  de-duplication: {entry.dedupe}")
            out.append(f"  outcome: {entry.outcome}")
        return out


def is_url(target: str) -> bool:
    return urlsplit(target).scheme.lower() in ("http", "https")


def covers(config: Config, target: str) -> bool:
    """Does ``config`` name ``target`` itself (a feed) or a folder holding it (an article source)?"""
    return _feed_for(config, target) is not None or _article_source_for(config, target) is not None


def _feed_for(config: Config, target: str) -> UpstreamSourceConfig | None:
    wanted = target if is_url(target) else str(Path(target).resolve())
    return next((feed for feed in config.feeds if feed.url == wanted), None)


def _article_source_for(config: Config, target: str) -> tuple[int, ArticleSourceConfig, str] | None:
    if is_url(target):
        return None
    path = Path(target).resolve()
    for i, source in enumerate(config.articles):
        for root in source.paths:
            folder = root.resolve()
            if path == folder:
                return i, source, path.name
            if path.is_relative_to(folder):
                return i, source, path.relative_to(folder).as_posix()
    return None


def explain(config: Config, target: str, *, now: datetime, from_config: int = 0) -> Explanation:
    """How ``target`` becomes entries under ``config`` (the first ``from_config`` article sources
    and feeds came from a config file; the others from the command line)."""
    steps = compile_steps(config, now=now)
    feed = _feed_for(config, target)
    if feed is not None or (not is_url(target) and Path(target).suffix.lower() in FEED_SUFFIXES
                            and _article_source_for(config, target) is None):
        return _explain_feed(config, target, feed, now=now, steps=steps, from_config=from_config)
    found = _article_source_for(config, target)
    if found is None:
        raise InputError(target, "no article source of the config holds this file")
    index, source, rel_path = found
    why = f"articles[{index}] of the config" if index < from_config else "the path given on the command line"
    trace = trace_article(Path(target), rel_path, source, site_base_url=config.site.base_url)
    result = trace.result
    explanation = Explanation(str(Path(target)), "article", {"name": source.name, "why": why,
                                                            "timezone": source.timezone})
    explanation.read = {"front matter": trace.syntax, "keys": ", ".join(trace.keys) or "none", "body": trace.body,
                        "path in the source": rel_path}
    explanation.problems = [f"{p.severity.value}: {p.message}" for p in result.problems]
    if result.excluded:
        explanation.outcome = "excluded: a draft (draft: true or published: false) is not published"
        return explanation
    if result.entry is None:
        explanation.outcome = "skipped: " + "; ".join(p.message for p in result.problems
                                                       if p.severity is Severity.ERROR or not result.problems)
        return explanation
    others = _other_entries(config, exclude=result.entry, now=now) if from_config else None
    explanation.entries.append(_entry(config, result.entry, steps, others, trace=trace, zone=source.timezone))
    return explanation


def _explain_feed(config: Config, target: str, feed: UpstreamSourceConfig | None, *, now: datetime,
                  steps: list[Any], from_config: int) -> Explanation:
    if feed is None:
        raise InputError(target, "not a feed of the config")
    index = config.feeds.index(feed)
    why = f"feeds[{index}] of the config" if index < from_config else "given on the command line"
    explanation = Explanation(target, "feed", {"name": feed.name, "why": why, "timezone": feed.timezone})
    if feed.is_local:
        result = read_local(Path(feed.url), max_bytes=config.fetch.max_bytes)
    else:
        result = fetch_all([(feed.url, Validators())], config=config.fetch, now=now)[0]
    explanation.read = {"fetch": f"{result.outcome} (HTTP {result.status})" if result.status else result.outcome,
                        "final URL": result.final_url}
    if result.outcome != "ok" or result.body is None:
        explanation.outcome = f"nothing read: {result.error or result.outcome}"
        return explanation
    try:
        parsed = parse_feed(result.body, url=result.final_url, headers=result.headers, source=feed, now=now)
    except InputError as exc:
        explanation.outcome = f"not a feed: {exc.reason}"
        return explanation
    explanation.read |= {"format": parsed.format, "title": parsed.title, "entries": len(parsed.entries)}
    explanation.problems = [f"{p.severity.value}: {p.message}" for p in parsed.problems]
    kept, _filtered = apply_filters(parsed.entries, feed)
    kept_ids = {id(entry) for entry in kept}
    others = _other_entries(config, exclude=None, now=now, skip_feed=feed.name) if from_config else None
    for entry in parsed.entries:
        explained = _entry(config, entry, steps, others, trace=None, zone=feed.timezone)
        if id(entry) not in kept_ids:
            explained.outcome = "filtered out by the feed's keep_entries / drop_entries"
            explained.channels = []
        explanation.entries.append(explained)
    explanation.outcome = f"{len(kept)} of {len(parsed.entries)} entries pass the feed's filters"
    return explanation


def _entry(config: Config, entry: Entry, steps: list[Any], others: list[Entry] | None, *,
           trace: ArticleTrace | None, zone: str) -> EntryExplanation:
    aliased = apply_aliases(entry, config.aliases)
    unified, _notes = unify_spellings([aliased, *(others or [])], preferred=_configured_names(config))
    transformed, results = trace_steps(unified[0], steps)
    fields = {
        "title": entry.title, "link": entry.link, "updated": entry.updated.isoformat() if entry.updated else None,
        "summary": entry.summary[:140], "categories": [" / ".join(path) for path in entry.categories],
        "tags": list(entry.tags), "authors": [a.name for a in entry.authors],
        "image": entry.image.url if entry.image else None, "language": entry.language,
        "content": f"{len(entry.content_html)} characters of sanitized HTML",
    }
    if unified[0].categories != entry.categories:
        fields["categories after aliases"] = [" / ".join(path) for path in unified[0].categories]
    date = {
        "published": f"{entry.published.isoformat()} ({entry.published.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M:%S} "
                     f"in {zone})",
        "from": f"{trace.date_key}: {trace.date_value!r}" if trace and trace.date_key else
                ("the feed" if trace is None else "a fallback"),
        "rule": trace.date_rule if trace else "the feed's date (RFC 822 / ISO 8601 as the feed wrote it)",
        "timezone": zone,
    }
    feed_id = "the feed's guid / id (or a hash of its link and title when it has none), with the source name"
    explained = EntryExplanation(
        id=entry.id, id_reason=trace.id_reason if trace else feed_id, fields=fields, date=date,
        removed=list(trace.removed if trace else []), transforms=[_step(result) for result in results],
    )
    if transformed is None:
        failed = next((r for r in results if r.outcome in ("dropped", "failed")), None)
        explained.outcome = f"{failed.outcome} by {failed.step}" if failed else "dropped by a transform"
        explained.dedupe = "not reached"
        return explained
    planned, _problems = route([transformed], _routing_options(config))
    explained.channels = [{"kind": c.kind, "title": c.title, "folder": c.folder} for c in planned]
    explained.dedupe = _dedupe(config, transformed, others, steps)
    if explained.dedupe.startswith("merged into"):
        explained.outcome = "not published itself: " + explained.dedupe
    return explained


def _step(result: StepResult) -> dict[str, Any]:
    return {"step": result.step, "outcome": result.outcome, "changes": list(result.changes), "error": result.error}


def _other_entries(config: Config, *, exclude: Entry | None, now: datetime, skip_feed: str = "") -> list[Entry]:
    """Every other entry the config's build would see: its articles (parsed now, nothing cached)
    and the upstream entries its store holds."""
    report = BuildReport(dry_run=True)
    inputs = incremental.scan_articles(config, report, None, full=True)
    entries = [r.entry for r in inputs.results(None) if r.entry is not None and
               (exclude is None or r.entry.origin != exclude.origin)]
    if config.feeds and config.store_path.is_file():
        with Store.open(config.store_path) as store:
            for feed in config.feeds:
                if feed.name != skip_feed:
                    entries += store.entries(feed.name, now=now, keep_days=feed.keep_days, keep_count=feed.keep_count)
    return entries


def _dedupe(config: Config, entry: Entry, others: list[Entry] | None, steps: list[Any]) -> str:
    if others is None:
        return "nothing to compare with (no config: pass --config to compare with the whole site)"
    problems: list[Problem] = []
    rest = list(apply_steps([apply_aliases(e, config.aliases) for e in others], steps, problems))
    priorities = {source.name: LOCAL_PRIORITY for source in config.articles}
    priorities.update({feed.name: feed.priority for feed in config.feeds})
    kept, notes = collapse([entry, *rest], priority=lambda e: priorities.get(e.source, 0),
                           source_hosts=_source_hosts(config), feeds=frozenset(f.name for f in config.feeds))
    mine = next((e for e in kept if e.id == entry.id and e.origin == entry.origin), None)
    about = [n.message for n in notes if n.origin == entry.origin]
    if mine is None:
        return "merged into another entry: " + ("; ".join(about) or "same id, link or story as another entry")
    copies = [n for n in notes if f"same story as {entry.origin} " in n.message]
    if copies:
        return (f"kept; {len(copies)} copy(ies) from other sources shown once with it: "
                + ", ".join(n.origin for n in copies))
    return f"unique among {len(rest)} other entries" + (f" ({'; '.join(about)})" if about else "")
