"""Several ``feedkit run`` processes on one shared PostgreSQL store (docs/scale.md, "Several daemons").

Everything real and on 127.0.0.1: the daemons are ``python -m feedkit run`` subprocesses, the store a
PostgreSQL server (tests/pgserver.py), the output a bucket on moto's S3 server (tests/s3server.py), the
upstreams the tests' HTTP server (tests/httpserver.py).  ``[store] lease_seconds = 3`` makes a takeover
take seconds instead of minutes; feeds are polled every 3 s.  Skips, saying why, without PostgreSQL
(or psycopg) or moto.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feedkit.config.load import load_config
from feedkit.pipeline.build import build
from feedkit.store import open_store

from . import s3server
from .conftest import EXAMPLES
from .httpserver import Upstream
from .test_daemon import Daemon, wait_for
from .test_s3 import local_files

pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'feedkit[postgres]')")

LEASE = 3
"""``[store] lease_seconds`` of these daemons."""
INTERVAL = 3
"""Every upstream's ``interval``."""
TAKEOVER = LEASE * 4 / 3 + 1.5
"""The documented bound (the lease lapses, then the next heartbeat, a third of a lease later, takes it)
plus the time a heartbeat's queries and a loaded test machine take."""
NEW_ITEM = """<item>
      <guid isPermaLink="false">agency-20220611-099</guid>
      <title>Takeover: a story that appeared upstream after the publisher was killed</title>
      <link>https://agency.example.cn/2022/06/11/takeover.html</link>
      <pubDate>Sat, 11 Jun 2022 08:00:00 +0800</pubDate>
      <category>金融</category>
      <description><![CDATA[<p>Published by the daemon that took over.</p>]]></description>
    </item>
    <item>"""


def shared_example(folder: Path, upstream: Upstream, store: str) -> str:
    """examples/s3/feedkit.toml with its two feeds served by ``upstream`` every :data:`INTERVAL` seconds
    and ``store`` (a ``[store]`` table's keys); the TOML text."""
    text = (EXAMPLES / "s3" / "feedkit.toml").read_text(encoding="utf-8")
    for name in ("news", "blog"):
        text = text.replace(f'paths = ["../site/{name}"]', f"paths = [{json.dumps(str(EXAMPLES / 'site' / name))}]")
    for name in ("agency", "podcast"):
        text = text.replace(f'url = "../site/feeds/{name}.xml"',
                            f'url = "{upstream.url(f"/{name}.xml")}"\ninterval = {INTERVAL}')
    assert text.count(upstream.url("/")) == 2
    return (f"workers = 1\n{text}\n[store]\n{store}\n\n[fetch]\nallow_hosts = [\"{upstream.host}\"]\n"
            "timeout = 5\n")


def serve_feeds(upstream: Upstream, *, extra: str = "") -> None:
    agency = (EXAMPLES / "site" / "feeds" / "agency.xml").read_text(encoding="utf-8")
    if extra:
        agency = agency.replace("<item>", extra, 1)
    upstream.route("/agency.xml", agency.encode(), etag='"v2"' if extra else '"v1"')
    upstream.route("/podcast.xml", (EXAMPLES / "site" / "feeds" / "podcast.xml").read_bytes(), etag='"p1"')


def local_build(folder: Path, upstream: Upstream, name: str) -> dict[str, bytes]:
    """``feedkit build`` of the same inputs into a local folder, with a store of its own."""
    config = folder / f"{name}.toml"
    config.write_text(shared_example(folder, upstream, f'path = "{name}.sqlite"'), encoding="utf-8")
    report = build(load_config(config, out_override=folder / name))
    assert report.skipped == [], [str(p) for p in report.skipped]
    return local_files(folder / name)


def assert_same_as_a_local_build(s3: s3server.S3Server, bucket: str, local: dict[str, bytes]) -> dict[str, bytes]:
    stored = {path: item.data for path, item in s3.objects(bucket, "feeds").items()}
    assert sorted(stored) == sorted(local) and len(local) > 50
    assert [path for path in local if stored[path] != local[path]] == []
    for path, data in stored.items():  # no entry twice, in any channel
        if path.endswith("feed.json"):
            ids = [item["id"] for item in json.loads(data)["items"]]
            assert len(ids) == len(set(ids)), path
    return stored


def published(files: dict[str, bytes], title: str) -> bool:
    """Whether the channel of all entries (its feed or an archive page of it) has an entry titled ``title``."""
    return any(title.encode() in data for path, data in files.items() if path.startswith("all/"))


def publisher_pid(url: str) -> int | None:
    with open_store(url) as store:
        owners = [lease.owner for lease in store.leases() if lease.kind == "publisher"]
    return int(owners[0].rpartition(":")[2]) if owners else None


@pytest.mark.parametrize("count", [2, 3])
def test_daemons_share_the_polling_and_one_publishes_until_it_is_killed(
        count: int, pg_url: str, s3: s3server.S3Server, upstream: Upstream, tmp_path: Path,
        daemons: list[Daemon]) -> None:
    bucket = s3.new_bucket()
    serve_feeds(upstream)
    text = shared_example(tmp_path, upstream, f'url = "{pg_url}"\nlease_seconds = {LEASE}')
    (tmp_path / "feedkit.toml").write_text(text.replace("s3://feedkit-example/", f"s3://{bucket}/"), encoding="utf-8")
    open_store(pg_url).close()  # migrated once before the race (tests/test_store_pg.py races the migration)
    daemons.extend(Daemon(tmp_path, name=f"daemon{i}") for i in range(count))
    for daemon in daemons:
        daemon.wait_event("build")
    feeds = ("/agency.xml", "/podcast.xml")
    wait_for(lambda: s3.objects(bucket, "feeds").get("index.html"), "the first publication", daemons[0].log)
    # a few intervals: every upstream is requested once per interval, whichever daemon polls it
    wait_for(lambda: all(upstream.hits[path] >= 4 for path in feeds), "three more polls of every feed",
             daemons[0].log, timeout=INTERVAL * 5 + 10)
    for path in feeds:
        times = [when for when, seen in upstream.times if seen == path]
        gaps = [round(later - earlier, 2) for earlier, later in itertools.pairwise(times)]
        print(f"{count} daemons: seconds between the requests of {path}: {gaps}")
        assert all(INTERVAL * 0.8 <= gap <= INTERVAL * 2 for gap in gaps), (path, gaps)
    standbys = sum("standby" in event["reasons"] for daemon in daemons for event in daemon.events("build"))
    assert standbys > 0  # the others polled their share and did not publish
    stored = assert_same_as_a_local_build(s3, bucket, local_build(tmp_path, upstream, "local"))
    assert published(stored, "多地出台措施支持外贸企业稳订单拓市场")  # an upstream entry

    # the publisher dies: another daemon takes the lease and publishes what appears upstream from now on
    killed = publisher_pid(pg_url)
    victim = next(daemon for daemon in daemons if daemon.process.pid == killed)
    killed_at = time.monotonic()
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(timeout=5)
    serve_feeds(upstream, extra=NEW_ITEM)
    successor = wait_for(lambda: (pid := publisher_pid(pg_url)) != killed and pid, "a new publisher",
                         daemons[0].log, timeout=TAKEOVER + 5)
    taken_after = time.monotonic() - killed_at
    print(f"{count} daemons: the publisher lease was taken {taken_after:.2f} s after the kill")  # shown by -rP
    assert taken_after <= TAKEOVER, f"took over after {taken_after:.1f} s"
    survivors = [daemon for daemon in daemons if daemon is not victim]
    assert successor in {daemon.process.pid for daemon in survivors}
    wait_for(lambda: b"Takeover: a story" in s3.objects(bucket, "feeds")["all/feed.json"].data,  # the newest
             "the new upstream entry in the bucket", victim.log, timeout=TAKEOVER + INTERVAL * 2 + 5)
    stored = assert_same_as_a_local_build(s3, bucket, local_build(tmp_path, upstream, "after"))
    assert published(stored, "多地出台措施支持外贸企业稳订单拓市场")  # nothing lost
    taken = [e for daemon in survivors for e in daemon.events("lease") if e["outcome"] == "taken"]
    assert taken and all(e["owner"].endswith(f":{successor}") for e in taken[-1:])
    for daemon in survivors:
        assert daemon.stop() == 0
    with open_store(pg_url) as store:
        assert store.leases() == []  # released at the clean stops; the killed daemon's lapsed


def test_feedkit_reload_finds_the_daemons_of_a_shared_store(pg_url: str, tmp_path: Path, upstream: Upstream,
                                                           daemons: list[Daemon]) -> None:
    """With a shared store there is no lock file to read a pid from: reload finds this machine's daemons
    in the store (each daemon's heartbeat marks it alive) and signals each."""
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "a.md").write_text("---\ntitle: A\ndate: 2026-05-01\n---\nfirst\n", encoding="utf-8")
    (tmp_path / "feedkit.toml").write_text(
        f'out = "out"\n[[articles]]\npaths = ["posts"]\n[store]\nurl = "{pg_url}"\nlease_seconds = {LEASE}\n',
        encoding="utf-8")
    open_store(pg_url).close()
    daemons.extend(Daemon(tmp_path, name=f"daemon{i}") for i in range(2))
    for daemon in daemons:
        daemon.wait_event("build")

    def feedkit(*args: str) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if k != "FEEDKIT_STORE_URL"}
        return subprocess.run([sys.executable, "-m", "feedkit", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=30, env=environment)

    status = feedkit("status", "--config", "feedkit.toml")
    host = socket.gethostname()
    for daemon in daemons:
        assert f"daemon {host}:{daemon.process.pid}: alive" in status.stdout, status.stdout
    done = feedkit("reload", "--config", "feedkit.toml")
    assert done.returncode == 0, done.stderr
    pids = sorted(daemon.process.pid for daemon in daemons)
    assert f"(pids {pids[0]}, {pids[1]})" in done.stdout
    for daemon in daemons:
        assert daemon.wait_event("reload")["outcome"] == "unchanged"
        assert daemon.stop() == 0
    done = feedkit("reload", "--config", "feedkit.toml")
    assert done.returncode == 3 and "no feedkit daemon on this machine runs on this store" in done.stderr
    assert "postgresql://feedkit@127.0.0.1" in done.stderr
