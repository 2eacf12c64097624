"""feedkit.fetch against a real HTTP server on 127.0.0.1 (tests/httpserver.py) with every fault."""

from __future__ import annotations

import gzip
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedkit._version import __version__
from feedkit.config.types import FetchConfig
from feedkit.net.fetch import Validators, fetch, fetch_all, make_client, parse_retry_after, read_local, user_agent
from feedkit.net.guard import AddressRefused, address_refusal

from .httpserver import MIB, Route, Upstream

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
RSS = b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>"


def allowed(server: Upstream, **options: object) -> FetchConfig:
    return FetchConfig(allow_hosts=(server.host,), **options)  # type: ignore[arg-type]


# ---------------------------------------------------------------- success, conditional GET, encodings

def test_ok_returns_body_headers_and_validators(upstream: Upstream) -> None:
    upstream.route("/feed", RSS, etag='"v1"', last_modified="Wed, 01 May 2024 10:00:00 GMT",
                   headers={"X-Thing": "1"})
    result = fetch(upstream.url("/feed"), config=allowed(upstream), now=NOW)
    assert result.outcome == "ok" and result.status == 200 and result.error is None
    assert result.body == RSS
    assert result.headers["content-type"] == "application/rss+xml" and result.headers["x-thing"] == "1"
    assert result.validators == Validators('"v1"', "Wed, 01 May 2024 10:00:00 GMT")
    assert result.final_url == result.url == upstream.url("/feed") and result.moved_to is None


def test_request_is_honest_and_asks_for_compression(upstream: Upstream) -> None:
    upstream.route("/feed", RSS)
    fetch(upstream.url("/feed"), config=allowed(upstream), now=NOW)
    sent = upstream.requests["/feed"][0]
    assert sent["user-agent"] == f"feedkit/{__version__} (feed aggregator)"
    assert sent["accept-encoding"] == "gzip, deflate"
    assert "if-none-match" not in sent and "if-modified-since" not in sent


def test_user_agent_default_and_configured() -> None:
    assert user_agent(FetchConfig()) == f"feedkit/{__version__} (feed aggregator)"
    assert user_agent(FetchConfig(user_agent="my-planet/2 (+https://example.org)")) == "my-planet/2 (+https://example.org)"


def test_conditional_get_with_etag_gives_not_modified_without_body(upstream: Upstream) -> None:
    upstream.route("/feed", RSS, etag='"v1"')
    first = fetch(upstream.url("/feed"), config=allowed(upstream), now=NOW)
    second = fetch(upstream.url("/feed"), validators=first.validators, config=allowed(upstream), now=NOW)
    assert second.outcome == "not_modified" and second.status == 304 and second.body is None
    assert second.validators == Validators('"v1"', None)
    assert upstream.requests["/feed"][1]["if-none-match"] == '"v1"'


def test_conditional_get_with_last_modified(upstream: Upstream) -> None:
    stamp = "Wed, 01 May 2024 10:00:00 GMT"
    upstream.route("/feed", RSS, last_modified=stamp)
    result = fetch(upstream.url("/feed"), validators=Validators(None, stamp), config=allowed(upstream), now=NOW)
    assert result.outcome == "not_modified" and result.validators.last_modified == stamp
    assert upstream.requests["/feed"][0]["if-modified-since"] == stamp


def test_changed_feed_with_stale_validators_is_ok_with_new_validators(upstream: Upstream) -> None:
    upstream.route("/feed", RSS, etag='"v2"')
    result = fetch(upstream.url("/feed"), validators=Validators('"v1"', None), config=allowed(upstream), now=NOW)
    assert result.outcome == "ok" and result.validators == Validators('"v2"', None)


@pytest.mark.parametrize(("encoding", "encoded"), ids=["gzip", "x-gzip", "zlib", "raw-deflate", "two-members"],
                         argvalues=[
    ("gzip", gzip.compress(RSS)),
    ("x-gzip", gzip.compress(RSS)),
    ("deflate", zlib.compress(RSS)),
    ("deflate", zlib.compress(RSS)[2:-4]),  # raw deflate, as some servers send it
    ("gzip", gzip.compress(RSS[:20]) + gzip.compress(RSS[20:])),  # two gzip members
])
def test_compressed_bodies_are_decoded(upstream: Upstream, encoding: str, encoded: bytes) -> None:
    upstream.route("/feed", encoded, headers={"Content-Encoding": encoding})
    result = fetch(upstream.url("/feed"), config=allowed(upstream), now=NOW)
    assert result.outcome == "ok" and result.body == RSS


@pytest.mark.parametrize(("encoded", "encoding", "reason"), ids=["truncated", "corrupt", "br"], argvalues=[
    (gzip.compress(RSS)[:30], "gzip", "compressed body is truncated"),
    (b"not gzip at all", "gzip", "corrupt compressed body"),
    (RSS, "br", "unsupported Content-Encoding 'br'"),
])
def test_bad_compressed_bodies_are_errors(upstream: Upstream, encoded: bytes, encoding: str, reason: str) -> None:
    upstream.route("/feed", encoded, headers={"Content-Encoding": encoding})
    result = fetch(upstream.url("/feed"), config=allowed(upstream), now=NOW)
    assert result.outcome == "error" and result.body is None
    assert result.error is not None and result.error.startswith(upstream.url("/feed") + ": ") and reason in result.error


def test_wrong_content_type_is_passed_on_for_the_parser_to_judge(upstream: Upstream) -> None:
    upstream.route("/feed", b"<html><body>hi</body></html>", headers={"Content-Type": "text/html; charset=utf-8"})
    result = fetch(upstream.url("/feed"), config=allowed(upstream), now=NOW)
    assert result.outcome == "ok" and result.headers["content-type"] == "text/html; charset=utf-8"


# ---------------------------------------------------------------- redirects

def test_permanent_chain_records_the_last_permanent_target(upstream: Upstream) -> None:
    upstream.redirect("/a", "/b", 301)
    upstream.redirect("/b", "/c", 308)
    upstream.route("/c", RSS)
    result = fetch(upstream.url("/a"), config=allowed(upstream), now=NOW)
    assert result.outcome == "ok" and result.body == RSS
    assert result.url == upstream.url("/a") and result.final_url == upstream.url("/c")
    assert result.moved_to == upstream.url("/c")


@pytest.mark.parametrize(("first", "second", "moved"), [(301, 302, "/b"), (302, 301, None), (307, 308, None),
                                                        (303, 303, None)])
def test_moved_to_only_while_every_hop_so_far_was_permanent(
        upstream: Upstream, first: int, second: int, moved: str | None) -> None:
    upstream.redirect("/a", "/b", first)
    upstream.redirect("/b", "/c", second)
    upstream.route("/c", RSS)
    result = fetch(upstream.url("/a"), config=allowed(upstream), now=NOW)
    assert result.outcome == "ok" and result.final_url == upstream.url("/c")
    assert result.moved_to == (upstream.url(moved) if moved else None)


def test_relative_location_is_resolved(upstream: Upstream) -> None:
    upstream.routes["/a"] = Route(status=302, headers={"Location": "sub/feed.xml#frag"})
    upstream.route("/sub/feed.xml", RSS)
    result = fetch(upstream.url("/a"), config=allowed(upstream), now=NOW)
    assert result.outcome == "ok" and result.final_url == upstream.url("/sub/feed.xml")


def test_redirect_loop_is_detected(upstream: Upstream) -> None:
    upstream.redirect("/a", "/b", 302)
    upstream.redirect("/b", "/a", 302)
    result = fetch(upstream.url("/a"), config=allowed(upstream), now=NOW)
    assert result.outcome == "error" and result.error is not None
    assert result.error.startswith(upstream.url("/a") + ": redirect loop")
    assert upstream.hits["/a"] == 1 and upstream.hits["/b"] == 1


def test_redirect_limit(upstream: Upstream) -> None:
    for hop in range(4):
        upstream.redirect(f"/r{hop}", f"/r{hop + 1}", 302)
    upstream.route("/r4", RSS)
    assert fetch(upstream.url("/r0"), config=allowed(upstream, max_redirects=4), now=NOW).outcome == "ok"
    result = fetch(upstream.url("/r0"), config=allowed(upstream, max_redirects=3), now=NOW)
    assert result.outcome == "error" and result.error == f"{upstream.url('/r0')}: more than 3 redirects"


def test_redirect_to_another_scheme_is_refused(upstream: Upstream) -> None:
    upstream.redirect("/a", "file:///etc/passwd", 302)
    result = fetch(upstream.url("/a"), config=allowed(upstream), now=NOW)
    assert result.outcome == "error"
    assert result.error == f"{upstream.url('/a')}: redirect to file:///etc/passwd: only http and https URLs are fetched"


# ---------------------------------------------------------------- SSRF

def test_loopback_is_refused_without_an_allowance(upstream: Upstream) -> None:
    upstream.route("/feed", RSS)
    result = fetch(upstream.url("/feed"), config=FetchConfig(), now=NOW)
    assert result.outcome == "error"
    hint = "(allow it with [fetch] allow_hosts or --allow-host)"
    assert result.error == f"{upstream.url('/feed')}: address 127.0.0.1 is loopback {hint}"
    assert upstream.hits["/feed"] == 0


def test_allowance_is_per_port(upstream: Upstream) -> None:
    upstream.route("/feed", RSS)
    other_port = FetchConfig(allow_hosts=(f"127.0.0.1:{upstream.port + 1}",))
    assert fetch(upstream.url("/feed"), config=other_port, now=NOW).outcome == "error"
    assert fetch(upstream.url("/feed"), config=FetchConfig(allow_hosts=("127.0.0.1",)), now=NOW).outcome == "ok"


@pytest.mark.parametrize(("target", "reason"), [
    ("http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 is a cloud metadata address"),
    ("http://10.0.0.1/feed", "address 10.0.0.1 is private"),
    ("http://[::ffff:10.0.0.1]/", "address ::ffff:10.0.0.1 is private"),
    ("http://0.0.0.0:80/", "address 0.0.0.0 is unspecified"),
])
def test_redirect_to_a_refused_address_never_connects(upstream: Upstream, target: str, reason: str) -> None:
    upstream.redirect("/feed", target, 302)
    started = time.monotonic()
    result = fetch(upstream.url("/feed"), config=allowed(upstream, connect_timeout=5.0), now=NOW)
    assert time.monotonic() - started < 1.0  # no connection attempt to a black-holed address
    assert result.outcome == "error"
    hint = "(allow it with [fetch] allow_hosts or --allow-host)"
    assert result.error == f"{upstream.url('/feed')}: redirect to {target}: {reason} {hint}"


@pytest.mark.parametrize(("address", "reason"), [
    ("8.8.8.8", None), ("2606:4700:4700::1111", None), ("93.184.216.34", None),
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
    ("192.168.1.1", "private"), ("fc00::1", "private"), ("169.254.1.1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("169.254.169.254", "a cloud metadata address"), ("fd00:ec2::254", "a cloud metadata address"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("240.0.0.1", "private"), ("100.64.0.1", "not globally routable"), ("::ffff:127.0.0.1", "loopback"),
])
def test_address_refusal(address: str, reason: str | None) -> None:
    assert address_refusal(address) == reason


def test_client_checks_addresses_again_at_connect_time(upstream: Upstream) -> None:
    """The transport refuses on its own (DNS rebinding defence), before any connection."""
    upstream.route("/feed", RSS)
    with make_client(FetchConfig()) as client, pytest.raises(AddressRefused, match=r"127\.0\.0\.1 is loopback"):
        client.get(upstream.url("/feed"))
    assert upstream.hits["/feed"] == 0


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "file:///etc/passwd", "http:///nohost", "feed.xml"])
def test_only_http_and_https(url: str) -> None:
    result = fetch(url, config=FetchConfig(), now=NOW)
    assert result.outcome == "error" and result.error is not None and result.error.startswith(f"{url}: ")


# ---------------------------------------------------------------- deadlines and sizes

def test_slow_drip_is_cut_at_the_total_deadline(upstream: Upstream) -> None:
    upstream.drip("/slow")
    result = fetch(upstream.url("/slow"), config=allowed(upstream, timeout=1.5), now=NOW)
    assert result.outcome == "error" and result.error == f"{upstream.url('/slow')}: timed out after 1.5 s"
    assert 1.4 < result.elapsed < 2.2


def test_hang_is_cut_at_the_total_deadline(upstream: Upstream) -> None:
    upstream.hang("/stuck")
    result = fetch(upstream.url("/stuck"), config=allowed(upstream, timeout=1.5), now=NOW)
    assert result.outcome == "error" and result.error == f"{upstream.url('/stuck')}: timed out after 1.5 s"
    assert 1.4 < result.elapsed < 2.2


def test_gzip_bomb_is_refused_fast(upstream: Upstream) -> None:
    upstream.gzip_bomb("/bomb", 64 * MIB)
    result = fetch(upstream.url("/bomb"), config=allowed(upstream), now=NOW)
    assert result.outcome == "error" and result.body is None
    assert result.error == f"{upstream.url('/bomb')}: body larger than 15 MiB after decompression"
    assert result.elapsed < 2.0


@pytest.mark.parametrize("declare_length", [True, False])
def test_oversized_body_is_refused(upstream: Upstream, declare_length: bool) -> None:
    upstream.big("/big", 2 * MIB + 1, declare_length=declare_length)
    result = fetch(upstream.url("/big"), config=allowed(upstream, max_bytes=2 * MIB), now=NOW)
    assert result.outcome == "error" and result.error is not None
    assert result.error.startswith(f"{upstream.url('/big')}: body larger than 2 MiB")


def test_body_of_exactly_the_limit_is_accepted(upstream: Upstream) -> None:
    upstream.big("/big", 2 * MIB, declare_length=False)
    result = fetch(upstream.url("/big"), config=allowed(upstream, max_bytes=2 * MIB), now=NOW)
    assert result.outcome == "ok" and result.body is not None and len(result.body) == 2 * MIB


# ---------------------------------------------------------------- status codes and network errors

def test_410_is_gone(upstream: Upstream) -> None:
    upstream.route("/feed", b"gone", status=410)
    result = fetch(upstream.url("/feed"), config=allowed(upstream), now=NOW)
    assert result.outcome == "gone" and result.status == 410 and result.body is None
    assert result.error == f"{upstream.url('/feed')}: HTTP 410 Gone (the feed was removed)"


def test_429_with_seconds_is_throttled(upstream: Upstream) -> None:
    upstream.route("/feed", b"slow down", status=429, headers={"Retry-After": "120"})
    result = fetch(upstream.url("/feed"), config=allowed(upstream), now=NOW)
    assert result.outcome == "throttled" and result.status == 429
    assert result.retry_after == NOW + timedelta(seconds=120)
    expected = "HTTP 429 Too Many Requests (retry after 2024-05-01T12:02:00+00:00)"
    assert result.error == f"{upstream.url('/feed')}: {expected}"


def test_503_with_http_date_is_throttled(upstream: Upstream) -> None:
    upstream.route("/feed", b"", status=503, headers={"Retry-After": "Wed, 01 May 2024 15:00:00 GMT"})
    result = fetch(upstream.url("/feed"), config=allowed(upstream), now=NOW)
    assert result.outcome == "throttled" and result.retry_after == datetime(2024, 5, 1, 15, 0, tzinfo=UTC)


def test_503_without_retry_after(upstream: Upstream) -> None:
    upstream.route("/feed", b"", status=503)
    result = fetch(upstream.url("/feed"), config=allowed(upstream), now=NOW)
    assert result.outcome == "throttled" and result.retry_after is None
    assert result.error is not None and result.error.endswith("(no Retry-After)")


@pytest.mark.parametrize(("status", "text"), [(500, "HTTP 500 Internal Server Error"), (404, "HTTP 404 Not Found"),
                                              (403, "HTTP 403 Forbidden")])
def test_other_statuses_are_errors_naming_the_url(upstream: Upstream, status: int, text: str) -> None:
    upstream.route("/feed", b"oops", status=status)
    result = fetch(upstream.url("/feed"), validators=Validators('"v1"'), config=allowed(upstream), now=NOW)
    assert result.outcome == "error" and result.status == status and result.body is None
    assert result.error == f"{upstream.url('/feed')}: {text}"
    assert result.validators == Validators('"v1"')  # kept for the next attempt


def test_connection_refused_is_an_error(upstream: Upstream) -> None:
    port = upstream.port
    upstream.stop()
    result = fetch(f"http://127.0.0.1:{port}/feed", config=FetchConfig(allow_hosts=(f"127.0.0.1:{port}",)), now=NOW)
    assert result.outcome == "error" and result.status is None and result.error is not None
    assert result.error.startswith(f"http://127.0.0.1:{port}/feed: cannot connect: ")


def test_tls_failure_is_an_error(upstream: Upstream) -> None:
    url = f"https://127.0.0.1:{upstream.port}/feed"
    result = fetch(url, config=allowed(upstream, timeout=5.0), now=NOW)
    assert result.outcome == "error" and result.error is not None
    assert result.error.startswith(f"{url}: TLS error: ")


# ---------------------------------------------------------------- Retry-After parsing

@pytest.mark.parametrize(("value", "expected"), [
    ("0", NOW), ("3600", NOW + timedelta(hours=1)), (" 60 ", NOW + timedelta(minutes=1)),
    ("99999999999", NOW + timedelta(days=7)),
    ("Wed, 01 May 2024 13:00:00 GMT", datetime(2024, 5, 1, 13, tzinfo=UTC)),
    ("Wed, 01 May 2024 11:00:00 GMT", NOW),  # in the past: now
    ("Wed, 01 May 2030 13:00:00 GMT", NOW + timedelta(days=7)),
    ("-5", None), ("soon", None), ("", None), (None, None),
])
def test_parse_retry_after(value: str | None, expected: datetime | None) -> None:
    assert parse_retry_after(value, NOW) == expected


# ---------------------------------------------------------------- many at once

def test_fetch_all_keeps_order_and_the_per_host_limit(upstream: Upstream) -> None:
    for n in range(6):
        upstream.route(f"/f{n}", RSS + str(n).encode(), delay=0.3)
    upstream.route("/gone", b"", status=410)
    requests = [(upstream.url(f"/f{n}"), Validators()) for n in range(6)]
    requests.insert(3, (upstream.url("/gone"), Validators()))
    results = fetch_all(requests, config=allowed(upstream, per_host=2, max_parallel=8), now=NOW)
    assert [r.url for r in results] == [url for url, _ in requests]
    assert [r.outcome for r in results] == ["ok"] * 3 + ["gone"] + ["ok"] * 3
    assert results[4].body == RSS + b"3"
    assert upstream.max_in_flight == 2


def test_fetch_all_one_failure_does_not_stop_the_rest(upstream: Upstream) -> None:
    upstream.route("/ok", RSS)
    results = fetch_all([("ftp://x/", Validators()), (upstream.url("/ok"), Validators())],
                        config=allowed(upstream), now=NOW)
    assert [r.outcome for r in results] == ["error", "ok"]


def test_fetch_all_empty() -> None:
    assert fetch_all([], config=FetchConfig(), now=NOW) == []


# ---------------------------------------------------------------- local files

def test_read_local_ok(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(RSS)
    result = read_local(path, max_bytes=len(RSS))
    assert result.outcome == "ok" and result.body == RSS and result.status is None
    assert result.url == result.final_url == str(path) and result.error is None


@pytest.mark.parametrize(("setup", "reason"), [("big", "file larger than 10 bytes"), ("missing", "file not found"),
                                               ("folder", "not a regular file")])
def test_read_local_errors(tmp_path: Path, setup: str, reason: str) -> None:
    path = tmp_path / "feed.xml"
    if setup == "big":
        path.write_bytes(b"x" * 11)
    elif setup == "folder":
        path.mkdir()
    result = read_local(path, max_bytes=10)
    assert result.outcome == "error" and result.body is None and result.error == f"{path}: {reason}"
