"""The transforms a ``[[transforms]]`` table names by ``type`` (docs/transforms.md has an example of each).

Each ``make_*`` takes the table's :class:`~feedkit.config.types.TransformConfig` and returns a
plain ``Entry -> Entry | None`` function; everything that can be checked is checked here, once,
before any entry is read.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from feedkit import html
from feedkit.config.types import TRANSFORM_TEXT_FIELDS, TransformConfig
from feedkit.errors import ConfigError
from feedkit.model import Entry, Image
from feedkit.transforms import chinese
from feedkit.transforms.rules import Rule

Transform = Callable[[Entry], "Entry | None"]
_FIELD_ATTRIBUTE = {"title": "title", "summary": "summary", "content": "content_html"}


def make(spec: TransformConfig, key: str, *, now: datetime, allow_code: bool) -> Transform:
    """The function for one ``[[transforms]]`` table (``key`` names it in errors: ``transforms[2]``)."""
    makers: dict[str, Callable[[], Transform]] = {
        "replace": lambda: make_replace(spec),
        "drop_elements": lambda: make_drop_elements(spec),
        "proxy_images": lambda: make_proxy_images(spec),
        "categories": lambda: make_categories(spec, now),
        "keep": lambda: make_keep(spec, now, keep=True),
        "drop": lambda: make_keep(spec, now, keep=False),
        "chinese": lambda: make_chinese(spec, f"{key}.convert"),
        "code": lambda: load_function(spec.function, f"{key}.function", allow_code=allow_code),
    }
    if spec.type not in makers:
        raise ConfigError(f"{key}.type", f"unknown transform type {spec.type!r}")
    return makers[spec.type]()


def make_replace(spec: TransformConfig) -> Transform:
    """``re.sub(pattern, replacement)`` on the chosen text fields.  In ``content`` the pattern
    sees the sanitized HTML, and the result is sanitized again."""
    pattern = re.compile(spec.pattern)
    fields = spec.fields or TRANSFORM_TEXT_FIELDS

    def replace_text(entry: Entry) -> Entry:
        changes: dict[str, Any] = {}
        for name in fields:
            attribute = _FIELD_ATTRIBUTE[name]
            old = getattr(entry, attribute)
            new = pattern.sub(spec.replacement, old)
            if new != old:
                changes[attribute] = html.clean_html(new, base_url=None) if name == "content" else new
        return replace(entry, **changes) if changes else entry

    return replace_text


def make_drop_elements(spec: TransformConfig) -> Transform:
    """Remove the elements matching CSS selectors from the content (classes and ids are already
    gone there: for those use the source's ``drop_selectors``, which run before sanitizing)."""
    selectors = spec.selectors

    def drop_elements(entry: Entry) -> Entry:
        content, removed = html.drop_selected(entry.content_html, selectors)
        return replace(entry, content_html=content) if removed else entry

    return drop_elements


def make_proxy_images(spec: TransformConfig) -> Transform:
    """Send image URLs (content images, the entry's image) through a proxy URL template."""
    template, hosts = spec.template, spec.hosts
    proxy_host = urlsplit(template.format(url="", url_raw="")).hostname

    def rewrite(url: str) -> str:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host or host == proxy_host:
            return url
        if hosts and not any(host == h or host.endswith("." + h) for h in hosts):
            return url
        return template.format(url=quote(url, safe=""), url_raw=url)

    def proxy_images(entry: Entry) -> Entry:
        content = html.rewrite_image_urls(entry.content_html, rewrite)
        image = entry.image
        if image is not None and rewrite(image.url) != image.url:
            image = Image(rewrite(image.url), image.mime_type)
        if content == entry.content_html and image is entry.image:
            return entry
        return replace(entry, content_html=content, image=image)

    return proxy_images


def make_categories(spec: TransformConfig, now: datetime) -> Transform:
    """Give entries that match the rule (all, without one) these categories, added or instead."""
    rule = Rule.of(spec, now)
    given = spec.categories

    def set_categories(entry: Entry) -> Entry:
        if not rule.matches(entry):
            return entry
        paths = given if spec.mode == "set" else tuple(dict.fromkeys((*entry.categories, *given)))
        return entry if paths == entry.categories else replace(entry, categories=paths)

    return set_categories


def make_keep(spec: TransformConfig, now: datetime, *, keep: bool) -> Transform:
    """``keep``: entries that do not match the rule are dropped; ``drop``: those that do."""
    rule = Rule.of(spec, now)

    def keep_or_drop(entry: Entry) -> Entry | None:
        return entry if rule.matches(entry) == keep else None

    keep_or_drop.__name__ = "keep" if keep else "drop"
    return keep_or_drop


def make_chinese(spec: TransformConfig, key: str) -> Transform:
    """OpenCC conversion of the chosen fields (categories and tags only when named)."""
    convert = chinese.converter(spec.convert, key)
    fields = spec.fields or TRANSFORM_TEXT_FIELDS

    def convert_chinese(entry: Entry) -> Entry:
        changes: dict[str, Any] = {}
        for name in fields:
            if name == "categories":
                changes["categories"] = tuple(tuple(convert(part) for part in path) for path in entry.categories)
            elif name == "tags":
                changes["tags"] = tuple(dict.fromkeys(convert(tag) for tag in entry.tags))
            else:
                attribute = _FIELD_ATTRIBUTE[name]
                changes[attribute] = convert(getattr(entry, attribute))
        return replace(entry, **changes)

    return convert_chinese


def load_function(reference: str, key: str, *, allow_code: bool) -> Transform:
    """Import ``module:function`` (only with ``allow_code``) and check that it can be called."""
    if not allow_code:
        raise ConfigError(key, f"{reference!r} names Python code, and loading code a config file names is a trust "
                          "decision: set 'allow_code = true' at the top of feedkit.toml or pass --allow-code")
    module_name, _, attribute = reference.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or the module itself failing
        raise ConfigError(key, f"cannot import {module_name!r}: {type(exc).__name__}: {exc}") from None
    for part in attribute.split("."):
        target = getattr(target, part, None)
    if not callable(target):
        raise ConfigError(key, f"{reference!r} is not a function in {module_name!r}")
    function: Transform = target
    return function
