"""What only the PostgreSQL store does: its schema versioning, leases for several daemons, a lost
connection, and several daemons polling one set of upstreams.  A real server (tests/pgserver.py);
the behaviour both stores share is tests/test_store.py, run against both."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedkit.config.load import parse_config
from feedkit.config.types import Config, FetchConfig, SiteConfig, UpstreamSourceConfig
from feedkit.daemon.builder import Builder
from feedkit.daemon.eventlog import EventLog
from feedkit.errors import ConfigError, StoreError
from feedkit.report import BuildReport
from feedkit.store import open_store, redact
from feedkit.upstream.poll import collect

from .httpserver import Upstream
from .pgserver import PgServer

psycopg = pytest.importorskip("psycopg")
store_pg = pytest.importorskip("feedkit.store_pg")

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_new_schema_is_migrated_to_the_current_version(pg_url: str) -> None:
    with store_pg.PgStore.open(pg_url) as store:
        assert store.schema_version() == store_pg.SCHEMA_VERSION
    with store_pg.PgStore.open(pg_url) as again:  # opening a current store changes nothing
        assert again.schema_version() == store_pg.SCHEMA_VERSION


def test_daemons_starting_together_migrate_once(pg_url: str) -> None:
    errors: list[BaseException] = []

    def start() -> None:
        try:
            open_store(pg_url).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_a_newer_schema_is_refused(pg_url: str) -> None:
    open_store(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("UPDATE feedkit_schema SET version = 99")
    with pytest.raises(StoreError, match="newer feedkit"):
        open_store(pg_url)


def test_someone_elses_schema_is_refused(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StoreError, match=r"not a feedkit store.*invoices"):
        open_store(pg_url)


def test_an_unreachable_server_is_a_store_error_without_the_password(pg_server: PgServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://feedkit:secret@127.0.0.1:{port}/feedkit_test"
    started = time.monotonic()
    with pytest.raises(StoreError) as caught:
        open_store(url, busy_timeout=1)
    assert time.monotonic() - started < 10
    assert "secret" not in str(caught.value) and "feedkit:***@" in str(caught.value)
    assert redact(url) == f"postgresql://feedkit:***@127.0.0.1:{port}/feedkit_test"


def test_a_lost_connection_costs_one_call_at_most(pg_url: str, pg_server: PgServer) -> None:
    with open_store(pg_url) as store:
        store.state("up", "https://example.org/feed.xml")
        with psycopg.connect(pg_server.dsn(), autocommit=True) as admin:  # the server drops every store connection
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE pid <> pg_backend_pid() AND datname = 'feedkit_test'")
        with contextlib.suppress(StoreError):  # the call that met the dead connection may fail; the pool
            store.states()                      # replaces the connection
        assert [state.name for state in store.states()] == ["up"]


# ---------------------------------------------------------------- leases

def test_two_daemons_never_hold_the_same_upstream(pg_url: str) -> None:
    names = [f"feed{i}" for i in range(10)]
    with open_store(pg_url) as a, open_store(pg_url) as b:
        got_a = a.claim_sources(names[:7], owner="a:1", seconds=60)
        got_b = b.claim_sources(names[3:], owner="b:2", seconds=60)
        assert got_a == names[:7] and got_b == names[7:]
        assert {(lease.name, lease.owner) for lease in a.leases()} == (
            {(n, "a:1") for n in got_a} | {(n, "b:2") for n in got_b})
        a.release_sources(got_a, owner="a:1")
        assert b.claim_sources(names, owner="b:2", seconds=60) == names  # released: free; its own: renewed
        b.release_sources(names, owner="a:1")  # only the owner releases
        assert len(b.leases()) == 10


def test_a_dead_daemons_leases_lapse(pg_url: str) -> None:
    with open_store(pg_url) as a, open_store(pg_url) as b:
        assert a.claim_sources(["x"], owner="dead:1", seconds=0.2) == ["x"]
        assert b.claim_sources(["x"], owner="live:2", seconds=60) == []
        assert a.claim_publisher(owner="dead:1", seconds=0.2)
        assert not b.claim_publisher(owner="live:2", seconds=60)
        time.sleep(0.3)
        assert b.claim_sources(["x"], owner="live:2", seconds=60) == ["x"]
        assert b.claim_publisher(owner="live:2", seconds=60)
        assert not a.claim_publisher(owner="dead:1", seconds=60)
        assert {(lease.kind, lease.owner) for lease in b.leases()} == {("source", "live:2"), ("publisher", "live:2")}


def rss(name: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title><link>https://up.example/'
            f"</link><description>d</description><item><guid>{name}-1</guid><title>{name} one</title>"
            "<link>https://up.example/1</link><pubDate>Tue, 01 Dec 2026 07:00:00 GMT</pubDate></item>"
            "</channel></rss>").encode()


def shared_config(pg_url: str, tmp_path: Path, upstream: Upstream, names: list[str], *, delay: float) -> Config:
    """A config of the upstreams ``names`` (each answering after ``delay`` seconds) on the store ``pg_url``."""
    for name in names:
        upstream.route(f"/{name}.xml", rss(name), delay=delay)
    return Config(out=tmp_path / "out", site=SiteConfig(title="T"), store_url=pg_url,
                  feeds=tuple(UpstreamSourceConfig(url=upstream.url(f"/{n}.xml"), name=n, interval=3600)
                              for n in names),
                  fetch=FetchConfig(allow_hosts=(upstream.host,), timeout=5))


@pytest.mark.parametrize("daemons", [2, 3])
def test_several_daemons_poll_each_upstream_once_per_interval(daemons: int, pg_url: str, tmp_path: Path,
                                                              upstream: Upstream) -> None:
    names = [f"f{i}" for i in range(12)]
    config = shared_config(pg_url, tmp_path, upstream, names, delay=0.02)
    open_store(pg_url).close()  # migrated before the race (the race itself is tested above)
    results: list[int] = []

    def daemon() -> None:
        results.append(len(collect(config, now=NOW, report=BuildReport())))

    for _cycle in range(2):  # the second cycle is within the interval: nobody polls
        threads = [threading.Thread(target=daemon) for _ in range(daemons)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert all(upstream.hits[f"/{name}.xml"] == 1 for name in names), dict(upstream.hits)
    # in the first cycle a daemon may read before another stored its upstreams; then all read all
    assert results[daemons:] == [len(names)] * daemons
    with open_store(pg_url) as store:
        assert store.leases() == []  # all released
        assert all(state.entries == 1 for state in store.states())


def test_daemons_whose_polls_overlap_share_the_upstreams(pg_url: str, tmp_path: Path, upstream: Upstream,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Leases are taken a batch at a time: a second daemon polls a share instead of finding everything
    leased by the first (benchmarks/scale.py found one daemon polling all 10,000 upstreams, the other none)."""
    from feedkit.upstream import poll

    monkeypatch.setattr(poll, "CLAIM_BATCH", 3)
    names = [f"s{i}" for i in range(12)]
    config = shared_config(pg_url, tmp_path, upstream, names, delay=0.1)
    with open_store(pg_url) as store:  # every state exists: both daemons find all twelve due at once
        for name in names:
            store.state(name, upstream.url(f"/{name}.xml"))
    reports = [BuildReport(), BuildReport()]
    threads = [threading.Thread(target=collect, args=(config,), kwargs={"now": NOW, "report": report})
               for report in reports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fetched = [{s.name for s in report.sources if s.outcome == "fetched"} for report in reports]
    assert all(upstream.hits[f"/{name}.xml"] == 1 for name in names), dict(upstream.hits)
    assert fetched[0] and fetched[1], fetched  # each polled a share
    assert fetched[0] | fetched[1] == set(names) and not fetched[0] & fetched[1]


def test_one_daemon_publishes_and_another_takes_over(pg_url: str, tmp_path: Path, upstream: Upstream) -> None:
    upstream.route("/a.xml", rss("a"))
    config = Config(out=tmp_path / "out", site=SiteConfig(title="T"), store_url=pg_url,
                    feeds=(UpstreamSourceConfig(url=upstream.url("/a.xml"), name="a"),),
                    fetch=FetchConfig(allow_hosts=(upstream.host,), timeout=5))

    def daemon(owner: str) -> Builder:
        made = Builder(lambda: config, EventLog("json", io.StringIO()), debounce=0, built=lambda *_: None,
                       failed=lambda: None)
        made.owner = owner
        return made

    first, second = daemon("one:1"), daemon("two:2")
    first.build_once(["start"])
    assert first.last_build is not None and first.last_build["written"] > 0
    assert (tmp_path / "out" / "all" / "rss.xml").is_file()
    second.build_once(["start"])  # polls its share, publishes nothing
    assert second.last_build is not None and "standby" in second.last_build["reasons"]
    assert second.last_build["written"] == 0
    with open_store(pg_url) as store:
        assert [(lease.kind, lease.owner) for lease in store.leases()] == [
            ("daemon", "one:1"), ("daemon", "two:2"), ("publisher", "one:1")]  # both alive, one publishes
    first.release()  # a clean stop hands over at once (a dead daemon's lease lapses after lease_seconds)
    with open_store(pg_url) as store:
        assert [(lease.kind, lease.owner) for lease in store.leases()] == [("daemon", "two:2")]
    (tmp_path / "out" / "all" / "rss.xml").unlink()
    second.build_once(["feeds"])
    assert second.last_build is not None and "standby" not in second.last_build["reasons"]
    assert (tmp_path / "out" / "all" / "rss.xml").is_file()


def publisher(config: Config, owner: str, stream: io.StringIO | None = None) -> Builder:
    """A daemon's builder on ``config`` (in this process) that leases as ``owner``."""
    made = Builder(lambda: config, EventLog("json", stream or io.StringIO()), debounce=0, built=lambda *_: None,
                   failed=lambda: None)
    made.owner = owner
    return made


def slow_site(tmp_path: Path, pg_url: str, upstream: Upstream, *, delay: float, lease: float) -> Config:
    upstream.route("/slow.xml", rss("slow"), delay=delay)
    return Config(out=tmp_path / "out", site=SiteConfig(title="T"), store_url=pg_url, store_lease_seconds=lease,
                  feeds=(UpstreamSourceConfig(url=upstream.url("/slow.xml"), name="slow"),),
                  fetch=FetchConfig(allow_hosts=(upstream.host,), timeout=10))


def publisher_owners(pg_url: str) -> set[str]:
    with open_store(pg_url) as store:
        return {lease.owner for lease in store.leases() if lease.kind == "publisher"}


def test_a_build_longer_than_the_lease_keeps_it(pg_url: str, tmp_path: Path, upstream: Upstream) -> None:
    """A 1 s lease and a build held 2.5 s by a slow upstream: the heartbeat renews the lease all along, so
    no other daemon can take it mid-build (before, it lapsed after 1 s and two daemons could publish)."""
    config = slow_site(tmp_path, pg_url, upstream, delay=2.5, lease=1)
    one = publisher(config, "one:1")
    lease = one.lease()
    assert lease is not None and lease.claim()
    lease.start()
    building = threading.Thread(target=one.build_once, args=(["start"],))
    started = time.monotonic()
    building.start()
    taken = []
    with open_store(pg_url) as other:
        while building.is_alive():
            taken.append(other.claim_publisher(owner="two:2", seconds=1))
            time.sleep(0.1)
    building.join()
    assert time.monotonic() - started > 2.5 and len(taken) > 10
    assert not any(taken)  # never free during the build
    assert one.last_build is not None and one.last_build["outcome"] == "ok", one.last_build
    assert (tmp_path / "out" / "all" / "rss.xml").is_file()
    assert publisher_owners(pg_url) == {"one:1"}  # and kept after it, between builds
    one.release()
    assert publisher_owners(pg_url) == set()


def test_a_publisher_that_loses_its_lease_mid_build_writes_nothing(pg_url: str, tmp_path: Path,
                                                                   upstream: Upstream) -> None:
    config = slow_site(tmp_path, pg_url, upstream, delay=2, lease=1)
    log = io.StringIO()
    one = publisher(config, "one:1", log)
    lease = one.lease()
    assert lease is not None and lease.claim()
    lease.start()
    building = threading.Thread(target=one.build_once, args=(["start"],))
    building.start()
    time.sleep(0.5)  # the build waits for the upstream; another daemon takes the lease meanwhile
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("UPDATE leases SET owner = 'two:2', expires = now() + interval '1 hour' WHERE kind = 'publisher'")
    building.join()
    lease.stop()
    assert one.last_build is not None and one.last_build["outcome"] == "error"
    assert "lost the publisher lease" in one.last_build["error"] and "stopped before writing" in one.last_build["error"]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))  # not one file
    events = [json.loads(line) for line in log.getvalue().splitlines()]
    assert any(e["event"] == "lease" and e["outcome"] == "lost" for e in events)
    with open_store(pg_url) as store:  # what it polled is stored all the same: the publisher uses it
        assert [state.entries for state in store.states()] == [1]
    assert publisher_owners(pg_url) == {"two:2"}


def test_a_lease_not_renewed_stops_writes_a_third_of_a_lease_before_it_lapses(pg_url: str, tmp_path: Path) -> None:
    config = Config(out=tmp_path / "out", store_url=pg_url, store_lease_seconds=1)
    one = publisher(config, "one:1")
    lease = one.lease()
    assert lease is not None and lease.claim()  # no heartbeat: nothing renews it
    lease.check("all/rss.xml")
    time.sleep(0.75)
    assert not lease.held()
    with pytest.raises(StoreError, match=r"lost the publisher lease .* before writing all/rss\.xml"):
        lease.check("all/rss.xml")
    assert publisher_owners(pg_url) == {"one:1"}  # in the store it is still ours for a moment: no one else writes


def test_status_shows_who_holds_what(pg_url: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from feedkit.cli import main

    with open_store(pg_url) as store:
        store.state("up", "https://example.org/feed.xml")
        store.claim_sources(["up"], owner="host-a:41", seconds=60)
        store.claim_publisher(owner="host-b:42", seconds=60)
    done = CliRunner().invoke(main, ["status"], env={"FEEDKIT_STORE_URL": pg_url})
    assert done.exit_code == 0, done.output
    assert "lease source up: held by host-a:41 until" in done.output
    assert "lease publisher output: held by host-b:42 until" in done.output


# ---------------------------------------------------------------- configuration

def test_store_url_from_the_config_or_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FEEDKIT_STORE_URL", raising=False)
    raw = {"out": "out", "store": {"url": "postgresql://db.example/feeds"}}
    assert parse_config(raw, tmp_path).store_location == "postgresql://db.example/feeds"
    assert parse_config({"out": "out"}, tmp_path).store_location == tmp_path.resolve() / "out.feedkit.sqlite"
    assert parse_config({"out": "out", "store": {"path": "s.db"}}, tmp_path).store_location == tmp_path / "s.db"
    with pytest.raises(ConfigError, match="store_url"):
        parse_config({"out": "out", "store": {"url": "mysql://x"}}, tmp_path)
    monkeypatch.setenv("FEEDKIT_STORE_URL", "postgres://other/db")
    assert parse_config(raw, tmp_path).store_location == "postgres://other/db"
    with pytest.raises(ConfigError, match=r"store\.nope"):
        parse_config({"out": "out", "store": {"nope": 1}}, tmp_path)


def test_lease_seconds_from_the_config(tmp_path: Path) -> None:
    assert parse_config({"out": "out"}, tmp_path).store_lease_seconds == 300
    assert parse_config({"out": "out", "store": {"lease_seconds": 5}}, tmp_path).store_lease_seconds == 5
    assert parse_config({"out": "out", "store": {"lease_seconds": 2.5}}, tmp_path).store_lease_seconds == 2.5
    for bad in (0.5, 0, -3, 86401, "5m", True):
        with pytest.raises(ConfigError, match=r"^store\.lease_seconds: expected") as caught:
            parse_config({"out": "out", "store": {"lease_seconds": bad}}, tmp_path)
        assert caught.value.key == "store.lease_seconds"
    with pytest.raises(ConfigError, match=r"^Config\.store_lease_seconds: expected seconds from 1 to 86400"):
        Config(out=tmp_path, store_lease_seconds=0.1)
