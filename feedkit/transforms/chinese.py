"""Simplified <-> Traditional Chinese with OpenCC (the ``opencc`` package: ``pip install feedkit[chinese]``).

The one place :mod:`opencc` is imported.  Chosen by test on the hexo-news corpus (docs/transforms.md):
the official bindings give the reference output and convert 50,000 characters in ~4 ms; the
pure-Python ports give the same text 10–40 times slower (``opencc-py`` installs the same
``opencc`` module where no wheel exists).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from feedkit.errors import ConfigError


@lru_cache(maxsize=16)
def converter(conversion: str, key: str = "convert") -> Callable[[str], str]:
    """``opencc.OpenCC(conversion).convert``; a :class:`ConfigError` naming ``key`` when OpenCC is missing."""
    try:
        import opencc  # optional: only configs with a chinese transform need it
    except ImportError:
        raise ConfigError(key, "Chinese conversion needs OpenCC: pip install 'feedkit[chinese]'") from None
    module: Any = opencc
    try:
        convert: Callable[[str], str] = module.OpenCC(conversion).convert
    except Exception as exc:  # a config file OpenCC does not ship
        raise ConfigError(key, f"OpenCC cannot load the conversion {conversion!r}: {exc}") from None
    return convert
