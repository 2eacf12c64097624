"""Channel + entries -> RSS 2.0, Atom 1.0, JSON Feed 1.1, OPML 2.0 and index.json bytes.

This module is the renderers' one entry point (:data:`RENDERERS`, :data:`FILE_NAMES` and
every public name below); each format lives in its own module: :mod:`feedkit.rss`,
:mod:`feedkit.atom`, :mod:`feedkit.render_json` (JSON Feed and ``index.json``),
:mod:`feedkit.opml`, on top of the shared helpers in :mod:`feedkit.render_base`.

Pure functions: no I/O, no clock.  The XML formats are built with :mod:`lxml.etree`
directly (not feedgen, see ``docs/design.md``), JSON with :mod:`json`.

Choices every format shares:

* Entries are rendered in the order given (the caller sorts and caps them).
* Characters that XML forbids are removed from every string
  (:func:`feedkit.text.strip_illegal_xml_chars`), in JSON too, so all formats carry the
  same text.  Each entry is then built on its own; if it still fails (a naive datetime,
  a value of the wrong type) that entry is left out and reported in
  :attr:`Rendered.dropped`; the rest of the channel is rendered.
* Times are written in UTC without fractional seconds (RFC 822 ``+0000`` in RSS,
  RFC 3339 ``Z`` elsewhere), formatted by hand (no locale).
* The channel's "last updated" time is the newest ``updated or published`` of the
  rendered entries, never the wall clock; an Atom feed without entries says
  ``1970-01-01T00:00:00Z``; RSS omits ``lastBuildDate``.
* A category path is written as its names joined with ``/`` (``金融/新浪财经``), the
  RSS 2.0 convention for hierarchic categories; category paths and tags are written
  once each, in order (paths first).
* The generator is ``feedkit`` without a version, so an upgrade does not change bytes.
* ``http(s)`` URLs are percent-encoded (:func:`feedkit.identity.encode_url`); entry ids
  are written exactly as given.
* Language tags are written with ``-`` (``zh_CN`` -> ``zh-CN``); a value that is not a
  language tag is left out.
* RSS and Atom take an optional ``stylesheet`` href: a ``<?xml-stylesheet?>`` processing
  instruction right after the XML declaration, so a browser shows the feed as a page
  (:mod:`feedkit.pages`); feed readers ignore it.
* Optional channel fields (icon, logo, copyright, WebSub hubs, RFC 5005 archive links and
  ``is_archive``) and an entry's other copies (``via``) are written only when set, so a
  channel without them renders byte for byte as before they existed.  Empty strings count
  as unset; hubs and via links are written once each, in the given order; archive links
  in the order ``current``, ``prev-archive``, ``next-archive`` (any other relation is a
  ValueError).  Where each goes in each format: the format modules' docstrings.
* ``Channel.full_content=False``: entries are rendered as if they had no HTML content
  (no ``content:encoded``, Atom ``content`` or ``content_html``); the summary stays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Protocol

from feedkit.config.types import FILE_NAMES
from feedkit.links import file_url
from feedkit.model import Channel, Entry
from feedkit.render.atom import render_atom
from feedkit.render.common import Rendered, category_terms, format_rfc822, format_rfc3339
from feedkit.render.jsonfeed import render_index_json, render_json
from feedkit.render.opml import render_opml
from feedkit.render.rss import render_rss

__all__ = [
    "FILE_NAMES",
    "RENDERERS",
    "Rendered",
    "Renderer",
    "category_terms",
    "file_url",
    "format_rfc822",
    "format_rfc3339",
    "render_atom",
    "render_index_json",
    "render_json",
    "render_opml",
    "render_rss",
]

class Renderer(Protocol):
    """What every format's renderer is: a channel and its entries -> :class:`Rendered` bytes."""

    def __call__(self, channel: Channel, entries: Sequence[Entry], *, stylesheet: str | None = None) -> Rendered: ...


RENDERERS: Mapping[str, Renderer] = MappingProxyType(
    {"rss": render_rss, "atom": render_atom, "json": render_json}
)
"""Format name -> renderer."""

