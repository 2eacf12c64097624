"""An article file's text -> its front matter (a mapping) and its body.

Decoding
    UTF-8, with or without a BOM.  Text that is not UTF-8 is decoded as GB18030 (with a
    warning); text that is neither makes the article unusable.  Line ends become ``\\n``.

Front matter
    ``---`` YAML ``---`` (or ``...``), ``+++`` TOML ``+++``, or a leading JSON object.
    Blank lines before the opening fence (the seed's crawler writes one), a UTF-8 BOM,
    CRLF line ends and spaces after a fence are accepted; ``---`` inside a value is not a
    fence.  JSON front matter is read in article extensions (:data:`ARTICLE_EXTENSIONS`)
    only, so a ``data.json`` beside the posts is not an article.  Hexo also accepts YAML
    *without* an opening fence (``title: x`` ... ``---``): that is recognised only in
    ``.md``/``.markdown`` files whose first line is a ``key:`` line and whose text before
    the first ``---`` line is a YAML mapping with a known front-matter key.  Front matter larger
    than :data:`~feedkit.limits.MAX_FRONT_MATTER_BYTES` makes the article unusable.  YAML is loaded
    with PyYAML's safe loader only (LibYAML's ``CSafeLoader`` when installed: it also
    accepts tabs after a value, which the pure-Python loader rejects).

Nothing here reads files or knows what the keys mean; :mod:`feedkit.fields` does that.
"""

from __future__ import annotations

import codecs
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from feedkit.limits import MAX_FRONT_MATTER_BYTES

ARTICLE_EXTENSIONS = frozenset({".md", ".markdown", ".html", ".htm"})
"""Files with these extensions are always articles."""

Warn = Callable[[str], None]
"""Receives a warning about the article being read (without the file name)."""

_YAML = YAMLHandler()
"""python-frontmatter's YAML loader: ``yaml.load`` with LibYAML's safe loader when present, else PyYAML's."""
_KEY_LINE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*\s*:(?:\s|$)")
_TOML_LINE = re.compile(r"line (\d+)")


class UnusableArticle(Exception):
    """The article cannot be used; the message says why (without the file name)."""


@dataclass(frozen=True, slots=True)
class FrontMatterDocument:
    """An article's text split into its front matter and its body."""

    meta: dict[Any, Any]
    """The front matter's keys and values (empty when there is none)."""
    body: str
    """Everything after the front matter."""
    syntax: str
    """``yaml``, ``toml``, ``json`` or ``none``."""


def has_article_extension(rel_path: str) -> bool:
    """Whether ``rel_path`` ends with one of :data:`ARTICLE_EXTENSIONS` (any case)."""
    name = rel_path.rpartition("/")[2]
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in ARTICLE_EXTENSIONS


def decode(data: bytes, warn: Warn) -> str:
    """An article's bytes -> text with ``\\n`` line ends (see the module docstring).

    Raises :class:`UnusableArticle` when the bytes are neither UTF-8 nor GB18030.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise UnusableArticle(f"neither UTF-8 (bad byte at offset {utf8_error.start}) nor GB18030 text") from None
        warn("not valid UTF-8: decoded as GB18030")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def opening_fence(text: str) -> tuple[int, str] | None:
    """(line index, fence) of a ``---``/``+++`` first line after blank lines, else None."""
    text = text.removeprefix("\ufeff")
    for index, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        if line.strip():
            fence = line.rstrip()
            return (index, fence) if fence in ("---", "+++") else None
    return None


def split_front_matter(
    text: str, rel_path: str, known_keys: frozenset[str], *, is_article: bool = False
) -> FrontMatterDocument | None:
    """Front matter and body, or None when a non-article-extension file has no closed fence.

    ``text`` is :func:`decode`'s output.  ``known_keys`` are the keys of which at least
    one must be present for fenceless Hexo YAML to count as front matter.  ``is_article``: the file
    is an article whatever its extension (a site generator said so: Jekyll's ``.text`` posts).  Raises
    :class:`UnusableArticle` for front matter that is never closed, does not parse, or is
    not a mapping.
    """
    article_extension = is_article or has_article_extension(rel_path)
    lines = text.split("\n")
    opening = opening_fence(text)
    if opening is not None:
        start, fence = opening
        closers = ("---", "...") if fence == "---" else ("+++",)
        end = next((i for i in range(start + 1, len(lines)) if lines[i].rstrip() in closers), None)
        if end is None:
            if not article_extension:
                return None
            raise UnusableArticle(f"front matter opened with {fence!r} on line {start + 1} is never closed")
        raw = "\n".join(lines[start + 1 : end])
        _check_size(raw)
        body = "\n".join(lines[end + 1 :])
        if fence == "---":
            return FrontMatterDocument(_mapping(_load_yaml(raw, start + 2)), body, "yaml")
        return FrontMatterDocument(_mapping(_load_toml(raw, start + 2)), body, "toml")
    if not article_extension:
        return None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _json_document(text, len(text) - len(stripped))
    return _fenceless_yaml(lines, rel_path, known_keys) or FrontMatterDocument({}, text, "none")


def _fenceless_yaml(lines: list[str], rel_path: str, known_keys: frozenset[str]) -> FrontMatterDocument | None:
    """Hexo's front matter without an opening ``---`` (see the module docstring)."""
    if PurePosixPath(rel_path).suffix.lower() not in (".md", ".markdown"):
        return None
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None or not _KEY_LINE.match(lines[start]):
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        return None
    raw = "\n".join(lines[start:end])
    _check_size(raw)
    try:
        meta = _YAML.load(raw)
    except (yaml.YAMLError, ValueError, OverflowError):
        return None
    if not isinstance(meta, dict) or not known_keys.intersection(k for k in meta if isinstance(k, str)):
        return None
    return FrontMatterDocument(meta, "\n".join(lines[end + 1 :]), "yaml")


def _check_size(raw: str) -> None:
    size = len(raw.encode("utf-8", "surrogatepass"))
    if size > MAX_FRONT_MATTER_BYTES:
        raise UnusableArticle(f"front matter of {size} bytes is larger than the limit of {MAX_FRONT_MATTER_BYTES} "
                              "bytes")


def _load_yaml(raw: str, first_line: int) -> object:
    try:
        return _YAML.load(raw)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + first_line})" if mark is not None else ""
        reason = ": ".join(part for part in (exc.context, exc.problem) if part)
        raise UnusableArticle(f"front matter is not valid YAML{where}: {reason or exc}") from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise UnusableArticle(f"front matter is not valid YAML: {exc}") from None


def _load_toml(raw: str, first_line: int) -> object:
    try:
        return tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        reason = _TOML_LINE.sub(lambda m: f"line {int(m.group(1)) + first_line - 1}", str(exc))
        raise UnusableArticle(f"front matter is not valid TOML: {reason}") from None


def _json_document(text: str, offset: int) -> FrontMatterDocument:
    try:
        meta, end = json.JSONDecoder().raw_decode(text, offset)
    except json.JSONDecodeError as exc:
        raise UnusableArticle(f"JSON front matter is not valid (line {exc.lineno}): {exc.msg}") from None
    _check_size(text[offset:end])
    return FrontMatterDocument(_mapping(meta), text[end:].lstrip(" \t").removeprefix("\n"), "json")


def _mapping(value: object) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UnusableArticle(f"front matter is a {type(value).__name__}, not a mapping of keys to values")
    return value
