"""Atomic write-if-changed into the output folder, and nothing outside it.

A reader (or a crash) sees either the old complete file or the new complete file:
the bytes go to a temporary file in the same folder, are flushed to disk, and the
temporary file is renamed over the target (:func:`os.replace`).  A file that already
holds exactly the new bytes is not touched, so its mtime (and HTTP caches) stay put.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from feedkit.config.types import Config
from feedkit.errors import OutputError
from feedkit.report import BuildReport

if TYPE_CHECKING:
    from feedkit.output.target import OutputTarget

NEW_FILE_MODE = 0o644
"""Permissions of a newly created output file; a replaced file keeps its own."""


def safe_output_path(out_dir: Path, rel_path: str) -> Path:
    """``out_dir / rel_path``, refusing anything that could land outside ``out_dir``.

    ``rel_path`` must be a relative posix path of plain segments: no absolute path,
    no ``..`` or ``.`` segment, no empty segment (``a//b``, a trailing ``/``), no NUL,
    no backslash.  The result, with symlinks resolved, must lie inside ``out_dir``
    (also resolved); a path that cannot be resolved (a symlink loop) is refused too.
    Raises :class:`~feedkit.errors.OutputError` naming the path.
    """
    reason = _unsafe_reason(rel_path)
    if reason is None:
        try:
            root = out_dir.resolve()
            target = (out_dir / rel_path).resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError before Python 3.13), ENAMETOOLONG
            raise OutputError(f"refusing to write {rel_path!r} under {out_dir}: cannot resolve it ({exc})") from None
        if target == root or not target.is_relative_to(root):
            reason = f"resolves to {target}, outside the output folder {root}"
    if reason is not None:
        raise OutputError(f"refusing to write {rel_path!r} under {out_dir}: {reason}")
    return out_dir / rel_path


def _unsafe_reason(rel_path: str) -> str | None:
    if not rel_path:
        return "empty path"
    if "\x00" in rel_path:
        return "contains a NUL character"
    if "\\" in rel_path:
        return "contains a backslash"
    if rel_path.startswith("/") or PurePosixPath(rel_path).is_absolute():
        return "is an absolute path"
    for segment in rel_path.split("/"):
        if segment == "":
            return "has an empty path segment"
        if segment in (".", ".."):
            return f"has a {segment!r} path segment"
    return None


def write_if_changed(out_dir: Path, rel_path: str, data: bytes) -> bool:
    """Write ``data`` to ``out_dir / rel_path`` atomically; ``False`` if it already held them.

    Creates missing parent folders.  New files get mode 0o644; an existing file keeps
    its mode.  On any failure the temporary file is removed and
    :class:`~feedkit.errors.OutputError` is raised naming the path.
    """
    target = safe_output_path(out_dir, rel_path)
    try:
        if _holds(target, data):
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        _replace_atomically(target, data, _mode_for(target))
    except FileExistsError as exc:
        raise OutputError(f"cannot write {target}: {exc.filename} exists and is not a folder") from exc
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(target) else ""
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}{where}") from exc
    return True


def _holds(target: Path, data: bytes) -> bool:
    """Whether ``target`` is a regular file with exactly ``data`` in it."""
    try:
        info = target.stat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
        return False
    return target.read_bytes() == data


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return NEW_FILE_MODE


def _replace_atomically(target: Path, data: bytes, mode: int) -> None:
    folder = target.parent
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable; some platforms and file systems cannot fsync a folder."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def publish_file(config: Config, rel_path: str, data: bytes, report: BuildReport,
                 target: OutputTarget | None = None) -> bool:
    """Write ``data`` to ``rel_path`` unless it already holds them; True when the file was written.

    ``target`` is where (:mod:`feedkit.output.target`; default: ``config``'s folder or bucket).
    In a dry run only the path is checked (nothing is written, False).
    """
    if target is None:
        from feedkit.output.target import open_target  # it builds on this module

        target = open_target(config)
    if report.dry_run:
        target.check(rel_path)
        return False
    if target.write_if_changed(rel_path, data):
        report.written.append(rel_path)
        return True
    report.unchanged.append(rel_path)
    return False
