"""Finding the candidate article files of an article source.

Which files are articles
    ``.md``, ``.markdown``, ``.html`` and ``.htm`` files always (with or without front
    matter); a file with any other extension only when its text (after a BOM and blank
    lines) starts with a ``---`` or ``+++`` front-matter fence that is closed again.  JSON
    front matter (a ``{...}`` object at the start) is read in article extensions only, so
    a ``data.json`` beside the posts is not an article.  Files with NUL bytes are binary,
    not articles (an article-extension file that starts with a front-matter fence is read
    with its NUL bytes removed, see :func:`feedkit.articles.parse_article`).  Hidden files
    and folders (``.git``) are never read.

A source whose path is a site root (``source.site``, see :mod:`feedkit.articles.sites`) is walked
in the generator's content folders only, and its generator says which files are posts; every
file it does not take but a user might expect (a hidden Hexo post, a Jekyll file without a date in
its name) is reported with the generator's reason.

Discovery only looks at names, sizes and (for other extensions) the first
:data:`HEAD_BYTES`; whether the closing fence is there is settled when the file is read
(:func:`feedkit.articles.load_article`).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from feedkit.articles import sites
from feedkit.articles.frontmatter import has_article_extension, opening_fence
from feedkit.config.types import ArticleSourceConfig, SiteSettings
from feedkit.model import Problem, Severity

ARTICLE_MAX_BYTES = 10 * 1024 * 1024
"""Larger files are skipped and reported."""
HEAD_BYTES = 4096
"""How much of a file with another extension is read to look for a front-matter fence."""


def discover(source: ArticleSourceConfig) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """All candidate article files of a source as ``(path, rel_path)``, sorted by rel_path.

    ``rel_path`` is posix and relative to the configured path the file was found under; a
    configured path that is a file is used as it is (``rel_path`` = its name, include and
    exclude do not apply to it).  Inside folders only files matching an ``include`` glob
    and no ``exclude`` glob are taken (``**`` spans folders, ``*`` does not).  Hidden files
    and folders are skipped; symlinked folders are not followed and symlinked files only
    when they point inside the configured folder (both reported as warnings); files larger
    than :data:`ARTICLE_MAX_BYTES` are reported as errors.  Two files with the same
    rel_path (from two configured folders) would get the same id: the later is reported.
    """
    files, problems = discover_files(source)
    return [(Path(found.path), found.rel_path) for found in files], problems


class FoundFile(NamedTuple):
    """An article file as :func:`discover_files` found it: compact (a large site has many)."""

    path: str
    rel_path: str
    size: int
    mtime_ns: int
    """The file's size and modification time when it was listed (the parse cache compares them)."""


def discover_files(source: ArticleSourceConfig) -> tuple[list[FoundFile], list[Problem]]:
    """:func:`discover`, with each file's size and time (taken while listing: the parse cache needs no
    other ``stat``) and its path as text."""
    found: dict[str, FoundFile] = {}
    problems: list[Problem] = []
    for root in source.paths:
        for path, rel_path, info in _candidates(root, source, problems):
            if rel_path in found:
                message = (f"same relative path as {found[rel_path].path}: their ids would collide, so only that "
                           "one is read")
                problems.append(Problem(str(path), message))
                continue
            found[rel_path] = FoundFile(str(path), rel_path, info.st_size, info.st_mtime_ns)
    problems.sort(key=lambda problem: problem.origin)  # folders are read in the file system's order
    return [found[rel_path] for rel_path in sorted(found)], problems


def unavailable(source: ArticleSourceConfig) -> tuple[Path, str] | None:
    """The first configured path of ``source`` that is missing or cannot be read as a whole, and why.

    A folder must exist and be listable, a file must exist and open for reading: a mistyped or
    unmounted folder is not an empty one.  (Single files inside a folder that cannot be read are
    reported one by one when they are parsed.)
    """
    for root in source.paths:
        try:
            info = root.stat()
        except (FileNotFoundError, NotADirectoryError):
            return root, "does not exist (a mistyped path, or a folder that is not mounted?)"
        except OSError as exc:
            return root, f"cannot be read: {exc.strerror or exc}"
        try:
            if stat.S_ISDIR(info.st_mode):
                with os.scandir(root) as entries:
                    next(entries, None)
            else:
                os.close(os.open(root, os.O_RDONLY | os.O_CLOEXEC))
        except OSError as exc:
            return root, f"cannot be read: {exc.strerror or exc}"
    return None


def _candidates(root: Path, source: ArticleSourceConfig,
                problems: list[Problem]) -> Iterator[tuple[Path, str, os.stat_result]]:
    if source.site is not None:
        yield from _site_candidates(source, source.site, problems)
        return
    if not root.exists():
        problems.append(Problem(str(root), f"configured path of source {source.name!r} does not exist"))
        return
    if not root.is_dir():
        info = _size_ok(root, problems)
        if info is not None:
            yield root, root.name, info
        return
    for path, rel_path, item in _walk(root, problems):
        if not _matches_any(rel_path, source.include_files) or _matches_any(rel_path, source.exclude_files):
            continue
        info = _size_ok(path, problems, item)
        if info is not None and _is_article_file(path, rel_path, problems):
            yield path, rel_path, info


def _site_candidates(source: ArticleSourceConfig, site: SiteSettings,
                     problems: list[Problem]) -> Iterator[tuple[Path, str, os.stat_result]]:
    """The posts of a generator's site: its content folders walked, each file asked of the generator's
    rules (:mod:`feedkit.articles.sites`); a file it does not take is reported with its reason."""
    rules = sites.rules_for(site)
    for folder in sites.content_roots(site):
        for path, _inner, item in _walk(folder, problems):
            rel_path = path.relative_to(site.root).as_posix()
            if not _matches_any(rel_path, source.include_files) or _matches_any(rel_path, source.exclude_files):
                continue
            verdict = rules.classify(site, rel_path)
            if not verdict.post:
                if verdict.hidden and source.publish_hidden:
                    problems.append(Problem(str(path), f"published because publish_hidden is set, although "
                                            f"{verdict.reason}", Severity.WARNING))
                elif verdict.reason:
                    problems.append(Problem(str(path), verdict.reason, Severity.WARNING))
                    continue
                else:
                    continue
            info = _size_ok(path, problems, item)
            if info is not None:
                yield path, rel_path, info


def _walk(root: Path, problems: list[Problem]) -> Iterator[tuple[Path, str, os.DirEntry[str]]]:
    """Every file under ``root`` (hidden names and symlinked folders skipped, symlinked files only when
    they point inside ``root``), in the order the file system lists them (:func:`discover_files`
    sorts).  One ``scandir`` per folder, read as it comes: whether an entry is a folder or a symlink
    comes with the listing, without a system call per file, and a folder of a million files is never
    held in memory as a list."""
    real_root = root.resolve()
    folders: list[tuple[Path, str]] = [(root, "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            listing = os.scandir(folder)
        except OSError as error:
            problems.append(Problem(str(error.filename or folder), f"cannot list folder: {error.strerror or error}"))
            continue
        below: list[tuple[Path, str]] = []
        with listing:
            yield from _listed(listing, folder, prefix, real_root, below, problems)
        folders.extend(sorted(below, reverse=True))


def _listed(listing: Iterator[os.DirEntry[str]], folder: Path, prefix: str, real_root: Path,
            below: list[tuple[Path, str]], problems: list[Problem]) -> Iterator[tuple[Path, str, os.DirEntry[str]]]:
    """The files of one folder listing (its folders go to ``below``)."""
    while True:
        try:
            item = next(listing, None)
        except OSError as error:  # the folder went away while it was read
            problems.append(Problem(str(folder), f"cannot list folder: {error.strerror or error}"))
            return
        if item is None:
            return
        name = item.name
        if name.startswith("."):
            continue
        path = folder / name
        try:
            is_folder = item.is_dir(follow_symlinks=False)
        except OSError:
            is_folder = False
        if is_folder:
            below.append((path, f"{prefix}{name}/"))
            continue
        if item.is_symlink():
            if _points_to_folder(path):
                problems.append(Problem(str(path), "symlinked folder not followed", Severity.WARNING))
                continue
            if not _inside(path, real_root, problems):
                continue
        yield path, prefix + name, item


def _points_to_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a loop
        return False


def _inside(path: Path, real_root: Path, problems: list[Problem]) -> bool:
    if not path.is_symlink():
        return True
    try:
        target = path.resolve()
        if target.is_relative_to(real_root) and target.is_file():
            return True
        message = "symlink points outside the article folder (or nowhere): skipped"
    except (OSError, RuntimeError) as exc:  # a loop: RuntimeError before Python 3.13, then OSError
        message = f"symlink cannot be followed ({exc}): skipped"
    problems.append(Problem(str(path), message, Severity.WARNING))
    return False


def _size_ok(path: Path, problems: list[Problem], item: os.DirEntry[str] | None = None) -> os.stat_result | None:
    """The file's ``stat`` (through symlinks), when it is a regular file small enough to read."""
    try:
        info = item.stat() if item is not None else path.stat()
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read file: {exc.strerror or exc}"))
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    if info.st_size > ARTICLE_MAX_BYTES:
        problems.append(Problem(str(path), f"file is larger than {ARTICLE_MAX_BYTES} bytes ({info.st_size}): skipped"))
        return None
    return info


def _is_article_file(path: Path, rel_path: str, problems: list[Problem]) -> bool:
    if has_article_extension(rel_path):
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read file: {exc.strerror or exc}"))
        return False
    return b"\x00" not in head and opening_fence(head.decode("utf-8", "replace")) is not None


def _matches_any(rel_path: str, patterns: Sequence[str]) -> bool:
    return any(_glob_regex(pattern).fullmatch(rel_path) for pattern in patterns)


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob relative to the configured folder: ``**/`` any folders, ``*`` and ``?`` within one name."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))
