"""The embedded HTTP server against hostile requests: a real ``feedkit run --serve`` subprocess and
raw sockets (no client library tidies the request line up first).

Every answer must be a proper HTTP response (never a dropped connection or a traceback), and
nothing outside the output folder, hidden, or reached through a symlink that leaves it is served.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedkit.daemon.serve import OutputServer, resolve_request_path

from .conftest import write_article

SECRET = b"top secret"


def raw_request(address: tuple[str, int], request: bytes) -> tuple[int, bytes]:
    """Send ``request`` as it is; (status, body) of the answer (status 0: the connection was dropped)."""
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(request)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0), body


def get(address: tuple[str, int], target: bytes, method: bytes = b"GET") -> tuple[int, bytes]:
    return raw_request(address, method + b" " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       b"Content-Length: 0\r\n\r\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built output folder with every kind of trap in it, and a secret next to it."""
    tmp_path = tmp_path_factory.mktemp("hostile-serve")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    write_article(tmp_path / "posts", "a.md", "---\ntitle: A\ndate: 2022-01-01\ncategories: [x]\n---\nbody\n")
    (tmp_path / "feedkit.toml").write_text('out = "out"\n[[articles]]\npaths = ["posts"]\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "feedkit", "build", "--config", "feedkit.toml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    os.symlink(tmp_path / "secret.txt", out / "leak.txt")
    os.symlink(tmp_path, out / "up")
    os.symlink("loop-b", out / "loop-a")
    os.symlink("loop-a", out / "loop-b")
    os.symlink("../../posts", out / "all" / "posts")
    return out


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[tuple[str, int]]:
    """``feedkit run --serve`` on the site, for at most 60 s; its address."""
    log = site.parent / "daemon.log"
    with log.open("wb") as stream:
        process = subprocess.Popen(
            [sys.executable, "-m", "feedkit", "run", "--config", "feedkit.toml", "--serve", "127.0.0.1:0",
             "--stop-after", "60", "--log-format", "json"], cwd=site.parent, stdout=stream, stderr=subprocess.STDOUT)
    try:
        yield _wait_for_address(log)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert "Traceback" not in log.read_text(encoding="utf-8")


def _wait_for_address(log: Path) -> tuple[str, int]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for line in log.read_text(encoding="utf-8").splitlines():
            if line.startswith("{") and json.loads(line).get("event") == "serving":
                host, _, port = json.loads(line)["url"].removeprefix("http://").rstrip("/").rpartition(":")
                return host, int(port)
        time.sleep(0.05)
    pytest.fail(f"the daemon did not start serving:\n{log.read_text(encoding='utf-8')[-2000:]}")


TRAVERSALS = [
    b"/../../secret.txt", b"/%2e%2e/secret.txt", b"/%2E%2E/%2e%2e/secret.txt", b"/all/..%2f..%2fsecret.txt",
    b"/all/%2e%2e/%2e%2e/secret.txt", b"/..%5c..%5csecret.txt", b"/all\\..\\..\\secret.txt",
    b"/index.html%00.txt", b"/%00", b"/all/rss.xml%00", b"/leak.txt", b"/up/secret.txt", b"/all/posts/a.md",
    b"/loop-a", b"/loop-a/rss.xml", b"/%ff%fe", b"//secret.txt", b"/./../secret.txt",
    b"http://evil.example/../secret.txt", b"http://127.0.0.1/../../secret.txt", b"*",
    b"/" + b"a" * 300, b"/" + b"a" * 300 + b"/rss.xml", b"/" + b"a/" * 3000, b"/%2e" * 2000,
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=lambda t: t[:40].decode("latin-1"))
def test_hostile_targets_get_a_404_and_nothing_outside(served: tuple[str, int], target: bytes) -> None:
    status, body = get(served, target)
    assert status == 404, (target[:80], status)
    assert SECRET not in body


def test_a_huge_request_line_is_refused_not_dropped(served: tuple[str, int]) -> None:
    # just over the 16 KiB limit of a request head: the server answers 431 and closes without
    # reading the rest, so the close may come as a reset after the answer
    with socket.create_connection(served, timeout=10) as connection:
        connection.sendall(b"GET /" + b"a" * 17_000)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := connection.recv(65536):
                answer += chunk
    assert answer.startswith(b"HTTP/1.0 431 Request Header Fields Too Large\r\n"), answer[:80]


def test_methods(served: tuple[str, int]) -> None:
    assert get(served, b"/all/rss.xml", b"HEAD") == (200, b"")
    for method in (b"POST", b"PUT", b"DELETE", b"TRACE", b"CONNECT", b"PATCH"):
        status, body = get(served, b"/all/rss.xml", method)
        assert status == 501 and SECRET not in body, method
    assert get(served, b"/all/rss.xml")[0] == 200  # still serving after all that


def test_resolve_request_path_never_raises(tmp_path: Path) -> None:
    """A name too long for the file system or a symlink loop raised from the handler: the connection dropped."""
    out = tmp_path / "out"
    out.mkdir()
    os.symlink("b", out / "a")
    os.symlink("a", out / "b")
    for target in ("/" + "x" * 300, "/" + "x" * 300 + "/", "/a", "/a/", "/a/x", "/" + "d/" * 3000):
        assert resolve_request_path(out, target) is None, target


def test_the_in_process_server_answers_404_for_a_symlink_loop(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.symlink("b", out / "a")
    os.symlink("a", out / "b")
    server = OutputServer("127.0.0.1", 0, root=lambda: out, health=lambda: (200, {}), timeout=2.0)
    server.start()
    try:
        host, port = server.server_address[:2]
        assert get((str(host), int(port)), b"/a")[0] == 404
        assert get((str(host), int(port)), b"/" + b"y" * 300)[0] == 404
    finally:
        server.stop()
