"""Atomic write-if-changed into the output folder, and nothing outside it.

A reader (or a crash) sees either the old complete file or the new complete file:
the bytes go to a temporary file in the same folder (``.NAME.feedkit-XXXXXXXX.tmp``), are
flushed to disk, and the temporary file is renamed over the target.  A file that already
holds exactly the new bytes is not touched, so its mtime (and HTTP caches) stay put.

Below the output folder nothing is ever followed: every folder on the way to a file is
opened with ``O_NOFOLLOW`` relative to its parent (no race between a check and the write),
and a symlink found where the build writes a file or a folder is *replaced* — the link
itself, never what it points at — by a regular file or a real folder, and named in the
report.  The output folder itself may be a symlink (the operator's choice).

A failure of the file system (no space left, read-only, permission denied, I/O error)
raises :class:`OutputFolderError`: the build stops there and every file keeps its old or its
new complete version.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from feedkit.config.types import Config
from feedkit.errors import OutputError
from feedkit.model import Problem, Severity
from feedkit.report import BuildReport

if TYPE_CHECKING:
    from feedkit.output.target import OutputTarget

NEW_FILE_MODE = 0o644
"""Permissions of a newly created output file; a replaced file keeps its own."""
NEW_FOLDER_MODE = 0o755
TEMP_PATTERN = re.compile(r"^\..+\.feedkit-[0-9a-f]{8}\.tmp$")
"""Names of the temporary files a write leaves behind only when it is killed."""

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class OutputFolderError(OutputError):
    """The file system refused a write (full, read-only, permission, I/O): the whole build stops."""


def safe_output_path(out_dir: Path, rel_path: str) -> Path:
    """``out_dir / rel_path``, refusing anything that could land outside ``out_dir``.

    ``rel_path`` must be a relative posix path of plain segments: no absolute path,
    no ``..`` or ``.`` segment, no empty segment (``a//b``, a trailing ``/``), no NUL,
    no backslash.  The result, with symlinks resolved, must lie inside ``out_dir``
    (also resolved); a path that cannot be resolved (a symlink loop) is refused too.
    Raises :class:`~feedkit.errors.OutputError` naming the path.  (What *reading* a path
    needs, e.g. the server; :func:`write_if_changed` replaces symlinks instead of following them.)
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


def check_output_path(out_dir: Path, rel_path: str) -> Path:
    """``out_dir / rel_path`` if ``rel_path`` is a plain relative path (see :func:`safe_output_path`);
    symlinks on the way do not matter, since a write replaces them."""
    reason = _unsafe_reason(rel_path)
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


def write_if_changed(out_dir: Path, rel_path: str, data: bytes, *, replaced: list[str] | None = None) -> bool:
    """Write ``data`` to ``out_dir / rel_path`` atomically; ``False`` if it already held them.

    Creates missing folders (the output folder too).  New files get mode 0o644; an existing
    file keeps its mode.  A symlink on the way or at the target is replaced (see the module);
    each one replaced is appended to ``replaced`` as ``"rel/path -> where it pointed"``.
    On any failure the temporary file is removed and :class:`~feedkit.errors.OutputError`
    (:class:`OutputFolderError` for a refusal of the file system) is raised naming the path.
    """
    target = check_output_path(out_dir, rel_path)
    *folders, name = rel_path.split("/")
    found: list[str] = [] if replaced is None else replaced
    try:
        with _open_folders(out_dir, folders, found) as folder:
            try:
                info = os.lstat(name, dir_fd=folder)
            except FileNotFoundError:
                info = None
            if info is not None and stat.S_ISDIR(info.st_mode):
                raise OutputError(f"cannot write {target}: Is a directory (a folder is where the file goes)")
            if info is not None and stat.S_ISLNK(info.st_mode):
                found.append(f"{rel_path} -> {_link_text(name, folder)}")
                mode = NEW_FILE_MODE
            elif info is not None and stat.S_ISREG(info.st_mode):
                if info.st_size == len(data) and _read(name, folder) == data:
                    return False
                mode = stat.S_IMODE(info.st_mode)
            else:
                mode = NEW_FILE_MODE
            _replace_atomically(folder, name, data, mode)
    except OutputError:
        raise
    except OSError as exc:
        raise _folder_error(target, exc) from exc
    return True


def _folder_error(target: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "free some space (or move the output folder), then build again"
    elif exc.errno == errno.EROFS:
        hint = "the output folder is on a read-only file system: remount it read-write or choose another --out"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        hint = "give this user write permission on the output folder or choose another --out"
    else:
        hint = "fix the output folder, then build again"
    return OutputFolderError(f"cannot write {target}: {reason}. The build stopped here: every file in the output "
                             f"folder is still its old or its new complete version. {hint}")


@contextlib.contextmanager
def _open_folders(out_dir: Path, folders: list[str], replaced: list[str]) -> Iterator[int]:
    """A descriptor of ``out_dir/folders...``, each folder made or opened without following a symlink."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except (FileExistsError, NotADirectoryError) as exc:
        raise OutputError(f"cannot write under {out_dir}: {exc.filename or out_dir} exists and is not a folder") \
            from None
    try:
        walked: list[str] = []
        for segment in folders:
            walked.append(segment)
            inner = _open_folder(descriptor, segment, "/".join(walked), out_dir, replaced)
            os.close(descriptor)
            descriptor = inner
        yield descriptor
    finally:
        os.close(descriptor)


def _open_folder(parent: int, name: str, rel_path: str, out_dir: Path, replaced: list[str]) -> int:
    for _attempt in range(3):  # another process may be making or replacing it meanwhile
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, NEW_FOLDER_MODE, dir_fd=parent)
        except (NotADirectoryError, OSError) as exc:
            if isinstance(exc, NotADirectoryError) or exc.errno == errno.ELOOP:
                info = os.lstat(name, dir_fd=parent)
                if not stat.S_ISLNK(info.st_mode):
                    raise OutputError(f"cannot write under {out_dir / rel_path}: it exists and is not a folder") \
                        from None
                replaced.append(f"{rel_path}/ -> {_link_text(name, parent)}")
                os.unlink(name, dir_fd=parent)
                with contextlib.suppress(FileExistsError):
                    os.mkdir(name, NEW_FOLDER_MODE, dir_fd=parent)
            else:
                raise
    raise OutputError(f"cannot write under {out_dir / rel_path}: it keeps changing while the build writes")


def _link_text(name: str, folder: int) -> str:
    try:
        return os.readlink(name, dir_fd=folder)
    except OSError:
        return "?"


def _read(name: str, folder: int) -> bytes:
    descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
    with os.fdopen(descriptor, "rb") as stream:
        return stream.read()


def _replace_atomically(folder: int, name: str, data: bytes, mode: int) -> None:
    temp_name = f".{name}.feedkit-{secrets.token_hex(4)}.tmp"
    if len(temp_name.encode()) > 255:
        temp_name = f".feedkit-{secrets.token_hex(4)}.tmp"
    descriptor = os.open(temp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                         dir_fd=folder)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        os.replace(temp_name, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name, dir_fd=folder)
        raise
    with contextlib.suppress(OSError):  # make the rename durable; some file systems cannot fsync a folder
        os.fsync(folder)


def remove_stale_temp_files(out_dir: Path) -> list[str]:
    """Remove the temporary files that writes killed half-way left in the output folder; their paths.

    Walks the output folder (names only, no symlink followed)."""
    removed: list[str] = []
    if not out_dir.is_dir():
        return removed
    for folder, dirnames, filenames in os.walk(out_dir, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if TEMP_PATTERN.match(name):
                path = Path(folder) / name
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path.relative_to(out_dir).as_posix())
    return sorted(removed)


def publish_file(config: Config, rel_path: str, data: bytes, report: BuildReport,
                 target: OutputTarget | None = None) -> bool:
    """Write ``data`` to ``rel_path`` unless it already holds them; True when the file was written.

    ``target`` is where (:mod:`feedkit.output.target`; default: ``config``'s folder or bucket).
    In a dry run only the path is checked (nothing is written, False).  Every symlink the write
    replaced in an output folder is reported (a warning).
    """
    if target is None:
        from feedkit.output.target import open_target  # it builds on this module

        target = open_target(config)
    if report.dry_run:
        target.check(rel_path)
        return False
    replaced: list[str] = []
    try:
        written = target.write_if_changed(rel_path, data, replaced=replaced)
    finally:
        for link in replaced:
            report.problems.append(Problem(
                f"{target.where}/{link.split(' -> ')[0]}", f"was a symlink ({link}); replaced the link itself by a "
                "regular file or folder (nothing was written through it)", Severity.WARNING))
    if written:
        report.written.append(rel_path)
        return True
    report.unchanged.append(rel_path)
    return False
