"""Publishing to an S3-compatible bucket (``s3://bucket/prefix``) with boto3 (``pip install 'feedkit[s3]'``).

* **Credentials** come only from boto3's usual chain: ``AWS_ACCESS_KEY_ID`` /
  ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``, ``AWS_PROFILE`` with ``~/.aws/credentials``
  and ``~/.aws/config`` (SSO, assumed roles), web identity, container and instance roles.
  ``feedkit.toml`` never holds them (:mod:`feedkit.config.load` refuses such keys).
  The endpoint of an S3-compatible service: ``[output] endpoint_url`` or ``AWS_ENDPOINT_URL``.
* **Only changed bytes are sent.**  One listing of the prefix per build (1 request per 1,000
  objects) gives every object's size and ETag; a file whose size and MD5 equal them is not
  uploaded.  An ETag that is no plain MD5 (SSE-KMS, a multipart upload by another tool) is
  checked against the ``x-amz-meta-feedkit-md5`` feedkit stores with every object (one ``HEAD``).
* **Atomic per object.**  Each file is one ``PUT`` with ``Content-MD5``: the service stores the
  whole body or nothing, so a reader gets the old object or the new one, never a part.  Across
  objects there is no transaction: the build orders its writes (archive pages before the
  document naming them, channels before the index files) so that a reader following links
  from an index never finds a missing object.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from feedkit.config.types import OutputConfig
from feedkit.errors import OutputError
from feedkit.output.target import Stamp, content_type
from feedkit.output.write import _unsafe_reason as unsafe_reason  # the folder's path rules, shared

MD5_METADATA = "feedkit-md5"
"""User metadata (``x-amz-meta-feedkit-md5``) with the hex MD5 of the object's bytes."""
MAX_KEY_BYTES = 1024
_PLAIN_MD5 = re.compile(r"[0-9a-f]{32}")
_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)


class S3Bucket:
    """An S3-compatible bucket as an :class:`~feedkit.output.target.OutputTarget`."""

    def __init__(self, output: OutputConfig, client: Any = None) -> None:
        located = output.bucket
        if located is None:
            raise OutputError("no bucket: [output] url is not set")
        self.bucket, self.prefix = located
        self.url = output.url or ""
        self.cache_control = output.cache_control
        self.client = client if client is not None else _client(output)
        self._objects: dict[str, tuple[int, str]] | None = None
        self.uploaded: list[str] = []
        """Paths put by this target, in order."""

    @property
    def where(self) -> str:
        return self.url

    def key(self, rel_path: str) -> str:
        return f"{self.prefix}/{rel_path}" if self.prefix else rel_path

    def check(self, rel_path: str) -> None:
        reason = unsafe_reason(rel_path)
        if reason is None and len(self.key(rel_path).encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
            reason = f"its key is longer than {MAX_KEY_BYTES} bytes"
        if reason is not None:
            raise OutputError(f"refusing to write {rel_path!r} to {self.url}: {reason}")

    def write_if_changed(self, rel_path: str, data: bytes, *, replaced: list[str] | None = None) -> bool:
        self.check(rel_path)
        digest = hashlib.md5(data, usedforsecurity=False)
        md5 = digest.hexdigest()
        known = self._listing().get(rel_path)
        if known is not None and known[0] == len(data) and self._holds(rel_path, known[1], md5):
            return False
        try:
            answer = self.client.put_object(
                Bucket=self.bucket, Key=self.key(rel_path), Body=data, ContentType=content_type(rel_path),
                CacheControl=self.cache_control, ContentMD5=base64.b64encode(digest.digest()).decode("ascii"),
                Metadata={MD5_METADATA: md5})
        except _ERRORS as exc:
            raise OutputError(f"cannot write {self.url}/{rel_path}: {_describe(exc)}") from exc
        self._listing()[rel_path] = (len(data), str(answer.get("ETag", "")).strip('"'))
        self.uploaded.append(rel_path)
        return True

    def read(self, rel_path: str) -> bytes | None:
        self.check(rel_path)
        if rel_path not in self._listing():
            return None
        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=self.key(rel_path))["Body"].read()
        except botocore.exceptions.ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                return None
            raise OutputError(f"cannot read {self.url}/{rel_path}: {_describe(exc)}") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise OutputError(f"cannot read {self.url}/{rel_path}: {_describe(exc)}") from exc
        return body

    def stamp(self, rel_path: str) -> Stamp | None:
        known = self._listing().get(rel_path)
        if known is None:
            return None
        version = hashlib.blake2b(known[1].encode("utf-8"), digest_size=7).digest()
        return known[0], int.from_bytes(version, "big")

    def _holds(self, rel_path: str, etag: str, md5: str) -> bool:
        if etag == md5:
            return True
        if _PLAIN_MD5.fullmatch(etag):
            return False
        try:  # not an MD5 ETag: the digest feedkit stored with the object says
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(rel_path))
        except _ERRORS:
            return False
        return bool(head.get("Metadata", {}).get(MD5_METADATA) == md5)

    def _listing(self) -> dict[str, tuple[int, str]]:
        """Every object under the prefix: relative path -> (size, ETag), listed once per target."""
        if self._objects is None:
            start = f"{self.prefix}/" if self.prefix else ""
            objects: dict[str, tuple[int, str]] = {}
            try:
                for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
                    for item in page.get("Contents", ()):
                        objects[item["Key"][len(start):]] = (int(item["Size"]), str(item["ETag"]).strip('"'))
            except _ERRORS as exc:
                raise OutputError(f"cannot list {self.url}: {_describe(exc)}") from exc
            self._objects = objects
        return self._objects


def _client(output: OutputConfig) -> Any:
    """An S3 client from boto3's credential chain; ``endpoint_url`` and ``region`` when configured."""
    settings = botocore.config.Config(
        connect_timeout=10, read_timeout=60, retries={"mode": "standard", "max_attempts": 5},
        request_checksum_calculation="when_required", response_checksum_validation="when_required",
        user_agent_extra="feedkit")
    try:
        return boto3.session.Session().client("s3", endpoint_url=output.endpoint_url, region_name=output.region,
                                              config=settings)
    except _ERRORS as exc:
        raise OutputError(f"cannot open {output.url}: {_describe(exc)}") from exc


def _code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _describe(exc: Exception) -> str:
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return ("no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, "
                "or use an instance role)")
    return str(exc)
