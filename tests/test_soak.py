"""A short soak of ``feedkit run`` in the test command (the long one: ``python3 dev.py soak``).

See :mod:`tests.soak`: a flapping upstream, SIGHUP every 3 s, the daemon's clock jumped a day
forward and two days back; nothing published may vanish or come again, schedules keep their
intervals and backoff, and the process's open file descriptors stay bounded.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedkit.config.types import FetchConfig, UpstreamSourceConfig
from feedkit.net.result import FetchResult, Validators
from feedkit.store import Store
from feedkit.upstream.poll import _due, plausible_wait

from .soak import soak

SMOKE_SECONDS = 18.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_short_soak_keeps_every_promise(tmp_path: Path) -> None:
    result = soak(tmp_path, SMOKE_SECONDS)
    assert result.ok, result.summary() + "\n" + "\n".join(
        result.vanished + result.duplicates + result.redated + result.schedule_errors + result.stray_lines)
    assert result.polls >= 40 and result.builds >= 10 and result.hups >= 4, result.summary()
    assert result.clock_jumps == 2, result.summary()
    assert result.published_max >= 20, result.summary()
    fds = [fd for _t, _rss, fd in result.samples[len(result.samples) // 3:]]
    assert max(fds) - min(fds) <= 8, result.summary()  # flat: no descriptor leaks per poll or reload


def test_a_clock_set_back_does_not_stop_polling(tmp_path: Path) -> None:
    """The store planned the next attempt on a clock that has since gone back a day: poll anyway."""
    feed = UpstreamSourceConfig(url="https://up.example/", name="up", interval=1800)
    now = datetime(2024, 3, 2, 12, tzinfo=UTC)
    with Store.open(tmp_path / "store.sqlite") as store:
        store.state("up", feed.url)
        ok = FetchResult(url=feed.url, outcome="ok", status=200, body=b"", headers={},
                         validators=Validators(None, None), final_url=feed.url, moved_to=None, retry_after=None,
                         error=None, elapsed=0.1)
        store.record_fetch("up", ok, now=now, interval=feed.interval, max_backoff=3600)
        state = store.state("up", feed.url)
        assert not _due(store, feed, state, now + timedelta(minutes=10), FetchConfig())  # an ordinary wait
        assert _due(store, feed, state, now + timedelta(minutes=31), FetchConfig())
        assert _due(store, feed, state, now - timedelta(days=1), FetchConfig())  # set back a day
        assert not _due(store, feed, state, now - timedelta(minutes=10), FetchConfig())  # a little: wait
    assert plausible_wait(feed, FetchConfig()) >= feed.interval
