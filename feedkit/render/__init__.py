"""Stage: a channel and its entries -> bytes.  Pure functions: no I/O, no clock.

:mod:`~feedkit.render.formats` is the table of renderers (RSS 2.0 :mod:`~feedkit.render.rss`,
Atom 1.0 :mod:`~feedkit.render.atom`, JSON Feed 1.1 :mod:`~feedkit.render.jsonfeed`) and the
rules they share; :mod:`~feedkit.render.opml` and :mod:`~feedkit.render.pages` (``index.html``,
the XSL stylesheet) render the channel list; :mod:`~feedkit.render.common` holds the helpers.
With :mod:`feedkit.html`, the only place lxml is imported.
"""

from __future__ import annotations

from feedkit.render.common import Rendered
from feedkit.render.formats import RENDERERS, render_atom, render_index_json, render_json, render_opml, render_rss

__all__ = [
    "RENDERERS",
    "Rendered",
    "render_atom",
    "render_index_json",
    "render_json",
    "render_opml",
    "render_rss",
]
