"""Shared fixtures: where the real corpora live, small article writers, and a real upstream HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import s3server
from .httpserver import Upstream
from .outputcheck_plugin import _checked_output, pytest_configure, pytest_terminal_summary  # noqa: F401
from .pgserver import PgServer, Unavailable

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "000_dfe2e70512514d13.txt"
CORPUS = SHARED / "corpus"
EXAMPLES = REPO / "examples"


def need_shared(path: Path) -> Path:
    """Skip the calling test when the shared corpus folder (next to the repo) is absent."""
    if not path.exists():
        pytest.skip(f"{path} not present (shared corpus is optional)")
    return path


@pytest.fixture
def seed() -> Path:
    return need_shared(SEED)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    """A real HTTP server on 127.0.0.1 (tests/httpserver.py), stopped after the test."""
    with Upstream.running() as server:
        yield server


def write_article(folder: Path, rel_path: str, text: str) -> Path:
    path = folder / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def daemons() -> Iterator[list[Any]]:
    """Started ``feedkit run`` subprocesses (``tests/test_daemon.py``'s ``Daemon``), killed after the test
    whatever happened."""
    started: list[Any] = []
    yield started
    for daemon in started:
        daemon.kill()


@pytest.fixture(scope="session")
def server() -> Iterator[s3server.S3Server]:
    """A real S3 server on 127.0.0.1 (moto's, tests/s3server.py); skips, saying why, without one.

    One per session: moto keeps its buckets in the process, so a second server would see the first's
    buckets under the names :meth:`~tests.s3server.S3Server.new_bucket` hands out again."""
    with s3server.running() as running:
        yield running


@pytest.fixture
def s3(server: s3server.S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> s3server.S3Server:
    """The S3 server, with its endpoint and credentials in the environment (subprocesses inherit them)."""
    s3server.aws_environment(monkeypatch, server.endpoint, tmp_path)
    return server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL server for the whole session (tests/pgserver.py); skips, saying why, without one."""
    try:
        server = PgServer.start()
    except Unavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a fresh, empty PostgreSQL store (a schema of its own)."""
    return pg_server.url()
