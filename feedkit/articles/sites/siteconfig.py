"""A generator's config file -> a plain mapping, and the small typed readers the generator modules share.

YAML (safe loader), TOML (tomllib) or JSON, chosen by the file's extension.  Every failure is a
:class:`~feedkit.errors.ConfigError` naming the file (and the key, for a value of the wrong type):
a site whose config cannot be read is not guessed at.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from feedkit.errors import ConfigError
from feedkit.model import Problem, Severity

MAX_CONFIG_BYTES = 2 * 1024 * 1024
"""A site config larger than this is refused (real ones are a few kilobytes)."""
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_mapping(path: Path) -> dict[str, Any]:
    """The config file's top-level mapping (an empty file is an empty mapping)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read the site's config: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(str(path), f"site config larger than {MAX_CONFIG_BYTES} bytes: refused")
    try:
        text = data.decode("utf-8-sig")
        if path.suffix == ".toml":
            value: object = tomllib.loads(text)
        elif path.suffix == ".json":
            value = json.loads(text)
        else:  # a Jekyll config may open with a "---" document marker: one YAML document either way
            value = next(iter(yaml.load_all(text, Loader=_YAML_LOADER)), None)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError, yaml.YAMLError, ValueError) as exc:
        raise ConfigError(str(path), f"the site's config cannot be read: {exc}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(str(path), f"the site's config is a {type(value).__name__}, not a mapping of keys")
    return value


class Reader:
    """Typed access to one config mapping; a wrong type is a ConfigError naming ``file: key``."""

    def __init__(self, data: Mapping[str, Any], origin: Path, *, fold_case: bool = False) -> None:
        self.origin = origin
        self.fold_case = fold_case
        self.data = {str(k).lower(): v for k, v in data.items()} if fold_case else dict(data)

    def _name(self, key: str) -> str:
        return key.lower() if self.fold_case else key

    def has(self, key: str) -> bool:
        return self._name(key) in self.data

    def raw(self, key: str) -> Any:
        return self.data.get(self._name(key))

    def text(self, key: str) -> str | None:
        """A string (numbers become text); None when missing or empty."""
        value = self.raw(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ConfigError(f"{self.origin}: {key}", f"expected text, got {value!r}")
        return str(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
            return value.strip().lower() in ("true", "yes")
        if not isinstance(value, bool):
            raise ConfigError(f"{self.origin}: {key}", f"expected true or false, got {value!r}")
        return value

    def table(self, key: str) -> Reader:
        value = self.raw(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ConfigError(f"{self.origin}: {key}", f"expected a mapping, got {value!r}")
        return Reader(value, self.origin, fold_case=self.fold_case)

    def unsupported(self, keys: Iterable[str], why: str) -> Problem | None:
        """One warning naming every key of ``keys`` that is set (non-empty): what feedkit does not model."""
        found = [key for key in keys if self.raw(key) not in (None, "", [], {}, False)]
        if not found:
            return None
        return Problem(str(self.origin), f"not modelled by feedkit: {', '.join(found)} ({why})", Severity.WARNING)


    def patterns_about(self, folder: str, keys: Iterable[str]) -> Problem | None:
        """One warning naming the ``keys`` whose patterns mention ``folder`` (feedkit does not apply them)."""
        found = []
        for key in keys:
            value = self.raw(key)
            items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            found += [f"{key}: {item!r}" for item in items if isinstance(item, str) and folder in item]
        if not found:
            return None
        return Problem(str(self.origin), f"not modelled by feedkit: {', '.join(found)} (every post under {folder} "
                       "is read; exclude such files in feedkit.toml with exclude_files)", Severity.WARNING)


def site_url(url: str | None, root: str | None) -> str | None:
    """``url`` + ``root``/``baseurl`` as one URL ending in ``/``; None without an absolute http(s) url."""
    if not url or not url.startswith(("http://", "https://")):
        return None
    base = url.rstrip("/")
    sub = (root or "").strip("/")
    return f"{base}/{sub}/" if sub else f"{base}/"
