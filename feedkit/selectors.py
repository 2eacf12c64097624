"""CSS selectors given by users (``drop_selectors``): checked once, with one message.

Only :mod:`cssselect` (the parser lxml's selectors are built on) is used here, so checking a
config does not load the HTML cleaner.
"""

from __future__ import annotations

from collections.abc import Sequence

from cssselect import HTMLTranslator, SelectorError

from feedkit.errors import ConfigError

_TRANSLATOR = HTMLTranslator()


def check_selectors(selectors: Sequence[str], key: str) -> None:
    """Raise :class:`~feedkit.errors.ConfigError` naming ``key`` and the first CSS selector
    that does not parse or that cssselect cannot use (such as pseudo-elements)."""
    for selector in selectors:
        try:
            _TRANSLATOR.css_to_xpath(selector)
        except SelectorError as exc:
            raise ConfigError(key, f"invalid CSS selector {selector!r}: {exc}") from None
