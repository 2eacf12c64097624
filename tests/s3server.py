"""A real S3-compatible server on 127.0.0.1 for the bucket tests: moto's standalone server.

:class:`S3Server` runs ``moto.server.ThreadedMotoServer`` (the same HTTP server as
``moto_server``, in a thread) on a free port and records every request line the server logs,
in the order it served them, so tests see exactly which objects were put and when.
When moto or boto3 cannot be imported the tests skip with a line saying so.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

ACCESS_KEY = "feedkit-test-key"
SECRET_KEY = "feedkit-test-secret"


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    cache_control: str
    etag: str


class _Requests(logging.Handler):
    """Every request line werkzeug logs for the server: ``(method, path)``, in order."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: list[tuple[str, str]] = []  # appended under the handler's own lock (logging.Handler.handle)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if '"' not in message:
            return
        request = message.split('"')[1].split(" ")
        if len(request) >= 2:
            self.seen.append((request[0], unquote(urlsplit(request[1]).path)))


class S3Server:
    def __init__(self) -> None:
        try:
            import boto3
            from moto.server import ThreadedMotoServer
        except ImportError as exc:
            pytest.skip(f"no S3 server: {exc.name} is not installed (pip install 'feedkit[dev]' brings moto[server])")
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=True)
        self._requests = _Requests()
        logger = logging.getLogger("werkzeug")
        logger.addHandler(self._requests)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        try:
            self._server.start()
        except OSError as exc:
            pytest.skip(f"no S3 server: moto's server could not start on 127.0.0.1 ({exc})")
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.client: Any = boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
        self._buckets = 0

    def stop(self) -> None:
        self._server.stop()
        logging.getLogger("werkzeug").removeHandler(self._requests)

    def new_bucket(self, name: str | None = None) -> str:
        self._buckets += 1
        bucket = name or f"feedkit-test-{self._buckets}"
        self.client.create_bucket(Bucket=bucket)
        return bucket

    def mark(self) -> int:
        """A position in the request log, for :meth:`puts`."""
        return len(self._requests.seen)

    def puts(self, bucket: str, since: int = 0) -> list[str]:
        """Keys put into ``bucket`` since :meth:`mark`, in the order the server stored them."""
        return [path[len(bucket) + 2:] for method, path in self._requests.seen[since:]
                if method == "PUT" and path.startswith(f"/{bucket}/")]

    def objects(self, bucket: str, prefix: str = "") -> dict[str, StoredObject]:
        """Every object under ``prefix`` (relative key -> bytes and headers), read back over HTTP."""
        found: dict[str, StoredObject] = {}
        start = f"{prefix}/" if prefix else ""
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=start):
            for item in page.get("Contents", ()):
                answer = self.client.get_object(Bucket=bucket, Key=item["Key"])
                found[item["Key"][len(start):]] = StoredObject(
                    answer["Body"].read(), answer["ContentType"], answer.get("CacheControl", ""),
                    answer["ETag"].strip('"'))
        return found


@contextlib.contextmanager
def running() -> Iterator[S3Server]:
    server = S3Server()
    try:
        yield server
    finally:
        server.stop()


def aws_environment(monkeypatch: pytest.MonkeyPatch, endpoint: str, tmp: Any) -> None:
    """Credentials and endpoint for the local server from the environment only, as a user sets them;
    no ~/.aws file and no instance metadata (nothing leaves 127.0.0.1)."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
