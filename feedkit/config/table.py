"""A TOML table being read: typed getters that name the key on error, unknown keys rejected.

Used by :mod:`feedkit.config.load`; the value checks themselves are the ``check_*``
functions of :mod:`feedkit.config.types`, which the config objects run too.  Every error
is a :class:`~feedkit.errors.ConfigError` naming the full key (``feeds[2].interval``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

from feedkit.config.types import (
    MAX_DURATION,
    MAX_KEEP_DAYS,
    MAX_WHOLE_NUMBER,
    check_choice,
    check_css,
    check_duration,
    check_formats,
    check_positive_int,
    check_positive_number,
)
from feedkit.errors import ConfigError

__all__ = ["MAX_DURATION", "MAX_KEEP_DAYS", "MAX_WHOLE_NUMBER", "Table"]


class Table:
    """A TOML table being read: typed getters that name the key on error, unknown keys rejected."""

    def __init__(self, data: Mapping[str, Any], prefix: str) -> None:
        self.data = data
        self.prefix = prefix
        self.used: set[str] = set()

    def renamed(self, old: str, new: str) -> None:
        """Read the deprecated key ``old`` as ``new`` (with a warning naming both); both set is an error."""
        if old not in self.data:
            return
        self.used.add(old)
        if new in self.data:
            raise ConfigError(self.key(old), f"was renamed to {new!r}, which is also set: keep only {new!r}")
        warnings.warn(f"{self.key(old)}: this key was renamed to {new!r}; the old name will be removed in a "
                      "later release", FutureWarning, stacklevel=4)
        self.data = {**self.data, new: self.data[old]}

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def get(self, name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        self.used.add(name)
        if name not in self.data:
            return default
        value = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            raise ConfigError(self.key(name), f"expected {_kind_names(kinds)}, got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(self.key(name), f"expected a finite number, got {value!r}")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WHOLE_NUMBER:
            raise ConfigError(self.key(name), f"expected a whole number of at most {MAX_WHOLE_NUMBER}, got {value!r}")
        return value

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.get(name, str, default)
        if value is not None and not value.strip():
            raise ConfigError(self.key(name), "must not be empty")
        return value  # type: ignore[no-any-return]

    def strings(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.get(name, (list, str), None)
        if value is None:
            return default
        if isinstance(value, str):
            return (value,)
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise ConfigError(f"{self.key(name)}[{i}]", f"expected a string, got {item!r}")
        return tuple(value)

    def positive_int(self, name: str, default: int, maximum: int = MAX_WHOLE_NUMBER) -> int:
        return check_positive_int(self.key(name), self.get(name, int, default), maximum)

    def positive_number(self, name: str, default: float) -> float:
        return check_positive_number(self.key(name), self.get(name, (int, float), default))

    def duration(self, name: str, default: int) -> int:
        """Seconds, as a whole number or a string such as ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``."""
        return check_duration(self.key(name), self.get(name, (int, str), default))

    def choice(self, name: str, choices: tuple[str, ...], default: str | None) -> str | None:
        value = self.get(name, str, default)
        return None if value is None else check_choice(self.key(name), value, choices)

    def formats(self, name: str, default: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if name not in self.data:
            self.used.add(name)
            return default
        return check_formats(self.key(name), self.get(name, (list, str)))

    def selectors(self, name: str) -> tuple[str, ...]:
        return check_css(self.key(name), self.strings(name, ()))

    def table(self, name: str) -> Table:
        return Table(self.get(name, dict, {}), self.key(name))

    def tables(self, name: str) -> list[Table]:
        items = self.get(name, list, [])
        result = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise ConfigError(f"{self.key(name)}[{i}]", f"expected a table ([[{name}]])")
            result.append(Table(item, f"{self.key(name)}[{i}]"))
        return result

    def reject_unknown(self) -> None:
        for name in self.data:
            if name not in self.used:
                raise ConfigError(self.key(name), "unknown key (see docs/configuration.md)")


def _kind_names(kinds: tuple[type, ...]) -> str:
    names = {str: "a string", int: "a whole number", float: "a number", bool: "true or false", list: "a list",
             dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)
