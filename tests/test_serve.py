"""The HTTP server of the output folder: types, negotiation, 304, HEAD, gzip, the folder boundary."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from feedkit.daemon.serve import OutputServer, content_type, etag_matches, is_browser, parse_bind, resolve_request_path
from feedkit.errors import ConfigError

from .loadgen import conditional_gets, never_read, trickle, trickle_headers

CHROMIUM_ACCEPT = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
                   "*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")
FIREFOX_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FEEDPARSER_ACCEPT = ("application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,"
                     "application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1")
RSS = b'<?xml version="1.0" encoding="utf-8"?>\n<?xml-stylesheet type="text/xsl" href="../feed.xsl"?>\n<rss>' + \
    b"<channel><title>t</title>" + b"<item><title>x</title></item>" * 40 + b"</channel></rss>"
HEALTH: dict[str, Any] = {"status": "ok"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    files = {
        "index.html": b"<!doctype html><title>i</title>",
        "index.opml": b"<opml/>",
        "index.json": b"[]",
        "feed.xsl": b"<xsl:stylesheet/>",
        "all/rss.xml": RSS,
        "all/atom.xml": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>',
        "all/feed.json": b'{"version": "https://jsonfeed.org/version/1.1"}',
        "category/金融/rss.xml": RSS,
        ".all.rss.xml.abc.tmp": b"half a file",
        "empty/.keep": b"",
    }
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    (tmp_path / "secret.txt").write_bytes(b"secret")
    return out


@pytest.fixture
def server(site: Path) -> Iterator[OutputServer]:
    running = OutputServer("127.0.0.1", 0, root=lambda: site, health=lambda: (200, HEALTH), timeout=2.0)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def address(server: OutputServer) -> tuple[str, int]:
    host, port = server.server_address[:2]
    return str(host), int(port)


def request(server: OutputServer, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(*address(server), timeout=5)
    try:
        connection.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(("path", "expected"), [
    ("/all/rss.xml", "application/rss+xml; charset=utf-8"),
    ("/all/atom.xml", "application/atom+xml; charset=utf-8"),
    ("/all/feed.json", "application/feed+json; charset=utf-8"),
    ("/index.json", "application/json; charset=utf-8"),
    ("/index.opml", "text/x-opml; charset=utf-8"),
    ("/index.html", "text/html; charset=utf-8"),
    ("/feed.xsl", "text/xsl; charset=utf-8"),
])
def test_content_types(server: OutputServer, path: str, expected: str) -> None:
    status, headers, _ = request(server, path)
    assert (status, headers["content-type"]) == (200, expected)
    assert headers["x-content-type-options"] == "nosniff"


def test_other_xml_files_are_typed_by_their_root_element() -> None:
    assert content_type("2024.xml", b'<?xml version="1.0"?><!-- c --><rss version="2.0">').startswith(
        "application/rss+xml")
    assert content_type("a.xml", b'<rdf:RDF xmlns:rdf="x">').startswith("application/rss+xml")
    assert content_type("a.xml", b"<?xml-stylesheet href='f.xsl'?>\n<feed>").startswith("application/atom+xml")
    assert content_type("sitemap.xml", b"<urlset>") == "application/xml; charset=utf-8"
    assert content_type("logo.png", b"") == "image/png"
    assert content_type("blob", b"") == "application/octet-stream"


def test_browsers_get_feeds_as_application_xml_so_the_stylesheet_applies(server: OutputServer) -> None:
    for accept in (CHROMIUM_ACCEPT, FIREFOX_ACCEPT):
        status, headers, body = request(server, "/all/rss.xml", Accept=accept)
        assert (status, headers["content-type"], body) == (200, "application/xml; charset=utf-8", RSS)
        assert "Accept" in headers["vary"]
    _, headers, _ = request(server, "/all/atom.xml", Accept=CHROMIUM_ACCEPT)
    assert headers["content-type"] == "application/xml; charset=utf-8"
    _, headers, _ = request(server, "/all/feed.json", Accept=CHROMIUM_ACCEPT)
    assert headers["content-type"] == "application/feed+json; charset=utf-8"


def test_readers_get_feed_types() -> None:
    assert not is_browser("*/*")
    assert not is_browser("")
    assert not is_browser(FEEDPARSER_ACCEPT)
    assert not is_browser("application/rss+xml, text/html;q=0.5")  # names a feed type: a reader
    assert not is_browser("text/html;q=0")
    assert is_browser(CHROMIUM_ACCEPT)


def test_etag_round_trip_gives_304(server: OutputServer, site: Path) -> None:
    status, headers, body = request(server, "/all/rss.xml")
    etag = headers["etag"]
    assert status == 200 and body == RSS and etag.startswith('"')
    status, again, body = request(server, "/all/rss.xml", If_None_Match=etag)
    assert (status, body, again["etag"]) == (304, b"", etag)
    assert request(server, "/all/rss.xml", If_None_Match=f'"other", W/{etag}')[0] == 304
    assert request(server, "/all/rss.xml", If_None_Match="*")[0] == 304
    (site / "all" / "rss.xml").write_bytes(RSS + b"\n")
    status, changed, _ = request(server, "/all/rss.xml", If_None_Match=etag)
    assert status == 200 and changed["etag"] != etag


def test_if_modified_since_gives_304(server: OutputServer) -> None:
    _, headers, _ = request(server, "/all/rss.xml")
    assert request(server, "/all/rss.xml", If_Modified_Since=headers["last-modified"])[0] == 304
    assert request(server, "/all/rss.xml", If_Modified_Since="Thu, 01 Jan 1970 00:00:00 GMT")[0] == 200
    assert request(server, "/all/rss.xml", If_Modified_Since="yesterday")[0] == 200
    # If-None-Match wins over If-Modified-Since
    assert request(server, "/all/rss.xml", If_None_Match='"x"', If_Modified_Since=headers["last-modified"])[0] == 200


def test_each_representation_has_its_own_etag(server: OutputServer) -> None:
    plain = request(server, "/all/rss.xml")[1]["etag"]
    view = request(server, "/all/rss.xml", Accept=CHROMIUM_ACCEPT)[1]["etag"]
    zipped = request(server, "/all/rss.xml", Accept_Encoding="gzip")[1]["etag"]
    assert len({plain, view, zipped}) == 3
    assert request(server, "/all/rss.xml", If_None_Match=view)[0] == 200


def test_gzip_when_accepted(server: OutputServer) -> None:
    status, headers, body = request(server, "/all/rss.xml", Accept_Encoding="br, gzip;q=0.8")
    assert (status, headers["content-encoding"]) == (200, "gzip")
    assert gzip.decompress(body) == RSS and int(headers["content-length"]) == len(body)
    assert "content-encoding" not in request(server, "/all/rss.xml", Accept_Encoding="gzip;q=0")[1]
    assert "content-encoding" not in request(server, "/index.opml", Accept_Encoding="gzip")[1]  # too small


def test_head_sends_the_headers_of_get_without_a_body(server: OutputServer) -> None:
    _, get_headers, get_body = request(server, "/all/rss.xml")
    status, headers, body = request(server, "/all/rss.xml", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len(get_body)) and headers["etag"] == get_headers["etag"]


def test_root_and_folders_serve_index_html(server: OutputServer, site: Path) -> None:
    assert request(server, "/")[2] == (site / "index.html").read_bytes()
    assert request(server, "/?utm=1")[0] == 200
    assert request(server, "/all/")[0] == 404  # no index.html there, and no listing


def test_percent_encoded_unicode_paths(server: OutputServer) -> None:
    status, _, body = request(server, "/category/" + quote("金融") + "/rss.xml")
    assert (status, body) == (200, RSS)


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/all/../../secret.txt", "/all/%2E%2E/%2E%2E/secret.txt",
    "/..%2fsecret.txt", "//etc/passwd", "/all/rss.xml%00", "/all\\..\\..\\secret.txt",
    "/.all.rss.xml.abc.tmp", "/empty/.keep", "/%ff", "/healthz/../../secret.txt", "/nothing.xml", "/all",
])
def test_nothing_outside_the_folder_nor_hidden_is_served(server: OutputServer, path: str) -> None:
    status, _, body = request(server, path)
    assert status == 404 and b"secret" not in body


def test_symlink_out_of_the_folder_is_refused(server: OutputServer, site: Path, tmp_path: Path) -> None:
    os.symlink(tmp_path / "secret.txt", site / "link.txt")
    os.symlink(tmp_path, site / "up")
    os.symlink(site / "all" / "rss.xml", site / "inside.xml")
    assert request(server, "/link.txt")[0] == 404
    assert request(server, "/up/secret.txt")[0] == 404
    assert request(server, "/inside.xml")[2] == RSS


def test_resolve_request_path_without_a_server(site: Path) -> None:
    assert resolve_request_path(site, "/all/rss.xml?x=1#y") == site / "all" / "rss.xml"
    assert resolve_request_path(site, "all/rss.xml") is None
    assert resolve_request_path(site, "/") == site / "index.html"


def test_healthz_is_the_daemons_document(server: OutputServer) -> None:
    status, headers, body = request(server, "/healthz")
    assert (status, headers["content-type"], headers["cache-control"]) == (
        200, "application/json; charset=utf-8", "no-store")
    assert b'"status": "ok"' in body


def test_other_methods_are_not_served(server: OutputServer) -> None:
    assert request(server, "/all/rss.xml", method="POST")[0] == 501


def test_connections_are_bounded(site: Path) -> None:
    """Past ``max_connections`` a new connection waits in the backlog (no thread, no 503) until one closes."""
    running = OutputServer("127.0.0.1", 0, root=lambda: site, health=lambda: (200, HEALTH), max_connections=1,
                           timeout=10.0)
    running.start()
    try:
        with socket.create_connection(address(running), timeout=5) as idle:
            idle.sendall(b"GET /all/rss.xml HTTP/1.1\r\n")  # an unfinished request holds the only slot
            waiting = socket.create_connection(address(running), timeout=0.5)
            waiting.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            with pytest.raises(TimeoutError):
                waiting.recv(100)  # not answered while the slot is taken
            assert running.open_connections() == 1
        waiting.settimeout(5)
        assert waiting.recv(100).startswith(b"HTTP/1.1 200 ")  # answered once the slot is free
        waiting.close()
    finally:
        running.stop()


def test_an_idle_connection_is_closed_after_the_timeout(site: Path) -> None:
    running = OutputServer("127.0.0.1", 0, root=lambda: site, health=lambda: (200, HEALTH), timeout=1.0)
    running.start()
    try:
        with socket.create_connection(address(running), timeout=5) as idle:
            idle.sendall(b"GET /all/rss.xml HTTP/1.1\r\n")
            started = time.monotonic()
            assert idle.recv(100) == b""  # closed by the server
            assert time.monotonic() - started < 4
    finally:
        running.stop()


def test_keep_alive_serves_several_requests_on_one_connection(server: OutputServer) -> None:
    connection = http.client.HTTPConnection(*address(server), timeout=5)
    try:
        for path in ("/all/rss.xml", "/index.opml", "/all/feed.json"):
            connection.request("GET", path)
            response = connection.getresponse()
            assert response.status == 200 and response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(("value", "expected"), [
    ("127.0.0.1:8080", ("127.0.0.1", 8080)), (":8080", ("127.0.0.1", 8080)), ("8080", ("127.0.0.1", 8080)),
    ("0.0.0.0:80", ("0.0.0.0", 80)), ("[::1]:8080", ("::1", 8080)), ("localhost:0", ("localhost", 0)),
])
def test_parse_bind(value: str, expected: tuple[str, int]) -> None:
    assert parse_bind(value) == expected


@pytest.mark.parametrize("value", ["", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000", "host:-1"])
def test_parse_bind_refuses(value: str) -> None:
    with pytest.raises(ConfigError, match="--serve"):
        parse_bind(value)


def test_a_taken_port_is_a_clear_error(server: OutputServer) -> None:
    with pytest.raises(ConfigError, match=r"cannot listen on 127\.0\.0\.1:\d+"):
        OutputServer("127.0.0.1", server.server_address[1], root=Path, health=lambda: (200, HEALTH))


def test_etag_matches() -> None:
    assert etag_matches('"a", "b"', '"b"')
    assert etag_matches('W/"b"', '"b"')
    assert not etag_matches('"ab"', '"b"')


# ---------------------------------------------------------------- under load (figures: benchmarks/serve_load.py)


def test_hundreds_of_readers_stay_served_beside_slow_clients(site: Path) -> None:
    """100 clients trickling their headers and 50 that never read hold connections, not threads:
    200 readers doing conditional GETs are all answered, quickly, and nobody is refused."""
    (site / "big.xml").write_bytes(RSS * 200)  # ~300 KB: more than a socket buffer holds
    running = OutputServer("127.0.0.1", 0, root=lambda: site, health=lambda: (200, HEALTH), timeout=20.0)
    running.start()
    slow = []
    try:
        slow = [trickle_headers(address(running)) for _ in range(100)]
        slow += [never_read(address(running), "/big.xml") for _ in range(50)]
        paths = ["/all/rss.xml", "/index.html", "/category/%E9%87%91%E8%9E%8D/rss.xml"]
        result = conditional_gets(address(running), paths, connections=200, requests=1500, seconds=20)
        assert not result.errors, result.summary()
        assert set(result.statuses) <= {200, 304} and result.statuses[304] > result.statuses[200], result.summary()
        assert result.requests == 1500, result.summary()
        assert result.p99 < 3.0, result.summary()  # generous: two shared cores, generator included
        assert sum(trickle(connection) for connection in slow[:100]) == 100  # still held, still harmless
        assert running.open_connections() >= 150
    finally:
        for connection in slow:
            connection.close()
        running.stop()


def test_a_build_replacing_a_file_mid_request_gives_old_or_new_never_a_mix(site: Path) -> None:
    versions = [RSS.replace(b"<title>x</title>", b"<title>%d</title>" % n) * 100 for n in (1, 2)]
    target = site / "all" / "rss.xml"
    target.write_bytes(versions[0])
    running = OutputServer("127.0.0.1", 0, root=lambda: site, health=lambda: (200, HEALTH), timeout=5.0)
    running.start()
    stop = threading.Event()

    def build() -> None:  # what the writer does: a hidden temporary file renamed over the old one
        turn = 0
        while not stop.is_set():
            turn += 1
            temporary = target.with_name(f".rss.xml.{turn}.tmp")
            temporary.write_bytes(versions[turn % 2])
            os.replace(temporary, target)

    builder = threading.Thread(target=build, daemon=True)
    builder.start()
    seen: Counter[int] = Counter()
    try:
        connection = http.client.HTTPConnection(*address(running), timeout=5)
        deadline = time.monotonic() + 3
        while (time.monotonic() < deadline and len(seen) < 2) or sum(seen.values()) < 200:
            connection.request("GET", "/all/rss.xml")
            response = connection.getresponse()
            body, etag = response.read(), response.getheader("ETag")
            assert body in versions, f"a torn answer of {len(body)} bytes"
            assert etag == f'"{hashlib.sha256(body).hexdigest()[:32]}"'  # the ETag of these very bytes
            seen[versions.index(body)] += 1
            if time.monotonic() > deadline + 10:
                break
        connection.close()
    finally:
        stop.set()
        builder.join(timeout=5)
        running.stop()
    assert len(seen) == 2, seen  # both versions were served meanwhile
