"""The channel list -> an OPML 2.0 subscription list (``index.opml``)."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from feedkit.links import file_url
from feedkit.model import ChannelInfo
from feedkit.render import common as base


def render_opml(title: str, channels: Sequence[ChannelInfo], base_url: str) -> bytes:
    """OPML 2.0 subscription list: one flat ``outline type="rss"`` per channel.

    ``xmlUrl`` is the channel's RSS file (else Atom, else JSON Feed); channels without
    files are left out.  ``category`` is the channel's category path joined with ``/``.
    No ``dateCreated`` (no clock) and no ``htmlUrl`` (a channel has no page of its own).
    """
    opml = etree.Element("opml", {"version": "2.0"})
    head = base.sub_element(opml, "head")
    base.sub_element(head, "title", base.clean_text(title))
    body = base.sub_element(opml, "body")
    for info in channels:
        feed_path = next((info.files[fmt] for fmt in base.FEED_PREFERENCE if info.files.get(fmt)), None)
        if feed_path is None:
            continue
        name = base.clean_text(info.title)
        xml_url = file_url(base_url, base.clean_text(feed_path))
        outline = base.sub_element(body, "outline", type="rss", text=name, title=name, xmlUrl=xml_url)
        description = base.clean_text(info.description).strip()
        if description:
            outline.set("description", description)
        if info.category:
            outline.set("category", "/".join(base.clean_text(part) for part in info.category))
    return base.serialize_xml(opml)
