"""examples/nginx/feedkit.conf in front of the embedded server: run for real when nginx is installed.

The example's ports are swapped for free ones; everything else is the file as documented.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedkit.daemon.serve import OutputServer

from .conftest import EXAMPLES

NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)")
RSS = b'<?xml version="1.0" encoding="utf-8"?><rss><channel><title>t</title>' + b"<item/>" * 100 + b"</channel></rss>"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[int]:
    """feedkit's server behind nginx with the example config; nginx's port."""
    out = tmp_path / "out"
    (out / "all").mkdir(parents=True)
    (out / "all" / "rss.xml").write_bytes(RSS)
    (out / "index.html").write_bytes(b"<!doctype html><title>i</title>")
    feedkit = OutputServer("127.0.0.1", 0, root=lambda: out, health=lambda: (200, {"status": "ok"}))
    feedkit.start()
    port = free_port()
    site = (EXAMPLES / "nginx" / "feedkit.conf").read_text(encoding="utf-8")
    assert "server 127.0.0.1:8080;" in site and "listen 80;" in site
    site = site.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{feedkit.server_address[1]};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (tmp_path / "feedkit.conf").write_text(site, encoding="utf-8")
    user = "user root;\n" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(f"""{user}worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/feedkit.conf;
}}
""", encoding="utf-8")
    process = subprocess.Popen([str(NGINX), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"nginx did not start: {process.stdout.read().decode() if process.stdout else ''}")
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        feedkit.stop()


def get(port: int, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_nginx_passes_types_validators_and_304_through(proxied: int) -> None:
    status, headers, body = get(proxied, "/all/rss.xml")
    assert (status, body) == (200, RSS)
    assert headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert headers["etag"] and headers["last-modified"] and "Accept" in headers["vary"]
    assert get(proxied, "/all/rss.xml", If_None_Match=headers["etag"])[0] == 304
    assert get(proxied, "/all/rss.xml", "HEAD")[0] == 200
    assert get(proxied, "/all/rss.xml", "POST")[0] == 403  # limit_except GET
    assert get(proxied, "/missing.xml")[0] == 404
    assert get(proxied, "/healthz")[0] == 200  # from 127.0.0.1: allowed


def test_nginx_limits_a_greedy_client(proxied: int) -> None:
    statuses = [get(proxied, "/index.html")[0] for _ in range(80)]  # burst 50 at 10/s, from one address
    assert 200 in statuses and 503 in statuses
