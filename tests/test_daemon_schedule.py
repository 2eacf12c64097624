"""When the daemon plans a feed's next poll: from the start of the build that polled it."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from feedkit.config.types import Config, SiteConfig, UpstreamSourceConfig
from feedkit.daemon.eventlog import EventLog
from feedkit.daemon.schedule import utc_now
from feedkit.daemon.service import Daemon, DaemonSettings, feed_offset
from feedkit.report import BuildReport, SourceHealth


def test_a_long_build_does_not_stretch_the_interval(tmp_path: Path) -> None:
    """A build of 10,000 upstreams takes minutes (benchmarks/scale.py): the next poll is due an interval after
    the build's ``now``, so the job fires that long after the build *started*, not after it ended."""
    feed = UpstreamSourceConfig(url="https://up.example/a.xml", name="a", interval=600)
    config = Config(out=tmp_path / "out", site=SiteConfig(title="T"), feeds=(feed,))
    daemon = Daemon(lambda: config, DaemonSettings(), EventLog("json", io.StringIO()))
    daemon._schedule(config)
    now = utc_now()  # the build started now and took 240 s (as its log line says)
    daemon.builder.last_build = {"outcome": "ok", "seconds": 240.0}
    report = BuildReport()
    report.sources.append(SourceHealth(name="a", url=feed.url, status="ok", outcome="fetched", last_success=now,
                                       last_error=None, failures=0, entries=1,
                                       next_attempt=now + timedelta(seconds=600)))
    daemon._move_feed_jobs(config, report, now)
    planned = daemon._scheduler.next_run("feed:a")
    assert planned is not None
    wait = (planned - utc_now()).total_seconds() - feed_offset(feed)
    assert 358 <= wait <= 361, wait  # 600 s from the build's start, 360 s from its end
