"""Where a build's files go: an output target.  The one interface every write goes through.

:func:`~feedkit.output.write.publish_file` and the incremental machinery
(:class:`feedkit.pipeline.incremental.Outputs`) speak only to an :class:`OutputTarget`:

* :class:`LocalFolder` — the output folder: containment, atomic replace and write-if-changed of
  :mod:`feedkit.output.write`, byte for byte what feedkit always did; a file's *stamp* is its
  size and modification time (``os.lstat``).
* :class:`~feedkit.output.bucket.S3Bucket` — an S3-compatible bucket (``s3://bucket/prefix``):
  one atomic ``PUT`` per changed object, compared by MD5/ETag first; a file's stamp is its size
  and (a hash of) its ETag, read from one listing of the prefix per build.

A stamp that differs from the one a build remembered means someone else changed or removed
the file: the next build writes it again.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from feedkit.config.types import FILE_NAMES, Config
from feedkit.errors import OutputError
from feedkit.output.write import check_output_path, write_if_changed

Stamp = tuple[int, int]
"""``(size, version)`` of a published file: local ``(st_size, st_mtime_ns)``; bucket ``(size, ETag hash)``."""

FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}
_BY_NAME = {FILE_NAMES[fmt]: FEED_TYPES[fmt] for fmt in FILE_NAMES}
_BY_SUFFIX = {".opml": "text/x-opml", ".html": "text/html", ".xsl": "text/xsl", ".json": "application/json",
              ".xml": "application/xml"}


def content_type(rel_path: str) -> str:
    """The ``Content-Type`` a published file is stored with (the same types ``feedkit run --serve``
    gives feed readers): ``rss.xml`` ``application/rss+xml``, ``atom.xml`` ``application/atom+xml``,
    ``feed.json`` ``application/feed+json``, ``.opml`` ``text/x-opml``, ``.html`` ``text/html``,
    ``.xsl`` ``text/xsl``, ``.json`` ``application/json``; text types with ``charset=utf-8``."""
    name = rel_path.rsplit("/", 1)[-1]
    kind = _BY_NAME.get(name) or _BY_SUFFIX.get(os.path.splitext(name)[1].lower(), "application/octet-stream")
    return kind if kind == "application/octet-stream" else f"{kind}; charset=utf-8"


class OutputTarget(Protocol):
    """What a build writes to.  Every method takes a relative posix path of plain segments."""

    @property
    def where(self) -> str:
        """The folder or ``s3://`` URL, for messages."""
        ...

    def check(self, rel_path: str) -> None:
        """Raise :class:`~feedkit.errors.OutputError` if ``rel_path`` could land outside the target."""

    def write_if_changed(self, rel_path: str, data: bytes, *, replaced: list[str] | None = None) -> bool:
        """Publish ``data`` at ``rel_path`` atomically; False (and nothing sent) when it already holds them.

        A folder target replaces symlinks on the way instead of writing through them, and appends
        each one to ``replaced`` (``"rel/path -> where it pointed"``); a bucket has none."""
        ...

    def read(self, rel_path: str) -> bytes | None:
        """The published bytes at ``rel_path``; None when there is no such file."""
        ...

    def stamp(self, rel_path: str) -> Stamp | None:
        """The stamp of the published file, None when there is none (no request per file)."""
        ...


class LocalFolder:
    """The output folder (:mod:`feedkit.output.write`): today's behaviour, byte for byte."""

    def __init__(self, out: Path) -> None:
        self.out = out

    @property
    def where(self) -> str:
        return str(self.out)

    def check(self, rel_path: str) -> None:
        check_output_path(self.out, rel_path)

    def write_if_changed(self, rel_path: str, data: bytes, *, replaced: list[str] | None = None) -> bool:
        return write_if_changed(self.out, rel_path, data, replaced=replaced)

    def read(self, rel_path: str) -> bytes | None:
        path = self.out / rel_path
        return path.read_bytes() if path.is_file() else None

    def stamp(self, rel_path: str) -> Stamp | None:
        """Size and mtime of a regular file reached through real folders only: a planted symlink, at
        the file or at a folder on the way, has no stamp (so the file counts as changed)."""
        path = self.out / rel_path
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode):
                return None
            for parent in list(path.parents)[: rel_path.count("/")]:
                if not stat.S_ISDIR(os.lstat(parent).st_mode):
                    return None
        except OSError:
            return None
        return info.st_size, info.st_mtime_ns


BeforeWrite = Callable[[str], None]
"""Called with a file's relative path before it is written; raising stops the write (and the build)."""


class GuardedTarget:
    """A target that asks ``before_write`` before every write: a daemon that may have lost its publisher
    lease stops before its next file (:mod:`feedkit.daemon.lease`)."""

    def __init__(self, target: OutputTarget, before_write: BeforeWrite) -> None:
        self._target = target
        self._before_write = before_write

    @property
    def where(self) -> str:
        return self._target.where

    def check(self, rel_path: str) -> None:
        self._target.check(rel_path)

    def write_if_changed(self, rel_path: str, data: bytes, *, replaced: list[str] | None = None) -> bool:
        self._before_write(rel_path)
        return self._target.write_if_changed(rel_path, data, replaced=replaced)

    def read(self, rel_path: str) -> bytes | None:
        return self._target.read(rel_path)

    def stamp(self, rel_path: str) -> Stamp | None:
        return self._target.stamp(rel_path)


def open_target(config: Config, before_write: BeforeWrite | None = None) -> OutputTarget:
    """The target of ``config``: its bucket (``[output] url``) or its output folder (asking ``before_write``
    before each write, when given)."""
    target: OutputTarget
    if not config.to_bucket:
        target = LocalFolder(config.out)
    else:
        try:
            from feedkit.output.bucket import S3Bucket
        except ImportError as exc:  # the optional extra is missing
            raise OutputError(f"publishing to {config.output.url} needs boto3, which is not installed "
                              f"({exc.name}): pip install 'feedkit[s3]'") from None
        target = S3Bucket(config.output)
    return target if before_write is None else GuardedTarget(target, before_write)
