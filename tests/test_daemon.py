"""``feedkit run`` as a real subprocess against a real upstream on 127.0.0.1.

Short intervals (feed 1 s, rescan 0.3 s, debounce 0.2 s) and polling until a deadline;
never a fixed sleep.  Every daemon's log (JSON lines) is in ``tmp_path``.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from lxml import etree

from feedkit.cli import main
from feedkit.config.load import load_config
from feedkit.config.types import ArticleSourceConfig, Config, UpstreamSourceConfig
from feedkit.daemon.changes import ConfigChanges, config_changes, fingerprint
from feedkit.daemon.eventlog import EventLog
from feedkit.daemon.lock import StoreLock, lock_path, running_pid
from feedkit.daemon.schedule import BuildRequests
from feedkit.daemon.service import feed_offset
from feedkit.errors import StoreError
from feedkit.store import Store

from .conftest import EXAMPLES, write_article
from .httpserver import Upstream
from .test_feeds_build import rss

T = TypeVar("T")
DEADLINE = 15.0
STOP_WITHIN = 5.0
DATE = "Wed, 08 Jun 2022 10:00:00 GMT"
ARTICLE = "---\ntitle: {title}\ndate: 2022-06-0{day} 10:00:00\ncategories: [News]\n---\n<p>{title} body.</p>\n"


def wait_for(check: Callable[[], T | None], what: str, log: Path | None = None, timeout: float = DEADLINE) -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` with the daemon's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    tail = log.read_text(encoding="utf-8")[-3000:] if log and log.exists() else ""
    pytest.fail(f"timed out waiting for {what}\n--- daemon log ---\n{tail}")


class Daemon:
    """One ``feedkit run`` subprocess."""

    def __init__(self, folder: Path, *args: str, name: str = "daemon") -> None:
        self.log = folder / f"{name}.log"
        command = [sys.executable, "-m", "feedkit", "run", "--config", str(folder / "feedkit.toml"),
                   "--rescan", "0.3", "--debounce", "0.2", "--log-format", "json", *args]
        with self.log.open("wb") as stream:
            self.process = subprocess.Popen(command, cwd=folder, stdout=stream, stderr=subprocess.STDOUT)

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        events = [json.loads(line) for line in lines if line.startswith("{") and line.endswith("}")]
        return [e for e in events if name is None or e["event"] == name]

    def wait_event(self, name: str, where: Callable[[dict[str, Any]], bool] = lambda e: True) -> dict[str, Any]:
        return wait_for(lambda: next((e for e in self.events(name) if where(e)), None), f"event {name}", self.log)

    @property
    def url(self) -> str:
        return str(self.wait_event("serving")["url"])

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url + path.lstrip("/"),
                                         headers={k.replace("_", "-"): v for k, v in headers.items()})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def health(self) -> dict[str, Any]:
        return dict(json.loads(self.get("/healthz")[2]))

    def builds(self) -> int:
        return int(self.health()["counters"]["builds"])

    def wait_served(self, path: str, text: str) -> bytes:
        def served() -> bytes | None:
            body = self.get(path)[2]
            return body if text.encode() in body else None

        return wait_for(served, f"{text!r} in {path}", self.log)

    def stop(self, number: int = signal.SIGTERM) -> int:
        started = time.monotonic()
        self.process.send_signal(number)
        code = self.process.wait(timeout=STOP_WITHIN + 5)
        assert time.monotonic() - started < STOP_WITHIN, "the daemon took too long to stop"
        stray = [line for line in self.log.read_text(encoding="utf-8").splitlines() if not line.startswith("{")]
        assert not stray, stray  # a traceback or an unstructured line
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)


def make_site(folder: Path, upstream: Upstream, extra_feeds: str = "") -> Path:
    write_article(folder / "posts", "first.md", ARTICLE.format(title="First local post", day=1))
    upstream.route("/up.xml", rss([("u1", "Upstream story one", "https://up.example/1", DATE)]), etag='"v1"')
    write_config(folder, upstream, extra_feeds)
    return folder


def write_config(folder: Path, upstream: Upstream, extra_feeds: str = "") -> None:
    (folder / "feedkit.toml").write_text(f"""
out = "out"
[site]
title = "Daemon test"
[[articles]]
name = "posts"
paths = ["posts"]
[[feeds]]
name = "up"
url = "{upstream.url('/up.xml')}"
interval = 1
{extra_feeds}
[fetch]
allow_hosts = ["{upstream.host}"]
timeout = 3
max_backoff = 2
""", encoding="utf-8")


def start(daemons: list[Daemon], folder: Path, *args: str, name: str = "daemon") -> Daemon:
    daemon = Daemon(folder, "--serve", "127.0.0.1:0", *args, name=name)
    daemons.append(daemon)
    return daemon


def test_builds_and_serves_feeds_with_types_and_304(tmp_path: Path, upstream: Upstream,
                                                    daemons: list[Daemon]) -> None:
    daemon = start(daemons, make_site(tmp_path, upstream))
    daemon.wait_event("build")  # the first build is complete: every file is there
    body = daemon.wait_served("/all/rss.xml", "Upstream story one")
    assert b"First local post" in body
    status, headers, _ = daemon.get("/all/rss.xml")
    assert (status, headers["content-type"]) == (200, "application/rss+xml; charset=utf-8")
    assert daemon.get("/all/rss.xml", If_None_Match=headers["etag"])[0] == 304
    assert daemon.get("/all/feed.json")[1]["content-type"] == "application/feed+json; charset=utf-8"
    assert daemon.get("/all/atom.xml")[1]["content-type"] == "application/atom+xml; charset=utf-8"
    assert daemon.get("/index.opml")[1]["content-type"] == "text/x-opml; charset=utf-8"
    assert daemon.get("/")[1]["content-type"] == "text/html; charset=utf-8"
    assert f'href="{daemon.url}all/rss.xml"'.encode() in daemon.get("/")[2]  # links point at the server
    health = daemon.health()
    assert health["status"] == "ok" and health["last_build"]["outcome"] == "ok"
    assert [s["name"] for s in health["sources"]] == ["up"] and health["sources"][0]["status"] == "ok"
    assert health["counters"]["files_written"] > 0
    assert {e["event"] for e in daemon.events()} >= {"start", "serving", "poll", "build", "write"}
    assert daemon.stop() == 0
    assert daemon.events("stopped")


def test_picks_up_a_new_article_and_a_new_upstream_item(tmp_path: Path, upstream: Upstream,
                                                        daemons: list[Daemon]) -> None:
    daemon = start(daemons, make_site(tmp_path, upstream))
    daemon.wait_served("/all/rss.xml", "Upstream story one")
    write_article(tmp_path / "posts", "second.md", ARTICLE.format(title="Second local post", day=2))
    daemon.wait_served("/all/rss.xml", "Second local post")
    upstream.route("/up.xml", rss([("u1", "Upstream story one", "https://up.example/1", DATE),
                                   ("u2", "Upstream story two", "https://up.example/2", DATE)]), etag='"v2"')
    body = daemon.wait_served("/all/rss.xml", "Upstream story two")
    assert b"Second local post" in body and b"Upstream story one" in body
    assert any(headers.get("if-none-match") == '"v1"' for headers in upstream.requests["/up.xml"])  # conditional GET
    assert daemon.stop() == 0


def test_survives_an_upstream_outage_and_keeps_its_entries(tmp_path: Path, upstream: Upstream,
                                                          daemons: list[Daemon]) -> None:
    daemon = start(daemons, make_site(tmp_path, upstream))
    daemon.wait_served("/all/rss.xml", "Upstream story one")
    upstream.route("/up.xml", b"down", status=500)
    failing = wait_for(lambda: next((s for s in daemon.health()["sources"] if s["failures"] >= 1), None),
                       "a failed poll", daemon.log)
    assert failing["status"] == "failing" and failing["entries"] == 1
    assert daemon.health()["status"] == "degraded"
    assert daemon.wait_event("poll", lambda e: e["outcome"] == "failed")["level"] == "warning"
    assert b"Upstream story one" in daemon.get("/all/rss.xml")[2]
    upstream.route("/up.xml", rss([("u3", "Back again", "https://up.example/3", DATE)]), etag='"v3"')
    body = daemon.wait_served("/all/rss.xml", "Back again")
    assert b"Upstream story one" in body
    assert daemon.stop() == 0


def many_articles(folder: Path, count: int) -> None:
    """``count`` articles, each in its own category: a build that writes for a while."""
    for i in range(count):
        write_article(folder / "posts", f"bulk-{i}.md", ARTICLE.format(title=f"Bulk {i}", day=4).replace(
            "[News]", f"[Category {i}]"))


def first_write(daemon: Daemon, out: Path) -> None:
    """Wait until the first build has begun writing."""
    wait_for(lambda: (out / "all" / "rss.xml").exists() or daemon.process.poll() is not None, "a first write",
             daemon.log)


def test_sigterm_during_a_build_lets_it_finish_and_exits_0(tmp_path: Path, upstream: Upstream,
                                                           daemons: list[Daemon]) -> None:
    make_site(tmp_path, upstream)
    many_articles(tmp_path, 80)
    daemon = start(daemons, tmp_path)
    first_write(daemon, tmp_path / "out")
    assert daemon.stop(signal.SIGTERM) == 0
    assert daemon.events("stopping")[0]["reason"] == "SIGTERM"
    assert not [e for e in daemon.events("stopping") if e["level"] == "warning"]  # the build finished in time
    assert daemon.events("build")[0]["written"] > 80 * 3
    assert not list((tmp_path / "out").rglob(".*.tmp"))
    assert_output_complete(tmp_path / "out")


def test_sigint_stops_cleanly(tmp_path: Path, upstream: Upstream, daemons: list[Daemon]) -> None:
    daemon = start(daemons, make_site(tmp_path, upstream))
    daemon.wait_event("build")
    assert daemon.stop(signal.SIGINT) == 0
    assert daemon.events("stopping")[0]["reason"] == "SIGINT"
    assert daemon.events("stopped")


def test_sighup_and_feedkit_reload_add_a_feed(tmp_path: Path, upstream: Upstream, daemons: list[Daemon]) -> None:
    daemon = start(daemons, make_site(tmp_path, upstream))
    daemon.wait_served("/all/rss.xml", "Upstream story one")
    upstream.route("/second.xml", rss([("s1", "Second feed story", "https://second.example/1", DATE)]))
    write_config(tmp_path, upstream, f'[[feeds]]\nname = "second"\nurl = "{upstream.url("/second.xml")}"\n'
                                     "interval = 1\n")
    daemon.process.send_signal(signal.SIGHUP)
    reload = daemon.wait_event("reload")
    assert reload["added"] == ["feed:second"] and reload["removed"] == [] and reload["changed"] == []
    daemon.wait_served("/all/rss.xml", "Second feed story")
    write_config(tmp_path, upstream)
    done = subprocess.run([sys.executable, "-m", "feedkit", "reload", "--config", "feedkit.toml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert f"pid {daemon.process.pid}" in done.stdout
    daemon.wait_event("reload", lambda e: e.get("removed") == ["feed:second"])
    assert daemon.health()["counters"]["reloads"] == 2
    assert daemon.stop() == 0


def test_a_broken_config_on_reload_keeps_the_old_one(tmp_path: Path, upstream: Upstream,
                                                    daemons: list[Daemon]) -> None:
    daemon = start(daemons, make_site(tmp_path, upstream))
    daemon.wait_event("build")
    (tmp_path / "feedkit.toml").write_text("out = 3\n", encoding="utf-8")
    daemon.process.send_signal(signal.SIGHUP)
    error = daemon.wait_event("reload")
    assert error["level"] == "error" and "keeping the previous config" in error["error"]
    assert daemon.health()["counters"]["reload_errors"] == 1
    assert daemon.get("/all/rss.xml")[0] == 200
    assert daemon.stop() == 0


def test_a_second_daemon_on_the_same_store_refuses_to_start(tmp_path: Path, upstream: Upstream,
                                                            daemons: list[Daemon]) -> None:
    first = start(daemons, make_site(tmp_path, upstream))
    first.wait_event("build")
    second = start(daemons, tmp_path, name="second")
    code = second.process.wait(timeout=DEADLINE)
    message = second.log.read_text(encoding="utf-8")
    assert code != 0
    assert "already running" in message and f"pid {first.process.pid}" in message
    assert str(lock_path(tmp_path / "out.feedkit.sqlite")) in message
    assert first.process.poll() is None and first.get("/all/rss.xml")[0] == 200
    assert first.stop() == 0


def test_recovers_after_kill_9(tmp_path: Path, upstream: Upstream, daemons: list[Daemon]) -> None:
    make_site(tmp_path, upstream)
    many_articles(tmp_path, 40)
    out = tmp_path / "out"
    # killed at a different moment each round: as it starts, while it writes, after it built
    for round_number, moment in enumerate(["start", "writing", "build"]):
        write_article(tmp_path / "posts", f"more-{round_number}.md",
                      ARTICLE.format(title=f"Post of round {round_number}", day=3))
        daemon = start(daemons, tmp_path, name=f"round-{round_number}")
        if moment == "writing":
            first_write(daemon, out)
        else:
            daemon.wait_event(moment)
        daemon.process.send_signal(signal.SIGKILL)
        daemon.process.wait(timeout=5)
        assert_output_complete(out)
        with Store.open(tmp_path / "out.feedkit.sqlite") as store:
            assert [state.name for state in store.states()] in ([], ["up"])
    daemon = start(daemons, tmp_path, name="after")
    body = daemon.wait_served("/all/rss.xml", "Post of round 2")
    assert b"Upstream story one" in body and b"Bulk 39" in body
    assert daemon.stop() == 0
    assert_output_complete(out)


def assert_output_complete(out: Path) -> None:
    """Every file parses (a torn write would not); leftover temporary files are hidden and never served."""
    for path in out.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix in (".xml", ".opml", ".xsl"):
            etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        elif path.suffix == ".json":
            json.loads(path.read_bytes())
        elif path.suffix == ".html":
            assert path.read_bytes().rstrip().endswith(b"</html>")


def test_newsboat_subscribes_to_the_served_feed(tmp_path: Path, upstream: Upstream, daemons: list[Daemon]) -> None:
    newsboat = shutil.which("newsboat")
    if newsboat is None:
        pytest.skip("newsboat is not installed (../shared/tools/install-feedcheck.sh installs it)")
    daemon = start(daemons, make_site(tmp_path, upstream))
    daemon.wait_event("build")
    daemon.wait_served("/all/rss.xml", "Upstream story one")
    home = tmp_path / "newsboat"
    home.mkdir()
    (home / "urls").write_text(f"{daemon.url}all/rss.xml\n{daemon.url}all/atom.xml\n", encoding="utf-8")
    (home / "config").write_text("", encoding="utf-8")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home), "XDG_DATA_HOME": str(home)}
    done = subprocess.run([newsboat, "-u", "urls", "-C", "config", "-c", "cache.db", "-x", "reload"], cwd=home,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    with sqlite3.connect(home / "cache.db") as db:
        rows = db.execute("SELECT feedurl, title FROM rss_item").fetchall()
        feeds = db.execute("SELECT rssurl, title FROM rss_feed ORDER BY rssurl").fetchall()
    assert {title for _url, title in rows} == {"First local post", "Upstream story one"}  # each entry once
    assert feeds == [(f"{daemon.url}all/atom.xml", "Daemon test"), (f"{daemon.url}all/rss.xml", "Daemon test")]
    assert daemon.stop() == 0


# ---------------------------------------------------------------- the pieces, in-process


def test_a_daemon_that_cannot_start_says_why(tmp_path: Path, upstream: Upstream) -> None:
    make_site(tmp_path, upstream)
    for args, code, message in [
        (["run", "--config", "feedkit.toml", "--serve", upstream.host], 2, f"cannot listen on {upstream.host}"),
        (["run", "--config", "feedkit.toml", "--serve", "localhost"], 2, "--serve: expected HOST:PORT"),
        (["run", "--config", "missing.toml"], 2, "missing.toml: config file not found"),
    ]:
        done = subprocess.run([sys.executable, "-m", "feedkit", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=30)
        assert (done.returncode, message in done.stderr) == (code, True), done.stderr
    with StoreLock.acquire(tmp_path / "out.feedkit.sqlite"):  # the failed starts left the lock free
        pass


def test_the_store_lock_is_exclusive_and_names_the_holder(tmp_path: Path) -> None:
    store = tmp_path / "out.feedkit.sqlite"
    with pytest.raises(StoreError, match="no feedkit daemon is running"):
        running_pid(store)
    with StoreLock.acquire(store):
        assert lock_path(store).read_text(encoding="ascii") == f"{os.getpid()}\n"
        assert running_pid(store) == os.getpid()
        with pytest.raises(StoreError, match=f"pid {os.getpid()}. is already running on this store"):
            StoreLock.acquire(store)
    with pytest.raises(StoreError, match="is not held"):
        running_pid(store)
    StoreLock.acquire(store).release()  # free again


def test_a_lock_file_left_by_a_killed_process_does_not_block(tmp_path: Path) -> None:
    store = tmp_path / "out.feedkit.sqlite"
    lock_path(store).write_text("999999\n", encoding="ascii")  # what kill -9 leaves: a pid, no flock
    with StoreLock.acquire(store):
        assert running_pid(store) == os.getpid()


def test_reload_without_a_daemon_says_so(tmp_path: Path) -> None:
    for args in (["--out", str(tmp_path / "out")], ["--pid-file", str(tmp_path / "missing.pid")]):
        done = subprocess.run([sys.executable, "-m", "feedkit", "reload", *args], capture_output=True, text=True,
                              timeout=30)
        assert done.returncode == 3 and ("no feedkit daemon is running" in done.stderr or "no pid" in done.stderr)


def test_pid_file_is_written_and_removed(tmp_path: Path, upstream: Upstream, daemons: list[Daemon]) -> None:
    pid_file = tmp_path / "feedkit.pid"
    daemon = start(daemons, make_site(tmp_path, upstream), "--pid-file", str(pid_file))
    daemon.wait_event("build")
    assert pid_file.read_text(encoding="ascii") == f"{daemon.process.pid}\n"
    done = subprocess.run([sys.executable, "-m", "feedkit", "reload", "--pid-file", str(pid_file)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert daemon.wait_event("reload")["outcome"] == "unchanged"
    assert daemon.stop() == 0
    assert not pid_file.exists()


def test_build_requests_within_the_debounce_window_become_one_build() -> None:
    requests = BuildRequests(debounce=0.05)
    for reason in ("files changed", "feed a due", "files changed", "feed b due"):
        requests.request(reason)
    assert requests.next() == ["files changed", "feed a due", "feed b due"]
    requests.close()
    assert requests.next() is None


def test_config_changes_name_the_sources() -> None:
    old = Config(out=Path("out"), articles=(ArticleSourceConfig(paths=(Path("a"),), name="posts"),),
                 feeds=(UpstreamSourceConfig(url="https://a.example/", name="a"),
                        UpstreamSourceConfig(url="https://b.example/", name="b")))
    new = replace(old, feeds=(UpstreamSourceConfig(url="https://a.example/", name="a", interval=60),
                              UpstreamSourceConfig(url="https://c.example/", name="c")),
                  site=replace(old.site, title="New"))
    assert config_changes(old, new) == ConfigChanges(added=("feed:c",), removed=("feed:b",), changed=("feed:a",),
                                                     settings=("site",))
    assert not config_changes(old, old).any


def test_fingerprint_changes_with_files_and_ignores_hidden_ones(tmp_path: Path) -> None:
    config = Config(out=tmp_path / "out", articles=(ArticleSourceConfig(paths=(tmp_path / "posts",)),))
    missing = fingerprint(config)
    write_article(tmp_path / "posts", "a.md", "one")
    first = fingerprint(config)
    assert first != missing and fingerprint(config) == first
    write_article(tmp_path / "posts", ".a.md.swp", "editor")
    write_article(tmp_path / "posts", ".git/HEAD", "ref")
    assert fingerprint(config) == first
    write_article(tmp_path / "posts", "a.md", "one, longer")
    assert fingerprint(config) != first


def test_feed_offsets_are_fixed_per_name_and_small() -> None:
    feeds = [UpstreamSourceConfig(url="https://x.example/", name=f"feed-{i}", interval=1800) for i in range(50)]
    offsets = [feed_offset(feed) for feed in feeds]
    assert offsets == [feed_offset(feed) for feed in feeds]
    assert all(0 <= offset < 60 for offset in offsets) and len(set(offsets)) == 50
    assert feed_offset(replace(feeds[0], interval=1)) < 0.05


def test_text_log_lines_quote_what_needs_quoting() -> None:
    stream = io.StringIO()
    EventLog("text", stream).info("poll", source="a b", url="https://x/?a=1", entries=3, ok=True, none=None,
                                  reasons=["start", "files changed"])
    line = stream.getvalue()
    assert line.endswith(' info poll source="a b" url="https://x/?a=1" entries=3 ok=true '
                         'reasons="start,files changed"\n')
    stream = io.StringIO()
    EventLog("json", stream).warning("problem", message="引号 \"x\"")
    assert json.loads(stream.getvalue())["message"] == "引号 \"x\""


def test_the_systemd_example_is_consistent() -> None:
    config = load_config(EXAMPLES / "systemd" / "feedkit.toml")
    assert [feed.interval for feed in config.feeds] == [900, 3600]
    unit = (EXAMPLES / "systemd" / "feedkit.service").read_text(encoding="utf-8").replace("\\\n", " ")
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    arguments = shlex.split(exec_start.removeprefix("ExecStart="))
    assert arguments[1] == "run"
    known = {opt for param in main.commands["run"].params for opt in getattr(param, "opts", ())}
    assert {arg for arg in arguments if arg.startswith("--")} <= known
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit and "Restart=on-failure" in unit
    assert "ReadWritePaths=/var/lib/feedkit" in unit and "ProtectSystem=strict" in unit
