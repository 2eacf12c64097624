"""Exceptions raised by feedkit.

::

    FeedkitError            root: catch this to catch everything feedkit raises
    ├── ConfigError         a configuration key or command-line value is wrong (names the key)
    ├── InputError          one input (article file, upstream, entry) cannot be used (names it)
    ├── OutputError         the output folder cannot be written
    └── StoreError          the store file cannot be used: damaged, locked, newer schema (names the file)

Problems with single inputs do not normally escape :func:`feedkit.build`: they are
collected in the build report and the input is skipped.
"""

from __future__ import annotations

from pathlib import Path


class FeedkitError(Exception):
    """Root of every exception feedkit raises on purpose."""


class ConfigError(FeedkitError):
    """A configuration key or option has a wrong value; the message names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.reason = message


class InputError(FeedkitError):
    """One input cannot be used; the message names the file or URL."""

    def __init__(self, origin: str, message: str) -> None:
        super().__init__(f"{origin}: {message}")
        self.origin = origin
        self.reason = message


class OutputError(FeedkitError):
    """Writing the output failed."""


class StoreError(FeedkitError):
    """The store file cannot be used (damaged, locked, newer schema); the message names the file."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.reason = message
